/**
 * Custody export bundles and their offline verification.
 *
 * A bundle is self-contained JSON: the events of one appliance or one job
 * (each with its operator signature, leaf index and inclusion proof), the
 * operators' public keys, the log's signed checkpoint and verifier key, and
 * a signed export statement ("heads") saying how many events each appliance
 * had at that checkpoint and which was last, so a dropped trailing event is
 * as visible as a dropped middle one.
 *
 * `verifyBundle` needs nothing but the text (and optionally a pinned log
 * key), never throws, and reports every check it ran.
 */
import { z } from 'zod';
import type { CustodyVerifyResult } from '../../src-preload/contract';
import { BundleChecks, checkBundleHead, Ed25519VerifyPool, fromBase64, InclusionBatch, parseVerifierKey, SIG_ED25519, type NoteVerifier } from '../ledger';
import { canonicalJson, EventBodySchema, eventLeafHash, sha256Hex, signedMessageOf, type EventBody } from './event';
import { keyIdOf } from './keys';
import { applyEvent, label, type ReplayState } from './machine';

export const BUNDLE_VERSION = 1;
export const BUNDLE_FORMAT = 'cairn.custody/bundle';
export const HEADS_HEADER = 'cairn.custody/export/v1';
/** The CLI verifies large bundles (the app's channel is bounded by its frame size, not by this). */
const MAX_EVENTS = 1_000_000;

const B64 = z.string().max(200);

/** One event entry of a bundle. */
export const BundleEventSchema = z.strictObject({
  event: z.unknown(),
  signature: B64,
  publicKeyId: z.string().min(1).max(200),
  leafIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  inclusionProof: z.array(B64).max(64),
});

export const BundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION),
  origin: z.string().min(1).max(200),
  scope: z.strictObject({ kind: z.enum(['appliance', 'job']), id: z.string().min(1).max(200).regex(/^\S+$/) }),
  exportedAt: z.string().regex(/^\S{1,40}$/),
  events: z.array(BundleEventSchema).min(1).max(MAX_EVENTS),
  publicKeys: z.array(z.strictObject({ id: z.string().min(1).max(200), vkey: z.string().min(1).max(400) })).min(1).max(100),
  checkpoint: z.string().min(1).max(10_000),
  heads: z.string().min(1).max(MAX_EVENTS * 120),
  verifierKeys: z.array(z.string().min(1).max(400)).min(1).max(16),
});
export type Bundle = z.infer<typeof BundleSchema>;

/**
 * What the verifier parses first: the bundle with its events left as they are. Each event entry is then checked
 * against BundleEventSchema as it is verified (the same rules and the same error paths as BundleSchema), so a
 * 100,000-event bundle is not copied whole by the parser before the work starts.
 */
const BundleEnvelopeSchema = BundleSchema.extend({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS) });
export type BundleEvent = Bundle['events'][number];

/** The text of the signed export statement. */
export function headsText(
  origin: string,
  size: number,
  scope: Bundle['scope'],
  exportedAt: string,
  heads: readonly { applianceId: string; count: number; last: string }[],
): string {
  const lines = [HEADS_HEADER, `origin ${origin}`, `size ${size}`, `scope ${scope.kind} ${scope.id}`, `exported ${exportedAt}`, ...heads.map((h) => `appliance ${h.applianceId} ${h.count} ${h.last}`)];
  return lines.map((l) => `${l}\n`).join('');
}

interface Heads {
  exportedAt: string;
  origin: string;
  size: number;
  scope: Bundle['scope'];
  heads: Map<string, { count: number; last: string }>;
}

function parseHeads(text: string): Heads | string {
  const lines = text.split('\n');
  if (lines.pop() !== '') return 'the export statement does not end in a newline';
  const [h, o, s, sc, ex, ...rest] = lines;
  if (h !== HEADS_HEADER) return `the export statement does not start with ${HEADS_HEADER}`;
  const om = /^origin (\S+)$/.exec(o ?? '');
  const sm = /^size (0|[1-9]\d{0,15})$/.exec(s ?? '');
  const scm = /^scope (appliance|job) (\S+)$/.exec(sc ?? '');
  const exm = /^exported (\S{1,40})$/.exec(ex ?? '');
  if (!om || !sm || !scm || !exm) return 'the export statement header is malformed';
  const heads = new Map<string, { count: number; last: string }>();
  for (const line of rest) {
    const m = /^appliance (\S+) ([1-9]\d{0,6}) ([0-9a-f]{64})$/.exec(line);
    if (!m) return `export statement line "${line.slice(0, 80)}" is malformed`;
    if (heads.has(m[1] as string)) return `the export statement names appliance ${m[1]} twice`;
    heads.set(m[1] as string, { count: Number(m[2]), last: m[3] as string });
  }
  return { exportedAt: exm[1] as string, origin: om[1] as string, size: Number(sm[1]), scope: { kind: scm[1] as 'appliance' | 'job', id: scm[2] as string }, heads };
}

function resultOf(c: BundleChecks): CustodyVerifyResult {
  return { valid: c.valid, checks: c.checks, failures: c.failures };
}

export interface VerifyOptions {
  /** A log verifier key the caller trusts; without it the bundle's own verifier keys are used. */
  vkey?: string;
}

function stopped(err: unknown): CustodyVerifyResult {
  const c = new BundleChecks();
  c.add('internal', [`verification stopped: ${err instanceof Error ? err.message : String(err)}`], '');
  return resultOf(c);
}

/** Where the operator signature checks go: verified on the spot, or queued for worker threads. Returns the check's slot. */
type SigSink = (key: NoteVerifier, message: Uint8Array, signature: Uint8Array) => number;
type Pending = { result: CustodyVerifyResult } | { finish(ok: (slot: number) => boolean): CustodyVerifyResult };

/** Verifies a bundle offline. Never throws: malformed input is an invalid result. */
export function verifyBundle(text: unknown, opts: VerifyOptions = {}): CustodyVerifyResult {
  try {
    const results: boolean[] = [];
    const p = verifyUnsafe(text, opts, (key, message, signature) => results.push(key.verify(message, signature).ok) - 1);
    return 'result' in p ? p.result : p.finish((slot) => results[slot] === true);
  } catch (err) {
    return stopped(err);
  }
}

/** Below this many events the worker threads cost more than they save. */
export const PARALLEL_VERIFY_MIN_EVENTS = 2000;

/**
 * `verifyBundle` with the operator signature checks spread over worker
 * threads while the rest is checked here; the same result, check for check.
 * Small bundles (and `threads: 0`) take the sequential path.
 */
export async function verifyBundleParallel(text: unknown, opts: VerifyOptions & { threads?: number; minEvents?: number } = {}): Promise<CustodyVerifyResult> {
  const threads = opts.threads;
  const big = typeof text === 'string' && text.length >= (opts.minEvents ?? PARALLEL_VERIFY_MIN_EVENTS) * 400;
  if (!big || threads === 0) return verifyBundle(text, opts);
  const pool = new Ed25519VerifyPool(threads);
  try {
    const local: boolean[] = [];
    // Slot ≥ 0: in the pool; slot < 0: checked here (a key type the pool does not take).
    const p = verifyUnsafe(text, opts, (key, message, signature) =>
      key.type === SIG_ED25519 && key.publicKey.byteLength === 32 ? pool.add({ publicKey: key.publicKey, message, signature }) : -1 - (local.push(key.verify(message, signature).ok) - 1),
    );
    const pooled = await pool.done();
    return 'result' in p ? p.result : p.finish((slot) => (slot >= 0 ? pooled[slot] === true : local[-1 - slot] === true));
  } catch (err) {
    return stopped(err);
  } finally {
    await pool.close();
  }
}

function verifyUnsafe(text: unknown, opts: VerifyOptions, checkSignature: SigSink): Pending {
  const c = new BundleChecks();
  let json: unknown;
  try {
    if (typeof text !== 'string') throw new Error('the bundle is not text');
    json = JSON.parse(text);
  } catch (err) {
    c.add('parse', [`not JSON: ${err instanceof Error ? err.message : String(err)}`], '');
    return { result: resultOf(c) };
  }
  const formatError = (issue: z.core.$ZodIssue | undefined, prefix: PropertyKey[] = []): Pending => {
    c.add('format', [`${[...prefix, ...(issue?.path ?? [])].map(String).join('.') || 'bundle'}: ${issue?.message ?? 'invalid'}`], '');
    return { result: resultOf(c) };
  };
  const envelope = BundleEnvelopeSchema.safeParse(json);
  if (!envelope.success) return formatError(envelope.error.issues[0]);
  const entries: BundleEvent[] = [];
  for (let i = 0; i < envelope.data.events.length; i++) {
    const e = BundleEventSchema.safeParse(envelope.data.events[i]);
    if (!e.success) return formatError(e.error.issues[0], ['events', i]);
    // The entry as parsed from the text: it has exactly the checked shape (a strict object of plain JSON values),
    // and keeping it rather than the checker's copy halves what a large bundle holds in memory.
    entries.push(envelope.data.events[i] as BundleEvent);
  }
  const b: Bundle = { ...envelope.data, events: entries };
  c.add('format', [], `${BUNDLE_FORMAT} v${b.version}, ${b.events.length} event${b.events.length === 1 ? '' : 's'}, scope ${b.scope.kind} ${b.scope.id}`);

  // ---- the log key, the checkpoint, and the export statement ("heads") for this scope.
  const { checkpoint, statement: heads } = checkBundleHead(
    c,
    { origin: b.origin, exportedAt: b.exportedAt, verifierKeys: b.verifierKeys, checkpoint: b.checkpoint, statement: b.heads },
    {
      vkey: opts.vkey,
      parse: parseHeads,
      agrees: (h) => (h.scope.kind !== b.scope.kind || h.scope.id !== b.scope.id ? [`it covers ${h.scope.kind} ${h.scope.id}, the bundle says ${b.scope.kind} ${b.scope.id}`] : []),
      describe: (h) => `signed statement: ${h.heads.size} appliance${h.heads.size === 1 ? '' : 's'} at log size ${h.size}`,
    },
  );

  // ---- operator public keys.
  const keyMap = new Map<string, NoteVerifier>();
  const pkProblems: string[] = [];
  for (const pk of b.publicKeys) {
    try {
      const v = parseVerifierKey(pk.vkey);
      if (keyIdOf(pk.vkey) !== pk.id) pkProblems.push(`key ${pk.id}: its id does not match its verifier key (${keyIdOf(pk.vkey)})`);
      else if (keyMap.has(pk.id)) pkProblems.push(`key ${pk.id} is listed twice`);
      else keyMap.set(pk.id, v);
    } catch (err) {
      pkProblems.push(`key ${pk.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  c.add('public-keys', pkProblems, `${keyMap.size} operator key${keyMap.size === 1 ? '' : 's'}`);

  // ---- each event: well-formed, signed, included.
  const bodies: (EventBody | undefined)[] = [];
  const hashes: string[] = [];
  const bodyProblems: string[] = [];
  // Per event: a problem found now, a pending signature check (its slot and label), or nothing (no body).
  const sigChecks: (string | { slot: number; label: string } | null)[] = [];
  const inclProblems: string[] = [];
  // Every proof is against the one checkpoint: paths that meet an already proven subtree stop hashing there.
  let inclusion: InclusionBatch | undefined;
  b.events.forEach((e, i) => {
    const pb = EventBodySchema.safeParse(e.event);
    if (!pb.success) {
      const issue = pb.error.issues[0];
      bodyProblems.push(`event ${i}: ${issue?.path.map(String).join('.') || 'event'}: ${issue?.message ?? 'invalid'}`);
      bodies.push(undefined);
      hashes.push('');
      sigChecks.push(null);
      return;
    }
    const body = pb.data as EventBody;
    // Encoded once: the signed message, the event hash and the Merkle leaf hash all read these bytes.
    const { message, body: bytes } = signedMessageOf(canonicalJson(body));
    bodies.push(body);
    hashes.push(sha256Hex(bytes));
    const key = keyMap.get(e.publicKeyId);
    const sig = fromBase64(e.signature);
    const failed = `event ${i} (${body.applianceId} #${body.seq} → ${body.to}): the signature does not verify`;
    if (body.operator.publicKeyId !== e.publicKeyId) sigChecks.push(`event ${i}: signed with ${e.publicKeyId} but names ${body.operator.publicKeyId} as its operator key`);
    else if (!key) sigChecks.push(`event ${i}: key ${e.publicKeyId} is not among the bundle's public keys`);
    else if (!sig) sigChecks.push(failed);
    else sigChecks.push({ slot: checkSignature(key, message, sig), label: failed });
    if (checkpoint) {
      const proof = e.inclusionProof.map((p) => fromBase64(p));
      if (proof.some((p) => p === undefined)) inclProblems.push(`event ${i}: the inclusion proof is not base64`);
      else {
        const v = (inclusion ??= new InclusionBatch(checkpoint.size, checkpoint.rootHash)).verify(
          eventLeafHash(bytes, e.publicKeyId, e.signature),
          e.leafIndex,
          proof as Uint8Array[],
        );
        if (!v.valid) inclProblems.push(`event ${i} (leaf ${e.leafIndex}): ${v.reason}`);
      }
    }
  });

  // ---- ordering and scope.
  const orderProblems: string[] = [];
  let lastLeaf = -1;
  const groups = new Map<string, { body: EventBody; hash: string }[]>();
  b.events.forEach((e, i) => {
    if (e.leafIndex <= lastLeaf) orderProblems.push(`event ${i}: leaf ${e.leafIndex} does not come after leaf ${lastLeaf}`);
    lastLeaf = Math.max(lastLeaf, e.leafIndex);
    const body = bodies[i];
    if (!body) return;
    if (body.origin !== b.origin) orderProblems.push(`event ${i}: from log ${body.origin}, not ${b.origin}`);
    if (b.scope.kind === 'appliance' && body.applianceId !== b.scope.id) orderProblems.push(`event ${i}: for appliance ${body.applianceId}, outside the bundle's scope`);
    if (b.scope.kind === 'job' && body.jobId !== b.scope.id) orderProblems.push(`event ${i}: for job ${body.jobId}, outside the bundle's scope`);
    const g = groups.get(body.applianceId) ?? [];
    if (g.length && g[g.length - 1]!.body.seq >= body.seq) orderProblems.push(`event ${i}: ${body.applianceId} #${body.seq} comes after #${g[g.length - 1]!.body.seq}`);
    g.push({ body, hash: hashes[i] as string });
    groups.set(body.applianceId, g);
  });

  // ---- completeness against the signed statement.
  const compProblems: string[] = [];
  if (!heads) compProblems.push('not checked: no valid export statement');
  else {
    for (const [id, g] of groups) {
      const h = heads.heads.get(id);
      const last = g[g.length - 1]!;
      if (!h) compProblems.push(`appliance ${id} is not in the signed statement`);
      else if (h.count !== g.length) compProblems.push(`appliance ${id}: ${g.length} event${g.length === 1 ? '' : 's'} in the bundle, the statement says ${h.count}`);
      else if (h.last !== last.hash) compProblems.push(`appliance ${id}: the last event is not the one the statement names`);
    }
    for (const id of heads.heads.keys()) if (!groups.has(id)) compProblems.push(`appliance ${id} is in the signed statement but has no events in the bundle`);
  }

  // ---- replay every appliance's history through the state machine.
  const replayProblems: string[] = [];
  const finals: string[] = [];
  for (const [id, g] of groups) {
    let st: ReplayState | undefined;
    for (const e of g) {
      const r = applyEvent(st, e.body, e.hash);
      if (!r.ok) {
        replayProblems.push(`appliance ${id} #${e.body.seq} (${label(e.body.from)} → ${label(e.body.to)}): ${r.refusal.reason}`);
        st = undefined;
        break;
      }
      st = r.state;
    }
    if (st) finals.push(`${id}: ${label(st.state)}`);
  }
  return {
    finish(ok) {
      const sigProblems = sigChecks.flatMap((s) => (s === null ? [] : typeof s === 'string' ? [s] : ok(s.slot) ? [] : [s.label]));
      c.add('events', bodyProblems, `${b.events.length} well-formed event${b.events.length === 1 ? '' : 's'}`);
      c.add('signatures', sigProblems, `${b.events.length} operator signature${b.events.length === 1 ? '' : 's'} verify`);
      c.add('inclusion', checkpoint ? inclProblems : ['not checked: no valid checkpoint'], checkpoint ? `every event is in the log at size ${checkpoint.size}` : '');
      c.add('ordering', orderProblems, `${groups.size} appliance${groups.size === 1 ? '' : 's'}, events in log order`);
      c.add('completeness', compProblems, heads ? 'every appliance has exactly the events the signed statement lists' : '');
      c.add('transitions', replayProblems, `every transition is legal from registration on (${finals.join(', ')})`);
      return resultOf(c);
    },
  };
}
