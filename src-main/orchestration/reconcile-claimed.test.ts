/**
 * Reconciling an `intent` step never takes a task that another step of the
 * journal already owns. Two snapshots of one guest run back to back; the app
 * dies after the second one's intent, before its call. PVE's task list holds
 * the first snapshot's task, started in the same second (task start times
 * are whole seconds): it is the first step's (its UPID is journalled), so the
 * second snapshot must still be taken — not marked done on someone else's task.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { EngineHalted, OperationEngine } from './engine';
import { FakePve } from './fake-pve';

const SIZES: Record<string, { vcpu: number; memMiB: number }> = { small: { vcpu: 2, memMiB: 4096 } };

describe('reconcile after a crash between intent and call', () => {
  it('does not take the task of the previous operation on the same guest as its own', async () => {
    const pve = new FakePve(['n1'], 0);
    pve.addGuest({ vmid: 200, name: 'g' });
    const db = openDatabase(':memory:');
    let second: string | null = null;
    let halted = false;
    const make = (crash: boolean) =>
      new OperationEngine({
        db,
        clientFor: () => pve.client(),
        sizeOf: (s) => SIZES[s]!,
        pollMs: 1,
        retryAfterMs: 1,
        crashHook: (point, opId) => {
          if (crash && !halted && point === 'before-call' && opId === second) {
            halted = true;
            throw new EngineHalted();
          }
        },
      });
    let engine = make(true);
    const batch = await engine.bulkPlan(
      [
        { action: 'snapshot', clusterId: 'c1', vmid: 200, snapname: 'snap-a' },
        { action: 'snapshot', clusterId: 'c1', vmid: 200, snapname: 'snap-b' },
      ],
      'test',
    );
    second = engine.list({ batchId: batch.batchId }).find((o) => o.request.action === 'snapshot' && o.request.snapname === 'snap-b')!.id;
    engine.applyBatch(batch.batchId, 'test');
    await engine.idle();
    expect(halted).toBe(true);
    expect(pve.guests.get(200)!.snapshots).toEqual(['snap-a']);
    // Restarted over the same journal, within the same second as the first snapshot's task.
    await engine.close();
    engine = make(false);
    engine.start();
    await engine.idle();
    expect(engine.get(second).state).toBe('succeeded');
    expect(pve.guests.get(200)!.snapshots).toEqual(['snap-a', 'snap-b']);
    expect(pve.applied.get('snapshot:200:snap-b')).toBe(1);
    await engine.close();
    db.close();
  });
});
