/**
 * Who may record which custody step. The custody record names the
 * operator's real tenancy role (the role that granted the step), not a
 * custody job title typed into a form, and each target state needs an
 * action of the role model (src-main/tenancy/roles.ts):
 *
 * - `custody.record` for every physical step (registration, provisioning,
 *   sealing, hand-over, receipt, ingestion, starting sanitisation and the
 *   exception states): Field engineers, Operators, Administrators;
 * - `custody.certify` for the steps that vouch for an outcome — the
 *   sanitisation certificate (`sanitised`) and closing the record
 *   (`closed`, which for a lost appliance also asserts the key revocation):
 *   Operators and Administrators, never the engineer who did the work alone.
 *
 * A Viewer or Tenant admin records nothing. The same check runs when a
 * field log is merged, so a field laptop cannot certify what its operator
 * could not have certified at the console.
 */
import { ROLE_IDS, type Action, type CustodyState, type RoleId } from '../../src-preload/contract';
import { roleGrants } from '../tenancy';
import { AppException } from '../util/app-exception';

/** The operator recording a step: their identity and the tenancy role that allows it. */
export interface CustodyActor {
  id: string;
  role: RoleId;
}

const CERTIFYING: ReadonlySet<CustodyState> = new Set<CustodyState>(['sanitised', 'closed']);

/** The action a step to `to` needs (registration is `ordered`). */
export function custodyActionFor(to: CustodyState): Action {
  return CERTIFYING.has(to) ? 'custody.certify' : 'custody.record';
}

export function isRoleId(s: string): s is RoleId {
  return (ROLE_IDS as readonly string[]).includes(s);
}

/** Why `role` may not record a step to `to`, or null when it may. */
export function roleRefusal(role: string, to: CustodyState): string | null {
  const action = custodyActionFor(to);
  if (!isRoleId(role)) return `"${role}" is not a Cairn role, so it cannot hold ${action}`;
  return roleGrants(role, action) ? null : `the ${role} role does not hold ${action}, which recording ${to} needs`;
}

/** Throws `forbidden` unless the actor's role allows the step. */
export function checkActor(actor: CustodyActor, to: CustodyState): void {
  const why = roleRefusal(actor.role, to);
  if (why) throw new AppException('forbidden', `${actor.id}: ${why}`, { field: 'to', details: { action: custodyActionFor(to), role: actor.role } });
}
