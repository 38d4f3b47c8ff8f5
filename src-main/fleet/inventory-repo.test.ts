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

describe('rowHash', () => {
  it('tells changed rows from unchanged ones, whatever the field types', async () => {
    const { rowHash } = await import('./inventory-repo');
    const base = ['running', 0.25, 4 * 2 ** 30, ['a', 'b'], null, true];
    expect(rowHash(base)).toBe(rowHash([...base]));
    const variants = [
      ['stopped', 0.25, 4 * 2 ** 30, ['a', 'b'], null, true],
      ['running', 0.26, 4 * 2 ** 30, ['a', 'b'], null, true],
      ['running', 0.25, 4 * 2 ** 30 + 1, ['a', 'b'], null, true],
      ['running', 0.25, 4 * 2 ** 30, ['ab'], null, true],
      ['running', 0.25, 4 * 2 ** 30, ['a', 'b'], 'x', true],
      ['running', 0.25, 4 * 2 ** 30, ['a', 'b'], null, false],
      ['running', '0.25', 4 * 2 ** 30, ['a', 'b'], null, true],
    ];
    for (const v of variants) expect(rowHash(v)).not.toBe(rowHash(base));
  });
});
