/**
 * The Topology part of the contract: map graphs at three levels (fleet,
 * site, host) and the network view of a site, each as plain nodes and
 * edges with a status and badges. The main process builds them from the
 * SQLite cache (and, for networks, from PVE's network and SDN endpoints,
 * cached); the renderer lays them out and draws them. Spread into
 * `channels` (channels.ts); pure zod, like the rest of the contract.
 *
 * The status scale and its precedence live here, once: both the graph
 * builders (worst-of aggregation) and the renderer (colour per status)
 * read them.
 */
import { z } from 'zod';

const Id = z.string().min(1).max(200);
const IsoTime = z.string().max(40);

/** Colour classes of the map: up, degraded, down, stale (data too old to trust), unknown (never seen). */
export const TOPO_STATUSES = ['up', 'degraded', 'down', 'stale', 'unknown'] as const;
export const TopoStatusSchema = z.enum(TOPO_STATUSES);
export type TopoStatus = z.infer<typeof TopoStatusSchema>;

/** Worst first: one down host outweighs a stale cluster, which outweighs a degraded one, … */
const SEVERITY: Record<TopoStatus, number> = { down: 4, stale: 3, degraded: 2, unknown: 1, up: 0 };

/** The status an aggregate shows: the worst of its parts ('unknown' for no parts). */
export function worstStatus(statuses: Iterable<TopoStatus>): TopoStatus {
  let worst: TopoStatus | null = null;
  for (const s of statuses) if (worst === null || SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst ?? 'unknown';
}

/** ha: an HA resource; confidential: tagged `confidential`; attested: latest attestation passed within 24 h; attestation-failed: latest was rejected. */
export const TopoBadgeSchema = z.enum(['ha', 'confidential', 'attested', 'attestation-failed']);
export type TopoBadge = z.infer<typeof TopoBadgeSchema>;

export const TopoKindSchema = z.enum(['region', 'site', 'cluster', 'pool', 'host', 'storage', 'network', 'guest', 'group', 'bridge', 'bond', 'vlan', 'zone', 'vnet']);
export type TopoKind = z.infer<typeof TopoKindSchema>;

export const TopoLevelSchema = z.enum(['fleet', 'site', 'host', 'network']);
export type TopoLevel = z.infer<typeof TopoLevelSchema>;

/** Where a double-click (or a breadcrumb) leads. */
export const TopoTargetSchema = z.discriminatedUnion('level', [
  z.strictObject({ level: z.literal('fleet') }),
  z.strictObject({ level: z.literal('site'), siteId: Id }),
  z.strictObject({ level: z.literal('host'), clusterId: Id, node: Id }),
  z.strictObject({ level: z.literal('network'), siteId: Id }),
]);
export type TopoTarget = z.infer<typeof TopoTargetSchema>;

export const TopoNodeSchema = z.strictObject({
  id: z.string(),
  kind: TopoKindSchema,
  label: z.string(),
  /** One short second line (counts, type, address). */
  detail: z.string(),
  status: TopoStatusSchema,
  badges: z.array(TopoBadgeSchema),
  /** Member of this group node: laid out in the group's grid instead of by the graph layout. */
  group: z.string().nullable(),
  /** Group nodes: how many members (the grid's size). */
  members: z.number().int(),
  /** Double-click target. */
  drill: TopoTargetSchema.nullable(),
  /** Fleet level: the region a collapsed region node expands. */
  expand: z.string().nullable(),
  /** Tooltip: why the status is what it is (last error, age). */
  title: z.string(),
});
export type TopoNode = z.infer<typeof TopoNodeSchema>;

export const TopoEdgeSchema = z.strictObject({
  id: z.string(),
  source: z.string(),
  target: z.string(),
  kind: z.enum(['wan', 'contains', 'storage', 'network', 'attach', 'uplink']),
  status: TopoStatusSchema,
  label: z.string(),
});
export type TopoEdge = z.infer<typeof TopoEdgeSchema>;

export const TopoPositionSchema = z.strictObject({ x: z.number().finite().min(-1e7).max(1e7), y: z.number().finite().min(-1e7).max(1e7) });
export type TopoPosition = z.infer<typeof TopoPositionSchema>;

export const TopoSearchEntrySchema = z.strictObject({
  /** Node id once visible. */
  id: z.string(),
  label: z.string(),
  detail: z.string(),
  /** Fleet level: the region to expand so the node appears. */
  expand: z.string().nullable(),
});
export type TopoSearchEntry = z.infer<typeof TopoSearchEntrySchema>;

export const TopoGraphSchema = z.strictObject({
  level: TopoLevelSchema,
  /** The saved-layout key of this view (per operator). */
  view: z.string(),
  title: z.string(),
  crumbs: z.array(z.strictObject({ label: z.string(), target: TopoTargetSchema })),
  nodes: z.array(TopoNodeSchema),
  edges: z.array(TopoEdgeSchema),
  /** Positions the operator dragged, by node id; the rest is laid out automatically. */
  layout: z.record(z.string(), TopoPositionSchema),
  /** Everything findable at this level, including nodes inside collapsed aggregates. */
  search: z.array(TopoSearchEntrySchema),
  generatedAt: IsoTime,
  /** Network view: where the data came from and how old it is. */
  source: z
    .strictObject({
      fetchedAt: IsoTime.nullable(),
      ageSeconds: z.number().nullable(),
      cached: z.boolean(),
      /** Why live data is missing or partial (unreachable cluster, SDN not readable, …). */
      problems: z.array(z.string()),
    })
    .nullable(),
});
export type TopoGraph = z.infer<typeof TopoGraphSchema>;

/** A layout key: level plus what it shows (`fleet`, `site:site:fra`, `host:c1/pve1`, `network:site:fra`). */
const ViewKey = z.string().min(1).max(400);

export const topologyChannels = {
  /** Regions with aggregated sites; the regions listed in `expanded` also show their sites and WAN links. */
  'topology:fleet': { request: z.strictObject({ expanded: z.array(z.string().max(200)).max(100).default([]) }), response: TopoGraphSchema },
  'topology:site': { request: z.strictObject({ siteId: Id }), response: TopoGraphSchema },
  'topology:host': { request: z.strictObject({ clusterId: Id, node: Id }), response: TopoGraphSchema },
  /** Bridges, VLANs, SDN zones and vnets, and which guests attach where; from the cache unless `refresh`. */
  'topology:network': { request: z.strictObject({ siteId: Id, refresh: z.boolean().default(false) }), response: TopoGraphSchema },
  'topology:saveLayout': {
    request: z.strictObject({
      view: ViewKey,
      positions: z.record(z.string().max(400), TopoPositionSchema).refine((p) => Object.keys(p).length <= 20_000, 'at most 20000 positions'),
    }),
    response: z.strictObject({ saved: z.number().int() }),
  },
  'topology:resetLayout': { request: z.strictObject({ view: ViewKey }), response: z.strictObject({ reset: z.literal(true) }) },
} as const;
