/**
 * Headroom: what happens to a pool's guests when hosts are lost. Only
 * HA-managed guests that were running are restarted (by the CRM, on the
 * surviving hosts of the same cluster, under the pool's HA rules); other
 * guests on a lost host stay down. N+1 asks this for every single-host loss;
 * a whole-site loss cannot be absorbed by HA at all (rules and fencing are
 * per cluster), so it is answered as a recovery plan: where a restore of
 * each guest would fit in the other pools of the same region that already
 * serve its tenant.
 */
import type { GuestOutcome, HostAfter } from '../../src-preload/contract';
import type { HaPolicy } from './ha-policy';
import { guestKey, hostKey, hostLimits, type GuestModel, type HostModel, type Limits, type PoolModel } from './model';
import { pack, type ApartRule, type PackConstraints, type PackHost, type PackItem, type TogetherRule } from './pack';

export type AttestationLookup = (clusterId: string, node: string) => 'pass' | 'fail' | 'stale' | 'none';

export interface LossResult {
  lost: string[];
  survives: boolean;
  exact: boolean;
  displaced: number;
  notFitting: number;
  /** Memory of the HA guests that had to move. */
  displacedMem: number;
  outcomes: GuestOutcome[];
  hosts: HostAfter[];
}

const PREFERRED_BASE = 1000;

function packHost(h: HostModel, l: Limits, load: { vcpu: number; mem: number }): PackHost {
  return { id: hostKey(h.clusterId, h.node), ...hostLimits(h, l), vcpu: load.vcpu, mem: load.mem };
}

/** The HA rules of a pool as packing constraints for the guests being moved. */
export function haConstraints(pool: PoolModel, policy: HaPolicy, moving: readonly GuestModel[], staying: readonly GuestModel[], survivors: ReadonlySet<string>): PackConstraints {
  const movingIds = new Set(moving.map((g) => g.vmid));
  const allowed = new Map<string, { hosts: Set<string>; rule: string }>();
  const preferred = new Map<string, Map<string, number>>();
  for (const r of policy.nodeAffinity) {
    const hosts = new Set([...r.nodes.keys()].map((n) => hostKey(pool.clusterId, n)));
    for (const vmid of r.vmids) {
      if (!movingIds.has(vmid)) continue;
      const id = `${pool.clusterId}/${vmid}`;
      if (r.strict) {
        const prev = allowed.get(id);
        const inter = new Set([...hosts].filter((h) => survivors.has(h) && (!prev || prev.hosts.has(h))));
        allowed.set(id, { hosts: inter, rule: prev ? `${prev.rule} + ${r.rule}` : r.rule });
      } else {
        const m = preferred.get(id) ?? new Map<string, number>();
        for (const [n, p] of r.nodes) m.set(hostKey(pool.clusterId, n), Math.max(m.get(hostKey(pool.clusterId, n)) ?? 0, PREFERRED_BASE + p));
        preferred.set(id, m);
      }
    }
  }
  const stayingAt = new Map(staying.map((g) => [g.vmid, hostKey(g.clusterId, g.node)]));
  const apart: ApartRule[] = [];
  const together: TogetherRule[] = [];
  for (const r of policy.resourceAffinity) {
    const items = r.vmids.filter((v) => movingIds.has(v)).map((v) => `${pool.clusterId}/${v}`);
    if (items.length === 0) continue;
    const hosts = [...new Set(r.vmids.map((v) => stayingAt.get(v)).filter((h): h is string => h !== undefined))];
    if (r.affinity === 'negative') apart.push({ rule: r.rule, items, occupied: hosts });
    else together.push({ rule: r.rule, items, anchored: hosts });
  }
  return { allowed, preferred, apart, together };
}

function outcomeBase(g: GuestModel): Omit<GuestOutcome, 'outcome' | 'to' | 'reason' | 'warnings'> {
  return { clusterId: g.clusterId, vmid: g.vmid, name: g.name, tenant: g.tenant, vcpu: g.vcpu, mem: g.mem, ha: g.ha, confidential: g.confidential, from: g.node };
}

/** Lose some hosts of one pool: where HA restarts each displaced guest, and what stays down. */
export function simulateLoss(pool: PoolModel, lostNodes: ReadonlySet<string>, policy: HaPolicy, limits: Limits, attestation: AttestationLookup = () => 'none'): LossResult {
  const survivorsList = pool.hosts.filter((h) => h.online && !lostNodes.has(h.node));
  const survivors = new Set(survivorsList.map((h) => hostKey(h.clusterId, h.node)));
  const load = new Map<string, { vcpu: number; mem: number }>(survivorsList.map((h) => [h.node, { vcpu: 0, mem: 0 }]));
  const staying: GuestModel[] = [];
  const moving: GuestModel[] = [];
  const down: GuestModel[] = [];
  for (const g of pool.guests) {
    if (!g.running) continue;
    if (lostNodes.has(g.node)) {
      if (g.ha) moving.push(g);
      else down.push(g);
    } else {
      const l = load.get(g.node);
      if (l) {
        l.vcpu += g.vcpu;
        l.mem += g.mem;
        staying.push(g);
      }
    }
  }
  const hosts = survivorsList.map((h) => packHost(h, limits, load.get(h.node) as { vcpu: number; mem: number }));
  const items: PackItem[] = moving.map((g) => ({ id: guestKey(g), vcpu: g.vcpu, mem: g.mem }));
  const constraints = haConstraints(pool, policy, moving, staying, survivors);
  const r = pack(hosts, items, constraints);

  const outcomes: GuestOutcome[] = [];
  for (const g of moving) {
    const id = guestKey(g);
    const to = r.placed.get(id);
    if (to) {
      const node = to.slice(g.clusterId.length + 1);
      const warnings: string[] = [];
      const pref = constraints.preferred?.get(id);
      if (pref && pref.size && !pref.has(to)) warnings.push(`outside the preferred nodes of its non-strict node-affinity rule (${[...pref.keys()].map((k) => k.split('/').pop()).join(', ')})`);
      if (g.confidential && attestation(g.clusterId, node) !== 'pass') warnings.push(`confidential guest restarted on ${node}, which has no passing attestation in the last 24 h`);
      outcomes.push({ ...outcomeBase(g), outcome: 'restarted', to: { clusterId: g.clusterId, pool: pool.name, node }, reason: `HA restarts it on ${node}`, warnings });
    } else {
      outcomes.push({ ...outcomeBase(g), outcome: 'does-not-fit', to: null, reason: r.failed.get(id) ?? 'not placed', warnings: [] });
    }
  }
  for (const g of down) outcomes.push({ ...outcomeBase(g), outcome: 'down', to: null, reason: 'not HA-managed: stays down until someone starts it', warnings: [] });

  const received = new Map<string, number>();
  for (const h of r.placed.values()) received.set(h, (received.get(h) ?? 0) + 1);
  const before = new Map<string, { vcpu: number; mem: number }>();
  for (const g of pool.guests) {
    if (!g.running) continue;
    const b = before.get(g.node) ?? { vcpu: 0, mem: 0 };
    b.vcpu += g.vcpu;
    b.mem += g.mem;
    before.set(g.node, b);
  }
  const hostsAfter: HostAfter[] = pool.hosts.map((h) => {
    const k = hostKey(h.clusterId, h.node);
    const lim = hostLimits(h, limits);
    const b = before.get(h.node) ?? { vcpu: 0, mem: 0 };
    const lost = lostNodes.has(h.node) || !h.online;
    const after = lost ? { vcpu: 0, mem: 0 } : (r.load.get(k) ?? b);
    return { clusterId: h.clusterId, node: h.node, lost, vcpuBefore: b.vcpu, vcpuAfter: after.vcpu, vcpuLimit: lim.vcpuLimit, memBefore: b.mem, memAfter: after.mem, memLimit: lim.memLimit, received: received.get(k) ?? 0 };
  });
  return {
    lost: [...lostNodes],
    survives: r.failed.size === 0,
    exact: r.exact,
    displaced: moving.length,
    notFitting: r.failed.size,
    displacedMem: moving.reduce((s, g) => s + g.mem, 0),
    outcomes,
    hosts: hostsAfter,
  };
}

export interface N1Result {
  verdict: 'ok' | 'fails' | 'unknown';
  losses: LossResult[];
  worst: LossResult | null;
  haGuests: number;
  exact: boolean;
}

/** Every single-host loss of a pool (online hosts); the pool is N+1 when each one restarts every HA guest. */
export function n1(pool: PoolModel, policy: HaPolicy, limits: Limits, attestation?: AttestationLookup): N1Result {
  const online = pool.hosts.filter((h) => h.online);
  const haGuests = pool.guests.filter((g) => g.ha && g.running).length;
  if (online.length === 0) return { verdict: 'unknown', losses: [], worst: null, haGuests, exact: true };
  const losses = online.map((h) => simulateLoss(pool, new Set([h.node]), policy, limits, attestation));
  let worst: LossResult | null = null;
  for (const l of losses) if (!worst || l.notFitting > worst.notFitting || (l.notFitting === worst.notFitting && l.displacedMem > worst.displacedMem)) worst = l;
  return { verdict: losses.every((l) => l.survives) ? 'ok' : 'fails', losses, worst, haGuests, exact: losses.every((l) => l.exact) };
}

/**
 * A whole site lost: every running guest there is down (HA does not cross
 * clusters). Where could each be restored? Into pools of the same region at
 * other sites that already serve its tenant (private pools are dedicated;
 * a tenant is only recovered where it already has a contract), packed like
 * any placement; anti-affinity rules of its own pool still keep members apart.
 */
export function recoverSite(pools: readonly PoolModel[], siteId: string, policies: ReadonlyMap<string, HaPolicy>, limits: Limits, attestation: AttestationLookup = () => 'none'): { outcomes: GuestOutcome[]; hosts: HostAfter[]; exact: boolean; notes: string[] } {
  const lostPools = pools.filter((p) => p.siteId === siteId);
  const region = lostPools[0]?.region;
  const targets = pools.filter((p) => p.siteId !== siteId && p.region === region);
  const notes: string[] = [`HA restarts guests only within their own cluster, so every running guest of the site is down; “recoverable” means a restore (e.g. from backup) would fit in another pool of region ${region ?? '?'} that already serves its tenant.`];
  if (targets.length === 0) notes.push(`No other site in region ${region ?? '?'}: nothing can be recovered in-region.`);
  const hosts: PackHost[] = [];
  const tenantsAt = new Map<string, Set<string>>();
  const poolOfHost = new Map<string, PoolModel>();
  const before = new Map<string, { vcpu: number; mem: number }>();
  for (const p of targets) {
    const tenants = new Set(p.guests.map((g) => g.tenant).filter((t): t is string => t !== null));
    const load = new Map<string, { vcpu: number; mem: number }>();
    for (const g of p.guests) {
      if (!g.running) continue;
      const l = load.get(g.node) ?? { vcpu: 0, mem: 0 };
      l.vcpu += g.vcpu;
      l.mem += g.mem;
      load.set(g.node, l);
    }
    for (const h of p.hosts) {
      if (!h.online) continue;
      const k = hostKey(h.clusterId, h.node);
      const l = load.get(h.node) ?? { vcpu: 0, mem: 0 };
      hosts.push(packHost(h, limits, l));
      before.set(k, { ...l });
      tenantsAt.set(k, tenants);
      poolOfHost.set(k, p);
    }
  }
  const guests = lostPools.flatMap((p) => p.guests.filter((g) => g.running));
  const apart: ApartRule[] = [];
  for (const p of lostPools)
    for (const r of policies.get(p.clusterId)?.resourceAffinity ?? [])
      if (r.affinity === 'negative') apart.push({ rule: r.rule, items: r.vmids.map((v) => `${p.clusterId}/${v}`).filter((id) => guests.some((g) => guestKey(g) === id)), occupied: [] });
  const tenantOfItem = new Map(guests.map((g) => [guestKey(g), g.tenant]));
  const veto = (item: PackItem, host: PackHost): string | null => {
    const t = tenantOfItem.get(item.id);
    if (!t) return 'no tenant tag: cannot tell which pool may take it';
    return tenantsAt.get(host.id)?.has(t) ? null : `pool does not serve tenant ${t}`;
  };
  const r = pack(hosts, guests.map((g) => ({ id: guestKey(g), vcpu: g.vcpu, mem: g.mem })), { apart, veto });
  const outcomes: GuestOutcome[] = guests.map((g) => {
    const to = r.placed.get(guestKey(g));
    if (to) {
      const p = poolOfHost.get(to) as PoolModel;
      const node = to.slice(p.clusterId.length + 1);
      const warnings = g.confidential && attestation(p.clusterId, node) !== 'pass' ? [`confidential: ${node} has no passing attestation in the last 24 h`] : [];
      return { ...outcomeBase(g), outcome: 'recoverable', to: { clusterId: p.clusterId, pool: p.name, node }, reason: `site lost; a restore fits on ${node} (${p.name})`, warnings };
    }
    return { ...outcomeBase(g), outcome: 'unrecoverable', to: null, reason: `site lost; ${r.failed.get(guestKey(g)) ?? 'no pool in the region can take it'}`, warnings: [] };
  });
  const received = new Map<string, number>();
  for (const h of r.placed.values()) received.set(h, (received.get(h) ?? 0) + 1);
  const hostsAfter: HostAfter[] = [];
  for (const p of lostPools)
    for (const h of p.hosts) {
      const lim = hostLimits(h, limits);
      const b = p.guests.filter((g) => g.running && g.node === h.node).reduce((s, g) => ({ vcpu: s.vcpu + g.vcpu, mem: s.mem + g.mem }), { vcpu: 0, mem: 0 });
      hostsAfter.push({ clusterId: h.clusterId, node: h.node, lost: true, vcpuBefore: b.vcpu, vcpuAfter: 0, vcpuLimit: lim.vcpuLimit, memBefore: b.mem, memAfter: 0, memLimit: lim.memLimit, received: 0 });
    }
  for (const ph of hosts) {
    const n = received.get(ph.id) ?? 0;
    if (n === 0) continue;
    const p = poolOfHost.get(ph.id) as PoolModel;
    const b = before.get(ph.id) as { vcpu: number; mem: number };
    const a = r.load.get(ph.id) as { vcpu: number; mem: number };
    hostsAfter.push({ clusterId: p.clusterId, node: ph.id.slice(p.clusterId.length + 1), lost: false, vcpuBefore: b.vcpu, vcpuAfter: a.vcpu, vcpuLimit: ph.vcpuLimit, memBefore: b.mem, memAfter: a.mem, memLimit: ph.memLimit, received: n });
  }
  return { outcomes, hosts: hostsAfter, exact: r.exact, notes };
}
