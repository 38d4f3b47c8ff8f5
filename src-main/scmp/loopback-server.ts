/**
 * A loopback SCMP implementing the published contract on 127.0.0.1 over
 * HTTPS with a self-signed certificate, for tests and demos: tenants,
 * quotas, role bindings and policies with revisions (ETag, `since` cursor,
 * deletions), content-addressed bundle storage, and fault switches (revoked
 * token, 429 with Retry-After, 500, a changed certificate, malformed bodies,
 * calls never answered).
 * It is a real server, not a mock: the client reaches it through its
 * production path, pinning included.
 */
import { createHash } from 'node:crypto';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCertificate } from '../sim';
import {
  BUNDLE_KINDS,
  SCMP_API_BASE,
  type BundleKind,
  type BundleReceipt,
  type Collection,
  type CollectionItem,
  type ScmpInfo,
} from './schemas';

export interface ScmpFaults {
  /** Every call answers 401, as after the token was revoked in the SCMP. */
  revokedToken: boolean;
  /** The next N calls answer 429 with Retry-After. */
  rateLimit: number;
  retryAfterSeconds: number;
  /** The next N calls answer 500. */
  serverError: number;
  /** The next N successful answers carry a body outside the contract. */
  malformedBody: number;
  /** The next N calls are never answered (the connection stays open), for client deadlines. */
  hang: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** Whether an Authorization header arrived (never its value). */
  authorized: boolean;
}

interface Stored<T> {
  rev: number;
  value: T;
}

class CollectionState<T extends { id: string }> {
  readonly items = new Map<string, Stored<T>>();
  readonly tombstones = new Map<string, number>();
  lastRev = 0;
}

export interface LoopbackScmpOptions {
  token: string;
  maxBundleBytes?: number;
}

export class LoopbackScmpServer {
  readonly faults: ScmpFaults = { revokedToken: false, rateLimit: 0, retryAfterSeconds: 1, serverError: 0, malformedBody: 0, hang: 0 };
  readonly requests: RecordedRequest[] = [];
  readonly bundles = new Map<string, { bytes: Buffer; receivedAt: string }>();
  readonly maxBundleBytes: number;
  private rev = 0;
  private readonly state: { [C in Collection]: CollectionState<CollectionItem[C]> } = {
    tenants: new CollectionState(),
    quotas: new CollectionState(),
    'role-bindings': new CollectionState(),
    policies: new CollectionState(),
  };
  private certFingerprint: string;

  private constructor(
    private readonly server: https.Server,
    fingerprint: string,
    private readonly token: string,
    maxBundleBytes: number,
  ) {
    this.certFingerprint = fingerprint;
    this.maxBundleBytes = maxBundleBytes;
  }

  static async start(opts: LoopbackScmpOptions): Promise<LoopbackScmpServer> {
    const cert = generateCertificate({ commonName: 'scmp-loopback.cairn.invalid' });
    const server = https.createServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' });
    const s = new LoopbackScmpServer(server, cert.fingerprint, opts.token, opts.maxBundleBytes ?? 8 * 1024 * 1024);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => s.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return s;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get fingerprint(): string {
    return this.certFingerprint;
  }

  /** A new certificate (new key), as after a reinstall or an attack; open connections are dropped. */
  rotateCertificate(): string {
    const cert = generateCertificate({ commonName: 'scmp-loopback.cairn.invalid' });
    this.server.setSecureContext({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' });
    this.server.closeAllConnections();
    this.certFingerprint = cert.fingerprint;
    return cert.fingerprint;
  }

  upsert<C extends Collection>(collection: C, item: CollectionItem[C]): void {
    const st = this.state[collection] as CollectionState<CollectionItem[C]>;
    st.lastRev = ++this.rev;
    st.items.set(item.id, { rev: st.lastRev, value: item });
    st.tombstones.delete(item.id);
  }

  remove(collection: Collection, id: string): void {
    const st = this.state[collection];
    if (!st.items.delete(id)) return;
    st.lastRev = ++this.rev;
    st.tombstones.set(id, st.lastRev);
  }

  /** What the SCMP holds now, by id (for tests comparing a client's cache). */
  items<C extends Collection>(collection: C): CollectionItem[C][] {
    return [...(this.state[collection] as CollectionState<CollectionItem[C]>).items.values()].map((s) => s.value).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://scmp.invalid');
    const record = (status: number): void => {
      this.requests.push({ method: req.method ?? '', path: url.pathname + url.search, status, authorized: req.headers.authorization !== undefined });
    };
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record(status);
      const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { ...(text ? { 'Content-Type': 'application/json' } : {}), 'Content-Length': String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    };
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}): void => {
      // A request whose body we will not read: close the connection rather than drain it.
      if (req.method === 'PUT' && !req.readableEnded) headers = { ...headers, Connection: 'close' };
      send(status, { error: { code, message } }, headers);
      if (headers.Connection === 'close') req.resume();
    };
    const ok = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      if (this.faults.malformedBody > 0) {
        this.faults.malformedBody--;
        send(status, status === 304 ? undefined : '{"items": [{"id": 42}], "cursor": ', headers);
        return;
      }
      send(status, body, headers);
    };

    if (!url.pathname.startsWith(`${SCMP_API_BASE}/`)) return error(404, 'not_found', 'No such path');
    if (this.faults.revokedToken || req.headers.authorization !== `Bearer ${this.token}`) {
      return error(401, 'unauthorized', 'The token is missing, wrong or revoked');
    }
    if (this.faults.hang > 0) {
      this.faults.hang--;
      record(0);
      req.resume();
      return;
    }
    if (this.faults.rateLimit > 0) {
      this.faults.rateLimit--;
      return error(429, 'rate_limited', 'Too many requests', { 'Retry-After': String(this.faults.retryAfterSeconds) });
    }
    if (this.faults.serverError > 0) {
      this.faults.serverError--;
      return error(500, 'internal', 'Injected failure');
    }
    const path = url.pathname.slice(SCMP_API_BASE.length);
    if (req.method === 'GET' && path === '/info') {
      const info: ScmpInfo = { service: 'Cairn loopback SCMP', apiVersion: '1', maxBundleBytes: this.maxBundleBytes };
      return ok(200, info);
    }
    const collection = path.slice(1) as Collection;
    if (req.method === 'GET' && Object.prototype.hasOwnProperty.call(this.state, collection)) {
      const st = this.state[collection] as CollectionState<{ id: string }>;
      const sinceText = url.searchParams.get('since');
      if (sinceText !== null && !/^\d{1,15}$/.test(sinceText)) return error(400, 'bad_request', 'since must be a cursor this SCMP issued');
      const etag = `"${collection}-${st.lastRev}"`;
      if (req.headers['if-none-match'] === etag) return ok(304, undefined, { ETag: etag });
      const since = sinceText === null ? -1 : Number(sinceText);
      const items = [...st.items.values()].filter((s) => s.rev > since).map((s) => s.value);
      const deleted = sinceText === null ? [] : [...st.tombstones].filter(([, rev]) => rev > since).map(([id]) => id);
      return ok(200, { items, deleted, cursor: String(st.lastRev) }, { ETag: etag });
    }
    const m = /^\/bundles\/([^/]+)\/([^/]+)$/.exec(path);
    if (req.method === 'PUT' && m) {
      const kind = m[1] as BundleKind;
      const sha = m[2] ?? '';
      if (!BUNDLE_KINDS.includes(kind)) return error(400, 'bad_request', 'kind must be audit, custody or survey');
      if (!/^[0-9a-f]{64}$/.test(sha)) return error(400, 'bad_request', 'sha256 must be 64 lower-case hex digits');
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > this.maxBundleBytes) return error(413, 'too_large', `Bundles are limited to ${this.maxBundleBytes} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.maxBundleBytes) {
          if (!refused) error(413, 'too_large', `Bundles are limited to ${this.maxBundleBytes} bytes`);
          refused = true;
        } else chunks.push(c);
      });
      req.on('end', () => {
        if (refused) return;
        const bytes = Buffer.concat(chunks, size);
        if (createHash('sha256').update(bytes).digest('hex') !== sha) return error(409, 'hash_mismatch', 'The body does not hash to the address');
        const key = `${kind}/${sha}`;
        const existing = this.bundles.get(key);
        const receivedAt = existing?.receivedAt ?? new Date().toISOString();
        if (!existing) this.bundles.set(key, { bytes, receivedAt });
        const receipt: BundleReceipt = { kind, sha256: sha, size: bytes.length, receivedAt };
        ok(existing ? 200 : 201, receipt);
      });
      return;
    }
    return error(404, 'not_found', 'No such path');
  }
}

/** A small, plausible SCMP estate for demos and tests. */
export function seedLoopbackScmp(s: LoopbackScmpServer): void {
  s.upsert('tenants', { id: 'acme', name: 'ACME Logistics' });
  s.upsert('tenants', { id: 'globex', name: 'Globex Health' });
  s.upsert('quotas', { id: 'q-acme-fleet', tenant: 'acme', scope: { kind: 'fleet', ref: null }, vcpu: 512, memoryBytes: 2 * 1024 ** 4, storageBytes: 100 * 1024 ** 4, guests: 200 });
  s.upsert('quotas', { id: 'q-globex-pool', tenant: 'globex', scope: { kind: 'pool', ref: 'fra-pool-1' }, vcpu: 96, memoryBytes: 384 * 1024 ** 3, storageBytes: 20 * 1024 ** 4, guests: 40 });
  s.upsert('role-bindings', { id: 'rb-1', identity: 'CN=NOC,OU=Groups,DC=cairn,DC=eu', role: 'Operator', tenant: null });
  s.upsert('role-bindings', { id: 'rb-2', identity: 'alice@acme.example', role: 'Tenant admin', tenant: 'acme' });
  s.upsert('policies', { id: 'p-attest', tenant: null, version: 1, kind: 'attestation', attestation: { required: true, allowDebug: false, minSnpTcb: 8 } });
  s.upsert('policies', { id: 'p-acme-sizes', tenant: 'acme', version: 1, kind: 'catalogue-sizes', sizes: ['small', 'medium'] });
}
