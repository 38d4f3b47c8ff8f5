/**
 * Builds the operation engine for the app: PVE clients from the connection
 * pool, the last synced inventory as the planning fallback for an
 * unreachable cluster, catalogue sizes, and progress on the event bus.
 */
import type { OperationChanged } from '../../src-preload/contract';
import { vmSize, type ServiceCatalogue } from '../capacity';
import type { FleetQueries } from '../fleet/fleet-queries';
import type { AttestedHosts } from '../orchestration';
import { createPlacementAdvisor, JournalLease, OperationEngine, type ClusterView, type Gatekeeper, type OpsClient, type PlacementContext } from '../orchestration';
import type { Db } from '../store/database';
import type { Logger } from '../util/log';

/**
 * The cached inventory of one cluster as a planning view. The fleet cache
 * keeps hosts by site, not by cluster, so nodes are those the cached guests
 * run on, taken as online: a plan made from the cache is marked as such and
 * re-checked against the live cluster before its first step.
 */
export function cachedView(fleet: FleetQueries, clusterId: string): ClusterView | undefined {
  const rows = [];
  for (let offset = 0; ; offset += 1000) {
    const page = fleet.guests({ query: '', limit: 1000, offset });
    rows.push(...page.rows.filter((r) => r.clusterId === clusterId));
    if (offset + 1000 >= page.total) break;
  }
  if (!rows.length) return undefined;
  const nodes = [...new Set(rows.map((r) => r.node))].map((node) => ({ node, online: true, memFree: 0 }));
  return {
    basis: 'cache',
    nodes,
    guests: rows.map((r) => ({
      vmid: r.vmid,
      type: r.type,
      node: r.node,
      name: r.name,
      status: r.status,
      tags: r.tags,
      template: r.template,
      cpus: r.cpus,
      memMiB: Math.round(r.maxmem / 2 ** 20),
      diskGiB: Math.round(r.maxdisk / 2 ** 30),
      ha: (r.hastate ?? '') !== '',
    })),
  };
}

export function createOperationEngine(o: {
  db: Db;
  fleet: FleetQueries;
  /** Throws when the service catalogue did not load. */
  catalogue: () => ServiceCatalogue;
  clientFor: (clusterId: string) => OpsClient;
  gatekeeper?: Gatekeeper;
  /** Attested placement of confidential guests (the attestation module's answer). */
  attestedHosts?: AttestedHosts;
  /** HA rules, host attestation and limits for the migration advisor (capacity's in the app). */
  placementContext?: (clusterId: string) => Promise<PlacementContext>;
  /** Who this process is, for the journal's lease (one executing process per data folder). */
  leaseHolder?: string;
  log: Logger;
  onChanged: (c: OperationChanged) => void;
}): OperationEngine {
  return new OperationEngine({
    db: o.db,
    clientFor: o.clientFor,
    cachedView: (id) => cachedView(o.fleet, id),
    ...(o.gatekeeper ? { gatekeeper: o.gatekeeper } : {}),
    ...(o.attestedHosts ? { attestedHosts: o.attestedHosts } : {}),
    ...(o.placementContext ? { placement: createPlacementAdvisor(o.placementContext) } : {}),
    sizeOf: (size) => {
      const v = vmSize(o.catalogue(), size as Parameters<typeof vmSize>[1]);
      return { vcpu: v.vcpu, memMiB: Math.round(v.memBytes / 2 ** 20) };
    },
    ...(o.leaseHolder ? { lease: new JournalLease(o.db, { holder: o.leaseHolder }) } : {}),
    log: o.log,
    onChanged: o.onChanged,
  });
}
