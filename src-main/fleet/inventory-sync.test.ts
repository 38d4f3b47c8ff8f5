import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database';
import { ConnectionsRepo, type ConnectionRecord } from '../store/connections-repo';
import { AppException } from '../util/app-exception';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { FleetQueries } from './fleet-queries';
import { InventoryRepo } from './inventory-repo';
import { InventorySync, type ClusterSource } from './inventory-sync';
import type { ClusterSnapshot } from './snapshot';
import { guest, node, snapshot } from './test-fixtures';

describe('InventorySync', () => {
  let db: Db;
  let conns: ConnectionsRepo;
  const down = new Set<string>();
  const snaps = new Map<string, ClusterSnapshot>();
  const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });

  const source: ClusterSource = {
    async snapshot(c: ConnectionRecord) {
      if (down.has(c.name)) throw new AppException('unreachable', `${c.name}: connection refused`);
      const s = snaps.get(c.name);
      if (!s) throw new Error('no snapshot');
      return structuredClone(s);
    },
    siteOf: (c) => ({ id: `site:${c.site}`, name: c.site ?? c.name, region: 'eu', kind: 'edge' }),
    rrd: async () => [],
  };

  beforeEach(() => {
    db = openDatabase(':memory:');
    conns = new ConnectionsRepo(db);
    down.clear();
    for (const name of ['a', 'b', 'c']) {
      conns.insert({ name, kind: 'pve', url: `https://${name}:8006`, fingerprint: null, tokenId: 't@pve!x', site: name, simulated: false });
      snaps.set(name, snapshot(name, [node(`${name}1`), node(`${name}2`), node(`${name}3`)], [guest(100, `${name}1`), guest(101, `${name}2`)]));
    }
  });
  afterEach(() => db.close());

  const make = () =>
    new InventorySync({ db, repo: new InventoryRepo(db), source, connections: () => conns.list(), intervalSeconds: () => 10, log, concurrency: 2 });

  it('syncs every cluster and a no-change resync writes no row', async () => {
    const sync = make();
    const first = await sync.syncAll();
    expect(first.every((o) => o.ok)).toBe(true);
    expect(first.reduce((n, o) => n + o.written, 0)).toBeGreaterThan(0);
    const second = await sync.syncAll();
    expect(second.reduce((n, o) => n + o.written + o.deleted, 0)).toBe(0);
    expect(new FleetQueries(db, () => 10).summary()).toMatchObject({ sites: 3, clusters: 3, hosts: 9, guests: 6 });
  });

  it('a cluster that goes down keeps its last data, marked stale with the reason; the rest keep syncing', async () => {
    const sync = make();
    await sync.syncAll();
    down.add('b');
    snaps.get('a')!.guests[0]!.status = 'stopped';
    const out = await sync.syncAll();
    expect(out.find((o) => o.clusterId === conns.findByName('b')!.id)).toMatchObject({ ok: false });
    expect(out.find((o) => o.clusterId === conns.findByName('a')!.id)).toMatchObject({ ok: true, written: 1 });
    const q = new FleetQueries(db, () => 10);
    const b = q.syncStates().find((s) => s.name === 'b')!;
    expect(b.state).toBe('stale');
    expect(b.lastError).toContain('connection refused');
    const siteB = q.sites().find((s) => s.name === 'b')!;
    expect(siteB).toMatchObject({ stale: true, guests: 2, hosts: 3 });
    expect(siteB.staleReason).toContain('connection refused');
    expect(q.guests({ query: 'site:b' }).rows.every((g) => g.stale)).toBe(true);
    down.delete('b');
    await sync.syncAll();
    expect(q.syncStates().find((s) => s.name === 'b')!.state).toBe('ok');
  });

  it('a cluster that never synced is reported as error, not as empty-and-fine', async () => {
    down.add('c');
    await make().syncAll();
    const c = new FleetQueries(db, () => 10).syncStates().find((s) => s.name === 'c')!;
    expect(c).toMatchObject({ state: 'error', lastSuccessAt: null });
  });

  it('the periodic loop starts syncing at once and stops cleanly', async () => {
    const sync = make();
    sync.start();
    const until = Date.now() + 5000;
    while (Date.now() < until && new FleetQueries(db, () => 10).syncStates().some((s) => s.state !== 'ok')) await new Promise((r) => setTimeout(r, 20));
    await sync.stop();
    expect(new FleetQueries(db, () => 10).syncStates().every((s) => s.state === 'ok')).toBe(true);
  });
});
