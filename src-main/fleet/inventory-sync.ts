/**
 * Keeps the inventory cache fresh: every cluster is synced on its own
 * timer (the interval, PVE's own 10 s by default, plus jitter so 500
 * clusters do not fire together), with a global concurrency cap. A cluster
 * that fails keeps its last known data, marked stale with the reason; the
 * rest of the fleet keeps syncing.
 */
import { setMaxListeners } from 'node:events';
import type { RrdPoint, RrdTimeframe } from '../../src-preload/contract';
import type { Db } from '../store/database';
import type { ConnectionRecord } from '../store/connections-repo';
import type { Logger } from '../util/log';
import type { ApplyResult, InventoryRepo } from './inventory-repo';
import type { ClusterSnapshot, SiteInfo } from './snapshot';

export interface ClusterSource {
  /** One consistent picture of a cluster; throws an AppException on failure. */
  snapshot(conn: ConnectionRecord, signal: AbortSignal): Promise<ClusterSnapshot>;
  /** Site metadata for a cluster (demo mode knows region and kind; real clusters use the connection's site). */
  siteOf(conn: ConnectionRecord, snap: ClusterSnapshot): SiteInfo;
  /** RRD series of a node (or of a guest when vmid is given), live from the cluster. */
  rrd(conn: ConnectionRecord, node: string, vmid: number | undefined, timeframe: RrdTimeframe, signal: AbortSignal): Promise<RrdPoint[]>;
}

export interface SyncOutcome {
  clusterId: string;
  ok: boolean;
  written: number;
  deleted: number;
  /** API calls the snapshot took, when the source counts them. */
  requests?: number;
  error?: string;
  ms: number;
}

export interface InventorySyncOptions {
  db: Db;
  repo: InventoryRepo;
  source: ClusterSource;
  connections: () => ConnectionRecord[];
  intervalSeconds: () => number;
  concurrency?: number;
  log: Logger;
  onSynced?: (outcomes: SyncOutcome[]) => void;
  random?: () => number;
  /**
   * Snapshots that arrive within this window share one transaction (one
   * commit instead of one per cluster); 0 writes each at once. Default 50 ms,
   * nothing next to a 10 s sync interval; a full batch (64) is written at once.
   */
  writeWindowMs?: number;
}

interface PendingWrite {
  clusterId: string;
  site: SiteInfo;
  snap: ClusterSnapshot;
  resolve: (r: ApplyResult) => void;
  reject: (err: unknown) => void;
}

/** Groups the snapshots of clusters that finish close together into one write. */
class WriteBatcher {
  private queue: PendingWrite[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: InventoryRepo,
    private readonly windowMs: number,
    private readonly maxBatch = 64,
  ) {}

  apply(clusterId: string, site: SiteInfo, snap: ClusterSnapshot): Promise<ApplyResult> {
    if (this.windowMs <= 0) {
      try {
        return Promise.resolve(this.repo.apply(clusterId, site, snap));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ clusterId, site, snap, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes = this.repo.applyMany(batch);
    batch.forEach((w, i) => {
      const o = outcomes[i];
      if (o?.error !== undefined) w.reject(o.error);
      else w.resolve({ written: o?.written ?? 0, deleted: o?.deleted ?? 0 });
    });
  }
}

export class InventorySync {
  private timer: NodeJS.Timeout | null = null;
  private readonly due = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly abort = new AbortController();
  private stopped = false;
  private readonly concurrency: number;
  private readonly markAttempt;
  private readonly markSuccess;
  private readonly markFailure;
  private pending: SyncOutcome[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly writer: WriteBatcher;
  /** Clusters whose snapshot is being fetched: what the concurrency cap counts (a wait for the write holds no socket). */
  private fetching = 0;

  constructor(private readonly opts: InventorySyncOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.writer = new WriteBatcher(opts.repo, opts.writeWindowMs ?? 50);
    // Every in-flight request listens on this one signal; hundreds of clusters are expected.
    setMaxListeners(0, this.abort.signal);
    this.markAttempt = opts.db.prepare(
      `INSERT INTO fleet_sync (cluster_id, last_attempt_at) VALUES (?, ?)
       ON CONFLICT(cluster_id) DO UPDATE SET last_attempt_at = excluded.last_attempt_at`,
    );
    this.markSuccess = opts.db.prepare(
      `UPDATE fleet_sync SET last_success_at = ?, last_error = NULL, failures = 0 WHERE cluster_id = ?`,
    );
    this.markFailure = opts.db.prepare(`UPDATE fleet_sync SET last_error = ?, failures = failures + 1 WHERE cluster_id = ?`);
  }

  /** Start the periodic loop; the first sync of every cluster starts at once. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.tick(), 250);
    this.timer.unref?.();
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.timer = null;
    this.abort.abort();
    // Snapshots already fetched are good data: store them rather than drop them.
    this.writer.flush();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private jitter(): number {
    const r = (this.opts.random ?? Math.random)();
    return Math.round(this.opts.intervalSeconds() * 1000 * (0.9 + 0.2 * r));
  }

  private tick(): void {
    if (this.stopped) return;
    const now = Date.now();
    const conns = this.opts.connections().filter((c) => c.kind === 'pve');
    const live = new Set(conns.map((c) => c.id));
    for (const id of [...this.due.keys()]) if (!live.has(id)) this.due.delete(id);
    for (const c of conns) {
      if (this.fetching >= this.concurrency) break;
      if (this.running.has(c.id)) continue;
      const at = this.due.get(c.id) ?? 0;
      if (at > now) continue;
      void this.syncOne(c).then((o) => this.report(o));
    }
  }

  private report(o: SyncOutcome): void {
    // Batch change notifications so 500 clusters make a handful of UI refreshes.
    this.pending.push(o);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const batch = this.pending;
      this.pending = [];
      this.opts.onSynced?.(batch);
    }, 200);
    this.flushTimer.unref?.();
  }

  /** Sync every cluster now (or one), resolving when all are done. */
  async syncAll(clusterId?: string): Promise<SyncOutcome[]> {
    const conns = this.opts.connections().filter((c) => c.kind === 'pve' && (!clusterId || c.id === clusterId));
    const queue = [...conns];
    const out: SyncOutcome[] = [];
    const finishing: Promise<void>[] = [];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        while (this.running.has(c.id)) await new Promise((r) => setTimeout(r, 5));
        // A worker moves on once the snapshot is in hand; its write joins the next batch.
        let fetched!: () => void;
        const gate = new Promise<void>((r) => (fetched = r));
        const done = this.syncOne(c, fetched).then((o) => void out.push(o));
        finishing.push(done);
        await Promise.race([gate, done]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    await Promise.all(finishing);
    this.opts.onSynced?.(out);
    return out;
  }

  private async syncOne(conn: ConnectionRecord, onFetched?: () => void): Promise<SyncOutcome> {
    this.running.add(conn.id);
    this.due.set(conn.id, Date.now() + this.jitter());
    const t0 = performance.now();
    const attemptAt = new Date().toISOString();
    let fetching = true;
    this.fetching++;
    const fetchedNow = (): void => {
      if (!fetching) return;
      fetching = false;
      this.fetching--;
      onFetched?.();
    };
    try {
      this.markAttempt.run(conn.id, attemptAt);
      const snap = await this.opts.source.snapshot(conn, this.abort.signal);
      fetchedNow();
      if (this.stopped) return { clusterId: conn.id, ok: false, written: 0, deleted: 0, error: 'stopped', ms: 0 };
      const site = this.opts.source.siteOf(conn, snap);
      const r = await this.writer.apply(conn.id, site, snap);
      this.markSuccess.run(new Date().toISOString(), conn.id);
      return {
        clusterId: conn.id,
        ok: true,
        written: r.written,
        deleted: r.deleted,
        ms: performance.now() - t0,
        ...(snap.requests !== undefined ? { requests: snap.requests } : {}),
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!this.stopped) {
        try {
          this.markFailure.run(message, conn.id);
        } catch {
          // The connection may have been removed meanwhile.
        }
        this.opts.log.warn('cluster sync failed', { cluster: conn.name, error: message });
      }
      return { clusterId: conn.id, ok: false, written: 0, deleted: 0, error: message, ms: performance.now() - t0 };
    } finally {
      fetchedNow();
      this.running.delete(conn.id);
    }
  }
}
