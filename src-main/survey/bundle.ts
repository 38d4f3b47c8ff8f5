/**
 * The survey bundle: one file that carries a survey from one machine to
 * another on a USB stick, with its photos, its engineers' signatures and
 * enough history (revision id, parents, ancestry) for a three-way merge.
 *
 *   { format: "cairn.survey/bundle", version: 1,
 *     manifest: { surveyId, exportedAt, exportedBy{name,keyId,fingerprint,vkey},
 *                 revision{id,parents,savedAt,ancestry[]}, survey, signatures[],
 *                 attachments[{sha256,mediaType,bytes}] },
 *     signature: Ed25519 over "cairn.survey/bundle/v1\n" + canonical(manifest),
 *     attachments: [{sha256, data(base64)}] }
 *
 * The file is written in canonical JSON and must be byte-for-byte canonical
 * to import: every byte is either signed (the manifest), bound to something
 * signed (each attachment by its SHA-256 in the manifest, in canonical
 * base64), or the signature itself, so no change to the file goes unnoticed.
 * `readBundle` never throws; it lists every problem it finds with a code and
 * the path in the file.
 */
import { z } from 'zod';
import { SurveyDataSchema, SurveySignatureSchema, type SurveyData, type SurveySignature } from '../../src-preload/contract';
import { parseVerifierKey } from '../ledger';
import { AppException } from '../util/app-exception';
import { sniffPhotoType } from './attachments';
import { canonicalJson, revisionId, sha256Hex } from './canonical';
import { fingerprintOf, keyIdOf, signatureProblem, signManifest, verifyManifest, type EngineerKey } from './signing';

export const SURVEY_BUNDLE_FORMAT = 'cairn.survey/bundle';
export const SURVEY_BUNDLE_VERSION = 1;
export const SURVEY_BUNDLE_MAX_BYTES = 160 * 1024 * 1024;
export const MAX_ANCESTRY = 5000;

const Sha = z.string().regex(/^[0-9a-f]{64}$/);

export const ManifestSchema = z.strictObject({
  surveyId: z.string().min(1).max(200),
  exportedAt: z.string().min(1).max(40),
  exportedBy: z.strictObject({ name: z.string().max(200), keyId: z.string().min(1).max(200), fingerprint: Sha, vkey: z.string().min(1).max(400) }),
  revision: z.strictObject({
    id: Sha,
    parents: z.array(Sha).max(2),
    savedAt: z.string().min(1).max(40),
    ancestry: z.array(Sha).max(MAX_ANCESTRY),
  }),
  survey: z.unknown(),
  signatures: z.array(z.unknown()).max(1000),
  attachments: z.array(z.strictObject({ sha256: Sha, mediaType: z.string().max(100), bytes: z.number().int().min(0) })).max(1000),
});
export type Manifest = z.infer<typeof ManifestSchema>;

const FileSchema = z.strictObject({
  format: z.literal(SURVEY_BUNDLE_FORMAT),
  version: z.number().int(),
  manifest: z.unknown(),
  signature: z.string().max(200),
  attachments: z.array(z.strictObject({ sha256: z.string().max(100), data: z.string() })).max(1000),
});

export const BUNDLE_PROBLEMS = [
  'too-large',
  'not-utf8',
  'not-json',
  'format',
  'unsupported-version',
  'not-canonical',
  'bad-key',
  'untrusted-key',
  'bad-signature',
  'invalid-survey',
  'revision-mismatch',
  'attachment-missing',
  'attachment-extra',
  'attachment-encoding',
  'attachment-hash',
  'attachment-size',
  'attachment-type',
  'signature-invalid',
] as const;
export type BundleProblemCode = (typeof BUNDLE_PROBLEMS)[number];
export interface BundleProblem {
  code: BundleProblemCode;
  /** Where in the file: a JSON path (`$.manifest.survey.racks[0].heightU`) or a byte offset. */
  path: string;
  message: string;
}

export interface ReadBundle {
  manifest: Manifest;
  survey: SurveyData;
  signatures: SurveySignature[];
  attachments: Map<string, Buffer>;
  signer: { name: string; keyId: string; fingerprint: string };
}

export type BundleReadResult = { ok: true; bundle: ReadBundle } | { ok: false; problems: BundleProblem[] };

export interface BundleInput {
  surveyId: string;
  exportedAt: string;
  engineer: string;
  revision: { id: string; parents: string[]; savedAt: string; ancestry: string[] };
  survey: SurveyData;
  signatures: SurveySignature[];
  attachments: { sha256: string; mediaType: string; bytes: Buffer }[];
}

/** Writes the bundle file (canonical JSON, UTF-8), signed with the engineer's key. */
export function writeBundle(key: EngineerKey, input: BundleInput): Buffer {
  const manifest: Manifest = {
    surveyId: input.surveyId,
    exportedAt: input.exportedAt,
    exportedBy: { name: input.engineer, keyId: key.keyId, fingerprint: key.fingerprint, vkey: key.vkey },
    revision: { ...input.revision, ancestry: input.revision.ancestry.slice(0, MAX_ANCESTRY) },
    survey: input.survey,
    signatures: input.signatures,
    attachments: input.attachments.map((a) => ({ sha256: a.sha256, mediaType: a.mediaType, bytes: a.bytes.length })),
  };
  const text = canonicalJson({
    format: SURVEY_BUNDLE_FORMAT,
    version: SURVEY_BUNDLE_VERSION,
    manifest,
    signature: signManifest(key, canonicalJson(manifest)),
    attachments: input.attachments.map((a) => ({ sha256: a.sha256, data: a.bytes.toString('base64') })),
  });
  return Buffer.from(text, 'utf8');
}

const issuePath = (prefix: string, path: readonly PropertyKey[]) => path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${String(k)}`), prefix);

/** The first byte where two strings differ (to point at an edit). */
function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return Buffer.byteLength(a.slice(0, i), 'utf8');
}

/** Reads and checks a bundle file; never throws. */
export function readBundle(bytes: Uint8Array, opts: { trustedFingerprint?: string } = {}): BundleReadResult {
  try {
    return readUnsafe(bytes, opts);
  } catch (err) {
    // A bug must still not let a file through.
    return { ok: false, problems: [{ code: 'format', path: '$', message: `the bundle could not be read: ${err instanceof Error ? err.message : String(err)}` }] };
  }
}

function readUnsafe(bytes: Uint8Array, opts: { trustedFingerprint?: string }): BundleReadResult {
  const fail = (code: BundleProblemCode, path: string, message: string): BundleReadResult => ({ ok: false, problems: [{ code, path, message }] });
  if (bytes.length > SURVEY_BUNDLE_MAX_BYTES) return fail('too-large', '$', `the file is ${bytes.length} bytes; a survey bundle is at most ${SURVEY_BUNDLE_MAX_BYTES}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return fail('not-utf8', '$', 'the file is not UTF-8 text: it is damaged or not a survey bundle');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail('not-json', '$', `the file is not JSON (${err instanceof Error ? err.message : String(err)}): it is damaged or not a survey bundle`);
  }
  const file = FileSchema.safeParse(json);
  if (!file.success) {
    const i = file.error.issues[0];
    return fail('format', issuePath('$', i?.path ?? []), `not a survey bundle: ${i?.message ?? 'invalid'}`);
  }
  if (file.data.version !== SURVEY_BUNDLE_VERSION) return fail('unsupported-version', '$.version', `bundle version ${file.data.version}; this Cairn reads version ${SURVEY_BUNDLE_VERSION}`);
  let canonical: string;
  try {
    canonical = canonicalJson(json);
  } catch (err) {
    return fail('not-canonical', '$', `the file cannot be in canonical form: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (canonical !== text) {
    return fail('not-canonical', `byte ${firstDifference(text, canonical)}`, `the file is not in canonical form from byte ${firstDifference(text, canonical)} on: it was edited or damaged after export`);
  }
  const m = ManifestSchema.safeParse(file.data.manifest);
  if (!m.success) {
    const i = m.error.issues[0];
    return fail('format', issuePath('$.manifest', i?.path ?? []), `the manifest is malformed: ${i?.message ?? 'invalid'}`);
  }
  const manifest = m.data;
  const problems: BundleProblem[] = [];
  const add = (code: BundleProblemCode, path: string, message: string) => void problems.push({ code, path, message });

  // ---- who signed it, and whether the signature holds
  let keyOk = false;
  try {
    parseVerifierKey(manifest.exportedBy.vkey);
    if (keyIdOf(manifest.exportedBy.vkey) !== manifest.exportedBy.keyId) add('bad-key', '$.manifest.exportedBy.keyId', 'the key id does not match the public key');
    else if (fingerprintOf(manifest.exportedBy.vkey) !== manifest.exportedBy.fingerprint) add('bad-key', '$.manifest.exportedBy.fingerprint', 'the fingerprint does not match the public key');
    else keyOk = true;
  } catch (err) {
    add('bad-key', '$.manifest.exportedBy.vkey', `the signer's public key is unusable: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (keyOk && opts.trustedFingerprint !== undefined && opts.trustedFingerprint !== manifest.exportedBy.fingerprint) {
    add('untrusted-key', '$.manifest.exportedBy.fingerprint', `signed by key ${manifest.exportedBy.fingerprint.slice(0, 16)}…, not the trusted ${opts.trustedFingerprint.slice(0, 16)}…`);
  }
  if (keyOk && !verifyManifest(manifest.exportedBy.vkey, canonicalJson(manifest), file.data.signature)) {
    add('bad-signature', '$.signature', `the signature of ${manifest.exportedBy.name || manifest.exportedBy.keyId} does not verify over the manifest: the survey or its hashes were changed`);
  }

  // ---- the survey and its revision id
  const survey = SurveyDataSchema.safeParse(manifest.survey);
  if (!survey.success) {
    const i = survey.error.issues[0];
    add('invalid-survey', issuePath('$.manifest.survey', i?.path ?? []), `the survey is invalid: ${i?.message ?? 'invalid'}`);
  } else if (revisionId(manifest.surveyId, manifest.revision.parents, survey.data) !== manifest.revision.id) {
    add('revision-mismatch', '$.manifest.revision.id', 'the revision id is not the hash of this survey content and parents');
  }

  // ---- attachments: exactly those listed, each matching its hash, size and type
  const attachments = new Map<string, Buffer>();
  const listed = new Map(manifest.attachments.map((a, i) => [a.sha256, { ...a, i }]));
  const seen = new Set<string>();
  file.data.attachments.forEach((a, i) => {
    const path = `$.attachments[${i}]`;
    const entry = listed.get(a.sha256);
    if (!entry) return add('attachment-extra', `${path}.sha256`, `attachment ${a.sha256.slice(0, 16)}… is not listed in the signed manifest`);
    if (seen.has(a.sha256)) return add('attachment-extra', `${path}.sha256`, `attachment ${a.sha256.slice(0, 16)}… appears twice`);
    seen.add(a.sha256);
    const data = Buffer.from(a.data, 'base64');
    if (data.toString('base64') !== a.data) return add('attachment-encoding', `${path}.data`, `attachment ${a.sha256.slice(0, 16)}… is not canonical base64: it was damaged`);
    if (data.length !== entry.bytes) add('attachment-size', `${path}.data`, `attachment ${a.sha256.slice(0, 16)}… is ${data.length} bytes, the manifest says ${entry.bytes}`);
    if (sha256Hex(data) !== a.sha256) return add('attachment-hash', `${path}.data`, `attachment ${a.sha256.slice(0, 16)}…: its content does not match its SHA-256 (it was damaged or replaced)`);
    if (sniffPhotoType(data) !== entry.mediaType) add('attachment-type', `${path}.data`, `attachment ${a.sha256.slice(0, 16)}… is not the ${entry.mediaType} the manifest says`);
    attachments.set(a.sha256, data);
  });
  for (const [sha, a] of listed) if (!seen.has(sha)) add('attachment-missing', `$.manifest.attachments[${a.i}]`, `attachment ${sha.slice(0, 16)}… is listed but not in the file`);
  if (survey.success) {
    survey.data.photos.forEach((p, i) => {
      if (!listed.has(p.sha256)) add('attachment-missing', `$.manifest.survey.photos[${i}]`, `photo "${p.fileName}" (${p.sha256.slice(0, 16)}…) is not in the bundle`);
    });
  }

  // ---- the engineers' signatures carried along
  const signatures: SurveySignature[] = [];
  manifest.signatures.forEach((raw, i) => {
    const s = SurveySignatureSchema.safeParse(raw);
    if (!s.success) return add('signature-invalid', `$.manifest.signatures[${i}]`, 'an engineer signature is malformed');
    const problem = signatureProblem(manifest.surveyId, s.data);
    if (problem) return add('signature-invalid', `$.manifest.signatures[${i}]`, problem);
    signatures.push(s.data);
  });

  if (problems.length > 0 || !survey.success) return { ok: false, problems };
  return {
    ok: true,
    bundle: {
      manifest,
      survey: survey.data,
      signatures,
      attachments,
      signer: { name: manifest.exportedBy.name, keyId: manifest.exportedBy.keyId, fingerprint: manifest.exportedBy.fingerprint },
    },
  };
}

/** The typed error for a bundle that must not be imported: the first problem is the field, all are counted. */
export function bundleRefusal(problems: readonly BundleProblem[]): AppException {
  const first = problems[0] ?? { code: 'format' as const, path: '$', message: 'unreadable bundle' };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).map((p) => p.code).join(', ')}${problems.length > 4 ? ', …' : ''})` : '';
  return new AppException('invalid_request', `Survey bundle refused: ${first.message}${more}`, {
    field: first.path,
    details: { reason: first.code, problems: problems.length },
  });
}
