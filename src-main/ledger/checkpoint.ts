/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint): the note body that states a
 * log's origin, size and root hash, its strict parsing and formatting, and
 * verification of a signed checkpoint against a policy of trusted log keys
 * and, optionally, a quorum of witness cosigners.
 */
import { AppException } from '../util/app-exception';
import { fromBase64, hasForbiddenChar, toBase64 } from './encoding';
import { fail, HASH_SIZE, ok, type Verdict } from './merkle';
import { formatKeyId, signNote, SIG_COSIGNATURE_V1, verifyNote, type NoteSigner, type NoteVerifier, type VerifiedSignature } from './note';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** Opaque, non-empty extension lines; NOT RECOMMENDED by the spec, kept for round-tripping. */
  extensions: string[];
}

export type ParsedCheckpoint = { ok: true; checkpoint: Checkpoint } | { ok: false; reason: string };

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Parses a checkpoint note body (the signed text, through its final newline). */
export function parseCheckpoint(text: string): ParsedCheckpoint {
  if (!text.endsWith('\n')) return { ok: false, reason: 'the checkpoint text does not end in a newline' };
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return { ok: false, reason: `a checkpoint has at least 3 lines (origin, size, root hash), this has ${lines.length}` };
  const [origin = '', sizeText = '', root64 = '', ...extensions] = lines;
  if (origin.length === 0) return { ok: false, reason: 'the origin line is empty' };
  if (!DECIMAL.test(sizeText)) return { ok: false, reason: `tree size "${sizeText}" is not a decimal without leading zeros` };
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return { ok: false, reason: `tree size ${sizeText} is beyond 2^53 − 1, which Cairn does not handle` };
  const rootHash = fromBase64(root64);
  if (!rootHash) return { ok: false, reason: `root hash "${root64}" is not standard base64` };
  if (rootHash.byteLength !== HASH_SIZE) return { ok: false, reason: `root hash is ${rootHash.byteLength} bytes, not ${HASH_SIZE}` };
  if (extensions.some((e) => e.length === 0)) return { ok: false, reason: 'an extension line is empty' };
  return { ok: true, checkpoint: { origin, size, rootHash, extensions } };
}

/**
 * Formats a checkpoint body. Stricter than the parser on what Cairn itself
 * issues: the origin is a schema-less name without spaces or '+', as the spec
 * recommends, so it can double as the log's key name.
 */
export function formatCheckpoint(cp: Checkpoint): string {
  const bad = (message: string, field: string) => new AppException('invalid_request', message, { field });
  if (!cp.origin || /[\s\u0085+]/u.test(cp.origin) || hasForbiddenChar(cp.origin, { newline: false })) {
    throw bad(`origin "${cp.origin}" must be non-empty, without spaces, '+' or control characters`, 'origin');
  }
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw bad(`tree size must be a non-negative integer, got ${cp.size}`, 'size');
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.byteLength !== HASH_SIZE) throw bad(`root hash must be ${HASH_SIZE} bytes`, 'rootHash');
  for (const e of cp.extensions) {
    if (e.length === 0 || hasForbiddenChar(e, { newline: false })) throw bad('extension lines must be non-empty without control characters', 'extensions');
  }
  return [cp.origin, String(cp.size), toBase64(cp.rootHash), ...cp.extensions].map((l) => `${l}\n`).join('');
}

/** Formats and signs a checkpoint; the log's signer key name should equal the origin. */
export function signCheckpoint(cp: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(cp), signers);
}

export interface CheckpointPolicy {
  /** Keys of the log itself; at least one must have signed. */
  logKeys: readonly NoteVerifier[];
  /** Witness cosigner keys; their signatures are checked when present. */
  witnessKeys?: readonly NoteVerifier[];
  /** How many distinct witnesses must have cosigned (default 0). */
  witnessQuorum?: number;
  /** The origin the checkpoint must name, when the caller knows which log it expects. */
  origin?: string;
}

export type CheckpointVerdict = Verdict & {
  checkpoint?: Checkpoint;
  /** The signed text, verbatim. */
  text?: string;
  logSignatures: VerifiedSignature[];
  witnessSignatures: VerifiedSignature[];
};

/** Splits a list of verifier keys into log keys and witness keys by signature type. */
export function policyFromKeys(keys: readonly NoteVerifier[], extra: Omit<CheckpointPolicy, 'logKeys' | 'witnessKeys'> = {}): CheckpointPolicy {
  return {
    ...extra,
    logKeys: keys.filter((k) => k.type !== SIG_COSIGNATURE_V1),
    witnessKeys: keys.filter((k) => k.type === SIG_COSIGNATURE_V1),
  };
}

/** Verifies a signed checkpoint against a policy. Never throws. */
export function verifyCheckpoint(note: string | Uint8Array, policy: CheckpointPolicy): CheckpointVerdict {
  const witnessKeys = policy.witnessKeys ?? [];
  const quorum = policy.witnessQuorum ?? 0;
  const none = { logSignatures: [], witnessSignatures: [] };
  const v = verifyNote(note, [...policy.logKeys, ...witnessKeys]);
  if (!v.valid) return { ...fail(v.code, v.reason), ...none };
  const isLog = (s: VerifiedSignature) => policy.logKeys.some((k) => k.name === s.name && k.keyId === s.keyId);
  const logSignatures = v.verified.filter(isLog);
  const witnessSignatures = v.verified.filter((s) => !isLog(s));
  const sigs = { logSignatures, witnessSignatures };
  if (logSignatures.length === 0) return { ...fail('untrusted', 'no signature from a trusted log key (only witness cosignatures)'), ...sigs };
  const parsed = parseCheckpoint(v.text as string);
  if (!parsed.ok) return { ...fail('malformed', parsed.reason), ...sigs };
  const cp = parsed.checkpoint;
  if (policy.origin !== undefined && cp.origin !== policy.origin) {
    return { ...fail('origin-mismatch', `the checkpoint is for origin "${cp.origin}", expected "${policy.origin}"`), ...sigs };
  }
  if (witnessSignatures.length < quorum) {
    return { ...fail('untrusted', `${witnessSignatures.length} of the required ${quorum} witness cosignatures`), ...sigs };
  }
  const by = logSignatures.map((s) => `${s.name}+${formatKeyId(s.keyId)}`).join(', ');
  const wit = witnessSignatures.length ? `, cosigned by ${witnessSignatures.length} witness${witnessSignatures.length === 1 ? '' : 'es'}` : '';
  return { ...ok(`checkpoint ${cp.origin} at size ${cp.size} signed by ${by}${wit}`), checkpoint: cp, text: v.text as string, ...sigs };
}

