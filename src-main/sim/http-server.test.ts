import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import type { ClusterState, Guest } from './model';
import { createSimulator, type Simulator } from './simulator';
import { api } from './test-support';

let sim: Simulator;
let cluster: ClusterState;
let url: string;
let token: string;
let vm: Guest;

beforeAll(async () => {
  sim = await createSimulator({ sites: 1, seed: 5, dataCentrePools: false }, { clock: new ManualClock(Date.UTC(2026, 0, 20, 12, 0, 0)) });
  cluster = sim.runtime.clusters[0] as ClusterState;
  url = sim.handle.url;
  token = sim.handle.token;
  const found = [...cluster.guests.values()].find((g) => g.type === 'qemu' && !g.template);
  if (!found) throw new Error('no VM');
  vm = found;
});

afterAll(async () => {
  await sim?.handle.close();
});

describe('400 Parameter verification failed.', () => {
  it('reports an invalid VMID like PVE (fixtures/error.400.cluster_nextid.GET.json)', async () => {
    const r = await api(url, 'GET', '/cluster/nextid', { token, params: { vmid: 99 } });
    expect(r.status).toBe(400);
    expect(r.reason).toBe('Parameter verification failed.');
    expect(r.body?.data).toBeNull();
    expect(r.body?.errors).toEqual({ vmid: 'invalid format - value does not look like a valid VM ID\n' });
  });

  it('reports a taken VMID on nextid', async () => {
    const r = await api(url, 'GET', '/cluster/nextid', { token, params: { vmid: vm.vmid } });
    expect(r.status).toBe(400);
    expect(r.body?.errors).toEqual({ vmid: `VM ${vm.vmid} already exists` });
  });

  it('names unknown, missing, mistyped and out-of-enum parameters', async () => {
    const r = await api(url, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, {
      token, params: { online: 'maybe', bogus: 1, bwlimit: -5, migration_type: 'fast' },
    });
    expect(r.status).toBe(400);
    expect(r.body?.errors).toEqual({
      target: 'property is missing and it is not optional',
      online: "type check ('boolean') failed - got 'maybe'",
      bogus: 'property is not defined in schema and the schema does not allow additional properties',
      bwlimit: 'value must have a minimum value of 0',
      migration_type: "value 'fast' does not have a value in the enumeration 'secure, insecure'",
    });
  });

  it('only knows the resource types PVE 9.1 declares (no type=pool filter)', async () => {
    const r = await api(url, 'GET', '/cluster/resources', { token, params: { type: 'pool' } });
    expect(r.status).toBe(400);
    expect(r.body?.errors).toEqual({ type: "value 'pool' does not have a value in the enumeration 'vm, storage, node, sdn'" });
    const all = await api<Array<{ type: string }>>(url, 'GET', '/cluster/resources', { token });
    expect(all.body?.data.some((e) => e.type === 'pool')).toBe(true);
  });

  it('checks integers and path placeholders', async () => {
    const r = await api(url, 'GET', `/nodes/${vm.node}/qemu/abc/status/current`, { token });
    expect(r.status).toBe(400);
    expect(r.body?.errors).toEqual({ vmid: "type check ('integer') failed - got 'abc'" });
  });

  it('accepts 1/0, true/false, yes/no, on/off for booleans and numbered families', async () => {
    for (const v of ['1', '0', 'true', 'false', 'yes', 'off']) {
      const r = await api(url, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token, params: { onboot: v, ipconfig0: 'ip=dhcp' } });
      expect(r.status, v).toBe(200);
    }
    const bad = await api(url, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token, params: { foo0: 'x' } });
    expect(bad.body?.errors?.foo0).toContain('not defined in schema');
  });

  it('accepts JSON bodies with typed values', async () => {
    const r = await api(url, 'PUT', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token, json: true, params: { cores: 6, onboot: true, tags: 'tenant-acme;json' } });
    expect(r.status).toBe(200);
    const cfg = await api<Record<string, unknown>>(url, 'GET', `/nodes/${vm.node}/qemu/${vm.vmid}/config`, { token });
    expect(cfg.body?.data.cores).toBe(6);
    expect(cfg.body?.data.onboot).toBe(1);
    expect(cfg.body?.data.tags).toBe('json;tenant-acme');
  });
});

describe('500 and 501', () => {
  it('uses the error text as reason and message (fixtures/error.500.*)', async () => {
    const r = await api(url, 'GET', `/nodes/${vm.node}/qemu/99999/status/current`, { token });
    expect(r.status).toBe(500);
    expect(r.reason).toBe(`Configuration file 'nodes/${vm.node}/qemu-server/99999.conf' does not exist`);
    expect(r.body).toEqual({ data: null, message: `Configuration file 'nodes/${vm.node}/qemu-server/99999.conf' does not exist\n` });
  });

  it('refuses to create an existing VMID', async () => {
    const r = await api(url, 'POST', `/nodes/${vm.node}/qemu`, { token, params: { vmid: vm.vmid } });
    expect(r.status).toBe(500);
    expect(r.reason).toBe(`unable to create VM ${vm.vmid} - VM ${vm.vmid} already exists on node '${vm.node}'`);
  });

  it('answers 501 for unknown paths and methods', async () => {
    const r = await api(url, 'GET', '/nodes/x/nonsense', { token });
    expect(r.status).toBe(501);
    expect(r.reason).toBe("Method 'GET /nodes/x/nonsense' not implemented");
    expect((await api(url, 'PUT', '/version', { token })).status).toBe(501);
  });

  it('reports an unknown node like the proxy does', async () => {
    const r = await api(url, 'GET', '/nodes/ghost/status', { token });
    expect(r.status).toBe(500);
    expect(r.reason).toContain("hostname lookup 'ghost' failed");
  });
});

describe('transport', () => {
  it('wraps results in {data} and adds total where PVE does', async () => {
    const node = cluster.nodes[0]?.name ?? '';
    const r = await api<unknown[]>(url, 'GET', `/nodes/${node}/tasks`, { token, params: { limit: 3 } });
    expect(r.body?.data).toHaveLength(3);
    expect(r.body?.total).toBeGreaterThan(3);
    expect(r.headers['content-type']).toBe('application/json;charset=UTF-8');
  });

  it('gzips large responses when asked', async () => {
    const res = await new Promise<{ enc: string | undefined; body: Buffer }>((resolve, reject) => {
      const u = new URL(url);
      https.get({
        host: u.hostname, port: u.port, path: '/api2/json/cluster/resources', rejectUnauthorized: false,
        headers: { Authorization: token, 'Accept-Encoding': 'gzip' },
      }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ enc: r.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    expect(res.enc).toBe('gzip');
    const parsed = JSON.parse(gunzipSync(res.body).toString('utf8')) as { data: unknown[] };
    expect(parsed.data.length).toBeGreaterThan(10);
  });

  it('lists every cluster through the extension endpoint', async () => {
    const r = await api<Array<{ id: string; url: string; fingerprint: string }>>(url, 'GET', '/cairn-sim/v1/clusters', { token, rawPath: true });
    expect(r.status).toBe(200);
    expect(r.body?.data.map((c) => c.id)).toEqual(sim.handle.clusters.map((c) => c.id));
    expect((await api(url, 'GET', '/cairn-sim/v1/clusters', { rawPath: true })).status).toBe(401);
  });

  it('verifies against the certificate as CA (IP SAN) and reports its fingerprint', async () => {
    const ca = sim.server.certificatePem(cluster.info.id);
    const r = await api(url, 'GET', '/version', { token, ca });
    expect(r.status).toBe(200);
    expect(r.peerFingerprint).toBe(sim.handle.fingerprint);
    expect(sim.handle.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });
});
