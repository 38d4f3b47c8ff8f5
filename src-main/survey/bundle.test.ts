/**
 * The bundle file: it round-trips, and every way of damaging it is caught
 * with a precise reason — a changed answer, a swapped photo, a dropped or
 * extra attachment, a re-signed manifest with a foreign key, a non-canonical
 * edit — and, as a property, no random byte corruption ever reads as valid.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from './canonical';
import { readBundle, writeBundle, type BundleInput } from './bundle';
import { revisionId } from './canonical';
import { sampleSurvey } from './samples';
import { newEngineerKey, signRevision, type EngineerKey } from './signing';
import { JPEG, PNG } from './test-support';

let key: EngineerKey;
let other: EngineerKey;
let input: BundleInput;
let file: Buffer;

beforeAll(() => {
  key = newEngineerKey('ana').key;
  other = newEngineerKey('mallory').key;
  const survey = sampleSurvey();
  const photos = [
    { sha256: sha256Hex(JPEG), mediaType: 'image/jpeg' as const, bytes: JPEG },
    { sha256: sha256Hex(PNG), mediaType: 'image/png' as const, bytes: PNG },
  ];
  survey.photos = photos.map((p, i) => ({ sha256: p.sha256, fileName: `p${i}`, mediaType: p.mediaType, bytes: p.bytes.length, caption: '', addedAt: '2026-03-01T08:00:00.000Z' }));
  const id = revisionId('survey-1', [], survey);
  const sig = signRevision(key, 'survey-1', { engineer: 'Ana', signedAt: '2026-03-01T09:00:00.000Z', revisionId: id, contentSha256: sha256Hex(canonicalJson(survey)) });
  input = {
    surveyId: 'survey-1',
    exportedAt: '2026-03-01T10:00:00.000Z',
    engineer: 'Ana',
    revision: { id, parents: [], savedAt: '2026-03-01T08:00:00.000Z', ancestry: [] },
    survey,
    signatures: [sig],
    attachments: photos,
  };
  file = writeBundle(key, input);
});

const codes = (bytes: Uint8Array, opts = {}) => {
  const r = readBundle(bytes, opts);
  return r.ok ? [] : r.problems.map((p) => p.code);
};
// The parsed file, edited freely by the tests (it is untyped JSON on purpose).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const rewrite = (f: (j: Loose) => void, signWith?: EngineerKey): Buffer => {
  const j = JSON.parse(file.toString('utf8')) as Loose;
  f(j);
  if (signWith) {
    // A forger who re-signs with their own key must also restate who signed.
    j.manifest.exportedBy = { name: 'Mallory', keyId: signWith.keyId, fingerprint: signWith.fingerprint, vkey: signWith.vkey };
    j.signature = Buffer.from(signWith.signer.sign(Buffer.from(`cairn.survey/bundle/v1\n${canonicalJson(j.manifest)}`))).toString('base64');
  }
  return Buffer.from(canonicalJson(j), 'utf8');
};

describe('survey bundles', () => {
  it('round-trips: survey, photos, signatures and signer', () => {
    const r = readBundle(file);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.bundle.survey).toEqual(input.survey);
    expect(r.bundle.attachments.get(sha256Hex(JPEG))?.equals(JPEG)).toBe(true);
    expect(r.bundle.signatures).toHaveLength(1);
    expect(r.bundle.signer).toEqual({ name: 'Ana', keyId: key.keyId, fingerprint: key.fingerprint });
    expect(readBundle(file, { trustedFingerprint: key.fingerprint }).ok).toBe(true);
  });

  it('names each kind of damage', () => {
    expect(codes(Buffer.from('not json'))).toEqual(['not-json']);
    expect(codes(Buffer.from([0xff, 0xfe, 0x00]))).toEqual(['not-utf8']);
    expect(codes(Buffer.from('{"format":"other"}'))).toEqual(['format']);
    expect(codes(Buffer.from(file.toString('utf8').replace(/^\{/, '{ ')))).toEqual(['not-canonical']);
    expect(codes(rewrite((j) => (j.version = 2)))).toEqual(['unsupported-version']);
    expect(codes(rewrite((j) => (j.manifest.survey.racks[0].heightU = 48)))).toEqual(['bad-signature', 'revision-mismatch']);
    expect(codes(rewrite((j) => j.attachments.pop()))).toEqual(['attachment-missing']);
    expect(codes(rewrite((j) => (j.attachments[1].data = j.attachments[0].data)))).toEqual(['attachment-size', 'attachment-hash']);
    expect(codes(rewrite((j) => j.attachments.push({ sha256: 'a'.repeat(64), data: 'AAAA' })))).toEqual(['attachment-extra']);
    expect(codes(rewrite((j) => (j.manifest.signatures[0].engineer = 'Eve')))).toEqual(['bad-signature', 'signature-invalid']);
    expect(codes(file, { trustedFingerprint: other.fingerprint })).toEqual(['untrusted-key']);
  });

  it('catches a forger who changes the survey and re-signs with another key, when the key is pinned', () => {
    const forged = rewrite((j) => {
      j.manifest.survey.racks[0].maxLoadKg = 2000;
      j.manifest.revision.id = revisionId('survey-1', [], j.manifest.survey);
    }, other);
    // The engineer signatures still name the old content: they verify, but no longer cover this revision.
    expect(codes(forged)).toEqual([]);
    expect(codes(forged, { trustedFingerprint: key.fingerprint })).toEqual(['untrusted-key']);
    const r = readBundle(forged);
    expect(r.ok && r.bundle.signatures[0]!.revisionId).not.toBe(r.ok && r.bundle.manifest.revision.id);
  });

  it('never reads a randomly corrupted file as valid', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (edits, cut) => {
          const bytes = Buffer.from(file);
          let changed = false;
          for (const e of edits) {
            const i = e.at % bytes.length;
            if (bytes[i] !== e.value) changed = true;
            bytes[i] = e.value;
          }
          const damaged = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
          if (!changed && damaged.length === bytes.length) return true;
          const r = readBundle(damaged);
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.problems.length).toBeGreaterThan(0);
          return true;
        },
      ),
      { numRuns: 400 },
    );
  });
});
