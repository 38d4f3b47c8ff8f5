/**
 * Attested placement: a confidential guest may only be created on, or
 * migrated to, a host with a fresh accepted attestation. The attestation
 * module answers through the `AttestedHosts` port (wired in the
 * composition root); the engine asks it before planning a named host,
 * after planning a proposed one, and again before a queued operation's
 * first step, so an attestation that went stale or
 * failed while the operation waited refuses it too. Without the port
 * (engine tests) nothing is checked, as with the permissive gatekeeper.
 */
import type { OperationRequest } from '../../src-preload/contract';
import type { ClusterView } from './planner';

export interface HostRef {
  clusterId: string;
  node: string;
}

export type HostAttestationCheck =
  | { ok: true; by: string }
  | {
      ok: false;
      /** One sentence naming the host, its newest verdict and that verdict's age. */
      reason: string;
      details: { host: string; verdict: string; ageSeconds: number; resultId: number };
    };

export interface AttestedHosts {
  check(host: HostRef): HostAttestationCheck;
}

/** The model's one rule for "confidential": the `confidential` tag (the simulator and the attestation page use it too). */
export function isConfidential(tags: readonly string[]): boolean {
  return tags.includes('confidential');
}

export interface PlacementRefusal {
  reason: string;
  details: Record<string, string | number | boolean>;
}

/**
 * The host a request places a confidential guest on — create: the clone's node (the
 * template's when none is named); migrate: the named target — checked against the port.
 * Null when nothing confidential is placed, the host is attested, or a migration names no
 * target yet (the planner proposes one: check the planned request then, see `proposesHost`).
 * Restore is not covered: the archive's tags are unknown until it is read.
 */
export function placementRefusal(req: OperationRequest, view: ClusterView, hosts: AttestedHosts | undefined): PlacementRefusal | null {
  if (!hosts || (req.action !== 'create' && req.action !== 'migrate')) return null;
  const g = view.guests.find((x) => x.vmid === (req.action === 'create' ? req.templateVmid : req.vmid));
  if (!g || !isConfidential(g.tags)) return null;
  const node = req.action === 'create' ? (req.node ?? g.node) : req.targetNode;
  if (!node) return null;
  const c = hosts.check({ clusterId: req.clusterId, node });
  if (c.ok) return null;
  const name = req.action === 'create' ? req.name : g.name;
  const what = req.action === 'create' ? `placed on ${node}` : `migrated to ${node}`;
  return {
    reason: `Confidential guest ${name} may not be ${what}: ${c.reason}`,
    details: { reason: 'host-not-attested', clusterId: req.clusterId, ...c.details },
  };
}

/** A migration without a named target: the planner picks the host, so the planned request is what to check. */
export function proposesHost(req: OperationRequest): boolean {
  return req.action === 'migrate' && !req.targetNode;
}
