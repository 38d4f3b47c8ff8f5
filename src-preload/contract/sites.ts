/**
 * The Sites & Power part of the contract: site plans stored locally (with an
 * append-only revision history), each evaluated by the power engine, the
 * hardware catalogue, and pool presets. Spread into `channels` (channels.ts);
 * pure zod, like the rest of the contract.
 *
 * A plan crosses as plain JSON. On the way in it is only "an object": the
 * main process validates it against the engine's `SitePlanSchema`, so an
 * invalid plan comes back as `invalid_request` whose `field` is the JSON path
 * in the plan (`$.racks[0].devices[2].position`). On the way out the plan
 * schema below is loose: it names what the renderer edits and keeps every
 * other key, so a plan round-trips unchanged. Report schemas name the subset
 * the page shows; the router strips the rest.
 */
import { z } from 'zod';

const Id = z.string().min(1).max(200);
const Num = z.number();
const NullNum = z.number().nullable();

// ---- plans (outgoing: loose, round-trippable) --------------------------------

export const PlanPowerInputSchema = z.looseObject({ feed: z.string(), leg: z.enum(['A', 'B', 'C']).optional() });
export const PlanDeviceDtoSchema = z.looseObject({
  id: z.string(),
  ref: z.string(),
  name: z.string().optional(),
  position: NullNum,
  face: z.enum(['front', 'rear']),
  power: z.array(PlanPowerInputSchema),
});
export const PlanRackDtoSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  model: z.string(),
  devices: z.array(PlanDeviceDtoSchema),
});
export const PlanFeedDtoSchema = z.looseObject({ id: z.string(), rack: z.string(), side: z.enum(['A', 'B']) });
export const SitePlanDtoSchema = z.looseObject({
  schema: z.string(),
  name: z.string(),
  note: z.string().optional(),
  racks: z.array(PlanRackDtoSchema),
  feeds: z.array(PlanFeedDtoSchema),
});
export type SitePlanDto = z.infer<typeof SitePlanDtoSchema>;
export type PlanRackDto = z.infer<typeof PlanRackDtoSchema>;
export type PlanDeviceDto = z.infer<typeof PlanDeviceDtoSchema>;

// ---- the evaluated report (the subset the page shows) --------------------------

export const MissingSchema = z.object({
  w: Num.optional(),
  va: Num.optional(),
  a: Num.optional(),
  u: Num.optional(),
  kg: Num.optional(),
  btuPerHour: Num.optional(),
});
export type MissingDto = z.infer<typeof MissingSchema>;

export const ViolationDtoSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  missing: MissingSchema.optional(),
  path: z.string(),
});
export type ViolationDto = z.infer<typeof ViolationDtoSchema>;

const ScenarioSchema = z.enum(['normal', 'side-A-lost', 'side-B-lost']);
const FeedLoadSchema = z.object({ scenario: ScenarioSchema, w: Num, va: Num, amps: Num, utilisationPercent: Num, headroomVA: Num, shortfallVA: Num });

export const FeedReportDtoSchema = z.object({
  id: z.string(),
  rack: z.string(),
  panel: z.string().nullable(),
  side: z.enum(['A', 'B']),
  supply: z.enum(['ac', 'dc']),
  phase: z.enum(['single', 'three']),
  voltage: Num,
  amperage: Num,
  effectiveAmperage: Num,
  limitedBy: z.string(),
  availableVA: Num,
  availableW: Num,
  continuousAmps: Num,
  normal: FeedLoadSchema,
  worstFailover: FeedLoadSchema.nullable(),
});
export type FeedReportDto = z.infer<typeof FeedReportDtoSchema>;

export const RackReportDtoSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  model: z.string(),
  uHeight: Num,
  devices: z.array(z.string()),
  space: z.object({ totalU: Num, usedU: Num, freeU: Num, utilisationPercent: Num, largestFreeBlockU: Num }),
  weight: z.object({ installedKg: Num, maxLoadKg: Num, headroomKg: Num, shortfallKg: Num }),
  power: z.object({
    typicalW: Num,
    maxW: Num,
    basisW: Num,
    availableVA: Num,
    availableVAOneSide: NullNum,
    redundant: z.boolean(),
    headroomVA: Num,
    shortfallVA: Num,
    netboxUtilisationPercent: Num,
  }),
  heat: z.object({ typicalBtuPerHour: Num, maxBtuPerHour: Num, basisBtuPerHour: Num, basisCoolingTons: Num }),
});
export type RackReportDto = z.infer<typeof RackReportDtoSchema>;

export const DeviceReportDtoSchema = z.object({
  id: z.string(),
  rack: z.string(),
  ref: z.string(),
  model: z.string(),
  role: z.string(),
  uHeight: Num,
  position: NullNum,
  face: z.enum(['front', 'rear']),
  weightKg: Num,
  typicalW: Num,
  maxW: Num,
  basisW: Num,
  basisBtuPerHour: Num,
});
export type DeviceReportDto = z.infer<typeof DeviceReportDtoSchema>;

const Runtime = z.object({ normalMinutes: NullNum, degradedMinutes: NullNum });
export const UPS_LEVELS = ['N', 'N+1', '2N'] as const;
export const UpsReportDtoSchema = z.object({
  id: z.string(),
  redundancy: z.enum(UPS_LEVELS),
  modulesInstalled: Num,
  moduleVA: Num,
  moduleW: Num,
  loadW: Num,
  designW: Num,
  usableW: Num,
  headroomW: Num,
  missingW: Num,
  missingVA: Num,
  modulesRequired: z.object({ N: Num, 'N+1': Num, '2N': Num }),
  runtime: Runtime,
  runtimeByRedundancy: z.object({ N: Runtime.extend({ modules: Num }), 'N+1': Runtime.extend({ modules: Num }), '2N': Runtime.extend({ modules: Num }) }),
  targetRuntimeMinutes: Num,
  lossesW: Num,
});
export type UpsReportDto = z.infer<typeof UpsReportDtoSchema>;

export const SiteReportDtoSchema = z.object({
  ok: z.boolean(),
  settings: z.object({ budgetBasis: z.enum(['max', 'typical']), capacityMode: z.enum(['exact', 'netbox']) }),
  site: z.object({
    devices: Num,
    typicalW: Num,
    maxW: Num,
    basisW: Num,
    basisVA: Num,
    basisBtuPerHour: Num,
    basisCoolingTons: Num,
    feedsAvailableVA: Num,
    scenarios: z.array(ScenarioSchema),
  }),
  racks: z.array(RackReportDtoSchema),
  devices: z.array(DeviceReportDtoSchema),
  feeds: z.array(FeedReportDtoSchema),
  ups: UpsReportDtoSchema.nullable(),
  generator: z.object({ recommendedKW: Num, recommendedKVA: Num, ratedKW: NullNum, headroomKW: NullNum }),
  cooling: z
    .object({ heatW: Num, loadBtuPerHour: Num, loadTons: Num, capacityBtuPerHour: Num, capacityTons: Num, headroomBtuPerHour: Num })
    .nullable(),
  violations: z.array(ViolationDtoSchema),
  notes: z.array(z.string()),
});
export type SiteReportDto = z.infer<typeof SiteReportDtoSchema>;

// ---- sites ------------------------------------------------------------------------

export const SiteSummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  revision: z.number().int(),
  updatedAt: z.string(),
  racks: z.number().int(),
  devices: z.number().int(),
  /** 'invalid' when the stored plan no longer evaluates (e.g. the catalogue changed). */
  verdict: z.enum(['ok', 'warnings', 'errors', 'invalid']),
  errors: z.number().int(),
  warnings: z.number().int(),
});
export type SiteSummary = z.infer<typeof SiteSummarySchema>;

/** Per feed, what its cords carry in normal operation (load shared equally by a device's cords). */
export const FeedAllocationSchema = z.strictObject({ feed: z.string(), typicalW: Num, maxW: Num });

export const SiteDetailResultSchema = z.strictObject({
  site: SiteSummarySchema,
  plan: SitePlanDtoSchema,
  report: SiteReportDtoSchema.nullable(),
  allocations: z.array(FeedAllocationSchema),
  /** Why the stored plan does not evaluate (report null). */
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })),
});
export type SiteDetailResult = z.infer<typeof SiteDetailResultSchema>;

export const CatalogueDeviceDtoSchema = z.object({
  id: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  role: z.string(),
  uHeight: Num,
  fullDepth: z.boolean(),
  depthMm: NullNum,
  weightKg: Num,
  draw: z.object({ typicalW: Num, maxW: Num }).nullable(),
  estimated: z.array(z.string()),
});
export type CatalogueDeviceDto = z.infer<typeof CatalogueDeviceDtoSchema>;
export const CatalogueDtoSchema = z.object({
  devices: z.array(CatalogueDeviceDtoSchema),
  racks: z.array(z.object({ id: z.string(), manufacturer: z.string(), model: z.string(), uHeight: Num, maxLoadKg: Num, mountingDepthMm: NullNum })),
});
export type CatalogueDto = z.infer<typeof CatalogueDtoSchema>;

export const POOL_PRESET_SIZES = ['small', 'medium', 'large', 'x-large'] as const;
export const POOL_PRESET_LABELS: Record<(typeof POOL_PRESET_SIZES)[number], string> = {
  small: 'Pool Small',
  medium: 'Pool Medium',
  large: 'Pool Large',
  'x-large': 'Pool X-Large',
};

export const SiteSaveSchema = z.strictObject({
  /** Omit to create a new site plan. */
  id: Id.optional(),
  /** The revision the edit started from; a newer stored one answers `conflict`. */
  expectedRevision: z.number().int().min(0).optional(),
  /** Validated in main against the site plan schema; errors carry the JSON path. */
  plan: z.record(z.string(), z.unknown()),
});
export type SiteSaveRequest = z.input<typeof SiteSaveSchema>;

export const SiteApplyPresetSchema = z.strictObject({
  id: Id,
  size: z.enum(POOL_PRESET_SIZES),
  /** An empty rack of the plan to fill; omitted: a new rack is added. */
  rackId: Id.optional(),
  rackHeight: z.union([z.literal(42), z.literal(45), z.literal(48)]).optional(),
  expectedRevision: z.number().int().min(0).optional(),
});

export const sitesChannels = {
  'sites:list': { request: z.strictObject({}), response: z.array(SiteSummarySchema) },
  /** The plan and its evaluation (budgets, failure scenarios, violations). */
  'sites:get': { request: z.strictObject({ id: Id }), response: SiteDetailResultSchema },
  /** Validates, refuses placements the rack editor may not make (overlap, overweight …), appends a revision. */
  'sites:save': { request: SiteSaveSchema, response: SiteDetailResultSchema },
  'sites:catalogue': { request: z.strictObject({}), response: CatalogueDtoSchema },
  /** Places a pool preset (hosts, switches, patch panel, A/B PDUs and feeds) and saves. */
  'sites:applyPreset': { request: SiteApplyPresetSchema, response: SiteDetailResultSchema },
} as const;
