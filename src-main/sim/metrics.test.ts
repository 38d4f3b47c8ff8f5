import { describe, expect, it } from 'vitest';
import { generateFleet } from './generate';
import { diurnal, guestLive, guestRrd, nodeRrd, RRD_STEP_S, type Timeframe } from './metrics';
import type { ClusterState } from './model';

const NOW = Date.UTC(2026, 4, 13, 12, 0, 0); // a Wednesday
const [cluster] = generateFleet({ sites: 1, seed: 8, hostsPerSite: undefined, guestsPerSite: 30, dataCentrePools: false }, NOW) as unknown as ClusterState[];
if (!cluster) throw new Error('no cluster');
const running = [...cluster.guests.values()].find((g) => g.status === 'running' && g.type === 'qemu');
const node = cluster.nodes[0];
if (!running || !node) throw new Error('fixture');

describe('load curves', () => {
  it('peak in the afternoon and are quieter at night and at weekends', () => {
    const at = (day: number, hour: number): number => diurnal(Date.UTC(2026, 4, day, hour - 1, 0, 0));
    expect(at(13, 14)).toBeGreaterThan(at(13, 3));
    expect(at(16, 14)).toBeLessThan(at(13, 14)); // Saturday
    for (let h = 0; h < 24; h++) {
      expect(at(13, h)).toBeGreaterThanOrEqual(0.15);
      expect(at(13, h)).toBeLessThanOrEqual(1);
    }
  });

  it('are stable within the 10 s status period and counters only grow', () => {
    const a = guestLive(running, NOW + 1000);
    const b = guestLive(running, NOW + 9000);
    expect(b.cpu).toBe(a.cpu);
    let prev = guestLive(running, NOW);
    for (let t = 1; t < 200; t++) {
      const cur = guestLive(running, NOW + t * 600_000);
      expect(cur.netin).toBeGreaterThanOrEqual(prev.netin);
      expect(cur.diskwrite).toBeGreaterThanOrEqual(prev.diskwrite);
      expect(cur.cpu).toBeGreaterThan(0);
      expect(cur.cpu).toBeLessThanOrEqual(1);
      expect(cur.mem).toBeLessThanOrEqual(cur.maxmem);
      prev = cur;
    }
  });
});

describe('RRD data', () => {
  it('has 70 rows per timeframe at the timeframe step, ending at now', () => {
    for (const tf of Object.keys(RRD_STEP_S) as Timeframe[]) {
      const rows = nodeRrd(cluster, node, tf, 'AVERAGE', NOW);
      expect(rows).toHaveLength(70);
      const step = RRD_STEP_S[tf];
      expect((rows[1]?.time ?? 0) - (rows[0]?.time ?? 0)).toBe(step);
      expect(rows.at(-1)?.time).toBeLessThanOrEqual(NOW / 1000);
      expect(rows.at(-1)?.time).toBeGreaterThan(NOW / 1000 - step);
    }
  });

  it('is deterministic and MAX is never below AVERAGE', () => {
    const avg = guestRrd(running, 'day', 'AVERAGE', NOW);
    expect(guestRrd(running, 'day', 'AVERAGE', NOW)).toEqual(avg);
    const max = guestRrd(running, 'day', 'MAX', NOW);
    max.forEach((row, i) => {
      if (row.cpu !== undefined) expect(row.cpu).toBeGreaterThanOrEqual(avg[i]?.cpu ?? 0);
    });
  });

  it('has only the time before a guest existed', () => {
    const young = { ...running, ctime: Math.floor(NOW / 1000) - 1800 };
    const rows = guestRrd(young, 'hour', 'AVERAGE', NOW);
    expect(Object.keys(rows[0] ?? {})).toEqual(['time']);
    expect(rows.at(-1)?.cpu).toBeDefined();
  });
});
