/**
 * The whole path on the demo fleet: composition root → simulator over real
 * HTTPS → PVE client with pinned fingerprints → SQLite cache → the contract.
 * Faults are switched on while the app runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogSink } from '../util/log';
import { createApp, type App } from './create-app';

describe('demo fleet end to end', () => {
  let app: App;
  let dir: string;
  const call = async (channel: string, payload: unknown = {}) => {
    const r = await app.router.dispatch(channel, payload, { transport: 'test' });
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as never;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-demo-'));
    const sink = new MemoryLogSink();
    app = await createApp({
      dataDir: dir,
      version: 'test',
      transport: 'test',
      secrets: 'ephemeral',
      fleet: { mode: 'demo', sites: 4, seed: 3 },
      sync: false,
      logSinks: [sink],
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers every simulated cluster pinned to its fingerprint and syncs them all', async () => {
    const conns = (await call('connections:list')) as { simulated: boolean; fingerprint: string | null; hasSecret: boolean }[];
    expect(conns.length).toBe(app.demo!.sim.clusters.length);
    expect(conns.every((c) => c.simulated && c.fingerprint && c.hasSecret)).toBe(true);
    const out = await app.sync.syncAll();
    expect(out.every((o) => o.ok)).toBe(true);
    const summary = (await call('fleet:summary')) as { clusters: number; hosts: number; guests: number; staleClusters: number };
    expect(summary.clusters).toBe(conns.length);
    expect(summary.hosts).toBeGreaterThan(0);
    expect(summary.guests).toBeGreaterThan(0);
    expect(summary.staleClusters).toBe(0);
  });

  it('serves filtered guest pages, host detail and an RRD chart through the contract', async () => {
    const page = (await call('fleet:guests', { query: 'status:running', limit: 5 })) as { total: number; rows: { clusterId: string; node: string; status: string }[] };
    expect(page.total).toBeGreaterThan(0);
    expect(page.rows.every((r) => r.status === 'running')).toBe(true);
    const g = page.rows[0]!;
    const host = (await call('fleet:host', { clusterId: g.clusterId, node: g.node })) as { host: { status: string }; guests: unknown[] };
    expect(host.host.status).toBe('online');
    expect(host.guests.length).toBeGreaterThan(0);
    const rrd = (await call('fleet:rrd', { clusterId: g.clusterId, node: g.node, timeframe: 'hour' })) as { points: { cpu: number | null }[]; cached: boolean };
    expect(rrd.cached).toBe(false);
    expect(rrd.points.length).toBeGreaterThan(10);
  });

  it('a cluster that goes down mid-sync keeps its data, marked stale with the reason; the others keep syncing', async () => {
    const sim = app.demo!.sim;
    const victim = sim.clusters[0]!;
    const victimConn = app.demo!.connectionOf.get(victim.id)!;
    const before = app.fleet.guests({ query: '', limit: 1000 }).rows.filter((r) => r.clusterId === victimConn).length;
    expect(before).toBeGreaterThan(0);
    // Slow the victim so the sync is in flight, then cut it off while the others finish.
    sim.faults.set(victim.id, { latencyMs: 400 });
    const pending = app.sync.syncAll();
    await new Promise((r) => setTimeout(r, 100));
    sim.faults.set(victim.id, { resetConnections: true });
    const out = await pending;
    // The in-flight request may still complete; the next sync certainly sees the reset.
    const again = await app.sync.syncAll();
    const failed = again.find((o) => o.clusterId === victimConn)!;
    expect(failed.ok).toBe(false);
    expect(out.filter((o) => o.clusterId !== victimConn).every((o) => o.ok)).toBe(true);
    expect(again.filter((o) => o.clusterId !== victimConn).every((o) => o.ok)).toBe(true);
    const state = app.fleet.syncStates().find((s) => s.clusterId === victimConn)!;
    expect(state.state).toBe('stale');
    expect(state.lastError).toMatch(/reset|closed|socket|connection/i);
    const after = app.fleet.guests({ query: '', limit: 1000 }).rows.filter((r) => r.clusterId === victimConn);
    expect(after.length).toBe(before);
    expect(after.every((r) => r.stale)).toBe(true);
    // RRD falls back to the cache, marked as such.
    const g = after[0]!;
    sim.faults.clear(victim.id);
    await app.router.dispatch('fleet:rrd', { clusterId: victimConn, node: g.node, timeframe: 'day' }, { transport: 'test' });
    sim.faults.set(victim.id, { resetConnections: true });
    const cached = (await call('fleet:rrd', { clusterId: victimConn, node: g.node, timeframe: 'day' })) as { cached: boolean; points: unknown[] };
    expect(cached.cached).toBe(true);
    expect(cached.points.length).toBeGreaterThan(0);
    sim.faults.clear(victim.id);
    await app.sync.syncAll(victimConn);
    expect(app.fleet.syncStates().find((s) => s.clusterId === victimConn)!.state).toBe('ok');
  });

  it('a node down (595 through the cluster) shows the site degraded, and a rotated certificate is refused by name', async () => {
    const sim = app.demo!.sim;
    const c = sim.clusters[1]!;
    const conn = app.demo!.connectionOf.get(c.id)!;
    sim.faults.set(c.id, { nodesDown: [c.nodes[0]!] });
    await app.sync.syncAll(conn);
    const site = app.fleet.sites().find((s) => s.name === c.site)!;
    expect(site.health).toBe('degraded');
    expect(site.hostsOnline).toBe(site.hosts - 1);
    sim.faults.clear(c.id);
    const newFp = await sim.faults.rotateCertificate(c.id);
    // The pin is checked on every new TLS connection; let the idle keep-alive socket expire first.
    await new Promise((r) => setTimeout(r, 3500));
    const [o] = await app.sync.syncAll(conn);
    expect(o!.ok).toBe(false);
    expect(o!.error).toContain(newFp);
    const test = (await call('connections:test', { id: conn })) as { ok: boolean; message: string };
    expect(test.ok).toBe(false);
    await call('connections:repin', { id: conn, fingerprint: newFp });
    const [o2] = await app.sync.syncAll(conn);
    expect(o2!.ok).toBe(true);
  });
});
