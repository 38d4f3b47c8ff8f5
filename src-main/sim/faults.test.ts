import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import type { ClusterState, Guest } from './model';
import { haSid } from './model';
import { createSimulator, type Simulator } from './simulator';
import { api, upidPath } from './test-support';
import type { SimCluster } from './types';

let sim: Simulator;
let clock: ManualClock;
let a: ClusterState;
let b: ClusterState;
let token: string;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 6, 1, 8, 0, 0));
  sim = await createSimulator({ sites: 2, seed: 99, dataCentrePools: false }, { clock });
  a = sim.runtime.clusters[0] as ClusterState;
  b = sim.runtime.clusters[1] as ClusterState;
  token = sim.handle.token;
});

afterAll(async () => {
  await sim?.handle.close();
});

afterEach(() => {
  sim.handle.faults.clear();
});

function plainVm(c: ClusterState, running: boolean): Guest {
  const g = [...c.guests.values()].find((x) => x.type === 'qemu' && !x.template && (x.status === 'running') === running && !c.haResources.has(haSid(x)) && !x.lock);
  if (!g) throw new Error('no suitable VM');
  return g;
}

async function taskStatus(c: ClusterState, upid: string): Promise<Record<string, unknown>> {
  const node = upid.split(':')[1] ?? '';
  return (await api<Record<string, unknown>>(c.info.url, 'GET', upidPath(node, upid), { token })).body?.data ?? {};
}

describe('fault configuration', () => {
  it('starts clean, returns copies and rejects unknown clusters', () => {
    expect(sim.handle.faults.get(a.info.id)).toEqual({
      latencyMs: 0, error5xxRate: 0, nodesDown: [], resetConnections: false, slowTaskFactor: 1, taskFailure: false, lockTimeout: false, revokedToken: false,
    });
    sim.handle.faults.get(a.info.id).nodesDown.push('x');
    expect(sim.handle.faults.get(a.info.id).nodesDown).toEqual([]);
    expect(() => sim.handle.faults.set('nope', { latencyMs: 1 })).toThrow(/unknown simulated cluster/);
    expect(() => sim.handle.faults.set(a.info.id, { error5xxRate: 2 })).toThrow(RangeError);
  });
});

describe('latency and errors', () => {
  it('adds latency to every response', async () => {
    sim.handle.faults.set(a.info.id, { latencyMs: 150 });
    const t0 = Date.now();
    expect((await api(a.info.url, 'GET', '/version', { token })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(145);
    const t1 = Date.now();
    await api(b.info.url, 'GET', '/version', { token });
    expect(Date.now() - t1).toBeLessThan(145);
  });

  it('injects PVE-shaped 500s at the configured rate', async () => {
    sim.handle.faults.set(a.info.id, { error5xxRate: 1 });
    const r = await api(a.info.url, 'GET', '/version', { token });
    expect(r.status).toBe(500);
    expect(r.body?.data).toBeNull();
    expect(r.body?.message).toMatch(/\n$/);
    expect(r.reason).toBe(r.body?.message?.trim());
    sim.handle.faults.set(a.info.id, { error5xxRate: 0.5 });
    let failures = 0;
    for (let i = 0; i < 40; i++) if ((await api(a.info.url, 'GET', '/version', { token })).status === 500) failures++;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
  });

  it('resets connections without a response', async () => {
    sim.handle.faults.set(a.info.id, { resetConnections: true });
    await expect(api(a.info.url, 'GET', '/version', { token })).rejects.toThrow(/socket hang up|ECONNRESET/);
    sim.handle.faults.set(a.info.id, { resetConnections: false });
    expect((await api(a.info.url, 'GET', '/version', { token })).status).toBe(200);
  });
});

describe('nodes down', () => {
  it('answers proxied calls with 595 and shows the node offline', async () => {
    const down = a.nodes[1]?.name ?? '';
    sim.handle.faults.set(a.info.id, { nodesDown: [down] });
    const r = await api(a.info.url, 'GET', `/nodes/${down}/status`, { token });
    expect(r.status).toBe(595);
    expect(r.reason).toBe('No route to host');
    expect(r.raw).toBe('');
    // RRD data lives in the cluster file system, not on the node.
    expect((await api(a.info.url, 'GET', `/nodes/${down}/rrddata`, { token, params: { timeframe: 'hour' } })).status).toBe(200);

    const resources = (await api<Array<Record<string, unknown>>>(a.info.url, 'GET', '/cluster/resources', { token })).body?.data ?? [];
    const nodeEntry = resources.find((e) => e.id === `node/${down}`);
    expect(nodeEntry?.status).toBe('offline');
    expect(nodeEntry?.cpu).toBeUndefined();
    const guestsThere = resources.filter((e) => (e.type === 'qemu' || e.type === 'lxc') && e.node === down);
    expect(guestsThere.length).toBeGreaterThan(0);
    for (const g of guestsThere) expect(g.status).toBe('unknown');

    const status = (await api<Array<Record<string, unknown>>>(a.info.url, 'GET', '/cluster/status', { token })).body?.data ?? [];
    expect(status.find((e) => e.name === down)?.online).toBe(0);
    expect(status.find((e) => e.type === 'cluster')?.quorate).toBe(1);
    const nodes = (await api<Array<Record<string, unknown>>>(a.info.url, 'GET', '/nodes', { token })).body?.data ?? [];
    expect(nodes.find((n) => n.node === down)?.status).toBe('offline');
    const ha = (await api<Array<Record<string, unknown>>>(a.info.url, 'GET', '/cluster/ha/status/current', { token })).body?.data ?? [];
    const lrm = ha.find((e) => e.id === `lrm:${down}`);
    if (lrm) expect(String(lrm.status)).toContain('old timestamp - dead?');
  });

  it('loses quorum when most nodes are down, failing writes', async () => {
    const vm = plainVm(a, false);
    const others = a.nodes.filter((n) => n.name !== a.nodes[0]?.name).map((n) => n.name);
    sim.handle.faults.set(a.info.id, { nodesDown: others });
    const status = (await api<Array<Record<string, unknown>>>(a.info.url, 'GET', '/cluster/status', { token })).body?.data ?? [];
    expect(status.find((e) => e.type === 'cluster')?.quorate).toBe(0);
    if (!others.includes(vm.node)) {
      const r = await api(a.info.url, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token, params: { description: 'no quorum' } });
      expect(r.status).toBe(500);
      expect(r.reason).toBe('cluster not ready - no quorum?');
    }
  });
});

describe('tasks under faults', () => {
  it('slowTaskFactor stretches task durations', async () => {
    const vm = plainVm(a, false);
    sim.handle.faults.set(a.info.id, { slowTaskFactor: 100 });
    const upid = String((await api(a.info.url, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/status/start`, { token })).body?.data);
    clock.advance(60_000);
    expect((await taskStatus(a, upid)).status).toBe('running');
    clock.advance(3_600_000);
    expect(await taskStatus(a, upid)).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    sim.handle.faults.clear(a.info.id);
    const stop = String((await api(a.info.url, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/status/stop`, { token })).body?.data);
    clock.advance(5_000);
    expect((await taskStatus(a, stop)).status).toBe('stopped');
  });

  it('taskFailure makes new tasks end with an error exit status', async () => {
    const vm = plainVm(a, false);
    sim.handle.faults.set(a.info.id, { taskFailure: true });
    const upid = String((await api(a.info.url, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/status/start`, { token })).body?.data);
    clock.advance(60_000);
    const st = await taskStatus(a, upid);
    expect(st.status).toBe('stopped');
    expect(st.exitstatus).toBe('start failed: QEMU exited with code 1');
    const log = (await api<Array<{ n: number; t: string }>>(a.info.url, 'GET', upidPath(vm.node, upid, 'log'), { token })).body?.data ?? [];
    expect(log.at(-1)?.t).toBe('TASK ERROR: start failed: QEMU exited with code 1');
    expect(vm.status).toBe('stopped');
  });

  it('lockTimeout fails guest writes with the lock file error', async () => {
    const vm = plainVm(a, true);
    sim.handle.faults.set(a.info.id, { lockTimeout: true });
    const r = await api(a.info.url, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token, params: { description: 'x' } });
    expect(r.status).toBe(500);
    expect(r.reason).toBe(`can't lock file '/var/lock/qemu-server/lock-${vm.vmid}.conf' - got timeout`);
    // Reads are unaffected.
    expect((await api(a.info.url, 'GET', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token })).status).toBe(200);
  });

  it('revokedToken fails token auth but not tickets', async () => {
    sim.handle.faults.set(a.info.id, { revokedToken: true });
    const r = await api(a.info.url, 'GET', '/version', { token });
    expect(r.status).toBe(401);
    expect(r.reason).toBe('Authentication failed!');
    const login = await api<{ ticket: string }>(a.info.url, 'POST', '/access/ticket', { params: { username: sim.handle.user, password: sim.handle.password } });
    expect((await api(a.info.url, 'GET', '/version', { ticket: login.body?.data.ticket ?? '' })).status).toBe(200);
    expect((await api(b.info.url, 'GET', '/version', { token })).status).toBe(200);
  });
});

describe('certificate rotation', () => {
  it('gives the cluster a new certificate and fingerprint', async () => {
    const info = sim.handle.clusters.find((c) => c.id === b.info.id) as SimCluster;
    const before = info.fingerprint;
    const first = sim.handle.fingerprint;
    expect((await api(b.info.url, 'GET', '/version', { token })).peerFingerprint).toBe(before);
    const after = await sim.handle.faults.rotateCertificate(b.info.id);
    expect(after).not.toBe(before);
    expect(after).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(info.fingerprint).toBe(after);
    const r = await api(b.info.url, 'GET', '/version', { token });
    expect(r.peerFingerprint).toBe(after);
    await expect(api(b.info.url, 'GET', '/version', { token, fingerprint: before })).rejects.toThrow(/fingerprint mismatch/);
    // Other clusters keep theirs.
    expect(sim.handle.fingerprint).toBe(first);
    expect((await api(a.info.url, 'GET', '/version', { token })).peerFingerprint).toBe(first);
    const nodes = (await api<Array<{ ssl_fingerprint: string }>>(b.info.url, 'GET', '/nodes', { token })).body?.data ?? [];
    expect(nodes[0]?.ssl_fingerprint).toBe(after);
  });
});
