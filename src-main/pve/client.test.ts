import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPveClient, releaseMajor, type PveClient } from './client';
import { PveError, type PveErrorKind } from './errors';
import { delay, reply, selfSignedCert, startPveServer, type Handler, type TestCert, type TestServer } from './test-support';

const SECRET = '0c9b7d4e-2f61-4a8b-9e3d-5b1c7a6f8e20';
const UPID = 'UPID:pve1:0001A2B3:00C4D5E6:6724E1B9:qmclone:100:ops@pve!console:';

let cert: TestCert;
let srv: TestServer;
const clients: PveClient[] = [];

beforeAll(async () => {
  cert = await selfSignedCert();
  srv = await startPveServer(cert, () => undefined);
});
afterAll(async () => srv.close());
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  srv.requests.length = 0;
});

function client(handler: Handler, extra: Partial<Parameters<typeof createPveClient>[0]> = {}): PveClient {
  srv.setHandler(handler);
  const c = createPveClient({
    baseUrl: srv.url,
    fingerprint: cert.fingerprint,
    credentials: async () => ({ kind: 'token', tokenId: 'ops@pve!console', secret: SECRET }),
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 },
    ...extra,
  });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<PveError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PveError);
  return e as PveError;
}

describe('HTTP status → error kind', () => {
  const cases: { status: number; reason: string; body: unknown; kind: PveErrorKind; retryable: boolean }[] = [
    { status: 400, reason: 'Parameter verification failed.', body: { data: null, errors: { vmid: 'invalid format - value does not look like a valid VM ID\n' } }, kind: 'validation', retryable: false },
    { status: 401, reason: 'authentication failure', body: '', kind: 'unauthorized', retryable: false },
    { status: 403, reason: 'Permission check failed (/vms/100, VM.PowerMgmt)', body: { data: null }, kind: 'forbidden', retryable: false },
    { status: 500, reason: "Configuration file 'nodes/pve/qemu-server/101.conf' does not exist", body: { data: null }, kind: 'server', retryable: false },
    { status: 501, reason: "Method 'GET /nodes/pve1/bogus' not implemented", body: { data: null }, kind: 'not_implemented', retryable: false },
    { status: 502, reason: 'Bad Gateway', body: '', kind: 'server', retryable: true },
    { status: 595, reason: 'Connection refused', body: '', kind: 'node_unreachable', retryable: true },
    { status: 596, reason: 'Connection timed out', body: '', kind: 'node_unreachable', retryable: true },
    { status: 599, reason: 'Too many redirections', body: '', kind: 'node_unreachable', retryable: true },
    { status: 418, reason: "I'm a teapot", body: '', kind: 'http', retryable: false },
  ];
  for (const c of cases) {
    it(`${c.status} → ${c.kind}`, async () => {
      const api = client((_req, res) => reply(res, c.status, c.body, c.reason), { retry: { attempts: 1 } });
      const err = await failure(api.nodeStatus('pve1'));
      expect(err.kind).toBe(c.kind);
      expect(err.status).toBe(c.status);
      expect(err.retryable).toBe(c.retryable);
      expect(err.reason).toBe(c.reason);
      expect(err.method).toBe('GET');
      expect(err.path).toBe('/nodes/pve1/status');
    });
  }

  it('400 carries the per-parameter errors map', async () => {
    const api = client((_req, res) =>
      reply(res, 400, { data: null, errors: { vmid: 'invalid format\n', name: 'too long\nmust be a DNS name' } }, 'Parameter verification failed.'),
    );
    const err = await failure(api.nextId(99));
    expect(err.errors).toEqual({ vmid: 'invalid format', name: 'too long\nmust be a DNS name' });
    expect(err.message).toContain('vmid: invalid format');
  });

  it('403 names the missing privilege and path; several privileges mean "one of"', async () => {
    let api = client((_req, res) => reply(res, 403, { data: null }, 'Permission check failed (/vms/100, VM.PowerMgmt)'));
    let err = await failure(api.startGuest({ node: 'pve1', type: 'qemu', vmid: 100 }));
    expect(err.permission).toEqual({ path: '/vms/100', privileges: ['VM.PowerMgmt'] });
    expect(err.message).toBe('Permission denied: missing privilege VM.PowerMgmt on /vms/100');
    api = client((_req, res) => reply(res, 403, { data: null }, 'Permission check failed (/pool/dev, VM.Allocate|VM.Clone)'));
    err = await failure(api.cloneGuest({ node: 'pve1', type: 'qemu', vmid: 100 }, { newid: 101 }));
    expect(err.permission).toEqual({ path: '/pool/dev', privileges: ['VM.Allocate', 'VM.Clone'] });
    expect(err.message).toContain('one of VM.Allocate, VM.Clone');
  });

  it('prefers the body message (PVE >= 8.3) over the one-line reason phrase', async () => {
    const api = client((_req, res) => reply(res, 500, { data: null, message: 'VM 100 is locked (backup)\nmore detail\n' }, 'VM 100 is locked (backup)'));
    const err = await failure(api.guestStatus({ node: 'pve1', type: 'qemu', vmid: 100 }));
    expect(err.reason).toBe('VM 100 is locked (backup)\nmore detail');
    expect(err.message).toBe('Proxmox VE error (500): VM 100 is locked (backup)');
  });
});

describe('malformed responses', () => {
  it('non-JSON body is malformed', async () => {
    const api = client((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>captive portal</html>');
    });
    const err = await failure(api.version());
    expect(err.kind).toBe('malformed');
  });

  it('JSON that is not an envelope is malformed', async () => {
    const api = client((_req, res) => reply(res, 200, [1, 2, 3]));
    expect((await failure(api.version())).kind).toBe('malformed');
  });

  it('schema-invalid data is malformed and names the field, not the value', async () => {
    const api = client((_req, res) => reply(res, 200, { data: [{ node: 'pve1', status: { nested: 'secret-ish-value' } }] }));
    const err = await failure(api.nodes());
    expect(err.kind).toBe('malformed');
    expect(err.message).toContain('0.status');
    expect(err.message).not.toContain('secret-ish-value');
  });

  it('a write that answers something other than a UPID is malformed', async () => {
    const api = client((_req, res) => reply(res, 200, { data: 'not-a-upid' }));
    expect((await failure(api.startGuest({ node: 'pve1', type: 'lxc', vmid: 200 }))).kind).toBe('malformed');
  });
});

describe('retries', () => {
  it('retries an idempotent GET with growing, jittered backoff and succeeds', async () => {
    let n = 0;
    const api = client(
      (_req, res) => {
        n++;
        if (n < 3) return reply(res, 595, { data: null }, 'No route to host');
        return reply(res, 200, { data: { version: '9.1.2' } });
      },
      { retry: { attempts: 4, baseDelayMs: 60, maxDelayMs: 1000 }, random: () => 1 },
    );
    await expect(api.version()).resolves.toMatchObject({ version: '9.1.2' });
    const t = srv.requests.map((r) => r.at);
    expect(t).toHaveLength(3);
    const gap1 = t[1]! - t[0]!;
    const gap2 = t[2]! - t[1]!;
    expect(gap1).toBeGreaterThanOrEqual(55); // base
    expect(gap2).toBeGreaterThanOrEqual(115); // 2 × base
    expect(gap2).toBeGreaterThan(gap1);
  });

  it('stops after the configured number of attempts', async () => {
    const api = client((_req, res) => void res.socket?.destroy(), { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
    const err = await failure(api.version());
    expect(err.kind).toBe('connection_reset');
    expect(srv.requests).toHaveLength(3);
  });

  it('jitter stays within [half, full] of the step', async () => {
    const api = client(
      (_req, res) => (srv.requests.length < 2 ? reply(res, 503, '', 'Service Unavailable') : reply(res, 200, { data: { version: '9.1' } })),
      { retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1000 }, random: () => 0 },
    );
    await api.version();
    const gap = srv.requests[1]!.at - srv.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(95);
    expect(gap).toBeLessThan(190);
  });

  it('never retries POST, PUT or DELETE, even on retryable errors', async () => {
    const api = client((_req, res) => void res.socket?.destroy(), { retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 } });
    const ref = { node: 'pve1', type: 'qemu' as const, vmid: 100 };
    expect((await failure(api.cloneGuest(ref, { newid: 101 }))).kind).toBe('connection_reset');
    expect(srv.requests).toHaveLength(1);
    expect((await failure(api.updateGuestConfig(ref, { cores: 4 }))).kind).toBe('connection_reset');
    expect(srv.requests).toHaveLength(2);
    expect((await failure(api.deleteGuest(ref))).kind).toBe('connection_reset');
    expect(srv.requests).toHaveLength(3);
  });

  it('does not retry a timed-out POST (it may have run)', async () => {
    const api = client(
      async (_req, res) => {
        await delay(400);
        if (!res.destroyed) reply(res, 200, { data: UPID });
      },
      { timeoutMs: 100, retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    expect((await failure(api.startGuest({ node: 'pve1', type: 'qemu', vmid: 100 }))).kind).toBe('timeout');
    expect(srv.requests).toHaveLength(1);
  });

  it('does not retry non-retryable GET failures', async () => {
    const api = client((_req, res) => reply(res, 403, { data: null }, 'Permission check failed (/, Sys.Audit)'));
    await failure(api.clusterStatus());
    expect(srv.requests).toHaveLength(1);
  });

  it('an abort during backoff ends the call as aborted', async () => {
    const api = client((_req, res) => reply(res, 503, '', 'Service Unavailable'), { retry: { attempts: 5, baseDelayMs: 500, maxDelayMs: 500 } });
    const ac = new AbortController();
    const p = api.version({ signal: ac.signal });
    await delay(80);
    ac.abort();
    expect((await failure(p)).kind).toBe('aborted');
    expect(srv.requests).toHaveLength(1);
  });
});

describe('typed endpoints', () => {
  it('builds the documented paths and parameters', async () => {
    const api = client((req, res) => {
      if (req.path.endsWith('/config') && req.method === 'PUT') return reply(res, 200, { data: null });
      if (req.method !== 'GET') return reply(res, 200, { data: UPID });
      return reply(res, 200, { data: [] });
    });
    const ref = { node: 'pve 1', type: 'lxc' as const, vmid: 200 };
    await api.clusterResources('vm');
    await api.listGuests('pve1', 'qemu', { full: true });
    await api.nodeRrd('pve1', 'hour', 'AVERAGE');
    await api.guestRrd(ref, 'day');
    await api.nodeNetwork('pve1', 'bridge');
    await api.sdnZones();
    await api.sdnVnets();
    await api.nodeStorage('pve1', { content: 'images' });
    await api.pools();
    await api.nodeTasks('pve1', { limit: 10, vmid: 100 });
    await api.snapshots(ref);
    await api.shutdownGuest(ref, { timeout: 60, forceStop: true });
    await api.rebootGuest(ref);
    await api.stopGuest(ref);
    await api.createGuest('pve1', 'qemu', { vmid: 150, name: 'web', memory: 2048, cores: 2, net0: 'virtio,bridge=vmbr0' });
    await api.migrateGuest(ref, { target: 'pve2', restart: true });
    await api.createSnapshot(ref, { snapname: 'pre-upgrade', description: 'before apt' });
    await api.rollbackSnapshot(ref, 'pre-upgrade', { start: true });
    await api.deleteSnapshot(ref, 'pre-upgrade');
    await api.vzdump('pve1', { vmid: [100, 200], mode: 'snapshot', storage: 'backup' });
    await expect(api.updateGuestConfig(ref, { cores: 2, delete: ['mp1'], digest: 'abc' })).resolves.toBeNull();
    await api.stopTask(UPID);
    const seen = srv.requests.map((r) => `${r.method} ${r.rawPath}${r.query.size ? `?${r.query}` : ''}${r.body ? ` ${r.body}` : ''}`);
    expect(seen).toEqual([
      'GET /cluster/resources?type=vm',
      'GET /nodes/pve1/qemu?full=1',
      'GET /nodes/pve1/rrddata?timeframe=hour&cf=AVERAGE',
      'GET /nodes/pve%201/lxc/200/rrddata?timeframe=day',
      'GET /nodes/pve1/network?type=bridge',
      'GET /cluster/sdn/zones',
      'GET /cluster/sdn/vnets',
      'GET /nodes/pve1/storage?content=images',
      'GET /pools',
      'GET /nodes/pve1/tasks?limit=10&vmid=100',
      'GET /nodes/pve%201/lxc/200/snapshot',
      'POST /nodes/pve%201/lxc/200/status/shutdown timeout=60&forceStop=1',
      'POST /nodes/pve%201/lxc/200/status/reboot',
      'POST /nodes/pve%201/lxc/200/status/stop',
      'POST /nodes/pve1/qemu vmid=150&name=web&memory=2048&cores=2&net0=virtio%2Cbridge%3Dvmbr0',
      'POST /nodes/pve%201/lxc/200/migrate target=pve2&restart=1',
      'POST /nodes/pve%201/lxc/200/snapshot snapname=pre-upgrade&description=before%20apt',
      'POST /nodes/pve%201/lxc/200/snapshot/pre-upgrade/rollback start=1',
      'DELETE /nodes/pve%201/lxc/200/snapshot/pre-upgrade',
      'POST /nodes/pve1/vzdump vmid=100%2C200&mode=snapshot&storage=backup',
      'PUT /nodes/pve%201/lxc/200/config cores=2&delete=mp1&digest=abc',
      'DELETE /nodes/pve1/tasks/UPID%3Apve1%3A0001A2B3%3A00C4D5E6%3A6724E1B9%3Aqmclone%3A100%3Aops%40pve!console%3A',
    ]);
  });

  it('async qemu config update returns a UPID or null', async () => {
    let answer: unknown = UPID;
    const api = client((_req, res) => reply(res, 200, { data: answer }));
    const ref = { node: 'pve1', type: 'qemu' as const, vmid: 100 };
    await expect(api.updateGuestConfig(ref, { scsi1: 'local-lvm:32' }, { async: true })).resolves.toBe(UPID);
    expect(srv.requests.at(-1)!.method).toBe('POST');
    answer = null;
    await expect(api.updateGuestConfig(ref, { scsi1: 'local-lvm:32' }, { async: true })).resolves.toBeNull();
  });

  it('task pages carry PVE total', async () => {
    const api = client((_req, res) => reply(res, 200, { total: 91, data: [{ n: 1, t: 'starting' }] }));
    await expect(api.taskLog(UPID, { start: 0, limit: 1 })).resolves.toEqual({ items: [{ n: 1, t: 'starting' }], total: 91 });
  });

  it('generic get/post/put/del with and without schema', async () => {
    const api = client((req, res) => reply(res, 200, { data: { method: req.method, n: '42' } }));
    await expect(api.get('/cluster/options')).resolves.toEqual({ method: 'GET', n: '42' });
    const schema = z.object({ method: z.string(), n: z.coerce.number() });
    await expect(api.post('/cluster/options', { a: 1 }, { schema })).resolves.toEqual({ method: 'POST', n: 42 });
    await expect(api.put('/cluster/options', undefined, { schema })).resolves.toEqual({ method: 'PUT', n: 42 });
    await expect(api.del('/cluster/options')).resolves.toEqual({ method: 'DELETE', n: '42' });
  });

  it('rejects invalid arguments before any request', async () => {
    const api = client((_req, res) => reply(res, 200, { data: null }));
    await expect(api.startGuest({ node: 'pve1', type: 'qemu', vmid: 1.5 })).rejects.toThrow(TypeError);
    await expect(api.taskStatus('not-a-upid')).rejects.toMatchObject({ kind: 'malformed' });
    expect(srv.requests).toHaveLength(0);
  });
});

describe('haPlacement', () => {
  it('uses rules on 9.x', async () => {
    const api = client((req, res) => {
      if (req.path === '/version') return reply(res, 200, { data: { version: '9.1.2', release: '9.1', repoid: 'abcdef12' } });
      if (req.path === '/cluster/ha/rules') return reply(res, 200, { data: [{ rule: 'prefer-a', type: 'node-affinity', nodes: 'pve1:2,pve2', resources: 'vm:100', strict: 0 }] });
      return reply(res, 500, { data: null }, 'cannot index groups: ha groups have been migrated to rules');
    });
    const p = await api.haPlacement();
    expect(p).toMatchObject({ model: 'rules', version: '9.1.2', rules: [{ rule: 'prefer-a', strict: false }] });
    expect(srv.requests.map((r) => r.path)).toEqual(['/version', '/cluster/ha/rules']);
  });

  it('uses groups on 8.4', async () => {
    const api = client((req, res) => {
      if (req.path === '/version') return reply(res, 200, { data: { version: '8.4.1', release: '8.4' } });
      if (req.path === '/cluster/ha/groups') return reply(res, 200, { data: [{ group: 'g1', nodes: 'pve1:2,pve2', restricted: 0, nofailback: 1 }] });
      return reply(res, 501, { data: null }, 'no such uri');
    });
    const p = await api.haPlacement();
    expect(p).toMatchObject({ model: 'groups', groups: [{ group: 'g1', nofailback: true, restricted: false }] });
  });

  it('falls back to rules when an unparsable version meets migrated groups', async () => {
    const api = client((req, res) => {
      if (req.path === '/version') return reply(res, 200, { data: { version: 'dev' } });
      if (req.path === '/cluster/ha/rules') return reply(res, 200, { data: [] });
      return reply(res, 500, { data: null, message: 'cannot index groups: ha groups have been migrated to rules\n' }, 'cannot index groups: ha groups have been migrated to rules');
    });
    await expect(api.haPlacement()).resolves.toMatchObject({ model: 'rules', rules: [] });
  });

  it('releaseMajor reads release or version', () => {
    expect(releaseMajor({ version: '9.1.2', release: '9.1' })).toBe(9);
    expect(releaseMajor({ version: '6.2-4' })).toBe(6);
    expect(releaseMajor({ version: 'dev' })).toBeUndefined();
  });
});
