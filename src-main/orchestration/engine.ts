/**
 * The operation engine: plans requests, gates them (authorization, quota,
 * guarded delete), queues them in the journal, and runs them with a
 * per-cluster concurrency limit. Runs are resumable: on start the engine
 * picks up every queued or running operation from the journal and carries
 * on from the journal's last word on each step (see steps.ts for how a step
 * whose outcome is unknown is reconciled). A cluster that cannot be reached
 * parks its operations as queued with the reason; they are re-checked
 * against fresh inventory before their first step, and refused with reasons
 * when the plan no longer holds.
 */
import { randomUUID } from 'node:crypto';
import type { ApplyRequest, BatchDto, OperationChanged, OperationDto, OperationRequest, OperationState, OperationSummary } from '../../src-preload/contract';
import { isPveError, waitForTask, type PveError } from '../pve';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import type { Db } from '../store/database';
import type { JournalLease } from './lease';
import { placementRefusal, proposesHost, type AttestedHosts } from './attested-hosts';
import { PERMISSIVE_GATEKEEPER, tenantOfTags, type Decision, type GateTarget, type Gatekeeper } from './gatekeeper';
import { Journal, TERMINAL, type OperationRecord, type StepRecord } from './journal';
import { planFor, viewFromResources, type ClusterView, type GuestFacts } from './planner';
import { issue, reconcile, summarize, type OpsClient, type StepSpec } from './steps';
import { createPlacementAdvisor, NO_PLACEMENT_CONTEXT, type PlacementAdvisor } from './placement';
import type { MoveAdvice } from '../capacity';

/** Where a test may stop the engine as if the process were killed. */
export type CrashPoint = 'before-call' | 'after-call' | 'after-upid' | 'after-step';

/** Thrown by a crash hook: the run stops on the spot, writing nothing more. */
export class EngineHalted extends Error {
  constructor() {
    super('engine halted');
  }
}

export interface OperationEngineOptions {
  db: Db;
  /** The PVE client of a cluster (connection id). */
  clientFor: (clusterId: string) => OpsClient;
  /** The last synced inventory, to plan while a cluster is unreachable. */
  cachedView?: (clusterId: string) => ClusterView | undefined;
  gatekeeper?: Gatekeeper;
  /** Attested placement of confidential guests (attested-hosts.ts); absent: not checked. */
  attestedHosts?: AttestedHosts;
  /** Catalogue VM size → vCPU and MiB. */
  sizeOf: (size: string) => { vcpu: number; memMiB: number };
  concurrencyPerCluster?: number;
  pollMs?: number;
  /** Wait before trying an unreachable cluster again. */
  retryAfterMs?: number;
  /** Lock timeouts (parallel clones of one template) are retried this often before the step fails. */
  lockRetries?: number;
  lockRetryMs?: number;
  onChanged?: (c: OperationChanged) => void;
  log?: Logger;
  crashHook?: (point: CrashPoint, opId: string, step: number) => void;
  now?: () => Date;
  /** Migration targets (default: the advisor over the live view with no HA rules or attestation known). */
  placement?: PlacementAdvisor;
  /** One executing process per journal; without a lease (tests) this engine always executes. */
  lease?: JournalLease;
  /** A read-only engine took the journal over from a dead or stalled executor (resumed: operations picked up). */
  onTakeover?: (resumed: number) => void;
}

class Wait extends Error {}

// PVE authenticates before it runs a handler, so a refused credential (a revoked token) changed
// nothing: the step waits for a working token instead of failing the operation.
const NOT_SENT_TRANSIENT = new Set(['node_unreachable', 'connection_refused', 'dns', 'tls', 'tls_pin_mismatch', 'tls_unpinned', 'unauthorized']);
const NOT_APPLIED_PERMANENT = new Set(['forbidden', 'validation', 'server', 'not_implemented', 'http']);

function describe(e: unknown): string {
  if (isPveError(e)) return e.reason ? `${e.message} (${e.reason})` : e.message;
  return e instanceof Error ? e.message : String(e);
}

function isLockTimeout(e: PveError): boolean {
  return /can't lock file .* got timeout/i.test(`${e.reason ?? ''} ${e.message}`);
}

export class OperationEngine {
  readonly journal: Journal;
  private readonly gate: Gatekeeper;
  private readonly placement: PlacementAdvisor;
  private readonly limit: number;
  private readonly pollMs: number;
  private readonly retryAfterMs: number;
  private readonly queues = new Map<string, { id: string; guest: number }[]>();
  /** Guests (`cluster/vmid`) an operation is running on: one operation per guest at a time. */
  private readonly busy = new Set<string>();
  private readonly running = new Map<string, number>();
  private readonly waitingUntil = new Map<string, number>();
  private readonly runs = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  private retryTimer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly o: OperationEngineOptions) {
    this.journal = new Journal(o.db, o.now);
    this.gate = o.gatekeeper ?? PERMISSIVE_GATEKEEPER;
    this.placement = o.placement ?? createPlacementAdvisor(NO_PLACEMENT_CONTEXT);
    this.limit = Math.max(1, o.concurrencyPerCluster ?? 4);
    this.pollMs = o.pollMs ?? 1000;
    this.retryAfterMs = o.retryAfterMs ?? 30_000;
  }

  /** Why this engine may not execute (another process holds the journal's lease), or null. */
  private readOnly: string | null = null;
  private standbyTimer: NodeJS.Timeout | null = null;

  /** Who runs the journal when this process only reads it (null when this process executes). */
  get readOnlyReason(): string | null {
    return this.readOnly;
  }

  /**
   * A read-only engine keeps trying the lease: when the executor dies (its
   * pid is gone) or stalls (its heartbeat goes stale), this process takes the
   * journal over and resumes what the executor left.
   */
  private standBy(lease: JournalLease): void {
    if (this.standbyTimer || this.closed) return;
    this.standbyTimer = setInterval(() => {
      if (this.closed) return;
      const got = lease.acquire();
      if (!got.ok) {
        this.readOnly = readOnlyText(got.holder);
        return;
      }
      if (this.standbyTimer) clearInterval(this.standbyTimer);
      this.standbyTimer = null;
      this.readOnly = null;
      const resumed = this.resume();
      this.o.log?.info('took over the operation journal', { resumed });
      this.o.onTakeover?.(resumed);
    }, lease.checkEveryMs);
    this.standbyTimer.unref?.();
  }

  private resume(): number {
    const active = this.journal.active();
    for (const op of active) this.enqueue(op);
    this.pump();
    return active.length;
  }

  /** Resumes every operation the journal says is queued or running — if this process holds the journal. */
  start(): number {
    if (this.o.lease) {
      const got = this.o.lease.acquire();
      if (!got.ok) {
        const h = got.holder;
        this.readOnly = readOnlyText(h);
        this.o.log?.warn('operation journal held by another process: read-only here', { holder: h.holder, pid: h.pid, host: h.host });
        this.standBy(this.o.lease);
        return 0;
      }
    }
    return this.resume();
  }

  /** Stops as a kill would, minus the abruptness: in-flight calls are aborted, nothing more is journalled. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.standbyTimer) clearInterval(this.standbyTimer);
    for (const r of this.runs.values()) r.ctl.abort();
    await Promise.all([...this.runs.values()].map((r) => r.done));
    this.o.lease?.release();
    this.flushIdle();
  }

  // ---- planning and review -----------------------------------------------------------

  async plan(request: OperationRequest, actor: string, batchId: string | null = null): Promise<OperationRecord> {
    const clusterId = request.clusterId;
    const view = await this.view(clusterId, true);
    const unattested = placementRefusal(request, view, this.o.attestedHosts);
    if (unattested) throw new AppException('conflict', unattested.reason, { details: unattested.details });
    const planned = planFor(request, view, this.planContext(clusterId, undefined, await this.moveAdvice(request, view)));
    if (!planned.ok) throw new AppException('conflict', planned.reasons.join('; '), { details: { reasons: planned.reasons.length } });
    const proposed = proposesHost(request) ? placementRefusal(planned.request, view, this.o.attestedHosts) : null;
    if (proposed) throw new AppException('conflict', proposed.reason, { details: proposed.details });
    const target = this.gateTarget(planned.plan);
    this.check(this.gate.authorize(actor, `guest.${request.action}`, target));
    const op = this.journal.create({
      id: randomUUID(),
      batchId,
      clusterId,
      actor,
      request: planned.request,
      plan: planned.plan,
      steps: planned.steps,
      state: 'planned',
    });
    this.changed(op);
    return op;
  }

  /** Plans each request; one that cannot be planned is journalled as refused with its reasons, the rest go on. */
  async bulkPlan(requests: readonly OperationRequest[], actor: string): Promise<BatchDto> {
    const batchId = randomUUID();
    for (const r of requests) {
      try {
        await this.plan(r, actor, batchId);
      } catch (e) {
        const reason = e instanceof AppException ? e.message : describe(e);
        const t = { clusterId: r.clusterId, node: '', vmid: 'vmid' in r && r.vmid !== undefined ? r.vmid : 0, type: 'qemu' as const, name: '', tags: [] };
        const op = this.journal.create({
          id: randomUUID(), batchId, clusterId: r.clusterId, actor, request: r, steps: [], state: 'refused', reason,
          plan: { target: t, steps: [], expectedEffect: '', quotaDelta: { guests: 0, vcpu: 0, memoryMiB: 0, diskGiB: 0 }, basis: 'live', confirmName: null, needsSecondConfirmation: false, warnings: [] },
        });
        this.changed(op);
      }
    }
    return this.batch(batchId);
  }

  private mayExecute(): void {
    if (this.readOnly) throw new AppException('conflict', this.readOnly);
    if (this.o.lease && !this.o.lease.isHeld) throw new AppException('conflict', 'This process no longer holds the operation journal (another took it over); restart it to resume');
  }

  apply(req: ApplyRequest, actor: string): OperationRecord {
    this.mayExecute();
    const op = this.must(req.id);
    if (op.state !== 'planned') throw new AppException('conflict', `Operation is ${op.state}; only a planned operation can be applied`, { field: 'id' });
    const target = this.gateTarget(op.plan);
    this.check(this.gate.authorize(actor, `guest.${op.request.action}`, target));
    if (op.plan.confirmName !== null && req.confirmName !== op.plan.confirmName) {
      throw new AppException('invalid_request', `Type the guest's name (${op.plan.confirmName}) to confirm`, { field: 'confirmName' });
    }
    if (op.plan.needsSecondConfirmation) {
      const second = req.secondConfirmation?.actor;
      if (!second) throw new AppException('forbidden', `${op.plan.target.name} is protected: a second operator must confirm`, { field: 'secondConfirmation' });
      if (second === actor) throw new AppException('forbidden', 'The second confirmation must come from another operator', { field: 'secondConfirmation' });
      this.check(this.gate.authorize(second, 'guest.delete.confirmProtected', target));
    }
    this.check(this.gate.quotaCheck(tenantOfTags(op.plan.target.tags), op.plan.quotaDelta, { clusterId: op.clusterId }));
    this.journal.setState(op.id, 'queued', null, null);
    const queued = this.must(op.id);
    this.changed(queued);
    this.enqueue(queued);
    this.pump();
    return queued;
  }

  applyBatch(batchId: string, actor: string): BatchDto {
    // Refused as a whole: a batch must not be journalled as refused item by item for this reason.
    this.mayExecute();
    // In the order planned (the list is newest first), so a selection runs as the operator ordered it.
    for (const op of this.journal.list({ batchId, limit: 100_000 }).reverse()) {
      if (op.state !== 'planned') continue;
      try {
        this.apply({ id: op.id }, actor);
      } catch (e) {
        // A guarded or refused item is journalled as refused; the batch goes on.
        this.journal.setState(op.id, 'refused', e instanceof Error ? e.message : String(e));
        this.changed(this.must(op.id));
      }
    }
    return this.batch(batchId);
  }

  cancel(id: string, actor: string): OperationRecord {
    const op = this.must(id);
    if (TERMINAL.has(op.state)) throw new AppException('conflict', `Operation is already ${op.state}`, { field: 'id' });
    const started = op.steps.some((s) => s.state !== 'pending');
    if (this.runs.has(id) || started) {
      // A step that was sent is never abandoned half-way: the run stops after it.
      this.journal.requestCancel(id);
      return this.must(id);
    }
    this.dequeue(op);
    this.journal.setState(id, 'cancelled', `Cancelled by ${actor}`);
    const out = this.must(id);
    this.changed(out);
    return out;
  }

  get(id: string): OperationRecord {
    return this.must(id);
  }

  list(filter: { state?: OperationState; batchId?: string; limit?: number } = {}): OperationRecord[] {
    return this.journal.list(filter);
  }

  batch(batchId: string): BatchDto {
    const ops = this.journal.list({ batchId, limit: 100_000 });
    if (!ops.length) throw new AppException('not_found', `No batch ${batchId}`, { field: 'batchId' });
    const byState: Record<string, number> = {};
    for (const op of ops) byState[op.state] = (byState[op.state] ?? 0) + 1;
    return { batchId, total: ops.length, byState, operations: ops.map(toSummary) };
  }

  /** Lets the next attempt on a cluster happen now (e.g. when a sync finds it reachable again). */
  retryCluster(clusterId: string): void {
    this.waitingUntil.delete(clusterId);
    this.pump();
  }

  /** Resolves when nothing runs and every queued operation is waiting on an unreachable cluster. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  // ---- scheduling -----------------------------------------------------------------------

  private enqueue(op: OperationRecord): void {
    const q = this.queues.get(op.clusterId) ?? [];
    if (!q.some((e) => e.id === op.id)) q.push({ id: op.id, guest: op.plan.target.vmid });
    this.queues.set(op.clusterId, q);
  }

  private dequeue(op: OperationRecord): void {
    const q = this.queues.get(op.clusterId);
    if (q) this.queues.set(op.clusterId, q.filter((x) => x.id !== op.id));
  }

  private pump(): void {
    if (this.closed) {
      this.flushIdle();
      return;
    }
    const now = Date.now();
    for (const [clusterId, q] of this.queues) {
      if ((this.waitingUntil.get(clusterId) ?? 0) > now) continue;
      for (let i = 0; i < q.length && (this.running.get(clusterId) ?? 0) < this.limit; ) {
        // Operations on one guest run one after the other, in order: a step's reconciliation
        // takes a task of its type on its guest as its own, which holds only if no other
        // operation of the console works on that guest meanwhile.
        const { id, guest } = q[i]!;
        const key = `${clusterId}/${guest}`;
        if (this.busy.has(key)) {
          i++;
          continue;
        }
        q.splice(i, 1);
        this.busy.add(key);
        this.running.set(clusterId, (this.running.get(clusterId) ?? 0) + 1);
        const ctl = new AbortController();
        const done = this.run(id, ctl.signal).finally(() => {
          this.runs.delete(id);
          this.busy.delete(key);
          this.running.set(clusterId, (this.running.get(clusterId) ?? 1) - 1);
          this.pump();
        });
        this.runs.set(id, { ctl, done });
      }
    }
    this.armRetry();
    this.flushIdle();
  }

  private armRetry(): void {
    if (this.retryTimer || this.closed) return;
    const next = Math.min(...[...this.waitingUntil.entries()].filter(([c]) => this.queues.get(c)?.length).map(([, t]) => t));
    if (!Number.isFinite(next)) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, Math.max(10, next - Date.now()));
    this.retryTimer.unref();
  }

  private isIdle(): boolean {
    if (this.runs.size) return false;
    const now = Date.now();
    for (const [c, q] of this.queues) if (q.length && (this.waitingUntil.get(c) ?? 0) <= now && !this.closed) return false;
    return true;
  }

  private flushIdle(): void {
    if (!this.isIdle()) return;
    const w = this.idleWaiters.splice(0);
    for (const r of w) r();
  }

  // ---- running ------------------------------------------------------------------------

  private async run(id: string, signal: AbortSignal): Promise<void> {
    let op = this.must(id);
    try {
      if (TERMINAL.has(op.state)) return;
      const client = this.o.clientFor(op.clusterId);
      if (op.steps.every((s) => s.state === 'pending')) {
        if (op.cancelRequested) return this.finish(op, 'cancelled', 'Cancelled before it started');
        // Nothing has been sent yet: check the plan still holds on the cluster as it is now.
        const refusal = await this.recheck(op, signal);
        if (refusal) {
          for (const s of op.steps) this.journal.step(id, s.index, { state: 'skipped', detail: 'refused before it started' }, s);
          return this.finish(op, 'refused', refusal);
        }
        op = this.must(id);
      }
      if (op.state !== 'running' || op.waiting) {
        this.journal.setState(id, 'running');
        op = this.must(id);
        this.changed(op);
      }
      // A step failed before a crash or a wait: what remains is its rollback (or just the verdict).
      const failedBefore = op.steps.find((s) => s.state === 'failed' && !isUndo(s.spec));
      if (failedBefore) return await this.afterFailure(op, failedBefore, client, signal);
      for (const step of op.steps) {
        if (isUndo(step.spec)) break;
        if (step.state === 'done' || step.state === 'skipped') continue;
        if (this.must(id).cancelRequested && step.state === 'pending') {
          for (const s of op.steps.filter((x) => x.index >= step.index)) this.journal.step(id, s.index, { state: 'skipped', detail: 'cancelled' }, s);
          return this.finish(this.must(id), 'cancelled', `Cancelled after ${step.index} of ${op.steps.length} steps`);
        }
        const out = await this.runStep(op, step, client, signal);
        this.changed(this.must(id));
        if (out.state === 'failed') return await this.afterFailure(this.must(id), out, client, signal);
      }
      this.finish(this.must(id), 'succeeded', null);
    } catch (e) {
      if (this.closed || e instanceof EngineHalted) {
        if (e instanceof EngineHalted) this.closed = true;
        return;
      }
      if (e instanceof Wait || (isPveError(e) && (e.retryable || e.kind === 'unauthorized'))) {
        const why = e instanceof Wait
          ? e.message
          : e.kind === 'unauthorized'
            ? `The cluster rejected the credentials (${describe(e)}); replace the token and the operation resumes`
            : `${describe(e)}; the operation resumes when the cluster answers`;
        this.journal.setState(id, 'queued', null, why);
        this.waitingUntil.set(op.clusterId, Date.now() + this.retryAfterMs);
        this.enqueue(op);
        this.changed(this.must(id));
        return;
      }
      this.o.log?.warn('operation failed', { id, error: describe(e) });
      this.finish(this.must(id), 'failed', e instanceof AppException ? e.message : `Unexpected failure: ${describe(e)}`);
    }
  }

  /**
   * A step failed. A create whose guest already exists (the clone or create
   * step is done) is rolled back: the half-made guest is destroyed by undo
   * steps journalled like any other, so a crash mid-rollback resumes it. The
   * operation ends failed either way; the reason says whether it was rolled
   * back, or exactly what was left behind.
   */
  private async afterFailure(op: OperationRecord, failed: StepRecord, client: OpsClient, signal: AbortSignal): Promise<void> {
    const why = `step ${failed.index + 1} (${failed.summary}) failed: ${failed.detail ?? 'unknown error'}`;
    const undo = undoFor(op, failed);
    if (!undo) {
      for (const s of op.steps.filter((x) => x.index > failed.index && x.state === 'pending')) this.journal.step(op.id, s.index, { state: 'skipped', detail: `step ${failed.index + 1} failed` }, s);
      return this.finish(this.must(op.id), 'failed', `${why[0]!.toUpperCase()}${why.slice(1)}`);
    }
    if (!op.steps.some((s) => isUndo(s.spec))) {
      this.journal.appendUndo(op.id, failed.index, undo.map((spec) => ({ spec, summary: summarize(spec) })));
      op = this.must(op.id);
      this.changed(op);
    }
    const made = undo[0]!.ref;
    const what = `${made.type === 'qemu' ? 'VM' : 'container'} ${made.vmid} '${op.plan.target.name}'`;
    for (const step of op.steps.filter((s) => isUndo(s.spec))) {
      if (step.state === 'done' || step.state === 'skipped') continue;
      let out: StepRecord;
      try {
        out = await this.runStep(op, step, client, signal);
      } catch (e) {
        // A crash, a shutdown or an unreachable cluster: the rollback resumes with the operation.
        if (this.closed || e instanceof EngineHalted || e instanceof Wait || (isPveError(e) && (e.retryable || e.kind === 'unauthorized'))) throw e;
        out = this.journal.step(op.id, step.index, { state: 'failed', detail: describe(e) }, this.must(op.id).steps[step.index]!);
      }
      this.changed(this.must(op.id));
      if (out.state === 'failed') {
        return this.finish(this.must(op.id), 'failed',
          `Failed, not rolled back: ${why}. Rolling back failed too (${out.detail ?? 'unknown error'}): the half-made ${what} is left on ${made.node}; delete it by hand`);
      }
    }
    this.finish(this.must(op.id), 'failed', `Failed, rolled back: ${why}. The half-made ${what} on ${made.node} was destroyed`);
  }

  private finish(op: OperationRecord, state: OperationState, reason: string | null): void {
    this.journal.setState(op.id, state, reason);
    this.changed(this.must(op.id));
  }

  private async recheck(op: OperationRecord, signal: AbortSignal): Promise<string | null> {
    const fresh = viewFromResources(await this.o.clientFor(op.clusterId).clusterResources(undefined, { signal }));
    const planned = planFor(op.request, fresh, this.planContext(op.clusterId, op.id, await this.moveAdvice(op.request, fresh)));
    if (!planned.ok) {
      if (planned.offline) throw new Wait(`${planned.reasons.join('; ')}; waiting for it to return`);
      return `The plan no longer holds: ${planned.reasons.join('; ')}`;
    }
    const unattested = placementRefusal(op.request, fresh, this.o.attestedHosts);
    if (unattested) return unattested.reason;
    const quota = this.gate.quotaCheck(tenantOfTags(planned.plan.target.tags), planned.plan.quotaDelta, { clusterId: op.clusterId });
    if (!quota.allowed) return quota.reason;
    if (JSON.stringify(planned.steps) !== JSON.stringify(op.steps.map((s) => s.spec))) this.journal.replan(op.id, planned.plan, planned.steps);
    return null;
  }

  private crash(point: CrashPoint, op: OperationRecord, step: number): void {
    this.o.crashHook?.(point, op.id, step);
  }

  private async runStep(op: OperationRecord, initial: StepRecord, client: OpsClient, signal: AbortSignal): Promise<StepRecord> {
    let step = initial;
    let lockFailures = 0;
    for (;;) {
      if (step.state === 'pending') {
        // This process stalled past its lease and another took the journal over: stop before sending anything.
        if (this.o.lease && !this.o.lease.renew()) {
          this.o.log?.warn('operation journal taken over by another process: this engine stops', { id: op.id });
          throw new EngineHalted();
        }
        step = this.journal.step(op.id, step.index, { state: 'intent', intentAt: new Date().toISOString(), upid: null }, step);
        this.crash('before-call', op, step.index);
        let issued;
        try {
          issued = await issue(client, step.spec, signal);
        } catch (e) {
          if (!isPveError(e) || this.closed) throw e;
          if (NOT_SENT_TRANSIENT.has(e.kind)) {
            // PVE never ran the handler (the proxy could not reach the node, or nothing listened).
            step = this.journal.step(op.id, step.index, { state: 'pending', detail: describe(e) }, step);
            throw new Wait(e.kind === 'unauthorized'
              ? `The cluster rejected the credentials (${describe(e)}); replace the token and the operation resumes`
              : `${describe(e)}; waiting for the cluster`);
          }
          if (NOT_APPLIED_PERMANENT.has(e.kind)) {
            if (isLockTimeout(e) && lockFailures < (this.o.lockRetries ?? 3)) {
              lockFailures++;
              step = this.journal.step(op.id, step.index, { state: 'pending', detail: `lock timeout, attempt ${lockFailures}` }, step);
              await sleep(this.o.lockRetryMs ?? 2000, signal);
              continue;
            }
            return this.journal.step(op.id, step.index, { state: 'failed', detail: describe(e) }, step);
          }
          // Timeout, reset, malformed answer: the call may have been carried out. The step stays
          // `intent` and is reconciled when the cluster answers again.
          throw e;
        }
        this.crash('after-call', op, step.index);
        if ('upid' in issued) {
          step = this.journal.step(op.id, step.index, { state: 'submitted', upid: issued.upid }, step);
          this.crash('after-upid', op, step.index);
        } else {
          step = this.journal.step(op.id, step.index, { state: 'done', detail: null }, step);
          this.crash('after-step', op, step.index);
          return step;
        }
      }
      if (step.state === 'intent') {
        const r = await reconcile(client, step.spec, Date.parse(step.intentAt ?? new Date(0).toISOString()), signal, this.journal.claimedUpids());
        if (r.found === 'task') step = this.journal.step(op.id, step.index, { state: 'submitted', upid: r.upid, detail: 'task found on reconcile' }, step);
        else if (r.found === 'effect') {
          step = this.journal.step(op.id, step.index, { state: 'done', detail: 'found applied on reconcile' }, step);
          this.crash('after-step', op, step.index);
          return step;
        } else if (r.found === 'underway') {
          await sleep(this.pollMs, signal);
          continue;
        } else {
          step = this.journal.step(op.id, step.index, { state: 'pending', detail: 'not applied (checked on reconcile); sending again' }, step);
          continue;
        }
      }
      if (step.state === 'submitted') {
        const out = await waitForTask(client, step.upid!, { pollMs: this.pollMs, signal });
        step = out.ok
          ? this.journal.step(op.id, step.index, { state: 'done', ...(out.warnings ? { detail: `${out.warnings} warning(s)` } : {}) }, step)
          : this.journal.step(op.id, step.index, { state: 'failed', detail: out.error }, step);
        this.crash('after-step', op, step.index);
        return step;
      }
      return step;
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  private async view(clusterId: string, allowCache: boolean): Promise<ClusterView> {
    try {
      return viewFromResources(await this.o.clientFor(clusterId).clusterResources());
    } catch (e) {
      const cached = allowCache && isPveError(e) && e.retryable ? this.o.cachedView?.(clusterId) : undefined;
      if (cached) return { ...cached, basis: 'cache' };
      if (isPveError(e)) {
        if (e.kind === 'unauthorized') throw new AppException('unauthenticated', `Cluster rejected the credentials: ${describe(e)}`);
        if (e.kind === 'forbidden') throw new AppException('forbidden', describe(e));
        throw new AppException(e.retryable ? 'unreachable' : 'upstream', `Cluster not reachable and no inventory cached: ${describe(e)}`);
      }
      throw e;
    }
  }

  /** The placement advisor's answer for a migration planned on a live view; nothing otherwise. */
  private async moveAdvice(req: OperationRequest, view: ClusterView): Promise<MoveAdvice | undefined> {
    if (req.action !== 'migrate' || view.basis !== 'live') return undefined;
    const g = view.guests.find((x) => x.vmid === req.vmid);
    if (!g || g.template) return undefined;
    return this.placement.adviseMove(req.clusterId, view, g);
  }

  private planContext(clusterId: string, self?: string, moveAdvice?: MoveAdvice) {
    return {
      ...(moveAdvice ? { moveAdvice } : {}),
      clusterId,
      sizeOf: this.o.sizeOf,
      reservedVmids: this.journal.reservedVmids(clusterId, self),
      isProtectedEnvironment: (g: GuestFacts) => this.gate.isProtectedEnvironment({ clusterId, node: g.node, vmid: g.vmid, name: g.name, tags: g.tags }),
    };
  }

  private gateTarget(plan: OperationRecord['plan']): GateTarget {
    const t = plan.target;
    return { clusterId: t.clusterId, node: t.node, vmid: t.vmid, name: t.name, tags: t.tags };
  }

  private check(d: Decision): void {
    if (!d.allowed) throw new AppException('forbidden', d.reason, { details: { by: d.by, ...d.details } });
  }

  private must(id: string): OperationRecord {
    const op = this.journal.get(id);
    if (!op) throw new AppException('not_found', `No operation ${id}`, { field: 'id' });
    return op;
  }

  private changed(op: OperationRecord): void {
    const stepsDone = op.steps.filter((s) => s.state === 'done' || s.state === 'skipped').length;
    this.o.onChanged?.({ id: op.id, batchId: op.batchId, state: op.state, stepsDone, stepsTotal: op.steps.length, reason: op.reason ?? op.waiting });
  }
}

function readOnlyText(h: { holder: string; pid: number; host: string }): string {
  return `Another Cairn process (${h.holder}, pid ${h.pid} on ${h.host}) runs the operations of this data folder; this one can only show them`;
}

const isUndo = (s: StepSpec): boolean => s.kind === 'destroy' && s.undo === true;

/** The undo steps of a failed operation, or null when nothing it made needs undoing. */
export function undoFor(op: OperationRecord, failed: StepRecord): StepSpec[] | null {
  if (op.action !== 'create' && op.action !== 'createContainer') return null;
  const maker = op.steps.find((s) => s.spec.kind === 'clone' || s.spec.kind === 'create');
  if (!maker || maker.state !== 'done' || maker.index >= failed.index) return null;
  const ref = maker.spec.kind === 'clone' ? { node: maker.spec.target, type: 'qemu' as const, vmid: maker.spec.newid } : maker.spec.ref;
  return [{ kind: 'destroy', ref, undo: true }];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function toDto(op: OperationRecord): OperationDto {
  return {
    id: op.id,
    batchId: op.batchId,
    action: op.action,
    clusterId: op.clusterId,
    actor: op.actor,
    state: op.state,
    reason: op.reason,
    waiting: op.waiting,
    plan: op.plan,
    steps: op.steps.map((s) => ({ index: s.index, kind: s.spec.kind, summary: s.summary, state: s.state, upid: s.upid, detail: s.detail })),
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
  };
}

export function toSummary(op: OperationRecord): OperationSummary {
  return {
    id: op.id,
    batchId: op.batchId,
    action: op.action,
    clusterId: op.clusterId,
    actor: op.actor,
    state: op.state,
    reason: op.reason,
    waiting: op.waiting,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    target: `${op.plan.target.name || '?'} (${op.plan.target.vmid})`,
    stepsDone: op.steps.filter((s) => s.state === 'done' || s.state === 'skipped').length,
    stepsTotal: op.steps.length,
  };
}
