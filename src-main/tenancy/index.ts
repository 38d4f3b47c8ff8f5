/**
 * Tenancy and roles: tenants and their quotas per scope (fleet, site,
 * pool), usage from the inventory, local operator identities, the role
 * model, and the Gatekeeper port every acting module asks before it acts.
 * Plain Node; other domains and the composition root import from here only.
 */
export { TenancyService, type TenancyServiceOptions, type CentralSnapshot } from './service';
export { createGatekeeper, enforce, type Gatekeeper } from './gatekeeper';
export { TenancyQuotaSource } from './quota-source';
export { ROLES, authorize, roleActions, roleDtos, roleGrants, FLEET_TARGET, type Decision, type Identity, type QuotaViolation, type RoleSpec, type Target } from './roles';
export { checkQuotas, formatBytes, RESOURCES, type ScopeUsage } from './quota';
export { USAGE_BASIS } from './usage';
export { TENANCY_GROUPS_MIGRATION_SQL, TENANCY_MIGRATION_SQL } from './schema';
export { groupKey, groupMatches, NO_GROUPS, OsGroupSource, type GroupSource } from './groups';
export { createOrchestrationGatekeeper, ENGINE_ACTION_ALIASES, type OrchestrationDecision, type OrchestrationTarget } from './orchestration-port';
