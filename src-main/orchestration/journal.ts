/**
 * The operation journal in SQLite: the current state of each operation and
 * step (what a restarted engine resumes from) and the append-only event
 * history. Every transition is one transaction that updates the state row
 * and appends its event, so the two never disagree after a crash.
 */
import type { OperationPlan, OperationRequest, OperationState, StepState } from '../../src-preload/contract';
import type { Db } from '../store/database';
import type { StepSpec } from './steps';

export interface StepRecord {
  index: number;
  spec: StepSpec;
  summary: string;
  state: StepState;
  upid: string | null;
  intentAt: string | null;
  detail: string | null;
}

export interface OperationRecord {
  id: string;
  seq: number;
  batchId: string | null;
  action: string;
  clusterId: string;
  actor: string;
  request: OperationRequest;
  plan: OperationPlan;
  state: OperationState;
  reason: string | null;
  waiting: string | null;
  cancelRequested: boolean;
  createdAt: string;
  updatedAt: string;
  steps: StepRecord[];
}

export interface JournalEvent {
  seq: number;
  opId: string;
  index: number | null;
  at: string;
  type: string;
  data: unknown;
}

interface OpRow {
  id: string;
  seq: number;
  batch_id: string | null;
  action: string;
  cluster_id: string;
  actor: string;
  request: string;
  plan: string;
  state: OperationState;
  reason: string | null;
  waiting: string | null;
  cancel_requested: number;
  created_at: string;
  updated_at: string;
}

interface StepRow {
  op_id: string;
  idx: number;
  spec: string;
  state: StepState;
  upid: string | null;
  intent_at: string | null;
  detail: string | null;
}

export const TERMINAL: ReadonlySet<OperationState> = new Set(['succeeded', 'failed', 'cancelled', 'refused']);

export class Journal {
  private readonly q;
  /** Step writes and the time they took, for the benchmark's journal-overhead figure. */
  writes = 0;
  writeMs = 0;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.q = {
      insertOp: db.prepare(
        `INSERT INTO ops_operations (id, seq, batch_id, action, cluster_id, actor, request, plan, state, reason, waiting, created_at, updated_at)
         VALUES (@id, @seq, @batch_id, @action, @cluster_id, @actor, @request, @plan, @state, @reason, NULL, @at, @at)`,
      ),
      nextSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM ops_operations'),
      insertStep: db.prepare('INSERT INTO ops_steps (op_id, idx, spec, state) VALUES (?, ?, ?, ?)'),
      deleteSteps: db.prepare('DELETE FROM ops_steps WHERE op_id = ?'),
      setPlan: db.prepare('UPDATE ops_operations SET plan = ?, updated_at = ? WHERE id = ?'),
      setState: db.prepare('UPDATE ops_operations SET state = ?, reason = ?, waiting = ?, updated_at = ? WHERE id = ?'),
      setCancel: db.prepare('UPDATE ops_operations SET cancel_requested = 1, updated_at = ? WHERE id = ?'),
      setStep: db.prepare('UPDATE ops_steps SET state = ?, upid = ?, intent_at = ?, detail = ?, finished_at = ? WHERE op_id = ? AND idx = ?'),
      event: db.prepare('INSERT INTO ops_events (op_id, idx, at, type, data) VALUES (?, ?, ?, ?, ?)'),
      getOp: db.prepare('SELECT * FROM ops_operations WHERE id = ?'),
      steps: db.prepare('SELECT op_id, idx, spec, state, upid, intent_at, detail FROM ops_steps WHERE op_id = ? ORDER BY idx'),
      byStates: db.prepare(`SELECT * FROM ops_operations WHERE state IN ('queued', 'running') ORDER BY seq`),
      events: db.prepare('SELECT * FROM ops_events WHERE op_id = ? ORDER BY seq'),
      upids: db.prepare('SELECT upid FROM ops_steps WHERE upid IS NOT NULL').pluck(),
    };
  }

  create(op: { id: string; batchId: string | null; clusterId: string; actor: string; request: OperationRequest; plan: OperationPlan; steps: StepSpec[]; state: OperationState; reason?: string | null }): OperationRecord {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      const seq = (this.q.nextSeq.get() as { n: number }).n;
      this.q.insertOp.run({
        id: op.id,
        seq,
        batch_id: op.batchId,
        action: op.request.action,
        cluster_id: op.clusterId,
        actor: op.actor,
        request: JSON.stringify(op.request),
        plan: JSON.stringify(op.plan),
        state: op.state,
        reason: op.reason ?? null,
        at,
      });
      op.steps.forEach((s, i) => this.q.insertStep.run(op.id, i, JSON.stringify(s), 'pending'));
      this.q.event.run(op.id, null, at, op.state, JSON.stringify({ actor: op.actor, reason: op.reason ?? null }));
    })();
    return this.get(op.id)!;
  }

  /** Replaces the plan of an operation none of whose steps has started (re-planning on fresh inventory). */
  replan(id: string, plan: OperationPlan, steps: StepSpec[]): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      const cur = this.q.steps.all(id) as StepRow[];
      if (cur.some((s) => s.state !== 'pending')) throw new Error(`operation ${id} has started steps; it resumes, it is not re-planned`);
      this.q.deleteSteps.run(id);
      steps.forEach((s, i) => this.q.insertStep.run(id, i, JSON.stringify(s), 'pending'));
      this.q.setPlan.run(JSON.stringify(plan), at, id);
      this.q.event.run(id, null, at, 'replanned', JSON.stringify({ steps: steps.length }));
    })();
  }

  /**
   * Starts the rollback of a failed operation in one transaction: the steps
   * after the failed one that never started are skipped, and the undo steps
   * are appended (journalled like any step, so a crash mid-rollback resumes it).
   */
  appendUndo(id: string, failedIndex: number, undo: { spec: StepSpec; summary: string }[]): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      const row = this.q.getOp.get(id) as OpRow | undefined;
      if (!row) throw new Error(`no operation ${id}`);
      const plan = JSON.parse(row.plan) as OperationPlan;
      const cur = this.q.steps.all(id) as StepRow[];
      for (const s of cur) {
        if (s.idx > failedIndex && s.state === 'pending') {
          this.q.setStep.run('skipped', s.upid, s.intent_at, `step ${failedIndex + 1} failed`, at, id, s.idx);
          this.q.event.run(id, s.idx, at, 'step-skipped', JSON.stringify({ upid: null, detail: `step ${failedIndex + 1} failed` }));
        }
      }
      undo.forEach((u, k) => {
        const index = cur.length + k;
        this.q.insertStep.run(id, index, JSON.stringify(u.spec), 'pending');
        plan.steps.push({ index, kind: u.spec.kind, summary: u.summary });
      });
      this.q.setPlan.run(JSON.stringify(plan), at, id);
      this.q.event.run(id, null, at, 'rollback', JSON.stringify({ failedStep: failedIndex, steps: undo.length }));
    })();
  }

  setState(id: string, state: OperationState, reason: string | null = null, waiting: string | null = null): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.q.setState.run(state, reason, waiting, at, id);
      this.q.event.run(id, null, at, state, JSON.stringify({ reason, waiting }));
    })();
  }

  requestCancel(id: string): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.q.setCancel.run(at, id);
      this.q.event.run(id, null, at, 'cancel-requested', null);
    })();
  }

  /** Journals one step transition (and its event) atomically. */
  step(id: string, index: number, next: { state: StepState; upid?: string | null; intentAt?: string | null; detail?: string | null }, prev: StepRecord): StepRecord {
    const at = this.now().toISOString();
    const rec: StepRecord = {
      ...prev,
      state: next.state,
      upid: next.upid !== undefined ? next.upid : prev.upid,
      intentAt: next.intentAt !== undefined ? next.intentAt : prev.intentAt,
      detail: next.detail !== undefined ? next.detail : prev.detail,
    };
    const finished = rec.state === 'done' || rec.state === 'failed' || rec.state === 'skipped' ? at : null;
    const t0 = performance.now();
    this.db.transaction(() => {
      this.q.setStep.run(rec.state, rec.upid, rec.intentAt, rec.detail, finished, id, index);
      this.q.event.run(id, index, at, `step-${rec.state}`, JSON.stringify({ upid: rec.upid, detail: rec.detail }));
    })();
    this.writeMs += performance.now() - t0;
    this.writes++;
    return rec;
  }

  /** Every UPID the journal already attributes to a step: such a task is that step's, never another's. */
  claimedUpids(): Set<string> {
    return new Set(this.q.upids.all() as string[]);
  }

  get(id: string): OperationRecord | undefined {
    const row = this.q.getOp.get(id) as OpRow | undefined;
    return row ? this.hydrate(row) : undefined;
  }

  /** Operations the executor owns: queued or running, in submission order. */
  active(): OperationRecord[] {
    return (this.q.byStates.all() as OpRow[]).map((r) => this.hydrate(r));
  }

  list(filter: { state?: OperationState; batchId?: string; limit?: number } = {}): OperationRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    if (filter.batchId) {
      where.push('batch_id = ?');
      args.push(filter.batchId);
    }
    const sql = `SELECT * FROM ops_operations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    args.push(filter.limit ?? 200);
    return (this.db.prepare(sql).all(...args) as OpRow[]).map((r) => this.hydrate(r));
  }

  /** VMIDs that open operations on a cluster will create (their clone and create steps' targets). */
  reservedVmids(clusterId: string, except?: string): Set<number> {
    const rows = this.db
      .prepare(
        `SELECT s.spec FROM ops_steps s JOIN ops_operations o ON o.id = s.op_id
         WHERE o.cluster_id = ? AND o.state IN ('planned', 'queued', 'running') AND o.id IS NOT ? AND (s.spec LIKE '{"kind":"clone"%' OR s.spec LIKE '{"kind":"create"%')`,
      )
      .all(clusterId, except ?? null) as { spec: string }[];
    const out = new Set<number>();
    for (const r of rows) {
      const s = JSON.parse(r.spec) as StepSpec;
      if (s.kind === 'clone') out.add(s.newid);
      else if (s.kind === 'create') out.add(s.ref.vmid);
    }
    return out;
  }

  events(id: string): JournalEvent[] {
    return (this.q.events.all(id) as { seq: number; op_id: string; idx: number | null; at: string; type: string; data: string | null }[]).map((e) => ({
      seq: e.seq,
      opId: e.op_id,
      index: e.idx,
      at: e.at,
      type: e.type,
      data: e.data === null ? null : (JSON.parse(e.data) as unknown),
    }));
  }

  private hydrate(row: OpRow): OperationRecord {
    const plan = JSON.parse(row.plan) as OperationPlan;
    const steps = (this.q.steps.all(row.id) as StepRow[]).map((s) => ({
      index: s.idx,
      spec: JSON.parse(s.spec) as StepSpec,
      summary: plan.steps[s.idx]?.summary ?? '',
      state: s.state,
      upid: s.upid,
      intentAt: s.intent_at,
      detail: s.detail,
    }));
    return {
      id: row.id,
      seq: row.seq,
      batchId: row.batch_id,
      action: row.action,
      clusterId: row.cluster_id,
      actor: row.actor,
      request: JSON.parse(row.request) as OperationRequest,
      plan,
      state: row.state,
      reason: row.reason,
      waiting: row.waiting,
      cancelRequested: row.cancel_requested === 1,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      steps,
    };
  }
}
