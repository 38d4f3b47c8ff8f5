/**
 * Alerting over the fleet cache: runs every source, applies the lifecycle
 * (lifecycle.ts) in one transaction, and reports what changed. Evaluations
 * are triggered after inventory sync batches (coalesced: a sync wave over
 * 500 clusters flushes every 200 ms, alerting needs a pass every few
 * seconds at most) and on a slow timer, so staleness is noticed even when
 * no sync reports at all.
 */
import { userInfo } from 'node:os';
import type { AlertChanged, AlertDto, AlertList, AlertListQuery, AlertThresholds } from '../../src-preload/contract';
import { AlertListQuerySchema } from '../../src-preload/contract';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { AlertRepo, type AlertEvent } from './alert-repo';
import { reconcile, type SourcedFinding } from './lifecycle';
import { builtInSources } from './sources';
import { loadThresholds, saveThresholds, type ThresholdsStore } from './thresholds';
import type { AlertSource } from './types';

export interface AlertServiceOptions {
  db: Db;
  settings: ThresholdsStore;
  syncIntervalSeconds: () => number;
  log: Logger;
  /** Sources beyond the built-in ones (the capacity engine's forecasts, later attestation and custody). */
  extraSources?: AlertSource[];
  /** Replaces the built-in sources (tests). */
  sources?: AlertSource[];
  onChanged?: (change: AlertChanged) => void;
  now?: () => Date;
  /** Who acknowledges: the OS user of the console unless given. */
  operator?: string;
  /** Least time between two triggered evaluations (default 2 s). */
  minGapMs?: number;
  /** The slow timer (default 60 s). */
  timerMs?: number;
}

export interface EvaluationReport {
  raised: AlertDto[];
  escalated: AlertDto[];
  updated: number;
  resolved: number;
  failedSources: string[];
}

/** How many alerts one change event carries (the rest are counted). */
const EVENT_ROWS = 20;

function osUser(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

export class AlertService {
  readonly repo: AlertRepo;
  private readonly sources: AlertSource[];
  private readonly now: () => Date;
  private readonly operator: string;
  private cachedThresholds: AlertThresholds | null = null;
  private running: Promise<EvaluationReport> | null = null;
  private queued: Promise<EvaluationReport> | null = null;
  private lastRunAt = 0;
  private trailing: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly watchingSince: Date;

  constructor(private readonly opts: AlertServiceOptions) {
    this.repo = new AlertRepo(opts.db);
    this.sources = [...(opts.sources ?? builtInSources(opts.db)), ...(opts.extraSources ?? [])];
    const ids = new Set<string>();
    for (const s of this.sources) {
      if (ids.has(s.id)) throw new Error(`two alert sources share the id "${s.id}"`);
      ids.add(s.id);
    }
    this.now = opts.now ?? (() => new Date());
    this.watchingSince = this.now();
    this.operator = opts.operator ?? osUser();
  }

  thresholds(): AlertThresholds {
    this.cachedThresholds ??= loadThresholds(this.opts.settings);
    return this.cachedThresholds;
  }

  async setThresholds(input: unknown): Promise<AlertThresholds> {
    const next = saveThresholds(this.opts.settings, input);
    this.cachedThresholds = next;
    // New levels apply at once, not at the next sync.
    await this.evaluate();
    return next;
  }

  list(query: AlertListQuery = {}): AlertList {
    return this.repo.list(AlertListQuerySchema.parse(query));
  }

  acknowledge(id: number, note?: string): AlertDto {
    const before = this.repo.get(id);
    if (!before) throw new AppException('not_found', `No alert ${id}`, { field: 'id' });
    if (before.state === 'resolved') throw new AppException('conflict', `Alert ${id} is already resolved`, { field: 'id' });
    // Acknowledging twice keeps the first acknowledgement (who and when matter in a handover).
    if (before.state === 'acknowledged') return before;
    this.repo.acknowledge(id, this.operator, note?.trim() ? note.trim() : null, this.now().toISOString());
    const after = this.repo.get(id) as AlertDto;
    this.opts.onChanged?.({ counts: this.repo.counts(), raised: [], raisedTotal: 0, escalated: [], resolvedTotal: 0 });
    return after;
  }

  events(id: number): AlertEvent[] {
    if (!this.repo.get(id)) throw new AppException('not_found', `No alert ${id}`, { field: 'id' });
    return this.repo.events(id);
  }

  /**
   * One evaluation now. A call while one runs gets the next run, which
   * starts when the current one ends (conditions or thresholds may have
   * changed meanwhile); all such callers share that one run.
   */
  evaluate(): Promise<EvaluationReport> {
    if (this.running) {
      this.queued ??= this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.evaluate();
        });
      return this.queued;
    }
    const run = this.evaluateOnce().finally(() => {
      this.running = null;
      this.lastRunAt = Date.now();
    });
    this.running = run;
    return run;
  }

  /** Evaluate soon: at once when the last run is older than the gap, else once at the end of it. */
  schedule(): void {
    if (this.stopped || this.trailing) return;
    const gap = this.opts.minGapMs ?? 2000;
    const wait = Math.max(0, this.lastRunAt + gap - Date.now());
    this.trailing = setTimeout(() => {
      this.trailing = null;
      void this.evaluate().catch((err: unknown) => this.opts.log.error('alert evaluation failed', { error: err instanceof Error ? err.message : String(err) }));
    }, wait);
    this.trailing.unref?.();
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.schedule(), this.opts.timerMs ?? 60_000);
    this.timer.unref?.();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.trailing) clearTimeout(this.trailing);
    this.timer = null;
    this.trailing = null;
    await this.running?.catch(() => undefined);
  }

  private async evaluateOnce(): Promise<EvaluationReport> {
    const now = this.now();
    const ctx = { now, thresholds: this.thresholds(), syncIntervalSeconds: this.opts.syncIntervalSeconds(), watchingSince: this.watchingSince };
    const findings: SourcedFinding[] = [];
    const failed = new Set<string>();
    for (const source of this.sources) {
      try {
        for (const finding of await source.evaluate(ctx)) findings.push({ source: source.id, finding });
      } catch (err) {
        // Its open alerts stay as they are: a source that cannot look is not an all-clear.
        failed.add(source.id);
        this.opts.log.warn('alert source failed', { source: source.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const at = now.toISOString();
    const raisedIds: { id: number; critical: boolean }[] = [];
    const escalatedIds: number[] = [];
    let updated = 0;
    let resolved = 0;
    this.repo.transaction(() => {
      for (const d of reconcile(this.repo.active(), findings, failed)) {
        if (d.type === 'raise') raisedIds.push({ id: this.repo.raise(d.source, d.finding, d.severity, at), critical: d.severity === 'critical' });
        else if (d.type === 'update') {
          this.repo.update(d.id, d.finding, d.severity, d.previous, at);
          updated++;
          if (d.severity === 'critical' && d.previous !== 'critical') escalatedIds.push(d.id);
        } else {
          this.repo.resolve(d.id, at);
          resolved++;
        }
      }
    });
    const pick = (ids: number[]) => ids.slice(0, EVENT_ROWS).map((id) => this.repo.get(id)).filter((a): a is AlertDto => a !== null);
    // Critical first, so a capped event still carries what must be toasted.
    const raisedSorted = [...raisedIds].sort((a, b) => Number(b.critical) - Number(a.critical)).map((r) => r.id);
    const report: EvaluationReport = {
      raised: pick(raisedSorted),
      escalated: pick(escalatedIds),
      updated,
      resolved,
      failedSources: [...failed],
    };
    if (raisedIds.length || escalatedIds.length || resolved) {
      this.opts.onChanged?.({ counts: this.repo.counts(), raised: report.raised, raisedTotal: raisedIds.length, escalated: report.escalated, resolvedTotal: resolved });
    }
    return report;
  }
}
