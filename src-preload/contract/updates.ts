/**
 * The updates part of the contract: the updater's status (current version,
 * feed, last check, the verdict with its reasons), checking the online
 * feed, verifying (and, in the desktop app, updating from) a folder such as
 * a USB stick, and installing a verified, downloaded release on the
 * operator's confirmation. Refusals are verdicts with reasons, not errors:
 * an unsigned stick is an answer the operator needs to read. Pure zod.
 */
import { z } from 'zod';

const IsoTime = z.string().min(1).max(40);

export const UPDATE_REFUSAL_CODES = [
  'signature-missing',
  'signature-malformed',
  'unknown-key',
  'bad-signature',
  'metadata-malformed',
  'path-escape',
  'downgrade',
  'file-missing',
  'hash-mismatch',
  'metadata-mismatch',
  'feed-unreachable',
] as const;
export const UpdateRefusalCodeSchema = z.enum(UPDATE_REFUSAL_CODES);

export const UpdateVerdictSchema = z.strictObject({
  /** True when the release is signed by a pinned key, well-formed and not a downgrade. */
  ok: z.boolean(),
  metadataFile: z.string(),
  version: z.string().nullable(),
  releaseDate: IsoTime.nullable(),
  /** The pinned key that signed it, when the signature held. */
  keyId: z.string().nullable(),
  keyName: z.string().nullable(),
  /** True when the release is newer than the running version. */
  newer: z.boolean(),
  files: z.array(z.strictObject({ name: z.string(), size: z.number().int().min(0) })),
  /** What was checked and held, in order ("signature by …", "3 files match their SHA-512"). */
  checks: z.array(z.string()),
  reasons: z.array(z.strictObject({ code: UpdateRefusalCodeSchema, message: z.string() })),
});
export type UpdateVerdict = z.infer<typeof UpdateVerdictSchema>;

export const UPDATE_STATES = ['idle', 'checking', 'up-to-date', 'verified', 'downloading', 'ready', 'refused', 'error'] as const;
export const UpdateStateSchema = z.enum(UPDATE_STATES);
export type UpdateState = z.infer<typeof UpdateStateSchema>;

export const UpdateStatusSchema = z.strictObject({
  currentVersion: z.string(),
  /** False in browser mode: verification works, installing is the desktop app's job. */
  canInstall: z.boolean(),
  installNote: z.string().nullable(),
  /** The release keys pinned in this build, for comparing with the release notes out of band. */
  trustedKeys: z.array(z.strictObject({ keyId: z.string(), name: z.string() })),
  /** The configured online feed (null when none is configured). */
  onlineFeed: z.string().nullable(),
  /** The feed of the last check: online, or a folder served on loopback. */
  feed: z.strictObject({ kind: z.enum(['online', 'folder']), location: z.string() }).nullable(),
  state: UpdateStateSchema,
  lastCheckAt: IsoTime.nullable(),
  verdict: UpdateVerdictSchema.nullable(),
  /** Download progress in percent while downloading. */
  progress: z.number().min(0).max(100).nullable(),
  /** The last failure that is not a verdict (feed unreachable, updater error). */
  error: z.string().nullable(),
});
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>;

export const updatesChannels = {
  'updates:status': { request: z.strictObject({}), response: UpdateStatusSchema },
  /** Verify the online feed's signed metadata; in the desktop app, then download and check the file. */
  'updates:check': { request: z.strictObject({}), response: UpdateStatusSchema },
  /** Verify a folder (USB stick) as a feed; in the desktop app, serve it on loopback and update from it. */
  'updates:fromFolder': { request: z.strictObject({ path: z.string().trim().min(1, 'a folder path is required').max(4096) }), response: UpdateStatusSchema },
  /** Quit and install the verified, downloaded release (desktop app only). */
  'updates:install': { request: z.strictObject({}), response: UpdateStatusSchema },
} as const;

export const updatesEvents = {
  /** Each state change of the updater (check, download progress, ready, refused). */
  'updates:onStatus': UpdateStatusSchema,
} as const;
