/**
 * The attestation and SSH part of the contract: evidence collection over
 * SSH with pinned host keys, the append-only verdict history, the
 * relying-party policy and offline verification of operator-supplied files.
 * Spread into `channels` (channels.ts); pure zod, like the rest of the contract.
 */
import { z } from 'zod';

const Id = z.string().min(1).max(200);
const IsoTime = z.string().max(40);

// ---- SSH ---------------------------------------------------------------

/** A DNS name, IPv4 or bracket-less IPv6 literal; no spaces, no user@, no options. */
export const SshHostSchema = z
  .string()
  .trim()
  .min(1, 'host is required')
  .max(253)
  .regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/, 'expected a host name or IP address');
export const SshUserSchema = z
  .string()
  .trim()
  .min(1, 'user is required')
  .max(32)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'expected a POSIX user name');
export const SshPortSchema = z.number().int().min(1).max(65535);

export const SshTargetSchema = z.strictObject({ host: SshHostSchema, port: SshPortSchema.default(22), user: SshUserSchema });
export type SshTarget = z.output<typeof SshTargetSchema>;

/** OpenSSH's own rendering of a SHA-256 host key fingerprint: `SHA256:` + unpadded base64 of 32 bytes. */
export const SshFingerprintSchema = z
  .string()
  .trim()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected an OpenSSH fingerprint like SHA256:… (43 base64 characters)');

export const SshHostKeySchema = z.strictObject({
  host: z.string(),
  port: z.number().int(),
  keyType: z.string(),
  fingerprint: z.string(),
  /** new: never seen; match: pinned and unchanged; mismatch: pinned to another key (will be refused). */
  pin: z.enum(['new', 'match', 'mismatch']),
  pinnedFingerprint: z.string().nullable(),
});
export type SshHostKey = z.infer<typeof SshHostKeySchema>;

export const SshHostPinSchema = z.strictObject({
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  keyType: z.string(),
  fingerprint: z.string(),
  confirmedAt: IsoTime,
});
export type SshHostPin = z.infer<typeof SshHostPinSchema>;

export const SshKeyNameSchema = z
  .string()
  .trim()
  .min(1, 'key name is required')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only');

export const SshKeyInfoSchema = z.strictObject({
  name: z.string(),
  keyType: z.string(),
  /** Fingerprint of the public half, to match it against authorized_keys. */
  publicFingerprint: z.string(),
  createdAt: IsoTime,
});
export type SshKeyInfo = z.infer<typeof SshKeyInfoSchema>;

export const SshKeyInputSchema = z.strictObject({
  name: SshKeyNameSchema,
  /** Write-only: OpenSSH/PEM private key text, straight to the OS keychain. */
  privateKey: z.string().min(1, 'private key is required').max(16384),
  passphrase: z.string().max(1024).optional(),
});
export type SshKeyInput = z.input<typeof SshKeyInputSchema>;

// ---- attestation -------------------------------------------------------

export const GuestRefSchema = z.strictObject({
  clusterId: Id,
  vmid: z.number().int().min(1).max(999_999_999),
  name: z.string().max(200),
});
export type GuestRef = z.infer<typeof GuestRefSchema>;

const Spl = z.number().int().min(0).max(255);
export const MinTcbSchema = z.strictObject({
  bootloader: Spl.optional(),
  tee: Spl.optional(),
  snp: Spl.optional(),
  microcode: Spl.optional(),
  fmc: Spl.optional(),
});
export type MinTcb = z.infer<typeof MinTcbSchema>;

export const MeasurementSchema = z
  .string()
  .trim()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{96}$/, 'a measurement is 48 bytes of hex (96 characters)'));

export const AttestationPolicyInputSchema = z.strictObject({
  minTcb: MinTcbSchema.default({}),
  measurements: z.array(MeasurementSchema).max(64).default([]),
  /** Off by default: a debuggable guest can be read by its host. */
  allowDebug: z.boolean().default(false),
});
export type AttestationPolicyInput = z.input<typeof AttestationPolicyInputSchema>;

export const AttestationPolicySchema = z.strictObject({
  /** Each change is a new row; 0 is the built-in default (nothing stored yet). */
  version: z.number().int().min(0),
  minTcb: MinTcbSchema,
  measurements: z.array(z.string()),
  allowDebug: z.boolean(),
  createdAt: IsoTime.nullable(),
  operator: z.string().nullable(),
});
export type AttestationPolicy = z.infer<typeof AttestationPolicySchema>;

export const VerdictKindSchema = z.enum(['accept', 'reject', 'accept-signature-and-chain']);
export type AttestationVerdictKind = z.infer<typeof VerdictKindSchema>;

export const TcbValuesSchema = z.strictObject({
  bootloader: z.number().int().nullable(),
  tee: z.number().int().nullable(),
  snp: z.number().int().nullable(),
  microcode: z.number().int().nullable(),
  fmc: z.number().int().nullable(),
});
export type TcbValues = z.infer<typeof TcbValuesSchema>;

export const AttestationResultSchema = z.strictObject({
  id: z.number().int(),
  guest: GuestRefSchema.nullable(),
  /** host:port the evidence came from; null for operator-supplied files. */
  host: z.string().nullable(),
  source: z.enum(['ssh', 'files']),
  at: IsoTime,
  operator: z.string(),
  verdict: VerdictKindSchema,
  reasons: z.array(z.strictObject({ code: z.string(), message: z.string() })),
  product: z.string().nullable(),
  measurement: z.string().nullable(),
  tcb: TcbValuesSchema.nullable(),
  policyVersion: z.number().int(),
  evidenceSha256: z.string(),
});
export type AttestationResult = z.infer<typeof AttestationResultSchema>;

export const AttestationFilterSchema = z.enum(['all', 'accept', 'reject', 'never', 'stale']);
export type AttestationFilter = z.infer<typeof AttestationFilterSchema>;

export const AttestationListQuerySchema = z.strictObject({
  query: z.string().max(200).default(''),
  filter: AttestationFilterSchema.default('all'),
  /** A page of the matching rows, in name order (a 500-site fleet has tens of thousands). */
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
});
export type AttestationListQuery = z.input<typeof AttestationListQuerySchema>;

export const MeasurementMatchSchema = z.enum(['match', 'mismatch', 'any', 'unknown']);
export type MeasurementMatch = z.infer<typeof MeasurementMatchSchema>;

export const AttestationRowSchema = z.strictObject({
  guest: GuestRefSchema,
  node: z.string(),
  site: z.string(),
  status: z.string(),
  tenant: z.string().nullable(),
  last: AttestationResultSchema.nullable(),
  ageSeconds: z.number().nullable(),
  /** Whether the last measurement is on the current policy's allow-list ('any': the policy allows any). */
  measurementMatch: MeasurementMatchSchema,
  stale: z.boolean(),
});
export type AttestationRow = z.infer<typeof AttestationRowSchema>;

export const AttestationListSchema = z.strictObject({
  /** The requested page of matching rows. */
  rows: z.array(AttestationRowSchema),
  /** Rows matching the query and filter in all. */
  matched: z.number().int(),
  /** Confidential guests in the fleet cache before filtering. */
  total: z.number().int(),
  policy: AttestationPolicySchema,
  staleAfterSeconds: z.number().int(),
});
export type AttestationList = z.infer<typeof AttestationListSchema>;

export const AttestationDetailQuerySchema = z
  .strictObject({ resultId: z.number().int().min(1).optional(), clusterId: Id.optional(), vmid: z.number().int().min(1).max(999_999_999).optional() })
  .refine((q) => q.resultId !== undefined || (q.clusterId !== undefined && q.vmid !== undefined), 'give resultId, or clusterId and vmid');

export const ChainEntrySchema = z.strictObject({
  role: z.string(),
  subject: z.string().nullable(),
  issuer: z.string().nullable(),
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprint256: z.string(),
});
export type ChainEntry = z.infer<typeof ChainEntrySchema>;

export const AttestationDetailSchema = z.strictObject({
  guest: GuestRefSchema.nullable(),
  /** The result shown: the requested one, or the guest's newest. */
  result: AttestationResultSchema.nullable(),
  /** Decoded report fields, in report order, ready to show. */
  fields: z.array(z.strictObject({ name: z.string(), value: z.string() })),
  checks: z.record(z.string(), z.boolean()),
  chain: z.array(ChainEntrySchema),
  /** The guest's results, newest first (at most 100). */
  history: z.array(AttestationResultSchema),
});
export type AttestationDetail = z.infer<typeof AttestationDetailSchema>;

/** The guest's confidential-computing technology: what the collector asks the guest for. */
export const AttestTechnologySchema = z.enum(['sev-snp', 'tdx']);
export type AttestTechnology = z.infer<typeof AttestTechnologySchema>;

export const AttestNowRequestSchema = z.strictObject({
  guest: GuestRefSchema,
  target: SshTargetSchema,
  keyName: SshKeyNameSchema,
  /** Absent: the technology remembered for this guest, else SEV-SNP. */
  technology: AttestTechnologySchema.optional(),
});
export type AttestNowRequest = z.input<typeof AttestNowRequestSchema>;

/**
 * The SSH target remembered for one guest after a successful collection:
 * where to connect, as whom, and the name of the key in the OS keychain
 * (a reference, never the key itself).
 */
export const SavedSshTargetSchema = z.strictObject({
  guest: GuestRefSchema,
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  keyName: z.string(),
  technology: AttestTechnologySchema,
  /** Whether the key name is still in the keychain index (a removed key must be chosen again). */
  keyKnown: z.boolean(),
  updatedAt: IsoTime,
});
export type SavedSshTarget = z.infer<typeof SavedSshTargetSchema>;

const GuestKeySchema = z.strictObject({ clusterId: Id, vmid: z.number().int().min(1).max(999_999_999) });

const b64 = (max: number) =>
  z
    .string()
    .max(max, `at most ${Math.floor((max * 3) / 4)} bytes`)
    .transform((s) => s.replace(/\s+/g, ''))
    .pipe(z.string().min(1, 'file is empty').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'));

/** Report 1184 bytes; certificates a few KiB (PEM or DER, a KDS chain bundle for ASK+ARK). */
export const VerifyFilesRequestSchema = z.strictObject({
  report: b64(4096),
  vek: b64(32768),
  ark: b64(32768).optional(),
  ask: b64(32768).optional(),
  /** Expected REPORT_DATA (hex, up to 64 bytes); absent: not checked. */
  reportData: z
    .string()
    .trim()
    .transform((s) => s.toLowerCase())
    .pipe(z.string().regex(/^([0-9a-f]{2}){1,64}$/, 'expected up to 64 bytes of hex'))
    .optional(),
  /** Verification time (default now); for evidence archived before its certificates expired. */
  at: z.iso.datetime({ offset: true }).optional(),
  guest: GuestRefSchema.optional(),
});
export type VerifyFilesRequest = z.input<typeof VerifyFilesRequestSchema>;

export const attestationChannels = {
  /** Fetch the SSH host key (no authentication is attempted) so the operator can confirm its fingerprint. */
  'ssh:probeHostKey': { request: z.strictObject({ host: SshHostSchema, port: SshPortSchema.default(22) }), response: SshHostKeySchema },
  /** Pin the host key the operator confirmed; refused if the host now presents another key. */
  'ssh:trustHostKey': { request: z.strictObject({ host: SshHostSchema, port: SshPortSchema.default(22), user: SshUserSchema, fingerprint: SshFingerprintSchema }), response: SshHostPinSchema },
  'ssh:keys': { request: z.strictObject({}), response: z.array(SshKeyInfoSchema) },
  /** Store a client private key (and passphrase) in the OS keychain; only its name and public fingerprint come back. */
  'ssh:addKey': { request: SshKeyInputSchema, response: SshKeyInfoSchema },

  'attestation:list': { request: AttestationListQuerySchema, response: AttestationListSchema },
  'attestation:detail': { request: AttestationDetailQuerySchema, response: AttestationDetailSchema },
  'attestation:policy:get': { request: z.strictObject({}), response: AttestationPolicySchema },
  'attestation:policy:set': { request: AttestationPolicyInputSchema, response: AttestationPolicySchema },
  'attestation:attestNow': { request: AttestNowRequestSchema, response: AttestationResultSchema },
  'attestation:verifyFiles': { request: VerifyFilesRequestSchema, response: AttestationResultSchema },
  /** The SSH target remembered for a guest (null: none yet). */
  'attestation:target:get': { request: GuestKeySchema, response: SavedSshTargetSchema.nullable() },
  /** Edit the remembered target without attesting (the key must exist in the keychain index). */
  'attestation:target:save': {
    request: z.strictObject({ guest: GuestRefSchema, target: SshTargetSchema, keyName: SshKeyNameSchema, technology: AttestTechnologySchema.default('sev-snp') }),
    response: SavedSshTargetSchema,
  },
  'attestation:target:forget': { request: GuestKeySchema, response: z.strictObject({ forgotten: z.boolean() }) },
} as const;
