/**
 * A custody event as signed and logged: its body (who, what, when, where,
 * why, evidence), the canonical JSON encoding (keys sorted, no whitespace;
 * the same bytes RFC 8785 JCS gives for these values), what the operator's
 * Ed25519 key signs, and the Merkle leaf that commits to event, key id and
 * signature together.
 */
import { createHash, type Hash } from 'node:crypto';
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
/** Object keys repeat (every event has the same few dozen): their encodings are kept, up to a bound. */
const QUOTED_KEYS = new Map<string, string>();

export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no non-finite numbers');
    return value === 0 ? '0' : String(value);
  }
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value !== 'object') throw new TypeError(`canonical JSON cannot encode ${typeof value}`);
  // Hot on every custody and audit append and every bundle verification: plain loops and one string, no intermediate arrays.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new TypeError('canonical JSON encodes plain objects only');
  const obj = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, which is the order canonical JSON needs.
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    let quoted = QUOTED_KEYS.get(k);
    if (quoted === undefined) {
      quoted = `${JSON.stringify(k)}:`;
      if (QUOTED_KEYS.size < 4096) QUOTED_KEYS.set(k, quoted);
    }
    if (!first) out += ',';
    out += quoted + canonicalJson(v);
    first = false;
  }
  return `${out}}`;
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
  return signedMessageOf(canonicalJson(body)).message;
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
  return Buffer.from(`{"event":${canonicalBody}${leafTail(publicKeyId, signature)}`, 'utf8');
}

const LEAF_HEAD_BYTES = Buffer.from('{"event":', 'utf8');

/** `leafBytesOf` from the canonical body's bytes (as signed), not its text. */
export function leafBytesOfBody(bodyBytes: Uint8Array, publicKeyId: string, signature: string): Buffer {
  const tail = leafTail(publicKeyId, signature);
  const out = Buffer.allocUnsafe(LEAF_HEAD_BYTES.length + bodyBytes.byteLength + Buffer.byteLength(tail, 'utf8'));
  LEAF_HEAD_BYTES.copy(out, 0);
  out.set(bodyBytes, LEAF_HEAD_BYTES.length);
  out.write(tail, LEAF_HEAD_BYTES.length + bodyBytes.byteLength, 'utf8');
  return out;
}

/** The leaf's JSON after the event: its key id and signature, and the closing brace. */
const leafTail = (publicKeyId: string, signature: string): string => `,"publicKeyId":${JSON.stringify(publicKeyId)},"signature":${JSON.stringify(signature)}}`;

const SIGNING_PREFIX_BYTES = Buffer.from(EVENT_SIGNING_PREFIX, 'utf8');
/** 0x00 (RFC 6962 leaf) then the start of the leaf's JSON. */
const LEAF_HASH_HEAD = Buffer.concat([Buffer.from([0x00]), Buffer.from('{"event":', 'utf8')]);

/** The signed message (prefix + canonical body) in one buffer; `body` is the canonical body's bytes within it. */
export function signedMessageOf(canonicalBody: string): { message: Buffer; body: Buffer } {
  const message = Buffer.allocUnsafe(SIGNING_PREFIX_BYTES.length + Buffer.byteLength(canonicalBody, 'utf8'));
  SIGNING_PREFIX_BYTES.copy(message, 0);
  message.write(canonicalBody, SIGNING_PREFIX_BYTES.length, 'utf8');
  return { message, body: message.subarray(SIGNING_PREFIX_BYTES.length) };
}

/**
 * The Merkle leaf hash of an event, `leafHash(leafBytesOf(…))`, streamed from the body's bytes rather than built
 * as one more ~1 KB string and buffer per event (verifying a large bundle encodes each body once).
 */
export function eventLeafHash(bodyBytes: Uint8Array, publicKeyId: string, signature: string): Buffer {
  const h: Hash = createHash('sha256');
  h.update(LEAF_HASH_HEAD);
  h.update(bodyBytes);
  h.update(leafTail(publicKeyId, signature), 'utf8');
  return h.digest();
}
