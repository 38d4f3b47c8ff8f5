/**
 * The built-in alert sources, each one SQL aggregate over the fleet cache
 * (never a query per host: 500 sites are 6,000 hosts), filtered in SQL to
 * the rows near a threshold so the JavaScript side only sees candidates.
 */
import type { AlertSubject } from '../../src-preload/contract';
import type { Db } from '../store/database';
import { falling, holdFloor, rising } from './thresholds';
import type { AlertSource, CapacityForecast, EvaluationContext, Finding, ForecastProvider } from './types';

interface Place {
  cluster_id: string;
  cluster_name: string;
  site_id: string | null;
  site_name: string | null;
}

function clusterSubject(p: Place): AlertSubject {
  return { kind: 'cluster', siteId: p.site_id, siteName: p.site_name, clusterId: p.cluster_id, clusterName: p.cluster_name, node: null, storage: null };
}

const pct = (n: number): string => `${Math.round(n * 10) / 10} %`;
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Clusters joined to their connection name and site: the FROM clause every per-cluster source shares. */
const CLUSTER_PLACE = `
  FROM connections k
  LEFT JOIN fleet_clusters c ON c.id = k.id
  LEFT JOIN fleet_sites st ON st.id = c.site_id`;
const PLACE_COLUMNS = `k.id AS cluster_id, COALESCE(c.name, k.name) AS cluster_name, c.site_id AS site_id, COALESCE(st.name, k.site) AS site_name`;

/** A cluster whose sync failed N times in a row (the count resets on the first success). */
export class SyncFailingSource implements AlertSource {
  readonly id = 'sync-failing';
  private readonly query;
  constructor(db: Db) {
    this.query = db.prepare(
      `SELECT ${PLACE_COLUMNS}, y.failures, y.last_error, y.last_success_at
       ${CLUSTER_PLACE}
       JOIN fleet_sync y ON y.cluster_id = k.id
       WHERE k.kind = 'pve' AND y.failures >= ?`,
    );
  }

  evaluate(ctx: EvaluationContext): Finding[] {
    const levels = ctx.thresholds.syncFailures;
    const rows = this.query.all(levels.warning) as (Place & { failures: number; last_error: string | null; last_success_at: string | null })[];
    const out: Finding[] = [];
    for (const r of rows) {
      const l = rising(r.failures, levels, 0);
      if (!l) continue;
      // The last success is in the cluster's sync state; the message says what an operator acts on.
      const since = r.last_success_at ? '' : ' (never synced)';
      out.push({
        key: `sync-failing:${r.cluster_id}`,
        kind: 'sync-failing',
        ...l,
        subject: clusterSubject(r),
        message: `Sync of ${r.cluster_name} failed ${r.failures === 1 ? 'once' : `${r.failures} times in a row`}${since}: ${r.last_error ?? 'no error recorded'}`,
        value: r.failures,
        levels,
        unit: 'failures',
      });
    }
    return out;
  }
}

/**
 * A cluster with no successful sync for k intervals although its syncs do
 * not fail (a hung or stopped sync): a failing sync already has its own
 * alert, and one cause should page once.
 */
export class StaleClusterSource implements AlertSource {
  readonly id = 'stale';
  private readonly query;
  constructor(db: Db) {
    this.query = db.prepare(
      `SELECT ${PLACE_COLUMNS}, y.last_success_at
       ${CLUSTER_PLACE}
       JOIN fleet_sync y ON y.cluster_id = k.id
       WHERE k.kind = 'pve' AND y.last_success_at IS NOT NULL AND y.last_success_at < ? AND y.failures < ?`,
    );
  }

  evaluate(ctx: EvaluationContext): Finding[] {
    const levels = ctx.thresholds.staleIntervals;
    const interval = Math.max(1, ctx.syncIntervalSeconds);
    const cutoff = new Date(ctx.now.getTime() - levels.warning * interval * 1000).toISOString();
    const rows = this.query.all(cutoff, ctx.thresholds.syncFailures.warning) as (Place & { last_success_at: string })[];
    const out: Finding[] = [];
    for (const r of rows) {
      const ageSeconds = Math.max(0, (ctx.now.getTime() - Math.max(Date.parse(r.last_success_at), ctx.watchingSince.getTime())) / 1000);
      const intervals = Math.floor(ageSeconds / interval);
      const l = rising(intervals, levels, 0);
      if (!l) continue;
      out.push({
        key: `stale:${r.cluster_id}`,
        kind: 'stale',
        ...l,
        subject: clusterSubject(r),
        message: `No successful sync of ${r.cluster_name} since ${r.last_success_at.slice(0, 19).replace('T', ' ')} UTC (${intervals} sync intervals); showing cached data`,
        value: intervals,
        levels,
        unit: 'intervals',
      });
    }
    return out;
  }
}

interface NodeRow extends Place {
  node: string;
  cpu_pct: number;
  mem_pct: number | null;
  disk_pct: number | null;
}

/** CPU, memory and root-disk use of every online host (one query for all three). */
export class HostUtilisationSource implements AlertSource {
  readonly id = 'host-utilisation';
  private readonly query;
  constructor(db: Db) {
    this.query = db.prepare(
      `SELECT * FROM (
         SELECT n.cluster_id, c.name AS cluster_name, c.site_id, st.name AS site_name, n.node,
                n.cpu * 100.0 AS cpu_pct,
                CASE WHEN n.maxmem > 0 THEN n.mem * 100.0 / n.maxmem END AS mem_pct,
                CASE WHEN n.maxdisk > 0 THEN n.disk * 100.0 / n.maxdisk END AS disk_pct
         FROM fleet_nodes n
         JOIN fleet_clusters c ON c.id = n.cluster_id
         LEFT JOIN fleet_sites st ON st.id = c.site_id
         WHERE n.status = 'online')
       WHERE cpu_pct >= ? OR mem_pct >= ? OR disk_pct >= ?`,
    );
  }

  evaluate(ctx: EvaluationContext): Finding[] {
    const t = ctx.thresholds;
    const m = t.clearMargin;
    const rows = this.query.all(holdFloor(t.cpu, m), holdFloor(t.memory, m), holdFloor(t.storage, m)) as NodeRow[];
    const out: Finding[] = [];
    for (const r of rows) {
      const subject: AlertSubject = { ...clusterSubject(r), kind: 'host', node: r.node };
      const metrics = [
        ['host-cpu', 'CPU', r.cpu_pct, t.cpu],
        ['host-memory', 'Memory', r.mem_pct, t.memory],
        ['host-disk', 'Root disk', r.disk_pct, t.storage],
      ] as const;
      for (const [kind, label, value, levels] of metrics) {
        if (value === null) continue;
        const l = rising(value, levels, m);
        if (!l) continue;
        out.push({
          key: `${kind}:${r.cluster_id}/${r.node}`,
          kind,
          ...l,
          subject,
          message: `${label} of host ${r.node} (${r.cluster_name}) at ${pct(value)}`,
          value: round1(value),
          levels,
          unit: '%',
        });
      }
    }
    return out;
  }
}

/**
 * Storage of a pool (cluster): shared storage appears once per node in the
 * cache and is counted once; local storage is per node. The `*` node marks
 * a shared storage in keys.
 */
const DISTINCT_STORAGE = `
  SELECT cluster_id, CASE WHEN shared = 1 THEN '*' ELSE node END AS node, storage, content,
         MAX(disk) AS disk, MAX(maxdisk) AS maxdisk
  FROM fleet_storage WHERE status = 'available' AND maxdisk > 0
  GROUP BY cluster_id, CASE WHEN shared = 1 THEN '*' ELSE node END, storage`;

/** Every storage (local per node, shared once per cluster) near its limit. */
export class StorageUtilisationSource implements AlertSource {
  readonly id = 'storage-utilisation';
  private readonly query;
  constructor(db: Db) {
    this.query = db.prepare(
      `SELECT s.cluster_id, c.name AS cluster_name, c.site_id, st.name AS site_name, s.node, s.storage, s.disk * 100.0 / s.maxdisk AS pct
       FROM (${DISTINCT_STORAGE}) s
       JOIN fleet_clusters c ON c.id = s.cluster_id
       LEFT JOIN fleet_sites st ON st.id = c.site_id
       WHERE s.disk * 100.0 / s.maxdisk >= ?`,
    );
  }

  evaluate(ctx: EvaluationContext): Finding[] {
    const t = ctx.thresholds;
    const rows = this.query.all(holdFloor(t.storage, t.clearMargin)) as (Place & { node: string; storage: string; pct: number })[];
    const out: Finding[] = [];
    for (const r of rows) {
      const l = rising(r.pct, t.storage, t.clearMargin);
      if (!l) continue;
      const shared = r.node === '*';
      out.push({
        key: `storage:${r.cluster_id}/${r.node}/${r.storage}`,
        kind: 'storage',
        ...l,
        subject: { ...clusterSubject(r), kind: 'storage', node: shared ? null : r.node, storage: r.storage },
        message: `Storage ${r.storage} ${shared ? `(shared, ${r.cluster_name})` : `on ${r.node} (${r.cluster_name})`} at ${pct(r.pct)}`,
        value: round1(r.pct),
        levels: t.storage,
        unit: '%',
      });
    }
    return out;
  }
}

/**
 * Pool (= cluster) totals: CPU and memory of online hosts, guest storage
 * counted once. A pool with one online host is that host: its host and
 * storage alerts already say everything, so it raises nothing here.
 */
export class PoolUtilisationSource implements AlertSource {
  readonly id = 'pool-utilisation';
  private readonly query;
  constructor(db: Db) {
    this.query = db.prepare(
      `SELECT * FROM (
         SELECT c.id AS cluster_id, c.name AS cluster_name, c.site_id, st.name AS site_name,
                (SELECT CASE WHEN SUM(n.maxcpu) > 0 THEN SUM(n.cpu * n.maxcpu) * 100.0 / SUM(n.maxcpu) END
                   FROM fleet_nodes n WHERE n.cluster_id = c.id AND n.status = 'online') AS cpu_pct,
                (SELECT CASE WHEN SUM(n.maxmem) > 0 THEN SUM(n.mem) * 100.0 / SUM(n.maxmem) END
                   FROM fleet_nodes n WHERE n.cluster_id = c.id AND n.status = 'online') AS mem_pct,
                g.pct AS storage_pct,
                (SELECT COUNT(*) FROM fleet_nodes n WHERE n.cluster_id = c.id AND n.status = 'online') AS online
         FROM fleet_clusters c
         LEFT JOIN fleet_sites st ON st.id = c.site_id
         LEFT JOIN (
           SELECT cluster_id, SUM(disk) * 100.0 / SUM(maxdisk) AS pct FROM (${DISTINCT_STORAGE})
           WHERE content LIKE '%images%' OR content LIKE '%rootdir%'
           GROUP BY cluster_id) g ON g.cluster_id = c.id)
       WHERE online >= 2 AND (cpu_pct >= ? OR mem_pct >= ? OR storage_pct >= ?)`,
    );
  }

  evaluate(ctx: EvaluationContext): Finding[] {
    const t = ctx.thresholds;
    const m = t.clearMargin;
    const rows = this.query.all(holdFloor(t.cpu, m), holdFloor(t.memory, m), holdFloor(t.storage, m)) as (Place & {
      cpu_pct: number | null;
      mem_pct: number | null;
      storage_pct: number | null;
    })[];
    const out: Finding[] = [];
    for (const r of rows) {
      const metrics = [
        ['pool-cpu', 'CPU', r.cpu_pct, t.cpu],
        ['pool-memory', 'Memory', r.mem_pct, t.memory],
        ['pool-storage', 'Guest storage', r.storage_pct, t.storage],
      ] as const;
      for (const [kind, label, value, levels] of metrics) {
        if (value === null) continue;
        const l = rising(value, levels, m);
        if (!l) continue;
        out.push({
          key: `${kind}:${r.cluster_id}`,
          kind,
          ...l,
          subject: clusterSubject(r),
          message: `${label} of pool ${r.cluster_name} at ${pct(value)}`,
          value: round1(value),
          levels,
          unit: '%',
        });
      }
    }
    return out;
  }
}

/** A host the cluster reports offline (from the last successful sync). */
export class HostOfflineSource implements AlertSource {
  readonly id = 'host-offline';
  private readonly query;
  constructor(db: Db) {
    this.query = db.prepare(
      `SELECT n.cluster_id, c.name AS cluster_name, c.site_id, st.name AS site_name, n.node
       FROM fleet_nodes n
       JOIN fleet_clusters c ON c.id = n.cluster_id
       LEFT JOIN fleet_sites st ON st.id = c.site_id
       WHERE n.status = 'offline'`,
    );
  }

  evaluate(): Finding[] {
    return (this.query.all() as (Place & { node: string })[]).map((r) => ({
      key: `host-offline:${r.cluster_id}/${r.node}`,
      kind: 'host-offline',
      raise: 'critical',
      sustain: 'critical',
      subject: { ...clusterSubject(r), kind: 'host', node: r.node },
      message: `Host ${r.node} of ${r.cluster_name} is offline`,
      value: null,
      levels: null,
      unit: '',
    }));
  }
}

/**
 * Forecast alerts from whatever the capacity engine projects: days until a
 * resource of a subject reaches its limit. Held until the forecast moves
 * 10 % of the warning horizon (at least a day) past a level, so a projection
 * that wobbles around 30 days does not flap.
 */
export class ForecastSource implements AlertSource {
  readonly id = 'forecast';
  constructor(private readonly provider: ForecastProvider) {}

  async evaluate(ctx: EvaluationContext): Promise<Finding[]> {
    const levels = ctx.thresholds.forecastDays;
    const margin = Math.max(1, Math.round(levels.warning * 0.1));
    const out: Finding[] = [];
    for (const f of await this.provider.forecasts(ctx.now)) {
      if (f.daysUntilLimit === null || !Number.isFinite(f.daysUntilLimit)) continue;
      const l = falling(f.daysUntilLimit, levels, margin);
      if (!l) continue;
      out.push({
        key: `forecast:${f.resource}:${subjectKey(f.subject)}`,
        kind: 'forecast',
        ...l,
        subject: f.subject,
        message: `${f.resource} of ${subjectLabel(f.subject)} projected to reach ${f.limitPercent} % in ${Math.round(f.daysUntilLimit)} days`,
        value: round1(f.daysUntilLimit),
        levels,
        unit: 'days',
      });
    }
    return out;
  }
}

export function subjectKey(s: AlertSubject): string {
  return [s.clusterId ?? s.siteId ?? '-', s.node ?? '*', s.storage ?? '*'].join('/');
}

export function subjectLabel(s: AlertSubject): string {
  if (s.kind === 'host') return `host ${s.node ?? '?'}`;
  if (s.kind === 'storage') return `storage ${s.storage ?? '?'}`;
  if (s.kind === 'site') return `site ${s.siteName ?? s.siteId ?? '?'}`;
  return `pool ${s.clusterName ?? s.clusterId ?? '?'}`;
}

export type { CapacityForecast };

/** The built-in sources over one database. */
export function builtInSources(db: Db): AlertSource[] {
  return [
    new SyncFailingSource(db),
    new StaleClusterSource(db),
    new HostOfflineSource(db),
    new HostUtilisationSource(db),
    new StorageUtilisationSource(db),
    new PoolUtilisationSource(db),
  ];
}
