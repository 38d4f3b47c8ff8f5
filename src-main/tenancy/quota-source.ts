/**
 * The capacity engine's QuotaSource hook (placement advisor, tenant table)
 * answered from tenancy. The hook knows a tenant but not a site or pool,
 * so it reports the fleet-wide quota; site and pool quotas are enforced
 * by `Gatekeeper.quotaCheck` when a guest is actually created.
 */
import type { QuotaSource, TenantQuota } from '../capacity';
import type { TenancyService } from './service';

export class TenancyQuotaSource implements QuotaSource {
  readonly available = true;
  readonly note =
    'Fleet-wide tenant quotas from Settings → Tenants & roles; usage counts running and stopped guests. Site and pool quotas are checked when a guest is created.';

  constructor(private readonly tenancy: TenancyService) {}

  quota(tenant: string): TenantQuota | null {
    const q = this.tenancy.quota(tenant, { kind: 'fleet' });
    if (!q) return null;
    const used = this.tenancy.fleetUsage(tenant);
    return { vcpu: q.limits.vcpu, mem: q.limits.memBytes, usedVcpu: used.vcpu, usedMem: used.memBytes };
  }
}
