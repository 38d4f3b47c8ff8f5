/**
 * The Gatekeeper in the shape the orchestration engine declares
 * (src-main/orchestration/gatekeeper.ts: actor by name, action as a string,
 * a guest target with its tags, a pool as the quota scope, decisions that
 * say `by` whom). Structural, so tenancy does not import orchestration:
 * the composition root passes this where the engine takes its port.
 *
 * Deny by default: an action name tenancy does not know is refused, so a
 * new engine action cannot run before the role model says who may run it.
 */
import { ActionSchema, type Action, type ResourceAmounts } from '../../src-preload/contract';
import { createGatekeeper } from './gatekeeper';
import type { Decision } from './roles';
import type { TenancyService } from './service';

export interface OrchestrationDecision {
  allowed: boolean;
  by: string;
  reason?: string;
  details?: Record<string, string | number | boolean>;
}

export interface OrchestrationTarget {
  clusterId: string;
  vmid?: number;
  name?: string;
  tags: readonly string[];
}

/** Engine aliases for our action names. */
/**
 * The engine names actions `guest.<request action>`; the role model groups them. Every
 * action the operations contract offers must appear here or in ACTIONS (a test holds it so),
 * because an unknown action is refused for everyone.
 */
export const ENGINE_ACTION_ALIASES: Record<string, Action> = {
  'guest.delete.confirmProtected': 'guest.delete.protected',
  'guest.shutdown': 'guest.stop',
  'guest.resize': 'guest.configure',
  'guest.tags': 'guest.configure',
  'guest.snapshot': 'snapshot.create',
  'guest.rollback': 'snapshot.rollback',
  'guest.deleteSnapshot': 'snapshot.delete',
  'guest.backup': 'backup.run',
  'guest.restore': 'backup.restore',
  'guest.ha': 'ha.manage',
  'guest.createContainer': 'guest.create',
};
const ALIASES = ENGINE_ACTION_ALIASES;

const BY = 'tenancy';

function toEngine(d: Decision): OrchestrationDecision {
  if (d.allowed) return { allowed: true, by: d.via ? `${BY} (${d.via})` : BY };
  const details: Record<string, string | number | boolean> = {};
  d.violations?.forEach((v, i) => {
    details[`violation${i}`] = v.text;
    details[`violation${i}.usage`] = v.usage;
    details[`violation${i}.delta`] = v.delta;
    details[`violation${i}.limit`] = v.limit;
  });
  return { allowed: false, by: BY, reason: d.reason, ...(Object.keys(details).length ? { details } : {}) };
}

export function createOrchestrationGatekeeper(tenancy: TenancyService, opts: { protectedTags?: readonly string[] } = {}) {
  const gate = createGatekeeper(tenancy);
  const protectedTags = new Set(opts.protectedTags ?? ['env-prod', 'env-production', 'protected']);
  return {
    authorize(actor: string, action: string, target: OrchestrationTarget): OrchestrationDecision {
      const parsed = ActionSchema.safeParse(ALIASES[action] ?? action);
      if (!parsed.success) return { allowed: false, by: BY, reason: `Unknown action ${action}: not in the role model, so nobody may run it` };
      const tenant = target.tags.find((t) => t.startsWith('tenant-') && t.length > 7)?.slice(7);
      const label = target.vmid !== undefined ? `guest ${target.vmid}${target.name ? ` (${target.name})` : ''}` : `pool ${target.clusterId}`;
      const t = target.vmid !== undefined ? { tenants: tenant ? [tenant] : [], label } : { ...gate.poolTarget(target.clusterId), label };
      return toEngine(gate.authorize(tenancy.identity(actor), parsed.data, t));
    },
    quotaCheck(tenant: string | null, delta: Partial<ResourceAmounts>, scope: { clusterId: string }): OrchestrationDecision {
      // A guest without a tenant tag belongs to nobody's quota.
      if (tenant === null) return { allowed: true, by: `${BY} (no tenant)` };
      const full: ResourceAmounts = { vcpu: delta.vcpu ?? 0, memBytes: delta.memBytes ?? 0, storageBytes: delta.storageBytes ?? 0, guests: delta.guests ?? 0 };
      return toEngine(gate.quotaCheck(tenant, full, { kind: 'pool', id: scope.clusterId }));
    },
    isProtectedEnvironment: (target: OrchestrationTarget): boolean => target.tags.some((t) => protectedTags.has(t)),
  };
}
