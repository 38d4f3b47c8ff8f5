/**
 * The placement advisor for moving one guest within its pool (migration):
 * every other host is ranked or rejected with each reason — the advisor's
 * own checks (offline, stale, memory, vCPU overcommit, attestation for a
 * confidential guest, the pool's HA reserve) for the guest's actual size,
 * plus the pool's HA affinity rules that name the guest (strict node
 * affinity, node priorities, positive and negative resource affinity).
 * A move within a pool leaves the tenant's usage unchanged, so tenant
 * quotas never reject a host here.
 */
import { advise } from './advisor';
import type { HaPolicy } from './ha-policy';
import type { AttestationLookup } from './headroom';
import type { Limits, PoolModel } from './model';

export interface MoveCandidate {
  node: string;
  accepted: boolean;
  /** 1 = best; null when rejected. */
  rank: number | null;
  reasons: string[];
  memFreeAfter: number;
}

export interface MoveAdvice {
  vmid: number;
  from: string;
  /** The best accepted host, or null when every host is rejected. */
  proposed: string | null;
  candidates: MoveCandidate[];
  notes: string[];
}

export interface MoveInput {
  pool: PoolModel;
  policy: HaPolicy;
  vmid: number;
  limits: Limits;
  attestation: AttestationLookup;
}

const QUOTA_UNCHANGED = { available: true, note: 'A move within the pool leaves the tenant’s usage unchanged.', quota: () => null };

export function adviseMove(i: MoveInput): MoveAdvice {
  const g = i.pool.guests.find((x) => x.vmid === i.vmid);
  if (!g) throw new RangeError(`guest ${i.vmid} is not in pool ${i.pool.name}`);
  // The guest's own load must not count against the hosts it could move to (nor against its N+1).
  const without: PoolModel = { ...i.pool, guests: i.pool.guests.filter((x) => x.vmid !== i.vmid) };
  const res = advise({
    pools: [without],
    policies: new Map([[i.pool.clusterId, i.policy]]),
    limits: i.limits,
    // `size` only labels the advisor's answer, which is not passed on: the guest's real figures count.
    vm: { size: 'small', label: g.name, vcpu: g.vcpu, mem: g.mem },
    tenant: g.tenant ?? '',
    confidential: g.confidential,
    ha: g.ha,
    attestation: i.attestation,
    quotas: QUOTA_UNCHANGED,
  });
  const where = new Map<number, string>(i.pool.guests.map((x) => [x.vmid, x.node]));
  const nameOf = new Map<number, string>(i.pool.guests.map((x) => [x.vmid, x.name]));
  const priority = new Map<string, number>();
  const notes: string[] = [];
  const candidates: MoveCandidate[] = res.candidates.map((c) => {
    const reasons = [...c.reasons];
    if (c.node === g.node) reasons.unshift(`${g.name} runs here`);
    for (const r of i.policy.nodeAffinity) {
      if (!r.vmids.includes(g.vmid)) continue;
      if (r.strict && !r.nodes.has(c.node)) reasons.push(`HA ${r.rule}: strict node affinity allows only ${[...r.nodes.keys()].join(', ')}`);
      priority.set(c.node, Math.max(priority.get(c.node) ?? -Infinity, r.nodes.get(c.node) ?? -1));
    }
    for (const r of i.policy.resourceAffinity) {
      if (!r.vmids.includes(g.vmid)) continue;
      const others = r.vmids.filter((v) => v !== g.vmid && where.has(v));
      if (r.affinity === 'negative') {
        const here = others.filter((v) => where.get(v) === c.node);
        if (here.length) reasons.push(`HA ${r.rule}: kept apart from ${here.map((v) => `${nameOf.get(v)} (${v})`).join(', ')}, which run${here.length === 1 ? 's' : ''} here`);
      } else {
        const away = others.filter((v) => where.get(v) !== c.node);
        if (away.length) reasons.push(`HA ${r.rule}: kept together with ${away.map((v) => `${nameOf.get(v)} (${v})`).join(', ')}, which ${away.length === 1 ? 'is' : 'are'} not here`);
      }
    }
    return { node: c.node, accepted: reasons.length === 0, rank: null, reasons, memFreeAfter: c.memFreeAfter };
  });
  // Preferred nodes of a (non-strict) node-affinity rule first, as the HA manager would choose; then the advisor's order.
  const order = new Map(res.candidates.map((c, k) => [c.node, k]));
  const accepted = candidates
    .filter((c) => c.accepted)
    .sort((a, b) => (priority.get(b.node) ?? 0) - (priority.get(a.node) ?? 0) || (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
  accepted.forEach((c, k) => (c.rank = k + 1));
  const rejected = candidates.filter((c) => !c.accepted).sort((a, b) => a.node.localeCompare(b.node));
  if (priority.size && accepted.length > 1) notes.push('Hosts preferred by the guest’s HA node-affinity rule are ranked first.');
  if (!accepted.length) notes.push(`No other host of ${i.pool.name} can take ${g.name}: see each host’s reasons.`);
  notes.push(QUOTA_UNCHANGED.note);
  return { vmid: g.vmid, from: g.node, proposed: accepted[0]?.node ?? null, candidates: [...accepted, ...rejected], notes };
}
