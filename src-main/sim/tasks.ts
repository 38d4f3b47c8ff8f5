// PVE worker tasks of one cluster: UPIDs, running -> stopped transitions, exit statuses, logs and
// the per-node task history.
//
// Tasks are settled lazily: nothing runs on timers. Before a request is handled the cluster's
// tasks are settled up to "now" (in end-time order, so effects of a task that ends first happen
// first, and a task may start a follow-up task at its own end time). With a manual clock a test
// controls progress exactly; with the system clock the observable behaviour is the same as timers.

import { unit, hash32 } from './rng';

export interface LogLine {
  /** Position in the task's run, 0..1 of its duration. */
  at: number;
  text: string;
}

export interface TaskSpec {
  node: string;
  type: string;
  /** Usually the vmid; '' for node-level tasks. */
  id: string;
  /** user@realm, or user@realm!tokenid for token-started tasks (as in real UPIDs). */
  user: string;
  durationMs: number;
  lines: LogLine[];
  /** Exit with "WARNINGS: n" instead of "OK". */
  warnings?: number | undefined;
  /** When set the task fails with this exit status. */
  error?: string | undefined;
  /** Where in the run the failure happens (0..1); default 0.6. */
  failAt?: number | undefined;
  /** Effects of the task; `ok` is false when it failed or was stopped. */
  onFinish?: ((ok: boolean, atMs: number) => void) | undefined;
}

export class Task {
  readonly upid: string;
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  /** seconds */
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
  readonly startMs: number;
  endMs: number;
  state: 'running' | 'stopped' = 'running';
  exitstatus: string | undefined;
  private readonly durationMs: number;
  private planned: LogLine[] | (() => LogLine[]);
  private readonly failure: string | undefined;
  private readonly warnings: number;
  private interrupted = false;
  onFinish: ((ok: boolean, atMs: number) => void) | undefined;

  constructor(init: {
    node: string; pid: number; pstart: number; startMs: number; type: string; id: string; user: string;
    durationMs: number; lines: LogLine[] | (() => LogLine[]); error?: string | undefined; failAt?: number | undefined;
    warnings?: number | undefined; onFinish?: ((ok: boolean, atMs: number) => void) | undefined;
  }) {
    this.node = init.node;
    this.pid = init.pid;
    this.pstart = init.pstart;
    this.startMs = init.startMs;
    this.starttime = Math.floor(init.startMs / 1000);
    this.type = init.type;
    this.id = init.id;
    this.user = init.user;
    this.durationMs = Math.max(0, init.durationMs);
    this.planned = init.lines;
    this.failure = init.error;
    this.warnings = init.warnings ?? 0;
    this.onFinish = init.onFinish;
    const failAt = init.error === undefined ? 1 : clamp01(init.failAt ?? 0.6);
    this.endMs = this.startMs + Math.round(this.durationMs * failAt);
    this.upid = formatUpid(this.node, this.pid, this.pstart, this.starttime, this.type, this.id, this.user);
  }

  get ok(): boolean {
    return this.state === 'stopped' && (this.exitstatus === 'OK' || (this.exitstatus?.startsWith('WARNINGS: ') ?? false));
  }

  /** seconds, once stopped */
  get endtime(): number | undefined {
    return this.state === 'stopped' ? Math.floor(this.endMs / 1000) : undefined;
  }

  finish(atMs: number, interrupted = false): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.endMs = Math.min(Math.max(atMs, this.startMs), this.endMs);
    this.interrupted = interrupted;
    if (interrupted) this.exitstatus = 'interrupted by signal';
    else if (this.failure !== undefined) this.exitstatus = this.failure;
    else this.exitstatus = this.warnings > 0 ? `WARNINGS: ${this.warnings}` : 'OK';
    const effect = this.onFinish;
    this.onFinish = undefined;
    try {
      effect?.(this.ok, this.endMs);
    } catch (err) {
      // A broken effect must not fail whichever unrelated request happened to settle the task.
      this.exitstatus = `simulator error: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** Log lines visible at `nowMs`, ending with the TASK line once stopped. */
  log(nowMs: number): string[] {
    // Generated history builds its log on first read, then keeps it.
    if (typeof this.planned === 'function') this.planned = this.planned();
    const planned = this.planned;
    const elapsed = this.state === 'stopped' ? this.endMs - this.startMs : Math.max(0, nowMs - this.startMs);
    const fraction = this.durationMs === 0 ? 1 : elapsed / this.durationMs;
    const out: string[] = [];
    for (const line of planned) if (line.at <= fraction + 1e-9) out.push(line.text);
    if (this.state === 'stopped') {
      if (this.interrupted) out.push('TASK ERROR: interrupted by signal');
      else if (this.failure !== undefined) out.push(`TASK ERROR: ${this.failure}`);
      else out.push(this.warnings > 0 ? `TASK WARNINGS: ${this.warnings}` : 'TASK OK');
    }
    return out;
  }
}

export function formatUpid(node: string, pid: number, pstart: number, starttime: number, type: string, id: string, user: string): string {
  return `UPID:${node}:${hex8(pid)}:${hex8(pstart)}:${hex8(starttime)}:${type}:${id}:${user}:`;
}

export interface ParsedUpid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

/** Mirrors PVE::Tools::upid_decode's pattern (pstart may have 8 or 9 hex digits). */
export function parseUpid(upid: string): ParsedUpid | undefined {
  const m = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(upid);
  if (!m) return undefined;
  return {
    node: m[1] ?? '',
    pid: parseInt(m[3] ?? '0', 16),
    pstart: parseInt(m[4] ?? '0', 16),
    starttime: parseInt(m[5] ?? '0', 16),
    type: m[6] ?? '',
    id: m[7] ?? '',
    user: m[8] ?? '',
  };
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

export interface HistorySource {
  /** Finished tasks of a node before the simulator started, generated deterministically. */
  history(node: string): Task[];
}

/** How long a finished task stays in the "active" list before pvedaemon archives it. */
const ACTIVE_GRACE_MS = 60_000;
/** Tasks kept per cluster; older API-started tasks drop out like rotated task logs. */
const MAX_TASKS = 5000;

export class ClusterTasks {
  private readonly running: Task[] = [];
  private readonly live: Task[] = [];
  private readonly byUpid = new Map<string, Task>();
  private readonly historyByNode = new Map<string, Task[]>();
  private readonly nextPid = new Map<string, number>();

  constructor(
    private readonly seed: number,
    private readonly bootMs: (node: string) => number,
    private readonly historySource: HistorySource,
  ) {}

  start(spec: TaskSpec, nowMs: number): Task {
    const pid = this.allocatePid(spec.node);
    const boot = this.bootMs(spec.node);
    const task = new Task({
      node: spec.node,
      pid,
      // pstart is the process start in clock ticks (USER_HZ=100) since boot.
      pstart: Math.max(1, Math.floor((nowMs - boot) / 10)),
      startMs: nowMs,
      type: spec.type,
      id: spec.id,
      user: spec.user,
      durationMs: spec.durationMs,
      lines: spec.lines,
      error: spec.error,
      failAt: spec.failAt,
      warnings: spec.warnings,
      onFinish: spec.onFinish,
    });
    // Two tasks in the same second on the same node with the same pid cannot happen in PVE;
    // pids only grow here, so UPIDs are unique.
    this.running.push(task);
    this.live.push(task);
    this.byUpid.set(task.upid, task);
    if (this.live.length > MAX_TASKS) {
      const idx = this.live.findIndex((t) => t.state === 'stopped');
      if (idx >= 0) {
        const [dropped] = this.live.splice(idx, 1);
        if (dropped) this.byUpid.delete(dropped.upid);
      }
    }
    return task;
  }

  /** Completes every task whose end time has passed, earliest first. */
  settle(nowMs: number): void {
    for (;;) {
      let next: Task | undefined;
      for (const t of this.running) if (t.endMs <= nowMs && (!next || t.endMs < next.endMs)) next = t;
      if (!next) return;
      this.running.splice(this.running.indexOf(next), 1);
      next.finish(next.endMs);
    }
  }

  stop(task: Task, nowMs: number): void {
    const idx = this.running.indexOf(task);
    if (idx < 0) return;
    this.running.splice(idx, 1);
    task.endMs = Math.max(task.startMs, nowMs);
    task.finish(task.endMs, true);
  }

  find(node: string, upid: string): Task | undefined {
    const live = this.byUpid.get(upid);
    if (live) return live.node === node ? live : undefined;
    return this.history(node).find((t) => t.upid === upid);
  }

  runningCount(): number {
    return this.running.length;
  }

  /** Tasks of one node, newest first. */
  forNode(node: string, source: 'archive' | 'active' | 'all', nowMs: number): Task[] {
    const out: Task[] = [];
    const active = (t: Task): boolean => t.state === 'running' || nowMs - t.endMs < ACTIVE_GRACE_MS;
    for (const t of this.live) {
      if (t.node !== node) continue;
      if (source === 'archive' && t.state === 'running') continue;
      if (source === 'active' && !active(t)) continue;
      out.push(t);
    }
    if (source !== 'active') out.push(...this.history(node));
    return out.sort(byNewest);
  }

  /** Recent tasks of all nodes, like pmxcfs' broadcast task list. */
  recent(nodes: readonly string[], perNode: number): Task[] {
    const out: Task[] = [];
    for (const node of nodes) {
      const mine = this.live.filter((t) => t.node === node).sort(byNewest);
      const rest = mine.length < perNode ? this.history(node).slice(0, perNode - mine.length) : [];
      out.push(...mine.slice(0, perNode), ...rest);
    }
    return out.sort(byNewest);
  }

  private history(node: string): Task[] {
    let list = this.historyByNode.get(node);
    if (!list) {
      list = this.historySource.history(node).sort(byNewest);
      this.historyByNode.set(node, list);
    }
    return list;
  }

  private allocatePid(node: string): number {
    let pid = this.nextPid.get(node);
    if (pid === undefined) pid = 200_000 + Math.floor(unit(this.seed, node, 'pid') * 400_000);
    pid += 1 + (hash32(this.seed, node, pid) % 40);
    this.nextPid.set(node, pid);
    return pid;
  }
}

function byNewest(a: Task, b: Task): number {
  return b.startMs - a.startMs || b.pid - a.pid;
}

/** "2025-06-12 10:00:03", the timestamp prefix migrate and other logs use (node time is UTC here). */
export function logTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
