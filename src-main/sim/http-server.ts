// The HTTPS side of the simulator: one listener per cluster on 127.0.0.1 (each a separate endpoint
// with its own TLS identity and faults, like separate PVE clusters) sharing one request pipeline:
// faults -> task settling -> authentication -> routing -> proxying to the node -> parameter
// verification -> permission check -> handler -> PVE's JSON envelope.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { hasPrivilege, type AuthInfo, type AuthService } from './auth';
import { generateCertificate, type SimCertificate } from './certificate';
import { PveError, fail, notImplemented, permissionDenied, reasonPhrase } from './errors';
import type { ClusterState } from './model';
import { verifyParams, type RawValue } from './params';
import { Rng } from './rng';
import type { RequestContext, Router, SimRuntime } from './routes';

const MAX_BODY_BYTES = 512 * 1024;
const GZIP_MIN_BYTES = 1024;
const API_PREFIX = '/api2/json';
const EXT_CLUSTERS = '/cairn-sim/v1/clusters';

/** Texts of the 500s the error5xxRate fault injects: what an overloaded cluster answers with. */
const INJECTED_ERRORS = [
  "cfs-lock 'file-user_cfg' error: got lock request timeout",
  'got timeout',
  'unable to read file \'/etc/pve/.vmlist\' - Transport endpoint is not connected',
];

export interface Reply {
  status: number;
  reason: string;
  body: string | undefined;
}

interface Listener {
  cluster: ClusterState;
  server: https.Server;
  certPem: string;
}

export class SimHttpServer {
  private readonly listeners: Listener[] = [];
  private readonly faultRng: Rng;

  constructor(
    private readonly rt: SimRuntime,
    private readonly auth: AuthService,
    private readonly router: Router,
    private readonly certificate: SimCertificate,
  ) {
    this.faultRng = new Rng(rt.seed ^ 0x5f5e100);
  }

  /** Starts one listener per cluster; the first on `firstPort` (0 = any free port). */
  async listen(firstPort: number): Promise<void> {
    try {
      await Promise.all(this.rt.clusters.map(async (cluster, i) => {
        const server = https.createServer({ key: this.certificate.keyPem, cert: this.certificate.certPem, minVersion: 'TLSv1.2' });
        server.on('request', (req: IncomingMessage, res: ServerResponse) => {
          this.onRequest(cluster, req, res).catch(() => res.destroy());
        });
        // A client that drops mid-handshake must not take the simulator down.
        server.on('tlsClientError', () => undefined);
        server.on('clientError', (_err, socket) => socket.destroy());
        this.listeners.push({ cluster, server, certPem: this.certificate.certPem });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(i === 0 ? firstPort : 0, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        const { port } = server.address() as AddressInfo;
        cluster.info.url = `https://127.0.0.1:${port}`;
        cluster.info.fingerprint = this.certificate.fingerprint;
      }));
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Gives one cluster's listener a new key and certificate; new connections see it at once. */
  rotateCertificate(clusterId: string): string {
    const listener = this.listeners.find((l) => l.cluster.info.id === clusterId);
    if (!listener) throw new Error(`unknown simulated cluster '${clusterId}'`);
    const cert = generateCertificate();
    listener.server.setSecureContext({ key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.2' });
    listener.certPem = cert.certPem;
    listener.cluster.info.fingerprint = cert.fingerprint;
    return cert.fingerprint;
  }

  /** PEM of the certificate a cluster's listener currently presents (for `ca`-pinned clients). */
  certificatePem(clusterId: string): string {
    const listener = this.listeners.find((l) => l.cluster.info.id === clusterId);
    if (!listener) throw new Error(`unknown simulated cluster '${clusterId}'`);
    return listener.certPem;
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.map(({ server }) => new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    })));
    this.listeners.length = 0;
  }

  private async onRequest(cluster: ClusterState, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const faults = this.rt.faults.current(cluster.info.id);
    if (faults.resetConnections) {
      req.socket.destroy();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      send(res, { status: 413, reason: 'Request Entity Too Large', body: undefined }, false);
      return;
    }
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.resetConnections) {
      req.socket.destroy();
      return;
    }
    const reply = this.dispatch(cluster, req.method ?? 'GET', req.url ?? '/', req.headers, body);
    send(res, reply, /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')));
  }

  /** The whole request pipeline, synchronous once the body is read. Exposed for tests. */
  dispatch(cluster: ClusterState, method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>, body: Buffer): Reply {
    try {
      const url = new URL(rawUrl, 'https://127.0.0.1');
      let path = url.pathname.replace(/\/{2,}/g, '/');
      if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
      const faults = this.rt.faults.current(cluster.info.id);
      if (faults.error5xxRate > 0 && this.faultRng.next() < faults.error5xxRate) throw fail(this.faultRng.pick(INJECTED_ERRORS));
      const now = this.rt.clock.now();
      cluster.tasks.settle(now);

      if (path === EXT_CLUSTERS) {
        this.auth.authenticate(headers, method !== 'GET', faults.revokedToken);
        if (method !== 'GET') throw notImplemented(method, path);
        return json({ data: this.rt.clusters.map((c) => ({ ...c.info, nodes: [...c.info.nodes] })) });
      }
      if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) throw new PveError(501, 'no such uri\n', undefined, true);
      const rel = path.slice(API_PREFIX.length) || '/';

      const match = this.router.match(method, rel);
      let auth: AuthInfo | undefined;
      if (!match?.def.world) auth = this.auth.authenticate(headers, method !== 'GET', faults.revokedToken);
      if (!match) throw notImplemented(method, rel);
      const def = match.def;

      // pveproxy forwards calls for another node before the API method (and its checks) runs.
      if (def.proxied) {
        const node = match.pathParams.node ?? '';
        if (!cluster.nodeByName.has(node)) {
          throw fail(`hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
        }
        if (faults.nodesDown.includes(node)) throw new PveError(595, 'No route to host', undefined, true);
      }

      const raw = collectParams(method, url, headers, body, def.params.specs.filter((s) => s.type === 'array').map((s) => s.name));
      Object.assign(raw, match.pathParams);
      const params = verifyParams(def.params, raw);

      if (def.perm && auth) {
        const aclPath = def.perm.path.replace(/\{(\w+)\}/g, (_m, k: string) => params.str(k) ?? '');
        const ok = def.perm.any ? def.perm.privs.some((p) => hasPrivilege(auth, p)) : def.perm.privs.every((p) => hasPrivilege(auth, p));
        if (!ok) throw permissionDenied(aclPath, def.perm.privs);
      }
      if (method !== 'GET' && auth && auth.role !== 'admin' && !def.perm && !def.world) {
        throw permissionDenied('/', ['Sys.Modify']);
      }

      const ctx: RequestContext = { rt: this.rt, cluster, params, auth, now, faults, extra: {} };
      const data = def.handler(ctx);
      return json({ data: data === undefined ? null : data, ...ctx.extra });
    } catch (err) {
      return errorReply(err);
    }
  }
}

function json(payload: unknown): Reply {
  return { status: 200, reason: 'OK', body: JSON.stringify(payload) };
}

function errorReply(err: unknown): Reply {
  if (err instanceof PveError) {
    if (err.bare) return { status: err.status, reason: err.reason, body: undefined };
    const payload: Record<string, unknown> = { data: null, message: err.message };
    if (err.errors) payload.errors = err.errors;
    return { status: err.status, reason: err.reason, body: JSON.stringify(payload) };
  }
  const message = `${err instanceof Error ? err.message : String(err)}\n`;
  return { status: 500, reason: reasonPhrase(message), body: JSON.stringify({ data: null, message }) };
}

function send(res: ServerResponse, reply: Reply, gzip: boolean): void {
  res.statusCode = reply.status;
  res.statusMessage = reply.reason;
  res.setHeader('Server', 'pve-api-daemon/3.0');
  res.setHeader('Cache-Control', 'max-age=0');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Expires', new Date().toUTCString());
  if (reply.body === undefined) {
    res.setHeader('Content-Length', 0);
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json;charset=UTF-8');
  let payload = Buffer.from(reply.body, 'utf8');
  if (gzip && payload.length >= GZIP_MIN_BYTES) {
    payload = gzipSync(payload, { level: 1 });
    res.setHeader('Content-Encoding', 'gzip');
  }
  res.setHeader('Content-Length', payload.length);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Query parameters (every method) merged with the body of POST/PUT, form-encoded or JSON.
 * Repeated keys keep the last value unless the parameter is an array.
 */
function collectParams(
  method: string, url: URL, headers: Record<string, string | string[] | undefined>, body: Buffer, arrayParams: string[],
): Record<string, RawValue> {
  const raw: Record<string, RawValue> = {};
  const put = (k: string, v: string): void => {
    if (arrayParams.includes(k)) {
      const prev = raw[k];
      raw[k] = Array.isArray(prev) ? [...prev, v] : [v];
    } else {
      raw[k] = v;
    }
  };
  for (const [k, v] of url.searchParams) put(k, v);
  if ((method === 'POST' || method === 'PUT') && body.length > 0) {
    const type = String(headers['content-type'] ?? '').toLowerCase();
    const text = body.toString('utf8');
    if (type.includes('application/json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new PveError(400, 'malformed JSON string\n');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new PveError(400, 'JSON body must be an object\n');
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) raw[k] = v as RawValue;
    } else {
      for (const [k, v] of new URLSearchParams(text)) put(k, v);
    }
  }
  return raw;
}
