/**
 * The network view end to end against the PVE simulator: the production
 * adapter (PveClusterSource.network over the real client, pinned TLS) reads
 * host interfaces, SDN zones and vnets and every guest's netN lines, the
 * topology module caches and draws them, and a node going down shows up as
 * a problem while the rest of the picture stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveClusterSource } from '../app/pve-adapters';
import { startSimulator, type SimHandle } from '../sim';
import type { ConnectionRecord } from '../store/connections-repo';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { parseNetLine } from './net-line';

let sim: SimHandle;
let source: PveClusterSource;
let conn: ConnectionRecord;

beforeAll(async () => {
  sim = await startSimulator({ sites: 1, seed: 5, port: 0, dataCentrePools: false, hostsPerSite: 3, guestsPerSite: 30 });
  const c = sim.clusters[0]!;
  source = new PveClusterSource({ secretFor: async () => sim.tokenSecret, siteOf: () => undefined, log: createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() }) });
  conn = { id: 'c1', name: c.name, kind: 'pve', url: c.url, fingerprint: c.fingerprint, tokenId: sim.tokenId, site: c.site, simulated: true, createdAt: new Date().toISOString() };
}, 60_000);
afterAll(async () => {
  source?.close();
  await sim?.close();
});

describe('PveClusterSource.network against the simulator', () => {
  it('reads interfaces, SDN and every guest NIC, all of which parse', async () => {
    const net = await source.network(conn, AbortSignal.timeout(30_000));
    expect(net.problems).toEqual([]);
    expect(net.nodes).toHaveLength(3);
    for (const n of net.nodes) {
      expect(n.error).toBeNull();
      expect(n.interfaces?.map((i) => i.iface)).toEqual(expect.arrayContaining(['vmbr0', 'vmbr1', 'bond0']));
    }
    expect(net.nodes[0]!.interfaces!.find((i) => i.iface === 'vmbr1')).toMatchObject({ type: 'bridge', vlanAware: true, bridgePorts: 'bond0' });
    expect(net.zones?.some((z) => z.type === 'vlan' && z.bridge === 'vmbr1')).toBe(true);
    expect(net.vnets?.length).toBeGreaterThan(0);
    expect(net.guests.length).toBeGreaterThanOrEqual(30);
    let tagged = 0;
    for (const g of net.guests) {
      expect(Object.keys(g.net).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(g.net)) {
        const r = parseNetLine(k, v, g.type);
        expect(r.ok, `${g.vmid} ${k}=${v}`).toBe(true);
        if (r.ok && r.nic.tag !== null) tagged++;
      }
    }
    // Tenant guests sit on their tenant's VLAN on vmbr1, the segment of a vnet.
    expect(tagged).toBeGreaterThan(0);
    const vnetTags = new Set(net.vnets?.map((v) => v.tag));
    expect(net.guests.some((g) => Object.entries(g.net).some(([k, v]) => {
      const r = parseNetLine(k, v, g.type);
      return r.ok && r.nic.bridge === 'vmbr1' && vnetTags.has(r.nic.tag);
    }))).toBe(true);
  });

  it('a node that is down becomes a problem; the rest is still read', async () => {
    const node = sim.clusters[0]!.nodes[2]!;
    sim.faults.set(sim.clusters[0]!.id, { nodesDown: [node] });
    try {
      const net = await source.network(conn, AbortSignal.timeout(30_000));
      expect(net.nodes.find((n) => n.node === node)).toMatchObject({ interfaces: null, error: `${node} is offline` });
      expect(net.nodes.filter((n) => n.interfaces !== null)).toHaveLength(2);
      expect(net.problems.some((p) => /guest configs? not readable \(.*offline/.test(p))).toBe(true);
    } finally {
      sim.faults.clear(sim.clusters[0]!.id);
    }
  });

  it('an unreachable cluster is a typed error', async () => {
    const dead = { ...conn, url: 'https://127.0.0.1:1' };
    await expect(source.network(dead, AbortSignal.timeout(10_000))).rejects.toMatchObject({ code: 'unreachable' });
  });
});
