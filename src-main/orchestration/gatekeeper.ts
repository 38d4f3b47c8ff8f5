/**
 * The port through which the engine asks whether an actor may do an action
 * on a target, and whether a tenant's quota allows a resource delta. The
 * tenancy module implements the real one; until it is wired, the
 * permissive default allows everything but still names what it allowed, so
 * the journal shows which gate a decision came from.
 */
import type { QuotaDelta } from '../../src-preload/contract';

export interface GateTarget {
  clusterId: string;
  node: string;
  vmid: number;
  name: string;
  tags: readonly string[];
}

export type Decision =
  | { allowed: true; by: string }
  | { allowed: false; by: string; reason: string; details?: Record<string, string | number | boolean> };

/** Action names: `guest.<action>`, plus `guest.delete.confirmProtected` for a second confirmation. */
export interface Gatekeeper {
  authorize(actor: string, action: string, target: GateTarget): Decision;
  quotaCheck(tenant: string | null, delta: QuotaDelta, scope: { clusterId: string }): Decision;
  /** A protected environment (e.g. production) whose deletes need a second confirmation. */
  isProtectedEnvironment(target: GateTarget): boolean;
}

export const PERMISSIVE_GATEKEEPER: Gatekeeper = {
  authorize: () => ({ allowed: true, by: 'permissive default (tenancy not wired)' }),
  quotaCheck: () => ({ allowed: true, by: 'permissive default (tenancy not wired)' }),
  // Without tenancy, the tags are the only policy there is: `env-prod` / `env-production` mark production.
  isProtectedEnvironment: (t) => t.tags.some((x) => x === 'env-prod' || x === 'env-production'),
};

/** The tenant a guest belongs to, from its `tenant-<name>` tag (the convention the inventory uses). */
export function tenantOfTags(tags: readonly string[]): string | null {
  const t = tags.find((x) => x.startsWith('tenant-'));
  return t ? t.slice('tenant-'.length) : null;
}
