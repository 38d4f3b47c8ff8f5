/**
 * The port the orchestration engine (and any other acting module) calls
 * before it touches a PVE API: `authorize` (role × action × tenant scope)
 * and `quotaCheck` (would this change exceed a tenant's quota at the
 * fleet, its site or its pool). Decisions are values; `enforce` turns a
 * refusal into the typed AppException the contract carries.
 */
import type { Action, QuotaScope, ResourceAmounts } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { checkQuotas } from './quota';
import { authorize, type Decision, type Identity, type Target } from './roles';
import type { TenancyService } from './service';

export interface Gatekeeper {
  authorize(actor: Identity, action: Action, target?: Target): Decision;
  /** `delta` is what the change adds (negative frees); `scope` is where it lands (a pool implies its site and the fleet). */
  quotaCheck(tenant: string, delta: ResourceAmounts, scope: QuotaScope): Decision;
  /** The identity of the operator running this console. */
  currentIdentity(): Identity;
  /** Targets resolved from the inventory (a guest's tenant, the tenants a pool serves). */
  guestTarget(clusterId: string, vmid: number): Target;
  poolTarget(clusterId: string): Target;
  tenantTarget(tenant: string): Target;
}

export function createGatekeeper(tenancy: TenancyService): Gatekeeper {
  return {
    authorize: (actor, action, target) => authorize(actor, action, target),
    quotaCheck(tenant, delta, scope) {
      for (const [k, v] of Object.entries(delta)) {
        // A NaN would compare false against every limit and slip through.
        if (!Number.isFinite(v)) throw new AppException('invalid_request', `Quota check: ${k} must be a finite number`, { field: `delta.${k}` });
      }
      return checkQuotas(tenant, delta, tenancy.applicableScopes(tenant, scope));
    },
    currentIdentity: () => tenancy.identity(),
    guestTarget(clusterId, vmid) {
      const t = tenancy.usageReader.guestTenant(clusterId, vmid);
      if (t === undefined) throw new AppException('not_found', `No guest ${vmid} on ${clusterId} in the inventory`, { field: 'vmid' });
      return { tenants: t ? [t] : [], label: `guest ${vmid} on ${tenancy.usageReader.pool(clusterId)?.clusterName ?? clusterId}` };
    },
    poolTarget: (clusterId) => ({ tenants: tenancy.usageReader.poolTenants(clusterId), label: `pool ${tenancy.usageReader.pool(clusterId)?.clusterName ?? clusterId}` }),
    tenantTarget: (tenant) => ({ tenants: [tenant], label: `tenant ${tenant}` }),
  };
}

/** Throws the refusal as an AppException: `forbidden` for roles, `conflict` for quota (the state, not the person, is in the way), with the numbers in details. */
export function enforce(decision: Decision): void {
  if (decision.allowed) return;
  const details: Record<string, string | number | boolean> = {};
  decision.violations?.forEach((v, i) => {
    details[`violation${i}`] = v.text;
    details[`violation${i}.resource`] = v.resource;
    details[`violation${i}.usage`] = v.usage;
    details[`violation${i}.delta`] = v.delta;
    details[`violation${i}.limit`] = v.limit;
  });
  throw new AppException(decision.code, decision.reason, Object.keys(details).length ? { details } : {});
}
