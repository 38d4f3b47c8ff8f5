/**
 * The role matrix, exhaustively: every role × every action × a target in,
 * out of, straddling and outside any tenant scope. The expected grants are
 * written out here by hand (not derived from ROLES), so a change to the
 * role data that nobody meant shows up as a failing cell.
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS, ROLE_IDS, type Action, type RoleId } from '../../src-preload/contract';
import { authorize, FLEET_TARGET, roleDtos, type Identity, type Target } from './roles';

const VIEW: Action[] = ['fleet.view'];
const FIELD: Action[] = [...VIEW, 'guest.console', 'guest.start', 'guest.stop', 'guest.reboot', 'attestation.run', 'custody.record', 'survey.sign'];
const GUEST_ALL: Action[] = ['guest.console', 'guest.start', 'guest.stop', 'guest.reboot', 'guest.migrate', 'guest.configure', 'guest.create', 'guest.delete'];
const SNAP: Action[] = ['snapshot.create', 'snapshot.rollback', 'snapshot.delete'];
const BACKUP: Action[] = ['backup.run', 'backup.restore', 'backup.delete'];
const EXPECTED: Record<RoleId, ReadonlySet<Action>> = {
  viewer: new Set(VIEW),
  field_engineer: new Set(FIELD),
  operator: new Set([...VIEW, ...GUEST_ALL, ...SNAP, ...BACKUP, 'ha.manage', 'attestation.run', 'custody.record', 'custody.certify']),
  tenant_admin: new Set([...VIEW, 'guest.console', 'guest.start', 'guest.stop', 'guest.reboot', 'guest.configure', 'guest.create', 'guest.delete', ...SNAP, ...BACKUP]),
  administrator: new Set(ACTIONS),
};

const ACME: Target = { tenants: ['acme'], label: 'guest 101' };
const GLOBEX: Target = { tenants: ['globex'], label: 'guest 202' };
const SHARED_POOL: Target = { tenants: ['acme', 'globex'], label: 'pool shared' };

describe('role matrix', () => {
  for (const role of ROLE_IDS) {
    for (const action of ACTIONS) {
      const granted = EXPECTED[role].has(action);
      it(`${role} × ${action}`, () => {
        const scoped: Identity = { name: 'u', roles: [role], tenants: ['acme'] };
        const everywhere: Identity = { name: 'u', roles: [role], tenants: null };
        // Inside the tenant scope: the role's grant decides.
        expect(authorize(scoped, action, ACME).allowed).toBe(granted);
        // Outside it, straddling it, or fleet-wide: only the Administrator (never narrowed by a tenant list).
        const adminOnly = role === 'administrator';
        expect(authorize(scoped, action, GLOBEX).allowed).toBe(adminOnly);
        expect(authorize(scoped, action, SHARED_POOL).allowed).toBe(adminOnly);
        expect(authorize(scoped, action, FLEET_TARGET).allowed).toBe(adminOnly);
        // No tenant list: fleet-wide roles grant everywhere; a Tenant admin of no tenants grants nothing.
        for (const t of [ACME, GLOBEX, SHARED_POOL, FLEET_TARGET]) expect(authorize(everywhere, action, t).allowed).toBe(granted && role !== 'tenant_admin');
      });
    }
  }

  it('lists the same grants to the renderer as it enforces', () => {
    for (const r of roleDtos()) expect(new Set(r.actions)).toEqual(EXPECTED[r.id]);
  });

  it('combines roles: the first granting role wins, refusals say why', () => {
    const both: Identity = { name: 'kim', roles: ['viewer', 'tenant_admin'], tenants: ['acme'] };
    expect(authorize(both, 'guest.delete', ACME)).toEqual({ allowed: true, via: 'tenant_admin' });
    const out = authorize(both, 'guest.delete', GLOBEX);
    expect(out).toMatchObject({ allowed: false, code: 'forbidden' });
    if (!out.allowed) expect(out.reason).toBe('kim (Viewer, Tenant admin) may guest.delete only within tenant acme; guest 202 is outside that scope');
    const none = authorize({ name: 'joe', roles: ['viewer'], tenants: null }, 'guest.delete.protected', ACME);
    if (!none.allowed) expect(none.reason).toBe('joe (Viewer) is not allowed to guest.delete.protected');
    else expect.fail('a viewer deleted a protected guest');
  });

  it('an identity with no role may do nothing', () => {
    for (const a of ACTIONS) expect(authorize({ name: 'x', roles: [], tenants: null }, a, ACME).allowed).toBe(false);
  });
});
