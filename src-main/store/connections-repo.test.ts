/** The connection registry: plain rows, unique names, no secret, and fleet rows that go with their connection. */
import { describe, expect, it } from 'vitest';
import { ConnectionsRepo } from './connections-repo';
import { openDatabase } from './database';

const FP = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const input = (name: string) => ({
  name,
  kind: 'pve' as const,
  url: `https://${name}.example:8006`,
  fingerprint: FP,
  tokenId: 'ops@pve!console',
  site: 'lab',
  simulated: false,
});

describe('ConnectionsRepo', () => {
  it('inserts, reads back, lists by name and removes', () => {
    const repo = new ConnectionsRepo(openDatabase(':memory:'));
    const b = repo.insert(input('beta'));
    const a = repo.insert(input('alpha'));
    expect(repo.get(a.id)).toEqual(a);
    expect(repo.findByName('beta')).toEqual(b);
    expect(repo.list().map((c) => c.name)).toEqual(['alpha', 'beta']);
    expect(a.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(repo.remove(a.id)).toBe(true);
    expect(repo.remove(a.id)).toBe(false);
    expect(repo.get(a.id)).toBeUndefined();
  });

  it('refuses a duplicate name', () => {
    const repo = new ConnectionsRepo(openDatabase(':memory:'));
    repo.insert(input('alpha'));
    expect(() => repo.insert(input('alpha'))).toThrow(/UNIQUE/);
  });

  it('refuses a kind outside the contract', () => {
    const repo = new ConnectionsRepo(openDatabase(':memory:'));
    expect(() => repo.insert({ ...input('x'), kind: 'ssh' as 'pve' })).toThrow(/CHECK/);
  });

  it('updates the pin and the endpoint', () => {
    const repo = new ConnectionsRepo(openDatabase(':memory:'));
    const c = repo.insert(input('alpha'));
    const other = FP.replace(/^00/, 'FF');
    repo.setFingerprint(c.id, other);
    expect(repo.get(c.id)?.fingerprint).toBe(other);
    repo.updateEndpoint(c.id, 'https://10.0.0.1:8006', FP);
    expect(repo.get(c.id)).toMatchObject({ url: 'https://10.0.0.1:8006', fingerprint: FP });
  });

  it('has no column that could hold a secret', () => {
    const db = openDatabase(':memory:');
    const cols = (db.prepare('PRAGMA table_info(connections)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).not.toContain('secret');
    expect(cols.filter((c) => /secret|password/i.test(c))).toEqual([]);
  });

  it('removing a connection removes its cached fleet rows (ON DELETE CASCADE)', () => {
    const db = openDatabase(':memory:');
    const repo = new ConnectionsRepo(db);
    const c = repo.insert(input('alpha'));
    db.prepare("INSERT INTO fleet_sites (id, name, region, kind) VALUES ('site:lab', 'lab', 'eu', 'edge')").run();
    db.prepare("INSERT INTO fleet_clusters (id, name, site_id) VALUES (?, 'alpha', 'site:lab')").run(c.id);
    db.prepare("INSERT INTO fleet_nodes VALUES (?, 'n1', 'online', 0, 4, 0, 8, 0, 100, 10, 'h')").run(c.id);
    db.prepare('INSERT INTO fleet_sync (cluster_id, failures) VALUES (?, 0)').run(c.id);
    repo.remove(c.id);
    for (const t of ['fleet_clusters', 'fleet_nodes', 'fleet_sync']) expect(db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get(), t).toBe(0);
  });
});
