import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForecastSource, HostOfflineSource, HostUtilisationSource, PoolUtilisationSource, StaleClusterSource, StorageUtilisationSource, SyncFailingSource } from './sources';
import { busyNode, FleetFixture, store } from './test-support';
import { DEFAULT_THRESHOLDS } from './thresholds';
import type { EvaluationContext, Finding } from './types';

let fx: FleetFixture;
const now = new Date('2026-01-10T12:00:00.000Z');
const ctx = (over: Partial<EvaluationContext> = {}): EvaluationContext => ({
  now,
  thresholds: DEFAULT_THRESHOLDS,
  syncIntervalSeconds: 10,
  watchingSince: new Date('2026-01-01T00:00:00.000Z'),
  ...over,
});
const byKey = (fs: Finding[]) => new Map(fs.map((f) => [f.key, f]));
const ago = (s: number) => new Date(now.getTime() - s * 1000);

beforeEach(() => (fx = new FleetFixture()));
afterEach(() => fx.close());

describe('SyncFailingSource', () => {
  it('raises a warning at 3 consecutive failures and critical at 10, with the last error', () => {
    const a = fx.cluster('a', [busyNode('n1', 10)]);
    const b = fx.cluster('b', [busyNode('n1', 10)]);
    const c = fx.cluster('c', [busyNode('n1', 10)]);
    for (let i = 0; i < 2; i++) fx.syncResult(a, now, false);
    for (let i = 0; i < 3; i++) fx.syncResult(b, now, false, 'Certificate changed');
    for (let i = 0; i < 10; i++) fx.syncResult(c, now, false);
    const found = byKey(new SyncFailingSource(fx.db).evaluate(ctx()));
    expect(found.has(`sync-failing:${a}`)).toBe(false);
    const fb = found.get(`sync-failing:${b}`)!;
    expect(fb).toMatchObject({ kind: 'sync-failing', raise: 'warning', sustain: 'warning', value: 3, unit: 'failures' });
    expect(fb.message).toContain('Certificate changed');
    expect(fb.subject).toMatchObject({ kind: 'cluster', clusterId: b, clusterName: 'b', siteId: 'site:b', siteName: 'site-b' });
    expect(found.get(`sync-failing:${c}`)).toMatchObject({ raise: 'critical', value: 10 });
  });

  it('clears the moment a sync succeeds (the count resets)', () => {
    const a = fx.cluster('a', [busyNode('n1', 10)]);
    for (let i = 0; i < 5; i++) fx.syncResult(a, now, false);
    expect(new SyncFailingSource(fx.db).evaluate(ctx())).toHaveLength(1);
    fx.syncResult(a, now, true);
    expect(new SyncFailingSource(fx.db).evaluate(ctx())).toEqual([]);
  });

  it('names a cluster that never synced by its connection', () => {
    const id = fx.connections.insert({ name: 'fresh', kind: 'pve', url: 'https://fresh:8006', fingerprint: null, tokenId: 't@pve!x', site: 'lab', simulated: false }).id;
    for (let i = 0; i < 3; i++) fx.syncResult(id, now, false);
    const [f] = new SyncFailingSource(fx.db).evaluate(ctx());
    expect(f?.subject).toMatchObject({ clusterName: 'fresh', siteName: 'lab', siteId: null });
    expect(f?.message).toContain('never synced');
  });
});

describe('StaleClusterSource', () => {
  it('raises after 3 intervals without success and critical after 30, in intervals', () => {
    const fresh = fx.cluster('fresh', [busyNode('n1', 10)]);
    const stale = fx.cluster('stale', [busyNode('n1', 10)]);
    const dead = fx.cluster('dead', [busyNode('n1', 10)]);
    fx.syncResult(fresh, ago(25), true);
    fx.syncResult(stale, ago(35), true);
    fx.syncResult(dead, ago(300), true);
    const found = byKey(new StaleClusterSource(fx.db).evaluate(ctx()));
    expect(found.has(`stale:${fresh}`)).toBe(false);
    expect(found.get(`stale:${stale}`)).toMatchObject({ raise: 'warning', value: 3, unit: 'intervals' });
    expect(found.get(`stale:${dead}`)).toMatchObject({ raise: 'critical', value: 30 });
  });

  it('does not count the console\'s own downtime (a console reopened after a weekend pages nothing at once)', () => {
    const c = fx.cluster('c', [busyNode('n1', 10)]);
    fx.syncResult(c, ago(3 * 86400), true);
    const source = new StaleClusterSource(fx.db);
    expect(source.evaluate(ctx({ watchingSince: ago(5) }))).toEqual([]);
    // Watching for 40 s with no success: 4 intervals, counted from when the console started.
    expect(source.evaluate(ctx({ watchingSince: ago(40) }))).toEqual([expect.objectContaining({ raise: 'warning', value: 4 })]);
  });

  it('follows the sync interval', () => {
    const c = fx.cluster('c', [busyNode('n1', 10)]);
    fx.syncResult(c, ago(35), true);
    expect(new StaleClusterSource(fx.db).evaluate(ctx({ syncIntervalSeconds: 60 }))).toEqual([]);
  });

  it('leaves a failing sync to the sync-failing alert (one alert per cause)', () => {
    const c = fx.cluster('c', [busyNode('n1', 10)]);
    fx.syncResult(c, ago(100), true);
    for (let i = 0; i < 3; i++) fx.syncResult(c, now, false);
    expect(new StaleClusterSource(fx.db).evaluate(ctx())).toEqual([]);
    expect(new SyncFailingSource(fx.db).evaluate(ctx())).toHaveLength(1);
  });
});

describe('HostUtilisationSource', () => {
  it('raises CPU, memory and root disk per host at their own levels', () => {
    const id = fx.cluster('a', [busyNode('calm', 50, 50, 50), busyNode('hot', 96, 86, 91), busyNode('edge', 84, 10, 10)]);
    const found = byKey(new HostUtilisationSource(fx.db).evaluate(ctx()));
    expect(found.get(`host-cpu:${id}/hot`)).toMatchObject({ raise: 'critical', value: 96, unit: '%', levels: { warning: 85, critical: 95 } });
    expect(found.get(`host-memory:${id}/hot`)).toMatchObject({ raise: 'warning', sustain: 'warning', value: 86 });
    expect(found.get(`host-disk:${id}/hot`)).toMatchObject({ raise: 'critical', value: 91 });
    expect(found.get(`host-cpu:${id}/hot`)?.subject).toMatchObject({ kind: 'host', node: 'hot', clusterId: id });
    // 84 % is inside the clear margin of 85: it only sustains an open alert.
    expect(found.get(`host-cpu:${id}/edge`)).toMatchObject({ raise: null, sustain: 'warning' });
    expect([...found.keys()].some((k) => k.includes('/calm'))).toBe(false);
  });

  it('ignores offline hosts (their usage is not measured)', () => {
    fx.cluster('a', [busyNode('down', 99, 99, 99, { status: 'offline' })]);
    expect(new HostUtilisationSource(fx.db).evaluate(ctx())).toEqual([]);
  });

  it('sustains critical within the margin below the critical level', () => {
    const id = fx.cluster('a', [busyNode('n1', 92)]);
    expect(byKey(new HostUtilisationSource(fx.db).evaluate(ctx())).get(`host-cpu:${id}/n1`)).toMatchObject({ raise: 'warning', sustain: 'critical' });
  });
});

describe('StorageUtilisationSource', () => {
  it('counts a shared storage once per cluster and local storage per node', () => {
    const id = fx.cluster(
      'a',
      [busyNode('n1', 10), busyNode('n2', 10)],
      [store('n1', 'local-zfs', 85), store('n2', 'local-zfs', 50), store('n1', 'ceph', 92, { shared: true }), store('n2', 'ceph', 92, { shared: true })],
    );
    const found = new StorageUtilisationSource(fx.db).evaluate(ctx());
    expect(found.map((f) => f.key).sort()).toEqual([`storage:${id}/*/ceph`, `storage:${id}/n1/local-zfs`]);
    expect(byKey(found).get(`storage:${id}/*/ceph`)).toMatchObject({ raise: 'critical', subject: { kind: 'storage', node: null, storage: 'ceph' } });
    expect(byKey(found).get(`storage:${id}/n1/local-zfs`)).toMatchObject({ raise: 'warning', subject: { node: 'n1', storage: 'local-zfs' } });
  });

  it('skips unavailable storage', () => {
    fx.cluster('a', [busyNode('n1', 10)], [store('n1', 'nfs', 99, { status: 'unavailable' })]);
    expect(new StorageUtilisationSource(fx.db).evaluate(ctx())).toEqual([]);
  });
});

describe('PoolUtilisationSource', () => {
  it('weighs CPU by cores and memory by size over online hosts', () => {
    // 2 × 64 cores at 90 % and 96 %: 93 %; one offline host does not dilute it.
    const id = fx.cluster('a', [busyNode('n1', 90, 90), busyNode('n2', 96, 80), busyNode('n3', 0, 0, 0, { status: 'offline' })]);
    const found = byKey(new PoolUtilisationSource(fx.db).evaluate(ctx()));
    expect(found.get(`pool-cpu:${id}`)).toMatchObject({ raise: 'warning', sustain: 'critical', value: 93 });
    expect(found.get(`pool-memory:${id}`)).toMatchObject({ raise: 'warning', value: 85 });
    expect(found.get(`pool-cpu:${id}`)?.subject).toMatchObject({ kind: 'cluster', clusterId: id });
  });

  it('counts guest storage only (images or rootdir), shared once', () => {
    const id = fx.cluster(
      'a',
      [busyNode('n1', 10), busyNode('n2', 10)],
      [
        store('n1', 'ceph', 90, { shared: true }),
        store('n2', 'ceph', 90, { shared: true }),
        store('n1', 'local-zfs', 70),
        store('n2', 'local-zfs', 80),
        store('n1', 'backup', 100, { content: 'backup' }),
      ],
    );
    // (9 + 7 + 8) / 30 = 80 %: exactly the warning level.
    expect(byKey(new PoolUtilisationSource(fx.db).evaluate(ctx())).get(`pool-storage:${id}`)).toMatchObject({ raise: 'warning', value: 80 });
  });

  it('stays quiet for a calm pool', () => {
    fx.cluster('a', [busyNode('n1', 30, 30, 30)]);
    expect(new PoolUtilisationSource(fx.db).evaluate(ctx())).toEqual([]);
  });
});

describe('HostOfflineSource', () => {
  it('raises a critical alert per offline host', () => {
    const id = fx.cluster('a', [busyNode('n1', 10), busyNode('n2', 0, 0, 0, { status: 'offline' })]);
    expect(new HostOfflineSource(fx.db).evaluate()).toEqual([
      expect.objectContaining({ key: `host-offline:${id}/n2`, raise: 'critical', subject: expect.objectContaining({ kind: 'host', node: 'n2' }) }),
    ]);
  });
});

describe('ForecastSource', () => {
  const subject = { kind: 'cluster' as const, siteId: 'site:a', siteName: 'a', clusterId: 'c1', clusterName: 'pool-a', node: null, storage: null };
  it('turns days until a limit into warning and critical findings, with a margin past the horizon', async () => {
    const source = new ForecastSource({
      forecasts: () => [
        { subject, resource: 'memory', daysUntilLimit: 5, limitPercent: 90 },
        { subject, resource: 'storage', daysUntilLimit: 20, limitPercent: 90 },
        { subject, resource: 'cpu', daysUntilLimit: 32, limitPercent: 90 },
        { subject: { ...subject, clusterId: 'c2' }, resource: 'cpu', daysUntilLimit: 40, limitPercent: 90 },
        { subject: { ...subject, clusterId: 'c3' }, resource: 'cpu', daysUntilLimit: null, limitPercent: 90 },
      ],
    });
    const found = byKey(await source.evaluate(ctx()));
    expect(found.get('forecast:memory:c1/*/*')).toMatchObject({ raise: 'critical', value: 5, unit: 'days' });
    expect(found.get('forecast:storage:c1/*/*')).toMatchObject({ raise: 'warning', sustain: 'warning' });
    // 32 days: past the 30-day horizon but within its 3-day margin.
    expect(found.get('forecast:cpu:c1/*/*')).toMatchObject({ raise: null, sustain: 'warning' });
    expect(found.size).toBe(3);
  });
});
