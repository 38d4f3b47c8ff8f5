/**
 * Offline proof bundles in the c2sp.org/tlog-proof@v1 text format: a leaf
 * index, its inclusion proof and the signed checkpoint it leads to, so an
 * auditor holding only the entry bytes and the log's public key (plus any
 * witness keys) can check that the entry is in the log.
 */
import { AppException } from '../util/app-exception';
import { bytesEqual, fromBase64, toBase64 } from './encoding';
import { parseCheckpoint, verifyCheckpoint, type Checkpoint, type CheckpointPolicy } from './checkpoint';
import { fail, HASH_SIZE, leafHash as hashLeaf, ok, verifyInclusion, type Verdict } from './merkle';
import { parseNote } from './note';
import type { VerifiedSignature } from './note';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface TlogProof {
  /** Opaque application data; NOT authenticated by anything in the bundle. */
  extra?: Uint8Array;
  index: number;
  /** Inclusion proof, leaf's sibling first. */
  proof: Uint8Array[];
  /** The signed checkpoint note, verbatim (log signature and any cosignatures). */
  checkpoint: string;
}

export type ParsedTlogProof = { ok: true; bundle: TlogProof } | { ok: false; reason: string };

const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function formatTlogProof(p: TlogProof): string {
  const bad = (message: string, field: string) => new AppException('invalid_request', message, { field });
  if (!Number.isSafeInteger(p.index) || p.index < 0) throw bad(`index must be a non-negative integer, got ${p.index}`, 'index');
  if (p.proof.some((h) => h.byteLength !== HASH_SIZE)) throw bad(`every proof hash must be ${HASH_SIZE} bytes`, 'proof');
  const note = parseNote(p.checkpoint);
  if (!note.ok) throw bad(`the checkpoint is not a signed note: ${note.reason}`, 'checkpoint');
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) lines.push(`extra ${toBase64(p.extra)}`);
  lines.push(`index ${p.index}`, ...p.proof.map(toBase64), '');
  return `${lines.join('\n')}\n${p.checkpoint}`;
}

export function parseTlogProof(text: string): ParsedTlogProof {
  let pos = 0;
  const nextLine = (): string | undefined => {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return undefined;
    const line = text.slice(pos, nl);
    pos = nl + 1;
    return line;
  };
  if (nextLine() !== TLOG_PROOF_HEADER) return { ok: false, reason: `the first line is not ${TLOG_PROOF_HEADER}` };
  let line = nextLine();
  let extra: Uint8Array | undefined;
  if (line?.startsWith('extra ')) {
    extra = fromBase64(line.slice('extra '.length));
    if (!extra) return { ok: false, reason: 'the extra line is not standard base64' };
    line = nextLine();
  }
  const m = line === undefined ? null : /^index (.*)$/.exec(line);
  if (!m || !DECIMAL.test(m[1] as string)) return { ok: false, reason: 'no "index N" line (decimal, no leading zeros) after the header' };
  const index = Number(m[1]);
  if (!Number.isSafeInteger(index)) return { ok: false, reason: `index ${m[1]} is beyond 2^53 − 1, which Cairn does not handle` };
  const proof: Uint8Array[] = [];
  for (;;) {
    line = nextLine();
    if (line === undefined) return { ok: false, reason: 'no blank line between the inclusion proof and the checkpoint' };
    if (line === '') break;
    const h = fromBase64(line);
    if (!h || h.byteLength !== HASH_SIZE) return { ok: false, reason: `proof line ${proof.length + 1} is not a base64 ${HASH_SIZE}-byte hash` };
    proof.push(h);
  }
  const checkpoint = text.slice(pos);
  if (checkpoint.length === 0) return { ok: false, reason: 'the checkpoint is missing' };
  return { ok: true, bundle: { ...(extra ? { extra } : {}), index, proof, checkpoint } };
}

/** What a bundle needs from a log: MerkleLog and MemoryMerkleTree both fit. */
export interface ProofSource {
  root(size: number): Uint8Array;
  inclusionProof(index: number, size: number): Uint8Array[];
}

/**
 * Builds the bundle for leaf `index` against an already signed checkpoint of
 * the same log. Throws if the checkpoint's root is not this log's root at
 * that size, so a bundle never ships a proof that cannot verify.
 */
export function createTlogProof(source: ProofSource, index: number, signedCheckpoint: string, extra?: Uint8Array): string {
  const note = parseNote(signedCheckpoint);
  const parsed = note.ok ? parseCheckpoint(note.text) : note;
  if (!parsed.ok) throw new AppException('invalid_request', `not a checkpoint: ${parsed.reason}`, { field: 'checkpoint' });
  const cp = parsed.checkpoint;
  if (!bytesEqual(source.root(cp.size), cp.rootHash)) {
    throw new AppException('conflict', `the checkpoint's root at size ${cp.size} is not this log's root`, { field: 'checkpoint' });
  }
  return formatTlogProof({ ...(extra ? { extra } : {}), index, proof: source.inclusionProof(index, cp.size), checkpoint: signedCheckpoint });
}

export type TlogProofVerdict = Verdict & {
  bundle?: TlogProof;
  checkpoint?: Checkpoint;
  logSignatures: VerifiedSignature[];
  witnessSignatures: VerifiedSignature[];
};

/**
 * Verifies a bundle for a leaf given by its hash or its bytes: the
 * checkpoint's signatures against the policy, then the inclusion proof
 * against the checkpoint's size and root. Never throws.
 */
export function verifyTlogProof(text: string, leaf: { leafHash: Uint8Array } | { leafData: Uint8Array }, policy: CheckpointPolicy): TlogProofVerdict {
  const none = { logSignatures: [], witnessSignatures: [] };
  const parsed = parseTlogProof(text);
  if (!parsed.ok) return { ...fail('malformed', parsed.reason), ...none };
  const bundle = parsed.bundle;
  const lh = 'leafHash' in leaf ? leaf.leafHash : hashLeaf(leaf.leafData);
  const cv = verifyCheckpoint(bundle.checkpoint, policy);
  const sigs = { logSignatures: cv.logSignatures, witnessSignatures: cv.witnessSignatures };
  if (!cv.valid) return { ...fail(cv.code, cv.reason), bundle, ...sigs };
  const cp = cv.checkpoint as Checkpoint;
  const iv = verifyInclusion({ leafHash: lh, index: bundle.index, size: cp.size, proof: bundle.proof, root: cp.rootHash });
  if (!iv.valid) return { ...fail(iv.code, iv.reason), bundle, checkpoint: cp, ...sigs };
  return { ...ok(`leaf ${bundle.index} is in ${cv.reason}`), bundle, checkpoint: cp, ...sigs };
}
