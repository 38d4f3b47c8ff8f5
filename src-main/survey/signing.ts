/**
 * The engineer's Ed25519 key and what it signs.
 *
 * The key is generated on first use and its private half lives only in the
 * SecretStore (OS keychain), account `survey-engineer-key`, like the custody
 * operator key; its public half travels inside every signature and bundle.
 * A key is shown by its fingerprint: the SHA-256 of the raw public key.
 *
 * Two things are signed, each domain-separated so one can never pass for the
 * other: the engineer's signature of a survey revision (name, key, time,
 * revision id, content hash) and a bundle's manifest.
 */
import { userInfo } from 'node:os';
import type { SurveySignature } from '../../src-preload/contract';
import { fromBase64, generateNoteKey, parseSignerKey, parseVerifierKey, toBase64, type NoteSigner } from '../ledger';
import type { SecretStore } from '../secrets';
import { canonicalJson, sha256Hex } from './canonical';

export const ENGINEER_KEY_ACCOUNT = 'survey-engineer-key';
export const SIGNATURE_DOMAIN = 'cairn.survey/signature/v1\n';
export const MANIFEST_DOMAIN = 'cairn.survey/bundle/v1\n';

export interface EngineerKey {
  signer: NoteSigner;
  keyId: string;
  vkey: string;
  fingerprint: string;
}

export function keyIdOf(vkey: string): string {
  const v = parseVerifierKey(vkey);
  return `${v.name}+${v.keyId.toString(16).padStart(8, '0')}`;
}

export function fingerprintOf(vkey: string): string {
  return sha256Hex(parseVerifierKey(vkey).publicKey);
}

function osUser(): string {
  try {
    return userInfo().username || 'engineer';
  } catch {
    return 'engineer';
  }
}

export function engineerFromSkey(skey: string): EngineerKey {
  const signer = parseSignerKey(skey);
  return { signer, keyId: keyIdOf(signer.vkey), vkey: signer.vkey, fingerprint: fingerprintOf(signer.vkey) };
}

const keyName = (user: string) => `cairn.survey.engineer.${user.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) || 'engineer'}`;

/** A fresh engineer key and its secret text (what the SecretStore keeps; tests and the e2e's "other engineer" use it directly). */
export function newEngineerKey(user = osUser()): { key: EngineerKey; skey: string } {
  const skey = generateNoteKey(keyName(user)).skey;
  return { key: engineerFromSkey(skey), skey };
}

/** Loads the engineer key from the SecretStore, generating it the first time. */
export class EngineerKeys {
  private cached: Promise<EngineerKey> | null = null;
  constructor(private readonly secrets: SecretStore) {}

  load(): Promise<EngineerKey> {
    this.cached ??= (async () => {
      let skey = await this.secrets.get(ENGINEER_KEY_ACCOUNT);
      if (!skey) {
        skey = newEngineerKey().skey;
        await this.secrets.set(ENGINEER_KEY_ACCOUNT, skey);
      }
      return engineerFromSkey(skey);
    })().catch((err: unknown) => {
      // A keychain that was locked may be open on the next try.
      this.cached = null;
      throw err;
    });
    return this.cached;
  }
}

/** What an engineer's signature covers, as bytes. */
function signatureMessage(surveyId: string, s: Omit<SurveySignature, 'signature' | 'vkey'>): Buffer {
  return Buffer.from(
    SIGNATURE_DOMAIN +
      canonicalJson({ survey: surveyId, engineer: s.engineer, keyId: s.keyId, fingerprint: s.fingerprint, signedAt: s.signedAt, revisionId: s.revisionId, contentSha256: s.contentSha256 }),
    'utf8',
  );
}

export function signRevision(key: EngineerKey, surveyId: string, fields: { engineer: string; signedAt: string; revisionId: string; contentSha256: string }): SurveySignature {
  const body = { ...fields, keyId: key.keyId, fingerprint: key.fingerprint };
  return { ...body, vkey: key.vkey, signature: toBase64(key.signer.sign(signatureMessage(surveyId, body))) };
}

/** Why a signature is not valid, or null: key, fingerprint and Ed25519 over the signed fields. */
export function signatureProblem(surveyId: string, s: SurveySignature): string | null {
  try {
    const v = parseVerifierKey(s.vkey);
    if (keyIdOf(s.vkey) !== s.keyId) return `key id ${s.keyId} does not match its public key`;
    if (sha256Hex(v.publicKey) !== s.fingerprint) return `fingerprint ${s.fingerprint.slice(0, 16)}… does not match its public key`;
    const sig = fromBase64(s.signature);
    if (!sig || !v.verify(signatureMessage(surveyId, s), sig).ok) return `the signature of ${s.engineer} does not verify`;
    return null;
  } catch (err) {
    return `unusable key: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export function signManifest(key: EngineerKey, manifestCanonical: string): string {
  return toBase64(key.signer.sign(Buffer.from(MANIFEST_DOMAIN + manifestCanonical, 'utf8')));
}

export function verifyManifest(vkey: string, manifestCanonical: string, signature: string): boolean {
  const sig = fromBase64(signature);
  if (!sig) return false;
  return parseVerifierKey(vkey).verify(Buffer.from(MANIFEST_DOMAIN + manifestCanonical, 'utf8'), sig).ok;
}
