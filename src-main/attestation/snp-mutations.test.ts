/**
 * Genuine SEV-SNP reports, tampered with: every signed byte flipped, the
 * signature's byte order swapped, lengths changed, the wrong VCEK, the wrong
 * product's roots, VCEK/VLEK intermediates swapped, a look-alike ARK, and the
 * corpus's negative cases.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainCache } from './chain-cache';
import { OFF, SNP_SIGNED_SIZE } from './snp-report';
import { verifySnpReport, type SnpEvidence } from './snp-verify';
import { makeCert, name, toPem } from './synthetic';
import { AMD_ROOT_FILES, caseById, corpusFile, flip, referenceFile, snpEvidence } from './test-support';
import type { ReasonCode, SnpVerdict } from './types';

const cache = new ChainCache();
const codes = (v: SnpVerdict) => v.reasons.map((r) => r.code);

function verifyCase(id: string, patch: Partial<SnpEvidence> = {}, at?: string): SnpVerdict {
  const c = caseById(id);
  return verifySnpReport({ ...snpEvidence(c), ...patch }, { at: at ?? (c.verify_at as string), cache });
}

function expectReject(v: SnpVerdict, code: ReasonCode): void {
  expect(v.verdict).toBe('reject');
  expect(codes(v), JSON.stringify(v.reasons)).toContain(code);
}

describe('SEV-SNP tampering', () => {
  for (const id of ['gcp-milan-v5-vmpl1', 'oak-turin-v5', 'virtee-milan-v2', 'trustee-milan-v3-vlek-aws']) {
    it(`${id}: flipping any one of the 672 signed bytes fails the signature`, () => {
      const c = caseById(id);
      const ev = snpEvidence(c);
      const report = ev.report;
      const failures: number[] = [];
      for (let i = 0; i < SNP_SIGNED_SIZE; i++) {
        for (const mask of [0x01, 0x80]) {
          const v = verifySnpReport({ ...ev, report: flip(report, i, mask) }, { at: c.verify_at as string, cache });
          if (v.verdict !== 'reject' || !codes(v).includes('signature') || v.checks.report_signature !== false) failures.push(i);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it('r and s swapped to big-endian are rejected (never retried the other way round)', () => {
    const ev = snpEvidence(caseById('gcp-milan-v5-vmpl1'));
    const r = new Uint8Array(ev.report);
    r.subarray(OFF.sigR, OFF.sigR + 48).reverse();
    r.subarray(OFF.sigS, OFF.sigS + 48).reverse();
    const v = verifyCase('gcp-milan-v5-vmpl1', { report: r });
    expectReject(v, 'signature');
  });

  it('r and s exchanged with each other are rejected', () => {
    const ev = snpEvidence(caseById('oak-genoa-v5'));
    const r = new Uint8Array(ev.report);
    const rr = r.slice(OFF.sigR, OFF.sigR + 72);
    r.set(r.slice(OFF.sigS, OFF.sigS + 72), OFF.sigR);
    r.set(rr, OFF.sigS);
    expectReject(verifyCase('oak-genoa-v5', { report: r }), 'signature');
  });

  it('non-zero padding above the 48 signature bytes is rejected although the low bytes still verify', () => {
    const ev = snpEvidence(caseById('oak-genoa-v5'));
    const v = verifyCase('oak-genoa-v5', { report: flip(ev.report, OFF.sigR + 60) });
    expectReject(v, 'signature');
  });

  it('non-zero bytes in the unsigned reserved tail are a format rejection', () => {
    const ev = snpEvidence(caseById('oak-genoa-v5'));
    const v = verifyCase('oak-genoa-v5', { report: flip(ev.report, 0x400) });
    expect(v.checks.report_signature).toBe(true);
    expectReject(v, 'format');
  });

  for (const len of [0, 1, 0x2a0, 1183, 1185, 2400]) {
    it(`a ${len}-byte report is malformed, not an exception`, () => {
      const ev = snpEvidence(caseById('oak-turin-v5'));
      const report = new Uint8Array(len);
      report.set(ev.report.subarray(0, Math.min(len, ev.report.length)));
      const v = verifyCase('oak-turin-v5', { report });
      expect(v.verdict).toBe('reject');
      expect(codes(v)).toEqual(['malformed']);
      expect(v.checks.report_length_ok).toBe(false);
      expect(v.fields).toBeNull();
    });
  }

  it('the wrong VCEK (another Genoa chip) fails signature and chip binding', () => {
    const v = verifyCase('oak-genoa-v5', { vek: corpusFile('snp/azure-genoa-v3/vcek.pem') });
    expectReject(v, 'signature');
    expect(codes(v)).toContain('chip-id');
    expect(codes(v)).toContain('tcb-mismatch');
    expect(v.checks.vek_signed_by_ask).toBe(true); // a genuine VCEK, just not this chip's
  });

  it('Genoa roots for a Milan report are rejected as the wrong product', () => {
    const v = verifyCase('oak-milan-v3-cb', { ark: referenceFile(AMD_ROOT_FILES.Genoa.ark), intermediate: referenceFile(AMD_ROOT_FILES.Genoa.ask) });
    expectReject(v, 'product');
    expectReject(v, 'chain');
    expect(v.checks.vek_signed_by_ask).toBe(false);
    expect(v.checks.report_signature).toBe(true);
  });

  it('a VLEK-signed report checked against the ASK is a signer mismatch', () => {
    const v = verifyCase('trustee-milan-v3-vlek-aws', { intermediate: referenceFile(AMD_ROOT_FILES.Milan.ask) });
    expectReject(v, 'signer-mismatch');
    expect(v.checks.vek_signed_by_ask).toBe(false);
  });

  it('a VCEK-signed report checked against the ASVK is a signer mismatch', () => {
    const v = verifyCase('oak-milan-v3-cb', { intermediate: referenceFile(AMD_ROOT_FILES.Milan.asvk) });
    expectReject(v, 'signer-mismatch');
    expect(v.checks.vek_signed_by_ask).toBe(false);
  });

  it('the ARK given where the ASK belongs is rejected', () => {
    const v = verifyCase('oak-milan-v3-cb', { intermediate: referenceFile(AMD_ROOT_FILES.Milan.ark) });
    expectReject(v, 'chain');
  });

  it('a VCEK presented for a VLEK-signed report (KEY_INFO says VLEK) is a signer mismatch', () => {
    const v = verifyCase('trustee-milan-v3-vlek-aws', { vek: corpusFile('snp/oak-milan-v3-cb/vcek.der') });
    expectReject(v, 'signer-mismatch');
    expectReject(v, 'signature');
  });

  it('a look-alike ARK with the same name but another key is not trusted (pinned by fingerprint)', () => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const n = name('ARK-Milan');
    const fake = makeCert({ subject: n, issuer: n, serial: 0x10000, notBefore: new Date('2020-01-01Z'), notAfter: new Date('2045-10-22Z'), publicKey: k.publicKey, signKey: k.privateKey, alg: 'pss384', ca: true });
    const v = verifyCase('oak-milan-v3-cb', { ark: toPem(fake) });
    expectReject(v, 'root-not-pinned');
    expect(v.checks.ark_pinned).toBe(false);
    expect(v.checks.ark_self_signed).toBe(true); // a perfectly valid certificate — just not AMD's
    expect(v.checks.ask_signed_by_ark).toBe(false);
  });

  it('the ASK given as the root is rejected even though it is a pinned AMD certificate', () => {
    const v = verifyCase('oak-milan-v3-cb', { ark: referenceFile(AMD_ROOT_FILES.Milan.ask) });
    expectReject(v, 'chain');
    expect(v.checks.ark_pinned).toBe(false);
  });

  it('a VLEK outside its one-year validity is rejected at a later time', () => {
    const v = verifyCase('trustee-milan-v3-vlek-aws', {}, '2026-01-01T00:00:00Z');
    expectReject(v, 'cert-validity');
    expect(v.checks.vek_valid_at).toBe(false);
    expect(v.checks.report_signature).toBe(true);
  });

  it('a VCEK before its notBefore is rejected', () => {
    const v = verifyCase('oak-turin-v5', {}, '2025-07-01T00:00:00Z');
    expectReject(v, 'cert-validity');
  });

  it('an invalid verification time is a rejection, not an exception', () => {
    const v = verifySnpReport(snpEvidence(caseById('oak-turin-v5')), { at: 'not a time' });
    expect(v.verdict).toBe('reject');
    expect(codes(v)).toEqual(['malformed']);
  });

  it('garbage where the VEK should be is malformed', () => {
    const v = verifyCase('oak-turin-v5', { vek: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]) });
    expectReject(v, 'malformed');
    expect(v.checks.report_signature).toBe(false);
  });

  it('a VEK file holding two certificates is malformed', () => {
    const pem = corpusFile('snp/azure-genoa-v3/vcek.pem').toString();
    const v = verifyCase('azure-genoa-v3', { vek: pem + pem });
    expectReject(v, 'malformed');
  });
});

describe('the corpus negative cases (neg/)', () => {
  it('measurement-flip: the Genoa v5 report with MEASUREMENT[0] ^= 1 fails its signature', () => {
    const r = flip(snpEvidence(caseById('oak-genoa-v5')).report, 0x90);
    const v = verifyCase('oak-genoa-v5', { report: r, vek: corpusFile('neg/measurement-flip/vcek.der') });
    expectReject(v, 'signature');
    expect(v.checks.vek_signed_by_ask).toBe(true);
  });

  it('wrong-vcek: the Genoa v5 report with another chip’s VCEK', () => {
    const v = verifyCase('oak-genoa-v5', { vek: corpusFile('neg/wrong-vcek/vcek.pem') });
    expectReject(v, 'signature');
    expectReject(v, 'chip-id');
  });

  it('truncated: the Turin report cut to its signed 672 bytes', () => {
    const r = snpEvidence(caseById('oak-turin-v5')).report.subarray(0, 0x2a0);
    const v = verifyCase('oak-turin-v5', { report: r, vek: corpusFile('neg/truncated/vcek.der') });
    expect(codes(v)).toEqual(['malformed']);
  });

  it('truncated-by-one: 1183 bytes still carry a valid signature, and are rejected anyway', () => {
    const r = snpEvidence(caseById('oak-turin-v5')).report.subarray(0, 1183);
    const v = verifyCase('oak-turin-v5', { report: r });
    expect(v.verdict).toBe('reject');
    expect(codes(v)).toEqual(['malformed']);
  });

  it('forged-vcek: a synthetic VCEK whose signature does not verify under the ASK', () => {
    const v = verifyCase('azure-milan-v3', { vek: corpusFile('neg/forged-vcek/vcek.der') });
    expectReject(v, 'chain');
    expect(v.checks.vek_signed_by_ask).toBe(false);
    expect(v.signer?.extensions.hwIdEncoding).toBe('octet-string');
  });

  it('vlek-key-mismatch: a VLEK-signed report with an unrelated VLEK', () => {
    const v = verifySnpReport(
      {
        report: corpusFile('neg/vlek-key-mismatch/report.bin'),
        vek: corpusFile('neg/vlek-key-mismatch/vlek.pem'),
        ark: referenceFile(AMD_ROOT_FILES.Milan.ark),
        intermediate: referenceFile(AMD_ROOT_FILES.Milan.asvk),
      },
      { at: '2024-01-01T00:00:00Z', cache },
    );
    expectReject(v, 'signature');
    expect(v.checks.vek_signed_by_ask).toBe(true);
  });

  it('sig-endianness: r and s stored big-endian', () => {
    const ev = snpEvidence(caseById('gcp-milan-v5-vmpl1'));
    const r = new Uint8Array(ev.report);
    r.subarray(OFF.sigR, OFF.sigR + 48).reverse();
    r.subarray(OFF.sigS, OFF.sigS + 48).reverse();
    const v = verifyCase('gcp-milan-v5-vmpl1', { report: r, vek: corpusFile('neg/sig-endianness/vcek.pem') });
    expectReject(v, 'signature');
  });

  it('reported-tcb-edit: REPORTED_TCB boot loader ^= 1 breaks the signature and the TCB binding', () => {
    const r = flip(snpEvidence(caseById('gcp-milan-v5-vmpl1')).report, OFF.reportedTcb);
    const v = verifyCase('gcp-milan-v5-vmpl1', { report: r });
    expectReject(v, 'signature');
    expectReject(v, 'tcb-mismatch');
  });
});
