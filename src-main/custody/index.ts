/**
 * Bulk Data Transfer chain of custody: the appliance lifecycle state
 * machine, signed custody events on the `ledger_custody` Merkle log,
 * export bundles and their offline verification, and `cairn custody`.
 */
export { CUSTODY_MIGRATION_SQL } from './schema';
export { CustodyService, refusalError, type CustodyServiceOptions } from './service';
export { seedDemoCustody } from './demo';
export { verifyBundle, BundleSchema, type Bundle, type VerifyOptions } from './bundle';
export { allowedNext, applyEvent, FIELD_SPECS, nextSteps, replay, TRANSITIONS, type ReplayState, type TransitionRefusal } from './machine';
export { canonicalJson, type EventBody } from './event';
export { OPERATOR_KEY_ACCOUNT, logKeyAccount } from './keys';
export { CUSTODY_HELP, runCustodyCli, type CustodyCliIo } from './cli';
