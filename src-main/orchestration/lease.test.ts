import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database';
import { JournalLease } from './lease';

describe('JournalLease: one executing process per journal', () => {
  let db: Db;
  let t = Date.parse('2026-11-22T10:00:00Z');
  const now = () => new Date(t);
  const alive = new Set<number>();
  const lease = (pid: number, host = 'noc-1', holder = `proc ${pid}`) =>
    new JournalLease(db, { holder, pid, host, staleAfterMs: 30_000, now, isAlive: (p) => alive.has(p) });
  const leases: JournalLease[] = [];
  const make = (...a: Parameters<typeof lease>) => {
    const l = lease(...a);
    leases.push(l);
    return l;
  };

  beforeEach(() => {
    db = openDatabase(':memory:');
    t = Date.parse('2026-11-22T10:00:00Z');
    alive.clear();
    alive.add(100).add(200);
  });
  afterEach(() => {
    for (const l of leases.splice(0)) l.release();
    db.close();
  });

  it('a second live process is refused and told who holds the journal', () => {
    expect(make(100).acquire()).toEqual({ ok: true });
    const other = make(200, 'noc-1', 'browser mode of ann').acquire();
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.holder).toMatchObject({ holder: 'proc 100', pid: 100, host: 'noc-1' });
  });

  it('the same process may take it again (a restart of the engine in-process)', () => {
    expect(make(100).acquire().ok).toBe(true);
    expect(make(100).acquire().ok).toBe(true);
  });

  it('is taken over when the holder died on this machine, or its heartbeat went stale anywhere', () => {
    const first = make(100);
    first.acquire();
    alive.delete(100);
    expect(make(200).acquire().ok).toBe(true);
    // The old holder learns it lost the lease at its next heartbeat.
    expect(first.renew()).toBe(false);
    expect(first.isHeld).toBe(false);

    const remote = make(300, 'noc-2');
    t += 10_000;
    expect(remote.acquire().ok).toBe(false); // pid 200 lives and beats... not yet stale
    t += 31_000; // 200 stopped renewing (no timer runs in a test): stale
    expect(remote.acquire().ok).toBe(true);
  });

  it('a live holder on another machine is never judged by this machine’s process table', () => {
    make(100, 'noc-2').acquire();
    alive.clear();
    expect(make(200, 'noc-1').acquire().ok).toBe(false);
  });

  it('release frees it at once', () => {
    const l = make(100);
    l.acquire();
    l.release();
    expect(l.holder()).toBeNull();
    expect(make(200).acquire().ok).toBe(true);
  });
});

describe('an engine without the lease', () => {
  it('resumes nothing and refuses to apply, saying which process runs the journal', async () => {
    const { OperationEngine } = await import('./engine');
    const db = openDatabase(':memory:');
    try {
      const holder = new JournalLease(db, { holder: 'desktop app of ann', pid: 4242, host: 'noc-1', isAlive: () => true });
      holder.acquire();
      const engine = new OperationEngine({
        db,
        clientFor: () => {
          throw new Error('no PVE call may happen');
        },
        sizeOf: () => ({ vcpu: 2, memMiB: 4096 }),
        lease: new JournalLease(db, { holder: 'browser mode of bob', pid: 4343, host: 'noc-1', isAlive: () => true }),
      });
      expect(engine.start()).toBe(0);
      expect(() => engine.apply({ id: 'whatever' }, 'bob')).toThrow(/desktop app of ann, pid 4242/);
      expect(() => engine.applyBatch('b', 'bob')).toThrow(/another Cairn process/i);
      await engine.close();
      // Its close does not release a lease it never held.
      expect(holder.holder()?.pid).toBe(4242);
      holder.release();
    } finally {
      db.close();
    }
  });
});
