/**
 * Test scaffolding for the PVE client tests (imported only by *.test.ts):
 * throw-away ECDSA P-256 certificates made with @peculiar/x509 on Node's
 * webcrypto, a scriptable HTTPS server on 127.0.0.1 that records every
 * request, and a raw TLS server that records whether any byte arrived.
 */
import { webcrypto } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type * as X509 from '@peculiar/x509';
import { fingerprintOf } from './tls-trust';

type MetadataMap = Map<unknown, unknown>;
type ReflectWithMetadata = typeof Reflect & {
  getMetadata?: (key: unknown, target: object, prop?: string | symbol) => unknown;
  [k: string]: unknown;
};

/**
 * @peculiar/x509 pulls in tsyringe, which insists on the reflect-metadata
 * API at load time. The project does not depend on reflect-metadata, so the
 * few functions tsyringe calls are provided here (tests only), before the
 * library is loaded with a dynamic import.
 */
function installReflectMetadata(): void {
  const R = Reflect as ReflectWithMetadata;
  if (typeof R.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<string | symbol | undefined, MetadataMap>>();
  const own = (target: object, prop: string | symbol | undefined, create: boolean): MetadataMap | undefined => {
    let byProp = store.get(target);
    if (!byProp && create) store.set(target, (byProp = new Map()));
    let m = byProp?.get(prop);
    if (!m && create && byProp) byProp.set(prop, (m = new Map()));
    return m;
  };
  const getOwnMetadata = (key: unknown, target: object, prop?: string | symbol): unknown => own(target, prop, false)?.get(key);
  const getMetadata = (key: unknown, target: object, prop?: string | symbol): unknown => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const m = own(t, prop, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  const defineMetadata = (key: unknown, value: unknown, target: object, prop?: string | symbol): void => {
    own(target, prop, true)!.set(key, value);
  };
  Object.assign(R, {
    getOwnMetadata,
    getMetadata,
    defineMetadata,
    hasOwnMetadata: (key: unknown, target: object, prop?: string | symbol) => own(target, prop, false)?.has(key) ?? false,
    hasMetadata: (key: unknown, target: object, prop?: string | symbol) => getMetadata(key, target, prop) !== undefined,
    metadata: (key: unknown, value: unknown) => (target: object, prop?: string | symbol) => defineMetadata(key, value, target, prop),
  });
}

let x509Promise: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  installReflectMetadata();
  x509Promise ??= import('@peculiar/x509').then((m) => {
    m.cryptoProvider.set(webcrypto as never);
    return m;
  });
  return x509Promise;
}

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface TestCert {
  certPem: string;
  keyPem: string;
  fingerprint: string;
  der: Buffer;
}

interface Issuer {
  cert: X509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export interface TestCa extends TestCert {
  issue(opts?: CertOptions): Promise<TestCert>;
}

export interface CertOptions {
  cn?: string;
  ips?: string[];
  dns?: string[];
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  const b64 = Buffer.from(pkcs8).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify']);
}

function sanExtension(x509: typeof X509, opts: CertOptions): X509.Extension[] {
  const names: { type: 'ip' | 'dns'; value: string }[] = [
    ...(opts.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
    ...(opts.dns ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
  ];
  return [new x509.SubjectAlternativeNameExtension(names)];
}

async function toTestCert(cert: X509.X509Certificate, keys: webcrypto.CryptoKeyPair): Promise<TestCert> {
  const der = Buffer.from(cert.rawData);
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey), fingerprint: fingerprintOf(der), der };
}

const dayMs = 24 * 3600 * 1000;

/** Self-signed leaf like a fresh PVE node's, valid for 127.0.0.1 and localhost by default. */
export async function selfSignedCert(opts: CertOptions = {}): Promise<TestCert> {
  const x509 = await loadX509();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${opts.cn ?? 'pve-test.local'}`,
    keys,
    signingAlgorithm: SIGN_ALG,
    notBefore: new Date(Date.now() - dayMs),
    notAfter: new Date(Date.now() + 30 * dayMs),
    extensions: [new x509.BasicConstraintsExtension(false), ...sanExtension(x509, opts)],
  });
  return toTestCert(cert, keys);
}

/** A CA like /etc/pve/pve-root-ca.pem, able to issue node certificates. */
export async function testCa(cn = 'Test PVE Cluster CA'): Promise<TestCa> {
  const x509 = await loadX509();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: SIGN_ALG,
    notBefore: new Date(Date.now() - dayMs),
    notAfter: new Date(Date.now() + 365 * dayMs),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const issuer: Issuer = { cert, keys };
  const base = await toTestCert(cert, keys);
  return {
    ...base,
    issue: async (opts: CertOptions = {}) => {
      const leafKeys = await newKeys();
      const leaf = await x509.X509CertificateGenerator.create({
        subject: `CN=${opts.cn ?? 'pve1.test'}`,
        issuer: issuer.cert.subject,
        publicKey: leafKeys.publicKey,
        signingKey: issuer.keys.privateKey,
        signingAlgorithm: SIGN_ALG,
        notBefore: new Date(Date.now() - dayMs),
        notAfter: new Date(Date.now() + 30 * dayMs),
        extensions: [new x509.BasicConstraintsExtension(false), ...sanExtension(x509, opts)],
      });
      return toTestCert(leaf, leafKeys);
    },
  };
}

// ---- scriptable PVE-like HTTPS server ------------------------------------------------

export interface RecordedRequest {
  method: string;
  /** Path below /api2/json, percent-decoded. */
  path: string;
  rawPath: string;
  query: URLSearchParams;
  form: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Remote port: distinguishes TCP connections (keep-alive reuse). */
  remotePort: number;
  at: number;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface TestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** TLS handshakes completed, i.e. connections opened. */
  connections: () => number;
  setHandler(h: Handler): void;
  /** Switches to another certificate and drops open connections, like a certificate renewal plus pveproxy restart. */
  rotate(next: TestCert): void;
  close(): Promise<void>;
}

/** Writes a PVE-style answer: JSON body, optional reason phrase, optional gzip. */
export function reply(res: ServerResponse, status: number, body: unknown, reason?: string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.statusCode = status;
  if (reason !== undefined) res.statusMessage = reason;
  res.setHeader('Content-Type', 'application/json;charset=UTF-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export async function startPveServer(cert: TestCert, handler: Handler, opts: { prefix?: string } = {}): Promise<TestServer> {
  let current = handler;
  let handshakes = 0;
  const requests: RecordedRequest[] = [];
  const prefix = `${opts.prefix ?? ''}/api2/json`;
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem, keepAliveTimeout: 5000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const u = new URL(req.url ?? '/', 'https://x');
      const rawPath = u.pathname.startsWith(prefix) ? u.pathname.slice(prefix.length) : u.pathname;
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: decodeURIComponent(rawPath),
        rawPath,
        query: u.searchParams,
        form: new URLSearchParams(body),
        headers: req.headers,
        body,
        remotePort: req.socket.remotePort ?? 0,
        at: Date.now(),
      };
      requests.push(rec);
      Promise.resolve(current(rec, res)).catch(() => {
        if (!res.headersSent) reply(res, 599, { data: null }, 'test handler crashed');
      });
    });
  });
  server.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}${opts.prefix ?? ''}`,
    port,
    requests,
    connections: () => handshakes,
    setHandler: (h) => {
      current = h;
    },
    rotate: (next) => {
      server.setSecureContext({ cert: next.certPem, key: next.keyPem });
      server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- raw servers ------------------------------------------------------------------------------

export interface RawTlsServer {
  port: number;
  /** Application bytes received after the handshake, across all connections. */
  bytesReceived: () => number;
  /** TCP connections accepted (the TLS handshake may not finish server-side when the client walks away). */
  connections: () => number;
  close(): Promise<void>;
}

/** TLS server that completes handshakes, records any application data, and never answers. */
export async function startRawTlsServer(cert: TestCert): Promise<RawTlsServer> {
  let bytes = 0;
  let connections = 0;
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (sock) => {
    sockets.add(sock);
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
    });
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  server.on('connection', () => connections++);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    bytesReceived: () => bytes,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that was just free: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
