/**
 * Engine behaviour that needs no HTTPS: cancellation (before a run, and
 * mid-run, where the step already sent is finished first), planning from
 * the cached inventory while a cluster is unreachable, per-cluster
 * concurrency, and gatekeeper refusals carrying their numbers.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { AppException } from '../util/app-exception';
import { OperationEngine, type OperationEngineOptions } from './engine';
import { FakePve } from './fake-pve';
import { PERMISSIVE_GATEKEEPER } from './gatekeeper';
import { viewFromResources } from './planner';
import { JournalLease } from './lease';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx4cGxhaW5rZXlmb3J0ZXN0c29ubHk ops@cairn';

function setup(extra: Partial<OperationEngineOptions> = {}, polls = 1) {
  const pve = new FakePve(['n1', 'n2'], polls);
  pve.addGuest({ vmid: 9000, name: 'tpl', template: true });
  for (let i = 0; i < 8; i++) pve.addGuest({ vmid: 200 + i, name: `g${i}` });
  const db = openDatabase(':memory:');
  const engine = new OperationEngine({ db, clientFor: () => pve.client(), sizeOf: () => ({ vcpu: 2, memMiB: 4096 }), pollMs: 1, retryAfterMs: 60_000, ...extra });
  return { pve, engine };
}

describe('operation engine', () => {
  it('cancels a queued operation outright, and a running one after the step in flight', async () => {
    const { pve, engine } = setup({}, 30);
    const op = await engine.plan({ action: 'create', clusterId: 'c1', templateVmid: 9000, name: 'cx', size: 'small', cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, start: true }, 'alice');
    const planned = await engine.plan({ action: 'start', clusterId: 'c1', vmid: 201 }, 'alice');
    expect(engine.cancel(planned.id, 'alice').state).toBe('cancelled');
    engine.apply({ id: op.id }, 'alice');
    for (let i = 0; i < 500 && engine.get(op.id).steps[0]!.state !== 'submitted'; i++) await new Promise((r) => setTimeout(r, 1));
    engine.cancel(op.id, 'alice');
    await engine.idle();
    const done = engine.get(op.id);
    expect(done.state).toBe('cancelled');
    expect(done.steps.map((s) => s.state)).toEqual(['done', 'skipped', 'skipped']);
    expect(pve.applied.get(`clone:${done.steps[0]!.spec.kind === 'clone' ? done.steps[0]!.spec.newid : 0}`)).toBe(1);
    expect([...pve.applied.keys()].some((k) => k.startsWith('start:'))).toBe(false);
    await engine.close();
  });

  it('plans from the cached inventory while the cluster is unreachable, waits, then re-checks and runs', async () => {
    const { pve, engine: live } = setup();
    const cache = viewFromResources(await pve.client().clusterResources());
    await live.close();
    const db = openDatabase(':memory:');
    const engine = new OperationEngine({ db, clientFor: () => pve.client(), cachedView: () => cache, sizeOf: () => ({ vcpu: 2, memMiB: 4096 }), pollMs: 1, retryAfterMs: 60_000 });
    pve.down = true;
    const op = await engine.plan({ action: 'start', clusterId: 'c1', vmid: 203 }, 'alice');
    expect(op.plan.basis).toBe('cache');
    engine.apply({ id: op.id }, 'alice');
    await engine.idle();
    expect(engine.get(op.id)).toMatchObject({ state: 'queued', waiting: expect.stringMatching(/refused/i) });
    pve.down = false;
    engine.retryCluster('c1');
    await engine.idle();
    expect(engine.get(op.id).state).toBe('succeeded');
    expect(pve.applied.get('start:203')).toBe(1);
    await engine.close();
  });

  it('never runs more than the per-cluster limit at once', async () => {
    const { pve, engine } = setup({ concurrencyPerCluster: 2 }, 20);
    let peak = 0;
    const batch = await engine.bulkPlan([0, 1, 2, 3, 4, 5].map((i) => ({ action: 'start' as const, clusterId: 'c1', vmid: 200 + i })), 'alice');
    const timer = setInterval(() => {
      peak = Math.max(peak, pve.tasks.filter((t) => !t.done).length);
    }, 0);
    engine.applyBatch(batch.batchId, 'alice');
    await engine.idle();
    clearInterval(timer);
    expect(engine.batch(batch.batchId).byState).toEqual({ succeeded: 6 });
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    await engine.close();
  });

  it('runs operations on one guest one after the other, in order', async () => {
    const { pve, engine } = setup({ concurrencyPerCluster: 4 }, 10);
    const order: string[] = [];
    const client = pve.client();
    const batch = await engine.bulkPlan(['s1', 's2', 's3'].map((snapname) => ({ action: 'snapshot' as const, clusterId: 'c1', vmid: 204, snapname })), 'alice');
    const timer = setInterval(() => {
      const running = pve.tasks.filter((t) => !t.done && t.id === '204').length;
      order.push(String(running));
    }, 0);
    engine.applyBatch(batch.batchId, 'alice');
    await engine.idle();
    clearInterval(timer);
    expect(engine.batch(batch.batchId).byState).toEqual({ succeeded: 3 });
    expect(order.every((n) => n === '0' || n === '1')).toBe(true);
    expect((await client.snapshots({ node: 'n1', type: 'qemu', vmid: 204 })).map((s) => s.name)).toEqual(['s1', 's2', 's3', 'current']);
    await engine.close();
  });

  it('a quota refusal carries the gatekeeper\'s reason and numbers; nothing is queued', async () => {
    const { engine } = setup({
      sizeOf: (s) => (s === 'large' ? { vcpu: 8, memMiB: 16384 } : { vcpu: 2, memMiB: 4096 }),
      gatekeeper: {
        ...PERMISSIVE_GATEKEEPER,
        quotaCheck: (_t, delta) => ({ allowed: false, by: 'test quota', reason: `vCPU quota exceeded: ${delta.vcpu} more would make 66 of 64`, details: { limit: 64, wouldUse: 66 } }),
      },
    });
    const op = await engine.plan({ action: 'resize', clusterId: 'c1', vmid: 200, size: 'large' }, 'alice');
    let err: unknown;
    try {
      engine.apply({ id: op.id }, 'alice');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppException);
    expect((err as AppException).code).toBe('forbidden');
    expect((err as AppException).message).toMatch(/vCPU quota exceeded/);
    expect((err as AppException).details).toMatchObject({ limit: 64, wouldUse: 66, by: 'test quota' });
    expect(engine.get(op.id).state).toBe('planned');
    await engine.close();
  });
  it('an executor that lost its lease (stalled, taken over) sends nothing more; the new holder finishes', async () => {
    let t = Date.parse('2026-11-22T10:00:00Z');
    const now = () => new Date(t);
    const pve = new FakePve(['n1', 'n2'], 30);
    pve.addGuest({ vmid: 9000, name: 'tpl', template: true });
    const db = openDatabase(':memory:');
    const lease = (pid: number) => new JournalLease(db, { holder: `proc ${pid}`, pid, host: 'noc-1', staleAfterMs: 30_000, now, isAlive: () => true });
    const opts = { db, clientFor: () => pve.client(), sizeOf: () => ({ vcpu: 2, memMiB: 4096 }), pollMs: 1, retryAfterMs: 60_000 };
    const a = new OperationEngine({ ...opts, lease: lease(100) });
    expect(a.start()).toBe(0);
    const op = await a.plan({ action: 'create', clusterId: 'c1', templateVmid: 9000, name: 'cx', size: 'small', cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, start: true }, 'alice');
    a.apply({ id: op.id }, 'alice');
    for (let i = 0; i < 500 && a.get(op.id).steps[0]!.state !== 'submitted'; i++) await new Promise((r) => setTimeout(r, 1));
    // A stalls past its lease; B takes the journal over while A's clone is still running and resumes it.
    t += 31_000;
    const b = new OperationEngine({ ...opts, lease: lease(200) });
    expect(b.start()).toBe(1);
    expect(b.readOnlyReason).toBeNull();
    await Promise.all([a.idle(), b.idle()]);
    expect(b.get(op.id).state).toBe('succeeded');
    // A stopped at its next step: every step was sent once, by whichever held the journal.
    expect([...pve.applied.values()].every((n) => n === 1)).toBe(true);
    const intents = b.journal.events(op.id).filter((e) => e.type === 'step-intent').map((e) => e.index);
    expect(intents).toEqual([0, 1, 2]);
    expect(() => a.apply({ id: op.id }, 'alice')).toThrow(/no longer holds the operation journal/);
    await a.close();
    await b.close();
  });
});
