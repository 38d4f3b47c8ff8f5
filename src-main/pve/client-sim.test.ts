/**
 * The client against the PVE simulator (src-main/sim): every typed endpoint
 * parses what the simulator serves, token and ticket auth (with CSRF) work,
 * a rotated certificate is refused, each injected fault surfaces as its typed
 * error, and tasks are followed to OK and to failure.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from '../sim';
// Internals, for two things the public handle does not offer: a manual clock
// (ticket expiry) and the read-only audit token (403s).
import { ManualClock } from '../sim/clock';
import { createSimulator } from '../sim/simulator';
import { createPveClient, type CreatePveClientOptions, type GuestRef, type PveClient } from './client';
import { PveError } from './errors';
import { isGuestResource, isNodeResource, type GuestResource } from './schemas';
import { waitForTask } from './tasks';
import { HttpsPveTransport } from './transport';
import { decodeResponse } from './envelope';

let sim: SimHandle;
const clients: PveClient[] = [];

beforeAll(async () => {
  sim = await startSimulator({ sites: 1, seed: 42, port: 0, taskSpeed: 200, dataCentrePools: false });
}, 60_000);
afterAll(async () => {
  await sim?.close();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const c of sim.clusters) sim.faults.clear(c.id);
});

function cluster() {
  return sim.clusters[0]!;
}

function tokenClient(extra: Partial<CreatePveClientOptions> = {}): PveClient {
  const c = createPveClient({
    baseUrl: cluster().url,
    fingerprint: cluster().fingerprint,
    credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }),
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
    ...extra,
  });
  clients.push(c);
  return c;
}

function ticketClient(extra: Partial<CreatePveClientOptions> = {}): PveClient {
  const c = createPveClient({
    baseUrl: cluster().url,
    fingerprint: cluster().fingerprint,
    credentials: async () => ({ kind: 'ticket', username: sim.user, password: sim.password }),
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

async function guests(c: PveClient): Promise<GuestResource[]> {
  return (await c.clusterResources('vm')).filter(isGuestResource);
}

function refOf(g: GuestResource): GuestRef {
  return { node: g.node, type: g.type, vmid: g.vmid };
}

/**
 * Starts a power task on some idle guest: start if it is stopped, else
 * shutdown. Tests change guest states, so they must not rely on one state.
 */
async function powerTask(c: PveClient): Promise<{ ref: GuestRef; upid: string; expect: 'running' | 'stopped' }> {
  const g = (await guests(c)).find((x) => (x.status === 'stopped' || x.status === 'running') && !x.template && !x.lock && !x.hastate);
  if (!g) throw new Error('simulator has no idle guest');
  const ref = refOf(g);
  if (g.status === 'stopped') return { ref, upid: await c.startGuest(ref), expect: 'running' };
  return { ref, upid: await c.shutdownGuest(ref, { timeout: 30 }), expect: 'stopped' };
}

describe('every typed endpoint parses what the simulator serves', () => {
  it('cluster, nodes, guests, storage, network, SDN, HA, tasks', async () => {
    const c = tokenClient();
    const v = await c.version();
    expect(v.version).toMatch(/^\d+\.\d+/);
    const resources = await c.clusterResources();
    const nodeNames = cluster().nodes;
    expect(resources.filter(isNodeResource).map((n) => n.node).sort()).toEqual([...nodeNames].sort());
    const all = resources.filter(isGuestResource);
    expect(all.length).toBeGreaterThan(0);
    await c.clusterStatus();
    await c.haStatus();
    await c.haResources();
    const placement = await c.haPlacement();
    expect(['rules', 'groups']).toContain(placement.model);
    await c.sdnZones();
    await c.sdnVnets();
    await c.pools();
    expect(await c.nextId()).toBeGreaterThanOrEqual(100);
    const node = nodeNames[0]!;
    const nodes = await c.nodes();
    expect(nodes.find((n) => n.node === node)?.ssl_fingerprint ?? cluster().fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await c.nodeStatus(node);
    await c.nodeRrd(node, 'hour');
    await c.nodeNetwork(node);
    await c.nodeStorage(node);
    await c.nodeTasks(node, { limit: 5 });
    for (const type of ['qemu', 'lxc'] as const) await c.listGuests(node, type);
    for (const g of all.slice(0, 6)) {
      const ref = refOf(g);
      await c.guestStatus(ref);
      await c.guestConfig(ref);
      await c.guestRrd(ref, 'hour');
      await c.snapshots(ref);
    }
  });
});

describe('authentication', () => {
  it('token auth works for reads and writes', async () => {
    const c = tokenClient();
    const { upid } = await powerTask(c);
    const out = await waitForTask(c, upid, { pollMs: 20, timeoutMs: 20_000 });
    expect(out.ok).toBe(true);
    expect(c.authKind).toBe('token');
  });

  it('ticket auth logs in and writes with the CSRF token', async () => {
    const c = ticketClient();
    const { upid } = await powerTask(c);
    expect((await waitForTask(c, upid, { pollMs: 20, timeoutMs: 20_000 })).ok).toBe(true);
    expect(c.authKind).toBe('ticket');
  });

  it('a ticket write without CSRFPreventionToken is refused (401) — the header matters', async () => {
    const t = new HttpsPveTransport({ baseUrl: cluster().url, fingerprint: cluster().fingerprint });
    try {
      const login = decodeResponse(await t.request({ method: 'POST', path: '/access/ticket', params: { username: sim.user, password: sim.password } }), {
        method: 'POST',
        path: '/access/ticket',
      });
      const { ticket, CSRFPreventionToken } = login.data as { ticket: string; CSRFPreventionToken: string };
      const c = tokenClient();
      const g = (await guests(c)).find((x) => (x.status === 'stopped' || x.status === 'running') && !x.template && !x.lock)!;
      const path = `/nodes/${g.node}/${g.type}/${g.vmid}/status/${g.status === 'stopped' ? 'start' : 'shutdown'}`;
      const res = await t.request({ method: 'POST', path, headers: { Cookie: `PVEAuthCookie=${ticket}` } });
      expect(res.status).toBe(401);
      let err: unknown;
      try {
        decodeResponse(res, { method: 'POST', path });
      } catch (e) {
        err = e;
      }
      expect((err as PveError).kind).toBe('unauthorized');
      expect((err as PveError).reason).toMatch(/csrf/i);
      const ok = await t.request({ method: 'POST', path, headers: { Cookie: `PVEAuthCookie=${ticket}`, CSRFPreventionToken } });
      expect(ok.status).toBe(200);
    } finally {
      t.close();
    }
  });

  it('renews the ticket past 1 h 45 min and logs in again past 2 h (shared manual clock)', async () => {
    const clock = new ManualClock(Date.now());
    const s = await createSimulator({ sites: 1, seed: 7, port: 0, dataCentrePools: false }, { clock });
    try {
      const info = s.handle.clusters[0]!;
      let passwordReads = 0;
      const c = createPveClient({
        baseUrl: info.url,
        fingerprint: info.fingerprint,
        credentials: async () => {
          passwordReads++;
          return { kind: 'ticket', username: s.handle.user, password: s.handle.password };
        },
        clock: () => clock.now(),
      });
      clients.push(c);
      await c.version();
      clock.advance(106 * 60 * 1000); // past the renewal point, ticket still valid
      await c.version();
      expect(passwordReads).toBe(1); // renewed with the ticket itself
      clock.advance(119 * 60 * 1000); // the renewed ticket is still valid (renewed 119 min ago)...
      await c.version(); // ...and gets renewed again
      expect(passwordReads).toBe(1);
      clock.advance(3 * 60 * 60 * 1000); // everything expired: full login
      await c.version();
      expect(passwordReads).toBe(2);
    } finally {
      await s.handle.close();
    }
  });

  it('a read-only token gets forbidden with the missing privilege on writes', async () => {
    const s = await createSimulator({ sites: 1, seed: 9, port: 0, dataCentrePools: false });
    try {
      const m = /^PVEAPIToken=(.+?)=(.+)$/.exec(s.auditToken)!;
      const info = s.handle.clusters[0]!;
      const c = createPveClient({ baseUrl: info.url, fingerprint: info.fingerprint, credentials: async () => ({ kind: 'token', tokenId: m[1]!, secret: m[2]! }) });
      clients.push(c);
      await expect(c.version()).resolves.toBeTruthy();
      const g = (await c.clusterResources('vm')).filter(isGuestResource)[0]!;
      const err = await failure(c.startGuest(refOf(g)));
      expect(err.kind).toBe('forbidden');
      expect(err.permission?.path).toBe(`/vms/${g.vmid}`);
      expect(err.permission?.privileges).toContain('VM.PowerMgmt');
    } finally {
      await s.handle.close();
    }
  });

  it('wrong password is unauthorized', async () => {
    const c = createPveClient({
      baseUrl: cluster().url,
      fingerprint: cluster().fingerprint,
      credentials: async () => ({ kind: 'ticket', username: sim.user, password: 'definitely-wrong' }),
    });
    clients.push(c);
    expect((await failure(c.version())).kind).toBe('unauthorized');
  });
});

describe('TLS pinning against the simulator', () => {
  it('refuses the cluster after rotateCertificate, naming old and new fingerprints', async () => {
    const old = cluster().fingerprint;
    const c = tokenClient({ idleSocketTimeoutMs: 50 });
    await c.version();
    const fresh = await sim.faults.rotateCertificate(cluster().id);
    expect(fresh).not.toBe(old);
    await new Promise((r) => setTimeout(r, 150)); // let the idle keep-alive socket close
    const err = await failure(c.version());
    expect(err.kind).toBe('tls_pin_mismatch');
    expect(err.pinnedFingerprint).toBe(old);
    expect(err.fingerprint).toBe(fresh);
    // A client pinned to the new fingerprint is accepted.
    const again = createPveClient({ baseUrl: cluster().url, fingerprint: fresh, credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }) });
    clients.push(again);
    await expect(again.version()).resolves.toBeTruthy();
  });

  it('without a pin the client refuses and reports the presented fingerprint', async () => {
    const c = createPveClient({ baseUrl: cluster().url, credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }) });
    clients.push(c);
    const err = await failure(c.version());
    expect(err.kind).toBe('tls_unpinned');
    expect(err.fingerprint).toBe(cluster().fingerprint);
  });
});

describe('faults surface as typed errors', () => {
  it('latency beyond the deadline → timeout', async () => {
    sim.faults.set(cluster().id, { latencyMs: 400 });
    const c = tokenClient({ timeoutMs: 100, retry: { attempts: 1 } });
    expect((await failure(c.version())).kind).toBe('timeout');
  });

  it('5xx → server, after bounded GET retries', async () => {
    sim.faults.set(cluster().id, { error5xxRate: 1 });
    const c = tokenClient({ retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
    const err = await failure(c.version());
    expect(err.kind).toBe('server');
    expect(err.status).toBeGreaterThanOrEqual(500);
  });

  it('node down → node_unreachable for calls proxied to it', async () => {
    const node = cluster().nodes.at(-1)!;
    sim.faults.set(cluster().id, { nodesDown: [node] });
    const c = tokenClient({ retry: { attempts: 1 } });
    const err = await failure(c.nodeStatus(node));
    expect(err.kind).toBe('node_unreachable');
    expect(err.status).toBe(595);
    // The cluster-wide view still answers, with the node offline.
    const res = await c.clusterResources('node');
    expect(res.filter(isNodeResource).find((n) => n.node === node)?.status).not.toBe('online');
  });

  it('reset connections → connection_reset', async () => {
    sim.faults.set(cluster().id, { resetConnections: true });
    const c = tokenClient({ retry: { attempts: 1 } });
    expect((await failure(c.version())).kind).toBe('connection_reset');
  });

  it('revoked token → unauthorized', async () => {
    sim.faults.set(cluster().id, { revokedToken: true });
    const c = tokenClient();
    const err = await failure(c.version());
    expect(err.kind).toBe('unauthorized');
    expect(err.status).toBe(401);
  });

  it('lock timeout on writes → server, marked retryable but not retried (POST)', async () => {
    const c = tokenClient();
    sim.faults.set(cluster().id, { lockTimeout: true });
    const err = await failure(powerTask(c));
    expect(err.kind).toBe('server');
    expect(err.reason).toMatch(/got timeout|lock/);
    expect(err.retryable).toBe(true);
  });
});

describe('tasks', () => {
  it('polls to OK, streaming the log', async () => {
    const c = tokenClient();
    const task = await powerTask(c);
    const lines: string[] = [];
    const out = await waitForTask(c, task.upid, { pollMs: 20, timeoutMs: 20_000, onLog: (l) => lines.push(l.t) });
    expect(out).toMatchObject({ ok: true, exitstatus: 'OK' });
    expect(lines.at(-1)).toBe('TASK OK');
    expect((await c.guestStatus(task.ref)).status).toBe(task.expect);
  });

  it('taskFailure → ok:false with the error text and TASK ERROR in the log', async () => {
    const c = tokenClient();
    sim.faults.set(cluster().id, { taskFailure: true });
    const { upid } = await powerTask(c);
    const lines: string[] = [];
    const out = await waitForTask(c, upid, { pollMs: 20, timeoutMs: 20_000, onLog: (l) => lines.push(l.t) });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error.length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatch(/^TASK ERROR/);
  });

  it('slow tasks hit waitForTask timeout while the task keeps running', async () => {
    const c = tokenClient();
    sim.faults.set(cluster().id, { slowTaskFactor: 10_000 });
    const { upid } = await powerTask(c);
    expect((await failure(waitForTask(c, upid, { pollMs: 20, timeoutMs: 300 }))).kind).toBe('timeout');
    expect((await c.taskStatus(upid)).status).toBe('running');
  });
});
