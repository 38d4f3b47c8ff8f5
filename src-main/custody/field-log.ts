/**
 * The offline field log: a field laptop records custody steps into a Merkle
 * log of its own (`ledger_custody_field`, origin
 * `cairn.custody.field/<install-id>`, its own log key) while it cannot reach
 * the central console, and exports it as a signed field-log bundle that the
 * central console merges (field-merge.ts).
 *
 * Offline, only what needs no history is checked: the operator's role and
 * the step's evidence. Field events chain per appliance within the field log
 * (`seq`, `prev`); the lifecycle is re-checked on the central timeline when
 * they are merged, where a step that no longer fits is reported.
 */
import { z } from 'zod';
import { CustodyStateSchema, type CustodyFieldRecordResult, type CustodyFieldRecordSchema } from '../../src-preload/contract';
import { fromBase64, MemoryMerkleTree, MerkleLog, parseVerifierKey, signCheckpoint, toBase64, verifyCheckpoint, type Checkpoint, type NoteVerifier } from '../ledger';
import { AppException } from '../util/app-exception';
import { canonicalJson, EventBodySchema, leafBytesOf, sha256Hex } from './event';
import { FIELD_LOG_PREFIX } from './field-schema';
import { keyIdOf } from './keys';
import { checkFields } from './machine';
import { checkActor, type CustodyActor } from './permissions';
import { refusalError, type CustodyService } from './service';

type FieldRecordInput = z.output<typeof CustodyFieldRecordSchema>;

export const FIELD_EVENT_SIGNING_PREFIX = 'cairn.custody/field-event/v1\n';
export const FIELD_LOG_FORMAT = 'cairn.custody/field-log';
export const FIELD_LOG_VERSION = 1;
/** A field log is days of offline work; the CLI takes any size up to this, the app one WebSocket frame. */
const MAX_FIELD_EVENTS = 100_000;

const shape = EventBodySchema.shape;
/** What a field operator signs: a step without the central history (`from`, central `seq`/`prev` are the central console's to decide). */
export const FieldEventBodySchema = z.strictObject({
  v: z.literal(1),
  kind: z.literal('field'),
  origin: shape.origin,
  applianceId: shape.applianceId,
  /** Position among this appliance's events in this field log, from 0. */
  seq: shape.seq,
  /** SHA-256 of this appliance's previous event body in this field log; null for its first. */
  prev: shape.prev,
  to: CustodyStateSchema,
  at: shape.at,
  operator: shape.operator,
  site: shape.site,
  reason: shape.reason,
  fields: shape.fields,
  attachments: shape.attachments,
});
export type FieldEventBody = z.infer<typeof FieldEventBodySchema>;

const B64 = z.string().max(200);
export const FieldLogBundleSchema = z.strictObject({
  format: z.literal(FIELD_LOG_FORMAT),
  version: z.literal(FIELD_LOG_VERSION),
  origin: z.string().min(1).max(200),
  exportedAt: z.string().regex(/^\S{1,40}$/),
  /** Every event of the field log, in leaf order (event i is leaf i). */
  events: z.array(z.strictObject({ event: z.unknown(), signature: B64, publicKeyId: z.string().min(1).max(200) })).min(1).max(MAX_FIELD_EVENTS),
  publicKeys: z.array(z.strictObject({ id: z.string().min(1).max(200), vkey: z.string().min(1).max(400) })).min(1).max(100),
  /** The field log's checkpoint at exactly `events.length`, signed by its log key. */
  checkpoint: z.string().min(1).max(10_000),
  verifierKey: z.string().min(1).max(400),
});
export type FieldLogBundle = z.infer<typeof FieldLogBundleSchema>;

export function fieldSigningMessage(canonicalBody: string): Buffer {
  return Buffer.from(`${FIELD_EVENT_SIGNING_PREFIX}${canonicalBody}`, 'utf8');
}

/** A field-log bundle whose every signature, hash and chain checked out: the tree is rebuilt from its leaves. */
export interface VerifiedFieldLog {
  origin: string;
  vkey: string;
  checkpoint: Checkpoint;
  checkpointNote: string;
  tree: MemoryMerkleTree;
  events: { body: FieldEventBody; hash: string; signature: string; publicKeyId: string }[];
}

const bad = (check: string, message: string) => new AppException('invalid_request', `Field log refused (${check}): ${message}`, { field: 'text', details: { check } });

/**
 * Parses and verifies a field-log bundle: format, the field log key (pinned
 * when the central console has merged this origin before), the checkpoint,
 * every operator signature, the per-appliance chain, and that the leaves
 * rebuild exactly the checkpoint's root. Throws a typed `invalid_request`
 * naming the failed check; never anything else.
 */
export function verifyFieldLog(text: unknown, pinnedVkey?: string): VerifiedFieldLog {
  let json: unknown;
  try {
    if (typeof text !== 'string') throw new Error('the bundle is not text');
    json = JSON.parse(text);
  } catch (err) {
    throw bad('parse', `not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = FieldLogBundleSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw bad('format', `${i?.path.map(String).join('.') || 'bundle'}: ${i?.message ?? 'invalid'}`);
  }
  const b = parsed.data;
  let logKey: NoteVerifier;
  try {
    logKey = parseVerifierKey(b.verifierKey);
  } catch (err) {
    throw bad('log-key', err instanceof Error ? err.message : String(err));
  }
  if (logKey.name !== b.origin) throw bad('log-key', `the log key is named ${logKey.name}, the bundle is for ${b.origin}`);
  if (pinnedVkey !== undefined && pinnedVkey !== b.verifierKey) throw bad('log-key', `${b.origin} was merged before with the log key ${keyIdOf(pinnedVkey)}; this bundle is signed by ${keyIdOf(b.verifierKey)}`);
  const cp = verifyCheckpoint(b.checkpoint, { logKeys: [logKey], origin: b.origin });
  if (!cp.valid || !cp.checkpoint) throw bad('checkpoint', cp.reason);
  if (cp.checkpoint.size !== b.events.length) throw bad('checkpoint', `the checkpoint is at size ${cp.checkpoint.size}, the bundle has ${b.events.length} events`);

  const keys = new Map<string, NoteVerifier>();
  for (const pk of b.publicKeys) {
    try {
      const v = parseVerifierKey(pk.vkey);
      if (keyIdOf(pk.vkey) !== pk.id) throw new Error(`its id does not match its verifier key (${keyIdOf(pk.vkey)})`);
      keys.set(pk.id, v);
    } catch (err) {
      throw bad('public-keys', `key ${pk.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const tree = new MemoryMerkleTree();
  const chains = new Map<string, { seq: number; hash: string; at: string }>();
  const events: VerifiedFieldLog['events'] = [];
  b.events.forEach((e, i) => {
    const pb = FieldEventBodySchema.safeParse(e.event);
    if (!pb.success) {
      const issue = pb.error.issues[0];
      throw bad('events', `event ${i}: ${issue?.path.map(String).join('.') || 'event'}: ${issue?.message ?? 'invalid'}`);
    }
    const body = pb.data;
    if (body.origin !== b.origin) throw bad('events', `event ${i} is from ${body.origin}, not ${b.origin}`);
    const canonical = canonicalJson(body);
    const key = keys.get(e.publicKeyId);
    const sig = fromBase64(e.signature);
    if (body.operator.publicKeyId !== e.publicKeyId) throw bad('signatures', `event ${i} is signed with ${e.publicKeyId} but names ${body.operator.publicKeyId}`);
    if (!key || !sig || !key.verify(fieldSigningMessage(canonical), sig).ok) throw bad('signatures', `event ${i} (${body.applianceId} → ${body.to}): the operator signature does not verify`);
    const hash = sha256Hex(canonical);
    const prev = chains.get(body.applianceId);
    if (body.seq !== (prev ? prev.seq + 1 : 0) || body.prev !== (prev?.hash ?? null)) throw bad('chain', `event ${i} (${body.applianceId} #${body.seq}) does not follow the appliance's previous field event`);
    if (prev && body.at < prev.at) throw bad('chain', `event ${i} is dated before the appliance's previous field event`);
    chains.set(body.applianceId, { seq: body.seq, hash, at: body.at });
    tree.append(leafBytesOf(canonical, e.publicKeyId, e.signature));
    events.push({ body, hash, signature: e.signature, publicKeyId: e.publicKeyId });
  });
  if (!Buffer.from(tree.root()).equals(Buffer.from(cp.checkpoint.rootHash))) throw bad('root', "the events do not rebuild the checkpoint's root hash");
  return { origin: b.origin, vkey: b.verifierKey, checkpoint: cp.checkpoint, checkpointNote: b.checkpoint, tree, events };
}

/** This installation's field log: record offline, export for merging. */
export class FieldLog {
  readonly log: MerkleLog;

  constructor(private readonly custody: CustodyService) {
    this.log = new MerkleLog(custody.db, { prefix: FIELD_LOG_PREFIX });
  }

  get origin(): string {
    return this.custody.keys.fieldOrigin;
  }

  get size(): number {
    return this.log.size;
  }

  /** Records one step into the field log: role and evidence checked, signed, logged and checkpointed in one transaction. */
  async record(input: FieldRecordInput, actor: CustodyActor, at: Date = this.custody.clock()): Promise<CustodyFieldRecordResult> {
    checkActor(actor, input.to);
    const fields = checkFields(input.to, input.fields);
    if (!fields.ok) throw refusalError({ code: 'missing_evidence', reason: fields.reason, field: fields.field, from: null, to: input.to, allowed: [] });
    const keys = await this.custody.keys.load();
    const fieldKey = await this.custody.keys.fieldLog();
    const db = this.custody.db;
    return db.transaction(() => {
      const last = db.prepare('SELECT seq, event_sha256, body FROM custody_field_events WHERE appliance_id = ? ORDER BY seq DESC LIMIT 1').get(input.applianceId) as
        | { seq: number; event_sha256: string; body: string }
        | undefined;
      const when = at.toISOString();
      if (last && when < (JSON.parse(last.body) as FieldEventBody).at) throw new AppException('conflict', `The system clock (${when}) is behind this appliance's last field event; fix the clock first`, { field: 'at' });
      const body: FieldEventBody = {
        v: 1,
        kind: 'field',
        origin: this.origin,
        applianceId: input.applianceId,
        seq: last ? last.seq + 1 : 0,
        prev: last?.event_sha256 ?? null,
        to: input.to,
        at: when,
        operator: { id: actor.id, name: input.operator.name, role: actor.role, publicKeyId: keys.operator.id, capacity: input.operator.role },
        site: input.site.gps ? { name: input.site.name, gps: { lat: input.site.gps.lat, lon: input.site.gps.lon } } : { name: input.site.name },
        reason: input.reason,
        fields: input.fields,
        attachments: input.attachments,
      };
      const canonical = canonicalJson(body);
      const hash = sha256Hex(canonical);
      const signature = toBase64(keys.operator.signer.sign(fieldSigningMessage(canonical)));
      const { index } = this.log.append(leafBytesOf(canonical, keys.operator.id, signature));
      db.prepare('INSERT INTO custody_field_events (leaf_index, appliance_id, seq, body, event_sha256, signature, public_key_id) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        index,
        body.applianceId,
        body.seq,
        canonical,
        hash,
        signature,
        keys.operator.id,
      );
      const size = this.log.size;
      db.prepare('INSERT INTO custody_field_checkpoints (size, note, created_at) VALUES (?, ?, ?)').run(size, signCheckpoint(this.log.checkpoint(this.origin, size), [fieldKey.signer]), this.custody.clock().toISOString());
      return { origin: this.origin, leafIndex: index, size, seq: body.seq, eventSha256: hash };
    })();
  }

  /** The whole field log as a signed bundle for the central console. */
  async exportBundle(): Promise<{ fileName: string; text: string; events: number; bundle: FieldLogBundle }> {
    const fieldKey = await this.custody.keys.fieldLog();
    const db = this.custody.db;
    const size = this.log.size;
    if (size === 0) throw new AppException('not_found', 'The field log is empty: nothing was recorded offline', { field: 'fieldLog' });
    const rows = db.prepare('SELECT body, signature, public_key_id FROM custody_field_events WHERE leaf_index < ? ORDER BY leaf_index').all(size) as {
      body: string;
      signature: string;
      public_key_id: string;
    }[];
    const ids = [...new Set(rows.map((r) => r.public_key_id))];
    const bundle: FieldLogBundle = {
      format: FIELD_LOG_FORMAT,
      version: FIELD_LOG_VERSION,
      origin: this.origin,
      exportedAt: this.custody.clock().toISOString(),
      events: rows.map((r) => ({ event: JSON.parse(r.body) as unknown, signature: r.signature, publicKeyId: r.public_key_id })),
      publicKeys: ids.map((id) => ({ id, vkey: db.prepare('SELECT vkey FROM custody_keys WHERE key_id = ?').pluck().get(id) as string })),
      checkpoint: signCheckpoint(this.log.checkpoint(this.origin, size), [fieldKey.signer]),
      verifierKey: fieldKey.vkey,
    };
    const text = `${JSON.stringify(bundle, null, 2)}\n`;
    return { fileName: `custody-field-log-${this.custody.installId}-${size}.json`, text, events: size, bundle };
  }
}
