/**
 * Operations through the contract on the demo fleet: plan, apply, progress
 * events, the journal's view, and the guarded delete's refusal — the same
 * handlers the renderer and the web transport reach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationChanged, OperationDto } from '../../src-preload/contract';
import { MemoryLogSink } from '../util/log';
import { createApp, type App } from './create-app';

describe('operations through the contract', () => {
  let app: App;
  let dir: string;
  const dispatch = (channel: string, payload: unknown) => app.router.dispatch(channel, payload, { transport: 'test' });
  const call = async <T>(channel: string, payload: unknown): Promise<T> => {
    const r = await dispatch(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-ops-app-'));
    app = await createApp({ dataDir: dir, version: 'test', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'demo', sites: 1, seed: 5 }, sync: false, logSinks: [new MemoryLogSink()] });
    await app.sync.syncAll();
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plans, applies and reports a start, with progress events', async () => {
    const g = app.fleet.guests({ query: 'status:stopped', limit: 50 }).rows.find((r) => !r.template && r.type === 'qemu')!;
    expect(g).toBeTruthy();
    const seen: OperationChanged[] = [];
    const off = app.events.subscribe((event, payload) => {
      if (event === 'operations:onChanged') seen.push(payload as OperationChanged);
    });
    const planned = await call<OperationDto>('operations:plan', { request: { action: 'start', clusterId: g.clusterId, vmid: g.vmid } });
    expect(planned.state).toBe('planned');
    expect(planned.plan.steps).toHaveLength(1);
    expect(planned.plan.basis).toBe('live');
    await call('operations:apply', { id: planned.id });
    let op = planned;
    for (let i = 0; i < 400 && !['succeeded', 'failed'].includes(op.state); i++) {
      await new Promise((r) => setTimeout(r, 50));
      op = await call<OperationDto>('operations:get', { id: planned.id });
    }
    expect(op.state, op.reason ?? '').toBe('succeeded');
    expect(op.steps[0]!.upid).toMatch(/^UPID:/);
    expect(seen.filter((c) => c.id === planned.id).map((c) => c.state)).toEqual(expect.arrayContaining(['queued', 'running', 'succeeded']));
    off();
    const list = await call<{ id: string }[]>('operations:list', { state: 'succeeded' });
    expect(list.map((o) => o.id)).toContain(planned.id);
  }, 30_000);

  it('lists the node’s PVE tasks (whatever started them) and reads a task’s log', async () => {
    const done = await call<OperationDto[]>('operations:list', { state: 'succeeded' });
    const op = await call<OperationDto>('operations:get', { id: done[0]!.id });
    const upid = op.steps[0]!.upid!;
    const tasks = await call<{ upid: string; status: string | null; type: string }[]>('pve:tasks', { clusterId: op.clusterId, node: op.plan.target.node, limit: 50 });
    expect(tasks.find((t) => t.upid === upid)).toMatchObject({ status: 'OK', type: 'qmstart' });
    const log = await call<{ lines: { n: number; t: string }[]; total: number; running: boolean; exitstatus: string | null }>('pve:taskLog', { clusterId: op.clusterId, upid });
    expect(log.running).toBe(false);
    expect(log.exitstatus).toBe('OK');
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.lines.at(-1)!.t).toMatch(/TASK OK/);
    // From a later line on: only what follows (how a running task's log is streamed).
    const tail = await call<{ lines: { n: number }[] }>('pve:taskLog', { clusterId: op.clusterId, upid, start: log.lines.length - 1 });
    expect(tail.lines).toHaveLength(1);
    const bad = await dispatch('pve:taskLog', { clusterId: op.clusterId, upid: 'not-a-upid' });
    expect(!bad.ok && bad.error.code).toBe('invalid_request');
  }, 30_000);

  it('bulk: plans a selection with per-item results, applies it and aggregates progress', async () => {
    const running = app.fleet.guests({ query: 'status:running', limit: 50 }).rows.filter((r) => !r.template && r.type === 'qemu');
    const rows = running.slice(0, 3);
    const other = running[3]!;
    const requests = [
      ...rows.map((r) => ({ action: 'snapshot', clusterId: r.clusterId, vmid: r.vmid, snapname: 'bulk-1' })),
      { action: 'start', clusterId: other.clusterId, vmid: other.vmid },
    ];
    const planned = await call<{ batchId: string; total: number; byState: Record<string, number>; operations: { state: string; reason: string | null }[] }>('operations:bulkPlan', { requests });
    expect(planned.total).toBe(4);
    expect(planned.byState).toEqual({ planned: 3, refused: 1 });
    expect(planned.operations.find((o) => o.state === 'refused')!.reason).toMatch(/already running/);
    let batch = await call<typeof planned>('operations:applyBatch', { batchId: planned.batchId });
    expect(batch.byState.planned ?? 0).toBe(0);
    for (let i = 0; i < 400 && (batch.byState.queued ?? 0) + (batch.byState.running ?? 0) > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      batch = await call('operations:batch', { batchId: planned.batchId });
    }
    expect(batch.byState).toEqual({ succeeded: 3, refused: 1 });
  }, 30_000);

  it('refuses a delete without the typed name and a plan that cannot hold, with reasons', async () => {
    const g = app.fleet.guests({ query: 'status:running', limit: 50 }).rows.find((r) => !r.template)!;
    const del = await call<OperationDto>('operations:plan', { request: { action: 'delete', clusterId: g.clusterId, vmid: g.vmid } });
    expect(del.plan.confirmName).toBe(g.name);
    const r = await dispatch('operations:apply', { id: del.id, confirmName: 'not-it' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'invalid_request', field: 'confirmName' });
    await call('operations:cancel', { id: del.id });
    expect((await call<OperationDto>('operations:get', { id: del.id })).state).toBe('cancelled');
    const bad = await dispatch('operations:plan', { request: { action: 'start', clusterId: g.clusterId, vmid: g.vmid } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/already running/);
  });
});
