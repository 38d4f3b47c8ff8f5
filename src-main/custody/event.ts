/**
 * A custody event as signed and logged: its body (who, what, when, where,
 * why, evidence), the canonical JSON encoding (keys sorted, no whitespace;
 * the same bytes RFC 8785 JCS gives for these values), what the operator's
 * Ed25519 key signs, and the Merkle leaf that commits to event, key id and
 * signature together.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CustodyAttachmentSchema, CustodyFieldValueSchema, CustodyStateSchema, type CustodyState } from '../../src-preload/contract';

export const EVENT_VERSION = 1;
/** Domain separation: an event signature can never be mistaken for a note or any other signature. */
export const EVENT_SIGNING_PREFIX = 'cairn.custody/event/v1\n';

const Str = z.string().max(1000);

export const ApplianceSnapshotSchema = z.strictObject({
  serial: Str,
  model: Str,
  capacityBytes: z.number().int().min(0),
  firmwareVersion: Str,
  securityModuleId: Str,
  encryptionKeyId: Str,
  kmsKeyRef: Str,
});
export type ApplianceSnapshot = z.infer<typeof ApplianceSnapshotSchema>;

export const JobSnapshotSchema = z.strictObject({
  customer: Str,
  tenant: Str,
  direction: z.enum(['import', 'export']),
  dataVolumeBytes: z.number().int().min(0),
  originSite: Str,
  destinationSite: Str,
});
export type JobSnapshot = z.infer<typeof JobSnapshotSchema>;

/** The body is what gets signed; bundles carry it as a JSON object and verifiers re-encode it canonically. */
export const EventBodySchema = z.strictObject({
  v: z.literal(EVENT_VERSION),
  origin: Str,
  applianceId: Str,
  jobId: Str,
  seq: z.number().int().min(0).max(1_000_000),
  /** SHA-256 hex of the previous event body of this appliance; null for the first. */
  prev: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  from: CustodyStateSchema.nullable(),
  to: CustodyStateSchema,
  /** UTC, ISO-8601 with milliseconds and Z. */
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  /**
   * `role` is the operator's tenancy role that allowed the step (older events carry a custody job title);
   * `capacity` the job title they acted in (hub technician, courier …), when given.
   */
  operator: z.strictObject({ id: Str, name: Str, role: Str, publicKeyId: Str, capacity: Str.optional() }),
  site: z.strictObject({ name: Str, gps: z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional() }),
  reason: Str,
  fields: z.record(z.string().max(40), CustodyFieldValueSchema),
  attachments: z.array(CustodyAttachmentSchema).max(32),
  /** Only on the registration (seq 0): the appliance record and its job, so a bundle replays from nothing. */
  appliance: ApplianceSnapshotSchema.optional(),
  job: JobSnapshotSchema.optional(),
  /**
   * Only on an event merged from a field log (field-log.ts): the field event it carries over, by its
   * field log origin, leaf index, SHA-256 and the field operator's signature over it.
   */
  merged: z
    .strictObject({
      origin: Str,
      leafIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
      eventSha256: z.string().regex(/^[0-9a-f]{64}$/),
      publicKeyId: Str,
      signature: z.string().max(200),
    })
    .optional(),
});
export type EventBody = z.infer<typeof EventBodySchema> & { to: CustodyState };

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * strings and numbers as ECMAScript serialises them. Refuses what JSON
 * cannot say exactly (undefined, non-finite numbers, non-plain objects).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no non-finite numbers');
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('canonical JSON encodes plain objects only');
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode ${typeof value}`);
  }
}

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

export function eventBytes(body: EventBody): Buffer {
  return Buffer.from(canonicalJson(body), 'utf8');
}

export function eventHash(body: EventBody): string {
  return sha256Hex(eventBytes(body));
}

/** What the operator key signs. */
export function signingMessage(body: EventBody): Buffer {
  return Buffer.concat([Buffer.from(EVENT_SIGNING_PREFIX, 'utf8'), eventBytes(body)]);
}

/** The Merkle leaf: the event with the key id and signature, so the log commits to who signed it too. */
export function leafBytes(body: EventBody, publicKeyId: string, signature: string): Buffer {
  return leafBytesOf(canonicalJson(body), publicKeyId, signature);
}

/**
 * The same bytes from an already encoded body: `event` < `publicKeyId` < `signature` is the
 * canonical key order, so the body's canonical text is spliced in rather than encoded twice.
 */
export function leafBytesOf(canonicalBody: string, publicKeyId: string, signature: string): Buffer {
  return Buffer.from(`{"event":${canonicalBody},"publicKeyId":${JSON.stringify(publicKeyId)},"signature":${JSON.stringify(signature)}}`, 'utf8');
}
