/**
 * Orchestration: operations on guests planned, reviewed, applied and
 * journalled in SQLite, run by an engine that never applies a step twice
 * and resumes after a crash (see README, "Operation journal").
 */
export { OperationEngine, EngineHalted, toDto, toSummary, type OperationEngineOptions, type CrashPoint } from './engine';
export { Journal, TERMINAL, type OperationRecord, type StepRecord, type JournalEvent } from './journal';
export { planFor, chooseTarget, viewFromResources, type ClusterView, type GuestFacts, type PlanContext, type Planned } from './planner';
export { isConfidential, placementRefusal, proposesHost, type AttestedHosts, type HostAttestationCheck, type HostRef, type PlacementRefusal } from './attested-hosts';
export { PERMISSIVE_GATEKEEPER, tenantOfTags, type Decision, type GateTarget, type Gatekeeper } from './gatekeeper';
export { issue, reconcile, summarize, taskType, type OpsClient, type StepSpec } from './steps';
export { OPERATIONS_MIGRATION_SQL } from './schema';
export { JournalLease, LEASE_MIGRATION_SQL, type JournalLeaseOptions, type LeaseHolder } from './lease';
export { createPlacementAdvisor, poolFromView, NO_PLACEMENT_CONTEXT, type PlacementAdvisor, type PlacementContext } from './placement';
export { FleetTasks, FailedTaskAlertSource, FLEET_TASKS_MIGRATION_SQL, taskFailed, type FleetTasksOptions } from './fleet-tasks';
