/**
 * Audit export bundles and their offline verification.
 *
 * A bundle holds the entries of a time range — a contiguous run of leaves
 * of the `ledger_audit` log — each with its inclusion proof against one
 * signed checkpoint, the log's verifier key, and a signed export statement
 * binding the range, the first leaf index, the count and the last leaf
 * hash. Inclusion makes every entry's bytes and position checkable;
 * contiguity plus the statement make a dropped, inserted or reordered
 * entry visible, first and last included. The text itself must be in its
 * canonical layout, so no byte of a bundle can change without failing.
 *
 * `verifyAuditBundle` needs nothing but the text (and optionally a pinned
 * log key), never throws, and reports every check it ran.
 */
import { z } from 'zod';
import type { AuditEntry, AuditVerifyResult } from '../../src-preload/contract';
import { BundleChecks, checkBundleHead, fromBase64, InclusionBatch, leafHash, toBase64 } from '../ledger';
import { entryBytes, parseEntry } from './entry';

export const AUDIT_BUNDLE_FORMAT = 'cairn.audit/bundle';
export const AUDIT_BUNDLE_VERSION = 1;
export const STATEMENT_HEADER = 'cairn.audit/export/v1';
export const MAX_BUNDLE_ENTRIES = 5000;

const B64 = z.string().max(200);
const Time = z.string().regex(/^[0-9T:.+Z-]{1,40}$/).nullable();

export const AuditBundleSchema = z.strictObject({
  format: z.literal(AUDIT_BUNDLE_FORMAT),
  version: z.literal(AUDIT_BUNDLE_VERSION),
  origin: z.string().min(1).max(200).regex(/^\S+$/),
  range: z.strictObject({ from: Time, to: Time }),
  exportedAt: z.string().regex(/^\S{1,40}$/),
  entries: z
    .array(z.strictObject({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), entry: z.unknown(), inclusionProof: z.array(B64).max(64) }))
    .min(1)
    .max(MAX_BUNDLE_ENTRIES),
  checkpoint: z.string().min(1).max(10_000),
  statement: z.string().min(1).max(10_000),
  verifierKeys: z.array(z.string().min(1).max(400)).min(1).max(16),
});
export type AuditBundle = z.infer<typeof AuditBundleSchema>;

export interface Statement {
  origin: string;
  size: number;
  from: string | null;
  to: string | null;
  exportedAt: string;
  first: number;
  count: number;
  /** Base64 leaf hash of the last entry. */
  last: string;
}

/** The text of the signed export statement. */
export function statementText(s: Statement): string {
  return [
    STATEMENT_HEADER,
    `origin ${s.origin}`,
    `size ${s.size}`,
    `range ${s.from ?? '-'} ${s.to ?? '-'}`,
    `exported ${s.exportedAt}`,
    `first ${s.first}`,
    `count ${s.count}`,
    `last ${s.last}`,
  ]
    .map((l) => `${l}\n`)
    .join('');
}

const NUM = /^(0|[1-9][0-9]{0,15})$/;

function parseStatement(text: string): Statement | string {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.length !== 8 || lines[0] !== STATEMENT_HEADER) return 'the export statement is not a cairn.audit/export/v1 statement';
  const field = (i: number, name: string): string[] | null => {
    const parts = (lines[i] as string).split(' ');
    return parts[0] === name ? parts.slice(1) : null;
  };
  const origin = field(1, 'origin');
  const size = field(2, 'size');
  const range = field(3, 'range');
  const exported = field(4, 'exported');
  const first = field(5, 'first');
  const count = field(6, 'count');
  const last = field(7, 'last');
  if (!origin || origin.length !== 1 || !exported || exported.length !== 1 || !last || last.length !== 1) return 'the export statement is malformed';
  if (!range || range.length !== 2) return 'the export statement has no range';
  for (const n of [size, first, count]) if (!n || n.length !== 1 || !NUM.test(n[0] as string)) return 'the export statement has a malformed number';
  const t = (x: string) => (x === '-' ? null : x);
  return {
    origin: origin[0] as string,
    size: Number(size?.[0]),
    from: t(range[0] as string),
    to: t(range[1] as string),
    exportedAt: exported[0] as string,
    first: Number(first?.[0]),
    count: Number(count?.[0]),
    last: last[0] as string,
  };
}

/** The canonical text of a bundle: what the exporter writes and the verifier demands. */
export function bundleText(bundle: AuditBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

function resultOf(c: BundleChecks, entries = 0, range: AuditVerifyResult['range'] = null): AuditVerifyResult {
  return { valid: c.valid, checks: c.checks, failures: c.failures, entries, range };
}

export interface VerifyOptions {
  /** A log verifier key the caller trusts; without it the bundle's own verifier keys are used. */
  vkey?: string;
}

/** Verifies an audit bundle offline. Never throws: malformed input is an invalid result. */
export function verifyAuditBundle(text: unknown, opts: VerifyOptions = {}): AuditVerifyResult {
  try {
    return verifyUnsafe(text, opts);
  } catch (err) {
    const c = new BundleChecks();
    c.add('internal', [`verification stopped: ${err instanceof Error ? err.message : String(err)}`], '');
    return resultOf(c);
  }
}

function verifyUnsafe(text: unknown, opts: VerifyOptions): AuditVerifyResult {
  const c = new BundleChecks();
  let json: unknown;
  try {
    if (typeof text !== 'string') throw new Error('the bundle is not text');
    json = JSON.parse(text);
  } catch (err) {
    c.add('parse', [`not JSON: ${err instanceof Error ? err.message : String(err)}`], '');
    return resultOf(c);
  }
  const parsed = AuditBundleSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    c.add('format', [`${i?.path.map(String).join('.') || 'bundle'}: ${i?.message ?? 'invalid'}`], '');
    return resultOf(c);
  }
  const b = parsed.data;
  const n = b.entries.length;
  const range = { from: b.range.from, to: b.range.to };
  const layout = bundleText(json as AuditBundle) === text ? [] : ['the text is not in the canonical layout (two-space JSON, one final newline): it was edited'];
  c.add('format', layout, `${AUDIT_BUNDLE_FORMAT} v${b.version}, ${n} entr${n === 1 ? 'y' : 'ies'}`);

  // ---- the log key, the checkpoint, and the export statement for this range.
  const { checkpoint, statement: st } = checkBundleHead(c, b, {
    vkey: opts.vkey,
    parse: parseStatement,
    agrees: (s) => (s.from !== b.range.from || s.to !== b.range.to ? [`it covers ${s.from ?? '-'} … ${s.to ?? '-'}, the bundle says ${b.range.from ?? '-'} … ${b.range.to ?? '-'}`] : []),
    describe: (s) => `signed statement: entries ${s.first} to ${s.first + s.count - 1} at log size ${s.size}`,
  });

  // ---- every entry is an audit entry.
  const entries: (AuditEntry | null)[] = b.entries.map((e) => parseEntry(e.entry));
  const bad = entries.flatMap((e, i) => (e ? [] : [`entry ${i} is not an audit entry`]));
  c.add('entries', bad, `${n} well-formed entr${n === 1 ? 'y' : 'ies'}`);

  // ---- contiguity: the leaves first … first+count-1, in order, none missing, none added.
  const contiguity: string[] = [];
  if (st) {
    if (st.count !== n) contiguity.push(`the statement names ${st.count} entries, the bundle holds ${n}`);
    b.entries.forEach((e, i) => {
      if (e.seq !== st.first + i) contiguity.push(`entry ${i} is leaf ${e.seq}, expected leaf ${st.first + i}`);
    });
    const lastEntry = entries[n - 1];
    if (lastEntry && toBase64(leafHash(entryBytes(lastEntry))) !== st.last) contiguity.push('the last entry is not the one the statement names');
    if (checkpoint && st.first + st.count > checkpoint.size) contiguity.push(`the entries run past the checkpoint's size ${checkpoint.size}`);
  } else contiguity.push('no verified export statement to check the run of entries against');
  c.add('contiguity', contiguity, st ? `leaves ${st.first} to ${st.first + n - 1}, none missing, none added, in order` : '');

  // ---- inclusion of each entry's exact bytes at its index.
  const inclusion: string[] = [];
  if (!checkpoint) inclusion.push('no verified checkpoint to prove inclusion against');
  else {
    // One checkpoint for every proof: neighbouring entries' paths stop hashing where they meet a proven subtree.
    const batch = new InclusionBatch(checkpoint.size, checkpoint.rootHash);
    b.entries.forEach((e, i) => {
      const entry = entries[i];
      if (!entry) return;
      const proof = e.inclusionProof.map((p) => fromBase64(p));
      if (proof.some((p) => p === null)) {
        inclusion.push(`entry ${i}: the proof is not base64`);
        return;
      }
      const v = batch.verify(leafHash(entryBytes(entry)), e.seq, proof as Uint8Array[]);
      if (!v.valid) inclusion.push(`entry ${i} (leaf ${e.seq}): ${v.reason}`);
    });
  }
  c.add('inclusion', inclusion, checkpoint ? `every entry is included at its leaf index in the log of size ${checkpoint.size}` : '');

  // ---- times: within the range and never going back.
  const times: string[] = [];
  let prev = '';
  entries.forEach((e, i) => {
    if (!e) return;
    if (b.range.from && e.at < b.range.from) times.push(`entry ${i} at ${e.at} is before the range`);
    if (b.range.to && e.at >= b.range.to) times.push(`entry ${i} at ${e.at} is after the range`);
    if (e.at < prev) times.push(`entry ${i} at ${e.at} is earlier than the entry before it`);
    prev = e.at;
  });
  c.add('times', times, `${entries[0]?.at ?? '?'} … ${entries[n - 1]?.at ?? '?'}, within ${b.range.from ?? 'the start'} … ${b.range.to ?? 'the end'}`);
  return resultOf(c, n, range);
}
