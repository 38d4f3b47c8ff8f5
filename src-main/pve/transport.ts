/**
 * The HTTP layer between the client and one PVE endpoint: the `PveTransport`
 * port and its node:https implementation. Owns URL building under
 * `/api2/json`, parameter encoding (query string for GET/DELETE, form body for
 * POST/PUT), gzip, the keep-alive agent, the per-endpoint concurrency limit,
 * per-request deadlines and cancellation. It knows nothing about credentials
 * or PVE's response envelope: it returns status, reason phrase and body text,
 * and throws PveError only for failures below HTTP (TLS, DNS, socket, timeout).
 */
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { gunzip, gunzipSync, inflate, inflateSync, type ZlibOptions } from 'node:zlib';
import type { Duplex } from 'node:stream';
import { PveError, errorFromSocket } from './errors';
import { Limiter, abortedError } from './limiter';
import { connectTrusted, endpointOf, normalizeFingerprint, type TlsTrust } from './tls-trust';

interface Decoder {
  sync: (buf: Buffer, opts: ZlibOptions) => Buffer;
  async: (buf: Buffer, opts: ZlibOptions, cb: (err: Error | null, out: Buffer) => void) => void;
}
const GUNZIP: Decoder = { sync: gunzipSync, async: gunzip };
const INFLATE: Decoder = { sync: inflateSync, async: inflate };
/** Compressed bodies up to this size are inflated on the calling thread. */
const INFLATE_INLINE_BYTES = 64 * 1024;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type PveParamValue = string | number | boolean | readonly (string | number)[] | null | undefined;
export type PveParams = Readonly<Record<string, PveParamValue>>;

export interface PveHttpRequest {
  method: HttpMethod;
  /** API path below `/api2/json`, starting with '/', segments already percent-encoded (see `apiPath`). */
  path: string;
  params?: PveParams | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  /** Overrides the transport's default deadline for this request. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface PveHttpResponse {
  status: number;
  /** HTTP reason phrase: PVE puts the first line of its error text here. */
  statusMessage: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

/** The port the client talks through; tests and the simulator can supply their own. */
export interface PveTransport {
  /** `host:port` (plus path prefix) for messages; never contains credentials. */
  readonly endpoint: string;
  request(req: PveHttpRequest): Promise<PveHttpResponse>;
  close(): void;
}

export interface HttpsPveTransportOptions extends TlsTrust {
  /** `https://host:8006`, optionally with a path prefix (`https://proxy/pve`). */
  baseUrl: string;
  /** Deadline for one request: connect, TLS, send, and the whole response. Default 30 s. */
  timeoutMs?: number;
  /** Requests in flight at once to this endpoint; more are queued. Default 4. */
  maxConcurrent?: number;
  /** Larger responses are refused as `malformed` rather than buffered without bound. Default 64 MiB. */
  maxResponseBytes?: number;
  /**
   * Idle keep-alive sockets are closed after this long. pveproxy drops idle
   * connections after 5 s; closing ours first avoids reusing a socket the
   * server is about to close, which would fail a non-retryable POST. Default 3 s.
   */
  idleSocketTimeoutMs?: number;
  userAgent?: string;
}

/**
 * Sends through any transport and guarantees the failure is a PveError.
 * Argument errors (TypeError/RangeError) are bugs in the caller and pass
 * through; anything else is translated by error code only, because a
 * transport's own message could quote request headers.
 */
export async function requestVia(transport: PveTransport, req: PveHttpRequest): Promise<PveHttpResponse> {
  try {
    return await transport.request(req);
  } catch (e) {
    if (e instanceof PveError || e instanceof TypeError || e instanceof RangeError) throw e;
    throw errorFromSocket(e, transport.endpoint);
  }
}

/** Encodes one value the way PVE's parameter parser reads it. */
function encodeValue(key: string, v: Exclude<PveParamValue, null | undefined>): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`parameter ${key} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'string') return v;
  // PVE list formats (pve-vmid-list, pve-configid-list, ...) are comma-separated strings.
  return v.map((x) => encodeValue(key, x)).join(',');
}

/** `a=1&b=x%20y`; null/undefined values are left out. Spaces as %20 for the strictest decoders. */
export function encodeParams(params: PveParams | undefined): string {
  if (!params) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(encodeValue(k, v))}`);
  }
  return parts.join('&');
}

/**
 * Builds an API path with each interpolated value percent-encoded as one
 * segment, e.g. apiPath`/nodes/${node}/tasks/${upid}/status` (UPIDs contain ':').
 */
export function apiPath(strings: TemplateStringsArray, ...values: readonly (string | number)[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += encodeURIComponent(String(v)) + (strings[i + 1] ?? '');
  });
  return out;
}

const PATH_RE = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

function checkPath(path: string): void {
  if (!PATH_RE.test(path) || path.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw new TypeError('API path must start with "/" and contain only percent-encoded segments');
  }
}

/**
 * An https.Agent whose sockets come from `connectTrusted`: the agent receives
 * a socket only after the certificate check, so no request is ever written
 * to an unverified peer. TLS session resumption is off on purpose: a resumed
 * session skips the certificate exchange the pin is checked against.
 */
class TrustedAgent extends https.Agent {
  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly trust: TlsTrust,
    private readonly connectTimeoutMs: () => number,
    opts: https.AgentOptions,
  ) {
    super({ ...opts, maxCachedSessions: 0 });
  }

  override createConnection(_options: unknown, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    connectTrusted({ host: this.targetHost, port: this.targetPort, timeoutMs: this.connectTimeoutMs() }, this.trust, (err, socket) => {
      if (err || !socket) callback?.(err ?? new PveError('tls', 'TLS connection failed'), undefined as unknown as Duplex);
      else callback?.(null, socket);
    });
    return undefined;
  }
}

export class HttpsPveTransport implements PveTransport {
  readonly endpoint: string;
  private readonly host: string;
  private readonly port: number;
  private readonly prefix: string;
  private readonly agent: TrustedAgent;
  private readonly limiter: Limiter;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;
  /** Fails in-flight exchanges; used by close() so they end as `aborted`, not as resets. */
  private readonly inflightCancels = new Set<(err: PveError) => void>();
  private closed = false;

  constructor(opts: HttpsPveTransportOptions) {
    const { host, port } = endpointOf(opts.baseUrl);
    const url = new URL(opts.baseUrl);
    if (url.search || url.hash) throw new TypeError('endpoint URL must not carry a query string or fragment');
    this.host = host;
    this.port = port;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.endpoint = `${url.host}${this.prefix}`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024;
    this.userAgent = opts.userAgent ?? 'cairn-pve-client';
    const maxConcurrent = opts.maxConcurrent ?? 4;
    this.limiter = new Limiter(maxConcurrent);
    const trust: TlsTrust = {
      fingerprint: opts.fingerprint ? normalizeFingerprint(opts.fingerprint) : undefined,
      caPem: opts.caPem,
    };
    this.agent = new TrustedAgent(host, port, trust, () => this.timeoutMs, {
      keepAlive: true,
      maxSockets: maxConcurrent,
      maxFreeSockets: maxConcurrent,
      timeout: opts.idleSocketTimeoutMs ?? 3_000,
      scheduling: 'lifo',
    });
  }

  /** Requests currently holding a slot (for tests and diagnostics). */
  get inFlight(): number {
    return this.limiter.inFlight;
  }

  /** Sockets open to the endpoint, busy or idle (for tests and diagnostics). */
  get openSockets(): number {
    let n = 0;
    for (const list of [...Object.values(this.agent.sockets), ...Object.values(this.agent.freeSockets)]) n += list?.length ?? 0;
    return n;
  }

  async request(req: PveHttpRequest): Promise<PveHttpResponse> {
    if (this.closed) throw new PveError('aborted', `Connection to ${this.endpoint} is closed`);
    checkPath(req.path);
    const release = await this.limiter.acquire(req.signal);
    try {
      return await this.exchange(req);
    } finally {
      release();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = new PveError('aborted', `Connection to ${this.endpoint} is closed`);
    this.limiter.close(reason);
    for (const cancel of [...this.inflightCancels]) cancel(reason);
    this.agent.destroy();
  }

  private exchange(req: PveHttpRequest): Promise<PveHttpResponse> {
    const hasBody = req.method === 'POST' || req.method === 'PUT';
    const encoded = encodeParams(req.params);
    const path = `${this.prefix}/api2/json${req.path}${!hasBody && encoded ? `?${encoded}` : ''}`;
    const body = hasBody ? Buffer.from(encoded, 'utf8') : undefined;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Accept-Encoding': 'gzip',
      'User-Agent': this.userAgent,
      ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(body.length) } : {}),
      ...req.headers,
    };
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const label = this.endpoint;

    return new Promise<PveHttpResponse>((resolve, reject) => {
      let settled = false;
      let httpReq: ReturnType<typeof https.request> | undefined;

      const cleanup = (): void => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        this.inflightCancels.delete(fail);
      };
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        cleanup();
        const e = errorFromSocket(err, label);
        // Destroying with our own error makes sure the socket is not reused.
        if (httpReq && !httpReq.destroyed) httpReq.destroy(e);
        reject(e);
      };
      const succeed = (res: PveHttpResponse): void => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(res);
      };
      const onAbort = (): void => fail(abortedError());
      this.inflightCancels.add(fail);
      const timer = setTimeout(
        () => fail(new PveError('timeout', `No complete answer from ${label} within ${timeoutMs} ms`, { code: 'ETIMEDOUT' })),
        timeoutMs,
      );
      if (req.signal) {
        if (req.signal.aborted) {
          fail(abortedError());
          return;
        }
        req.signal.addEventListener('abort', onAbort, { once: true });
      }

      try {
        httpReq = https.request({
          agent: this.agent,
          method: req.method,
          host: this.host,
          port: this.port,
          path,
          headers,
        });
      } catch (e) {
        // Synchronous throws are argument errors (e.g. an invalid header character);
        // Node's message can quote the header, so only the code is kept.
        fail(e);
        return;
      }
      httpReq.on('error', fail);
      httpReq.on('response', (res: IncomingMessage) => {
        this.readBody(res, (err, text) => {
          if (err) fail(err);
          else
            succeed({
              status: res.statusCode ?? 0,
              statusMessage: res.statusMessage ?? '',
              headers: res.headers,
              body: text ?? '',
            });
        });
      });
      httpReq.end(body);
    });
  }

  /**
   * Collects the body, then decompresses it in one call on libuv's thread
   * pool: one hop instead of a Transform stream per response, which at 2,000
   * responses a sync cost more than the inflating itself.
   */
  private readBody(res: IncomingMessage, done: (err: unknown, text?: string) => void): void {
    let finished = false;
    const finish = (err: unknown, text?: string): void => {
      if (finished) return;
      finished = true;
      done(err, text);
    };
    const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
    const decode = encoding === 'gzip' || encoding === 'x-gzip' ? GUNZIP : encoding === 'deflate' ? INFLATE : encoding === 'identity' ? null : undefined;
    if (decode === undefined) {
      res.resume();
      finish(new PveError('malformed', `${this.endpoint} answered with unsupported content encoding ${encoding}`));
      return;
    }
    const tooBig = () => new PveError('malformed', `Response from ${this.endpoint} exceeds ${this.maxResponseBytes} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('error', (e) => finish(e));
    res.on('close', () => {
      if (!res.complete) finish(new PveError('connection_reset', `${this.endpoint} closed the connection before the response was complete`, { code: 'ECONNRESET' }));
    });
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > this.maxResponseBytes) {
        finish(tooBig());
        res.destroy();
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => {
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      if (!decode) {
        finish(null, raw.toString('utf8'));
        return;
      }
      const done = (err: Error | null, out?: Buffer): void => {
        if (!err && out) finish(null, out.toString('utf8'));
        else if ((err as NodeJS.ErrnoException | null)?.code === 'ERR_BUFFER_TOO_LARGE') finish(tooBig());
        else finish(new PveError('malformed', `${this.endpoint} sent a corrupt compressed body`));
      };
      const opts = { maxOutputLength: this.maxResponseBytes };
      if (raw.length <= INFLATE_INLINE_BYTES) {
        // A typical inventory body (~15 KB compressed) inflates in well under a millisecond:
        // cheaper inline than a round trip through the thread pool.
        let out: Buffer;
        try {
          out = decode.sync(raw, opts);
        } catch (err) {
          done(err as Error);
          return;
        }
        done(null, out);
      } else decode.async(raw, { ...opts, chunkSize: 256 * 1024 }, done);
    });
  }
}
