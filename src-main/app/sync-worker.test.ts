/**
 * The inventory sync in its worker thread, as the app and browser mode run
 * it: tokens handed over from the main thread, the cache written by the
 * worker's own database connection, the main thread's guest index and
 * events following along, a dead worker replaced.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { MemoryLogSink } from '../util/log';
import { createApp, type App } from './create-app';
import type { WorkerInventorySync } from './sync-worker-host';

describe('inventory sync in a worker thread', () => {
  let app: App;
  let dir: string;
  const sink = new MemoryLogSink();
  const call = async (channel: string, payload: unknown = {}) => {
    const r = await app.router.dispatch(channel, payload, { transport: 'test' });
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as never;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-worker-'));
    app = await createApp({
      dataDir: dir,
      version: 'test',
      transport: 'test',
      secrets: 'ephemeral',
      fleet: { mode: 'demo', sites: 3, seed: 5 },
      sync: false,
      syncInWorker: true,
      logSinks: [sink],
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs every cluster; the main thread sees the rows, the events and fresh guest pages', async () => {
    const changed: string[][] = [];
    const off = app.events.subscribe((event, payload) => {
      if (event === 'fleet:onChanged') changed.push((payload as { clusterIds: string[] }).clusterIds);
    });
    // The guest index is built before the sync, so it must be told what changed.
    expect(((await call('fleet:guests', { query: '' })) as { total: number }).total).toBe(0);
    const out = await app.sync.syncAll();
    off();
    expect(out.length).toBe(app.demo!.sim.clusters.length);
    expect(out.every((o) => o.ok && o.written > 0 && o.requests === 4)).toBe(true);
    expect(changed.flat().length).toBeGreaterThanOrEqual(out.length);
    const summary = (await call('fleet:summary')) as { clusters: number; guests: number };
    expect(summary.clusters).toBe(out.length);
    const page = (await call('fleet:guests', { query: '' })) as { total: number };
    expect(page.total).toBe((app.db.prepare('SELECT COUNT(*) AS n FROM fleet_guests').get() as { n: number }).n);
  });

  it('a cluster that fails keeps its data, marked stale with the reason; no token reaches the cache or the log', async () => {
    const victim = app.demo!.sim.clusters[0]!;
    const connId = app.demo!.connectionOf.get(victim.id)!;
    app.demo!.sim.faults.set(victim.id, { revokedToken: true });
    onTestFinished(() => app.demo!.sim.faults.clear(victim.id));
    const [o] = await app.sync.syncAll(connId);
    expect(o, JSON.stringify(o)).toMatchObject({ ok: false });
    const state = app.fleet.syncStates().find((s) => s.clusterId === connId)!;
    expect(state.state).toBe('stale');
    expect(state.lastError).toMatch(/401|authentic|token/i);
    expect(app.fleet.guests({ query: '', limit: 1000 }).rows.filter((r) => r.clusterId === connId).every((r) => r.stale)).toBe(true);
    app.demo!.sim.faults.clear(victim.id);
    expect((await app.sync.syncAll(connId))[0]).toMatchObject({ ok: true });
    const token = await app.connections.secretFor(connId);
    expect(sink.lines.join('\n')).not.toContain(token);
  });

  it('replaces a worker that dies, and syncs again', async () => {
    const host = app.sync as WorkerInventorySync;
    await (host as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const deadline = Date.now() + 10_000;
    let out: Awaited<ReturnType<App['sync']['syncAll']>> = [];
    while (Date.now() < deadline) {
      out = await app.sync.syncAll();
      if (out.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(out.length).toBe(app.demo!.sim.clusters.length);
    expect(out.every((o) => o.ok)).toBe(true);
    expect(sink.lines.some((l) => l.includes('inventory sync worker exited'))).toBe(true);
  });
});
