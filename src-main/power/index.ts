/**
 * The power engine: feed capacity (NetBox-compatible and exact), phase
 * balance, budgets per device, rack, feed, panel and site, A/B failover,
 * UPS/generator sizing, heat and cooling, rack space and weight, pool
 * presets, the hardware catalogue, site-plan evaluation and `cairn power`.
 *
 * Pure computation over plain data; nothing here throws on bad input (plans
 * and catalogues come back as typed validation errors with JSON paths).
 * Reads files only through the readFile the caller passes in.
 */
export { roundHalfEven, round2 } from './rounding';
export * from './units';
export {
  defaultOutletWiring,
  feedCapacity,
  feedSpecProblem,
  legBalance,
  LEGS,
  netboxPercentage,
  type CapacityMode,
  type FeedCapacity,
  type FeedSpec,
  type Leg,
  type LegBalance,
  type LegLoads,
  type LineCurrent,
  type OutletWiring,
  type Phase,
  type Supply,
  type VoltageType,
} from './feed';
export {
  btuPerHourToTons,
  btuPerHourToWatts,
  checkCooling,
  checkInletTemperature,
  coolingCapacityBtuPerHour,
  heatFromWatts,
  heatReport,
  wattsToBtuPerHour,
  type CoolingCapacity,
  type CoolingCheck,
  type Heat,
  type InletCheck,
  type InletVerdict,
} from './heat';
export {
  generatorKw,
  modulesAfterFailure,
  modulesForLoad,
  modulesInstalledFor,
  recommendGenerator,
  runtimeFor,
  runtimeMinutes,
  sizeUps,
  upsDesignLoad,
  UPS_REDUNDANCIES,
  type GeneratorRecommendation,
  type RuntimeEstimate,
  type UpsLoad,
  type UpsModule,
  type UpsRedundancy,
  type UpsSizing,
} from './redundancy';
export { formatUnit, RackLayout, type Face, type Mountable, type PlaceResult, type RackSpec, type Refusal, type RefusalCode } from './rack';
export { getPowerDraw, type PowerDraw, type PowerPortNode } from './draw';
export {
  Catalogue,
  CATALOGUE_SCHEMA_ID,
  CatalogueDeviceSchema,
  CatalogueRackSchema,
  CatalogueSchema,
  DEFAULT_CATALOGUE_PATH,
  DEVICE_ROLES,
  loadCatalogue,
  parseCatalogue,
  parseCatalogueText,
  type CatalogueData,
  type CatalogueDevice,
  type CatalogueRack,
  type CatalogueResult,
  type DeviceRole,
} from './catalogue';
export {
  crossCheckPlan,
  DEFAULT_MAX_PHASE_IMBALANCE_PERCENT,
  parseSitePlan,
  PLAN_SCHEMA_ID,
  SitePlanSchema,
  type PlanDevice,
  type PlanDeviceInput,
  type PlanFeed,
  type PlanFeedInput,
  type PlanPanel,
  type PlanParseResult,
  type PlanRack,
  type PlanRackInput,
  type PlanUps,
  type SitePlan,
  type SitePlanInput,
} from './plan-schema';
export {
  evaluatePlan,
  evaluateSitePlan,
  evaluateSitePlanText,
  REPORT_SCHEMA_ID,
  type CoolingReport,
  type DeviceReport,
  type EvaluateResult,
  type FeedLoadReport,
  type FeedReport,
  type GeneratorReport,
  type PanelReport,
  type PlanReport,
  type RackReport,
  type Scenario,
  type UpsReport,
} from './plan';
export { poolPreset, POOL_HOSTS, POOL_NAMES, POOL_SIZES, type PoolPreset, type PoolPresetOptions, type PoolPresetResult, type PoolSize } from './presets';
export {
  CAPACITY_CODES,
  formatIssuePath,
  VIOLATION_CODES,
  type Missing,
  type PlanValidationError,
  type ValidationIssue,
  type Violation,
  type ViolationCode,
} from './validation';
export { POWER_HELP, runPowerCli, type PowerCliIo } from './cli';
