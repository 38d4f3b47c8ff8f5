/**
 * Capacity: allocated vs physical per host, pool and site, RRD trends and
 * forecasts, N+1 headroom, the what-if simulator, the placement advisor and
 * pool sizing, over the fleet cache and the service catalogue. Plain Node;
 * other domains, the composition root and the CLI import from here only.
 */
export { CapacityService, type CapacityServiceOptions, type NodeRrdSource, type PoolForecast } from './service';
export { DEFAULT_SERVICE_CATALOGUE_PATH, loadServiceCatalogue, parseServiceCatalogue, hostSpec, vmSize, poolSizeFor, type ServiceCatalogue } from './catalogue';
export { normaliseHaPolicy, NO_HA_POLICY, parseNodes, parseResources, type HaPolicy, type HaPolicySource, type RawHaPolicy } from './ha-policy';
export { NO_QUOTAS, type HostAttestationGate, type QuotaSource, type TenantQuota } from './advisor';
export { adviseMove, type MoveAdvice, type MoveCandidate, type MoveInput } from './move-advisor';
export type { AttestationLookup } from './headroom';
export { pack, type PackHost, type PackItem, type PackConstraints, type PackResult } from './pack';
export { n1, simulateLoss, recoverSite } from './headroom';
export { sizePool } from './sizing';
export { forecast, linearFit } from './forecast';
export { DEFAULT_LIMITS, type Limits, type PoolModel, type HostModel, type GuestModel } from './model';
export { runCapacityCli, CAPACITY_HELP, type CapacityCliIo } from './cli';
