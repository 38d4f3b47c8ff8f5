/**
 * The SCMP (Secure Cloud Management Platform) part of the contract: connect
 * with a confirmed certificate fingerprint (the token goes to the OS
 * keychain and never comes back), status of the last pulls, the outbox of
 * bundles waiting to be pushed, and pushing now. Without an SCMP the status
 * says "not connected" and nothing else in Cairn changes. Pure zod.
 */
import { z } from 'zod';

const IsoTime = z.string().min(1).max(40);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex');
const HttpsUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' && u.hostname.length > 0 && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, 'expected an https:// URL without credentials, query or fragment');
const Fingerprint = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'expected a SHA-256 fingerprint like AB:CD:… (32 bytes)'));

export const SCMP_COLLECTIONS = ['tenants', 'quotas', 'role-bindings', 'policies'] as const;
export const ScmpCollectionSchema = z.enum(SCMP_COLLECTIONS);
export const ScmpBundleKindSchema = z.enum(['audit', 'custody', 'survey']);
export type ScmpBundleKind = z.infer<typeof ScmpBundleKindSchema>;

export const ScmpCollectionStatusSchema = z.strictObject({
  collection: ScmpCollectionSchema,
  count: z.number().int().min(0),
  lastSuccessAt: IsoTime.nullable(),
  lastAttemptAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
});

export const ScmpStatusSchema = z.strictObject({
  connected: z.boolean(),
  endpoint: z
    .strictObject({ id: z.string(), name: z.string(), url: z.string(), fingerprint: z.string().nullable(), tokenId: z.string() })
    .nullable(),
  syncing: z.boolean(),
  lastPullAt: IsoTime.nullable(),
  /** The last sync's failure, if it failed (already scrubbed of secrets). */
  lastError: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  collections: z.array(ScmpCollectionStatusSchema),
  outbox: z.strictObject({ pending: z.number().int().min(0), pushed: z.number().int().min(0), failing: z.number().int().min(0) }),
});
export type ScmpStatus = z.infer<typeof ScmpStatusSchema>;

export const ScmpOutboxEntrySchema = z.strictObject({
  kind: ScmpBundleKindSchema,
  sha256: Sha256,
  size: z.number().int().min(0),
  queuedAt: IsoTime,
  attempts: z.number().int().min(0),
  lastAttemptAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  pushedAt: IsoTime.nullable(),
});
export type ScmpOutboxEntry = z.infer<typeof ScmpOutboxEntrySchema>;

export const ScmpConnectInputSchema = z.strictObject({
  url: HttpsUrl,
  /** The fingerprint the operator confirmed after `connections:probe`. */
  fingerprint: Fingerprint,
  /** How the SCMP names this console's token (free-form, shown in its audit). */
  tokenId: z.string().trim().min(1).max(256).regex(/^[^\s=]+$/, 'token id must not contain spaces or "="'),
  /** Write-only: checked against the SCMP, then stored in the OS keychain; never returned. */
  token: z.string().min(1, 'token is required').max(4096),
});
export type ScmpConnectInput = z.input<typeof ScmpConnectInputSchema>;

/** Which local bundle to queue for pushing (its bytes are produced by the owning service). */
export const ScmpQueueInputSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('custody'), scope: z.enum(['appliance', 'job']), id: z.string().min(1).max(200) }),
  z.strictObject({ kind: z.literal('survey'), id: z.string().min(1).max(200) }),
  /** The audit trail of a time range (ISO-8601, `to` exclusive; both optional), as the bundle `cairn audit verify` checks. */
  z.strictObject({ kind: z.literal('audit'), from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() }),
]);

export const scmpChannels = {
  /** Not connected is a normal answer, not an error: Cairn works fully without an SCMP. */
  'scmp:status': { request: z.strictObject({}), response: ScmpStatusSchema },
  /** Checks the token against the SCMP over the pinned certificate, then saves it to the keychain and pulls. */
  'scmp:connect': { request: ScmpConnectInputSchema, response: ScmpStatusSchema },
  /** Forgets the endpoint, its token and the pulled data; queued bundles stay for the next SCMP. */
  'scmp:disconnect': { request: z.strictObject({}), response: ScmpStatusSchema },
  'scmp:syncNow': { request: z.strictObject({}), response: ScmpStatusSchema },
  'scmp:outbox': { request: z.strictObject({}), response: z.array(ScmpOutboxEntrySchema) },
  'scmp:queue': { request: ScmpQueueInputSchema, response: ScmpOutboxEntrySchema },
} as const;

export const scmpEvents = {
  /** After every sync run (background or not), connect and disconnect. */
  'scmp:onChanged': ScmpStatusSchema,
} as const;
