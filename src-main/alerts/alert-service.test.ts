import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChanged } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { AlertService } from './alert-service';
import { runAlertsCli } from './cli';
import { busyNode, FleetFixture } from './test-support';
import { DEFAULT_THRESHOLDS, THRESHOLDS_KEY } from './thresholds';
import type { AlertSource } from './types';

let fx: FleetFixture;
let changes: AlertChanged[];
let clock: Date;

function service(over: Partial<ConstructorParameters<typeof AlertService>[0]> = {}): AlertService {
  return new AlertService({
    db: fx.db,
    settings: fx.settings,
    syncIntervalSeconds: () => fx.settings.get().syncIntervalSeconds,
    log: fx.log,
    now: () => clock,
    operator: 'noc-anna',
    onChanged: (c) => changes.push(c),
    ...over,
  });
}

beforeEach(() => {
  fx = new FleetFixture();
  changes = [];
  clock = new Date('2026-01-10T12:00:00.000Z');
});
afterEach(() => fx.close());

describe('AlertService lifecycle', () => {
  it('raises, updates, escalates, is acknowledged, de-escalates with hysteresis and resolves into history', async () => {
    const s = service();
    const id = fx.cluster('a', [busyNode('n1', 88)]);
    const key = `host-cpu:${id}/n1`;

    let r = await s.evaluate();
    expect(r.raised.map((a) => [a.key, a.severity, a.state, a.value, a.threshold])).toEqual([[key, 'warning', 'open', 88, 85]]);
    expect(changes.at(-1)).toMatchObject({ raisedTotal: 1, counts: { open: 1, warning: 1, critical: 0 } });

    // Same condition, new value: one alert, updated in place.
    clock = new Date(clock.getTime() + 10_000);
    fx.cluster('a', [busyNode('n1', 90)]);
    r = await s.evaluate();
    expect(r.raised).toEqual([]);
    let [a] = s.list().rows;
    expect(a).toMatchObject({ key, value: 90, occurrences: 2, lastSeenAt: clock.toISOString(), raisedAt: '2026-01-10T12:00:00.000Z' });
    const events = changes.length;

    // Critical level reached: escalated, announced.
    fx.cluster('a', [busyNode('n1', 97)]);
    r = await s.evaluate();
    expect(r.escalated.map((x) => x.severity)).toEqual(['critical']);
    expect(changes.length).toBe(events + 1);

    // Acknowledged by the operator, with a note.
    a = s.acknowledge(a!.id, '  on it, ticket NOC-42 ');
    expect(a).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'noc-anna', ackNote: 'on it, ticket NOC-42', acknowledgedAt: clock.toISOString() });

    // 92 %: below critical but within its margin: stays critical and acknowledged.
    fx.cluster('a', [busyNode('n1', 92)]);
    await s.evaluate();
    expect(s.list().rows[0]).toMatchObject({ severity: 'critical', state: 'acknowledged' });
    // 89 %: below 95 − 5: back to warning, still acknowledged.
    fx.cluster('a', [busyNode('n1', 89)]);
    await s.evaluate();
    expect(s.list().rows[0]).toMatchObject({ severity: 'warning', state: 'acknowledged', threshold: 85 });
    // 82 %: below warning but within the margin: still open (no flapping around 85).
    fx.cluster('a', [busyNode('n1', 82)]);
    await s.evaluate();
    expect(s.list().counts).toMatchObject({ acknowledged: 1 });
    // 79 %: cleared.
    fx.cluster('a', [busyNode('n1', 79)]);
    r = await s.evaluate();
    expect(r.resolved).toBe(1);
    expect(s.list().rows).toEqual([]);
    const [hist] = s.list({ state: 'resolved' }).rows;
    expect(hist).toMatchObject({ key, state: 'resolved', resolvedAt: clock.toISOString(), acknowledgedBy: 'noc-anna' });
    expect(s.repo.events(hist!.id).map((e) => e.type)).toEqual(['raised', 'escalated', 'acknowledged', 'deescalated', 'resolved']);

    // It comes back: a new alert, not the old one reopened.
    fx.cluster('a', [busyNode('n1', 99)]);
    r = await s.evaluate();
    expect(r.raised[0]?.id).not.toBe(hist!.id);
    expect(r.raised[0]).toMatchObject({ severity: 'critical', state: 'open' });
  });

  it('does not raise from inside the margin, and a value hovering around a level raises once', async () => {
    const s = service();
    fx.cluster('a', [busyNode('n1', 83)]);
    expect((await s.evaluate()).raised).toEqual([]);
    const raised: number[] = [];
    for (const v of [86, 84, 85.5, 81, 87, 84]) {
      fx.cluster('a', [busyNode('n1', v)]);
      raised.push((await s.evaluate()).raised.length);
    }
    expect(raised).toEqual([1, 0, 0, 0, 0, 0]);
    expect(s.repo.events(s.list().rows[0]!.id).map((e) => e.type)).toEqual(['raised']);
  });

  it('survives a restart: open and acknowledged alerts are not raised again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-alerts-'));
    try {
      fx.close();
      fx = new FleetFixture(join(dir, 'cairn.db'));
      const id = fx.cluster('a', [busyNode('n1', 99), busyNode('n2', 90)]);
      const first = service();
      await first.evaluate();
      const ackd = first.list().rows.find((a) => a.key === `host-cpu:${id}/n2`)!;
      first.acknowledge(ackd.id, 'known');
      await first.stop();
      fx.close();

      fx = new FleetFixture(join(dir, 'cairn.db'));
      changes = [];
      const second = service();
      const r = await second.evaluate();
      expect(r.raised).toEqual([]);
      expect(changes).toEqual([]);
      expect(second.list({ kind: 'host-cpu' }).rows.map((a) => [a.key, a.state])).toEqual([
        [`host-cpu:${id}/n1`, 'open'],
        [`host-cpu:${id}/n2`, 'acknowledged'],
      ]);
    } finally {
      fx.close();
      fx = new FleetFixture();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the alerts of a failing source open and logs it, and resolves them once it answers again', async () => {
    let fail = false;
    let hot = true;
    const flaky: AlertSource = {
      id: 'flaky',
      evaluate: () => {
        if (fail) throw new Error('db locked');
        return hot ? [{ key: 'x', kind: 'test', raise: 'warning', sustain: 'warning', subject: { kind: 'site', siteId: 's', siteName: 's', clusterId: null, clusterName: null, node: null, storage: null }, message: 'x', value: 1, levels: null, unit: '' }] : [];
      },
    };
    const s = service({ sources: [flaky] });
    await s.evaluate();
    fail = true;
    hot = false;
    expect((await s.evaluate()).failedSources).toEqual(['flaky']);
    expect(s.list().total).toBe(1);
    expect(fx.logs.lines.some((l) => l.includes('alert source failed'))).toBe(true);
    fail = false;
    expect((await s.evaluate()).resolved).toBe(1);
  });

  it('runs extra sources (the capacity forecast hook) beside the built-ins and refuses duplicate ids', async () => {
    const forecast: AlertSource = { id: 'forecast', evaluate: () => [] };
    expect(() => service({ extraSources: [forecast, { ...forecast }] })).toThrow(/share the id/);
    const seen: string[] = [];
    const s = service({ extraSources: [{ id: 'forecast', evaluate: (ctx) => (seen.push(ctx.now.toISOString()), []) }] });
    await s.evaluate();
    expect(seen).toEqual([clock.toISOString()]);
  });

  it('acknowledging: unknown → not_found, resolved → conflict, twice → keeps the first', async () => {
    const s = service();
    fx.cluster('a', [busyNode('n1', 99)]);
    await s.evaluate();
    const [a] = s.list().rows;
    expect(() => s.acknowledge(999)).toThrow(expect.objectContaining({ code: 'not_found' }));
    s.acknowledge(a!.id, 'first');
    clock = new Date(clock.getTime() + 60_000);
    expect(s.acknowledge(a!.id, 'second')).toMatchObject({ ackNote: 'first' });
    fx.cluster('a', [busyNode('n1', 10)]);
    await s.evaluate();
    let err: unknown;
    try {
      s.acknowledge(a!.id);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppException);
    expect((err as AppException).code).toBe('conflict');
  });

  it('new thresholds set during a running evaluation are applied before setThresholds answers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const slow: AlertSource = {
      id: 'slow',
      evaluate: async (ctx) => {
        seen.push(ctx.thresholds.cpu.warning);
        if (seen.length === 1) await gate;
        return [];
      },
    };
    const s = service({ sources: [slow] });
    const first = s.evaluate();
    const setting = s.setThresholds({ ...DEFAULT_THRESHOLDS, cpu: { warning: 50, critical: 60 } });
    // Callers that arrive while a run is busy share one follow-up run.
    const alsoQueued = s.evaluate();
    release();
    await Promise.all([first, setting, alsoQueued]);
    expect(seen).toEqual([85, 50]);
  });

  it('coalesces scheduled evaluations after sync batches', async () => {
    const calls: number[] = [];
    const s = service({ sources: [{ id: 'count', evaluate: () => (calls.push(Date.now()), []) }], minGapMs: 50 });
    for (let i = 0; i < 20; i++) s.schedule();
    await new Promise((r) => setTimeout(r, 30));
    expect(calls.length).toBe(1);
    for (let i = 0; i < 20; i++) s.schedule();
    await new Promise((r) => setTimeout(r, 120));
    expect(calls.length).toBe(2);
    await s.stop();
  });
});

describe('thresholds', () => {
  it('default until set, persisted in the settings table, validated, and applied at once', async () => {
    const s = service();
    expect(s.thresholds()).toEqual(DEFAULT_THRESHOLDS);
    fx.cluster('a', [busyNode('n1', 75)]);
    await s.evaluate();
    expect(s.list().total).toBe(0);
    await s.setThresholds({ ...DEFAULT_THRESHOLDS, cpu: { warning: 70, critical: 80 } });
    expect(s.list().rows.map((a) => a.key)).toHaveLength(1);
    expect(fx.settings.readJson(THRESHOLDS_KEY)).toMatchObject({ cpu: { warning: 70, critical: 80 } });
    expect(service().thresholds().cpu).toEqual({ warning: 70, critical: 80 });

    await expect(s.setThresholds({ ...DEFAULT_THRESHOLDS, memory: { warning: 95, critical: 90 } })).rejects.toMatchObject({ code: 'invalid_request', field: 'memory.warning' });
    await expect(s.setThresholds({ ...DEFAULT_THRESHOLDS, forecastDays: { warning: 7, critical: 30 } })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(s.thresholds().cpu).toEqual({ warning: 70, critical: 80 });
  });

  it('falls back to the defaults when the stored value is damaged', () => {
    fx.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(THRESHOLDS_KEY, '{"cpu":');
    expect(service().thresholds()).toEqual(DEFAULT_THRESHOLDS);
    // The app settings ignore the foreign key.
    expect(fx.settings.get()).toEqual({ theme: 'system', syncIntervalSeconds: 10 });
  });
});

describe('list', () => {
  it('filters by state, severity, kind and text, pages, and counts', async () => {
    const s = service();
    const id = fx.cluster('alpha', [busyNode('n1', 99), busyNode('n2', 88), busyNode('n3', 99, 99)]);
    await s.evaluate();
    const all = s.list({ limit: 500 });
    const critical = all.rows.filter((a) => a.severity === 'critical').length;
    expect(all.counts).toEqual({ open: all.total, acknowledged: 0, critical, warning: all.rows.filter((a) => a.severity === 'warning').length, openCritical: critical });
    // Worst first.
    expect(all.rows[0]!.severity).toBe('critical');
    expect(s.list({ severity: 'warning' }).rows.every((a) => a.severity === 'warning')).toBe(true);
    expect(s.list({ kind: 'host-memory' }).rows.map((a) => a.key)).toEqual([`host-memory:${id}/n3`]);
    expect(s.list({ query: 'n2' }).rows.map((a) => a.key)).toContain(`host-cpu:${id}/n2`);
    expect(s.list({ query: '100%_' }).total).toBe(0);
    const page = s.list({ offset: 1, limit: 1 });
    expect(page.rows).toEqual([all.rows[1]]);
    expect(s.list({ limit: 0 })).toMatchObject({ rows: [], total: all.total });
    s.acknowledge(all.rows[0]!.id);
    expect(s.list({ limit: 0 }).counts).toMatchObject({ open: all.total - 1, acknowledged: 1, critical, openCritical: critical - 1 });
  });
});

describe('cairn alerts (in process)', () => {
  it('lists and acknowledges from the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-alerts-cli-'));
    try {
      fx.close();
      fx = new FleetFixture(join(dir, 'cairn.db'));
      fx.cluster('a', [busyNode('n1', 99)]);
      await service().evaluate();
      let out = '';
      let err = '';
      const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), dataDir: dir };
      expect(await runAlertsCli(['list'], io)).toBe(0);
      expect(out).toMatch(/^1\tCRITICAL\topen\thost-cpu\t99 %\tCPU of host n1/);
      out = '';
      expect(await runAlertsCli(['ack', '--id', '1', '--note', 'seen', '--json'], io)).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ id: 1, state: 'acknowledged', ackNote: 'seen' });
      out = '';
      expect(await runAlertsCli(['list', '--json', '--state', 'acknowledged'], io)).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ total: 1, counts: { acknowledged: 1 } });
      expect(await runAlertsCli(['ack', '--id', '7'], io)).toBe(1);
      expect(err).toContain('No alert 7');
      await expect(runAlertsCli(['list', '--state', 'bogus'], io)).rejects.toThrow(/--state/);
      await expect(runAlertsCli(['list', '--data-dir', join(dir, 'nope')], io)).rejects.toThrow(/no Cairn database/);
    } finally {
      fx.close();
      fx = new FleetFixture();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
