/**
 * Site plans: stored locally with an append-only revision history, evaluated
 * by the power engine (src-main/power), and the demo plans.
 */
export { SITES_MIGRATION_SQL } from './schema';
export { SitesService, type RevisionRow, type SaveOptions, type SitesServiceOptions } from './service';
export { edgeFailoverPlan, EXAMPLE_PLAN_PATH, seedDemoSites } from './demo';
