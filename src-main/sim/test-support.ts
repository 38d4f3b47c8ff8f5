// Test-only helpers: an HTTPS client that pins the simulator's certificate (by fingerprint or as
// the trusted CA), speaks PVE's auth schemes and decodes replies, plus paths to the shared PVE
// reference data. Not imported by production code.

import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TLSSocket } from 'node:tls';

export const REFERENCE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/reference/pve');
export const APIDOC_PATH = path.join(REFERENCE_DIR, 'apidoc.json');

export interface ApiReply<T = unknown> {
  status: number;
  reason: string;
  /** Parsed JSON body; undefined when the body is empty. */
  body: { data: T; total?: number; message?: string; errors?: Record<string, string> } | undefined;
  raw: string;
  headers: Record<string, string | string[] | undefined>;
  /** SHA-256 fingerprint of the certificate the server presented. */
  peerFingerprint: string;
}

export interface Credentials {
  token?: string;
  ticket?: string;
  csrf?: string;
}

export interface RequestOptions extends Credentials {
  /** Query string for GET/DELETE, body for POST/PUT (form-encoded unless `json`). */
  params?: Record<string, string | number | boolean>;
  json?: boolean;
  headers?: Record<string, string>;
  /** Expected certificate fingerprint; the request fails if the server presents another. */
  fingerprint?: string;
  /** Verify the server against this PEM as trust anchor instead of pinning a fingerprint. */
  ca?: string;
  /** Raw path, sent as is (no /api2/json prefix). */
  rawPath?: boolean;
}

export function api<T = unknown>(baseUrl: string, method: string, apiPath: string, opts: RequestOptions = {}): Promise<ApiReply<T>> {
  const url = new URL(baseUrl);
  const params = opts.params ?? {};
  const encoded = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const write = method === 'POST' || method === 'PUT';
  let reqPath = opts.rawPath ? apiPath : `/api2/json${apiPath}`;
  if (!write && encoded) reqPath += `${reqPath.includes('?') ? '&' : '?'}${encoded}`;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = opts.token;
  if (opts.ticket) headers.Cookie = `PVEAuthCookie=${encodeURIComponent(opts.ticket)}`;
  if (opts.csrf) headers.CSRFPreventionToken = opts.csrf;
  let payload: string | undefined;
  if (write) {
    payload = opts.json ? JSON.stringify(params) : encoded;
    headers['Content-Type'] = opts.json ? 'application/json' : 'application/x-www-form-urlencoded';
  }
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: url.hostname,
      port: url.port,
      method,
      path: reqPath,
      headers,
      agent: false,
      ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }),
    }, (res) => {
      const socket = res.socket as TLSSocket;
      const peerFingerprint = socket.getPeerCertificate().fingerprint256;
      if (opts.fingerprint && peerFingerprint !== opts.fingerprint) {
        res.destroy();
        reject(new Error(`certificate fingerprint mismatch: ${peerFingerprint}`));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? '',
          body: raw ? (JSON.parse(raw) as ApiReply<T>['body']) : undefined,
          raw,
          headers: res.headers,
          peerFingerprint,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Bound client for one cluster URL with a token. */
export function client(baseUrl: string, creds: Credentials) {
  return {
    get: <T = unknown>(p: string, params?: RequestOptions['params']) => api<T>(baseUrl, 'GET', p, { ...creds, ...(params ? { params } : {}) }),
    post: <T = unknown>(p: string, params?: RequestOptions['params']) => api<T>(baseUrl, 'POST', p, { ...creds, ...(params ? { params } : {}) }),
    put: <T = unknown>(p: string, params?: RequestOptions['params']) => api<T>(baseUrl, 'PUT', p, { ...creds, ...(params ? { params } : {}) }),
    del: <T = unknown>(p: string, params?: RequestOptions['params']) => api<T>(baseUrl, 'DELETE', p, { ...creds, ...(params ? { params } : {}) }),
  };
}

export function upidPath(node: string, upid: string, tail: 'status' | 'log' | '' = 'status'): string {
  return `/nodes/${node}/tasks/${encodeURIComponent(upid)}${tail ? `/${tail}` : ''}`;
}

/** Polls a task until it stops (wall clock), returning its final status entry. */
export async function waitForTask(baseUrl: string, token: string, upid: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const node = upid.split(':')[1] ?? '';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api<Record<string, unknown>>(baseUrl, 'GET', upidPath(node, upid), { token });
    const data = r.body?.data;
    if (data && data.status === 'stopped') return data;
    if (Date.now() > deadline) throw new Error(`task ${upid} still running`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
