/**
 * Where the SCMP's pulled tenants, quotas and role bindings become Cairn's
 * tenancy records (source 'central'): the SCMP owns tenants, policies and
 * identities, so after each successful pull its picture replaces the
 * central part of the local one. Local-only records stay as they are.
 */
import { OperatorNameSchema, type QuotaScope, type RoleId } from '../../src-preload/contract';
import type { ScmpQuota, ScmpRoleBinding, ScmpTenant } from '../scmp';
import type { CentralSnapshot } from '../tenancy';

const ROLE_OF: Record<ScmpRoleBinding['role'], RoleId> = {
  Viewer: 'viewer',
  'Field engineer': 'field_engineer',
  Operator: 'operator',
  'Tenant admin': 'tenant_admin',
  Administrator: 'administrator',
};

function scopeOf(q: ScmpQuota): QuotaScope | null {
  if (q.scope.kind === 'fleet') return { kind: 'fleet' };
  // A site or pool quota without its reference cannot be placed: skipped rather than widened to the fleet.
  return q.scope.ref ? { kind: q.scope.kind, id: q.scope.ref } : null;
}

/**
 * The snapshot tenancy imports, and the bindings it cannot: Cairn's identities are the
 * operator's own (OS or directory) user name, so a binding to a directory group (an LDAP DN
 * such as `CN=NOC,OU=Groups,…`) has nobody to apply to until group membership can be resolved.
 */
export function centralSnapshot(pulled: { tenants: ScmpTenant[]; quotas: ScmpQuota[]; roleBindings: ScmpRoleBinding[] }): CentralSnapshot & { skipped: string[] } {
  const operators = new Map<string, { roles: Set<RoleId>; tenants: Set<string>; fleetWide: boolean }>();
  const skipped: string[] = [];
  for (const b of pulled.roleBindings) {
    if (!OperatorNameSchema.safeParse(b.identity).success) {
      skipped.push(b.identity);
      continue;
    }
    const o = operators.get(b.identity) ?? { roles: new Set<RoleId>(), tenants: new Set<string>(), fleetWide: false };
    o.roles.add(ROLE_OF[b.role]);
    if (b.tenant === null) o.fleetWide = true;
    else o.tenants.add(b.tenant);
    operators.set(b.identity, o);
  }
  const known = new Set(pulled.tenants.map((t) => t.id));
  return {
    skipped,
    tenants: pulled.tenants.map((t) => ({ id: t.id, name: t.name })),
    operators: [...operators].map(([name, o]) => ({ name, roles: [...o.roles].sort(), tenants: o.fleetWide ? null : [...o.tenants].sort() })),
    quotas: pulled.quotas.flatMap((q) => {
      const scope = scopeOf(q);
      if (!scope || !known.has(q.tenant)) return [];
      return [{ tenantId: q.tenant, scope, limits: { vcpu: q.vcpu, memBytes: q.memoryBytes, storageBytes: q.storageBytes, guests: q.guests } }];
    }),
  };
}
