/**
 * Property tests: whatever bytes arrive — random, or genuine evidence with
 * random edits, truncations and splices — the verifiers return a rejection
 * verdict with a reason and never throw, and the decoders either decode or
 * throw only their own MalformedError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedError } from './bytes';
import { ChainCache } from './chain-cache';
import { loadCertificates, loadCrls } from './certificate';
import { decodeSnpReport, SNP_REPORT_SIZE } from './snp-report';
import { verifySnpReport } from './snp-verify';
import { rawMember } from './tdx-collateral';
import { caseById, corpusFile, snapshotTime, snpEvidence, tdxInputs } from './test-support';
import { decodeTdxQuote, verifyTdxQuote } from './tdx-verify';
import { REASON_CODES, type Verdict } from './types';

const cache = new ChainCache();
const snpCase = caseById('oak-genoa-v5');
const snpEv = snpEvidence(snpCase);
const tdxCase = caseById('tdx-v4-phala-full-collateral');
const tdxIn = tdxInputs(tdxCase);
const quotes = [tdxIn.quote, tdxInputs(caseById('tdx-v5-trustee-5')).quote, corpusFile('neg/lookalike-root/quote.bin')];

function wellFormedReject(v: Verdict): void {
  expect(v.verdict).toBe('reject');
  expect(v.reasons.length).toBeGreaterThan(0);
  for (const r of v.reasons) expect(REASON_CODES).toContain(r.code);
  // A verifier bug would surface as `internal`; random input must never reach one.
  expect(v.reasons.map((r) => r.code)).not.toContain('internal');
  expect(() => JSON.stringify(v)).not.toThrow();
}

/** Genuine bytes with up to 8 random edits: byte overwrites, truncation, extension or a spliced slice. */
function mutated(base: Uint8Array) {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
    fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => {
    let b = new Uint8Array(base);
    for (const e of edits) {
      if (e.kind === 'set' && b.length > 0) b[e.at % b.length] = e.value;
      else if (e.kind === 'truncate') b = b.subarray(0, e.at % (b.length + 1));
      else if (e.kind === 'extend') b = new Uint8Array([...b, ...e.bytes]);
      else if (e.kind === 'splice' && b.length > 0) {
        const at = e.at % b.length;
        b = new Uint8Array([...b.subarray(0, at), ...e.bytes, ...b.subarray(at + e.bytes.length)]);
      }
    }
    return b;
  });
}

describe('fuzzing the SEV-SNP verifier', () => {
  it('random bytes of any length: a malformed rejection, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1400 }), (bytes) => {
        const v = verifySnpReport({ ...snpEv, report: bytes }, { at: snpCase.verify_at as string, cache });
        wellFormedReject(v);
      }),
      { numRuns: 300 },
    );
  });

  it('random 1184-byte reports decode totally and are rejected', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: SNP_REPORT_SIZE, maxLength: SNP_REPORT_SIZE }), (bytes) => {
        expect(() => decodeSnpReport(bytes)).not.toThrow();
        wellFormedReject(verifySnpReport({ ...snpEv, report: bytes }, { at: snpCase.verify_at as string, cache }));
      }),
      { numRuns: 200 },
    );
  });

  it('mutated genuine reports are rejected', () => {
    fc.assert(
      fc.property(mutated(snpEv.report), (bytes) => {
        const v = verifySnpReport({ ...snpEv, report: bytes }, { at: snpCase.verify_at as string, cache });
        // An edit that writes back the original value leaves the genuine report: then it must still be accepted.
        if (Buffer.from(bytes).equals(Buffer.from(snpEv.report))) expect(v.verdict).toBe('accept');
        else wellFormedReject(v);
      }),
      { numRuns: 400 },
    );
  });

  it('mutated VEK certificates never throw', () => {
    fc.assert(
      fc.property(mutated(snpEv.vek as Uint8Array), (vek) => {
        const v = verifySnpReport({ ...snpEv, vek }, { at: snpCase.verify_at as string, cache });
        if (!Buffer.from(vek).equals(Buffer.from(snpEv.vek as Uint8Array))) wellFormedReject(v);
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzzing the TDX verifier', () => {
  it('random bytes: a rejection, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000 }), (bytes) => {
        wellFormedReject(verifyTdxQuote(bytes, { at: tdxCase.verify_at as string, cache }));
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes behind a plausible v4/v5 header still never throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(4, 5), fc.uint8Array({ minLength: 0, maxLength: 5000 }), (version, rest) => {
        const b = new Uint8Array(2 + rest.length);
        b[0] = version;
        b.set(rest, 2);
        wellFormedReject(verifyTdxQuote(b, { at: tdxCase.verify_at as string, cache }));
      }),
      { numRuns: 300 },
    );
  });

  it('mutated genuine quotes (with and without collateral) are rejected or, if untouched, still verify', () => {
    fc.assert(
      fc.property(fc.constantFrom(...quotes), fc.boolean(), (q, withCollateral) =>
        fc.assert(
          fc.property(mutated(q), (bytes) => {
            const v = verifyTdxQuote(bytes, { at: snapshotTime(), cache, ...(withCollateral && tdxIn.collateral ? { collateral: tdxIn.collateral } : {}) });
            if (Buffer.from(bytes).equals(Buffer.from(q))) return;
            // Edits inside the trailing bytes of a genuine quote are outside every signature.
            if (v.verdict !== 'reject') {
              expect(bytes.length).toBeGreaterThanOrEqual(q.length - (decodeTdxQuote(q).trailingBytes ?? 0));
              return;
            }
            wellFormedReject(v);
          }),
          { numRuns: 60 },
        ),
      ),
      { numRuns: 6 },
    );
  });

  it('the quote decoder throws nothing but MalformedError', () => {
    fc.assert(
      fc.property(mutated(tdxIn.quote), (bytes) => {
        try {
          decodeTdxQuote(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('mutated collateral never throws', () => {
    const col = tdxIn.collateral!;
    const text = Buffer.from(col.tcbInfo as Uint8Array);
    fc.assert(
      fc.property(mutated(text), mutated(col.pckCrl as Uint8Array), (tcbInfo, pckCrl) => {
        const v = verifyTdxQuote(tdxIn.quote, { at: tdxCase.verify_at as string, cache, collateral: { ...col, tcbInfo, pckCrl } });
        if (v.verdict === 'reject') wellFormedReject(v);
      }),
      { numRuns: 150 },
    );
  });
});

describe('fuzzing the parsers underneath', () => {
  it('certificate and CRL loaders throw only MalformedError', () => {
    const inputs = [snpEv.vek as Uint8Array, corpusFile('roots/amd/ark-milan.pem'), corpusFile('tdx/tdx-v4-phala-full-collateral/pck_crl.der')];
    fc.assert(
      fc.property(fc.constantFrom(...inputs), (base) =>
        fc.assert(
          fc.property(mutated(base), (bytes) => {
            for (const load of [loadCertificates, loadCrls]) {
              try {
                load(bytes);
              } catch (err) {
                expect(err).toBeInstanceOf(MalformedError);
              }
            }
          }),
          { numRuns: 100 },
        ),
      ),
      { numRuns: 3 },
    );
  });

  it('the raw JSON member scanner agrees with JSON.parse on valid JSON', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })), fc.jsonValue({ maxDepth: 3 }), (obj, inner) => {
        const text = JSON.stringify({ ...obj, tcbInfo: inner }, null, Math.random() < 0.5 ? 0 : 2);
        const raw = rawMember(text, 'tcbInfo');
        expect(raw).not.toBeNull();
        expect(JSON.parse(raw as string)).toEqual(JSON.parse(JSON.stringify(inner)));
      }),
      { numRuns: 300 },
    );
  });
});
