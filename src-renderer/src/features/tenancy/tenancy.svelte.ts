/**
 * State of Settings → Tenants & roles: who I am, tenants with usage and
 * quotas per scope, operators and the role model. Loaded together (they are
 * small) and reloaded after each change; the main process decides every
 * permission, the view only hides what whoami says is not held.
 */
import type { HistoryEntry, OperatorDto, OperatorInput, QuotaLimits, QuotaScope, RoleDto, TenantDto, Usage, WhoAmI } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';

export class TenancyModel {
  me = $state.raw<WhoAmI | null>(null);
  tenants = $state.raw<TenantDto[]>([]);
  usage = $state.raw<Usage | null>(null);
  operators = $state.raw<OperatorDto[]>([]);
  roles = $state.raw<RoleDto[]>([]);
  /** Every site and pool a quota can be set at, including where a tenant has no guests yet. */
  scopes = $state.raw<{ scope: QuotaScope; label: string }[]>([]);
  history = $state.raw<HistoryEntry[]>([]);
  loadError = $state<string | null>(null);
  loading = $state(false);

  can(action: WhoAmI['actions'][number]): boolean {
    return this.me?.actions.includes(action) ?? false;
  }

  roleLabel(id: string): string {
    return this.roles.find((r) => r.id === id)?.label ?? id;
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      const [me, tenants, usage, operators, roles, sites, pools] = await Promise.all([
        api().call('tenancy:whoami', {}),
        api().call('tenancy:tenants', {}),
        api().call('tenancy:usage', {}),
        api().call('tenancy:operators', {}),
        api().call('tenancy:roles', {}),
        api().call('fleet:sites', {}),
        api().call('fleet:syncState', {}),
      ]);
      this.scopes = [
        ...sites.map((x) => ({ scope: { kind: 'site' as const, id: x.id }, label: `site ${x.name}` })),
        ...pools.map((p) => ({ scope: { kind: 'pool' as const, id: p.clusterId }, label: `pool ${p.name}` })),
      ].sort((a, b) => a.label.localeCompare(b.label));
      this.me = me;
      this.tenants = tenants;
      this.usage = usage;
      this.operators = operators;
      this.roles = roles;
      this.loadError = null;
    } catch (err) {
      this.loadError = errorMessage(err);
    } finally {
      this.loading = false;
    }
  }

  historyError = $state<string | null>(null);

  async loadHistory(): Promise<void> {
    try {
      this.history = await api().call('tenancy:history', { limit: 50 });
      this.historyError = null;
    } catch (err) {
      this.historyError = errorMessage(err);
    }
  }

  async setQuota(tenantId: string, scope: QuotaScope, limits: QuotaLimits): Promise<void> {
    await api().call('tenancy:setQuota', { tenantId, scope, limits });
    this.usage = await api().call('tenancy:usage', {});
  }

  async saveTenant(id: string, name: string, description: string): Promise<void> {
    await api().call('tenancy:saveTenant', { id, name, description });
    this.tenants = await api().call('tenancy:tenants', {});
  }

  async saveOperator(input: OperatorInput): Promise<void> {
    await api().call('tenancy:saveOperator', input);
    [this.operators, this.me] = await Promise.all([api().call('tenancy:operators', {}), api().call('tenancy:whoami', {})]);
  }

  async removeOperator(name: string): Promise<void> {
    await api().call('tenancy:removeOperator', { name });
    this.operators = await api().call('tenancy:operators', {});
  }
}
