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
 * The snapshot tenancy imports. A binding names a person (an operator name, as the OS
 * knows them) or a directory group: anything that is not a valid operator name — an LDAP
 * DN such as `CN=NOC,OU=Groups,…`, `DOMAIN\group` — is a group binding, applied to whoever
 * the OS reports as a member (tenancy/groups.ts). `skipped` lists bindings to tenants the
 * SCMP did not send.
 */
export function centralSnapshot(pulled: { tenants: ScmpTenant[]; quotas: ScmpQuota[]; roleBindings: ScmpRoleBinding[] }): CentralSnapshot & { skipped: string[] } {
  const operators = new Map<string, { roles: Set<RoleId>; tenants: Set<string>; fleetWide: boolean }>();
  const groupBindings: NonNullable<CentralSnapshot['groupBindings']> = [];
  const skipped: string[] = [];
  const known = new Set(pulled.tenants.map((t) => t.id));
  for (const b of pulled.roleBindings) {
    if (b.tenant !== null && !known.has(b.tenant)) {
      skipped.push(b.identity);
      continue;
    }
    if (!OperatorNameSchema.safeParse(b.identity).success) {
      groupBindings.push({ group: b.identity, role: ROLE_OF[b.role], tenant: b.tenant });
      continue;
    }
    const o = operators.get(b.identity) ?? { roles: new Set<RoleId>(), tenants: new Set<string>(), fleetWide: false };
    o.roles.add(ROLE_OF[b.role]);
    if (b.tenant === null) o.fleetWide = true;
    else o.tenants.add(b.tenant);
    operators.set(b.identity, o);
  }
  return {
    skipped,
    groupBindings,
    tenants: pulled.tenants.map((t) => ({ id: t.id, name: t.name })),
    operators: [...operators].map(([name, o]) => ({ name, roles: [...o.roles].sort(), tenants: o.fleetWide ? null : [...o.tenants].sort() })),
    quotas: pulled.quotas.flatMap((q) => {
      const scope = scopeOf(q);
      if (!scope || !known.has(q.tenant)) return [];
      return [{ tenantId: q.tenant, scope, limits: { vcpu: q.vcpu, memBytes: q.memoryBytes, storageBytes: q.storageBytes, guests: q.guests } }];
    }),
  };
}
