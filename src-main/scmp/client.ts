/**
 * The `ScmpClient` port and its HTTPS implementation. Owns the wire side of
 * the published contract (docs/scmp-openapi.json): bearer token, pinned TLS
 * (the PVE trust layer's `connectTrusted`, so the certificate is checked
 * before a byte — and the token — is written), deadlines, bounded retries
 * with backoff for idempotent calls that honour Retry-After, and turning
 * every answer into a typed value or a typed `ScmpError`.
 */
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { connectTrusted, endpointOf, normalizeFingerprint, sleep as abortableSleep, type TlsTrust } from '../pve';
import { ScmpError, fromTransportError } from './errors';
import {
  BundleReceiptSchema,
  COLLECTIONS,
  ErrorBodySchema,
  InfoSchema,
  SCMP_API_BASE,
  type BundleKind,
  type BundleReceipt,
  type Collection,
  type CollectionItem,
  type ScmpInfo,
} from './schemas';

export type PullResult<T> =
  | { status: 'not-modified'; etag: string | null }
  | { status: 'changed'; etag: string | null; items: T[]; deleted: string[]; cursor: string };

export interface PullOptions {
  /** ETag of the last answer: the SCMP answers 304 when nothing changed. */
  etag?: string | null;
  /** Cursor of the last answer: only later changes come back. */
  since?: string | null;
  signal?: AbortSignal;
}

export interface PushResult {
  /** false: the SCMP already held these bytes (a repeated push). */
  created: boolean;
  receipt: BundleReceipt;
}

/** What Cairn needs from an SCMP; tests and the sync use this port, never the HTTPS class directly. */
export interface ScmpClient {
  readonly endpoint: string;
  info(signal?: AbortSignal): Promise<ScmpInfo>;
  pull<C extends Collection>(collection: C, opts?: PullOptions): Promise<PullResult<CollectionItem[C]>>;
  /** Idempotent: the address is the body's SHA-256, so a retry or a repeat can never store something else. */
  pushBundle(kind: BundleKind, sha256: string, body: Uint8Array, signal?: AbortSignal): Promise<PushResult>;
  close(): void;
}

export interface RetryPolicy {
  /** Total tries of one idempotent call, first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails as rate_limited and the next sync tries again. */
  maxRetryAfterMs: number;
}
export const DEFAULT_SCMP_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 300, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

export interface HttpsScmpClientOptions extends TlsTrust {
  /** `https://scmp.example.eu` (optionally with a path prefix); the client appends /api/v1. */
  baseUrl: string;
  /** Read from the SecretStore for every call, so a rotated token takes effect without a new client. */
  token: () => Promise<string>;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  maxResponseBytes?: number;
  /** Test seam for backoff waits. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

interface Exchange {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The only sockets this agent hands to HTTP are ones whose certificate passed the pin (or CA) check. */
class PinnedAgent extends https.Agent {
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly trust: TlsTrust,
    private readonly timeoutMs: number,
  ) {
    // No session cache: a resumed session skips the certificate the pin is checked against.
    super({ keepAlive: true, maxSockets: 2, maxFreeSockets: 2, timeout: 3_000, maxCachedSessions: 0 });
  }
  override createConnection(_o: unknown, cb?: (err: Error | null, s: Duplex) => void): Duplex | null | undefined {
    connectTrusted({ host: this.host, port: this.port, timeoutMs: this.timeoutMs }, this.trust, (err, socket) => {
      if (err || !socket) cb?.(err ?? new Error('TLS connection failed'), undefined as unknown as Duplex);
      else cb?.(null, socket);
    });
    return undefined;
  }
}

const MAX_MESSAGE = 300;

/** Parses a 2xx JSON body against its schema: a typed value, or `malformed` naming the first problem. */
export function parseBody<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ScmpError('malformed', `${what}: the SCMP answered with a body that is not JSON`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue && issue.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    throw new ScmpError('malformed', `${what}: the SCMP's answer does not match the published contract${at}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Math.min(Number(v.trim()), 86_400) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Maps a non-2xx answer to its kind; the SCMP's message is kept (trimmed, shortened) when its error body is valid. */
export function errorFromResponse(status: number, headers: IncomingMessage['headers'], text: string, what: string): ScmpError {
  let remote: { code: string; message: string } | undefined;
  try {
    const r = ErrorBodySchema.safeParse(JSON.parse(text));
    if (r.success) remote = r.data.error;
  } catch {
    remote = undefined;
  }
  const said = remote ? `: ${remote.message.replace(/\s+/g, ' ').trim().slice(0, MAX_MESSAGE)}` : '';
  const d = { status, ...(remote ? { remoteCode: remote.code } : {}) };
  switch (status) {
    case 400:
      return new ScmpError('bad_request', `${what}: the SCMP rejected the request${said}`, d);
    case 401:
      return new ScmpError('unauthorized', `${what}: the SCMP refused the token (revoked or wrong); connect again with a new token${said}`, d);
    case 403:
      return new ScmpError('forbidden', `${what}: the token may not do this${said}`, d);
    case 404:
      return new ScmpError('not_found', `${what}: not found on the SCMP${said}`, d);
    case 409:
      return new ScmpError('hash_mismatch', `${what}: the SCMP says the bytes do not match their SHA-256${said}`, d);
    case 413:
      return new ScmpError('too_large', `${what}: the bundle exceeds the SCMP's size limit${said}`, d);
    case 429: {
      const wait = retryAfterMs(headers['retry-after']);
      return new ScmpError('rate_limited', `${what}: the SCMP is rate limiting${wait !== undefined ? ` (retry after ${Math.ceil(wait / 1000)} s)` : ''}${said}`, {
        ...d,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      });
    }
    default:
      if (status >= 500 && status <= 599) return new ScmpError('server', `${what}: SCMP error ${status}${said}`, d);
      return new ScmpError('http', `${what}: unexpected HTTP status ${status}${said}`, d);
  }
}

export class HttpsScmpClient implements ScmpClient {
  readonly endpoint: string;
  private readonly host: string;
  private readonly port: number;
  private readonly prefix: string;
  private readonly agent: PinnedAgent;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly maxResponseBytes: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private closed = false;

  constructor(private readonly opts: HttpsScmpClientOptions) {
    const { host, port } = endpointOf(opts.baseUrl);
    const url = new URL(opts.baseUrl);
    if (url.search || url.hash) throw new TypeError('SCMP URL must not carry a query string or fragment');
    this.host = host;
    this.port = port;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.endpoint = `${url.host}${this.prefix}`;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retry = { ...DEFAULT_SCMP_RETRY, ...opts.retry };
    this.maxResponseBytes = opts.maxResponseBytes ?? 32 * 1024 * 1024;
    this.sleep = opts.sleep ?? abortableSleep;
    this.random = opts.random ?? Math.random;
    const trust: TlsTrust = { fingerprint: opts.fingerprint ? normalizeFingerprint(opts.fingerprint) : undefined, caPem: opts.caPem };
    this.agent = new PinnedAgent(host, port, trust, this.timeoutMs);
  }

  async info(signal?: AbortSignal): Promise<ScmpInfo> {
    const r = await this.call({ method: 'GET', path: '/info', idempotent: true, signal, what: 'SCMP info' });
    if (r.status !== 200) throw errorFromResponse(r.status, r.headers, r.body, 'SCMP info');
    return parseBody(InfoSchema, r.body, 'SCMP info');
  }

  async pull<C extends Collection>(collection: C, opts: PullOptions = {}): Promise<PullResult<CollectionItem[C]>> {
    const what = `Pull of ${collection}`;
    const qs = opts.since ? `?since=${encodeURIComponent(opts.since)}` : '';
    const r = await this.call({
      method: 'GET',
      path: `/${collection}${qs}`,
      headers: opts.etag ? { 'If-None-Match': opts.etag } : {},
      idempotent: true,
      signal: opts.signal,
      what,
    });
    const etag = typeof r.headers.etag === 'string' ? r.headers.etag : null;
    if (r.status === 304) return { status: 'not-modified', etag: etag ?? opts.etag ?? null };
    if (r.status !== 200) throw errorFromResponse(r.status, r.headers, r.body, what);
    const page = parseBody(COLLECTIONS[collection] as unknown as z.ZodType<{ items: CollectionItem[C][]; deleted: string[]; cursor: string }>, r.body, what);
    return { status: 'changed', etag, items: page.items, deleted: page.deleted, cursor: page.cursor };
  }

  async pushBundle(kind: BundleKind, sha256: string, body: Uint8Array, signal?: AbortSignal): Promise<PushResult> {
    const what = `Push of ${kind} bundle ${sha256.slice(0, 12)}`;
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError('sha256 must be 64 lower-case hex digits');
    // PUT to a content address is idempotent: retrying cannot store anything but these bytes.
    const r = await this.call({
      method: 'PUT',
      path: `/bundles/${kind}/${sha256}`,
      body,
      headers: { 'Content-Type': 'application/octet-stream' },
      idempotent: true,
      signal,
      what,
    });
    if (r.status !== 200 && r.status !== 201) throw errorFromResponse(r.status, r.headers, r.body, what);
    const receipt = parseBody(BundleReceiptSchema, r.body, what);
    if (receipt.sha256 !== sha256 || receipt.kind !== kind) throw new ScmpError('malformed', `${what}: the SCMP's receipt names a different bundle`);
    return { created: r.status === 201, receipt };
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  /**
   * One call with bounded retries. Only idempotent calls are retried (every
   * call of this contract is: GETs, and PUTs to content addresses); a 429
   * waits what Retry-After asks, if that is not absurdly long.
   */
  private async call(req: {
    method: 'GET' | 'PUT';
    path: string;
    headers?: Record<string, string>;
    body?: Uint8Array;
    idempotent: boolean;
    signal?: AbortSignal | undefined;
    what: string;
  }): Promise<Exchange> {
    const attempts = req.idempotent ? Math.max(1, this.retry.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      let failure: ScmpError;
      try {
        const r = await this.exchange(req);
        if (r.status !== 429 && !(r.status >= 500 && [500, 502, 503, 504].includes(r.status))) return r;
        failure = errorFromResponse(r.status, r.headers, r.body, req.what);
        if (attempt >= attempts) return r;
      } catch (e) {
        failure = fromTransportError(e, this.endpoint);
        if (!failure.retryable || attempt >= attempts) throw failure;
      }
      const asked = failure.details.retryAfterMs;
      if (asked !== undefined && asked > this.retry.maxRetryAfterMs) throw failure;
      const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + this.random() * 0.5);
      await this.sleep(asked ?? backoff, req.signal).catch((e: unknown) => {
        throw fromTransportError(e, this.endpoint);
      });
    }
  }

  private async exchange(req: { method: string; path: string; headers?: Record<string, string>; body?: Uint8Array; signal?: AbortSignal | undefined }): Promise<Exchange> {
    if (this.closed) throw new ScmpError('aborted', `The SCMP client for ${this.endpoint} is closed`);
    const token = await this.opts.token();
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'cairn-scmp-client',
      Authorization: `Bearer ${token}`,
      ...(req.body ? { 'Content-Length': String(req.body.byteLength) } : {}),
      ...req.headers,
    };
    const timeoutMs = this.timeoutMs;
    return new Promise<Exchange>((resolve, reject) => {
      let settled = false;
      let httpReq: ReturnType<typeof https.request> | undefined;
      const finish = (err: unknown, res?: Exchange): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (err) {
          if (httpReq && !httpReq.destroyed) httpReq.destroy();
          // Node's messages can quote request headers (the token), so only our own errors pass.
          reject(fromTransportError(err, this.endpoint));
        } else resolve(res!);
      };
      const onAbort = (): void => finish(new ScmpError('aborted', `Call to the SCMP at ${this.endpoint} was cancelled`));
      const timer = setTimeout(() => finish(new ScmpError('timeout', `No complete answer from the SCMP at ${this.endpoint} within ${timeoutMs} ms`)), timeoutMs);
      if (req.signal?.aborted) return onAbort();
      req.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        httpReq = https.request({ agent: this.agent, method: req.method, host: this.host, port: this.port, path: `${this.prefix}${SCMP_API_BASE}${req.path}`, headers });
      } catch {
        finish(new ScmpError('unauthorized', 'The stored SCMP token contains characters that cannot be sent; connect again with a new token'));
        return;
      }
      httpReq.on('error', (e) => finish(e));
      httpReq.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.maxResponseBytes) {
            res.destroy();
            finish(new ScmpError('malformed', `The SCMP's answer exceeds ${this.maxResponseBytes} bytes`));
          } else chunks.push(c);
        });
        res.on('error', (e) => finish(e));
        res.on('close', () => {
          if (!res.complete) finish(new ScmpError('unreachable', `The SCMP at ${this.endpoint} closed the connection mid-answer`));
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size).toString('utf8') }));
      });
      httpReq.end(req.body ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength) : undefined);
    });
  }
}
