/**
 * Alerts as the composition root wires them: a cluster whose sync keeps
 * failing raises `sync-failing` after the configured number of failures,
 * the event reaches the bus (and so both transports), and the contract
 * channels list and acknowledge it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AlertChanged, AlertList } from '../../src-preload/contract';
import type { ClusterSource } from '../fleet/inventory-sync';
import { AppException } from '../util/app-exception';
import { MemoryLogSink } from '../util/log';
import { createApp, type App } from './create-app';

let dir: string;
let app: App;

const failing: ClusterSource = {
  snapshot: () => Promise.reject(new AppException('unreachable', 'connect ECONNREFUSED 10.0.0.9:8006')),
  siteOf: () => ({ id: 'site:x', name: 'x', region: 'x', kind: 'edge' }),
  rrd: () => Promise.reject(new AppException('unreachable', 'no')),
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-alerts-app-'));
  app = await createApp({
    dataDir: dir,
    version: '0.0.0-test',
    transport: 'test',
    secrets: 'ephemeral',
    fleet: { mode: 'configured' },
    sync: false,
    logSinks: [new MemoryLogSink()],
    clusterSource: failing,
    alerts: { minGapMs: 0 },
  });
});
afterEach(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

it('raises sync-failing from real sync outcomes, pushes alerts:onChanged, and acknowledges over the router', async () => {
  const conn = app.connectionsRepo.insert({ name: 'rome-1', kind: 'pve', url: 'https://rome-1:8006', fingerprint: null, tokenId: 't@pve!x', site: 'rome', simulated: false });
  const pushed: AlertChanged[] = [];
  app.events.subscribe((event, payload) => {
    if (event === 'alerts:onChanged') pushed.push(payload as AlertChanged);
  });
  const t = await app.router.dispatch('alerts:thresholds', {}, { transport: 'test' });
  if (!t.ok) throw new Error(t.error.message);
  const set = await app.router.dispatch('alerts:setThresholds', { ...(t.value as object), syncFailures: { warning: 2, critical: 5 } }, { transport: 'test' });
  expect(set.ok).toBe(true);

  await app.sync.syncAll();
  await new Promise((r) => setTimeout(r, 50));
  expect(pushed).toEqual([]);
  await app.sync.syncAll();
  // onSynced schedules the evaluation; give the trailing timer a turn.
  for (let i = 0; i < 50 && pushed.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(pushed).toHaveLength(1);
  expect(pushed[0]!.raised[0]).toMatchObject({ key: `sync-failing:${conn.id}`, severity: 'warning', value: 2, subject: { clusterName: 'rome-1', siteName: 'rome' } });
  expect(pushed[0]!.raised[0]!.message).toContain('ECONNREFUSED');

  const list = await app.router.dispatch('alerts:list', { state: 'open' }, { transport: 'test' });
  expect(list.ok && (list.value as AlertList).total).toBe(1);
  const id = (list.ok && (list.value as AlertList).rows[0]!.id) as number;
  const ack = await app.router.dispatch('alerts:acknowledge', { id, note: 'fibre cut, carrier ticket 4711' }, { transport: 'test' });
  expect(ack).toMatchObject({ ok: true, value: { state: 'acknowledged', ackNote: 'fibre cut, carrier ticket 4711' } });
  expect(pushed.at(-1)!.counts).toMatchObject({ open: 0, acknowledged: 1 });
  const history = await app.router.dispatch('alerts:events', { id }, { transport: 'test' });
  expect(history).toMatchObject({ ok: true, value: [{ type: 'raised', severity: 'warning', value: 2 }, { type: 'acknowledged', note: 'fibre cut, carrier ticket 4711' }] });

  const bad = await app.router.dispatch('alerts:setThresholds', { ...(t.value as object), cpu: { warning: 99, critical: 50 } }, { transport: 'test' });
  expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_request', field: 'cpu.warning' } });
  const missing = await app.router.dispatch('alerts:acknowledge', { id: 424242 }, { transport: 'test' });
  expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
});
