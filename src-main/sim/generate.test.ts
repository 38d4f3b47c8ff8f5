import { describe, expect, it } from 'vitest';
import { HOST, POOL_HOSTS, VM_SIZES } from './catalogue';
import { generateFleet, type GeneratedCluster } from './generate';
import { haSid } from './model';
import { createSimulator } from './simulator';
import { api } from './test-support';

const NOW = Date.UTC(2026, 3, 1, 6, 0, 0);

/** Everything that makes up the inventory, without time-derived fields. */
function inventory(clusters: GeneratedCluster[]): unknown {
  return clusters.map((c) => ({
    name: c.info.name, site: c.info.site, region: c.info.region, kind: c.info.kind, pool: c.info.poolSize, vendor: c.vendor,
    nodes: c.nodes.map((n) => [n.name, n.ip]),
    guests: [...c.guests.values()].map((g) => [g.vmid, g.type, g.name, g.node, g.status, g.cores, g.memoryMiB, g.diskGiB, g.storage, g.tags, g.pool, g.template, g.confidential, g.protection, g.snapshots?.map((s) => s.name)]),
    storages: c.storages.map((s) => [s.id, s.type, s.total]),
    pools: c.pools.map((p) => p.poolid),
    ha: [...c.haResources.keys()],
    rules: c.haRules.map((r) => [r.rule, r.resources, r.nodes]),
    vnets: c.sdnVnets.map((v) => [v.vnet, v.tag]),
  }));
}

describe('fleet generation', () => {
  it('is deterministic: the same seed gives the same inventory, whatever the start time', () => {
    const opts = { sites: 8, seed: 77, hostsPerSite: undefined, guestsPerSite: undefined, dataCentrePools: true };
    const one = generateFleet(opts, NOW);
    const two = generateFleet(opts, NOW + 86_400_000 * 3);
    expect(inventory(two)).toEqual(inventory(one));
    expect(inventory(generateFleet({ ...opts, seed: 78 }, NOW))).not.toEqual(inventory(one));
  });

  it('follows the service catalogue', () => {
    const fleet = generateFleet({ sites: 12, seed: 5, hostsPerSite: undefined, guestsPerSite: undefined, dataCentrePools: true }, NOW);
    const edges = fleet.filter((c) => c.info.kind === 'edge');
    const dcs = fleet.filter((c) => c.info.kind === 'datacentre');
    expect(edges).toHaveLength(12);
    for (const e of edges) {
      expect(e.info.name).toMatch(/^edge-[a-z]{3}-\d{3}$/);
      expect(e.nodes).toHaveLength(3);
      expect(e.info.poolSize).toBe('small');
      const count = [...e.guests.values()].filter((g) => !g.template).length;
      expect(count).toBeGreaterThanOrEqual(12);
      expect(count).toBeLessThanOrEqual(40);
    }
    expect(new Set(fleet.map((c) => c.info.region)).size).toBeLessThanOrEqual(5);
    for (const d of dcs) {
      expect(d.info.name).toMatch(/^dc-[a-z]+-(s|m|l|xl)$/);
      expect(d.info.site).toBe(`dc-${d.info.region}`);
      expect(d.nodes).toHaveLength(POOL_HOSTS[d.info.poolSize]);
    }
    expect(new Set(dcs.map((d) => d.info.poolSize))).toEqual(new Set(['small', 'medium', 'large', 'xlarge']));

    const sizes = Object.values(VM_SIZES).map((s) => `${s.cores}/${s.memoryMiB}`);
    for (const c of fleet) {
      const names = new Set<string>();
      for (const g of c.guests.values()) {
        expect(names.has(g.name), `${c.info.name}: duplicate ${g.name}`).toBe(false);
        names.add(g.name);
        expect(c.nodeByName.has(g.node)).toBe(true);
        if (g.type === 'qemu' && !g.template) {
          expect(sizes).toContain(`${g.cores}/${g.memoryMiB}`);
          expect(g.tags).toMatch(/(^|;)tenant-[a-z]+(;|$)/);
        }
        if (g.template) expect(g.vmid).toBeGreaterThanOrEqual(9000);
        if (g.confidential) expect(g.tags.split(';')).toContain('confidential');
      }
      for (const sid of c.haResources.keys()) {
        const vmid = Number(sid.split(':')[1]);
        const g = c.guests.get(vmid);
        expect(g && haSid(g)).toBe(sid);
        expect(g?.storage).toBe('ceph-vm');
      }
      for (const r of c.haRules) for (const sid of r.resources.split(',')) expect(c.haResources.has(sid)).toBe(true);
    }
  });

  it('keeps running guests within each host\'s memory', () => {
    const fleet = generateFleet({ sites: 3, seed: 9, hostsPerSite: 12, guestsPerSite: 200, dataCentrePools: false }, NOW);
    for (const c of fleet) {
      for (const n of c.nodes) {
        const mib = [...c.guests.values()].filter((g) => g.node === n.name && g.status === 'running').reduce((s, g) => s + g.memoryMiB, 0);
        expect(mib * 1024 ** 2).toBeLessThan(HOST.memTotal);
      }
    }
  });

  it('adds data-centre pools by default only for up to 50 sites', async () => {
    const small = await createSimulator({ sites: 2, seed: 1, guestsPerSite: 1 });
    const large = await createSimulator({ sites: 51, seed: 1, guestsPerSite: 1 });
    try {
      expect(small.handle.clusters.some((c) => c.kind === 'datacentre')).toBe(true);
      expect(large.handle.clusters.every((c) => c.kind === 'edge')).toBe(true);
      expect(large.handle.clusters).toHaveLength(51);
    } finally {
      await small.handle.close();
      await large.handle.close();
    }
  });

  it('serves the same inventory over the API for the same seed', async () => {
    const fields = (r: Array<Record<string, unknown>>) => r.map((e) => [e.id, e.name, e.node, e.maxcpu, e.maxmem, e.maxdisk, e.tags, e.pool, e.template]);
    const s1 = await createSimulator({ sites: 1, seed: 321, dataCentrePools: false });
    const s2 = await createSimulator({ sites: 1, seed: 321, dataCentrePools: false });
    try {
      const r1 = await api<Array<Record<string, unknown>>>(s1.handle.url, 'GET', '/cluster/resources', { token: s1.handle.token, params: { type: 'vm' } });
      const r2 = await api<Array<Record<string, unknown>>>(s2.handle.url, 'GET', '/cluster/resources', { token: s2.handle.token, params: { type: 'vm' } });
      expect(fields(r1.body?.data ?? [])).toEqual(fields(r2.body?.data ?? []));
      expect(s1.handle.tokenSecret).not.toBe(s2.handle.tokenSecret);
    } finally {
      await s1.handle.close();
      await s2.handle.close();
    }
  });
});

describe('bench scale: 500 sites x 12 hosts x 200 guests', () => {
  it('generates 100k guests in a few seconds and serves one site in milliseconds', { timeout: 120_000 }, async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const sim = await createSimulator({ sites: 500, seed: 1, hostsPerSite: 12, guestsPerSite: 200 });
    const startMs = performance.now() - t0;
    try {
      const guests = sim.runtime.clusters.reduce((n, c) => n + c.guests.size, 0);
      const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
      expect(sim.runtime.clusters).toHaveLength(500);
      expect(guests).toBeGreaterThanOrEqual(100_000);
      expect(startMs).toBeLessThan(15_000);
      expect(heapMb).toBeLessThan(800);

      const site = sim.runtime.clusters[250];
      if (!site) throw new Error('no site');
      // Median over repeated calls after warm-up: single samples include GC pauses of the
      // freshly built 100k-guest heap.
      const timings: number[] = [];
      for (let i = 0; i < 26; i++) {
        const t = performance.now();
        const r = sim.server.dispatch(site, 'GET', '/api2/json/cluster/resources', { authorization: sim.handle.token }, Buffer.alloc(0));
        if (i >= 5) timings.push(performance.now() - t);
        expect(r.status).toBe(200);
      }
      const median = [...timings].sort((x, y) => x - y)[10] ?? Infinity;
      expect(median).toBeLessThan(20);
      const t = performance.now();
      const overHttps = await api<unknown[]>(site.info.url, 'GET', '/cluster/resources', { token: sim.handle.token });
      const httpsMs = performance.now() - t;
      expect(overHttps.body?.data.length).toBeGreaterThan(200 + 12);
      console.info(`bench scale: start ${startMs.toFixed(0)} ms, ${guests} guests, heap +${heapMb.toFixed(0)} MB, /cluster/resources median ${median.toFixed(1)} ms in-process, ${httpsMs.toFixed(1)} ms over HTTPS`);
    } finally {
      await sim.handle.close();
    }
  });
});
