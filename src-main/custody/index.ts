/**
 * Bulk Data Transfer chain of custody: the appliance lifecycle state
 * machine, signed custody events on the `ledger_custody` Merkle log,
 * export bundles and their offline verification, and `cairn custody`.
 */
export { CUSTODY_MIGRATION_SQL } from './schema';
export { CustodyService, refusalError, type CustodyServiceOptions, type RecordOptions } from './service';
export { seedDemoCustody } from './demo';
export { verifyBundle, verifyBundleParallel, BundleSchema, type Bundle, type VerifyOptions } from './bundle';
export { allowedNext, applyEvent, FIELD_SPECS, nextSteps, replay, TRANSITIONS, type ReplayState, type TransitionRefusal } from './machine';
export { canonicalJson, type EventBody } from './event';
export { OPERATOR_KEY_ACCOUNT, logKeyAccount } from './keys';
export { FieldLog, verifyFieldLog, FieldLogBundleSchema, type FieldLogBundle } from './field-log';
export { listMerges, mergeFieldLog } from './field-merge';
export { CUSTODY_FIELD_MIGRATION_SQL, FIELD_LOG_PREFIX } from './field-schema';
export { checkActor, custodyActionFor, roleRefusal, type CustodyActor } from './permissions';
export { CUSTODY_HELP, runCustodyCli, type CustodyCliIo } from './cli';
