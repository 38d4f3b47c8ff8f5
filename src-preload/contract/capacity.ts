/**
 * The Capacity part of the contract: allocated vs physical per host, pool
 * (one Proxmox VE cluster) and site; RRD history with a least-squares trend
 * and a days-until-threshold forecast; N+1 headroom per pool; the what-if
 * simulator (lose a host or a whole site); the placement advisor; pool
 * sizing; and the service catalogue. Spread into `channels` (channels.ts);
 * pure zod, like the rest of the contract.
 */
import { z } from 'zod';
import { RrdTimeframeSchema } from './dto';

const Id = z.string().min(1).max(200);
const Num = z.number();
const Int = z.number().int();
const IsoTime = z.string().max(40);

// ---- the service catalogue -----------------------------------------------------------

export const VM_SIZE_IDS = ['small', 'medium', 'large', 'x-large'] as const;
export type VmSizeId = (typeof VM_SIZE_IDS)[number];
export const POOL_SIZE_IDS = ['small', 'medium', 'large', 'x-large', 'edge-small'] as const;
export type PoolSizeId = (typeof POOL_SIZE_IDS)[number];

export const ServiceCatalogueDtoSchema = z.object({
  schema: z.string(),
  source: z.string(),
  host: z.object({
    id: z.string(),
    label: z.string(),
    sockets: Int,
    coresPerSocket: Int,
    threadsPerCore: Int,
    memoryGB: Num,
    ssdTB: Num,
    note: z.string(),
  }),
  pools: z.array(z.object({ id: z.enum(POOL_SIZE_IDS), family: z.string(), service: z.string(), label: z.string(), hosts: Int, placement: z.enum(['datacentre', 'edge']) })),
  vmSizes: z.array(z.object({ id: z.enum(VM_SIZE_IDS), service: z.string(), label: z.string(), vcpu: Int, memoryGB: Num })),
});
export type ServiceCatalogueDto = z.infer<typeof ServiceCatalogueDtoSchema>;

// ---- planning settings -----------------------------------------------------------------

/** How far the engine lets a host be committed. Both have defaults; the page shows what was used. */
export const CapacitySettingsSchema = z.strictObject({
  /** Allocated vCPUs per physical thread the packer accepts (default 4). */
  cpuOvercommit: z.number().min(0.5).max(32).default(4),
  /** Share of a host's physical memory guests may be given (default 0.9: the rest is host overhead, ZFS ARC). */
  memCeiling: z.number().min(0.1).max(1).default(0.9),
});
export type CapacitySettings = z.output<typeof CapacitySettingsSchema>;
const SettingsOut = z.object({ cpuOvercommit: Num, memCeiling: Num });

// ---- figures -----------------------------------------------------------------------------

/** One resource: what is installed, what running guests are given, what is used now. */
export const ResourceFiguresSchema = z.object({
  physical: Num,
  allocated: Num,
  used: Num,
  /** allocated ÷ physical (the overcommit ratio); 0 when nothing is installed. */
  ratio: Num,
});
export type ResourceFigures = z.infer<typeof ResourceFiguresSchema>;

export const CapacityFiguresSchema = z.object({
  /** Threads; allocated = vCPUs of running guests; used = threads busy now. */
  cpu: ResourceFiguresSchema,
  /** Bytes; allocated = configured memory of running guests. */
  mem: ResourceFiguresSchema,
  /** Bytes of guest-image storage; allocated = configured disks of all guests (thin provisioning shows as ratio > 1). */
  disk: ResourceFiguresSchema,
  /** What stopped guests would claim if started (not counted in allocated). */
  stopped: z.object({ guests: Int, vcpu: Num, mem: Num }),
});
export type CapacityFigures = z.infer<typeof CapacityFiguresSchema>;

export const AttestationStateSchema = z.enum(['pass', 'fail', 'stale', 'none']);
export type AttestationState = z.infer<typeof AttestationStateSchema>;

export const HostCapacitySchema = z.object({
  clusterId: z.string(),
  node: z.string(),
  online: z.boolean(),
  guests: Int,
  haGuests: Int,
  figures: CapacityFiguresSchema,
  /** Newest attestation of a confidential guest running on this host (accept and younger than 24 h = pass). */
  attestation: AttestationStateSchema,
  attestedAt: IsoTime.nullable(),
});
export type HostCapacity = z.infer<typeof HostCapacitySchema>;

export const HaRulesInfoSchema = z.object({
  /** live: fetched now; cached: the last live answer of this run; none: never fetched (offline or no client). */
  source: z.enum(['live', 'cached', 'none']),
  fetchedAt: IsoTime.nullable(),
  model: z.enum(['rules', 'groups', 'none']),
  nodeAffinity: Int,
  resourceAffinity: Int,
  note: z.string(),
});
export type HaRulesInfo = z.infer<typeof HaRulesInfoSchema>;

export const HeadroomSummarySchema = z.object({
  /** ok: every single-host loss restarts every HA guest; fails: at least one does not; unknown: no online host. */
  verdict: z.enum(['ok', 'fails', 'unknown']),
  /** The host whose loss leaves the most HA guests without a place (or the most memory displaced). */
  worstHost: z.string().nullable(),
  haGuests: Int,
  /** HA guests without a place in the worst single-host loss. */
  notFitting: Int,
  /** True when every verdict came from an exact search or a placement (never from an exhausted search). */
  exact: z.boolean(),
  rules: HaRulesInfoSchema,
});
export type HeadroomSummary = z.infer<typeof HeadroomSummarySchema>;

export const PoolCapacitySchema = z.object({
  clusterId: z.string(),
  name: z.string(),
  siteId: z.string(),
  siteName: z.string(),
  region: z.string(),
  kind: z.enum(['edge', 'datacentre']),
  /** The catalogue pool size this host count matches, or null. */
  catalogueSize: z.enum(POOL_SIZE_IDS).nullable(),
  tenants: z.array(z.string()),
  stale: z.boolean(),
  figures: CapacityFiguresSchema,
  hosts: z.array(HostCapacitySchema),
  headroom: HeadroomSummarySchema,
});
export type PoolCapacity = z.infer<typeof PoolCapacitySchema>;

export const SiteCapacitySchema = z.object({
  id: z.string(),
  name: z.string(),
  region: z.string(),
  kind: z.enum(['edge', 'datacentre']),
  figures: CapacityFiguresSchema,
  pools: z.array(z.string()),
});
export type SiteCapacity = z.infer<typeof SiteCapacitySchema>;

export const ConsumerSchema = z.object({
  clusterId: z.string(),
  vmid: Int,
  name: z.string(),
  node: z.string(),
  tenant: z.string().nullable(),
  vcpu: Num,
  mem: Num,
  cpuUsed: Num,
  memUsed: Num,
});
export type Consumer = z.infer<typeof ConsumerSchema>;

export const QuotaInfoSchema = z.object({ available: z.boolean(), note: z.string() });

/** What a tenant (guest tag `tenant-<name>`) is given across the fleet, and its quota once orchestration provides one. */
export const TenantUsageSchema = z.object({
  tenant: z.string(),
  pools: Int,
  guests: Int,
  running: Int,
  vcpu: Num,
  mem: Num,
  disk: Num,
  /** null until a quota source knows the tenant's quota. */
  quota: z.object({ vcpu: Num.nullable(), mem: Num.nullable() }).nullable(),
});
export type TenantUsage = z.infer<typeof TenantUsageSchema>;

export const CapacityOverviewSchema = z.object({
  generatedAt: IsoTime,
  settings: SettingsOut,
  fleet: CapacityFiguresSchema,
  sites: z.array(SiteCapacitySchema),
  pools: z.array(PoolCapacitySchema),
  /** By configured memory of running guests. */
  topConsumers: z.array(ConsumerSchema),
  /** Allocation per tenant (running guests), largest first. */
  tenants: z.array(TenantUsageSchema),
  quota: QuotaInfoSchema,
});
export type CapacityOverview = z.infer<typeof CapacityOverviewSchema>;

// ---- headroom and what-if -------------------------------------------------------------------

export const GuestOutcomeSchema = z.object({
  clusterId: z.string(),
  vmid: Int,
  name: z.string(),
  tenant: z.string().nullable(),
  vcpu: Num,
  mem: Num,
  ha: z.boolean(),
  confidential: z.boolean(),
  from: z.string(),
  /**
   * restarted: HA restarts it on `to`; does-not-fit: HA would try, no survivor can take it;
   * down: not HA-managed, stays down; recoverable: site lost, a restore would fit on `to`;
   * unrecoverable: site lost and no other pool can take it.
   */
  outcome: z.enum(['restarted', 'does-not-fit', 'down', 'recoverable', 'unrecoverable']),
  to: z.object({ clusterId: z.string(), pool: z.string(), node: z.string() }).nullable(),
  reason: z.string(),
  warnings: z.array(z.string()),
});
export type GuestOutcome = z.infer<typeof GuestOutcomeSchema>;

export const HostAfterSchema = z.object({
  clusterId: z.string(),
  node: z.string(),
  lost: z.boolean(),
  vcpuBefore: Num,
  vcpuAfter: Num,
  vcpuLimit: Num,
  memBefore: Num,
  memAfter: Num,
  memLimit: Num,
  received: Int,
});
export type HostAfter = z.infer<typeof HostAfterSchema>;

export const LossResultSchema = z.object({
  lost: z.string(),
  survives: z.boolean(),
  exact: z.boolean(),
  displaced: Int,
  notFitting: Int,
});

export const PoolHeadroomSchema = z.object({
  pool: PoolCapacitySchema,
  /** One row per single-host loss. */
  losses: z.array(LossResultSchema),
  /** The worst loss in full: where each HA guest goes. */
  worst: z.array(GuestOutcomeSchema),
  settings: SettingsOut,
  topConsumers: z.array(ConsumerSchema),
});
export type PoolHeadroom = z.infer<typeof PoolHeadroomSchema>;

export const WhatIfRequestSchema = z.strictObject({
  lose: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('host'), clusterId: Id, node: Id }),
    z.strictObject({ kind: z.literal('site'), siteId: Id }),
  ]),
  settings: CapacitySettingsSchema.optional(),
});
export type WhatIfRequest = z.input<typeof WhatIfRequestSchema>;

export const WhatIfResultSchema = z.object({
  scenario: z.string(),
  kind: z.enum(['host', 'site']),
  settings: SettingsOut,
  outcomes: z.array(GuestOutcomeSchema),
  hosts: z.array(HostAfterSchema),
  counts: z.object({ restarted: Int, doesNotFit: Int, down: Int, recoverable: Int, unrecoverable: Int }),
  rules: z.array(z.object({ clusterId: z.string(), pool: z.string(), info: HaRulesInfoSchema })),
  exact: z.boolean(),
  notes: z.array(z.string()),
});
export type WhatIfResult = z.infer<typeof WhatIfResultSchema>;

// ---- placement advisor ------------------------------------------------------------------------

export const TenantSchema = z
  .string()
  .trim()
  .min(1, 'tenant is required')
  .max(60)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes (the tag is tenant-<name>)');

export const PlaceRequestSchema = z.strictObject({
  size: z.enum(VM_SIZE_IDS),
  tenant: TenantSchema,
  confidential: z.boolean().default(false),
  ha: z.boolean().default(false),
  settings: CapacitySettingsSchema.optional(),
});
export type PlaceRequest = z.input<typeof PlaceRequestSchema>;

export const PlacementCandidateSchema = z.object({
  clusterId: z.string(),
  pool: z.string(),
  site: z.string(),
  node: z.string(),
  accepted: z.boolean(),
  /** 1 = best; null for rejected hosts. */
  rank: Int.nullable(),
  servesTenant: z.boolean(),
  memFreeAfter: Num,
  cpuRatioAfter: Num,
  reasons: z.array(z.string()),
});
export type PlacementCandidate = z.infer<typeof PlacementCandidateSchema>;

export const PlaceResultSchema = z.object({
  vm: z.object({ size: z.enum(VM_SIZE_IDS), label: z.string(), vcpu: Num, mem: Num }),
  tenant: z.string(),
  confidential: z.boolean(),
  ha: z.boolean(),
  settings: SettingsOut,
  candidates: z.array(PlacementCandidateSchema),
  accepted: Int,
  /** Rejection reasons by how many hosts each rejected. */
  rejections: z.array(z.object({ reason: z.string(), hosts: Int })),
  quota: QuotaInfoSchema,
  notes: z.array(z.string()),
});
export type PlaceResult = z.infer<typeof PlaceResultSchema>;

// ---- pool sizing --------------------------------------------------------------------------------

export const SizePoolRequestSchema = z.strictObject({
  demand: z
    .array(z.strictObject({ size: z.enum(VM_SIZE_IDS), count: z.number().int().min(0).max(100_000) }))
    .min(1, 'give at least one VM size and count')
    .max(VM_SIZE_IDS.length),
  settings: CapacitySettingsSchema.optional(),
});
export type SizePoolRequest = z.input<typeof SizePoolRequestSchema>;

export const SizeOptionSchema = z.object({
  pool: z.enum(POOL_SIZE_IDS),
  label: z.string(),
  hosts: Int,
  fits: z.boolean(),
  /** Survives the loss of any one host with every VM restarted (all demand treated as HA). */
  n1: z.boolean(),
  reason: z.string(),
  /** What still fits on top of the demand with the N+1 reserve kept, per VM size (each alone). */
  leftover: z.array(z.object({ size: z.enum(VM_SIZE_IDS), count: Int })),
  vcpuLimit: Num,
  memLimit: Num,
});

export const SizePoolResultSchema = z.object({
  demand: z.array(z.object({ size: z.enum(VM_SIZE_IDS), count: Int })),
  vms: Int,
  vcpu: Num,
  mem: Num,
  settings: SettingsOut,
  options: z.array(SizeOptionSchema),
  /** The smallest data-centre pool that fits with N+1, or null. */
  recommended: z.enum(POOL_SIZE_IDS).nullable(),
  note: z.string(),
});
export type SizePoolResult = z.infer<typeof SizePoolResultSchema>;

// ---- history -------------------------------------------------------------------------------------

export const ForecastSchema = z.object({
  threshold: Num,
  /**
   * crosses: the trend reaches the threshold in `days`; already-above: the last fitted value is over it;
   * no-crossing: flat or decreasing, or beyond the horizon; not-significant: the slope is within noise;
   * insufficient-data: fewer than 8 samples.
   */
  status: z.enum(['crosses', 'already-above', 'no-crossing', 'not-significant', 'insufficient-data']),
  days: Num.nullable(),
  at: IsoTime.nullable(),
  /** Change per day in fraction of capacity. */
  slopePerDay: Num.nullable(),
  r2: Num.nullable(),
  horizonDays: Num,
  message: z.string(),
});
export type Forecast = z.infer<typeof ForecastSchema>;

export const CapacityHistorySchema = z.object({
  timeframe: RrdTimeframeSchema,
  /** Epoch ms; fractions of physical capacity of the pool (or host). */
  points: z.array(z.object({ time: Num, cpu: Num.nullable(), mem: Num.nullable() })),
  trend: z.object({ cpu: z.array(z.tuple([Num, Num])), mem: z.array(z.tuple([Num, Num])) }),
  cpu: ForecastSchema,
  mem: ForecastSchema,
  cached: z.boolean(),
  /** Hosts whose history could not be had (neither live nor cached). */
  missing: z.array(z.string()),
});
export type CapacityHistory = z.infer<typeof CapacityHistorySchema>;

export const capacityChannels = {
  'capacity:overview': { request: z.strictObject({ settings: CapacitySettingsSchema.optional() }), response: CapacityOverviewSchema },
  /** A pool's hosts, every single-host loss, and the worst one guest by guest (HA rules fetched live). */
  'capacity:pool': { request: z.strictObject({ clusterId: Id, settings: CapacitySettingsSchema.optional() }), response: PoolHeadroomSchema },
  /** History of a pool (clusterId), one of its hosts (clusterId + node) or a whole site (siteId). */
  'capacity:history': {
    request: z
      .strictObject({
        clusterId: Id.optional(),
        node: Id.optional(),
        siteId: Id.optional(),
        timeframe: RrdTimeframeSchema.default('month'),
        threshold: z.number().min(0.05).max(1).default(0.8),
      })
      .refine((r) => (r.clusterId === undefined) !== (r.siteId === undefined), { message: 'give exactly one of clusterId or siteId', path: ['clusterId'] })
      .refine((r) => r.node === undefined || r.clusterId !== undefined, { message: 'a node needs its clusterId', path: ['node'] }),
    response: CapacityHistorySchema,
  },
  'capacity:whatIf': { request: WhatIfRequestSchema, response: WhatIfResultSchema },
  'capacity:place': { request: PlaceRequestSchema, response: PlaceResultSchema },
  'capacity:sizePool': { request: SizePoolRequestSchema, response: SizePoolResultSchema },
  'capacity:catalogue': { request: z.strictObject({}), response: ServiceCatalogueDtoSchema },
} as const;
