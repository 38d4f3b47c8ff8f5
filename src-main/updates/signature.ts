/**
 * Detached Ed25519 signatures over update metadata. Beside each metadata
 * file sits `<name>.sig`, one JSON object:
 *
 *   {"format":"cairn-update-signature/1","keyId":"<16 hex>","signature":"<base64, 64 bytes>"}
 *
 * The signed message binds the format and the metadata file's name to its
 * exact bytes (`cairn-update-signature/1\n<name>\n<bytes>`), so a genuine
 * latest-mac.yml cannot be passed off as latest-linux.yml and the release
 * key signs nothing that could be mistaken for another protocol's message.
 * scripts/sign-update.mjs produces the same bytes (a test holds them equal).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const SIGNATURE_FORMAT = 'cairn-update-signature/1';
export const MAX_SIGNATURE_BYTES = 4096;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface PinnedKey {
  /** First 16 hex digits of SHA-256 over the raw public key. */
  keyId: string;
  /** What operators see ("Cairn release key 2026", "development release key"). */
  name: string;
  /** The raw 32-byte Ed25519 public key, base64. */
  publicKey: string;
}

export interface DetachedSignature {
  keyId: string;
  signature: Uint8Array;
}

export type SignatureProblem = { code: 'signature-missing' | 'signature-malformed' | 'unknown-key' | 'bad-signature'; message: string };

export function signedMessage(metadataName: string, metadata: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${SIGNATURE_FORMAT}\n${metadataName}\n`, 'utf8'), metadata]);
}

export function keyIdOf(rawPublicKey: Uint8Array): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ type: 'spki', format: 'der' });
  return der.subarray(ED25519_SPKI_PREFIX.length);
}

export function pinnedKeyFrom(name: string, publicKey: KeyObject): PinnedKey {
  const raw = rawPublicKey(publicKey);
  return { keyId: keyIdOf(raw), name, publicKey: raw.toString('base64') };
}

/** Sign metadata with a PKCS#8 PEM private key; returns the `.sig` file's text. */
export function signMetadata(metadataName: string, metadata: Uint8Array, privateKeyPem: string): string {
  const priv = createPrivateKey(privateKeyPem);
  if (priv.asymmetricKeyType !== 'ed25519') throw new Error('the signing key is not an Ed25519 key');
  const keyId = keyIdOf(rawPublicKey(createPublicKey(priv)));
  const signature = sign(null, signedMessage(metadataName, metadata), priv).toString('base64');
  return `${JSON.stringify({ format: SIGNATURE_FORMAT, keyId, signature })}\n`;
}

/** Parse a `.sig` file strictly: exactly the three fields, the right format, a 64-byte signature. */
export function parseSignatureFile(bytes: Uint8Array): { ok: true; value: DetachedSignature } | { ok: false; problem: SignatureProblem } {
  const bad = (message: string) => ({ ok: false as const, problem: { code: 'signature-malformed' as const, message } });
  if (bytes.length === 0) return bad('the signature file is empty');
  if (bytes.length > MAX_SIGNATURE_BYTES) return bad('the signature file is too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return bad('the signature file is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('the signature file is not a JSON object');
  const o = parsed as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'format,keyId,signature') return bad('the signature file must have exactly "format", "keyId" and "signature"');
  if (o.format !== SIGNATURE_FORMAT) return bad(`unknown signature format (expected ${SIGNATURE_FORMAT})`);
  if (typeof o.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(o.keyId)) return bad('"keyId" is not 16 lower-case hex digits');
  if (typeof o.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(o.signature)) return bad('"signature" is not a base64 Ed25519 signature (64 bytes)');
  return { ok: true, value: { keyId: o.keyId, signature: Buffer.from(o.signature, 'base64') } };
}

/**
 * Check a detached signature over metadata against the pinned keys.
 * Never throws: every failure is a typed problem.
 */
export function verifySignature(
  metadataName: string,
  metadata: Uint8Array,
  signatureFile: Uint8Array | null,
  keys: readonly PinnedKey[],
): { ok: true; key: PinnedKey } | { ok: false; problem: SignatureProblem } {
  if (signatureFile === null) {
    return { ok: false, problem: { code: 'signature-missing', message: `${metadataName}.sig is missing: the release is not signed, so its origin is unknown` } };
  }
  const sig = parseSignatureFile(signatureFile);
  if (!sig.ok) return sig;
  const key = keys.find((k) => k.keyId === sig.value.keyId);
  if (!key) {
    return { ok: false, problem: { code: 'unknown-key', message: `signed with key ${sig.value.keyId}, which this build of Cairn does not trust` } };
  }
  let ok = false;
  try {
    const raw = Buffer.from(key.publicKey, 'base64');
    const pub = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    ok = raw.length === 32 && keyIdOf(raw) === key.keyId && verify(null, signedMessage(metadataName, metadata), pub, sig.value.signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    return { ok: false, problem: { code: 'bad-signature', message: `the signature does not match ${metadataName}: the metadata was altered or signed for another file` } };
  }
  return { ok: true, key };
}
