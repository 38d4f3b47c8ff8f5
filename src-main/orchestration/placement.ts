/**
 * Where a migration goes: the port through which the engine asks the
 * capacity placement advisor for a ranked list of hosts for one guest (with
 * every rejected host's reasons), and the implementation over the live
 * cluster view. The pool is built from what PVE said just now, not from the
 * fleet cache, so the proposal matches the plan's own basis; the HA policy,
 * host attestation and limits come from a context function (capacity's in
 * the app, none in bare engine tests).
 */
import { adviseMove, DEFAULT_LIMITS, NO_HA_POLICY, type AttestationLookup, type HaPolicy, type Limits, type MoveAdvice, type PoolModel } from '../capacity';
import { tenantOfTags } from './gatekeeper';
import type { ClusterView, GuestFacts } from './planner';

export interface PlacementAdvisor {
  /** Ranked hosts for moving `guest` within its cluster, with the reasons for each rejected host. */
  adviseMove(clusterId: string, view: ClusterView, guest: GuestFacts): Promise<MoveAdvice>;
}

export interface PlacementContext {
  policy: HaPolicy;
  /** Where the HA rules came from (live, last known, none), shown in the plan. */
  rulesNote: string;
  attestation: AttestationLookup;
  limits: Limits;
}

/** Without capacity (bare engine): no HA rules, no attestation results, default limits — and it says so. */
export const NO_PLACEMENT_CONTEXT = async (): Promise<PlacementContext> => ({
  policy: NO_HA_POLICY,
  rulesNote: 'No HA rules known to this engine: affinity not checked.',
  attestation: () => 'none',
  limits: DEFAULT_LIMITS,
});

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** The capacity model of one cluster as PVE reported it in `view`. */
export function poolFromView(clusterId: string, view: ClusterView): PoolModel {
  return {
    clusterId,
    name: clusterId,
    siteId: '',
    siteName: '',
    region: '',
    kind: 'edge',
    // Hosts whose size PVE did not report (a cached view) leave the load unknown: the advisor rejects them as stale.
    stale: view.basis === 'cache' || view.nodes.some((n) => n.online && (n.maxmem === undefined || n.maxcpu === undefined)),
    hosts: view.nodes.map((n) => ({
      clusterId,
      node: n.node,
      online: n.online,
      threads: n.maxcpu ?? 0,
      memBytes: n.maxmem ?? 0,
      cpuUsed: 0,
      memUsed: n.maxmem !== undefined ? n.maxmem - n.memFree : 0,
      diskPhysical: 0,
      diskUsed: 0,
    })),
    guests: view.guests
      .filter((g) => !g.template)
      .map((g) => ({
        clusterId,
        vmid: g.vmid,
        name: g.name,
        node: g.node,
        running: g.status === 'running',
        ha: g.ha,
        tenant: tenantOfTags(g.tags),
        confidential: g.tags.includes('confidential'),
        vcpu: g.cpus,
        mem: g.memMiB * MiB,
        disk: g.diskGiB * GiB,
        cpuUsed: 0,
        memUsed: 0,
      })),
    sharedDiskPhysical: 0,
    sharedDiskUsed: 0,
  };
}

export function createPlacementAdvisor(context: (clusterId: string) => Promise<PlacementContext>): PlacementAdvisor {
  return {
    async adviseMove(clusterId, view, guest) {
      const ctx = await context(clusterId);
      const advice = adviseMove({ pool: poolFromView(clusterId, view), policy: ctx.policy, vmid: guest.vmid, limits: ctx.limits, attestation: ctx.attestation });
      return { ...advice, notes: [...advice.notes, ctx.rulesNote] };
    },
  };
}
