/**
 * The Bulk Data Transfer chain-of-custody part of the contract: the
 * appliance lifecycle states, jobs and appliances, custody events, signed
 * export bundles and their offline verification. Spread into `channels`
 * (channels.ts); pure zod, like the rest of the contract.
 *
 * Evidence files never cross as paths: the renderer hashes them with
 * WebCrypto and sends SHA-256 hex. Key material never crosses at all: an
 * appliance carries the *id* of its encryption key and a KMS reference.
 */
import { z } from 'zod';

/** The lifecycle in its normal order, then the exception states. */
export const CUSTODY_FLOW_STATES = [
  'ordered',
  'provisioning',
  'ready',
  'sealed',
  'in_transit_to_customer',
  'delivered',
  'loading',
  'resealed',
  'in_transit_back',
  'received',
  'ingesting',
  'ingested',
  'sanitising',
  'sanitised',
  'closed',
] as const;
export const CUSTODY_EXCEPTION_STATES = ['cancelled', 'lost', 'damaged', 'tamper_suspected', 'quarantined'] as const;
export const CUSTODY_STATES = [...CUSTODY_FLOW_STATES, ...CUSTODY_EXCEPTION_STATES] as const;
export const CustodyStateSchema = z.enum(CUSTODY_STATES);
export type CustodyState = z.infer<typeof CustodyStateSchema>;

export const CUSTODY_STATE_LABELS: Record<CustodyState, string> = {
  ordered: 'Ordered',
  provisioning: 'Provisioning',
  ready: 'Ready',
  sealed: 'Sealed',
  in_transit_to_customer: 'In transit to customer',
  delivered: 'Delivered',
  loading: 'Loading at customer',
  resealed: 'Resealed',
  in_transit_back: 'In transit back',
  received: 'Received',
  ingesting: 'Ingesting',
  ingested: 'Ingested',
  sanitising: 'Sanitising',
  sanitised: 'Sanitised',
  closed: 'Closed',
  cancelled: 'Cancelled',
  lost: 'Lost',
  damaged: 'Damaged',
  tamper_suspected: 'Tamper suspected',
  quarantined: 'Quarantined',
};

export const CUSTODY_ROLES = [
  'hub_technician',
  'logistics_coordinator',
  'courier',
  'customer_representative',
  'field_engineer',
  'noc_engineer',
  'ingest_engineer',
  'sanitisation_officer',
  'security_officer',
] as const;
export const CustodyRoleSchema = z.enum(CUSTODY_ROLES);

const Id = z.string().min(1).max(200);
const IsoTime = z.string().max(40);
const Text = (max = 200) => z.string().trim().min(1).max(max);
/** No whitespace or control characters: serials, ids, references. */
const Token = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@#-]*$/, 'letters, digits and . _ : / @ # - only');
export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 digest as 64 lower-case hex digits');
const Bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * A KMS key *reference* (ARN, URI, key-vault id). Refuses what looks like
 * key material: PEM blocks and long runs of hex or base64.
 */
export const KmsReferenceSchema = z
  .string()
  .trim()
  .min(3)
  .max(300)
  .regex(/^\S+$/, 'a reference has no spaces')
  .refine((s) => !/-----BEGIN|PRIVATE/i.test(s) && !/[0-9a-fA-F]{48,}/.test(s) && !/[A-Za-z0-9+/=]{64,}/.test(s), 'this looks like key material; give the KMS reference (ARN, URI or id), never the key');

export const CustodyOperatorSchema = z.strictObject({ name: Text(120), role: CustodyRoleSchema });
export type CustodyOperator = z.infer<typeof CustodyOperatorSchema>;

export const CustodySiteSchema = z.strictObject({
  name: Text(120),
  gps: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
});
export type CustodySite = z.infer<typeof CustodySiteSchema>;

export const CustodyAttachmentSchema = z.strictObject({ label: Text(120), sha256: Sha256HexSchema });
export type CustodyAttachment = z.infer<typeof CustodyAttachmentSchema>;

/** Transition-specific fields; main validates them against the target state's field specs. */
export const CustodyFieldValueSchema = z.union([z.string().max(1000), z.number().finite(), z.boolean(), z.array(z.string().max(200)).max(32)]);
export const CustodyFieldsSchema = z
  .record(z.string().regex(/^[a-z][A-Za-z0-9]{0,39}$/), CustodyFieldValueSchema)
  .refine((o) => Object.keys(o).length <= 32, 'at most 32 fields');
export type CustodyFields = z.infer<typeof CustodyFieldsSchema>;

/** How the record form asks for one field; main sends these with the allowed next states. */
export const CustodyFieldSpecSchema = z.strictObject({
  name: z.string(),
  label: z.string(),
  /** text; number (non-negative integer); sha256 (hex); list (comma-separated ids); files (hashed in the browser); choice; confirm (must be ticked). */
  kind: z.enum(['text', 'number', 'sha256', 'list', 'files', 'choice', 'confirm']),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
  help: z.string().optional(),
});
export type CustodyFieldSpec = z.infer<typeof CustodyFieldSpecSchema>;

export const CustodyNextStepSchema = z.strictObject({ state: CustodyStateSchema, exception: z.boolean(), fields: z.array(CustodyFieldSpecSchema) });
export type CustodyNextStep = z.infer<typeof CustodyNextStepSchema>;

// ---- jobs and appliances ----------------------------------------------------

export const CustodyJobInputSchema = z.strictObject({
  customer: Text(),
  tenant: Token,
  direction: z.enum(['import', 'export']),
  dataVolumeBytes: Bytes,
  originSite: Text(120),
  destinationSite: Text(120),
  reference: Text(120).optional(),
});
export const CustodyJobSchema = z.strictObject({
  id: z.string(),
  customer: z.string(),
  tenant: z.string(),
  direction: z.enum(['import', 'export']),
  dataVolumeBytes: z.number(),
  originSite: z.string(),
  destinationSite: z.string(),
  reference: z.string().nullable(),
  createdAt: IsoTime,
  appliances: z.number().int(),
});
export type CustodyJob = z.infer<typeof CustodyJobSchema>;

export const RegisterApplianceSchema = z.strictObject({
  jobId: Id,
  serial: Token,
  model: Text(120),
  capacityBytes: Bytes,
  firmwareVersion: Token,
  securityModuleId: Token,
  encryptionKeyId: Token,
  kmsKeyRef: KmsReferenceSchema,
  operator: CustodyOperatorSchema,
  site: CustodySiteSchema,
  reason: Text(500),
});

/** A shipping manifest's size limits: one file, one signed batch; as text, within browser mode's 1 MiB WebSocket frame (escaping included). */
export const CUSTODY_MANIFEST_MAX_CHARS = 768 * 1024;
export const CUSTODY_MANIFEST_MAX_ROWS = 5000;
/** The columns of a manifest CSV, in the order the template lists them (a header row names them, in any order). */
export const CUSTODY_MANIFEST_COLUMNS = ['serial', 'model', 'capacity_tb', 'firmware_version', 'security_module_id', 'encryption_key_id', 'kms_key_ref'] as const;

/**
 * Registers a job's appliances from a shipping manifest (CSV, one appliance per row) in one signed batch under
 * one checkpoint. `apply: false` only checks it: every row and every problem, nothing written.
 */
export const CustodyManifestSchema = z.strictObject({
  jobId: Id,
  csv: z.string().max(CUSTODY_MANIFEST_MAX_CHARS),
  operator: CustodyOperatorSchema,
  site: CustodySiteSchema,
  reason: Text(500),
  apply: z.boolean(),
});

export const CustodyManifestRowSchema = RegisterApplianceSchema.pick({
  serial: true,
  model: true,
  capacityBytes: true,
  firmwareVersion: true,
  securityModuleId: true,
  encryptionKeyId: true,
  kmsKeyRef: true,
}).extend({ line: z.number().int().min(1) });
export type CustodyManifestRow = z.infer<typeof CustodyManifestRowSchema>;

/** What is wrong with a manifest: its line (0: the file as a whole), the column if one, and why. */
export const CustodyManifestProblemSchema = z.strictObject({ line: z.number().int().min(0), column: z.string().nullable(), message: z.string() });
export type CustodyManifestProblem = z.infer<typeof CustodyManifestProblemSchema>;

export const CustodyManifestResultSchema = z.strictObject({
  rows: z.array(CustodyManifestRowSchema).max(CUSTODY_MANIFEST_MAX_ROWS),
  /** At most 100; `moreProblems` counts the rest. */
  problems: z.array(CustodyManifestProblemSchema).max(100),
  moreProblems: z.number().int().min(0),
  /** The new appliances' ids, in manifest order, once applied. */
  registered: z.array(z.string()).nullable(),
  /** The custody log's size after the batch, once applied. */
  logSize: z.number().int().nullable(),
});
export type CustodyManifestResult = z.infer<typeof CustodyManifestResultSchema>;

export const CustodyApplianceSchema = z.strictObject({
  id: z.string(),
  jobId: z.string(),
  serial: z.string(),
  model: z.string(),
  capacityBytes: z.number(),
  firmwareVersion: z.string(),
  securityModuleId: z.string(),
  encryptionKeyId: z.string(),
  kmsKeyRef: z.string(),
  registeredAt: IsoTime,
});
export type CustodyAppliance = z.infer<typeof CustodyApplianceSchema>;

export const CustodyApplianceSummarySchema = z.strictObject({
  id: z.string(),
  serial: z.string(),
  model: z.string(),
  jobId: z.string(),
  customer: z.string(),
  state: CustodyStateSchema,
  since: IsoTime,
  events: z.number().int(),
  lastOperator: z.string(),
});
export type CustodyApplianceSummary = z.infer<typeof CustodyApplianceSummarySchema>;

export const CustodyBoardSchema = z.strictObject({
  columns: z.array(z.strictObject({ state: CustodyStateSchema, appliances: z.array(CustodyApplianceSummarySchema) })),
  jobs: z.array(CustodyJobSchema),
  origin: z.string(),
  logSize: z.number().int(),
});
export type CustodyBoard = z.infer<typeof CustodyBoardSchema>;

export const CustodyEventViewSchema = z.strictObject({
  seq: z.number().int(),
  from: CustodyStateSchema.nullable(),
  to: CustodyStateSchema,
  at: IsoTime,
  /** `role`: the tenancy role that allowed the step; `capacity`: the custody title acted in, when recorded. */
  operator: z.strictObject({ id: z.string(), name: z.string(), role: z.string(), capacity: z.string().optional() }),
  site: z.strictObject({ name: z.string(), gps: z.strictObject({ lat: z.number(), lon: z.number() }).optional() }),
  reason: z.string(),
  fields: z.record(z.string(), CustodyFieldValueSchema),
  attachments: z.array(CustodyAttachmentSchema),
  eventSha256: z.string(),
  publicKeyId: z.string(),
  leafIndex: z.number().int(),
});
export type CustodyEventView = z.infer<typeof CustodyEventViewSchema>;

export const CustodyApplianceDetailSchema = z.strictObject({
  appliance: CustodyApplianceSchema,
  job: CustodyJobSchema,
  state: CustodyStateSchema,
  /** The sequence number of the latest event; send it back as `expectedSeq` when recording. */
  seq: z.number().int(),
  seals: z.array(z.string()),
  allowedNext: z.array(CustodyNextStepSchema),
  timeline: z.array(CustodyEventViewSchema),
});
export type CustodyApplianceDetail = z.infer<typeof CustodyApplianceDetailSchema>;

export const CustodyRecordSchema = z.strictObject({
  applianceId: Id,
  /** The `seq` the form was built from: a concurrent record makes this one a conflict, not a silent fork. */
  expectedSeq: z.number().int().min(0),
  to: CustodyStateSchema,
  operator: CustodyOperatorSchema,
  site: CustodySiteSchema,
  reason: Text(500),
  fields: CustodyFieldsSchema.default({}),
  attachments: z.array(CustodyAttachmentSchema).max(32).default([]),
});
export type CustodyRecordRequest = z.input<typeof CustodyRecordSchema>;

// ---- bundles -----------------------------------------------------------------

/** Bundles travel as text; browser mode's WebSocket caps a frame at 1 MiB, escaping included. */
export const CUSTODY_BUNDLE_MAX_CHARS = 768 * 1024;

export const CustodyExportSchema = z.strictObject({ scope: z.enum(['appliance', 'job']), id: Id });
export const CustodyExportResultSchema = z.strictObject({ fileName: z.string(), text: z.string(), events: z.number().int() });

/** The PDF report travels base64-encoded in one frame too; larger reports are the CLI's (`cairn custody report`). */
export const CUSTODY_PDF_MAX_BASE64 = 900 * 1024;
export const CustodyExportPdfResultSchema = z.strictObject({
  fileName: z.string(),
  /** The PDF, base64. */
  base64: z.string().max(CUSTODY_PDF_MAX_BASE64),
  pages: z.number().int(),
  /** SHA-256 of the bundle JSON the report renders; printed in every page footer. */
  bundleSha256: z.string(),
  /** Whether the bundle verified (against this installation's log key) when the report was made. */
  valid: z.boolean(),
});
export type CustodyExportPdfResult = z.infer<typeof CustodyExportPdfResultSchema>;

export const CustodyVerifySchema = z.strictObject({
  text: z.string().max(CUSTODY_BUNDLE_MAX_CHARS),
  /** A verifier key the operator trusts (name+keyid+base64); without it the bundle vouches for its own log key. */
  vkey: z.string().trim().max(400).optional(),
});
export const CustodyCheckSchema = z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string() });
export const CustodyVerifyResultSchema = z.strictObject({
  valid: z.boolean(),
  checks: z.array(CustodyCheckSchema),
  failures: z.array(z.string()),
});
export type CustodyVerifyResult = z.infer<typeof CustodyVerifyResultSchema>;

// ---- the offline field log and its merge -------------------------------------------

/** A step recorded offline into this installation's field log: checked for evidence now, against history when merged. */
export const CustodyFieldRecordSchema = z.strictObject({
  applianceId: Id,
  to: CustodyStateSchema,
  operator: CustodyOperatorSchema,
  site: CustodySiteSchema,
  reason: Text(500),
  fields: CustodyFieldsSchema.default({}),
  attachments: z.array(CustodyAttachmentSchema).max(32).default([]),
});
export type CustodyFieldRecordRequest = z.input<typeof CustodyFieldRecordSchema>;
export const CustodyFieldRecordResultSchema = z.strictObject({
  origin: z.string(),
  leafIndex: z.number().int(),
  size: z.number().int(),
  seq: z.number().int(),
  eventSha256: z.string(),
});
export type CustodyFieldRecordResult = z.infer<typeof CustodyFieldRecordResultSchema>;

export const CustodyMergeSchema = z.strictObject({ text: z.string().max(CUSTODY_BUNDLE_MAX_CHARS) });

/** One consistency proof the merge checked: a field checkpoint seen before → the imported one. Hashes in hex. */
export const CustodyConsistencyViewSchema = z.strictObject({
  oldSize: z.number().int(),
  oldRoot: z.string(),
  newSize: z.number().int(),
  newRoot: z.string(),
  proof: z.array(z.string()),
  valid: z.boolean(),
  detail: z.string(),
});
export type CustodyConsistencyView = z.infer<typeof CustodyConsistencyViewSchema>;

export const CUSTODY_MERGE_OUTCOMES = ['appended', 'already_merged', 'conflict', 'refused'] as const;
export const CustodyMergedEventViewSchema = z.strictObject({
  fieldLeafIndex: z.number().int(),
  applianceId: z.string(),
  to: CustodyStateSchema,
  at: IsoTime,
  operator: z.string(),
  fieldSha256: z.string(),
  /** appended to the central log now; merged by an earlier import; conflicts with the central timeline; refused (unknown appliance, role). */
  outcome: z.enum(CUSTODY_MERGE_OUTCOMES),
  reason: z.string(),
  centralSeq: z.number().int().nullable(),
  centralLeafIndex: z.number().int().nullable(),
  /** The central inclusion proof (hex) at the central checkpoint below, for events appended now. */
  inclusionProof: z.array(z.string()),
  included: z.boolean(),
});
export type CustodyMergedEventView = z.infer<typeof CustodyMergedEventViewSchema>;

export const CustodyMergeReportSchema = z.strictObject({
  id: z.number().int(),
  origin: z.string(),
  fieldSize: z.number().int(),
  fieldRoot: z.string(),
  mergedAt: IsoTime,
  mergedBy: z.string(),
  /** False when the field log was refused as a whole (its history no longer matches a checkpoint seen before). */
  accepted: z.boolean(),
  reason: z.string(),
  consistency: z.array(CustodyConsistencyViewSchema),
  events: z.array(CustodyMergedEventViewSchema),
  appended: z.number().int(),
  alreadyMerged: z.number().int(),
  conflicts: z.number().int(),
  refused: z.number().int(),
  central: z.strictObject({ origin: z.string(), size: z.number().int(), root: z.string(), checkpoint: z.string() }),
});
export type CustodyMergeReport = z.infer<typeof CustodyMergeReportSchema>;

export const custodyChannels = {
  /** Appliances grouped by lifecycle state (only non-empty states), plus the jobs. */
  'custody:appliances': { request: z.strictObject({}), response: CustodyBoardSchema },
  'custody:appliance': { request: z.strictObject({ applianceId: Id }), response: CustodyApplianceDetailSchema },
  'custody:createJob': { request: CustodyJobInputSchema, response: CustodyJobSchema },
  /** Registers an appliance for a job and records its signed `ordered` event. */
  'custody:registerAppliance': { request: RegisterApplianceSchema, response: CustodyApplianceDetailSchema },
  /** Checks (apply: false) or registers (apply: true) a job's appliances from a shipping manifest, in one signed batch. */
  'custody:registerManifest': { request: CustodyManifestSchema, response: CustodyManifestResultSchema },
  /** Records the next custody event: checked against the state machine, signed, logged, checkpointed. */
  'custody:record': { request: CustodyRecordSchema, response: CustodyApplianceDetailSchema },
  'custody:export': { request: CustodyExportSchema, response: CustodyExportResultSchema },
  'custody:verify': { request: CustodyVerifySchema, response: CustodyVerifyResultSchema },
  /** The PDF audit report of an appliance or job: title + signed checkpoint (and its QR), timeline, verification, certificate of sanitization. */
  'custody:exportPdf': { request: CustodyExportSchema, response: CustodyExportPdfResultSchema },
  /** Records a step offline into this installation's field log (signed, logged, checkpointed there). */
  'custody:fieldRecord': { request: CustodyFieldRecordSchema, response: CustodyFieldRecordResultSchema },
  /** The signed field-log bundle: every field event with the field log's checkpoint and key. */
  'custody:exportFieldLog': { request: z.strictObject({}), response: CustodyExportResultSchema },
  /** Merges a field-log bundle into the central log, with the consistency proofs and each event's outcome. */
  'custody:mergeFieldLog': { request: CustodyMergeSchema, response: CustodyMergeReportSchema },
  /** Earlier merges, newest first, with the reports shown at the time. */
  'custody:merges': { request: z.strictObject({}), response: z.array(CustodyMergeReportSchema) },
} as const;
