/**
 * The main thread's side of the inventory sync worker (sync-worker.ts):
 * the same start / stop / syncAll surface as an in-process InventorySync,
 * so the composition root can use either. It answers the worker's token
 * requests from the keychain, relays its log lines and change
 * notifications, and restarts it should it ever die.
 */
import { Worker } from 'node:worker_threads';
import type { SiteInfo } from '../fleet/snapshot';
import type { SyncOutcome } from '../fleet/inventory-sync';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { workerEntry } from '../util/worker-entry';
import type { FromWorker, SyncWorkerData, ToWorker } from './sync-messages';

export interface SyncEngine {
  start(): void;
  stop(): Promise<void>;
  syncAll(clusterId?: string): Promise<SyncOutcome[]>;
}

export interface WorkerSyncOptions {
  dbFile: string;
  intervalSeconds: () => number;
  secretFor: (connectionId: string) => Promise<string>;
  sites: () => ReadonlyMap<string, SiteInfo>;
  log: Logger;
  onSynced: (outcomes: SyncOutcome[]) => void;
  onChanged: (clusterIds: string[]) => void;
  concurrency?: number;
  /**
   * V8 heap limits of the worker. The young generation is what a sync churns
   * through (parsed responses become garbage within milliseconds), so a small
   * one keeps the process's resident memory down at a small cost in GC time.
   */
  resourceLimits?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number };
}

export class WorkerInventorySync implements SyncEngine {
  private worker: Worker | null = null;
  private started = false;
  private stopped = false;
  private nextId = 1;
  private readonly pending = new Map<number, (o: SyncOutcome[]) => void>();
  private intervalTimer: NodeJS.Timeout | null = null;
  private lastInterval = -1;
  private restarts = 0;

  constructor(private readonly opts: WorkerSyncOptions) {}

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const entry = workerEntry(import.meta.url, 'sync-worker', './sync-worker.ts');
    if (!entry) throw new Error('the inventory sync worker is not in this build (sync-worker.js beside the main bundle)');
    const data: SyncWorkerData = {
      dbFile: this.opts.dbFile,
      intervalSeconds: this.opts.intervalSeconds(),
      sites: [...this.opts.sites()],
      ...(this.opts.concurrency ? { concurrency: this.opts.concurrency } : {}),
    };
    const w = new Worker(entry.code, {
      eval: entry.eval,
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256, ...this.opts.resourceLimits },
      name: 'cairn-inventory-sync',
    });
    w.unref();
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (err) => this.opts.log.error('inventory sync worker failed', { error: err.message }));
    w.on('exit', (code) => this.onExit(w, code));
    this.worker = w;
    this.lastInterval = data.intervalSeconds;
    this.intervalTimer ??= setInterval(() => this.pushInterval(), 1000);
    this.intervalTimer.unref?.();
    return w;
  }

  private send(m: ToWorker): void {
    this.spawn().postMessage(m);
  }

  private pushInterval(): void {
    const s = this.opts.intervalSeconds();
    if (s !== this.lastInterval && this.worker) {
      this.lastInterval = s;
      this.worker.postMessage({ t: 'interval', seconds: s } satisfies ToWorker);
    }
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'secret':
        this.opts.secretFor(m.connectionId).then(
          (secret) => this.worker?.postMessage({ t: 'secret', id: m.id, secret } satisfies ToWorker),
          (err: unknown) =>
            this.worker?.postMessage({
              t: 'secret',
              id: m.id,
              error: { code: err instanceof AppException ? err.code : 'internal', message: err instanceof Error ? err.message : String(err) },
            } satisfies ToWorker),
        );
        break;
      case 'synced':
        this.opts.onSynced(m.outcomes);
        break;
      case 'syncAllDone': {
        const done = this.pending.get(m.id);
        this.pending.delete(m.id);
        done?.(m.outcomes);
        this.opts.onSynced(m.outcomes);
        break;
      }
      case 'changed':
        this.opts.onChanged(m.clusterIds);
        break;
      case 'log': {
        let l = this.opts.log;
        for (const part of m.scope.split('.')) l = l.child(part);
        l[m.level](m.msg, m.fields);
        break;
      }
      case 'ready':
      case 'stopped':
        break;
    }
  }

  private onExit(w: Worker, code: number): void {
    if (this.worker !== w) return;
    this.worker = null;
    // Callers of syncAll get an answer either way.
    for (const [, done] of this.pending) done([]);
    this.pending.clear();
    if (this.stopped) return;
    this.opts.log.error('inventory sync worker exited; restarting it', { code, restarts: this.restarts });
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.restarts++, 5));
    setTimeout(() => {
      if (this.stopped) return;
      this.spawn();
      if (this.started) this.send({ t: 'start' });
    }, delay).unref();
  }

  /** The demo fleet's site map changes when it starts; tell a running worker. */
  updateSites(): void {
    if (this.worker) this.send({ t: 'sites', sites: [...this.opts.sites()] });
  }

  forget(clusterId: string): void {
    if (this.worker) this.send({ t: 'forget', clusterId });
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.send({ t: 'start' });
  }

  syncAll(clusterId?: string): Promise<SyncOutcome[]> {
    if (this.stopped) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ t: 'syncAll', id, ...(clusterId ? { clusterId } : {}) });
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.intervalTimer) clearInterval(this.intervalTimer);
    const w = this.worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void w.terminate().then(() => resolve()), 10_000);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      w.postMessage({ t: 'stop' } satisfies ToWorker);
    });
  }
}
