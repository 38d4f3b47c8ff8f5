/**
 * TDX quotes: genuine quotes tampered with (signed bytes, attestation key, QE
 * auth data, lengths, roots, collateral), and synthetic chains we hold the keys
 * of for TCB statuses, revocation and policy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from './bytes';
import { ChainCache } from './chain-cache';
import { makeCollateral, makeIntelChain, makeQuote, T0, toPem, type IntelChain } from './synthetic';
import { caseById, corpusFile, flip, referenceFile, snapshotTime, tdxInputs } from './test-support';
import { decodeTdxQuote, verifyTdxQuote, type TdxVerifyOptions } from './tdx-verify';
import { trustFromBytes } from './trust-store';
import type { ReasonCode, TdxVerdict } from './types';

const cache = new ChainCache();
const codes = (v: TdxVerdict) => v.reasons.map((r) => r.code);
function expectReject(v: TdxVerdict, code: ReasonCode): void {
  expect(v.verdict).toBe('reject');
  expect(codes(v), JSON.stringify(v.reasons)).toContain(code);
}

const full = caseById('tdx-v4-phala-full-collateral');
const fullIn = tdxInputs(full);
const AT_FULL = full.verify_at as string;
const phala = (quote: Uint8Array, extra: Partial<TdxVerifyOptions> = {}) => verifyTdxQuote(quote, { at: AT_FULL, cache, ...(fullIn.collateral ? { collateral: fullIn.collateral } : {}), ...extra });

// v4 layout offsets in the Phala sample: signature data starts at 636.
const SD = 636;

describe('TDX tampering (genuine quotes)', () => {
  it('flipping any byte of the header (after the version) or TD report body fails the quote signature', () => {
    const failures: number[] = [];
    for (let i = 2; i < 632; i++) {
      const v = phala(flip(fullIn.quote, i));
      if (v.verdict !== 'reject' || !codes(v).includes('signature') || v.checks.quote_signature !== false) failures.push(i);
    }
    expect(failures).toEqual([]);
  });

  it('a v5 quote: flipping body type/size or body bytes is rejected', () => {
    const c = caseById('tdx-v5-trustee-5');
    const q = tdxInputs(c).quote;
    for (const i of [48, 50, 54, 54 + 136, 54 + 600, 54 + 647]) {
      const v = verifyTdxQuote(flip(q, i), { at: snapshotTime(), cache });
      expect(v.verdict, `byte ${i}`).toBe('reject');
      expect(codes(v).some((x) => x === 'signature' || x === 'malformed'), `byte ${i}`).toBe(true);
    }
  });

  it('the quote signature bytes flipped fail the signature', () => {
    expectReject(phala(flip(fullIn.quote, SD + 4 + 10)), 'signature');
  });

  it('tdx-neg/report-data-flip: REPORTDATA[0] ^= 1', () => {
    expectReject(phala(flip(fullIn.quote, 568)), 'signature');
  });

  it('tdx-neg/att-key-flip: the attestation key no longer verifies nor is bound by the QE', () => {
    const v = phala(flip(fullIn.quote, SD + 4 + 64));
    expectReject(v, 'signature');
    expectReject(v, 'qe-report');
    expect(v.checks.qe_report_data_binds_att_key).toBe(false);
  });

  it('tdx-neg/qe-auth-data-flip: the quote signature holds but the QE binding fails', () => {
    const authAt = SD + 4 + 134 + 384 + 64 + 2;
    const v = phala(flip(fullIn.quote, authAt));
    expect(v.checks.quote_signature).toBe(true);
    expect(v.checks.qe_report_signature).toBe(true);
    expect(v.checks.qe_report_data_binds_att_key).toBe(false);
    expectReject(v, 'qe-report');
  });

  it('the QE report flipped fails its PCK signature', () => {
    const v = phala(flip(fullIn.quote, SD + 4 + 134 + 64));
    expectReject(v, 'qe-report');
    expect(v.checks.qe_report_signature).toBe(false);
  });

  it('tdx-neg/truncated: the first 1000 bytes are malformed', () => {
    const v = phala(fullIn.quote.subarray(0, 1000));
    expect(codes(v)).toEqual(['malformed']);
  });

  it('every truncation is a malformed rejection, never an exception', () => {
    for (const n of [0, 1, 2, 47, 48, 631, 632, 635, 636, 700, 770, 1154, 1220, 1230, 2000, 4000, 4935]) {
      const v = phala(fullIn.quote.subarray(0, n));
      expect(v.verdict, `length ${n}`).toBe('reject');
      expect(codes(v), `length ${n}`).toEqual(['malformed']);
    }
  });

  it('trailing bytes after the signature data are tolerated (genuine quotes carry them)', () => {
    const longer = new Uint8Array(fullIn.quote.length + 100);
    longer.set(fullIn.quote);
    const v = phala(longer);
    expect(v.verdict).toBe('accept');
    expect(v.fields?.trailingBytes).toBe(170);
  });

  it('an inflated signature-data length is malformed', () => {
    const q = new Uint8Array(fullIn.quote);
    new DataView(q.buffer).setUint32(632, 0xffffff, true);
    expect(codes(phala(q))).toEqual(['malformed']);
  });

  it('tdx-neg/lookalike-root: same subject name, different key → not trusted', () => {
    const v = verifyTdxQuote(corpusFile('neg/lookalike-root/quote.bin'), { at: snapshotTime(), cache });
    expectReject(v, 'root-not-pinned');
    expect(v.checks.embedded_root_equals_pinned).toBe(false);
    expect(v.fields?.pckChainEncoding).toBe('der');
    expect(v.signer?.root?.subject).toBe('Intel SGX Root CA');
  });

  it('a supplied root that is not the pin is refused', () => {
    const other = makeIntelChain();
    const v = verifyTdxQuote(tdxInputs(caseById('tdx-v4-trustee-6')).quote, { at: snapshotTime(), root: toPem(other.root), cache });
    expectReject(v, 'root-not-pinned');
  });

  it('the pinned root supplied with --root is accepted', () => {
    const v = verifyTdxQuote(tdxInputs(caseById('tdx-v4-trustee-6')).quote, { at: snapshotTime(), root: referenceFile('intel-roots/intel-sgx-root-ca.pem'), cache });
    expect(v.verdict).toBe('accept-signature-and-chain');
  });

  it('PCK outside its validity is rejected', () => {
    const v = verifyTdxQuote(tdxInputs(caseById('tdx-v5-gotdx-sample')).quote, { at: '2025-01-01T00:00:00Z', cache });
    expectReject(v, 'cert-validity');
  });
});

describe('TDX collateral (genuine)', () => {
  it('computes UpToDate with module TDX_01 for the Phala v4 quote', () => {
    const v = phala(fullIn.quote);
    expect(v.verdict).toBe('accept');
    expect(v.tcb).toMatchObject({ status: 'UpToDate', platformStatus: 'UpToDate', moduleIdentity: 'TDX_01', moduleStatus: 'UpToDate', qeStatus: 'UpToDate' });
  });

  it('stale collateral is refused a month later', () => {
    const v = phala(fullIn.quote, { at: '2025-08-01T00:00:00Z' });
    expectReject(v, 'collateral');
    expectReject(v, 'crl');
    expect(v.checks.tcbinfo_current).toBe(false);
  });

  it('a TCB info edited by one byte fails its signature', () => {
    const text = corpusFile(full.files.tcb_info as string).toString().replace('"tcbEvaluationDataNumber":17', '"tcbEvaluationDataNumber":18');
    const v = phala(fullIn.quote, { collateral: { ...fullIn.collateral, tcbInfo: text } });
    expectReject(v, 'collateral');
    expect(v.checks.tcbinfo_signature).toBe(false);
  });

  it('re-serialised JSON (same content, different bytes) fails its signature', () => {
    const j = JSON.parse(corpusFile(full.files.qe_identity as string).toString());
    const v = phala(fullIn.quote, { collateral: { ...fullIn.collateral, qeIdentity: JSON.stringify(j, null, 2) } });
    expect(v.checks.qeidentity_signature).toBe(false);
    expectReject(v, 'collateral');
  });

  it('collateral for another FMSPC does not apply', () => {
    const other = tdxInputs(caseById('tdx-v5-phala-no-matching-tcb-level'));
    const v = phala(fullIn.quote, { at: caseById('tdx-v5-phala-no-matching-tcb-level').verify_at as string, collateral: other.collateral as never });
    expectReject(v, 'collateral');
    expect(v.checks.tcbinfo_fmspc_matches_pck).toBe(false);
  });

  it('a PCK CRL from the wrong issuer is refused', () => {
    const v = phala(fullIn.quote, { collateral: { ...fullIn.collateral, pckCrl: fullIn.collateral?.rootCaCrl as Uint8Array } });
    expectReject(v, 'crl');
    expect(v.checks.pck_crl_signed_by_intermediate).toBe(false);
  });

  it('incomplete collateral is a rejection, not a silent quote-only verdict', () => {
    const { tcbInfo, qeIdentity } = fullIn.collateral ?? {};
    const v = phala(fullIn.quote, { collateral: { tcbInfo, qeIdentity } as never });
    expectReject(v, 'collateral');
  });

  it('collateral that is not JSON is a collateral rejection', () => {
    const v = phala(fullIn.quote, { collateral: { ...fullIn.collateral, tcbInfo: 'not json' } });
    expectReject(v, 'collateral');
  });

  it('an unaccepted status can be allowed by policy (NoMatchingTcbLevel never)', () => {
    const c = caseById('tdx-v5-phala-no-matching-tcb-level');
    const i = tdxInputs(c);
    const v = verifyTdxQuote(i.quote, { at: c.verify_at as string, collateral: i.collateral as never, policy: { acceptedTcbStatuses: ['UpToDate', 'OutOfDate', 'SWHardeningNeeded'] } });
    expectReject(v, 'tcb-status');
  });
});

describe('TDX on a synthetic chain', () => {
  let chain: IntelChain;
  const AT = T0.toISOString();
  beforeAll(() => {
    chain = makeIntelChain();
  });
  const run = (quote: Uint8Array, col: ReturnType<typeof makeCollateral> | null, extra: Partial<TdxVerifyOptions> = {}) =>
    verifyTdxQuote(quote, { at: AT, intelRootPin: chain.rootPin, ...(col ? { collateral: col } : {}), ...extra });

  it('quote + complete collateral → accept, UpToDate', () => {
    const v = run(makeQuote(chain), makeCollateral(chain));
    expect(v.verdict, JSON.stringify(v.reasons)).toBe('accept');
    expect(v.tcb?.status).toBe('UpToDate');
    expect(v.checks.pck_crl_issuer_chain_ok).toBe(true);
  });

  it('v5 with a TD 1.5 body verifies too', () => {
    const v = run(makeQuote(chain, { version: 5 }), makeCollateral(chain));
    expect(v.verdict, JSON.stringify(v.reasons)).toBe('accept');
    expect(v.fields?.body.type).toBe('td15');
  });

  it('without collateral → accept-signature-and-chain with a collateral-missing note', () => {
    const v = run(makeQuote(chain), null);
    expect(v.verdict).toBe('accept-signature-and-chain');
    expect(codes(v)).toEqual(['collateral-missing']);
    expect(v.tcb?.status).toBeNull();
  });

  it('under the production pin the synthetic root is a look-alike', () => {
    expectReject(verifyTdxQuote(makeQuote(chain), { at: AT }), 'root-not-pinned');
  });

  it('a revoked PCK is rejected', () => {
    const v = run(makeQuote(chain), makeCollateral(chain, { revokedPck: true }));
    expectReject(v, 'revoked');
    expect(v.checks.pck_not_revoked).toBe(false);
  });

  it('a revoked PCK CA is rejected', () => {
    const v = run(makeQuote(chain), makeCollateral(chain, { revokedPckCa: true }));
    expectReject(v, 'revoked');
    expect(v.checks.intermediate_not_revoked).toBe(false);
  });

  it('an older PCESVN lands on the OutOfDate level with its advisories', () => {
    const old = makeIntelChain({ comps: [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0], pcesvn: 7 });
    const q = makeQuote(old);
    const col = makeCollateral(old);
    const v = verifyTdxQuote(q, { at: AT, intelRootPin: old.rootPin, collateral: col });
    expectReject(v, 'tcb-status');
    expect(v.tcb).toMatchObject({ status: 'OutOfDate', platformStatus: 'OutOfDate', advisoryIds: ['INTEL-SA-00837'] });
    const ok = verifyTdxQuote(q, { at: AT, intelRootPin: old.rootPin, collateral: col, policy: { acceptedTcbStatuses: ['UpToDate', 'OutOfDate'] } });
    expect(ok.verdict).toBe('accept');
  });

  it('an outdated TDX module converges the status to OutOfDate', () => {
    const v = run(makeQuote(chain, { teeTcbSvn: Uint8Array.of(3, 1, 3) }), makeCollateral(chain));
    expect(v.tcb).toMatchObject({ platformStatus: 'UpToDate', moduleIdentity: 'TDX_01', moduleStatus: 'OutOfDate', status: 'OutOfDate' });
    expectReject(v, 'tcb-status');
  });

  it('an unknown TDX module identity is not supported', () => {
    const v = run(makeQuote(chain, { teeTcbSvn: Uint8Array.of(6, 9, 3) }), makeCollateral(chain));
    expectReject(v, 'tcb-status');
  });

  it('an outdated QE converges the status to OutOfDate', () => {
    const v = run(makeQuote(chain, { qeIsvSvn: 3 }), makeCollateral(chain, { qeLevels: [{ isvsvn: 4, status: 'UpToDate' }, { isvsvn: 2, status: 'OutOfDate' }] }));
    expect(v.tcb).toMatchObject({ qeStatus: 'OutOfDate', status: 'OutOfDate' });
    expectReject(v, 'tcb-status');
  });

  it('a chain without the root uses the supplied or trust-folder root, if pinned', () => {
    const q = makeQuote(chain, { omitRoot: true });
    expectReject(run(q, null), 'roots-missing');
    expect(run(q, null, { root: toPem(chain.root) }).verdict).toBe('accept-signature-and-chain');
    expect(run(q, makeCollateral(chain), { trust: trustFromBytes([{ name: 'root.pem', bytes: chain.root }]) }).verdict).toBe('accept');
    expectReject(run(q, null, { root: toPem(makeIntelChain().root) }), 'root-not-pinned');
  });

  it('a QE report that does not bind the attestation key is rejected', () => {
    expectReject(run(makeQuote(chain, { qeReportData: new Uint8Array(64).fill(1) }), null), 'qe-report');
  });

  it('collateral signed by a key other than the TCB Signing key is refused', () => {
    const other = makeIntelChain();
    const col = { ...makeCollateral(chain), tcbInfo: makeCollateral(other).tcbInfo };
    const v = run(makeQuote(chain), col);
    expect(v.checks.tcbinfo_signature).toBe(false);
    expectReject(v, 'collateral');
  });

  it('collateral not yet issued at `at` is refused', () => {
    expectReject(run(makeQuote(chain), makeCollateral(chain, { issueDate: '2024-02-01T00:00:00Z', nextUpdate: '2024-03-01T00:00:00Z' })), 'collateral');
  });

  describe('policy', () => {
    it('TD debug is refused by default, allowed explicitly', () => {
      const q = makeQuote(chain, { tdAttributes: Uint8Array.of(1, 0, 0, 0x10, 0, 0, 0, 0) });
      expectReject(run(q, makeCollateral(chain)), 'policy-debug');
      expect(run(q, makeCollateral(chain), { policy: { allowDebug: true } }).verdict).toBe('accept');
    });

    it('MRTD allow-list, RTMRs and REPORTDATA', () => {
      const rd = new Uint8Array(64);
      rd.set(new Uint8Array(32).fill(0xee));
      const q = makeQuote(chain, { reportData: rd });
      const col = makeCollateral(chain);
      const mrtd = toHex(new Uint8Array(48).fill(0x42));
      expect(run(q, col, { policy: { mrTd: [mrtd], rtmr: { 0: '00'.repeat(48) }, reportData: 'ee'.repeat(32) } }).verdict).toBe('accept');
      expectReject(run(q, col, { policy: { mrTd: ['00'.repeat(48)] } }), 'policy-measurement');
      expectReject(run(q, col, { policy: { rtmr: { 3: '11'.repeat(48) } } }), 'policy-field');
      expectReject(run(q, col, { policy: { reportData: 'ef' } }), 'policy-report-data');
      expectReject(run(q, col, { policy: { mrOwner: '01'.repeat(48) } }), 'policy-field');
    });
  });
});

describe('decodeTdxQuote', () => {
  it('decodes a quote without verifying it, chain ordered leaf → root', () => {
    const f = decodeTdxQuote(fullIn.quote);
    expect(f.pckChain.map((c) => c.subject)).toEqual(['Intel SGX PCK Certificate', 'Intel SGX PCK Platform CA', 'Intel SGX Root CA']);
    expect(f.pck?.fmspc).toBe('b0c06f000000');
  });

  it('orders a root-first DER chain', () => {
    const f = decodeTdxQuote(corpusFile('neg/lookalike-root/quote.bin'));
    expect(f.pckChain[0]?.subject).toMatch(/PCK/);
    expect(f.pckChain[2]?.subject).toBe('Intel SGX Root CA');
  });
});
