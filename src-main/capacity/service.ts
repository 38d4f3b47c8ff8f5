/**
 * CapacityService: the capacity channels over the fleet cache. Reads the
 * model from SQLite on every call (the cache is the source of truth and is
 * small next to the engine's work), fetches HA policies live through a port
 * (remembering the last live answer for this run, so an unreachable pool is
 * analysed with its last known rules, or with none, and says which), and
 * RRD history through the fleet's RRD cache (offline fallback included).
 */
import type {
  AlertSubject,
  CapacityFigures,
  CapacityHistory,
  CapacityOverview,
  CapacitySettings,
  Consumer,
  HaRulesInfo,
  HostCapacity,
  PlaceResult,
  PoolCapacity,
  PoolHeadroom,
  RrdPoint,
  RrdTimeframe,
  ServiceCatalogueDto,
  SiteCapacity,
  SizePoolResult,
  TenantUsage,
  VmSizeId,
  WhatIfResult,
} from '../../src-preload/contract';
import type { AttestationRepo } from '../attestation';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { advise, NO_QUOTAS, type HostAttestationGate, type QuotaSource } from './advisor';
import { poolSizeFor, vmSize, type ServiceCatalogue } from './catalogue';
import { forecast } from './forecast';
import { NO_HA_POLICY, normaliseHaPolicy, type HaPolicy, type HaPolicySource } from './ha-policy';
import { n1, recoverSite, simulateLoss, type AttestationLookup, type N1Result } from './headroom';
import { hostAttestations, readPools, type HostAttestation } from './inventory';
import { addFigures, DEFAULT_LIMITS, emptyFigures, figuresOf, hostKey, poolFigures, tenantsOf, type HostModel, type Limits, type PoolModel } from './model';
import { sizePool } from './sizing';

/** A node's RRD series through the fleet's cache (live, or the last cached answer when offline). */
export type NodeRrdSource = (clusterId: string, node: string, timeframe: RrdTimeframe) => Promise<{ points: RrdPoint[]; cached: boolean }>;

export interface CapacityServiceOptions {
  db: Db;
  catalogue: ServiceCatalogue | Error;
  haPolicies: HaPolicySource | null;
  rrd: NodeRrdSource;
  attestation: Pick<AttestationRepo, 'latestByGuest'>;
  /** Attested placement for confidential guests (the attestation module's gate); absent: the lookup alone. */
  attestedHosts?: HostAttestationGate;
  staleClusters: () => ReadonlySet<string>;
  quotas?: QuotaSource;
  now?: () => Date;
  /** How long a live HA policy fetch may take before the pool is analysed without it (default 8 s). */
  policyTimeoutMs?: number;
}

/**
 * A pool's projected days until a resource reaches its limit: the shape the
 * alert engine's ForecastProvider port asks for (alerts/types.ts), kept
 * structural so capacity does not depend on alerts.
 */
export interface PoolForecast {
  subject: AlertSubject;
  resource: 'memory' | 'cpu';
  daysUntilLimit: number | null;
  limitPercent: number;
}

/** Forecasts for alerts are recomputed at most this often per pool: the month RRD moves every 12 h. */
const FORECAST_TTL_MS = 3_600_000;
const FORECAST_LIMIT = 0.8;

interface CachedPolicy {
  policy: HaPolicy;
  fetchedAt: string;
}

const TOP = 10;

export class CapacityService {
  private readonly policies = new Map<string, CachedPolicy>();
  private readonly lastPolicyError = new Map<string, { message: string; at: number }>();
  private readonly now: () => Date;
  private readonly quotas: QuotaSource;

  private readonly forecastCache = new Map<string, { at: number; items: PoolForecast[] }>();
  private forecastRun: Promise<void> | null = null;

  constructor(private readonly o: CapacityServiceOptions) {
    this.now = o.now ?? (() => new Date());
    this.quotas = o.quotas ?? NO_QUOTAS;
  }

  catalogue(): ServiceCatalogueDto {
    return this.cat();
  }

  private cat(): ServiceCatalogue {
    if (this.o.catalogue instanceof Error) throw new AppException('not_found', `The service catalogue could not be loaded: ${this.o.catalogue.message}`);
    return this.o.catalogue;
  }

  private limits(s?: Partial<CapacitySettings>): Limits {
    return { cpuOvercommit: s?.cpuOvercommit ?? DEFAULT_LIMITS.cpuOvercommit, memCeiling: s?.memCeiling ?? DEFAULT_LIMITS.memCeiling };
  }

  private model(): { pools: PoolModel[]; att: Map<string, HostAttestation>; lookup: AttestationLookup } {
    const pools = readPools(this.o.db, this.o.staleClusters());
    const att = hostAttestations(this.o.attestation, pools, this.now().getTime());
    return { pools, att, lookup: (c, n) => att.get(hostKey(c, n))?.state ?? 'none' };
  }

  /** The pool's HA policy: live when asked and reachable, else the last live answer of this run, else none. */
  private async policy(clusterId: string, live: boolean): Promise<{ policy: HaPolicy; info: HaRulesInfo }> {
    // A pool that just failed is not asked again for a minute: a fleet with dead clusters must not
    // make every advisor call wait for their timeouts.
    const failed = this.lastPolicyError.get(clusterId);
    const recentlyFailed = failed !== undefined && this.now().getTime() - failed.at < 60_000;
    if (live && this.o.haPolicies && !recentlyFailed) {
      try {
        const raw = await this.o.haPolicies.fetch(clusterId, AbortSignal.timeout(this.o.policyTimeoutMs ?? 8000));
        const c = { policy: normaliseHaPolicy(raw), fetchedAt: this.now().toISOString() };
        this.policies.set(clusterId, c);
        this.lastPolicyError.delete(clusterId);
        return { policy: c.policy, info: info(c, 'live', 'HA rules fetched from the cluster just now.') };
      } catch (err) {
        this.lastPolicyError.set(clusterId, { message: err instanceof Error ? err.message : String(err), at: this.now().getTime() });
      }
    }
    const cached = this.policies.get(clusterId);
    const why = this.lastPolicyError.get(clusterId)?.message;
    if (cached) return { policy: cached.policy, info: info(cached, 'cached', why ? `Cluster unreachable (${why}); using the HA rules fetched at ${cached.fetchedAt}.` : `HA rules as fetched at ${cached.fetchedAt}.`) };
    const note = !this.o.haPolicies
      ? 'No Proxmox VE client for this pool: computed without HA rules.'
      : why
        ? `HA rules could not be fetched (${why}): computed without rules (no affinity constraints).`
        : 'HA rules not fetched yet (open the pool to fetch them): computed without rules.';
    return { policy: NO_HA_POLICY, info: { source: 'none', fetchedAt: null, model: 'none', nodeAffinity: 0, resourceAffinity: 0, note } };
  }

  private async policies_(clusterIds: readonly string[], live: boolean): Promise<Map<string, { policy: HaPolicy; info: HaRulesInfo }>> {
    const out = new Map<string, { policy: HaPolicy; info: HaRulesInfo }>();
    // Bounded fan-out: a fleet of hundreds of pools must not open hundreds of sockets at once.
    for (let i = 0; i < clusterIds.length; i += 16) {
      const chunk = clusterIds.slice(i, i + 16);
      const got = await Promise.all(chunk.map((id) => this.policy(id, live && !this.policies.has(id))));
      chunk.forEach((id, k) => out.set(id, got[k] as { policy: HaPolicy; info: HaRulesInfo }));
    }
    return out;
  }

  private poolDto(p: PoolModel, r: N1Result, rules: HaRulesInfo, att: Map<string, HostAttestation>): PoolCapacity {
    const hosts: HostCapacity[] = p.hosts.map((h) => {
      const guests = p.guests.filter((g) => g.node === h.node);
      const a = att.get(hostKey(h.clusterId, h.node));
      return {
        clusterId: h.clusterId,
        node: h.node,
        online: h.online,
        guests: guests.length,
        haGuests: guests.filter((g) => g.ha).length,
        figures: figuresOf([h], guests),
        attestation: a?.state ?? 'none',
        attestedAt: a?.at ?? null,
      };
    });
    let catalogueSize: PoolCapacity['catalogueSize'] = null;
    if (!(this.o.catalogue instanceof Error)) catalogueSize = poolSizeFor(this.o.catalogue, p.hosts.length, p.kind);
    return {
      clusterId: p.clusterId,
      name: p.name,
      siteId: p.siteId,
      siteName: p.siteName,
      region: p.region,
      kind: p.kind,
      catalogueSize,
      tenants: tenantsOf(p),
      stale: p.stale,
      figures: poolFigures(p),
      hosts,
      headroom: {
        verdict: r.verdict,
        worstHost: r.worst && (r.worst.notFitting > 0 || r.worst.displaced > 0) ? (r.worst.lost[0] ?? null) : null,
        haGuests: r.haGuests,
        notFitting: r.worst?.notFitting ?? 0,
        exact: r.exact,
        rules,
      },
    };
  }

  async overview(settings?: Partial<CapacitySettings>): Promise<CapacityOverview> {
    const limits = this.limits(settings);
    const { pools, att, lookup } = this.model();
    // The overview never waits on the network: rules as last fetched this run, or none (said per pool).
    const pol = await this.policies_(pools.map((p) => p.clusterId), false);
    const dtos = pools.map((p) => {
      const x = pol.get(p.clusterId) as { policy: HaPolicy; info: HaRulesInfo };
      return this.poolDto(p, n1(p, x.policy, limits, lookup), x.info, att);
    });
    const sites = new Map<string, SiteCapacity>();
    let fleet: CapacityFigures = emptyFigures();
    for (const d of dtos) {
      const s = sites.get(d.siteId) ?? { id: d.siteId, name: d.siteName, region: d.region, kind: d.kind, figures: emptyFigures(), pools: [] };
      s.figures = addFigures(s.figures, d.figures);
      s.pools.push(d.clusterId);
      sites.set(d.siteId, s);
      fleet = addFigures(fleet, d.figures);
    }
    return {
      generatedAt: this.now().toISOString(),
      settings: limits,
      fleet,
      sites: [...sites.values()],
      pools: dtos,
      topConsumers: consumers(pools),
      tenants: this.tenants(pools),
      quota: { available: this.quotas.available, note: this.quotas.note },
    };
  }

  private tenants(pools: readonly PoolModel[]): TenantUsage[] {
    const by = new Map<string, TenantUsage & { poolIds: Set<string> }>();
    for (const p of pools)
      for (const g of p.guests) {
        if (!g.tenant) continue;
        const t = by.get(g.tenant) ?? { tenant: g.tenant, pools: 0, guests: 0, running: 0, vcpu: 0, mem: 0, disk: 0, quota: null, poolIds: new Set<string>() };
        t.poolIds.add(p.clusterId);
        t.guests++;
        t.disk += g.disk;
        if (g.running) {
          t.running++;
          t.vcpu += g.vcpu;
          t.mem += g.mem;
        }
        by.set(g.tenant, t);
      }
    return [...by.values()]
      .map(({ poolIds, ...t }) => {
        const q = this.quotas.quota(t.tenant);
        return { ...t, pools: poolIds.size, quota: q ? { vcpu: q.vcpu, mem: q.mem } : null };
      })
      .sort((a, b) => b.mem - a.mem || a.tenant.localeCompare(b.tenant));
  }

  private findPool(pools: PoolModel[], clusterId: string): PoolModel {
    const p = pools.find((x) => x.clusterId === clusterId);
    if (!p) throw new AppException('not_found', `No pool ${clusterId} in the inventory (has it synced yet?)`, { field: 'clusterId' });
    return p;
  }

  async pool(clusterId: string, settings?: Partial<CapacitySettings>): Promise<PoolHeadroom> {
    const limits = this.limits(settings);
    const { pools, att, lookup } = this.model();
    const p = this.findPool(pools, clusterId);
    const { policy, info: rules } = await this.policy(clusterId, true);
    const r = n1(p, policy, limits, lookup);
    return {
      pool: this.poolDto(p, r, rules, att),
      losses: r.losses.map((l) => ({ lost: l.lost.join(', '), survives: l.survives, exact: l.exact, displaced: l.displaced, notFitting: l.notFitting })),
      worst: r.worst?.outcomes ?? [],
      settings: limits,
      topConsumers: consumers([p]),
    };
  }

  async whatIf(req: { lose: { kind: 'host'; clusterId: string; node: string } | { kind: 'site'; siteId: string }; settings?: Partial<CapacitySettings> | undefined }): Promise<WhatIfResult> {
    const limits = this.limits(req.settings);
    const { pools, lookup } = this.model();
    const counts = (outcomes: WhatIfResult['outcomes']) => ({
      restarted: outcomes.filter((o) => o.outcome === 'restarted').length,
      doesNotFit: outcomes.filter((o) => o.outcome === 'does-not-fit').length,
      down: outcomes.filter((o) => o.outcome === 'down').length,
      recoverable: outcomes.filter((o) => o.outcome === 'recoverable').length,
      unrecoverable: outcomes.filter((o) => o.outcome === 'unrecoverable').length,
    });
    if (req.lose.kind === 'host') {
      const lose = req.lose;
      const p = this.findPool(pools, lose.clusterId);
      const h = p.hosts.find((x) => x.node === lose.node);
      if (!h) throw new AppException('not_found', `No host ${lose.node} in pool ${p.name}`, { field: 'lose.node' });
      const { policy, info: rules } = await this.policy(p.clusterId, true);
      const r = simulateLoss(p, new Set([h.node]), policy, limits, lookup);
      const notes: string[] = [];
      if (!h.online) notes.push(`${h.node} is already offline: its guests are not running, so nothing moves.`);
      if (r.displaced === 0 && h.online) notes.push(`No HA-managed guest runs on ${h.node}: nothing is restarted elsewhere.`);
      return { scenario: `Lose host ${h.node} (${p.name}, ${p.siteName})`, kind: 'host', settings: limits, outcomes: sortOutcomes(r.outcomes), hosts: r.hosts, counts: counts(r.outcomes), rules: [{ clusterId: p.clusterId, pool: p.name, info: rules }], exact: r.exact, notes };
    }
    const siteId = req.lose.siteId;
    const lost = pools.filter((p) => p.siteId === siteId);
    if (lost.length === 0) throw new AppException('not_found', `No site ${siteId} in the inventory`, { field: 'lose.siteId' });
    const pol = await this.policies_(lost.map((p) => p.clusterId), true);
    const r = recoverSite(pools, siteId, new Map([...pol].map(([k, v]) => [k, v.policy])), limits, lookup);
    return {
      scenario: `Lose site ${lost[0]?.siteName ?? siteId} (${lost.length} pool${lost.length === 1 ? '' : 's'}, ${lost.reduce((s, p) => s + p.hosts.length, 0)} hosts)`,
      kind: 'site',
      settings: limits,
      outcomes: sortOutcomes(r.outcomes),
      hosts: r.hosts,
      counts: counts(r.outcomes),
      rules: lost.map((p) => ({ clusterId: p.clusterId, pool: p.name, info: (pol.get(p.clusterId) as { info: HaRulesInfo }).info })),
      exact: r.exact,
      notes: r.notes,
    };
  }

  async place(req: { size: VmSizeId; tenant: string; confidential: boolean; ha: boolean; settings?: Partial<CapacitySettings> | undefined }): Promise<PlaceResult> {
    const limits = this.limits(req.settings);
    const vm = vmSize(this.cat(), req.size);
    const { pools, lookup } = this.model();
    const pol = await this.policies_(pools.map((p) => p.clusterId), true);
    const res = advise({
      pools,
      policies: new Map([...pol].map(([k, v]) => [k, v.policy])),
      limits,
      vm: { size: vm.id, label: vm.label, vcpu: vm.vcpu, mem: vm.memBytes },
      tenant: req.tenant,
      confidential: req.confidential,
      ha: req.ha,
      attestation: lookup,
      attestedHosts: this.o.attestedHosts,
      quotas: this.quotas,
    });
    const without = [...pol.values()].filter((v) => v.info.source === 'none').length;
    if (without) res.notes.push(`${without} pool(s) analysed without HA rules (not reachable): their HA reserve ignores affinity.`);
    return res;
  }

  /**
   * What the move advisor needs beside a live pool (orchestration builds the pool from PVE):
   * the pool's HA policy (live, else last live, else none — said in `rulesNote`), each host's
   * attestation state and the planning limits.
   */
  async moveContext(clusterId: string, settings?: Partial<CapacitySettings>): Promise<{ policy: HaPolicy; rulesNote: string; attestation: AttestationLookup; limits: Limits }> {
    const { lookup } = this.model();
    const { policy, info: rules } = await this.policy(clusterId, true);
    return { policy, rulesNote: rules.note, attestation: lookup, limits: this.limits(settings) };
  }

  sizePool(req: { demand: { size: VmSizeId; count: number }[]; settings?: Partial<CapacitySettings> | undefined }): SizePoolResult {
    return sizePool(this.cat(), req.demand, this.limits(req.settings));
  }

  async history(req: { clusterId?: string | undefined; siteId?: string | undefined; node?: string | undefined; timeframe: RrdTimeframe; threshold: number }): Promise<CapacityHistory> {
    const pools = readPools(this.o.db);
    let hosts: HostModel[];
    if (req.siteId !== undefined) {
      hosts = pools.filter((p) => p.siteId === req.siteId).flatMap((p) => p.hosts);
      if (hosts.length === 0) throw new AppException('not_found', `No site ${req.siteId} in the inventory`, { field: 'siteId' });
    } else {
      const p = this.findPool(pools, req.clusterId ?? '');
      hosts = req.node ? p.hosts.filter((h) => h.node === req.node) : p.hosts;
      if (req.node && hosts.length === 0) throw new AppException('not_found', `No host ${req.node} in pool ${p.name}`, { field: 'node' });
    }
    return this.historyOf(hosts, req.timeframe, req.threshold);
  }

  private async historyOf(hosts: readonly HostModel[], timeframe: RrdTimeframe, threshold: number): Promise<CapacityHistory> {
    const req = { timeframe, threshold };
    const answers = await Promise.all(
      hosts.map((h) =>
        this.o.rrd(h.clusterId, h.node, req.timeframe).then(
          (r) => ({ h, r }),
          () => ({ h, r: null }),
        ),
      ),
    );
    const sums = new Map<number, { busy: number; threads: number; mem: number; maxmem: number; cpuN: number; memN: number }>();
    for (const { h, r } of answers) {
      if (!r) continue;
      for (const pt of r.points) {
        const t = pt.time < 1e12 ? pt.time * 1000 : pt.time;
        const s = sums.get(t) ?? { busy: 0, threads: 0, mem: 0, maxmem: 0, cpuN: 0, memN: 0 };
        if (pt.cpu !== null) {
          s.busy += pt.cpu * h.threads;
          s.threads += h.threads;
          s.cpuN++;
        }
        if (pt.mem !== null) {
          s.mem += pt.mem;
          s.maxmem += pt.maxmem ?? h.memBytes;
          s.memN++;
        }
        sums.set(t, s);
      }
    }
    const present = answers.filter((a) => a.r).length;
    // A bucket only counts when every host that answered has a value in it; a partial sum would dip.
    const points = [...sums]
      .sort((a, b) => a[0] - b[0])
      .map(([time, s]) => ({ time, cpu: s.cpuN === present && s.threads > 0 ? s.busy / s.threads : null, mem: s.memN === present && s.maxmem > 0 ? s.mem / s.maxmem : null }));
    const cpu = forecast(points.map((x) => [x.time, x.cpu] as const), req.threshold);
    const mem = forecast(points.map((x) => [x.time, x.mem] as const), req.threshold);
    return {
      timeframe: req.timeframe,
      points,
      trend: { cpu: cpu.trend, mem: mem.trend },
      cpu: cpu.forecast,
      mem: mem.forecast,
      cached: answers.some((a) => a.r?.cached),
      missing: answers.filter((a) => !a.r).map((a) => a.h.node),
    };
  }

  /**
   * For the alert engine (its ForecastProvider port): the pools' forecasts as
   * last computed, answered at once; a background pass refreshes pools whose
   * forecast is older than an hour, so an alert evaluation never waits on RRD.
   */
  forecasts(now: Date): PoolForecast[] {
    this.forecastRun ??= this.refreshForecasts(now).finally(() => (this.forecastRun = null));
    return [...this.forecastCache.values()].flatMap((c) => c.items);
  }

  /** One refresh pass (awaitable for tests); pools that fail keep their last forecast. */
  async refreshForecasts(now: Date): Promise<void> {
    let pools: PoolModel[];
    try {
      pools = readPools(this.o.db, this.o.staleClusters());
    } catch {
      return;
    }
    const live = new Set(pools.map((p) => p.clusterId));
    for (const id of this.forecastCache.keys()) if (!live.has(id)) this.forecastCache.delete(id);
    const due = pools.filter((p) => now.getTime() - (this.forecastCache.get(p.clusterId)?.at ?? -Infinity) >= FORECAST_TTL_MS);
    for (let i = 0; i < due.length; i += 4) {
      await Promise.all(
        due.slice(i, i + 4).map(async (p) => {
          try {
            const h = await this.historyOf(p.hosts, 'month', FORECAST_LIMIT);
            if (h.points.length === 0) return; // nothing reachable or cached: try again next pass
            const subject: AlertSubject = { kind: 'cluster', siteId: p.siteId, siteName: p.siteName, clusterId: p.clusterId, clusterName: p.name, node: null, storage: null };
            // Only a real crossing is a forecast; "already above" is the utilisation alerts' business.
            const days = (f: CapacityHistory['mem']) => (f.status === 'crosses' ? f.days : null);
            this.forecastCache.set(p.clusterId, {
              at: now.getTime(),
              items: [
                { subject, resource: 'memory', daysUntilLimit: days(h.mem), limitPercent: FORECAST_LIMIT * 100 },
                { subject, resource: 'cpu', daysUntilLimit: days(h.cpu), limitPercent: FORECAST_LIMIT * 100 },
              ],
            });
          } catch {
            // No history (never reachable, nothing cached): no forecast for this pool yet.
          }
        }),
      );
    }
  }
}

function info(c: CachedPolicy, source: 'live' | 'cached', note: string): HaRulesInfo {
  return {
    source,
    fetchedAt: c.fetchedAt,
    model: c.policy.model,
    nodeAffinity: c.policy.nodeAffinity.length,
    resourceAffinity: c.policy.resourceAffinity.length,
    note,
  };
}

function consumers(pools: readonly PoolModel[]): Consumer[] {
  return pools
    .flatMap((p) => p.guests.filter((g) => g.running))
    .sort((a, b) => b.mem - a.mem || b.vcpu - a.vcpu || a.name.localeCompare(b.name))
    .slice(0, TOP)
    .map((g) => ({ clusterId: g.clusterId, vmid: g.vmid, name: g.name, node: g.node, tenant: g.tenant, vcpu: g.vcpu, mem: g.mem, cpuUsed: g.cpuUsed, memUsed: g.memUsed }));
}

const ORDER = { 'does-not-fit': 0, unrecoverable: 1, down: 2, restarted: 3, recoverable: 4 } as const;
function sortOutcomes(o: WhatIfResult['outcomes']): WhatIfResult['outcomes'] {
  return [...o].sort((a, b) => ORDER[a.outcome] - ORDER[b.outcome] || b.mem - a.mem || a.name.localeCompare(b.name));
}
