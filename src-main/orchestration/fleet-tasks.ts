/**
 * PVE tasks fleet-wide, of any origin (Cairn, the PVE web UI, HA,
 * scheduled backups): the recent tasks of every cluster (`/cluster/tasks`),
 * filtered, each marked Cairn's when its UPID is in the operation journal.
 * A failed task that Cairn did not start is noticed once per UPID — the
 * notice is a row (migration 18), so a restart does not notify again — and
 * becomes a toast (the `onFailed` hook) and an alert (`FailedTaskAlertSource`)
 * held while the failure is recent. Failures already in a cluster's task
 * list the first time Cairn reads it are history, not news: they are
 * recorded as the baseline and notify nobody.
 */
import type { FleetTask, FleetTasksRequest, FleetTasksResult } from '../../src-preload/contract';
import type { AlertSource, EvaluationContext, Finding } from '../alerts';
import { taskListSchema, type PveClient, type TaskListEntry } from '../pve';
import type { Db } from '../store/database';

/** Migration 18: failed foreign PVE tasks already noticed (one notification per UPID), and the journal's UPIDs indexed. */
export const FLEET_TASKS_MIGRATION_SQL = `
  CREATE TABLE pve_task_notices (
    upid TEXT PRIMARY KEY,
    cluster_id TEXT NOT NULL,
    node TEXT NOT NULL,
    type TEXT NOT NULL,
    user TEXT NOT NULL,
    status TEXT NOT NULL,
    ended_at TEXT,
    noticed_at TEXT NOT NULL,
    -- 1: already failed when Cairn first read the cluster's tasks (history, never notified).
    baseline INTEGER NOT NULL DEFAULT 0 CHECK (baseline IN (0, 1))
  ) WITHOUT ROWID;
  CREATE INDEX pve_task_notices_noticed ON pve_task_notices(noticed_at);
  -- Clusters whose task list Cairn has read at least once: later failures are news.
  CREATE TABLE pve_task_watch (
    cluster_id TEXT PRIMARY KEY,
    since TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX ops_steps_upid ON ops_steps(upid) WHERE upid IS NOT NULL;
`;

export interface FleetTasksOptions {
  db: Db;
  /** The PVE clusters (connection id and name). */
  clusters: () => { id: string; name: string }[];
  clientFor: (clusterId: string) => Pick<PveClient, 'get'>;
  /** Removes secrets from error text before it leaves main (the app's redactor). */
  scrub?: (text: string) => string;
  /** A failed task Cairn did not start, noticed for the first time. */
  onFailed?: (t: FleetTask) => void;
  now?: () => Date;
  /** Clusters asked at once (default 8). */
  concurrency?: number;
}

const iso = (s: number | undefined): string | null => (s === undefined ? null : new Date(s * 1000).toISOString());
const answered = (clusters: readonly { id: string }[], errors: FleetTasksResult['errors']): Set<string> => {
  const failed = new Set(errors.map((e) => e.clusterId));
  return new Set(clusters.map((c) => c.id).filter((id) => !failed.has(id)));
};

/** `OK` and `WARNINGS: n` are successes; any other final status is PVE's error text. */
export function taskFailed(status: string | null): boolean {
  return status !== null && status !== 'OK' && !status.startsWith('WARNINGS');
}

export class FleetTasks {
  private readonly q;
  private polling: Promise<void> | null = null;
  private readonly now: () => Date;

  constructor(private readonly o: FleetTasksOptions) {
    this.now = o.now ?? (() => new Date());
    this.q = {
      opOf: o.db.prepare('SELECT op_id FROM ops_steps WHERE upid = ?'),
      notice: o.db.prepare(
        `INSERT OR IGNORE INTO pve_task_notices (upid, cluster_id, node, type, user, status, ended_at, noticed_at, baseline) VALUES (@upid, @clusterId, @node, @type, @user, @status, @endedAt, @at, @baseline)`,
      ),
      watch: o.db.prepare('INSERT OR IGNORE INTO pve_task_watch (cluster_id, since) VALUES (?, ?)'),
    };
  }

  /** Recent tasks of every cluster (or one), filtered, newest first; a cluster that does not answer is named in `errors`. */
  async list(req: FleetTasksRequest): Promise<FleetTasksResult> {
    const clusters = this.o.clusters().filter((c) => !req.clusterId || c.id === req.clusterId);
    const { tasks, errors } = await this.fetch(clusters);
    this.notice(tasks, answered(clusters, errors));
    const type = req.type?.toLowerCase();
    const user = req.user?.toLowerCase();
    const out = tasks.filter(
      (t) =>
        (req.status === 'all' ||
          (req.status === 'running' && t.status === null) ||
          (req.status === 'ok' && t.status !== null && !taskFailed(t.status)) ||
          (req.status === 'failed' && taskFailed(t.status))) &&
        (!type || t.type.toLowerCase().includes(type)) &&
        (!req.node || t.node === req.node) &&
        (!user || t.user.toLowerCase().includes(user)) &&
        (req.origin === 'any' || t.origin === req.origin),
    );
    out.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.upid.localeCompare(b.upid));
    return { tasks: out.slice(0, req.limit), errors };
  }

  /** Looks at every cluster's recent tasks for new foreign failures (coalesced: one poll at a time). */
  poll(): Promise<void> {
    const clusters = this.o.clusters();
    this.polling ??= this.fetch(clusters)
      .then(({ tasks, errors }) => this.notice(tasks, answered(clusters, errors)))
      .finally(() => (this.polling = null));
    return this.polling;
  }

  private async fetch(clusters: { id: string; name: string }[]): Promise<FleetTasksResult> {
    const tasks: FleetTask[] = [];
    const errors: FleetTasksResult['errors'] = [];
    const n = Math.max(1, this.o.concurrency ?? 8);
    for (let i = 0; i < clusters.length; i += n) {
      await Promise.all(
        clusters.slice(i, i + n).map(async (c) => {
          try {
            const rows = (await this.o.clientFor(c.id).get('/cluster/tasks', undefined, { schema: taskListSchema, timeoutMs: 15_000 })) as TaskListEntry[];
            for (const r of rows) tasks.push(this.toTask(c, r));
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            errors.push({ clusterId: c.id, clusterName: c.name, message: this.o.scrub ? this.o.scrub(message) : message });
          }
        }),
      );
    }
    return { tasks, errors };
  }

  private toTask(c: { id: string; name: string }, r: TaskListEntry): FleetTask {
    const op = this.q.opOf.get(r.upid) as { op_id: string } | undefined;
    return {
      clusterId: c.id,
      clusterName: c.name,
      upid: r.upid,
      node: r.node ?? '',
      type: r.type ?? '',
      id: r.id ?? '',
      user: r.user ?? '',
      startedAt: iso(r.starttime),
      endedAt: iso(r.endtime),
      status: r.status ?? null,
      origin: op ? 'cairn' : 'other',
      operationId: op?.op_id ?? null,
    };
  }

  /** Records new foreign failures; on a cluster read for the first time they are the baseline, not news. */
  private notice(tasks: readonly FleetTask[], answeredIds: ReadonlySet<string>): void {
    const at = this.now().toISOString();
    const firstLook = new Set([...answeredIds].filter((id) => this.q.watch.run(id, at).changes === 1));
    for (const t of tasks) {
      if (t.origin !== 'other' || !taskFailed(t.status)) continue;
      const baseline = firstLook.has(t.clusterId) ? 1 : 0;
      const r = this.q.notice.run({ upid: t.upid, clusterId: t.clusterId, node: t.node, type: t.type, user: t.user, status: t.status, endedAt: t.endedAt, at, baseline });
      if (r.changes === 1 && !baseline) this.o.onFailed?.(t);
    }
  }
}

/**
 * An alert for each failed PVE task Cairn did not start, from its notice,
 * held for `holdHours` (default 24): the alert list shows it, the badge
 * counts it, and it resolves by itself once it is history.
 */
export class FailedTaskAlertSource implements AlertSource {
  readonly id = 'pve-task-failed';
  private readonly query;

  constructor(
    db: Db,
    private readonly holdHours = 24,
  ) {
    this.query = db.prepare(
      `SELECT n.upid, n.cluster_id, n.node, n.type, n.user, n.status, n.ended_at,
              COALESCE(c.name, k.name, n.cluster_id) AS cluster_name, c.site_id AS site_id, COALESCE(st.name, k.site) AS site_name
       FROM pve_task_notices n
       LEFT JOIN connections k ON k.id = n.cluster_id
       LEFT JOIN fleet_clusters c ON c.id = n.cluster_id
       LEFT JOIN fleet_sites st ON st.id = c.site_id
       WHERE n.noticed_at >= ? AND n.baseline = 0 ORDER BY n.noticed_at`,
    );
  }

  evaluate(ctx: EvaluationContext): Finding[] {
    const since = new Date(ctx.now.getTime() - this.holdHours * 3_600_000).toISOString();
    const rows = this.query.all(since) as { upid: string; cluster_id: string; node: string; type: string; user: string; status: string; ended_at: string | null; cluster_name: string; site_id: string | null; site_name: string | null }[];
    return rows.map((r) => ({
      key: `pve-task-failed:${r.upid}`,
      kind: 'pve-task-failed',
      raise: 'warning',
      sustain: 'warning',
      subject: { kind: 'host', siteId: r.site_id, siteName: r.site_name, clusterId: r.cluster_id, clusterName: r.cluster_name, node: r.node, storage: null },
      message: `PVE task ${r.type} on ${r.node} (${r.cluster_name}) by ${r.user} failed${r.ended_at ? ` at ${r.ended_at}` : ''}: ${r.status}`,
      value: null,
      levels: null,
      unit: '',
    }));
  }
}
