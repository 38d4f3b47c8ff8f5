/**
 * Browser mode's server: static files under a strict CSP with no way out of
 * the renderer folder, and a WebSocket that refuses callers without this
 * run's token or from a foreign page, answers every frame (however broken)
 * with a typed Result, and pushes events to connected clients.
 */
import { request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHANNEL_NAMES, ERROR_CODES, WS_PATH, type AppInfo, type Result, type WsFrame } from '../../src-preload/contract';
import { createRouter, type Handlers } from '../ipc/router';
import { AppException } from '../util/app-exception';
import { EventBus } from '../util/events';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { isLoopback, startWebServer, type WebServer } from './server';

const INFO: AppInfo = {
  name: 'Cairn',
  version: '0.0.0-test',
  transport: 'browser',
  platform: 'linux',
  dataDir: '/tmp/cairn-test',
  demo: false,
  secretStore: { available: true, kind: 'ephemeral' },
};

/** Every channel answers `not_found` unless overridden. */
function fakeHandlers(overrides: Partial<Handlers>): Handlers {
  const all = Object.fromEntries(
    CHANNEL_NAMES.map((c) => [
      c,
      () => {
        throw new AppException('not_found', `fake: ${c} is not implemented`);
      },
    ]),
  );
  return { ...all, ...overrides } as Handlers;
}

let dir: string;
let rendererDir: string;
let server: WebServer;
const events = new EventBus();
const logSink = new MemoryLogSink();
const SECRET_OUTSIDE = 'TOP-SECRET-OUTSIDE-THE-RENDERER';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-web-'));
  rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Cairn</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("hi")');
  writeFileSync(join(rendererDir, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(rendererDir, 'assets', 'blob.weird'), 'x');
  writeFileSync(join(dir, 'secret.txt'), SECRET_OUTSIDE);
  mkdirSync(join(dir, 'renderer-evil'));
  writeFileSync(join(dir, 'renderer-evil', 'x.js'), SECRET_OUTSIDE);

  const log = createLogger({ sinks: [logSink], redactor: new Redactor() });
  const router = createRouter(
    fakeHandlers({
      'app:info': () => INFO,
      'settings:get': () => ({ theme: 'dark', syncIntervalSeconds: 10 }),
      'fleet:search': (req) => [{ kind: 'site', label: `q=${req.q} limit=${req.limit}`, detail: '', siteId: 's1' }],
      'fleet:summary': () => {
        throw new Error('kaboom: /etc/shadow and a stack trace');
      },
      // A response outside the contract must not cross.
      'settings:set': () => ({ theme: 'neon' }) as never,
    }),
    log,
  );
  server = await startWebServer({ router, events, log, rendererDir, port: 0 });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- helpers -----------------------------------------------------------------------

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given (fetch would normalise it). */
function raw(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const wsUrl = (token: string | null, path = WS_PATH) => `ws://127.0.0.1:${server.port}${path}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

/** Resolves with the HTTP status the upgrade was refused with, or 101 when it was accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => {
      // After 'unexpected-response' ws may still report an error; the status is already known.
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/** An authenticated client that collects frames. */
class Client {
  readonly frames: WsFrame[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly ws: WebSocket) {
    // A connection the server drops (e.g. an oversized frame) may report EPIPE/ECONNRESET; the test checks the close code instead.
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as WsFrame);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(headers: Record<string, string> = {}): Promise<Client> {
    const ws = new WebSocket(wsUrl(server.token), { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Client(ws);
  }
  async next(pred: (f: WsFrame) => boolean, timeoutMs = 5000): Promise<WsFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0] as WsFrame;
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs}ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  sendRaw(data: string | Buffer, binary = false) {
    this.ws.send(data, { binary });
  }
  async call(id: number, channel: unknown, payload?: unknown): Promise<Result<unknown>> {
    this.ws.send(JSON.stringify({ id, channel, payload }));
    const f = await this.next((x) => 'id' in x && x.id === id);
    return (f as { result: Result<unknown> }).result;
  }
  close() {
    this.ws.close();
  }
}

function expectWellFormedError(result: Result<unknown>, code: string) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(ERROR_CODES).toContain(result.error.code);
  expect(result.error.code).toBe(code);
  expect(typeof result.error.message).toBe('string');
  expect(result.error.message.length).toBeGreaterThan(0);
}

// ---- static files --------------------------------------------------------------------

describe('static files', () => {
  it('serves index.html for / with the CSP and hardening headers', async () => {
    const r = await raw('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Cairn</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['/assets/app.js', 'text/javascript; charset=utf-8'],
    ['/assets/app.css', 'text/css; charset=utf-8'],
    ['/assets/blob.weird', 'application/octet-stream'],
    ['/index.html?x=1#frag', 'text/html; charset=utf-8'],
  ])('serves %s as %s, with the CSP', async (path, type) => {
    const r = await raw(path);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.headers['content-security-policy']).toBeDefined();
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await raw('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) expect((await raw('/', m)).status).toBe(405);
  });

  it('404s missing files and folders', async () => {
    expect((await raw('/nope.js')).status).toBe(404);
    expect((await raw('/assets')).status).toBe(404);
    expect((await raw('/assets/')).status).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/../../../../../../etc/passwd',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/%2e%2e%5csecret.txt',
    '/..%2frenderer-evil%2fx.js',
    '/..',
    '//secret.txt',
    '/%2F..%2Fsecret.txt',
    '/.%2e/secret.txt',
    '/%00/../secret.txt',
  ])('refuses path traversal: %s', async (path) => {
    const r = await raw(path);
    expect(r.body).not.toContain(SECRET_OUTSIDE);
    // Either refused, or (where URL parsing already resolved the dots away) the app's own index.
    if (r.status < 400) expect(r.body).toContain('<title>Cairn</title>');
  });

  it('survives broken percent-encoding', async () => {
    const r = await raw('/%E0%A4%A');
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect((await raw('/')).status).toBe(200);
  });
});

// ---- WebSocket: who may connect ---------------------------------------------------------

describe('WebSocket authentication', () => {
  it('refuses a connection without the token (401)', async () => {
    expect(await upgradeStatus(wsUrl(null))).toBe(401);
  });

  it.each([
    ['an empty token', ''],
    ['a wrong token of the same length', 'x'.repeat(32)],
    ['a wrong short token', 'nope'],
    ['the token with one character changed', 'TOKEN'],
    ['the token plus a suffix', 'TOKEN+x'],
    ['the token as a prefix only', 'TOKEN-prefix'],
  ])('refuses %s (401)', async (_why, token) => {
    const t = token === 'TOKEN' ? server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A') : token === 'TOKEN+x' ? `${server.token}x` : token === 'TOKEN-prefix' ? server.token.slice(0, 8) : token;
    expect(await upgradeStatus(wsUrl(t))).toBe(401);
  });

  it('refuses the token on another path (404)', async () => {
    expect(await upgradeStatus(wsUrl(server.token, '/other'))).toBe(404);
  });

  it.each(['http://evil.example', 'null', 'http://127.0.0.1:1', 'https://127.0.0.1:PORT', 'http://127.0.0.1.evil.example:PORT', 'file://'])(
    'refuses a page from a foreign Origin %s (403)',
    async (origin) => {
      expect(await upgradeStatus(wsUrl(server.token), { Origin: origin.replace('PORT', String(server.port)) })).toBe(403);
    },
  );

  it.each(['http://127.0.0.1:PORT', 'http://localhost:PORT'])('accepts the valid token from its own page %s', async (origin) => {
    expect(await upgradeStatus(wsUrl(server.token), { Origin: origin.replace('PORT', String(server.port)) })).toBe(101);
  });

  it('accepts the valid token from a non-browser client (no Origin)', async () => {
    expect(await upgradeStatus(wsUrl(server.token))).toBe(101);
  });

  it('logs refusals without the token that was tried', () => {
    const refusals = logSink.lines.filter((l) => l.includes('refused a WebSocket'));
    expect(refusals.length).toBeGreaterThan(0);
    for (const l of refusals) expect(l).not.toContain(server.token.slice(0, 8));
  });
});

// ---- WebSocket: calls, errors, events ------------------------------------------------------

describe('WebSocket calls', () => {
  let client: Client;
  beforeAll(async () => {
    client = await Client.open({ Origin: `http://127.0.0.1:${server.port}` });
  });
  afterAll(() => client?.close());

  it('answers a call with the handler value, echoing the id', async () => {
    expect(await client.call(1, 'app:info', {})).toEqual({ ok: true, value: INFO });
    expect(await client.call(2, 'settings:get')).toEqual({ ok: true, value: { theme: 'dark', syncIntervalSeconds: 10 } });
  });

  it('applies the schema defaults before the handler runs', async () => {
    expect(await client.call(3, 'fleet:search', { q: 'web' })).toMatchObject({ ok: true, value: [{ label: 'q=web limit=20' }] });
  });

  it('answers an invalid payload with invalid_request and the field at fault', async () => {
    const r = await client.call(4, 'fleet:search', { q: 42 });
    expectWellFormedError(r, 'invalid_request');
    if (!r.ok) expect(r.error.field).toBe('q');
    expectWellFormedError(await client.call(5, 'app:info', { extra: true }), 'invalid_request');
  });

  it('answers an unknown channel with unknown_channel', async () => {
    expectWellFormedError(await client.call(6, 'shell:exec', { cmd: 'rm -rf /' }), 'unknown_channel');
    expectWellFormedError(await client.call(7, 42), 'unknown_channel');
    expectWellFormedError(await client.call(8, '__proto__'), 'unknown_channel');
    expectWellFormedError(await client.call(9, 'constructor'), 'unknown_channel');
    expectWellFormedError(await client.call(10, 'toString'), 'unknown_channel');
  });

  it('turns an AppException into its typed error', async () => {
    expectWellFormedError(await client.call(11, 'fleet:sites'), 'not_found');
  });

  it('turns a crash into a generic internal error without its details', async () => {
    const r = await client.call(12, 'fleet:summary');
    expectWellFormedError(r, 'internal');
    if (!r.ok) expect(r.error.message).not.toMatch(/kaboom|shadow|stack/);
  });

  it('refuses a handler response outside the contract', async () => {
    expectWellFormedError(await client.call(13, 'settings:set', { theme: 'dark' }), 'internal');
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['truncated JSON', '{"id": 1, "channel": "app:info"'],
    ['a JSON array', '[1, "app:info", {}]'],
    ['a JSON number', '42'],
    ['a JSON string', '"app:info"'],
    ['JSON null', 'null'],
    ['an empty frame', ''],
  ])('answers a malformed frame (%s) with invalid_request and id -1', async (_why, text) => {
    client.sendRaw(text);
    const f = (await client.next((x) => 'id' in x && x.id === -1)) as { id: number; result: Result<unknown> };
    expectWellFormedError(f.result, 'invalid_request');
  });

  it('answers a binary frame with invalid_request', async () => {
    client.sendRaw(Buffer.from(JSON.stringify({ id: 99, channel: 'app:info', payload: {} })), true);
    const f = (await client.next((x) => 'id' in x && x.id === -1)) as { id: number; result: Result<unknown> };
    expectWellFormedError(f.result, 'invalid_request');
  });

  it('answers an object without a usable id with id -1', async () => {
    for (const id of ['7', 1.5, null, Number.MAX_SAFE_INTEGER + 2, { x: 1 }]) {
      client.sendRaw(JSON.stringify({ id, channel: 'app:info', payload: {} }));
      const f = (await client.next((x) => 'id' in x && x.id === -1)) as { id: number; result: Result<unknown> };
      expect(f.result).toEqual({ ok: true, value: INFO });
    }
  });

  it('still works after all of that', async () => {
    expect(await client.call(100, 'app:info')).toEqual({ ok: true, value: INFO });
  });

  it('pushes events to every connected client', async () => {
    const other = await Client.open();
    try {
      events.emit('fleet:onChanged', { clusterIds: ['c1', 'c2'] });
      const isEvent = (f: WsFrame) => 'event' in f && f.event === 'fleet:onChanged';
      for (const c of [client, other]) expect(await c.next(isEvent)).toEqual({ event: 'fleet:onChanged', payload: { clusterIds: ['c1', 'c2'] } });
    } finally {
      other.close();
    }
  });

  it('drops an oversized frame by closing that connection only; the server stays up', async () => {
    const big = await Client.open();
    const closed = new Promise<number>((resolve) => big.ws.once('close', (code) => resolve(code)));
    big.sendRaw(JSON.stringify({ id: 1, channel: 'fleet:search', payload: { q: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
    expect(await client.call(101, 'app:info')).toEqual({ ok: true, value: INFO });
  });

  it('stops pushing to a client that went away', async () => {
    const gone = await Client.open();
    await new Promise<void>((resolve) => {
      gone.ws.once('close', () => resolve());
      gone.ws.close();
    });
    events.emit('settings:onChanged', { theme: 'light', syncIntervalSeconds: 10 });
    expect(await client.next((f) => 'event' in f && f.event === 'settings:onChanged')).toBeTruthy();
  });
});

describe('close()', () => {
  it('disconnects clients and stops listening', async () => {
    const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });
    const bus = new EventBus();
    const s = await startWebServer({ router: createRouter(fakeHandlers({}), log), events: bus, log, rendererDir });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/#token=${s.token}`);
    expect(s.token.length).toBeGreaterThanOrEqual(32);
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}${WS_PATH}?token=${s.token}`);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise((r) => ws.once('close', r));
    await s.close();
    await closed;
    await expect(
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: s.port, path: '/' }, resolve);
        req.on('error', reject);
        req.end();
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('uses a fresh random token per server unless one is given', async () => {
    const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });
    const router = createRouter(fakeHandlers({}), log);
    const a = await startWebServer({ router, events: new EventBus(), log, rendererDir });
    const b = await startWebServer({ router, events: new EventBus(), log, rendererDir, token: 'fixed-token-for-test' });
    try {
      expect(a.token).not.toBe(server.token);
      expect(b.token).toBe('fixed-token-for-test');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('listening', () => {
  it('listens on 127.0.0.1 only: another address of this machine is refused', async (ctx) => {
    const other = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!other) ctx.skip('this machine has no non-loopback IPv4 address to try');
    const outcome = await new Promise<string>((resolve) => {
      const sock = connect({ host: other, port: server.port });
      sock.once('connect', () => {
        sock.destroy();
        resolve('connected');
      });
      sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.0.0.53', '127.255.255.254', '::1', '::ffff:127.0.0.1', '::ffff:127.1.2.3'])('%s is loopback', (a) => {
    expect(isLoopback(a)).toBe(true);
  });
  it.each([
    undefined,
    '',
    '0.0.0.0',
    '10.0.0.1',
    '192.168.1.10',
    '128.0.0.1',
    '::',
    '::2',
    'fe80::1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '127.0.0.1.evil.example',
    '1127.0.0.1',
    '127.0.0.1 ',
    'localhost',
    '127.0.0',
    '127.0.0.1:80',
  ])('%s is not loopback', (a) => {
    expect(isLoopback(a)).toBe(false);
  });
});
