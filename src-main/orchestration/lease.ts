/**
 * One process at a time runs a journal. Two Cairn processes executing the
 * same journal (the desktop app and browser mode on one data folder, say)
 * could each reconcile and resume the same step — exactly the double
 * application the journal exists to prevent. The lease is a single row:
 * whoever holds it with a fresh heartbeat executes; a holder whose
 * heartbeat went stale, or whose process is gone on this machine, can be
 * taken over. Everyone else may read the journal but not change anything.
 */
import { hostname } from 'node:os';
import type { Db } from '../store/database';

export const LEASE_MIGRATION_SQL = `
  CREATE TABLE orchestration_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
  );
`;

export interface LeaseHolder {
  holder: string;
  pid: number;
  host: string;
  acquiredAt: string;
  heartbeatAt: string;
}

export interface JournalLeaseOptions {
  /** Who this process is, for the refusal others see (e.g. "browser mode"). */
  holder: string;
  pid?: number;
  host?: string;
  /** A heartbeat older than this frees the lease (default 30 s; renewed every third of it). */
  staleAfterMs?: number;
  now?: () => Date;
  /** Whether a process of this machine still runs (default: signal 0). */
  isAlive?: (pid: number) => boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class JournalLease {
  private readonly pid: number;
  private readonly host: string;
  private readonly staleAfterMs: number;
  private readonly now: () => Date;
  private readonly isAlive: (pid: number) => boolean;
  private timer: NodeJS.Timeout | null = null;
  private held = false;

  constructor(
    private readonly db: Db,
    private readonly o: JournalLeaseOptions,
  ) {
    this.pid = o.pid ?? process.pid;
    this.host = o.host ?? hostname();
    this.staleAfterMs = o.staleAfterMs ?? 30_000;
    this.now = o.now ?? (() => new Date());
    this.isAlive = o.isAlive ?? processAlive;
  }

  /** How often a holder renews, and a waiting process asks again. */
  get checkEveryMs(): number {
    return Math.max(250, Math.floor(this.staleAfterMs / 3));
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** The current holder, if any. */
  holder(): LeaseHolder | null {
    const r = this.db.prepare('SELECT holder, pid, host, acquired_at, heartbeat_at FROM orchestration_lease WHERE id = 1').get() as
      | { holder: string; pid: number; host: string; acquired_at: string; heartbeat_at: string }
      | undefined;
    return r ? { holder: r.holder, pid: r.pid, host: r.host, acquiredAt: r.acquired_at, heartbeatAt: r.heartbeat_at } : null;
  }

  private mine(h: LeaseHolder): boolean {
    return h.pid === this.pid && h.host === this.host;
  }

  private free(h: LeaseHolder): boolean {
    if (this.now().getTime() - Date.parse(h.heartbeatAt) > this.staleAfterMs) return true;
    return h.host === this.host && !this.isAlive(h.pid);
  }

  /** Takes the lease when it is free, stale or ours; otherwise says who holds it. Renews itself until release. */
  acquire(): { ok: true } | { ok: false; holder: LeaseHolder } {
    const at = this.now().toISOString();
    const outcome = this.db.transaction((): { ok: true } | { ok: false; holder: LeaseHolder } => {
      const h = this.holder();
      if (h && !this.mine(h) && !this.free(h)) return { ok: false, holder: h };
      this.db
        .prepare(
          `INSERT INTO orchestration_lease (id, holder, pid, host, acquired_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host,
             acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
        )
        .run(this.o.holder, this.pid, this.host, at, at);
      return { ok: true };
    }).immediate();
    this.held = outcome.ok;
    if (outcome.ok && !this.timer) {
      this.timer = setInterval(() => this.renew(), this.checkEveryMs);
      this.timer.unref?.();
    }
    return outcome;
  }

  /** Refreshes the heartbeat; false when the lease was lost (taken over after this process stalled). */
  renew(): boolean {
    const r = this.db
      .prepare('UPDATE orchestration_lease SET heartbeat_at = ? WHERE id = 1 AND pid = ? AND host = ?')
      .run(this.now().toISOString(), this.pid, this.host);
    this.held = r.changes === 1;
    if (!this.held && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    return this.held;
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.held) this.db.prepare('DELETE FROM orchestration_lease WHERE id = 1 AND pid = ? AND host = ?').run(this.pid, this.host);
    this.held = false;
  }
}
