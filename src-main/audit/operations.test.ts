/**
 * Operations in the audit trail on the demo fleet: the plan and the apply
 * are recorded as requests, and the engine's outcome (succeeded) as an
 * entry of its own, with the operation's actor and target.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationDto } from '../../src-preload/contract';
import { createApp, type App } from '../app/create-app';

describe('operations in the audit trail', () => {
  let app: App;
  let dir: string;
  const call = async <T>(channel: string, payload: unknown): Promise<T> => {
    const r = await app.router.dispatch(channel, payload, { transport: 'browser' });
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-audit-ops-'));
    app = await createApp({ dataDir: dir, version: 'test', transport: 'browser', secrets: 'ephemeral', fleet: { mode: 'demo', sites: 1, seed: 5 }, sync: false, logSinks: [] });
    await app.sync.syncAll();
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records plan, apply and the engine outcome', async () => {
    const g = app.fleet.guests({ query: 'status:stopped', limit: 50 }).rows.find((r) => !r.template && r.type === 'qemu');
    if (!g) throw new Error('the demo fleet has no stopped VM');
    const planned = await call<OperationDto>('operations:plan', { request: { action: 'start', clusterId: g.clusterId, vmid: g.vmid } });
    await call('operations:apply', { id: planned.id });
    let op = planned;
    for (let i = 0; i < 400 && !['succeeded', 'failed'].includes(op.state); i++) {
      await new Promise((r) => setTimeout(r, 50));
      op = await call<OperationDto>('operations:get', { id: planned.id });
    }
    expect(op.state).toBe('succeeded');
    const trail = app.audit.list({ action: 'operation', limit: 20 }).rows;
    expect(trail.filter((e) => e.action === 'operation.succeeded' && e.details.id === planned.id)).toHaveLength(1);
    const ended = trail.find((e) => e.action === 'operation.succeeded');
    expect(ended).toMatchObject({ outcome: 'ok', actor: op.actor, target: `guest ${g.clusterId}/${g.vmid}`, details: { action: 'start' } });
    const asked = app.audit.list({ action: 'operations', limit: 20 }).rows.map((e) => e.action);
    expect(asked).toEqual(expect.arrayContaining(['operations.plan', 'operations.apply']));
    expect(app.audit.list({ action: 'operations.plan' }).rows[0]).toMatchObject({ target: `guest ${g.clusterId}/${g.vmid}`, source: 'browser', details: { 'request.action': 'start' } });
  }, 60_000);
});
