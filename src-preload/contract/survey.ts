/**
 * The site-survey part of the contract: the survey a field engineer fills in
 * at a site (offline, autosaved), its photos, the engineer's signature, the
 * signed bundle that carries it between machines on a USB stick, the
 * three-way merge of two versions, and the site-readiness report. Spread
 * into `channels` (channels.ts); pure zod.
 *
 * Files cross in chunks: browser mode's WebSocket caps a frame at 1 MiB and
 * a survey bundle with photos is larger, so uploads (photos, bundles to
 * import) go through `survey:upload` and downloads (bundles, reports)
 * through `survey:download`, each chunk base64 in one frame.
 */
import { z } from 'zod';

const Id = z.string().min(1).max(200);
const Text = (max: number) => z.string().max(max);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex');
const IsoTime = z.string().min(1).max(40);
/** Item ids inside a survey: stable across machines so a merge can pair them. */
const ItemId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-"');
const NullableNumber = (min: number, max: number) => z.number().finite().min(min).max(max).nullable();
const TriState = z.boolean().nullable();

export const SURVEY_SCHEMA_ID = 'cairn-site-survey/v1';
export const STANDARD_RACK_HEIGHTS = [42, 45, 48] as const;
export const SURVEY_PHOTO_TYPES = ['image/jpeg', 'image/png'] as const;
export const SURVEY_PHOTO_MAX_BYTES = 12 * 1024 * 1024;
export const SURVEY_MAX_PHOTOS = 40;
/** One chunk of an upload or download, base64: well inside one 1 MiB WebSocket frame. */
export const SURVEY_CHUNK_BASE64 = 512 * 1024;

// ---- the survey itself -------------------------------------------------------------

export const SurveyRoomSchema = z.strictObject({
  id: ItemId,
  name: Text(200),
  floor: Text(50),
  areaM2: NullableNumber(0, 100_000),
  notes: Text(2000),
});

export const SurveyRackSchema = z.strictObject({
  id: ItemId,
  name: Text(200),
  roomId: ItemId.nullable(),
  heightU: z.number().int().min(1).max(60),
  widthMm: NullableNumber(0, 2000),
  depthMm: NullableNumber(0, 2000),
  maxLoadKg: NullableNumber(0, 5000),
  /** Free space in front of and behind the rack for maintenance. */
  clearanceFrontMm: NullableNumber(0, 10_000),
  clearanceRearMm: NullableNumber(0, 10_000),
  /** The load the rack is expected to carry, for the power and heat budgets. */
  expectedLoadKW: NullableNumber(0, 1000),
});

export const SurveyFeedSchema = z.strictObject({
  id: ItemId,
  name: Text(200),
  rackId: ItemId.nullable(),
  side: z.enum(['A', 'B']),
  voltage: z.number().finite().min(1).max(1000),
  /** How the stated voltage was measured: the engine turns a line-to-neutral figure on three phases into line-to-line. */
  voltageType: z.enum(['line-to-line', 'line-to-neutral']),
  amperage: z.number().finite().gt(0).max(10_000),
  phase: z.enum(['single', 'three']),
  breakerA: NullableNumber(0, 10_000),
  /** Whether the circuit is behind the UPS. */
  onUps: TriState,
});

export const SurveyPowerSchema = z.strictObject({
  feeds: z.array(SurveyFeedSchema).max(200),
  ups: z.strictObject({
    present: TriState,
    model: Text(200),
    capacityVA: NullableNumber(0, 10_000_000),
    capacityW: NullableNumber(0, 10_000_000),
    runtimeMinutes: NullableNumber(0, 10_000),
    redundancy: z.enum(['N', 'N+1', '2N']).nullable(),
  }),
  generator: z.strictObject({
    present: TriState,
    ratingKVA: NullableNumber(0, 100_000),
    fuelHours: NullableNumber(0, 10_000),
    autoTransfer: TriState,
  }),
  /** Metered PDUs, a BMS or DCIM that shows energy use. */
  monitoring: TriState,
  notes: Text(4000),
});

export const InletReadingSchema = z.strictObject({
  id: ItemId,
  location: Text(200),
  rackId: ItemId.nullable(),
  celsius: z.number().finite().min(-50).max(90),
});

export const SurveyCoolingSchema = z.strictObject({
  capacity: z.strictObject({ value: z.number().finite().gt(0).max(10_000_000), unit: z.enum(['kW', 'BTU/hr']) }).nullable(),
  kind: Text(200),
  redundant: TriState,
  inletReadings: z.array(InletReadingSchema).max(200),
  notes: Text(4000),
});

export const SurveyUplinkSchema = z.strictObject({
  id: ItemId,
  provider: Text(200),
  medium: z.enum(['fibre', 'copper', 'radio', 'satellite', 'cellular', 'other']),
  bandwidthMbps: NullableNumber(0, 10_000_000),
  notes: Text(1000),
});

export const SurveySecuritySchema = z.strictObject({
  locks: TriState,
  biometric: TriState,
  cctv: TriState,
  notes: Text(4000),
});

export const SurveyCablingSchema = z.strictObject({
  organised: TriState,
  labelled: TriState,
  /** Power and data routed apart (interference). */
  separated: TriState,
  notes: Text(4000),
});

/** The engineer's own answer to the items no measurement decides. */
export const ManualStatusSchema = z.enum(['unknown', 'yes', 'partial', 'no']);
export const SurveyManualSchema = z.strictObject({
  energyEfficiency: z.strictObject({ status: ManualStatusSchema, note: Text(2000) }),
  powerManagement: z.strictObject({ status: ManualStatusSchema, note: Text(2000) }),
});

export const SurveyPhotoSchema = z.strictObject({
  sha256: Sha256,
  fileName: Text(200),
  mediaType: z.enum(SURVEY_PHOTO_TYPES),
  bytes: z.number().int().min(1).max(SURVEY_PHOTO_MAX_BYTES),
  caption: Text(500),
  addedAt: IsoTime,
});
export type SurveyPhoto = z.infer<typeof SurveyPhotoSchema>;

export const SurveyDataSchema = z.strictObject({
  schema: z.literal(SURVEY_SCHEMA_ID),
  site: z.strictObject({
    name: z.string().min(1).max(200),
    kind: z.enum(['new', 'existing']),
    address: Text(1000),
    gps: z.strictObject({ lat: z.number().finite().min(-90).max(90), lon: z.number().finite().min(-180).max(180) }).nullable(),
    /** The site plan this survey feeds (its racks and power go to the power engine). */
    planId: Id.nullable(),
  }),
  rooms: z.array(SurveyRoomSchema).max(100),
  racks: z.array(SurveyRackSchema).max(200),
  power: SurveyPowerSchema,
  cooling: SurveyCoolingSchema,
  network: z.strictObject({ uplinks: z.array(SurveyUplinkSchema).max(50), notes: Text(4000) }),
  security: SurveySecuritySchema,
  cabling: SurveyCablingSchema,
  manual: SurveyManualSchema,
  photos: z.array(SurveyPhotoSchema).max(SURVEY_MAX_PHOTOS),
  notes: Text(20_000),
});
export type SurveyData = z.infer<typeof SurveyDataSchema>;
export type SurveyRack = z.infer<typeof SurveyRackSchema>;
export type SurveyFeed = z.infer<typeof SurveyFeedSchema>;

/** An empty survey for a site name: what "New survey" starts from. */
export function emptySurvey(name: string, kind: 'new' | 'existing' = 'new'): SurveyData {
  return {
    schema: SURVEY_SCHEMA_ID,
    site: { name, kind, address: '', gps: null, planId: null },
    rooms: [],
    racks: [],
    power: {
      feeds: [],
      ups: { present: null, model: '', capacityVA: null, capacityW: null, runtimeMinutes: null, redundancy: null },
      generator: { present: null, ratingKVA: null, fuelHours: null, autoTransfer: null },
      monitoring: null,
      notes: '',
    },
    cooling: { capacity: null, kind: '', redundant: null, inletReadings: [], notes: '' },
    network: { uplinks: [], notes: '' },
    security: { locks: null, biometric: null, cctv: null, notes: '' },
    cabling: { organised: null, labelled: null, separated: null, notes: '' },
    manual: { energyEfficiency: { status: 'unknown', note: '' }, powerManagement: { status: 'unknown', note: '' } },
    photos: [],
    notes: '',
  };
}

// ---- evaluation --------------------------------------------------------------------

export const CHECKLIST_ITEMS = ['rack-space', 'cabling', 'cooling', 'physical-security', 'power-capacity', 'redundant-power', 'power-management', 'energy-efficiency'] as const;
export type ChecklistItemId = (typeof CHECKLIST_ITEMS)[number];
export const CHECKLIST_LABELS: Record<ChecklistItemId, string> = {
  'rack-space': 'Standard racks (42U/45U/48U) with room for maintenance',
  cabling: 'Organised, labelled cabling',
  cooling: 'Ventilation and cooling',
  'physical-security': 'Physical security (locks, biometric access, CCTV)',
  'power-capacity': 'Power capacity per rack and in total',
  'redundant-power': 'Redundant power (UPS, generator)',
  'power-management': 'Power management',
  'energy-efficiency': 'Energy efficiency',
};
export const ChecklistStatusSchema = z.enum(['pass', 'attention', 'fail', 'unknown']);
export type ChecklistStatus = z.infer<typeof ChecklistStatusSchema>;
export const ChecklistResultSchema = z.strictObject({
  id: z.enum(CHECKLIST_ITEMS),
  label: z.string(),
  status: ChecklistStatusSchema,
  reasons: z.array(z.string()),
});
export type ChecklistResult = z.infer<typeof ChecklistResultSchema>;

export const InletVerdictSchema = z.strictObject({
  id: z.string(),
  location: z.string(),
  celsius: z.number(),
  /** ASHRAE A1: recommended 18–27 °C, allowable 15–32 °C. */
  verdict: z.enum(['recommended', 'allowable', 'out-of-range']),
});

export const SurveySignatureSchema = z.strictObject({
  engineer: z.string(),
  keyId: z.string(),
  /** SHA-256 of the engineer's Ed25519 public key, hex. */
  fingerprint: Sha256,
  vkey: z.string(),
  signedAt: IsoTime,
  revisionId: Sha256,
  /** SHA-256 of the canonical survey content the engineer signed. */
  contentSha256: Sha256,
  signature: z.string(),
});
export type SurveySignature = z.infer<typeof SurveySignatureSchema>;

export const SignatureStatusSchema = SurveySignatureSchema.omit({ vkey: true, signature: true }).extend({
  /** The signature verifies over the content it names. */
  valid: z.boolean(),
  /** It covers the survey as it is now (no edit since). */
  current: z.boolean(),
});
export type SignatureStatus = z.infer<typeof SignatureStatusSchema>;

// ---- surveys over the contract -----------------------------------------------------

export const SurveySummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['new', 'existing']),
  revisionId: Sha256,
  revisions: z.number().int(),
  updatedAt: z.string(),
  signed: z.enum(['unsigned', 'signed', 'changed-since']),
  checklist: z.strictObject({ pass: z.number().int(), attention: z.number().int(), fail: z.number().int(), unknown: z.number().int() }),
  pendingMerge: z.string().nullable(),
});
export type SurveySummary = z.infer<typeof SurveySummarySchema>;

export const SurveyDetailSchema = z.strictObject({
  id: z.string(),
  data: SurveyDataSchema,
  revisionId: Sha256,
  revisions: z.number().int(),
  updatedAt: z.string(),
  checklist: z.array(ChecklistResultSchema),
  inlets: z.array(InletVerdictSchema),
  signatures: z.array(SignatureStatusSchema),
  pendingMerge: z.string().nullable(),
});
export type SurveyDetail = z.infer<typeof SurveyDetailSchema>;

export const SurveySaveSchema = z.strictObject({
  /** Omit to create a survey. */
  id: Id.optional(),
  /** The revision the edit started from; another save since answers `conflict`. */
  expectedRevision: Sha256.optional(),
  /** Validated in main; errors carry the path in the survey. */
  data: z.record(z.string(), z.unknown()),
  /** Autosaves say so: recorded with the revision. */
  autosave: z.boolean().default(false),
});
export type SurveySaveRequest = z.input<typeof SurveySaveSchema>;

export const UploadChunkSchema = z.strictObject({
  /** Omit for the first chunk; then send back the id it returned. */
  uploadId: Id.optional(),
  index: z.number().int().min(0).max(10_000),
  data: z.string().max(SURVEY_CHUNK_BASE64),
});
export const DownloadSchema = z.strictObject({
  fileName: z.string(),
  mediaType: z.string(),
  downloadId: Id,
  bytes: z.number().int(),
  chunks: z.number().int(),
  sha256: Sha256,
});
export type SurveyDownload = z.infer<typeof DownloadSchema>;

export const SurveyConflictSchema = z.strictObject({
  /** JSON path in the survey; list items by id (`$.racks[id=r1].heightU`). */
  path: z.string(),
  label: z.string(),
  /** Absent (undefined) values cross as null with the flag set. */
  base: z.unknown(),
  mine: z.unknown(),
  theirs: z.unknown(),
  baseAbsent: z.boolean(),
  mineAbsent: z.boolean(),
  theirsAbsent: z.boolean(),
});
export type SurveyConflict = z.infer<typeof SurveyConflictSchema>;

export const SurveyMergeSchema = z.strictObject({
  id: z.string(),
  surveyId: z.string(),
  baseRevision: Sha256.nullable(),
  mineRevision: Sha256,
  theirsRevision: Sha256,
  theirsSigner: z.string(),
  createdAt: z.string(),
  autoMerged: z.array(z.string()),
  conflicts: z.array(SurveyConflictSchema),
});
export type SurveyMerge = z.infer<typeof SurveyMergeSchema>;

export const SurveyImportResultSchema = z.strictObject({
  outcome: z.enum(['created', 'fast-forward', 'up-to-date', 'merged', 'conflicts']),
  survey: SurveyDetailSchema,
  merge: SurveyMergeSchema.nullable(),
  signer: z.strictObject({ keyId: z.string(), fingerprint: Sha256, name: z.string() }),
  attachments: z.number().int(),
});
export type SurveyImportResult = z.infer<typeof SurveyImportResultSchema>;

export const surveyChannels = {
  'survey:list': { request: z.strictObject({}), response: z.array(SurveySummarySchema) },
  'survey:get': { request: z.strictObject({ id: Id }), response: SurveyDetailSchema },
  /** Autosave and explicit save: validates and appends a revision when the content changed. */
  'survey:save': { request: SurveySaveSchema, response: SurveyDetailSchema },
  /** One chunk of a file for `survey:attach` or `survey:import`. */
  'survey:upload': { request: UploadChunkSchema, response: z.strictObject({ uploadId: Id, bytes: z.number().int() }) },
  /** Attaches an uploaded photo (JPEG/PNG, size-limited), stored by its SHA-256. */
  'survey:attach': {
    request: z.strictObject({ id: Id, expectedRevision: Sha256.optional(), uploadId: Id, fileName: Text(200), caption: Text(500).default('') }),
    response: SurveyDetailSchema,
  },
  'survey:detach': { request: z.strictObject({ id: Id, expectedRevision: Sha256.optional(), sha256: Sha256 }), response: SurveyDetailSchema },
  /** The engineer signs the current revision (name + key fingerprint + time) with their Ed25519 key. */
  'survey:sign': { request: z.strictObject({ id: Id, expectedRevision: Sha256.optional(), engineer: z.string().trim().min(1).max(200) }), response: SurveyDetailSchema },
  /** Puts the survey's racks, feeds, UPS, generator and cooling into a site plan (new or existing). */
  'survey:linkPlan': { request: z.strictObject({ id: Id, planId: Id.optional() }), response: SurveyDetailSchema },
  /** The signed bundle (one file: manifest + photos); fetch it with `survey:download`. */
  'survey:export': { request: z.strictObject({ id: Id, engineer: z.string().trim().max(200).optional() }), response: DownloadSchema },
  /** Verifies signature and hashes, then creates, fast-forwards, merges or reports conflicts. */
  'survey:import': { request: z.strictObject({ uploadId: Id, trustedFingerprint: Sha256.optional() }), response: SurveyImportResultSchema },
  /** The open merge of a survey: every conflicting field with base, mine and theirs. */
  'survey:merge': { request: z.strictObject({ id: Id }), response: SurveyMergeSchema },
  /** A decision per conflict; the result is a new revision with both parents. */
  'survey:resolve': {
    request: z.strictObject({
      mergeId: Id,
      decisions: z.array(z.strictObject({ path: z.string().max(500), choice: z.enum(['mine', 'theirs', 'base']) })).max(5000),
    }),
    response: SurveyDetailSchema,
  },
  /** The site-readiness report, PDF or JSON; fetch it with `survey:download`. */
  'survey:report': { request: z.strictObject({ id: Id, format: z.enum(['pdf', 'json']) }), response: DownloadSchema.extend({ pages: z.number().int().nullable() }) },
  'survey:download': { request: z.strictObject({ downloadId: Id, index: z.number().int().min(0).max(10_000) }), response: z.strictObject({ data: z.string() }) },
} as const;
