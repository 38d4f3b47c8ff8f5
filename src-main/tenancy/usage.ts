/**
 * Tenant usage from the fleet inventory (SQLite cache). What counts: every
 * non-template guest tagged `tenant-<id>`, running or stopped, with its
 * configured vCPUs (`cpus`), memory (`maxmem`) and disk (`maxdisk`). A
 * quota is a reservation: a stopped guest can be started at any moment
 * without asking, so its allocation is already spoken for. Templates never
 * run and are cloned into guests that are counted then.
 */
import type { QuotaScope, ResourceAmounts } from '../../src-preload/contract';
import type { Db } from '../store/database';
import { addAmounts, ZERO } from './quota';

export const USAGE_BASIS =
  'Configured allocations of every non-template guest tagged tenant-<id>, running and stopped (a stopped guest may start at any time without a quota check): vCPUs, memory, disk as PVE reports it, and the guest count.';

export interface PoolUsage {
  tenant: string;
  clusterId: string;
  clusterName: string;
  siteId: string;
  siteName: string;
  usage: ResourceAmounts;
}

export interface ScopeRow {
  tenant: string;
  scope: QuotaScope;
  scopeLabel: string;
  usage: ResourceAmounts;
}

export class UsageReader {
  constructor(private readonly db: Db) {}

  tenantsInInventory(): string[] {
    return (this.db.prepare('SELECT DISTINCT tenant FROM fleet_guests WHERE tenant IS NOT NULL AND template = 0 ORDER BY tenant').pluck().all() as string[]).filter(
      (t) => typeof t === 'string' && t.length > 0,
    );
  }

  pools(tenant?: string): PoolUsage[] {
    const rows = this.db
      .prepare(
        `SELECT g.tenant AS tenant, c.id AS clusterId, c.name AS clusterName, s.id AS siteId, s.name AS siteName,
                SUM(g.cpus) AS vcpu, SUM(g.maxmem) AS mem, SUM(g.maxdisk) AS disk, COUNT(*) AS guests
           FROM fleet_guests g
           JOIN fleet_clusters c ON c.id = g.cluster_id
           JOIN fleet_sites s ON s.id = c.site_id
          WHERE g.tenant IS NOT NULL AND g.template = 0 AND (? IS NULL OR g.tenant = ?)
          GROUP BY g.tenant, c.id
          ORDER BY g.tenant, s.name, c.name`,
      )
      .all(tenant ?? null, tenant ?? null) as { tenant: string; clusterId: string; clusterName: string; siteId: string; siteName: string; vcpu: number; mem: number; disk: number; guests: number }[];
    return rows.map((r) => ({
      tenant: r.tenant,
      clusterId: r.clusterId,
      clusterName: r.clusterName,
      siteId: r.siteId,
      siteName: r.siteName,
      usage: { vcpu: r.vcpu, memBytes: r.mem, storageBytes: r.disk, guests: r.guests },
    }));
  }

  /** Per tenant: the fleet, each site and each pool where it has guests. */
  scopes(tenant?: string): ScopeRow[] {
    const out: ScopeRow[] = [];
    const byTenant = new Map<string, PoolUsage[]>();
    for (const p of this.pools(tenant)) byTenant.set(p.tenant, [...(byTenant.get(p.tenant) ?? []), p]);
    for (const [t, pools] of byTenant) {
      out.push({ tenant: t, scope: { kind: 'fleet' }, scopeLabel: 'fleet', usage: pools.reduce((a, p) => addAmounts(a, p.usage), ZERO) });
      const sites = new Map<string, { name: string; usage: ResourceAmounts }>();
      for (const p of pools) {
        const s = sites.get(p.siteId) ?? { name: p.siteName, usage: ZERO };
        sites.set(p.siteId, { name: s.name, usage: addAmounts(s.usage, p.usage) });
      }
      for (const [id, s] of sites) out.push({ tenant: t, scope: { kind: 'site', id }, scopeLabel: `site ${s.name}`, usage: s.usage });
      for (const p of pools) out.push({ tenant: t, scope: { kind: 'pool', id: p.clusterId }, scopeLabel: `pool ${p.clusterName}`, usage: p.usage });
    }
    return out;
  }

  /** The usage of one tenant at exactly one scope (zero when it has nothing there). */
  at(tenant: string, scope: QuotaScope): ResourceAmounts {
    const pools = this.pools(tenant).filter((p) => scope.kind === 'fleet' || (scope.kind === 'site' ? p.siteId === scope.id : p.clusterId === scope.id));
    return pools.reduce((a, p) => addAmounts(a, p.usage), ZERO);
  }

  /** The site a pool belongs to, and names for labels; null when the inventory does not know it. */
  pool(clusterId: string): { siteId: string; siteName: string; clusterName: string } | null {
    const r = this.db
      .prepare('SELECT c.name AS clusterName, s.id AS siteId, s.name AS siteName FROM fleet_clusters c JOIN fleet_sites s ON s.id = c.site_id WHERE c.id = ?')
      .get(clusterId) as { clusterName: string; siteId: string; siteName: string } | undefined;
    return r ?? null;
  }

  siteName(siteId: string): string | null {
    return (this.db.prepare('SELECT name FROM fleet_sites WHERE id = ?').pluck().get(siteId) as string | undefined) ?? null;
  }

  /** The tenants whose guests live in a pool (who a pool "belongs to" for tenant scope). */
  poolTenants(clusterId: string): string[] {
    return this.db.prepare('SELECT DISTINCT tenant FROM fleet_guests WHERE cluster_id = ? AND tenant IS NOT NULL ORDER BY tenant').pluck().all(clusterId) as string[];
  }

  /** A guest's tenant; undefined when the inventory has no such guest. */
  guestTenant(clusterId: string, vmid: number): string | null | undefined {
    const r = this.db.prepare('SELECT tenant FROM fleet_guests WHERE cluster_id = ? AND vmid = ?').get(clusterId, vmid) as { tenant: string | null } | undefined;
    return r === undefined ? undefined : r.tenant;
  }

  scopeLabel(scope: QuotaScope): string {
    if (scope.kind === 'fleet') return 'fleet';
    if (scope.kind === 'site') return `site ${this.siteName(scope.id) ?? scope.id}`;
    return `pool ${this.pool(scope.id)?.clusterName ?? scope.id}`;
  }
}
