/**
 * Quota arithmetic, pure: given what a tenant already has at each scope a
 * change lands in (the fleet, its site, its pool), the quota there and the
 * change, allowed or refused with every exceeded figure spelled out.
 *
 * The rule, per scope and resource: a change that adds (delta > 0) is
 * allowed only if usage + delta <= limit. A change that frees or keeps
 * (delta <= 0) is always allowed, even over a quota that was lowered below
 * current usage: refusing a delete because the tenant is over quota would
 * trap them there.
 */
import type { QuotaLimits, ResourceAmounts } from '../../src-preload/contract';
import type { Decision, QuotaViolation } from './roles';

export const RESOURCES = ['vcpu', 'memBytes', 'storageBytes', 'guests'] as const;
export type Resource = (typeof RESOURCES)[number];

export const RESOURCE_LABEL: Record<Resource, string> = { vcpu: 'vCPU', memBytes: 'memory', storageBytes: 'storage', guests: 'guests' };

export const ZERO: ResourceAmounts = { vcpu: 0, memBytes: 0, storageBytes: 0, guests: 0 };

export interface ScopeUsage {
  /** "fleet", "site fra-edge-1", "pool fra-pve". */
  scopeLabel: string;
  usage: ResourceAmounts;
  limits: QuotaLimits | null;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Bytes in binary units with up to three decimals, trailing zeros dropped:
 * enough that the numbers in a refusal visibly add up ("1.2 TiB + 32 GiB >
 * quota 1.2 TiB"); the exact bytes travel alongside in the violation.
 */
export function formatBytes(bytes: number): string {
  const neg = bytes < 0;
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 ? String(Math.round(v)) : String(Number(v.toFixed(3)));
  return `${neg ? '-' : ''}${text} ${UNITS[u]}`;
}

export function formatAmount(resource: Resource, n: number): string {
  return resource === 'memBytes' || resource === 'storageBytes' ? formatBytes(n) : String(n);
}

/** Sanitised usage: the inventory can only under-report (a missing row), never hand us a negative allocation. */
export function clampUsage(u: ResourceAmounts): ResourceAmounts {
  const c = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  return { vcpu: c(u.vcpu), memBytes: c(u.memBytes), storageBytes: c(u.storageBytes), guests: c(u.guests) };
}

export function checkQuotas(tenant: string, delta: ResourceAmounts, scopes: readonly ScopeUsage[]): Decision {
  const violations: QuotaViolation[] = [];
  for (const s of scopes) {
    if (!s.limits) continue;
    const usage = clampUsage(s.usage);
    for (const r of RESOURCES) {
      const limit = s.limits[r];
      const d = delta[r];
      if (limit === null || !(d > 0)) continue;
      if (usage[r] + d > limit) {
        violations.push({
          resource: r,
          scopeLabel: s.scopeLabel,
          usage: usage[r],
          delta: d,
          limit,
          text: `${RESOURCE_LABEL[r]} ${formatAmount(r, usage[r])} + ${formatAmount(r, d)} > quota ${formatAmount(r, limit)} at ${s.scopeLabel}`,
        });
      }
    }
  }
  if (violations.length === 0) return { allowed: true };
  return { allowed: false, code: 'conflict', reason: `Quota of tenant ${tenant} exceeded: ${violations.map((v) => v.text).join('; ')}`, violations };
}

export function addAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  return { vcpu: a.vcpu + b.vcpu, memBytes: a.memBytes + b.memBytes, storageBytes: a.storageBytes + b.storageBytes, guests: a.guests + b.guests };
}
