/**
 * The capacity channels end to end on the demo fleet: composition root →
 * simulator over real HTTPS → PVE client (HA rules fetched live through
 * PveClusterSource.haPolicy) → SQLite cache → the router, responses checked
 * against the contract by the router itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityHistory, CapacityOverview, PlaceResult, PoolHeadroom, WhatIfResult } from '../../src-preload/contract';
import { createApp, type App } from '../app/create-app';
import { MemoryLogSink } from '../util/log';
import { runCapacityCli } from './cli';

describe('capacity on the demo fleet', () => {
  let app: App;
  let dir: string;
  const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
    const r = await app.router.dispatch(channel, payload, { transport: 'test' });
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-capacity-'));
    app = await createApp({ dataDir: dir, version: 'test', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'demo', sites: 3, seed: 5 }, sync: false, logSinks: [new MemoryLogSink()] });
    await app.sync.syncAll();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the simulated pools, fetches their PVE 9 HA rules live and judges N+1', async () => {
    const ov = await call<CapacityOverview>('capacity:overview');
    expect(ov.pools.length).toBe(app.demo!.sim.clusters.length);
    expect(ov.pools.every((p) => p.hosts.every((h) => h.figures.cpu.physical === 96))).toBe(true);
    const withRules = ov.pools.find((p) => p.kind === 'datacentre' && p.hosts.length === 12)!;
    const pool = await call<PoolHeadroom>('capacity:pool', { clusterId: withRules.clusterId });
    expect(pool.pool.headroom.rules.source).toBe('live');
    expect(pool.pool.headroom.rules.model).toBe('rules');
    expect(pool.pool.headroom.rules.nodeAffinity + pool.pool.headroom.rules.resourceAffinity).toBeGreaterThan(0);
    expect(pool.losses).toHaveLength(12);
    expect(['ok', 'fails']).toContain(pool.pool.headroom.verdict);
  });

  it('answers a what-if for a host and a site, and ranks hosts for a VM', async () => {
    const ov = await call<CapacityOverview>('capacity:overview');
    const p = ov.pools.find((x) => x.hosts.some((h) => h.haGuests > 0))!;
    const h = p.hosts.find((x) => x.haGuests > 0)!;
    const w = await call<WhatIfResult>('capacity:whatIf', { lose: { kind: 'host', clusterId: p.clusterId, node: h.node } });
    expect(w.outcomes.length).toBeGreaterThan(0);
    expect(w.outcomes.every((o) => o.from === h.node)).toBe(true);
    expect(w.outcomes.filter((o) => o.outcome === 'restarted').every((o) => o.ha && o.to!.node !== h.node)).toBe(true);
    const site = await call<WhatIfResult>('capacity:whatIf', { lose: { kind: 'site', siteId: ov.sites[0]!.id } });
    expect(site.kind).toBe('site');
    expect(site.outcomes.every((o) => o.outcome === 'recoverable' || o.outcome === 'unrecoverable')).toBe(true);
    const place = await call<PlaceResult>('capacity:place', { size: 'medium', tenant: 'acme', ha: true });
    expect(place.accepted).toBeGreaterThan(0);
    expect(place.candidates[0]!.rank).toBe(1);
    const conf = await call<PlaceResult>('capacity:place', { size: 'medium', tenant: 'acme', confidential: true });
    // No attestation has been collected in a fresh demo: every host is refused, with that reason.
    expect(conf.accepted).toBe(0);
    expect(conf.rejections[0]).toMatchObject({ reason: 'confidential' });
  });

  it('answers `cairn capacity headroom|what-if|place` over the same service', async () => {
    const run = async (...argv: string[]) => {
      let out = '';
      const code = await runCapacityCli(argv, { stdout: (x) => (out += x), stderr: () => undefined, withService: (_flags, fn) => fn(app.capacity) });
      return { code, out };
    };
    const head = await run('headroom', '--json');
    const rows = (JSON.parse(head.out) as { pools: { pool: string; verdict: string; rules: string }[] }).pools;
    expect(rows.length).toBe(app.demo!.sim.clusters.length);
    expect(rows.every((r) => r.rules === 'live')).toBe(true);
    expect(head.code).toBe(rows.some((r) => r.verdict === 'fails') ? 1 : 0);
    const pool = rows[0]!.pool;
    const w = await run('what-if', '--host', `${pool}/${pool}-pve1`);
    expect(w.out.split('\n')[0]).toBe(`Lose host ${pool}-pve1 (${pool}, ${pool.startsWith('dc-') ? pool.replace(/-[a-z]+$/, '') : pool})`);
    const p = await run('place', '--size', 'small', '--tenant', 'acme');
    expect(p.out).toMatch(/^VM Small for acme: \d+ host\(s\) can take it/);
    expect(p.code).toBe(0);
  });

  it('draws a pool history from the simulator RRD with a forecast', async () => {
    const ov = await call<CapacityOverview>('capacity:overview');
    const h = await call<CapacityHistory>('capacity:history', { clusterId: ov.pools[0]!.clusterId, timeframe: 'month' });
    expect(h.points.length).toBeGreaterThan(10);
    expect(h.missing).toEqual([]);
    expect(h.points.some((x) => x.mem !== null && x.mem > 0 && x.mem < 1)).toBe(true);
    expect(['crosses', 'already-above', 'no-crossing', 'not-significant', 'insufficient-data']).toContain(h.mem.status);
  });
});
