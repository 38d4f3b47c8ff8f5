/**
 * C2SP signed notes (c2sp.org/signed-note): keys in their text forms
 * (verifier key `name+keyid+base64(type‖key)`, Go-compatible signer key
 * `PRIVATE+KEY+name+keyid+base64(0x01‖seed)`), signing, and verification by
 * the spec's rules: unknown signers are ignored, a known signer whose
 * signature fails rejects the note, and at least one known signature must
 * verify.
 *
 * Signature types: Ed25519 (0x01) to sign and verify; Ed25519 witness
 * cosignatures (0x04, c2sp.org/tlog-cosignature) to sign and verify; ECDSA
 * (0x02, transparency-dev / Sigstore Rekor) to verify only, so third-party
 * checkpoints can be checked. Everything uses node:crypto.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { AppException } from '../util/app-exception';
import { fromBase64, hasForbiddenChar, toBase64, utf8 } from './encoding';
import { fail, ok, sha256, type Verdict } from './merkle';
import { signEd25519Many } from './parallel-sign';

export const SIG_ED25519 = 0x01;
export const SIG_ECDSA = 0x02;
export const SIG_COSIGNATURE_V1 = 0x04;

/** Verifiers must accept at least 16 signatures; Go's reference caps at 100, and so do we. */
export const MAX_SIGNATURES = 100;

const SIG_PREFIX = '— '; // U+2014 EM DASH, space
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const ECDSA_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MAX_TIMESTAMP = BigInt(Number.MAX_SAFE_INTEGER);

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  /** The signature type byte (SIG_*). */
  readonly type: number;
  /** Key material after the type byte, as in the vkey. */
  readonly publicKey: Uint8Array;
  /** The vkey text this verifier was made from. */
  readonly vkey: string;
  /** Checks `sig` (without the 4-byte key ID) over the note text. */
  verify(text: Uint8Array, sig: Uint8Array): { ok: boolean; timestamp?: number };
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** The matching verifier key text, safe to publish. */
  readonly vkey: string;
  sign(text: Uint8Array): Uint8Array;
  /**
   * Ed25519 signers: the private key, so a worker thread of this process can sign with it
   * (`ed25519NoteSigner`; a KeyObject crosses by structured clone and has no JSON or text form).
   */
  readonly privateKey?: KeyObject;
  /** Many signatures at once, on the signing thread when that is worth it (Ed25519 signers); equal to `sign` on each. */
  signMany?(texts: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The base64 field of the signature line, verbatim. */
  base64: string;
  /** The signature bytes after the key ID. */
  signature: Uint8Array;
}

export interface VerifiedSignature extends NoteSignature {
  type: number;
  /** POSIX seconds, for timestamped cosignatures. */
  timestamp?: number;
}

export type NoteVerdict = Verdict & {
  /** The signed text (through its final newline); present when the note verified. */
  text?: string;
  verified: VerifiedSignature[];
  /** Signatures from keys the caller did not name; ignored by the rules. */
  unknown: NoteSignature[];
};

// ---- key names and key IDs ------------------------------------------------------------

/** Non-empty, no Unicode spaces, no '+' (c2sp.org/signed-note). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && !hasForbiddenChar(name, { newline: false });
}

export function formatKeyId(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** The recommended key ID: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  return sha256(Buffer.concat([utf8(name), Buffer.from([0x0a, type]), publicKey])).readUInt32BE(0);
}

/** ECDSA keys are identified by SHA-256 of the DER SubjectPublicKeyInfo alone, without the name. */
export function ecdsaKeyId(spkiDer: Uint8Array): number {
  return sha256(spkiDer).readUInt32BE(0);
}

function keyError(message: string, field: string): AppException {
  return new AppException('invalid_request', message, { field });
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw keyError(`key name "${name}" must be non-empty without spaces or '+'`, 'name');
  const id = type === SIG_ECDSA ? ecdsaKeyId(publicKey) : noteKeyId(name, type, publicKey);
  return `${name}+${formatKeyId(id)}+${toBase64(Buffer.concat([Buffer.from([type]), publicKey]))}`;
}

// ---- verifier keys -----------------------------------------------------------------

function ed25519Public(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
}

function ed25519Verify(key: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  if (sig.byteLength !== 64) return false;
  try {
    return cryptoVerify(null, msg, key, sig);
  } catch {
    return false;
  }
}

function cosignedMessage(timestamp: bigint, text: Uint8Array): Buffer {
  return Buffer.concat([utf8(`cosignature/v1\ntime ${timestamp}\n`), text]);
}

/** Parses a verifier key; throws AppException('invalid_request') naming what is wrong. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const [name = '', id16 = '', key64 = ''] = splitKey(vkey, 3);
  if (!isValidKeyName(name)) throw keyError(`verifier key "${vkey}": the name must be non-empty without spaces or '+'`, 'vkey');
  if (!/^[0-9a-f]{8}$/.test(id16)) throw keyError(`verifier key "${vkey}": the key ID must be 8 lowercase hex digits`, 'vkey');
  const raw = fromBase64(key64);
  if (!raw || raw.byteLength < 2) throw keyError(`verifier key "${vkey}": the key is not standard base64 of a type byte and a key`, 'vkey');
  const keyId = Number.parseInt(id16, 16);
  const type = raw[0] as number;
  const publicKey = raw.subarray(1);
  const base = { name, keyId, type, publicKey, vkey };

  if (type === SIG_ED25519 || type === SIG_COSIGNATURE_V1) {
    if (publicKey.byteLength !== 32) throw keyError(`verifier key "${vkey}": an Ed25519 key is 32 bytes`, 'vkey');
    if (noteKeyId(name, type, publicKey) !== keyId) throw keyError(`verifier key "${vkey}": the key ID does not match the name and key`, 'vkey');
    const key = ed25519Public(publicKey);
    if (type === SIG_ED25519) return { ...base, verify: (text, sig) => ({ ok: ed25519Verify(key, text, sig) }) };
    return {
      ...base,
      verify(text, sig) {
        if (sig.byteLength !== 72) return { ok: false };
        const ts = Buffer.from(sig.buffer, sig.byteOffset, 8).readBigUInt64BE(0);
        // The spec caps timestamps at 2^63 − 1; anything past 2^53 s is nonsense for a real clock.
        if (ts > MAX_TIMESTAMP) return { ok: false };
        return { ok: ed25519Verify(key, cosignedMessage(ts, text), sig.subarray(8)), timestamp: Number(ts) };
      },
    };
  }
  if (type === SIG_ECDSA) {
    if (ecdsaKeyId(publicKey) !== keyId) throw keyError(`verifier key "${vkey}": the key ID does not match SHA-256 of the key`, 'vkey');
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
    } catch {
      throw keyError(`verifier key "${vkey}": not a DER SubjectPublicKeyInfo`, 'vkey');
    }
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (key.asymmetricKeyType !== 'ec' || !curve || !ECDSA_CURVES.has(curve)) throw keyError(`verifier key "${vkey}": not a P-256, P-384 or P-521 key`, 'vkey');
    return {
      ...base,
      verify(text, sig) {
        try {
          return { ok: cryptoVerify('sha256', text, { key, dsaEncoding: 'der' }, sig) };
        } catch {
          return { ok: false };
        }
      },
    };
  }
  throw keyError(`verifier key "${vkey}": signature type 0x${type.toString(16).padStart(2, '0')} is not supported`, 'vkey');
}

/** Splits at the first (parts − 1) '+'; the last part (base64) may itself contain '+'. */
function splitKey(s: string, parts: number): string[] {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < parts - 1; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return [];
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

// ---- signer keys -------------------------------------------------------------------

function ed25519FromSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: Uint8Array } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
  return { privateKey, publicKey };
}

/** A new Ed25519 key: `skey` is secret (keep it in the secret store), `vkey` is published. */
export function generateNoteKey(name: string): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw keyError(`key name "${name}" must be non-empty without spaces or '+'`, 'name');
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length);
  const { publicKey } = ed25519FromSeed(seed);
  const keyId = noteKeyId(name, SIG_ED25519, publicKey);
  return {
    skey: `PRIVATE+KEY+${name}+${formatKeyId(keyId)}+${toBase64(Buffer.concat([Buffer.from([SIG_ED25519]), seed]))}`,
    vkey: formatVerifierKey(name, SIG_ED25519, publicKey),
  };
}

function parseSkey(skey: string): { name: string; seed: Uint8Array; publicKey: Uint8Array; privateKey: KeyObject } {
  const [priv = '', key = '', name = '', id16 = '', key64 = ''] = splitKey(skey, 5);
  // Never echo the key itself: it is a secret.
  if (priv !== 'PRIVATE' || key !== 'KEY') throw keyError('signer key must start with PRIVATE+KEY+', 'skey');
  if (!isValidKeyName(name)) throw keyError('signer key: the name must be non-empty without spaces or +', 'skey');
  if (!/^[0-9a-fA-F]{8}$/.test(id16)) throw keyError('signer key: the key ID must be 8 hex digits', 'skey');
  const raw = fromBase64(key64);
  if (!raw || raw[0] !== SIG_ED25519 || raw.byteLength !== 33) throw keyError('signer key: only Ed25519 seeds (type 0x01, 32 bytes) are supported', 'skey');
  const seed = raw.subarray(1);
  const { privateKey, publicKey } = ed25519FromSeed(seed);
  if (noteKeyId(name, SIG_ED25519, publicKey) !== Number.parseInt(id16, 16)) throw keyError('signer key: the key ID does not match the key', 'skey');
  return { name, seed, publicKey, privateKey };
}

/** An Ed25519 (type 0x01) note signer from a `PRIVATE+KEY+…` string. */
export function parseSignerKey(skey: string): NoteSigner {
  const { name, privateKey } = parseSkey(skey);
  return ed25519NoteSigner(name, privateKey);
}

/**
 * An Ed25519 (type 0x01) note signer from its name and private key: how a
 * signer is rebuilt on a worker thread of this process from the
 * `privateKey` of one made here.
 */
export function ed25519NoteSigner(name: string, privateKey: KeyObject): NoteSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw keyError('signer key: not an Ed25519 private key', 'skey');
  if (!isValidKeyName(name)) throw keyError('signer key: the name must be non-empty without spaces or +', 'skey');
  // The raw key is the last 32 bytes of its SubjectPublicKeyInfo.
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32));
  return {
    name,
    keyId: noteKeyId(name, SIG_ED25519, publicKey),
    type: SIG_ED25519,
    vkey: formatVerifierKey(name, SIG_ED25519, publicKey),
    privateKey,
    sign: (text) => cryptoSign(null, text, privateKey),
    signMany: (texts) => signEd25519Many(privateKey, texts),
  };
}

/**
 * A witness cosigner (type 0x04) from an Ed25519 `PRIVATE+KEY+…` string, as
 * transparency-dev does: same key, key ID and vkey derived with type 0x04.
 * `now` gives POSIX seconds (injected so tests are deterministic).
 */
export function parseCosignerKey(skey: string, now: () => number = () => Math.floor(Date.now() / 1000)): NoteSigner {
  const { name, publicKey, privateKey } = parseSkey(skey);
  return {
    name,
    keyId: noteKeyId(name, SIG_COSIGNATURE_V1, publicKey),
    type: SIG_COSIGNATURE_V1,
    vkey: formatVerifierKey(name, SIG_COSIGNATURE_V1, publicKey),
    sign(text) {
      const t = now();
      if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`cosignature timestamp must be a non-negative integer, got ${t}`);
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(t));
      return Buffer.concat([ts, cryptoSign(null, cosignedMessage(BigInt(t), text), privateKey)]);
    },
  };
}

// ---- notes -----------------------------------------------------------------------

/** A note's characters: no ASCII control character but newline, no lone surrogate (unencodable in UTF-8). */
function badCharacters(s: string): boolean {
  return hasForbiddenChar(s, { newline: true });
}

function decodeNote(note: string | Uint8Array): string | undefined {
  if (typeof note === 'string') return note;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
  } catch {
    return undefined;
  }
}

export type ParsedNote = { ok: true; text: string; signatures: NoteSignature[] } | { ok: false; reason: string };

/** Splits a note into text and signature lines, checking the format but no signature. */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const s = decodeNote(note);
  if (s === undefined) return { ok: false, reason: 'the note is not valid UTF-8' };
  if (badCharacters(s)) return { ok: false, reason: 'the note contains a control character other than newline' };
  const split = s.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, reason: 'no blank line separates the text from the signatures' };
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) return { ok: false, reason: 'the signature block is empty or does not end in a newline' };
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { ok: false, reason: `the note has more than ${MAX_SIGNATURES} signatures` };
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    if (!line.startsWith(SIG_PREFIX)) return { ok: false, reason: `"${line.slice(0, 40)}" is not a signature line ("— name signature")` };
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const b64 = sp < 0 ? '' : rest.slice(sp + 1);
    const raw = fromBase64(b64);
    if (!isValidKeyName(name)) return { ok: false, reason: `signature line for "${name}": invalid key name` };
    if (!raw || raw.byteLength < 5) return { ok: false, reason: `signature line for "${name}": the signature is not standard base64 of a key ID and a signature` };
    signatures.push({ name, keyId: Buffer.from(raw.buffer, raw.byteOffset, 4).readUInt32BE(0), base64: b64, signature: raw.subarray(4) });
  }
  return { ok: true, text, signatures };
}

/** Verifies a note against trusted keys by the signed-note rules. Never throws. */
export function verifyNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): NoteVerdict {
  const parsed = parseNote(note);
  if (!parsed.ok) return { ...fail('malformed', parsed.reason), verified: [], unknown: [] };
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const k = `${v.name}\u0000${v.keyId}`;
    const other = known.get(k);
    if (other && other.vkey !== v.vkey) {
      return { ...fail('malformed', `two trusted keys share name ${v.name} and key ID ${formatKeyId(v.keyId)}`), verified: [], unknown: [] };
    }
    known.set(k, v);
  }
  const text = utf8(parsed.text);
  const verified: VerifiedSignature[] = [];
  const unknown: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of parsed.signatures) {
    const k = `${sig.name}\u0000${sig.keyId}`;
    const v = known.get(k);
    if (!v) {
      if (!unknown.some((u) => u.name === sig.name && u.base64 === sig.base64)) unknown.push(sig);
      continue;
    }
    if (seen.has(k)) continue;
    seen.add(k);
    const r = v.verify(text, sig.signature);
    if (!r.ok) {
      return { ...fail('bad-signature', `the signature by trusted key ${sig.name}+${formatKeyId(sig.keyId)} does not verify`), verified: [], unknown };
    }
    verified.push({ ...sig, type: v.type, ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }) });
  }
  if (verified.length === 0) {
    const others = unknown.length ? ` (${unknown.length} signature${unknown.length === 1 ? '' : 's'} from unknown keys ignored)` : '';
    return { ...fail('untrusted', `no signature from a trusted key${others}`), verified, unknown };
  }
  return { ...ok(`signed by ${verified.map((v) => `${v.name}+${formatKeyId(v.keyId)}`).join(', ')}`), text: parsed.text, verified, unknown };
}

/**
 * Signs `text` (which must end in a newline) with each signer. Given an
 * existing note instead of plain text, keeps its signatures (a witness adding
 * a cosignature to a log's checkpoint) except those the new signers replace.
 */
export function signNote(textOrNote: string, signers: readonly NoteSigner[], opts: { existing?: boolean } = {}): string {
  let text = textOrNote;
  let keep: NoteSignature[] = [];
  if (opts.existing) {
    const parsed = parseNote(textOrNote);
    if (!parsed.ok) throw new AppException('invalid_request', `cannot add signatures: ${parsed.reason}`, { field: 'note' });
    text = parsed.text;
    keep = parsed.signatures.filter((s) => !signers.some((g) => g.name === s.name && g.keyId === s.keyId));
  }
  if (!text.endsWith('\n')) throw new AppException('invalid_request', 'note text must end in a newline', { field: 'text' });
  if (badCharacters(text)) throw new AppException('invalid_request', 'note text must not contain control characters other than newline', { field: 'text' });
  if (keep.length + signers.length === 0) throw new AppException('invalid_request', 'a note needs at least one signature', { field: 'signers' });
  if (keep.length + signers.length > MAX_SIGNATURES) throw new AppException('invalid_request', `a note carries at most ${MAX_SIGNATURES} signatures`, { field: 'signers' });
  const bytes = utf8(text);
  const lines = keep.map((s) => `${SIG_PREFIX}${s.name} ${s.base64}\n`);
  for (const g of signers) {
    if (!isValidKeyName(g.name)) throw new AppException('invalid_request', `signer name "${g.name}" is not a valid key name`, { field: 'signers' });
    const id = Buffer.alloc(4);
    id.writeUInt32BE(g.keyId);
    lines.push(`${SIG_PREFIX}${g.name} ${toBase64(Buffer.concat([id, g.sign(bytes)]))}\n`);
  }
  return `${text}\n${lines.join('')}`;
}
