import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database';
import { ConnectionsRepo } from '../store/connections-repo';
import { InventoryRepo } from './inventory-repo';
import { FleetQueries } from './fleet-queries';
import { guest, node, snapshot } from './test-fixtures';

const site = { id: 'site:alpha', name: 'alpha', region: 'eu-south', kind: 'edge' as const };

describe('InventoryRepo', () => {
  let db: Db;
  let repo: InventoryRepo;
  let clusterId: string;

  beforeEach(() => {
    db = openDatabase(':memory:');
    clusterId = new ConnectionsRepo(db).insert({ name: 'c1', kind: 'pve', url: 'https://x:8006', fingerprint: null, tokenId: 't@pve!x', site: 'alpha', simulated: false }).id;
    repo = new InventoryRepo(db);
  });
  afterEach(() => db.close());

  const snap = () => snapshot('c1', [node('n1'), node('n2')], [guest(100, 'n1'), guest(101, 'n2', { tags: ['tenant-acme', 'prod'] })]);

  it('writes everything on first sync and nothing on an unchanged resync', () => {
    const first = repo.apply(clusterId, site, snap());
    expect(first.written).toBeGreaterThan(0);
    const again = repo.apply(clusterId, site, snap());
    expect(again).toEqual({ written: 0, deleted: 0 });
  });

  it('detects changes after a restart (fresh repo over the same database)', () => {
    repo.apply(clusterId, site, snap());
    const fresh = new InventoryRepo(db);
    expect(fresh.apply(clusterId, site, snap())).toEqual({ written: 0, deleted: 0 });
    const changed = snap();
    changed.guests[0]!.status = 'stopped';
    expect(fresh.apply(clusterId, site, changed)).toEqual({ written: 1, deleted: 0 });
  });

  it('stores a batch of clusters in one go, and a bad snapshot fails alone', () => {
    const conns = new ConnectionsRepo(db);
    const c2 = conns.insert({ name: 'c2', kind: 'pve', url: 'https://y:8006', fingerprint: null, tokenId: 't@pve!x', site: 'beta', simulated: false }).id;
    const c3 = conns.insert({ name: 'c3', kind: 'pve', url: 'https://z:8006', fingerprint: null, tokenId: 't@pve!x', site: 'gamma', simulated: false }).id;
    const bad = snapshot('c2', [node('n1')], [guest(200, 'n1')]);
    (bad.guests[0] as { name: unknown }).name = null; // violates NOT NULL inside the transaction
    const out = repo.applyMany([
      { clusterId, site, snap: snap() },
      { clusterId: c2, site: { ...site, id: 'site:beta', name: 'beta' }, snap: bad },
      { clusterId: c3, site: { ...site, id: 'site:gamma', name: 'gamma' }, snap: snapshot('c3', [node('n1')], [guest(300, 'n1')]) },
    ]);
    expect(out[0]!.written).toBeGreaterThan(0);
    expect(out[1]!.error).toBeInstanceOf(Error);
    expect(out[2]!.written).toBeGreaterThan(0);
    expect(db.prepare('SELECT cluster_id, vmid FROM fleet_guests ORDER BY vmid').all()).toEqual([
      { cluster_id: clusterId, vmid: 100 },
      { cluster_id: clusterId, vmid: 101 },
      { cluster_id: c3, vmid: 300 },
    ]);
    // Nothing of the failed cluster was remembered: its next good snapshot is written in full.
    const r = repo.apply(c2, { ...site, id: 'site:beta', name: 'beta' }, snapshot('c2', [node('n1')], [guest(200, 'n1')]));
    expect(r.written).toBeGreaterThan(1);
    expect(() => repo.apply(c2, site, bad)).toThrow();
  });

  it('rewrites, once, rows whose stored fingerprint is of an older format', () => {
    repo.apply(clusterId, site, snap());
    db.prepare("UPDATE fleet_guests SET hash = 'k3x9.1a2b' WHERE vmid = 100").run();
    const fresh = new InventoryRepo(db);
    expect(fresh.apply(clusterId, site, snap())).toEqual({ written: 1, deleted: 0 });
    expect(fresh.apply(clusterId, site, snap())).toEqual({ written: 0, deleted: 0 });
  });

  it('deletes guests, nodes and storage that disappeared', () => {
    repo.apply(clusterId, site, snap());
    const smaller = snapshot('c1', [node('n1')], [guest(100, 'n1')]);
    const r = repo.apply(clusterId, site, smaller);
    expect(r.deleted).toBe(3); // node n2, guest 101, storage on n2
    expect(db.prepare('SELECT COUNT(*) AS n FROM fleet_guests').get()).toEqual({ n: 1 });
  });

  it('derives the tenant from tenant- tags and serves filtered queries', () => {
    repo.apply(clusterId, site, snap());
    const q = new FleetQueries(db, () => 10);
    expect(q.guests({ query: 'tenant:acme' }).rows.map((g) => g.vmid)).toEqual([101]);
    expect(q.guests({ query: 'tag:prod' }).total).toBe(1);
    expect(q.guests({ query: '-tag:prod' }).total).toBe(1);
    expect(q.guests({ query: 'node:n1 status:running' }).rows.map((g) => g.vmid)).toEqual([100]);
    expect(q.guests({ query: 'site:alph' }).total).toBe(2);
    expect(q.guests({ query: 'vm-10' }).total).toBe(2);
    expect(q.guests({ query: '', sort: { field: 'vmid', dir: 'desc' } }).rows[0]!.vmid).toBe(101);
  });
});

describe('RowHasher', () => {
  it('tells changed rows from unchanged ones, whatever the field types', async () => {
    const { RowHasher } = await import('./inventory-repo');
    const h = new RowHasher();
    type Row = [string, number, number, string[], string | null, boolean];
    const hash = ([s, a, b, tags, x, t]: Row) => h.begin().str(s).num(a).num(b).list(tags).str(x).bool(t).digest();
    const base: Row = ['running', 0.25, 4 * 2 ** 30, ['a', 'b'], null, true];
    expect(hash(base)).toBe(hash([...base]));
    expect(Number.isSafeInteger(hash(base))).toBe(true);
    const variants: Row[] = [
      ['stopped', 0.25, 4 * 2 ** 30, ['a', 'b'], null, true],
      ['running', 0.26, 4 * 2 ** 30, ['a', 'b'], null, true],
      ['running', 0.25, 4 * 2 ** 30 + 1, ['a', 'b'], null, true],
      ['running', 0.25, 4 * 2 ** 30, ['ab'], null, true],
      ['running', 0.25, 4 * 2 ** 30, ['a', 'b'], 'x', true],
      ['running', 0.25, 4 * 2 ** 30, ['a', 'b'], '', true],
      ['running', 0.25, 4 * 2 ** 30, ['a', 'b'], null, false],
      ['running', 4 * 2 ** 30, 0.25, ['a', 'b'], null, true],
      ['runnin', 0.25, 4 * 2 ** 30, ['ga', 'b'], null, true],
    ];
    for (const v of variants) expect(hash(v)).not.toBe(hash(base));
    // Different field kinds with the same bits never collide by construction.
    expect(h.begin().str('').digest()).not.toBe(h.begin().str(null).digest());
  });
});
