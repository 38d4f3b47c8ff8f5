/**
 * The role model as data, and `authorize`: which action each role grants,
 * and whether the grant holds fleet-wide or only within the operator's
 * tenants. Pure: no database, no clock, so the whole matrix is testable
 * (and testable exhaustively) without a fleet.
 */
import { ACTIONS, type Action, type RoleDto, type RoleId } from '../../src-preload/contract';

export interface RoleSpec {
  id: RoleId;
  label: string;
  description: string;
  /** Tenant-scoped roles grant only on targets wholly inside the identity's tenants. */
  tenantScoped: boolean;
  /** Patterns: an exact action, or `family.*` for every action of that family. */
  grants: readonly string[];
}

export const ROLES: readonly RoleSpec[] = [
  {
    id: 'viewer',
    label: 'Viewer',
    description: 'Sees the fleet, capacity, alerts and reports; changes nothing.',
    tenantScoped: false,
    grants: ['fleet.view'],
  },
  {
    id: 'field_engineer',
    label: 'Field engineer',
    description: 'Works on site: consoles, power actions, attestation evidence, custody events and signed site surveys.',
    tenantScoped: false,
    grants: ['fleet.view', 'guest.console', 'guest.start', 'guest.stop', 'guest.reboot', 'attestation.run', 'custody.record', 'survey.sign'],
  },
  {
    id: 'operator',
    label: 'Operator',
    description: 'Runs the estate from the NOC: guest lifecycle, snapshots, backups and HA, custody certificates and closures; never deletes a protected guest.',
    tenantScoped: false,
    grants: ['fleet.view', 'guest.*', 'snapshot.*', 'backup.*', 'ha.*', 'attestation.run', 'custody.record', 'custody.certify'],
  },
  {
    id: 'tenant_admin',
    label: 'Tenant admin',
    description: "Runs their own tenants' guests (create, power, delete, snapshots, backups) within quota; nothing outside them.",
    tenantScoped: true,
    grants: [
      'fleet.view',
      'guest.console',
      'guest.start',
      'guest.stop',
      'guest.reboot',
      'guest.configure',
      'guest.create',
      'guest.delete',
      'snapshot.*',
      'backup.*',
    ],
  },
  {
    id: 'administrator',
    label: 'Administrator',
    description: 'Everything, including tenants, quotas, operators and settings.',
    tenantScoped: false,
    grants: ['*'],
  },
];

const BY_ID = new Map(ROLES.map((r) => [r.id, r]));

/** `guest.*` covers `guest.delete` but, by design, not `guest.delete.protected`: deleting a protected guest is its own family member only an explicit grant (or `*`) covers. */
function matches(pattern: string, action: Action): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) {
    const family = pattern.slice(0, -1);
    return action.startsWith(family) && !action.slice(family.length).includes('.');
  }
  return pattern === action;
}

export function roleGrants(role: RoleId, action: Action): boolean {
  const spec = BY_ID.get(role);
  return spec !== undefined && spec.grants.some((p) => matches(p, action));
}

export function roleActions(role: RoleId): Action[] {
  return ACTIONS.filter((a) => roleGrants(role, a));
}

export function roleDtos(): RoleDto[] {
  return ROLES.map((r) => ({ id: r.id, label: r.label, description: r.description, tenantScoped: r.tenantScoped, actions: roleActions(r.id) }));
}

export function roleLabel(role: RoleId): string {
  return BY_ID.get(role)?.label ?? role;
}

export interface Identity {
  name: string;
  roles: readonly RoleId[];
  /** null = every tenant. A list confines all roles but Administrator to those tenants' targets. */
  tenants: readonly string[] | null;
}

/**
 * What an action touches. `tenants` are the tenants owning it: a guest's one
 * tenant, every tenant a pool serves. Empty = no tenant (fleet-wide things
 * such as settings, HA rules of a shared pool, or an untagged guest).
 */
export interface Target {
  tenants: readonly string[];
  /** For messages: "guest 101 on fra-pve", "pool fra-pve". */
  label?: string;
}

export const FLEET_TARGET: Target = { tenants: [], label: 'the fleet' };

export type Decision =
  | { allowed: true; via?: RoleId }
  | { allowed: false; code: 'forbidden' | 'conflict'; reason: string; violations?: readonly QuotaViolation[] };

export interface QuotaViolation {
  resource: 'vcpu' | 'memBytes' | 'storageBytes' | 'guests';
  scopeLabel: string;
  usage: number;
  delta: number;
  limit: number;
  text: string;
}

/** Inside the identity's tenant scope: every tenant the target touches is one of theirs (and it touches at least one). */
function withinTenants(identity: Identity, target: Target): boolean {
  if (identity.tenants === null) return true;
  const mine = new Set(identity.tenants);
  return target.tenants.length > 0 && target.tenants.every((t) => mine.has(t));
}

export function authorize(identity: Identity, action: Action, target: Target = FLEET_TARGET): Decision {
  for (const roleId of identity.roles) {
    const spec = BY_ID.get(roleId);
    if (!spec || !roleGrants(roleId, action)) continue;
    // Administrator is the break-glass role: a tenant list never narrows it (otherwise an admin could lock themselves out of tenancy itself).
    if (roleId === 'administrator') return { allowed: true, via: roleId };
    // Tenant-scoped roles need an explicit tenant list: "Tenant admin of every tenant" would be an operator in disguise.
    if (spec.tenantScoped ? identity.tenants !== null && withinTenants(identity, target) : withinTenants(identity, target)) return { allowed: true, via: roleId };
  }
  const roles = identity.roles.length ? identity.roles.map(roleLabel).join(', ') : 'no role';
  const held = identity.roles.some((r) => roleGrants(r, action));
  const where = target.label ?? (target.tenants.length ? `tenant ${target.tenants.join(', ')}` : 'the fleet');
  return {
    allowed: false,
    code: 'forbidden',
    reason: held
      ? `${identity.name} (${roles}) may ${action} only within tenant${identity.tenants?.length === 1 ? '' : 's'} ${identity.tenants?.length ? identity.tenants.join(', ') : '(none assigned)'}; ${where} is outside that scope`
      : `${identity.name} (${roles}) is not allowed to ${action}`,
  };
}
