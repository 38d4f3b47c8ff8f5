/**
 * The columnar guest index against a plain reference model: the same
 * guests as objects, filtered and sorted the obvious way. Random fleets,
 * random queries, random changes to single clusters (the incremental
 * reload path), all through the real SQLite cache.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database';
import { ConnectionsRepo } from '../store/connections-repo';
import { parseGuestQuery } from './guest-filter';
import { GuestIndex, type SortField } from './guest-index';
import { InventoryRepo } from './inventory-repo';
import type { GuestSnap, SiteInfo } from './snapshot';
import { guest, node, snapshot } from './test-fixtures';

const NODES = ['pve01', 'pve02', 'PVE03'];
const NAMES = ['web', 'Web-02', 'db', 'DB-primary', 'cache', 'edge-router', 'vm', 'äbc'];
const TAGS = ['prod', 'dev', 'confidential', 'tenant-acme', 'tenant-globex', 'Backup'];
const SORTS: SortField[] = ['name', 'vmid', 'status', 'node', 'site', 'cpu', 'mem', 'maxmem', 'uptime', 'type'];

interface Ref {
  clusterId: string;
  clusterName: string;
  site: SiteInfo;
  g: GuestSnap;
}

const guestArb = fc.record({
  vmid: fc.integer({ min: 100, max: 140 }),
  name: fc.constantFrom(...NAMES),
  node: fc.constantFrom(...NODES),
  type: fc.constantFrom('qemu' as const, 'lxc' as const),
  status: fc.constantFrom('running', 'stopped', 'paused'),
  tags: fc.subarray(TAGS, { maxLength: 3 }),
  pool: fc.option(fc.constantFrom('gold', 'Silver'), { nil: null }),
  cpu: fc.constantFrom(0, 0.1, 0.5, 0.5, 1),
  mem: fc.constantFrom(1, 2, 2, 8).map((x) => x * 2 ** 30),
  uptime: fc.nat({ max: 5 }),
  template: fc.boolean(),
  hastate: fc.option(fc.constantFrom('started', 'stopped'), { nil: null }),
});
type GuestArb = typeof guestArb extends fc.Arbitrary<infer T> ? T : never;
const clusterGuests = fc.uniqueArray(guestArb, { selector: (g) => g.vmid, maxLength: 12 });

const tokenArb = fc.oneof(
  fc.constantFrom('web', 'DB', 'pve0', 'pve03', 'alpha', 'b', '10', '101', 'zz', 'é'),
  fc.constantFrom(
    'site:alp',
    'site:site:beta',
    '-site:gamma',
    'cluster:c1',
    'node:pve01',
    'node:pve03',
    '-node:pve02',
    'status:running',
    'status:STOPPED',
    'tag:prod',
    'tag:PROD',
    '-tag:dev',
    'tag:tenant-acme',
    'tag:acme',
    'tag:conf',
    'tenant:acme',
    'tenant:globex',
    'pool:gold',
    'pool:silver',
    'type:vm',
    'type:ct',
    'type:lxc',
    'vmid:101',
    '-vmid:100',
  ),
);

/** The reference semantics, written the obvious way. */
function refMatches(r: Ref, query: string): boolean {
  const q = parseGuestQuery(query);
  const lower = (s: string | null) => (s ?? '').toLowerCase();
  const tenant = r.g.tags.find((t) => t.startsWith('tenant-'))?.slice(7) ?? null;
  for (const f of q.filters) {
    const v = f.value.toLowerCase();
    let ok: boolean;
    switch (f.field) {
      case 'site':
        ok = lower(r.site.name).includes(v) || r.site.id === f.value;
        break;
      case 'cluster':
        ok = lower(r.clusterName).includes(v);
        break;
      case 'node':
        ok = lower(r.g.node) === v;
        break;
      case 'status':
        ok = r.g.status === v;
        break;
      case 'tag':
        ok = r.g.tags.some((t) => t.toLowerCase() === v);
        break;
      case 'tenant':
        ok = lower(tenant) === v;
        break;
      case 'pool':
        ok = lower(r.g.pool) === v;
        break;
      case 'type':
        ok = r.g.type === (v === 'vm' ? 'qemu' : v === 'ct' || v === 'container' ? 'lxc' : v);
        break;
      case 'vmid':
        ok = String(r.g.vmid) === f.value;
        break;
    }
    if (ok === f.negate) return false;
  }
  return q.text.every((t) => {
    const x = t.toLowerCase();
    return lower(r.g.name).includes(x) || lower(r.g.node).includes(x) || lower(r.site.name).includes(x) || (/^\d+$/.test(x) && r.g.vmid === Number(x));
  });
}

function refCompare(field: SortField): (a: Ref, b: Ref) => number {
  const s = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const tie = (a: Ref, b: Ref) => s(a.clusterId, b.clusterId) || a.g.vmid - b.g.vmid;
  switch (field) {
    case 'name':
      return (a, b) =>
        s(a.g.name.toLowerCase(), b.g.name.toLowerCase()) ||
        s(a.g.node.toLowerCase(), b.g.node.toLowerCase()) ||
        s(a.site.name.toLowerCase(), b.site.name.toLowerCase()) ||
        tie(a, b);
    case 'site':
      return (a, b) => s(a.site.name.toLowerCase(), b.site.name.toLowerCase()) || tie(a, b);
    case 'vmid':
    case 'cpu':
    case 'mem':
    case 'maxmem':
    case 'uptime':
      return (a, b) => a.g[field] - b.g[field] || tie(a, b);
    default:
      return (a, b) => s(a.g[field], b.g[field]) || tie(a, b);
  }
}

describe('GuestIndex', () => {
  let db: Db;
  let repo: InventoryRepo;
  const clusters: { id: string; name: string; site: SiteInfo }[] = [];

  beforeEach(() => {
    db = openDatabase(':memory:');
    repo = new InventoryRepo(db);
    const conns = new ConnectionsRepo(db);
    clusters.length = 0;
    for (const [name, site] of [
      ['c1', 'Alpha'],
      ['c2', 'beta'],
      ['c3', 'Gamma'],
    ] as const) {
      const id = conns.insert({ name, kind: 'pve', url: `https://${name}:8006`, fingerprint: null, tokenId: 't@pve!x', site, simulated: false }).id;
      clusters.push({ id, name, site: { id: `site:${site.toLowerCase()}`, name: site, region: 'eu', kind: 'edge' } });
    }
  });
  afterEach(() => db.close());

  const store = (k: number, guests: GuestSnap[]) => {
    const c = clusters[k]!;
    repo.apply(c.id, c.site, snapshot(c.name, NODES.map((n) => node(n)), guests));
  };
  const build = (g: GuestArb) => guest(g.vmid, g.node, { ...g, maxmem: g.mem * 2 });

  it('answers every query, sort and page as the reference model does, before and after single clusters change', () => {
    fc.assert(
      fc.property(
        fc.array(clusterGuests, { minLength: 3, maxLength: 3 }),
        fc.array(
          fc.record({
            change: fc.option(fc.record({ cluster: fc.integer({ min: 0, max: 2 }), guests: clusterGuests }), { nil: undefined }),
            query: fc.array(tokenArb, { maxLength: 3 }).map((t) => t.join(' ')),
            sort: fc.constantFrom(...SORTS),
            dir: fc.constantFrom('asc' as const, 'desc' as const),
            offset: fc.nat({ max: 8 }),
            limit: fc.integer({ min: 1, max: 40 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (initial, steps) => {
          db.exec('DELETE FROM fleet_guests; DELETE FROM fleet_nodes; DELETE FROM fleet_storage; DELETE FROM fleet_clusters; DELETE FROM fleet_sites;');
          repo = new InventoryRepo(db);
          const index = new GuestIndex(db);
          repo.subscribe((id) => index.invalidate([id]));
          const state = initial.map((gs) => gs.map(build));
          state.forEach((gs, k) => store(k, gs));
          for (const step of steps) {
            if (step.change) {
              state[step.change.cluster] = step.change.guests.map(build);
              store(step.change.cluster, state[step.change.cluster]!);
            }
            const all: Ref[] = state.flatMap((gs, k) => gs.map((g) => ({ clusterId: clusters[k]!.id, clusterName: clusters[k]!.name, site: clusters[k]!.site, g })));
            const want = all.filter((r) => refMatches(r, step.query)).sort(refCompare(step.sort));
            if (step.dir === 'desc') want.reverse();
            const got = index.query(parseGuestQuery(step.query), step.sort, step.dir, step.offset, step.limit);
            expect(got.total).toBe(want.length);
            expect(got.rows.map((r) => `${r.clusterId}/${r.vmid}`)).toEqual(want.slice(step.offset, step.offset + step.limit).map((r) => `${r.clusterId}/${r.g.vmid}`));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns complete rows, host lists and search hits', () => {
    store(0, [
      guest(101, 'pve01', { name: 'Web-02', tags: ['prod', 'tenant-acme'], pool: 'gold', hastate: 'started', template: true, type: 'lxc' }),
      guest(100, 'pve01', { name: 'web' }),
      guest(102, 'pve02', { name: 'db-web' }),
    ]);
    const index = new GuestIndex(db);
    const [row] = index.query(parseGuestQuery('vmid:101'), 'name', 'asc', 0, 10).rows;
    expect(row).toEqual({
      clusterId: clusters[0]!.id,
      vmid: 101,
      name: 'Web-02',
      type: 'lxc',
      status: 'running',
      node: 'pve01',
      site: 'Alpha',
      pool: 'gold',
      tags: ['prod', 'tenant-acme'],
      tenant: 'acme',
      cpus: 2,
      cpu: 0.1,
      mem: 2 * 2 ** 30,
      maxmem: 4 * 2 ** 30,
      maxdisk: 32 * 2 ** 30,
      uptime: 500,
      template: true,
      hastate: 'started',
    });
    expect(index.onHost(clusters[0]!.id, 'pve01').map((r) => r.vmid)).toEqual([100, 101]);
    expect(index.onHost('no-such-cluster', 'pve01')).toEqual([]);
    // Exact name first, then prefix, then inside the name; a VMID is an exact hit.
    expect(index.search('web', 10).map((h) => h.row.vmid)).toEqual([100, 101, 102]);
    expect(index.search('102', 10).map((h) => h.row.vmid)).toEqual([102]);
    expect(index.search('web', 10)[0]!.siteId).toBe('site:alpha');
  });

  it('drops a removed cluster and picks up a new one', () => {
    store(0, [guest(100, 'pve01')]);
    store(1, [guest(200, 'pve01')]);
    const index = new GuestIndex(db);
    repo.subscribe((id) => index.invalidate([id]));
    expect(index.query(parseGuestQuery(''), 'vmid', 'asc', 0, 10).total).toBe(2);
    db.prepare('DELETE FROM fleet_clusters WHERE id = ?').run(clusters[0]!.id);
    repo.forget(clusters[0]!.id);
    store(2, [guest(300, 'pve01'), guest(301, 'pve02')]);
    expect(index.query(parseGuestQuery(''), 'vmid', 'asc', 0, 10).rows.map((r) => r.vmid)).toEqual([200, 300, 301]);
  });
});
