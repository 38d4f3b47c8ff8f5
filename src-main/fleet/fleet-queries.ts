/**
 * Read side of the fleet cache: the DTOs every fleet view shows, computed
 * from SQLite only. Staleness is judged here, from the sync table and the
 * sync interval, so an offline console shows honestly old data.
 */
import type {
  ClusterSync,
  FleetSummary,
  GuestPage,
  GuestQuery,
  Health,
  HostDetail,
  HostRow,
  SearchHit,
  SiteDetail,
  SiteRow,
} from '../../src-preload/contract';
import { GuestQuerySchema } from '../../src-preload/contract';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { parseGuestQuery } from './guest-filter';
import { GuestIndex, type SortField } from './guest-index';
import type { InventoryRepo } from './inventory-repo';

interface SyncRow {
  cluster_id: string;
  name: string | null;
  conn_name: string;
  site: string | null;
  last_success_at: string | null;
  last_attempt_at: string | null;
  last_error: string | null;
}



export class FleetQueries {
  private readonly index: GuestIndex;

  constructor(
    private readonly db: Db,
    private readonly intervalSeconds: () => number,
    private readonly now: () => number = Date.now,
    inventory?: InventoryRepo,
  ) {
    this.index = new GuestIndex(db);
    inventory?.subscribe((id) => this.index.invalidate([id]));
  }

  syncStates(): ClusterSync[] {
    const rows = this.db
      .prepare(
        `SELECT k.id AS cluster_id, c.name, k.name AS conn_name, COALESCE(st.name, k.site) AS site,
                y.last_success_at, y.last_attempt_at, y.last_error
         FROM connections k
         LEFT JOIN fleet_clusters c ON c.id = k.id
         LEFT JOIN fleet_sites st ON st.id = c.site_id
         LEFT JOIN fleet_sync y ON y.cluster_id = k.id
         WHERE k.kind = 'pve'
         ORDER BY k.name`,
      )
      .all() as SyncRow[];
    return rows.map((r) => this.toSync(r));
  }

  private toSync(r: SyncRow): ClusterSync {
    const success = r.last_success_at ? Date.parse(r.last_success_at) : null;
    const attempt = r.last_attempt_at ? Date.parse(r.last_attempt_at) : null;
    const staleness = success === null ? null : Math.max(0, Math.round((this.now() - success) / 1000));
    let state: ClusterSync['state'];
    if (success === null) state = r.last_error ? 'error' : 'never';
    else if (r.last_error && attempt !== null && attempt >= success) state = 'stale';
    else if (staleness !== null && staleness > this.intervalSeconds() * 3 + 5) state = 'stale';
    else state = 'ok';
    return {
      clusterId: r.cluster_id,
      name: r.name ?? r.conn_name,
      site: r.site ?? r.conn_name,
      state,
      lastSuccessAt: r.last_success_at,
      lastAttemptAt: r.last_attempt_at,
      lastError: r.last_error,
      stalenessSeconds: staleness,
    };
  }

  private staleCache: { at: number; map: Map<string, ClusterSync> } | null = null;

  /**
   * Sync state per cluster for marking rows stale. Guest pages are fetched
   * many times a second while scrolling; a second-old view of 500 clusters'
   * sync state is exact enough for a badge.
   */
  /** A sync batch just finished: the next page shows its outcome, not the cached second-old view. */
  syncStatesChanged(): void {
    this.staleCache = null;
  }

  private staleByCluster(): Map<string, ClusterSync> {
    const now = this.now();
    if (this.staleCache && now - this.staleCache.at < 1000) return this.staleCache.map;
    const map = new Map(this.syncStates().map((s) => [s.clusterId, s]));
    this.staleCache = { at: now, map };
    return map;
  }

  sites(): SiteRow[] {
    const rows = this.db
      .prepare(
        `SELECT s.id, s.name, s.region, s.kind,
           (SELECT COUNT(*) FROM fleet_clusters c WHERE c.site_id = s.id) AS clusters,
           (SELECT COUNT(*) FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id WHERE c.site_id = s.id) AS hosts,
           (SELECT COUNT(*) FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id WHERE c.site_id = s.id AND n.status = 'online') AS hosts_online,
           (SELECT COALESCE(SUM(n.cpu * n.maxcpu), 0) FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id WHERE c.site_id = s.id) AS cpu_used,
           (SELECT COALESCE(SUM(n.maxcpu), 0) FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id WHERE c.site_id = s.id) AS cpu_total,
           (SELECT COALESCE(SUM(n.mem), 0) FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id WHERE c.site_id = s.id) AS mem_used,
           (SELECT COALESCE(SUM(n.maxmem), 0) FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id WHERE c.site_id = s.id) AS mem_total
         FROM fleet_sites s ORDER BY s.region, s.name`,
      )
      .all() as {
      id: string;
      name: string;
      region: string;
      kind: 'edge' | 'datacentre';
      clusters: number;
      hosts: number;
      hosts_online: number;
      cpu_used: number;
      cpu_total: number;
      mem_used: number;
      mem_total: number;
    }[];
    const guestCounts = new Map(
      (
        this.db
          .prepare(
            `SELECT c.site_id AS site, COUNT(*) AS total, SUM(g.status = 'running') AS running
             FROM fleet_guests g JOIN fleet_clusters c ON c.id = g.cluster_id WHERE g.template = 0 GROUP BY c.site_id`,
          )
          .all() as { site: string; total: number; running: number }[]
      ).map((r) => [r.site, r]),
    );
    const clusterSite = this.db.prepare('SELECT id, site_id, quorate FROM fleet_clusters').all() as { id: string; site_id: string; quorate: number | null }[];
    const sync = this.staleByCluster();
    const staleReasons = new Map<string, string>();
    const notQuorate = new Set<string>();
    for (const c of clusterSite) {
      const s = sync.get(c.id);
      if (s && (s.state === 'stale' || s.state === 'error') && !staleReasons.has(c.site_id)) {
        staleReasons.set(c.site_id, s.lastError ?? `no successful sync for ${s.stalenessSeconds ?? '?'} s`);
      }
      if (c.quorate === 0) notQuorate.add(c.site_id);
    }
    return rows.map((r) => {
      const g = guestCounts.get(r.id);
      const stale = staleReasons.has(r.id);
      let health: Health;
      if (r.hosts === 0) health = 'unknown';
      else if (r.hosts_online === 0) health = 'down';
      else if (r.hosts_online < r.hosts || notQuorate.has(r.id)) health = 'degraded';
      else health = 'ok';
      if (stale && health === 'ok') health = 'stale';
      return {
        id: r.id,
        name: r.name,
        region: r.region,
        kind: r.kind,
        clusters: r.clusters,
        hosts: r.hosts,
        hostsOnline: r.hosts_online,
        guests: g?.total ?? 0,
        guestsRunning: g?.running ?? 0,
        health,
        stale,
        staleReason: staleReasons.get(r.id) ?? null,
        cpuUsed: r.cpu_total > 0 ? r.cpu_used / r.cpu_total : 0,
        memUsedBytes: r.mem_used,
        memTotalBytes: r.mem_total,
      };
    });
  }

  summary(): FleetSummary {
    const sites = this.sites();
    const sync = this.syncStates();
    const c = this.db
      .prepare(
        `SELECT
           (SELECT COUNT(*) FROM fleet_clusters) AS clusters,
           (SELECT COUNT(*) FROM fleet_nodes) AS hosts,
           (SELECT COUNT(*) FROM fleet_nodes WHERE status = 'online') AS hosts_online,
           (SELECT COUNT(*) FROM fleet_guests WHERE template = 0) AS guests,
           (SELECT COUNT(*) FROM fleet_guests WHERE template = 0 AND status = 'running') AS running,
           (SELECT COUNT(*) FROM fleet_guests WHERE template = 0 AND type = 'qemu') AS vms,
           (SELECT COUNT(*) FROM fleet_guests WHERE template = 0 AND type = 'lxc') AS cts`,
      )
      .get() as { clusters: number; hosts: number; hosts_online: number; guests: number; running: number; vms: number; cts: number };
    const last = sync.map((s) => s.lastSuccessAt).filter((x): x is string => x !== null).sort().at(-1) ?? null;
    const health = { ok: 0, degraded: 0, down: 0, stale: 0 };
    for (const s of sites) {
      if (s.health === 'ok') health.ok++;
      else if (s.health === 'degraded') health.degraded++;
      else if (s.health === 'down') health.down++;
      else if (s.health === 'stale') health.stale++;
    }
    return {
      sites: sites.length,
      clusters: c.clusters,
      hosts: c.hosts,
      hostsOnline: c.hosts_online,
      guests: c.guests,
      guestsRunning: c.running,
      vms: c.vms,
      containers: c.cts,
      staleClusters: sync.filter((s) => s.state === 'stale').length,
      erroredClusters: sync.filter((s) => s.state === 'error').length,
      lastSyncAt: last,
      health,
    };
  }

  site(siteId: string): SiteDetail {
    const site = this.sites().find((s) => s.id === siteId);
    if (!site) throw new AppException('not_found', `No site ${siteId} in the inventory`, { field: 'siteId' });
    const clusterIds = new Set(
      (this.db.prepare('SELECT id FROM fleet_clusters WHERE site_id = ?').all(siteId) as { id: string }[]).map((r) => r.id),
    );
    return {
      site,
      clusters: this.syncStates().filter((s) => clusterIds.has(s.clusterId)),
      hosts: this.hosts('c.site_id = ?', [siteId]),
    };
  }

  private hosts(where: string, params: unknown[]): HostRow[] {
    const sync = this.staleByCluster();
    const rows = this.db
      .prepare(
        `SELECT n.*, s.name AS site,
           (SELECT COUNT(*) FROM fleet_guests g WHERE g.cluster_id = n.cluster_id AND g.node = n.node AND g.template = 0) AS guests
         FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id JOIN fleet_sites s ON s.id = c.site_id
         WHERE ${where} ORDER BY n.node`,
      )
      .all(...params) as {
      cluster_id: string;
      node: string;
      site: string;
      status: string;
      cpu: number;
      maxcpu: number;
      mem: number;
      maxmem: number;
      disk: number;
      maxdisk: number;
      uptime: number;
      guests: number;
    }[];
    return rows.map((r) => {
      const st = sync.get(r.cluster_id)?.state;
      return {
        clusterId: r.cluster_id,
        node: r.node,
        site: r.site,
        status: r.status === 'online' || r.status === 'offline' ? r.status : 'unknown',
        cpu: r.cpu,
        maxcpu: r.maxcpu,
        mem: r.mem,
        maxmem: r.maxmem,
        disk: r.disk,
        maxdisk: r.maxdisk,
        uptime: r.uptime,
        guests: r.guests,
        stale: st === 'stale' || st === 'error',
      };
    });
  }

  host(clusterId: string, node: string): HostDetail {
    const [host] = this.hosts('n.cluster_id = ? AND n.node = ?', [clusterId, node]);
    if (!host) throw new AppException('not_found', `No host ${node} in that cluster`, { field: 'node' });
    return { host, guests: this.index.onHost(clusterId, node).map((r) => ({ ...r, stale: host.stale })) };
  }

  guests(raw: GuestQuery): GuestPage {
    const q = GuestQuerySchema.parse(raw);
    const page = this.index.query(parseGuestQuery(q.query), q.sort.field as SortField, q.sort.dir, q.offset, q.limit);
    const sync = this.staleByCluster();
    return {
      total: page.total,
      rows: page.rows.map((r) => {
        const st = sync.get(r.clusterId)?.state;
        return { ...r, stale: st === 'stale' || st === 'error' };
      }),
    };
  }

  search(q: string, limit: number): SearchHit[] {
    const term = q.trim();
    if (!term) return [];
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const hits: SearchHit[] = [];
    const sites = this.db
      .prepare("SELECT id, name, region FROM fleet_sites WHERE name LIKE ? ESCAPE '\\' OR region LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?")
      .all(like, like, limit) as { id: string; name: string; region: string }[];
    for (const s of sites) hits.push({ kind: 'site', label: s.name, detail: s.region, siteId: s.id });
    const hosts = this.db
      .prepare(
        `SELECT n.cluster_id, n.node, s.id AS site_id, s.name AS site FROM fleet_nodes n JOIN fleet_clusters c ON c.id = n.cluster_id
         JOIN fleet_sites s ON s.id = c.site_id WHERE n.node LIKE ? ESCAPE '\\' ORDER BY n.node LIMIT ?`,
      )
      .all(like, limit) as { cluster_id: string; node: string; site_id: string; site: string }[];
    for (const h of hosts) hits.push({ kind: 'host', label: h.node, detail: h.site, siteId: h.site_id, clusterId: h.cluster_id, node: h.node });
    for (const { row: g, siteId } of this.index.search(term, limit))
      hits.push({
        kind: 'guest',
        label: g.name,
        detail: `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} · ${g.node} · ${g.site}`,
        siteId,
        clusterId: g.clusterId,
        node: g.node,
        vmid: g.vmid,
      });
    return hits.slice(0, limit * 3);
  }
}
