/**
 * The audit trail: every operator action appended to the `ledger_audit`
 * Merkle log with identity, roles, time, source and outcome; search,
 * signed checkpoints, exports (bundle, CSV, PDF) and offline verification
 * (`cairn audit verify`).
 */
export { AUDIT_MIGRATION_SQL } from './schema';
export { AuditService, type AuditRange, type AuditServiceOptions, type RecordInput } from './service';
export { auditedHandlers, recordSafely, SOURCE_OF, type Identity } from './recorder';
export { CHANNEL_AUDIT, classify, type ChannelClass } from './channels';
export { AuditBundleSchema, verifyAuditBundle, type AuditBundle } from './bundle';
export { auditCsv, csvCell } from './csv';
export { renderAuditReport, type AuditReport } from './report-pdf';
export { summarise, targetOf } from './entry';
export { auditKeyAccount } from './keys';
export { AUDIT_HELP, runAuditCli, type AuditCliIo } from './cli';
