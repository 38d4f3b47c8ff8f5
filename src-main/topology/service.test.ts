/**
 * The map's graphs over a real SQLite inventory: aggregation at fleet
 * level, WAN link state from sync state, badges, the network view's cache
 * (offline with its age) and layouts per operator.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guest, node, snapshot } from '../fleet/test-fixtures';
import type { TopoGraph } from '../../src-preload/contract';
import type { ClusterNetwork, RawInterface } from './network-source';
import { NOW, site, world, type World } from './test-support';

let w: World;
beforeEach(() => {
  w = world();
});
afterEach(() => w.close());

const byId = (g: TopoGraph, id: string) => g.nodes.find((n) => n.id === id);

function smallFleet(): void {
  w.cluster('fra1', site('edge-fra-001', 'central'), snapshot('fra1', [node('pve1'), node('pve2')], [guest(100, 'pve1'), guest(101, 'pve2')]));
  w.cluster('muc1', site('edge-muc-001', 'central'), snapshot('muc1', [node('pve1'), node('pve2', { status: 'offline' })], [guest(200, 'pve1')]));
  w.cluster('dc1', site('dc-central', 'central', 'datacentre'), snapshot('dc1', [node('pve1')], []));
  w.cluster('par1', site('edge-par-001', 'west'), snapshot('par1', [node('pve1')], [guest(300, 'pve1')]), { agoSeconds: 600, error: 'connect ETIMEDOUT 10.0.0.1:8006' });
}

describe('fleet level', () => {
  it('aggregates sites into regions with the worst status and counts, showing no site until expanded', () => {
    smallFleet();
    const g = w.service().fleet([]);
    expect(g.nodes.map((n) => n.id)).toEqual(['region:central', 'region:west']);
    const central = byId(g, 'region:central')!;
    expect(central.detail).toBe('3 sites · 5 hosts · 3 guests');
    expect(central.status).toBe('degraded');
    expect(central.title).toBe('1 degraded');
    expect(byId(g, 'region:west')!.status).toBe('stale');
    expect(g.edges).toEqual([]);
    // Every site is findable, with the region that must open for it to appear.
    expect(g.search).toContainEqual({ id: 'site:edge-par-001', label: 'edge-par-001', detail: 'edge site · west', expand: 'west' });
  });

  it('expands a region: its edge sites in a group, each with a WAN link to the data-centre hub, state from sync', () => {
    smallFleet();
    const g = w.service().fleet(['central', 'west']);
    const group = byId(g, 'group:region:central')!;
    expect(group.members).toBe(2);
    expect(byId(g, 'site:edge-fra-001')!.group).toBe('group:region:central');
    // The data centre is the hub, outside the group.
    expect(byId(g, 'site:dc-central')!.group).toBeNull();
    const wan = g.edges.filter((e) => e.kind === 'wan');
    expect(wan.map((e) => [e.source, e.target, e.status])).toEqual([
      ['site:dc-central', 'site:edge-fra-001', 'up'],
      ['site:dc-central', 'site:edge-muc-001', 'up'],
      // No hub in the west: the region is the hub. The failing sync makes the link down, with the reason.
      ['region:west', 'site:edge-par-001', 'down'],
    ]);
    expect(wan[2]!.label).toMatch(/ETIMEDOUT/);
    expect(wan[0]!.label).not.toMatch(/last sync/);
    expect(byId(g, 'site:edge-par-001')!.drill).toEqual({ level: 'site', siteId: 'site:edge-par-001' });
  });

  it('adds the round trip of the last successful sync to a WAN link, when this run measured one', () => {
    smallFleet();
    const svc = w.service();
    svc.recordSyncs([
      { clusterId: 'fra1', ok: true, ms: 123.4 },
      { clusterId: 'par1', ok: false, ms: 15000 },
    ]);
    const wan = svc.fleet(['central', 'west']).edges.filter((e) => e.kind === 'wan');
    expect(wan.find((e) => e.target === 'site:edge-fra-001')!.label).toMatch(/; last sync 123 ms$/);
    // A failed sync measures nothing about the link.
    expect(wan.find((e) => e.target === 'site:edge-par-001')!.label).not.toMatch(/last sync/);
  });

  it('aggregates 500 sites into a handful of nodes', () => {
    for (let i = 0; i < 500; i++) {
      const region = ['central', 'west', 'south', 'north', 'east'][i % 5]!;
      w.cluster(`c${i}`, site(`edge-${i}`, region), snapshot(`c${i}`, [node('pve1')], []));
    }
    const collapsed = w.service().fleet([]);
    expect(collapsed.nodes).toHaveLength(5);
    expect(collapsed.search).toHaveLength(505);
    const one = w.service().fleet(['south']);
    expect(one.nodes).toHaveLength(5 + 1 + 100);
    expect(one.edges.filter((e) => e.kind === 'wan')).toHaveLength(100);
  });
});

describe('site and host levels', () => {
  beforeEach(() => {
    const snap = snapshot('fra1', [node('pve1'), node('pve2', { status: 'offline' })], [
      guest(100, 'pve1', { name: 'db', pool: 'acme', tags: ['confidential', 'tenant-acme'], hastate: 'started' }),
      guest(101, 'pve1', { name: 'web', pool: 'acme', tags: ['confidential'] }),
      guest(102, 'pve2', { name: 'batch', status: 'stopped', pool: 'zeta' }),
      guest(9000, 'pve1', { name: 'template', template: true }),
    ]);
    snap.storage.push({ node: 'pve1', storage: 'ceph-vm', type: 'rbd', status: 'available', shared: true, content: 'images', disk: 1e12, maxdisk: 96e12 });
    snap.storage.push({ node: 'pve2', storage: 'ceph-vm', type: 'rbd', status: 'unknown', shared: true, content: 'images', disk: 1e12, maxdisk: 96e12 });
    w.cluster('fra1', site('edge-fra-001', 'central'), snap);
    w.attest.set('fra1/100', { verdict: 'accept', at: new Date(NOW.getTime() - 3600_000).toISOString() });
    w.attest.set('fra1/101', { verdict: 'reject', at: NOW.toISOString() });
  });

  it('site: clusters, pools, hosts, shared storage, networks and guests grouped per host, with badges', () => {
    const g = w.service().siteGraph('site:edge-fra-001');
    expect(g.crumbs.map((c) => c.label)).toEqual(['Fleet', 'edge-fra-001']);
    expect(byId(g, 'cluster:fra1')!.status).toBe('degraded');
    expect(byId(g, 'host:fra1/pve2')!.status).toBe('down');
    expect(byId(g, 'host:fra1/pve1')!.drill).toEqual({ level: 'host', clusterId: 'fra1', node: 'pve1' });
    expect(g.nodes.filter((n) => n.kind === 'pool').map((n) => n.label)).toEqual(['acme', 'zeta']);
    const ceph = byId(g, 'storage:fra1/ceph-vm')!;
    expect(ceph.status).toBe('unknown');
    expect(ceph.title).toBe('pve2: unknown');
    expect(byId(g, 'network:fra1')!.drill).toEqual({ level: 'network', siteId: 'site:edge-fra-001' });
    expect(byId(g, 'group:host:fra1/pve1')!.members).toBe(2);
    // Templates are not guests on the map.
    expect(byId(g, 'guest:fra1/9000')).toBeUndefined();
    expect(byId(g, 'guest:fra1/100')!.badges).toEqual(['ha', 'confidential', 'attested']);
    expect(byId(g, 'guest:fra1/101')!.badges).toEqual(['confidential', 'attestation-failed']);
    expect(byId(g, 'guest:fra1/102')!.status).toBe('unknown');
  });

  it('an attestation older than the limit no longer counts as attested', () => {
    w.attest.set('fra1/100', { verdict: 'accept', at: new Date(NOW.getTime() - 25 * 3600_000).toISOString() });
    expect(byId(w.service().siteGraph('site:edge-fra-001'), 'guest:fra1/100')!.badges).toEqual(['ha', 'confidential']);
  });

  it('host: storage and guests grouped per pool; unknown ids are typed not_found errors', () => {
    const g = w.service().hostGraph('fra1', 'pve1');
    expect(g.crumbs.map((c) => c.label)).toEqual(['Fleet', 'edge-fra-001', 'pve1']);
    expect(g.nodes.filter((n) => n.kind === 'group').map((n) => [n.label, n.members])).toEqual([['acme: 2 guests', 2]]);
    expect(g.nodes.filter((n) => n.kind === 'storage').map((n) => n.label)).toEqual(['ceph-vm', 'local-zfs']);
    expect(() => w.service().hostGraph('fra1', 'nope')).toThrow(expect.objectContaining({ code: 'not_found', field: 'node' }));
    expect(() => w.service().hostGraph('nope', 'pve1')).toThrow(expect.objectContaining({ code: 'not_found', field: 'clusterId' }));
    expect(() => w.service().siteGraph('site:nope')).toThrow(expect.objectContaining({ code: 'not_found', field: 'siteId' }));
  });

  it('a stale cluster makes its hosts and guests stale', () => {
    w.db.prepare('UPDATE fleet_sync SET last_error = ?, last_attempt_at = ? WHERE cluster_id = ?').run('refused', NOW.toISOString(), 'fra1');
    const g = w.service().siteGraph('site:edge-fra-001');
    expect(byId(g, 'cluster:fra1')!.status).toBe('stale');
    expect(byId(g, 'host:fra1/pve1')!.status).toBe('stale');
    expect(byId(g, 'guest:fra1/100')!.status).toBe('stale');
  });
});

const iface = (iface: string, type: string, over: Partial<RawInterface> = {}): RawInterface => ({
  iface,
  type,
  active: true,
  bridgePorts: null,
  vlanAware: null,
  slaves: null,
  vlanId: null,
  vlanRawDevice: null,
  cidr: null,
  comments: null,
  ...over,
});

function picture(): ClusterNetwork {
  const host = (missingVmbr2 = false) => [
    iface('eno1', 'eth'),
    iface('bond0', 'bond', { slaves: 'ens1f0 ens1f1' }),
    iface('vmbr0', 'bridge', { bridgePorts: 'eno1', cidr: '10.0.0.11/24', comments: 'management' }),
    iface('vmbr1', 'bridge', { bridgePorts: 'bond0', vlanAware: true }),
    iface('bond0.20', 'vlan', { vlanId: 20, vlanRawDevice: 'bond0', comments: 'storage' }),
    ...(missingVmbr2 ? [] : [iface('vmbr2', 'bridge')]),
  ];
  return {
    nodes: [
      { node: 'pve1', interfaces: host(), error: null },
      { node: 'pve2', interfaces: host(true), error: null },
    ],
    zones: [{ zone: 'tenants', type: 'vlan', bridge: 'vmbr1', tag: null }],
    vnets: [{ vnet: 'acme', zone: 'tenants', tag: 110, alias: 'Acme' }, { vnet: 'lab', zone: 'tenants', tag: 120, alias: null }],
    guests: [
      { vmid: 100, type: 'qemu', node: 'pve1', name: 'db', status: 'running', net: { net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr1,firewall=1,tag=110' } },
      { vmid: 101, type: 'lxc', node: 'pve2', name: 'ct', status: 'stopped', net: { net0: 'name=eth0,bridge=vmbr1,hwaddr=BC:24:11:00:00:02,ip=dhcp,tag=110,type=veth', net1: 'name=eth1,bridge=lab' } },
      { vmid: 102, type: 'qemu', node: 'pve1', name: 'odd', status: 'running', net: { net0: 'virtio,bridge=vmbr0', net1: 'bridge=vmbr1,tag=5000' } },
    ],
    problems: [],
  };
}

describe('network view', () => {
  beforeEach(() => {
    w.cluster('fra1', site('edge-fra-001', 'central'), snapshot('fra1', [node('pve1'), node('pve2')], []));
    w.network.pictures.set('fra1', picture());
  });

  it('reads live on first open, caches, then serves the cache with its age', async () => {
    const live = await w.service().networkGraph('site:edge-fra-001', false);
    expect(w.network.calls).toEqual(['fra1']);
    expect(live.source).toEqual({ fetchedAt: NOW.toISOString(), ageSeconds: 0, cached: false, problems: [expect.stringMatching(/1 NIC line not understood \(VM 102 net1: VLAN tag 5000/)] });
    const again = await w.service().networkGraph('site:edge-fra-001', false);
    expect(w.network.calls).toEqual(['fra1']);
    expect(again.source?.cached).toBe(true);
    expect(again.nodes).toEqual(live.nodes);
  });

  it('draws bonds, bridges, VLANs, SDN zones and vnets, and which guests attach where', async () => {
    const g = await w.service().networkGraph('site:edge-fra-001', true);
    const kinds = (k: string) => g.nodes.filter((n) => n.kind === k).map((n) => n.label);
    expect(kinds('bond')).toEqual(['bond0']);
    expect(kinds('bridge')).toEqual(['vmbr0', 'vmbr1', 'vmbr2']);
    expect(kinds('zone')).toEqual(['tenants']);
    expect(kinds('vnet')).toEqual(['acme', 'lab']);
    expect(kinds('vlan')).toEqual(['bond0.20', 'vmbr1 VLAN 110']);
    // vmbr2 exists on pve1 only.
    expect(byId(g, 'iface:fra1/vmbr2')).toMatchObject({ status: 'degraded', title: 'missing on pve2' });
    const has = (source: string, target: string) => g.edges.some((e) => e.source === source && e.target === target);
    expect(has('iface:fra1/bond0', 'iface:fra1/vmbr1')).toBe(true);
    expect(has('iface:fra1/bond0', 'iface:fra1/bond0.20')).toBe(true);
    expect(has('iface:fra1/vmbr1', 'zone:fra1/tenants')).toBe(true);
    // Tag 110 on vmbr1 is the segment of vnet acme: the map links them.
    expect(has('vnet:fra1/acme', 'seg:fra1/vmbr1/110')).toBe(true);
    expect(byId(g, 'group:seg:fra1/vmbr1/110')!.members).toBe(2);
    expect(byId(g, 'nic:fra1/101/net0')!.group).toBe('group:seg:fra1/vmbr1/110');
    // A NIC naming the vnet as its bridge attaches to the vnet itself.
    expect(byId(g, 'nic:fra1/101/net1')!.group).toBe('group:vnet:fra1/lab');
    expect(byId(g, 'nic:fra1/102/net0')!.group).toBe('group:iface:fra1/vmbr0');
    expect(byId(g, 'nic:fra1/102/net1')).toBeUndefined();
    expect(byId(g, 'nic:fra1/100/net0')).toMatchObject({ status: 'up', detail: 'VM 100 · net0 virtio · fw', drill: { level: 'host', clusterId: 'fra1', node: 'pve1' } });
  });

  it('keeps working offline: a failed refresh shows the last picture, its age and why', async () => {
    await w.service().networkGraph('site:edge-fra-001', true);
    w.network.failing.add('fra1');
    const later = w.service();
    (later as unknown as { now: () => Date }).now = () => new Date(NOW.getTime() + 3600_000);
    const g = await later.networkGraph('site:edge-fra-001', true);
    expect(g.source?.cached).toBe(true);
    expect(g.source?.ageSeconds).toBe(3600);
    expect(g.source?.problems[0]).toMatch(/fra1: live read failed, showing the picture of 2026-03-01T12:00:00.000Z: .*ECONNREFUSED/);
    expect(g.nodes.some((n) => n.kind === 'vnet')).toBe(true);
    expect(w.service().networks.lastError('fra1')?.error).toMatch(/ECONNREFUSED/);
  });

  it('with nothing cached and the cluster unreachable, says so instead of drawing networks', async () => {
    w.network.failing.add('fra1');
    const g = await w.service().networkGraph('site:edge-fra-001', false);
    expect(g.nodes.map((n) => n.kind)).toEqual(['cluster']);
    expect(g.source).toMatchObject({ fetchedAt: null, ageSeconds: null, cached: true });
    expect(g.source?.problems[0]).toMatch(/^fra1: .*ECONNREFUSED/);
  });

  it('the site map summarises the cached networks', async () => {
    expect(byId(w.service().siteGraph('site:edge-fra-001'), 'network:fra1')!.detail).toMatch(/not read yet/);
    await w.service().networkGraph('site:edge-fra-001', false);
    expect(byId(w.service().siteGraph('site:edge-fra-001'), 'network:fra1')!.detail).toBe('3 bridges · 1 SDN zone · 2 vnets');
  });
});

describe('layouts', () => {
  it('are saved per operator and view, come back with the graph, and reset', () => {
    w.cluster('fra1', site('edge-fra-001', 'central'), snapshot('fra1', [node('pve1')], []));
    const alice = w.service('alice');
    expect(alice.saveLayout('fleet', { 'region:central': { x: 10.04, y: -20 } })).toEqual({ saved: 1 });
    expect(alice.fleet([]).layout).toEqual({ 'region:central': { x: 10, y: -20 } });
    expect(w.service('bob').fleet([]).layout).toEqual({});
    expect(alice.siteGraph('site:edge-fra-001').layout).toEqual({});
    alice.saveLayout('fleet', { 'region:central': { x: 1, y: 2 } });
    expect(w.service('alice').fleet([]).layout).toEqual({ 'region:central': { x: 1, y: 2 } });
    expect(alice.resetLayout('fleet')).toEqual({ reset: true });
    expect(alice.fleet([]).layout).toEqual({});
  });
});
