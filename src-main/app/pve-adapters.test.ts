/**
 * The sync's PVE adapter against the simulator, for what its client pool
 * does between syncs: a snapshot's requests share their sockets, and the
 * sockets close soon after, not a whole keep-alive window later (500
 * clusters' idle TLS sockets were most of the fleet benchmark's memory).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from '../sim';
import type { ConnectionRecord } from '../store/connections-repo';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { PveClusterSource } from './pve-adapters';

let sim: SimHandle;
let source: PveClusterSource;
let conns: ConnectionRecord[];

beforeAll(async () => {
  sim = await startSimulator({ sites: 3, seed: 11, port: 0, dataCentrePools: false, hostsPerSite: 3, guestsPerSite: 12 });
  source = new PveClusterSource({ secretFor: async () => sim.tokenSecret, siteOf: () => undefined, log: createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() }) });
  conns = sim.clusters.map((c, i) => ({ id: `c${i}`, name: c.name, kind: 'pve', url: c.url, fingerprint: c.fingerprint, tokenId: sim.tokenId, site: c.site, simulated: true, createdAt: new Date().toISOString() }));
}, 60_000);
afterAll(async () => {
  source?.close();
  await sim?.close();
});

async function until(check: () => boolean, withinMs: number): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - t0;
}

describe('PveClusterSource sockets between syncs', () => {
  it('a snapshot uses at most two sockets per cluster, all closed well before the next sync', async () => {
    const snaps = await Promise.all(conns.map((c) => source.snapshot(c, AbortSignal.timeout(30_000))));
    expect(snaps.every((s) => s.guests.length > 0)).toBe(true);
    const open = source.openSockets();
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(2 * conns.length);
    // The transport's default keeps idle sockets 3 s; the sync's clients let them go within a second.
    await until(() => source.openSockets() === 0, 2_000);
    // And the next snapshot opens new ones as needed.
    await source.snapshot(conns[0]!, AbortSignal.timeout(30_000));
    expect(source.openSockets()).toBeGreaterThan(0);
  });
});
