/**
 * The placement advisor: for one catalogue VM size, a tenant and flags
 * (confidential, HA), every host of every pool is either ranked or rejected
 * with each reason that rules it out — offline, stale inventory, memory,
 * vCPU overcommit, attestation (confidential guests need a host whose
 * newest attestation passed within 24 h), tenant quota (a hook until
 * orchestration brings quotas) and the pool's HA reserve (placing it must
 * not break the pool's N+1).
 */
import type { PlacementCandidate, PlaceResult } from '../../src-preload/contract';
import type { HaPolicy } from './ha-policy';
import { n1, type AttestationLookup } from './headroom';
import { hostLimits, tenantsOf, type GuestModel, type Limits, type PoolModel } from './model';

/** Tenant quotas arrive with the orchestration issue; until then the source answers "none". */
export interface TenantQuota {
  vcpu: number | null;
  mem: number | null;
  usedVcpu: number;
  usedMem: number;
}
export interface QuotaSource {
  readonly available: boolean;
  readonly note: string;
  quota(tenant: string): TenantQuota | null;
}
export const NO_QUOTAS: QuotaSource = {
  available: false,
  note: 'Tenant quotas are not known yet (they arrive with SCMP orchestration); placement is not limited by quota.',
  quota: () => null,
};

/**
 * Orchestration's `AttestedHosts` port, structurally (capacity does not depend on orchestration):
 * the attestation module's answer for one host, whose reason names the host, the verdict and
 * its age. When given, it decides attestation for confidential guests instead of the lookup, so
 * the advisor and the operation engine refuse the same hosts with the same words.
 */
export interface HostAttestationGate {
  check(host: { clusterId: string; node: string }): { ok: true } | { ok: false; reason: string };
}

export interface AdviseInput {
  pools: readonly PoolModel[];
  policies: ReadonlyMap<string, HaPolicy>;
  limits: Limits;
  vm: { size: PlaceResult['vm']['size']; label: string; vcpu: number; mem: number };
  tenant: string;
  confidential: boolean;
  ha: boolean;
  attestation: AttestationLookup;
  attestedHosts?: HostAttestationGate | undefined;
  quotas: QuotaSource;
}

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
const NO_POLICY: HaPolicy = { model: 'none', nodeAffinity: [], resourceAffinity: [] };

export function advise(i: AdviseInput): PlaceResult {
  const candidates: PlacementCandidate[] = [];
  const notes: string[] = [];
  const q = i.quotas.quota(i.tenant);
  for (const pool of i.pools) {
    const policy = i.policies.get(pool.clusterId) ?? NO_POLICY;
    const serves = tenantsOf(pool).includes(i.tenant);
    const load = new Map<string, { vcpu: number; mem: number }>();
    for (const g of pool.guests) {
      if (!g.running) continue;
      const l = load.get(g.node) ?? { vcpu: 0, mem: 0 };
      l.vcpu += g.vcpu;
      l.mem += g.mem;
      load.set(g.node, l);
    }
    let baseline: ReturnType<typeof n1> | null = null;
    for (const h of pool.hosts) {
      const reasons: string[] = [];
      const lim = hostLimits(h, i.limits);
      const l = load.get(h.node) ?? { vcpu: 0, mem: 0 };
      const memAfter = l.mem + i.vm.mem;
      const vcpuAfter = l.vcpu + i.vm.vcpu;
      if (!h.online) reasons.push('host is offline');
      if (pool.stale) reasons.push('pool inventory is stale: its current load is not known');
      if (memAfter > lim.memLimit) reasons.push(`memory: needs ${gib(i.vm.mem)}, ${gib(Math.max(0, lim.memLimit - l.mem))} free under the ${Math.round(i.limits.memCeiling * 100)} % ceiling`);
      if (vcpuAfter > lim.vcpuLimit) reasons.push(`vCPU: ${(vcpuAfter / h.threads).toFixed(2)}:1 would exceed the ${i.limits.cpuOvercommit}:1 overcommit limit`);
      const gate = i.confidential ? i.attestedHosts?.check({ clusterId: h.clusterId, node: h.node }) : undefined;
      if (gate && !gate.ok) reasons.push(`confidential: ${gate.reason}`);
      else if (i.confidential && !gate) {
        const a = i.attestation(h.clusterId, h.node);
        if (a !== 'pass')
          reasons.push(
            a === 'none'
              ? 'confidential: no attestation result for this host'
              : a === 'stale'
                ? 'confidential: newest attestation is older than 24 h'
                : 'confidential: newest attestation did not pass',
          );
      }
      if (q) {
        if (q.vcpu !== null && q.usedVcpu + i.vm.vcpu > q.vcpu) reasons.push(`quota: tenant ${i.tenant} would use ${q.usedVcpu + i.vm.vcpu} of ${q.vcpu} vCPU`);
        if (q.mem !== null && q.usedMem + i.vm.mem > q.mem) reasons.push(`quota: tenant ${i.tenant} would use ${gib(q.usedMem + i.vm.mem)} of ${gib(q.mem)}`);
      }
      if (reasons.length === 0) {
        // HA reserve last: it is the expensive check and only matters for hosts that could take the VM.
        baseline ??= n1(pool, policy, i.limits);
        if (baseline.verdict === 'fails') reasons.push(`HA reserve: the pool already fails N+1 (losing ${baseline.worst?.lost.join(', ')} leaves ${baseline.worst?.notFitting} HA guests without a place)`);
        else {
          const extra: GuestModel = { clusterId: pool.clusterId, vmid: 0, name: `new ${i.vm.label}`, node: h.node, running: true, ha: i.ha, tenant: i.tenant, confidential: i.confidential, vcpu: i.vm.vcpu, mem: i.vm.mem, disk: 0, cpuUsed: 0, memUsed: 0 };
          const after = n1({ ...pool, guests: [...pool.guests, extra] }, policy, i.limits);
          if (after.verdict === 'fails') reasons.push(`HA reserve: with it, losing ${after.worst?.lost.join(', ')} would leave ${after.worst?.notFitting} HA guest(s) without a place`);
        }
      }
      candidates.push({
        clusterId: pool.clusterId,
        pool: pool.name,
        site: pool.siteName,
        node: h.node,
        accepted: reasons.length === 0,
        rank: null,
        servesTenant: serves,
        memFreeAfter: lim.memLimit - memAfter,
        cpuRatioAfter: h.threads > 0 ? vcpuAfter / h.threads : 0,
        reasons,
      });
    }
  }
  // Pools already serving the tenant first (private pools are dedicated), then the most memory left, then the least CPU overcommit.
  const accepted = candidates
    .filter((c) => c.accepted)
    .sort((a, b) => Number(b.servesTenant) - Number(a.servesTenant) || b.memFreeAfter - a.memFreeAfter || a.cpuRatioAfter - b.cpuRatioAfter || a.node.localeCompare(b.node));
  accepted.forEach((c, k) => (c.rank = k + 1));
  const rejected = candidates.filter((c) => !c.accepted).sort((a, b) => a.pool.localeCompare(b.pool) || a.node.localeCompare(b.node));
  const tally = new Map<string, number>();
  for (const c of rejected)
    for (const r of c.reasons) {
      const key = r.split(':')[0] as string;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
  if (accepted.length && !accepted[0]?.servesTenant) notes.push(`No pool serves tenant ${i.tenant} yet: the best hosts are in pools of other tenants; a confidential private pool is dedicated to one customer.`);
  if (i.confidential && accepted.length === 0 && (tally.get('confidential') ?? 0) > 0) notes.push('Confidential placement needs a host with a passing attestation in the last 24 h: attest a guest on the host (Attestation page) first.');
  return {
    vm: i.vm,
    tenant: i.tenant,
    confidential: i.confidential,
    ha: i.ha,
    settings: { ...i.limits },
    candidates: [...accepted, ...rejected],
    accepted: accepted.length,
    rejections: [...tally].map(([reason, hosts]) => ({ reason, hosts })).sort((a, b) => b.hosts - a.hosts),
    quota: { available: i.quotas.available, note: i.quotas.note },
    notes,
  };
}
