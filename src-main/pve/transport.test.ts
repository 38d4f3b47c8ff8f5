import { randomBytes } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveError } from './errors';
import { HttpsPveTransport, apiPath, encodeParams } from './transport';
import { closedPort, delay, reply, selfSignedCert, startPveServer, type TestCert, type TestServer } from './test-support';

async function rejection(p: Promise<unknown>): Promise<PveError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PveError);
    return e as PveError;
  }
  throw new Error('expected a rejection');
}

let cert: TestCert;
let srv: TestServer;
beforeAll(async () => {
  cert = await selfSignedCert();
  srv = await startPveServer(cert, (_req, res) => reply(res, 200, { data: null }));
});
afterAll(async () => srv.close());

const transport = (opts: Partial<ConstructorParameters<typeof HttpsPveTransport>[0]> = {}) =>
  new HttpsPveTransport({ baseUrl: srv.url, fingerprint: cert.fingerprint, ...opts });

describe('parameter encoding', () => {
  it('encodes booleans as 1/0, lists comma-separated, and skips null/undefined', () => {
    expect(encodeParams({ a: true, b: false, c: [100, 101], d: undefined, e: null, f: 'x y&z', g: 3 })).toBe('a=1&b=0&c=100%2C101&f=x%20y%26z&g=3');
    expect(() => encodeParams({ n: Number.NaN })).toThrow(TypeError);
  });

  it('apiPath encodes each interpolated segment', () => {
    expect(apiPath`/nodes/${'pve1'}/tasks/${'UPID:pve1:00001:0002:6124E1B9:vzdump:100:root@pam:'}/status`).toBe(
      '/nodes/pve1/tasks/UPID%3Apve1%3A00001%3A0002%3A6124E1B9%3Avzdump%3A100%3Aroot%40pam%3A/status',
    );
    expect(apiPath`/nodes/${'a/b'}`).toBe('/nodes/a%2Fb');
  });

  it('sends GET/DELETE parameters in the query and POST/PUT as a form body', async () => {
    const t = transport();
    await t.request({ method: 'GET', path: '/cluster/resources', params: { type: 'vm' } });
    let r = srv.requests.at(-1)!;
    expect(r.method).toBe('GET');
    expect(r.query.get('type')).toBe('vm');
    expect(r.body).toBe('');
    await t.request({ method: 'DELETE', path: '/nodes/pve1/qemu/100', params: { purge: true } });
    r = srv.requests.at(-1)!;
    expect(r.query.get('purge')).toBe('1');
    expect(r.body).toBe('');
    await t.request({ method: 'POST', path: '/nodes/pve1/qemu/100/clone', params: { newid: 101, name: 'web 2', full: true } });
    r = srv.requests.at(-1)!;
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r.form.get('newid')).toBe('101');
    expect(r.form.get('name')).toBe('web 2');
    expect(r.form.get('full')).toBe('1');
    expect([...r.query.keys()]).toEqual([]);
    await t.request({ method: 'PUT', path: '/nodes/pve1/qemu/100/config', params: { delete: ['net1', 'scsi2'] } });
    expect(srv.requests.at(-1)!.form.get('delete')).toBe('net1,scsi2');
    t.close();
  });

  it('asks for gzip and decodes a gzip body', async () => {
    const big = { data: Array.from({ length: 500 }, (_, i) => ({ vmid: 100 + i, name: `guest-${i}` })) };
    srv.setHandler((_req, res) => {
      const buf = gzipSync(JSON.stringify(big));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': buf.length });
      res.end(buf);
    });
    const t = transport();
    const res = await t.request({ method: 'GET', path: '/nodes/pve1/qemu' });
    expect(srv.requests.at(-1)!.headers['accept-encoding']).toContain('gzip');
    expect(JSON.parse(res.body)).toEqual(big);
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('decodes large gzip and deflate bodies off the main thread, the same as small ones', async () => {
    // Random names keep the compressed size above the inline threshold (64 KB).
    const big = { data: Array.from({ length: 6000 }, (_, i) => ({ vmid: i, name: randomBytes(12).toString('hex') })) };
    for (const [enc, pack] of [['gzip', gzipSync], ['deflate', deflateSync]] as const) {
      srv.setHandler((_req, res) => {
        const buf = pack(JSON.stringify(big));
        expect(buf.length).toBeGreaterThan(64 * 1024);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': enc, 'Content-Length': buf.length });
        res.end(buf);
      });
      const t = transport();
      expect(JSON.parse((await t.request({ method: 'GET', path: '/nodes/pve1/qemu' })).body)).toEqual(big);
      t.close();
    }
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('a compressed body that inflates past the size limit is refused, small or large', async () => {
    for (const size of [50_000, 40_000_000]) {
      const bomb = gzipSync(Buffer.alloc(size, 0x20)); // 50 KB or 40 MB of spaces: tiny when compressed
      srv.setHandler((_req, res) => {
        res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': bomb.length });
        res.end(bomb);
      });
      const t = transport({ maxResponseBytes: 10_000 });
      const err = await rejection(t.request({ method: 'GET', path: '/version' }));
      expect(err.kind).toBe('malformed');
      expect(err.message).toContain('exceeds 10000 bytes');
      t.close();
    }
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('a corrupt gzip body is malformed', async () => {
    srv.setHandler((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': 10 });
      res.end(Buffer.from('not-gzip!!'));
    });
    const t = transport();
    expect((await rejection(t.request({ method: 'GET', path: '/version' }))).kind).toBe('malformed');
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('refuses oversized responses as malformed', async () => {
    srv.setHandler((_req, res) => reply(res, 200, { data: 'x'.repeat(10_000) }));
    const t = transport({ maxResponseBytes: 1000 });
    expect((await rejection(t.request({ method: 'GET', path: '/version' }))).kind).toBe('malformed');
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });
});

describe('network failures map to typed errors', () => {
  it('timeout when the server does not answer in time', async () => {
    srv.setHandler(async (_req, res) => {
      await delay(1000);
      if (!res.destroyed) reply(res, 200, { data: null });
    });
    const t = transport({ timeoutMs: 150 });
    const started = Date.now();
    const err = await rejection(t.request({ method: 'GET', path: '/version' }));
    expect(err.kind).toBe('timeout');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(900);
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('connection_reset when the server destroys the socket', async () => {
    srv.setHandler((_req, res) => {
      res.socket?.destroy();
    });
    const t = transport();
    const err = await rejection(t.request({ method: 'GET', path: '/version' }));
    expect(err.kind).toBe('connection_reset');
    expect(err.retryable).toBe(true);
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('connection_reset when the body is cut short', async () => {
    srv.setHandler((_req, res) => {
      res.writeHead(200, { 'Content-Length': 1000, 'Content-Type': 'application/json' });
      res.write('{"data": [');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const t = transport();
    expect((await rejection(t.request({ method: 'GET', path: '/version' }))).kind).toBe('connection_reset');
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('connection_refused on a closed port', async () => {
    const port = await closedPort();
    const t = new HttpsPveTransport({ baseUrl: `https://127.0.0.1:${port}`, fingerprint: cert.fingerprint });
    const err = await rejection(t.request({ method: 'GET', path: '/version' }));
    expect(err.kind).toBe('connection_refused');
    expect(err.code).toBe('ECONNREFUSED');
    t.close();
  });

  it('dns for a name that cannot resolve', async () => {
    const t = new HttpsPveTransport({ baseUrl: 'https://pve-nowhere.invalid:8006', fingerprint: cert.fingerprint, timeoutMs: 10_000 });
    const err = await rejection(t.request({ method: 'GET', path: '/version' }));
    expect(err.kind).toBe('dns');
    t.close();
  });

  it('aborted when the caller cancels, also while queued', async () => {
    srv.setHandler(async (_req, res) => {
      await delay(300);
      if (!res.destroyed) reply(res, 200, { data: null });
    });
    const t = transport({ maxConcurrent: 1 });
    const ac = new AbortController();
    const first = t.request({ method: 'GET', path: '/version', signal: ac.signal });
    const queued = t.request({ method: 'GET', path: '/nodes', signal: ac.signal });
    await delay(30);
    ac.abort();
    expect((await rejection(first)).kind).toBe('aborted');
    expect((await rejection(queued)).kind).toBe('aborted');
    // An already-aborted signal never reaches the network.
    const before = srv.requests.length;
    expect((await rejection(t.request({ method: 'GET', path: '/version', signal: AbortSignal.abort() }))).kind).toBe('aborted');
    expect(srv.requests.length).toBe(before);
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });

  it('close() ends in-flight and queued requests as aborted; later requests too', async () => {
    srv.setHandler(async (_req, res) => {
      await delay(300);
      if (!res.destroyed) reply(res, 200, { data: null });
    });
    const t = transport({ maxConcurrent: 1 });
    const inflight = t.request({ method: 'GET', path: '/version' });
    const queued = t.request({ method: 'GET', path: '/nodes' });
    await delay(50);
    t.close();
    expect((await rejection(inflight)).kind).toBe('aborted');
    expect((await rejection(queued)).kind).toBe('aborted');
    expect((await rejection(t.request({ method: 'GET', path: '/version' }))).kind).toBe('aborted');
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });
});

describe('keep-alive', () => {
  it('the idle-socket timeout does not cut a slow answer on a reused socket', async () => {
    let slow = false;
    srv.setHandler(async (_req, res) => {
      if (slow) await delay(300);
      reply(res, 200, { data: 'ok' });
    });
    const t = transport({ idleSocketTimeoutMs: 100 });
    const before = srv.connections();
    await t.request({ method: 'GET', path: '/version' });
    slow = true;
    const res = await t.request({ method: 'GET', path: '/version' });
    expect(JSON.parse(res.body)).toEqual({ data: 'ok' });
    expect(srv.connections() - before).toBe(1);
    // Idle sockets are closed after the idle timeout, so a later call opens a new one.
    await delay(250);
    slow = false;
    await t.request({ method: 'GET', path: '/version' });
    expect(srv.connections() - before).toBe(2);
    t.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });
});

describe('concurrency limit', () => {
  it('never has more than maxConcurrent requests at the server and queues the rest', async () => {
    let active = 0;
    let peak = 0;
    srv.setHandler(async (_req, res) => {
      active++;
      peak = Math.max(peak, active);
      await delay(40);
      active--;
      reply(res, 200, { data: null });
    });
    const t = transport({ maxConcurrent: 3 });
    await Promise.all(Array.from({ length: 12 }, () => t.request({ method: 'GET', path: '/version' })));
    expect(peak).toBe(3);
    t.close();

    peak = 0;
    const d = transport();
    await Promise.all(Array.from({ length: 10 }, () => d.request({ method: 'GET', path: '/version' })));
    expect(peak).toBe(4); // the default
    d.close();
    srv.setHandler((_req, r) => reply(r, 200, { data: null }));
  });
});
