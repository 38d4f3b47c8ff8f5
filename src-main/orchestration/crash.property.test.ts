/**
 * Property: whatever the crash points (the app killed before a call, after
 * the call but before its UPID is journalled, after the UPID, after a step)
 * and whichever answers are lost on the wire, every step of every operation
 * is applied exactly once and every operation ends succeeded — after as many
 * restarts over the same journal as it takes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { EngineHalted, OperationEngine } from './engine';
import { FakePve } from './fake-pve';
import type { OperationRequest } from '../../src-preload/contract';

const SIZES: Record<string, { vcpu: number; memMiB: number }> = { small: { vcpu: 2, memMiB: 4096 }, medium: { vcpu: 4, memMiB: 8192 } };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx4cGxhaW5rZXlmb3J0ZXN0c29ubHk ops@cairn';

type Kind = 'create' | 'snapshot' | 'start' | 'tags' | 'ha';

async function scenario(kinds: Kind[], crashAt: number[], lost: number[], concurrency: number): Promise<void> {
  const pve = new FakePve(['n1', 'n2'], 2);
  pve.addGuest({ vmid: 9000, name: 'tpl-debian', template: true });
  kinds.forEach((_, i) => pve.addGuest({ vmid: 200 + i, name: `g${i}` }));
  let writes = 0;
  const lostSet = new Set(lost);
  pve.loseAnswer = () => lostSet.has(++writes);
  const db = openDatabase(':memory:');
  const crashes = new Set(crashAt);
  let hookCalls = 0;
  const make = () =>
    new OperationEngine({
      db,
      clientFor: () => pve.client(),
      sizeOf: (s) => SIZES[s]!,
      pollMs: 1,
      retryAfterMs: 1,
      concurrencyPerCluster: concurrency,
      crashHook: () => {
        if (crashes.has(++hookCalls)) throw new EngineHalted();
      },
    });
  let engine = make();
  const requests: OperationRequest[] = kinds.map((k, i): OperationRequest => {
    switch (k) {
      case 'create':
        return { action: 'create', clusterId: 'c1', templateVmid: 9000, name: `new-${i}`, size: 'small', cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, start: true };
      case 'snapshot':
        return { action: 'snapshot', clusterId: 'c1', vmid: 200 + i, snapname: `snap-${i}` };
      case 'start':
        return { action: 'start', clusterId: 'c1', vmid: 200 + i };
      case 'tags':
        return { action: 'tags', clusterId: 'c1', vmid: 200 + i, tags: ['web', `t${i}`] };
      case 'ha':
        return { action: 'ha', clusterId: 'c1', vmid: 200 + i, enable: true };
    }
  });
  const batch = await engine.bulkPlan(requests, 'prop');
  engine.applyBatch(batch.batchId, 'prop');
  for (let restarts = 0; ; restarts++) {
    await engine.idle();
    const active = engine.journal.active();
    if (!active.length) break;
    expect(restarts).toBeLessThan(crashAt.length + lost.length + 5);
    // "Killed": a new engine over the same journal. An engine that merely waits on lost answers is
    // replaced too, which is what a restart does.
    await engine.close();
    engine = make();
    engine.start();
  }
  await engine.close();
  const ops = engine.list({ batchId: batch.batchId, limit: 1000 });
  for (const op of ops) expect(op.state, `${op.action}: ${op.reason ?? ''}`).toBe('succeeded');
  // Every write applied exactly once.
  for (const [key, n] of pve.applied) expect(n, key).toBe(1);
  kinds.forEach((k, i) => {
    if (k === 'create') {
      expect([...pve.guests.values()].filter((g) => g.name === `new-${i}`)).toHaveLength(1);
    }
    if (k === 'snapshot') expect(pve.guests.get(200 + i)!.snapshots).toEqual([`snap-${i}`]);
    if (k === 'start') expect(pve.applied.get(`start:${200 + i}`)).toBe(1);
    if (k === 'ha') expect(pve.ha.has(`vm:${200 + i}`)).toBe(true);
  });
  db.close();
}

describe('crash points never apply a step twice', () => {
  it('holds for random operations, crash points and lost answers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Kind>('create', 'snapshot', 'start', 'tags', 'ha'), { minLength: 1, maxLength: 5 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 15 }), { maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (kinds, crashAt, lost, conc) => scenario(kinds, crashAt, lost, conc),
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
