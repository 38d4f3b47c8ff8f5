/**
 * The two things the map persists (migration 9): the last network picture
 * of each cluster with the last failed attempt beside it, and each
 * operator's dragged node positions per view.
 */
import { userInfo } from 'node:os';
import type { TopoPosition } from '../../src-preload/contract';
import type { Db } from '../store/database';
import type { ClusterNetwork } from './network-source';

export interface CachedNetwork {
  clusterId: string;
  fetchedAt: string;
  network: ClusterNetwork;
}

export class NetworkCache {
  constructor(private readonly db: Db) {}

  get(clusterId: string): CachedNetwork | null {
    const row = this.db.prepare('SELECT fetched_at, body FROM topology_network_cache WHERE cluster_id = ?').get(clusterId) as { fetched_at: string; body: string } | undefined;
    if (!row) return null;
    try {
      return { clusterId, fetchedAt: row.fetched_at, network: JSON.parse(row.body) as ClusterNetwork };
    } catch {
      // A damaged row is as good as none: the next refresh replaces it.
      return null;
    }
  }

  put(clusterId: string, fetchedAt: string, network: ClusterNetwork): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO topology_network_cache (cluster_id, fetched_at, body) VALUES (?, ?, ?) ON CONFLICT(cluster_id) DO UPDATE SET fetched_at = excluded.fetched_at, body = excluded.body')
        .run(clusterId, fetchedAt, JSON.stringify(network));
      this.db
        .prepare('INSERT INTO topology_network_attempts (cluster_id, attempted_at, error) VALUES (?, ?, NULL) ON CONFLICT(cluster_id) DO UPDATE SET attempted_at = excluded.attempted_at, error = NULL')
        .run(clusterId, fetchedAt);
    })();
  }

  failed(clusterId: string, at: string, error: string): void {
    this.db
      .prepare('INSERT INTO topology_network_attempts (cluster_id, attempted_at, error) VALUES (?, ?, ?) ON CONFLICT(cluster_id) DO UPDATE SET attempted_at = excluded.attempted_at, error = excluded.error')
      .run(clusterId, at, error);
  }

  lastError(clusterId: string): { at: string; error: string } | null {
    const row = this.db.prepare('SELECT attempted_at, error FROM topology_network_attempts WHERE cluster_id = ?').get(clusterId) as { attempted_at: string; error: string | null } | undefined;
    return row?.error ? { at: row.attempted_at, error: row.error } : null;
  }
}

export class LayoutStore {
  constructor(
    private readonly db: Db,
    private readonly operator: string,
  ) {}

  get(view: string): Record<string, TopoPosition> {
    const row = this.db.prepare('SELECT positions FROM topology_layouts WHERE operator = ? AND view = ?').get(this.operator, view) as { positions: string } | undefined;
    if (!row) return {};
    try {
      const parsed = JSON.parse(row.positions) as Record<string, TopoPosition>;
      const out: Record<string, TopoPosition> = {};
      for (const [id, p] of Object.entries(parsed)) if (Number.isFinite(p?.x) && Number.isFinite(p?.y)) out[id] = { x: p.x, y: p.y };
      return out;
    } catch {
      return {};
    }
  }

  /** Replaces the view's saved positions (the renderer sends every position the operator placed). */
  save(view: string, positions: Record<string, TopoPosition>, at: string): number {
    const clean: Record<string, TopoPosition> = {};
    for (const [id, p] of Object.entries(positions)) clean[id] = { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 };
    this.db
      .prepare('INSERT INTO topology_layouts (operator, view, positions, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(operator, view) DO UPDATE SET positions = excluded.positions, updated_at = excluded.updated_at')
      .run(this.operator, view, JSON.stringify(clean), at);
    return Object.keys(clean).length;
  }

  reset(view: string): void {
    this.db.prepare('DELETE FROM topology_layouts WHERE operator = ? AND view = ?').run(this.operator, view);
  }
}

/** Layouts belong to the OS account running Cairn (the same identity attestation records as operator). */
export function currentOperator(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}
