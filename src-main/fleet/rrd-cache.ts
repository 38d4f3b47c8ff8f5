/**
 * RRD charts with an offline fallback: the live answer is cached per series,
 * and when the cluster cannot be reached the last cached answer is served,
 * marked as cached, so host and site pages still draw a chart.
 */
import type { RrdPoint, RrdSeries, RrdTimeframe } from '../../src-preload/contract';
import type { Db } from '../store/database';
import type { ConnectionRecord } from '../store/connections-repo';
import { AppException } from '../util/app-exception';
import type { ClusterSource } from './inventory-sync';

export class RrdService {
  constructor(
    private readonly db: Db,
    private readonly source: ClusterSource,
  ) {}

  async series(conn: ConnectionRecord, node: string, vmid: number | undefined, timeframe: RrdTimeframe): Promise<RrdSeries> {
    const key = [conn.id, node, vmid ?? 0, timeframe] as const;
    try {
      const points = await this.source.rrd(conn, node, vmid, timeframe, AbortSignal.timeout(15_000));
      const fetchedAt = new Date().toISOString();
      this.db
        .prepare(
          `INSERT INTO fleet_rrd_cache (cluster_id, node, vmid, timeframe, fetched_at, body) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(cluster_id, node, vmid, timeframe) DO UPDATE SET fetched_at = excluded.fetched_at, body = excluded.body`,
        )
        .run(...key, fetchedAt, JSON.stringify(points));
      return { points, cached: false, fetchedAt };
    } catch (err) {
      const row = this.db
        .prepare('SELECT fetched_at, body FROM fleet_rrd_cache WHERE cluster_id = ? AND node = ? AND vmid = ? AND timeframe = ?')
        .get(...key) as { fetched_at: string; body: string } | undefined;
      if (row) return { points: JSON.parse(row.body) as RrdPoint[], cached: true, fetchedAt: row.fetched_at };
      if (err instanceof AppException) throw err;
      throw new AppException('unreachable', `No chart data: the cluster could not be reached and nothing is cached yet`);
    }
  }
}
