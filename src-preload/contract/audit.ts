/**
 * The audit trail: every operator action appended to the `ledger_audit`
 * Merkle log, its paged and filtered listing, exports of a time range
 * (PDF, CSV, verifiable JSON bundle) and offline bundle verification.
 * Spread into `channels`.
 */
import { z } from 'zod';

/** Where an action came from: the desktop app, browser mode, the CLI, or the composition root in tests. */
export const AUDIT_SOURCES = ['desktop', 'browser', 'cli', 'test'] as const;
export const AuditSourceSchema = z.enum(AUDIT_SOURCES);
export type AuditSource = z.infer<typeof AuditSourceSchema>;
export const AUDIT_SOURCE_LABELS: Record<AuditSource, string> = { desktop: 'Desktop', browser: 'Browser mode', cli: 'CLI', test: 'Test' };

/** ok: done; refused: the app said no (role, validation, conflict…) with an error code; failed: it was tried and did not work. */
export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export const AuditOutcomeSchema = z.enum(AUDIT_OUTCOMES);
export type AuditOutcome = z.infer<typeof AuditOutcomeSchema>;

/** A summary value: scalars and short string lists only, never a payload copied wholesale. */
export const AuditDetailValueSchema = z.union([z.string().max(200), z.number(), z.boolean(), z.array(z.string().max(200)).max(16)]);
export const AuditDetailsSchema = z.record(z.string().max(60), AuditDetailValueSchema);
export type AuditDetails = z.infer<typeof AuditDetailsSchema>;

/** One audit entry exactly as it is logged (its canonical JSON is the Merkle leaf). */
export const AuditEntrySchema = z.strictObject({
  v: z.literal(1),
  /** UTC, ISO-8601 with milliseconds; never earlier than the previous entry's. */
  at: z.string().max(40),
  actor: z.string().max(200),
  roles: z.array(z.string().max(60)).max(16),
  source: AuditSourceSchema,
  /** `domain.verb`, e.g. `connections.add`, `session.signIn`, `operation.succeeded`. */
  action: z.string().min(1).max(80),
  target: z.string().max(300).nullable(),
  outcome: AuditOutcomeSchema,
  /** The contract error code when refused or failed. */
  error: z.string().max(60).nullable(),
  details: AuditDetailsSchema,
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditRowSchema = AuditEntrySchema.extend({ seq: z.number().int().min(0) });
export type AuditRow = z.infer<typeof AuditRowSchema>;

const IsoTime = z.iso.datetime({ offset: true });

export const AuditQuerySchema = z.strictObject({
  /** Inclusive lower and exclusive upper bound, ISO-8601. */
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  actor: z.string().max(200).optional(),
  /** An action or an action prefix (`connections` matches `connections.add`). */
  action: z.string().max(80).optional(),
  source: AuditSourceSchema.optional(),
  outcome: AuditOutcomeSchema.optional(),
  /** Free text over actor, action, target, error and details. */
  q: z.string().max(200).optional(),
  offset: z.number().int().min(0).max(10_000_000).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.input<typeof AuditQuerySchema>;

export const AuditPageSchema = z.strictObject({ rows: z.array(AuditRowSchema), total: z.number().int() });
export type AuditPage = z.infer<typeof AuditPageSchema>;

export const AUDIT_EXPORT_FORMATS = ['pdf', 'csv', 'bundle'] as const;
export const AuditExportSchema = z.strictObject({
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  format: z.enum(AUDIT_EXPORT_FORMATS),
});
export type AuditExportRequest = z.input<typeof AuditExportSchema>;

/** Exports travel in one frame (browser mode caps a frame at 1 MiB); larger ranges are the CLI's. */
export const AUDIT_EXPORT_MAX_CHARS = 900 * 1024;
export const AuditExportResultSchema = z.strictObject({
  fileName: z.string(),
  mediaType: z.string(),
  /** utf8 for CSV and the bundle, base64 for the PDF. */
  encoding: z.enum(['utf8', 'base64']),
  data: z.string().max(AUDIT_EXPORT_MAX_CHARS),
  entries: z.number().int(),
});
export type AuditExportResult = z.infer<typeof AuditExportResultSchema>;

export const AuditVerifySchema = z.strictObject({
  text: z.string().max(AUDIT_EXPORT_MAX_CHARS),
  /** A verifier key the operator trusts; without it the bundle vouches for its own log key. */
  vkey: z.string().trim().max(400).optional(),
});
export const AuditCheckSchema = z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string() });
export const AuditVerifyResultSchema = z.strictObject({
  valid: z.boolean(),
  checks: z.array(AuditCheckSchema),
  failures: z.array(z.string()),
  /** What the bundle covers, when it could be read. */
  entries: z.number().int(),
  range: z.strictObject({ from: z.string().nullable(), to: z.string().nullable() }).nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResultSchema>;

export const AuditHeadSchema = z.strictObject({
  origin: z.string(),
  size: z.number().int(),
  /** Base64 root hash of the log at `size`. */
  rootHash: z.string(),
  /** The last signed checkpoint (exports sign one at the log's size), or null before the first. */
  checkpoint: z.strictObject({ size: z.number().int(), at: z.string(), note: z.string() }).nullable(),
});
export type AuditHead = z.infer<typeof AuditHeadSchema>;

export const auditChannels = {
  /** Entries newest first, filtered and paged. */
  'audit:list': { request: AuditQuerySchema, response: AuditPageSchema },
  /** A time range as PDF, CSV or a bundle that `cairn audit verify` checks offline. */
  'audit:export': { request: AuditExportSchema, response: AuditExportResultSchema },
  'audit:verify': { request: AuditVerifySchema, response: AuditVerifyResultSchema },
  'audit:head': { request: z.strictObject({}), response: AuditHeadSchema },
} as const;
