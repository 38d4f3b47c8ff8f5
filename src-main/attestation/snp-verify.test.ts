/**
 * SEV-SNP verification on synthetic chains we hold the keys of: correctly
 * signed reports with chosen fields exercise revocation, validity windows,
 * TCB and chip binding, Turin's TCB layout, every policy knob, the trust folder
 * and the chain cache — paths no public sample reaches.
 */
import type { KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from './bytes';
import { ChainCache } from './chain-cache';
import { verifySnpReport, type SnpEvidence, type SnpVerifyOptions } from './snp-verify';
import { chipIdFor, makeAmdChain, makeReport, T0, toPem, type AmdChain, type ReportSpec, type SyntheticTcb } from './synthetic';
import { trustFromBytes } from './trust-store';
import type { ReasonCode, SnpPolicy, SnpVerdict } from './types';

const TCB: SyntheticTcb = { bootloader: 3, tee: 0, snp: 8, microcode: 115 };
const HW = new Uint8Array(64).map((_, i) => i + 1);
const AT = T0.toISOString();

let milan: AmdChain;
let turin: AmdChain;
let vcek: { der: Uint8Array; key: KeyObject };

beforeAll(() => {
  milan = makeAmdChain('Milan');
  turin = makeAmdChain('Turin');
  vcek = milan.vek({ tcb: TCB, hwId: HW });
});

const codes = (v: SnpVerdict) => v.reasons.map((r) => r.code);

function run(spec: Partial<ReportSpec> = {}, opts: { chain?: AmdChain; vek?: { der: Uint8Array; key: KeyObject }; evidence?: Partial<SnpEvidence>; options?: SnpVerifyOptions; policy?: SnpPolicy } = {}): SnpVerdict {
  const chain = opts.chain ?? milan;
  const vek = opts.vek ?? vcek;
  const report = makeReport({ product: chain.product, tcb: TCB, chipId: chipIdFor(chain.product, HW), ...spec }, vek.key);
  const kind = ((spec.keyInfo ?? 0) >> 2) & 7;
  return verifySnpReport(
    { report, vek: vek.der, ark: chain.ark, intermediate: kind === 1 ? chain.asvk : chain.ask, ...opts.evidence },
    { at: AT, pins: chain.pins, ...(opts.policy ? { policy: opts.policy } : {}), ...opts.options },
  );
}

function expectReject(v: SnpVerdict, code: ReasonCode): void {
  expect(v.verdict).toBe('reject');
  expect(codes(v), JSON.stringify(v.reasons)).toContain(code);
}

describe('synthetic SEV-SNP chain', () => {
  it('a correctly signed report under pinned synthetic roots is accepted', () => {
    const v = run();
    expect(v.reasons).toEqual([]);
    expect(v.verdict).toBe('accept');
    expect(v.checks).toMatchObject({ ark_pinned: true, intermediate_pinned: true, ark_self_signed: true, ask_signed_by_ark: true, vek_signed_by_ask: true, report_signature: true, chip_id_matches_hwid: true, reported_tcb_matches_vek: true });
    expect(v.signer?.key).toBe('VCEK');
    expect(v.tcb?.vek).toEqual({ bootloader: 3, tee: 0, snp: 8, microcode: 115, fmc: null });
  });

  it('the same chain is rejected under the production pins (it is not AMD’s)', () => {
    const report = makeReport({ product: 'Milan', tcb: TCB, chipId: HW }, vcek.key);
    const v = verifySnpReport({ report, vek: vcek.der, ark: milan.ark, intermediate: milan.ask }, { at: AT });
    expectReject(v, 'root-not-pinned');
  });

  it('a VLEK chain through the ASVK is accepted; CHIP_ID is not compared', () => {
    const vlek = milan.vek({ kind: 'VLEK', tcb: TCB });
    const v = run({ keyInfo: 1 << 2, chipId: new Uint8Array(64) }, { vek: vlek });
    expect(v.verdict, JSON.stringify(v.reasons)).toBe('accept');
    expect(v.signer?.key).toBe('VLEK');
    expect(v.checks.chip_id_matches_hwid).toBeUndefined();
    expect(v.signer?.extensions.cspId).toBe('CN=test-cloud.example');
  });

  describe('revocation', () => {
    it('an ASK listed on the ARK-signed CRL is revoked', () => {
      const v = run({}, { evidence: { crls: [milan.crl({ revoked: [0x10001] })] } });
      expectReject(v, 'revoked');
      expect(v.checks).toMatchObject({ crl_signed_by_ark: true, crl_current: true, intermediate_not_revoked: false });
    });

    it('a CRL that does not list the ASK passes, PEM or DER', () => {
      expect(run({}, { evidence: { crls: [milan.crl({ revoked: [7] })] } }).verdict).toBe('accept');
      expect(run({}, { evidence: { crls: [toPem(milan.crl({ revoked: [] }), 'X509 CRL')] } }).verdict).toBe('accept');
    });

    it('a CRL not signed by the ARK is refused and its entries ignored', () => {
      const v = run({}, { evidence: { crls: [milan.crl({ revoked: [0x10001], signKey: milan.askKey })] } });
      expectReject(v, 'crl');
      expect(codes(v)).not.toContain('revoked');
      expect(v.checks.crl_signed_by_ark).toBe(false);
    });

    it('a stale CRL is refused', () => {
      const v = run({}, { evidence: { crls: [milan.crl({ revoked: [], thisUpdate: new Date('2023-01-01Z'), nextUpdate: new Date('2023-02-01Z') })] } });
      expectReject(v, 'crl');
      expect(v.checks.crl_current).toBe(false);
    });

    it("another product's CRL supplied explicitly is refused", () => {
      const v = run({}, { evidence: { crls: [turin.crl({ revoked: [] })] } });
      expectReject(v, 'crl');
    });

    it('garbage as a CRL is malformed', () => {
      expectReject(run({}, { evidence: { crls: [new Uint8Array([1, 2, 3])] } }), 'malformed');
    });

    it('requireCrl rejects when no CRL is at hand', () => {
      expectReject(run({}, { policy: { requireCrl: true } }), 'crl');
      expect(run({}, { policy: { requireCrl: true }, evidence: { crls: [milan.crl({ revoked: [] })] } }).verdict).toBe('accept');
    });

    it('CRLs in the trust folder apply only to their own product', () => {
      const trust = trustFromBytes([
        { name: 'milan.crl', bytes: milan.crl({ revoked: [0x10001] }) },
        { name: 'turin.crl', bytes: turin.crl({ revoked: [] }) },
      ]);
      const v = run({}, { options: { trust } });
      expectReject(v, 'revoked');
      expect(codes(v)).not.toContain('crl');
    });
  });

  describe('validity and binding', () => {
    it('an expired VCEK is rejected at `at`, accepted before expiry', () => {
      const old = milan.vek({ tcb: TCB, hwId: HW, notBefore: new Date('2016-01-01Z'), notAfter: new Date('2023-06-01Z') });
      expectReject(run({}, { vek: old }), 'cert-validity');
      expect(run({}, { vek: old, options: { at: '2023-03-01T00:00:00Z' } }).verdict).toBe('accept');
    });

    it('REPORTED_TCB different from the VCEK is a TCB mismatch even with a valid signature', () => {
      const v = run({ tcb: { ...TCB, snp: 9 } });
      expect(v.checks.report_signature).toBe(true);
      expectReject(v, 'tcb-mismatch');
    });

    it('microcode SPL above 127 (DER leading zero) binds correctly', () => {
      const t = { ...TCB, microcode: 222 };
      const k = milan.vek({ tcb: t, hwId: HW });
      expect(run({ tcb: t }, { vek: k }).verdict).toBe('accept');
    });

    it('CHIP_ID different from hwID is rejected', () => {
      const chip = new Uint8Array(HW);
      chip[63] = 0;
      expectReject(run({ chipId: chip }), 'chip-id');
    });

    it('MASK_CHIP_KEY is rejected by default and allowed by policy', () => {
      const spec = { keyInfo: 0b10, chipId: new Uint8Array(64) };
      expectReject(run(spec), 'chip-id');
      const v = run(spec, { policy: { allowMaskedChipId: true } });
      expect(v.verdict).toBe('accept');
      expect(v.checks.chip_id_masked).toBe(true);
    });

    it('SIGNING_KEY = none is a signer mismatch', () => {
      expectReject(run({ keyInfo: 7 << 2 }), 'signer-mismatch');
    });

    it('a v3 report whose CPUID says Genoa with a Milan VCEK is a product mismatch', () => {
      const r = makeReport({ product: 'Genoa', tcb: TCB, chipId: HW }, vcek.key);
      const v = verifySnpReport({ report: r, vek: vcek.der, ark: milan.ark, intermediate: milan.ask }, { at: AT, pins: milan.pins });
      expectReject(v, 'product');
    });

    it('a v2 report takes its product from the VCEK', () => {
      const v = run({ version: 2 });
      expect(v.verdict, JSON.stringify(v.reasons)).toBe('accept');
      expect(v.fields?.cpuid).toBeNull();
      expect(v.product).toBe('Milan');
    });

    it('versions 4 and 6 are malformed; 5 is accepted', () => {
      expectReject(run({ version: 4 }), 'malformed');
      expectReject(run({ version: 6 }), 'malformed');
      expect(run({ version: 5 }).verdict).toBe('accept');
    });

    it('POLICY bit 17 clear and reserved POLICY bits are format errors', () => {
      expectReject(run({ policy: 0x10000n }), 'format');
      expectReject(run({ policy: 0x30000n | (1n << 40n) }), 'format');
    });
  });

  describe('Turin', () => {
    const tt: SyntheticTcb = { fmc: 2, bootloader: 1, tee: 0, snp: 3, microcode: 71 };
    it('uses the Turin TCB layout and 8-byte hwID', () => {
      const k = turin.vek({ tcb: tt, hwId: HW.subarray(0, 8) });
      const v = run({ tcb: tt }, { chain: turin, vek: k });
      expect(v.verdict, JSON.stringify(v.reasons)).toBe('accept');
      expect(v.fields?.reportedTcb).toMatchObject({ layout: 'turin', fmc: 2, bootloader: 1, tee: 0, snp: 3, microcode: 71 });
      expect(v.fields?.chipId.slice(16)).toBe('0'.repeat(112));
    });

    it('FMC SPL mismatch is caught, and min-TCB fmc applies to Turin only', () => {
      const k = turin.vek({ tcb: { ...tt, fmc: 1 }, hwId: HW.subarray(0, 8) });
      expectReject(run({ tcb: tt }, { chain: turin, vek: k }), 'tcb-mismatch');
      const ok = turin.vek({ tcb: tt, hwId: HW.subarray(0, 8) });
      expectReject(run({ tcb: tt }, { chain: turin, vek: ok, policy: { minTcb: { fmc: 3 } } }), 'policy-tcb');
      expect(run({}, { policy: { minTcb: { fmc: 3 } } }).verdict).toBe('accept');
    });

    it('a Turin CHIP_ID with bytes beyond the first 8 is rejected', () => {
      const k = turin.vek({ tcb: tt, hwId: HW.subarray(0, 8) });
      const chip = chipIdFor('Turin', HW);
      chip[20] = 1;
      expectReject(run({ tcb: tt, chipId: chip }, { chain: turin, vek: k }), 'chip-id');
    });
  });

  describe('policy', () => {
    it('debug is refused by default and allowed only explicitly', () => {
      expectReject(run({ policy: 0xb0000n }), 'policy-debug');
      expect(run({ policy: 0xb0000n }, { policy: { allowDebug: true } }).verdict).toBe('accept');
    });

    it('a migration agent is refused by default', () => {
      expectReject(run({ policy: 0x70000n }), 'policy-migration');
      expect(run({ policy: 0x70000n }, { policy: { allowMigrationAgent: true } }).verdict).toBe('accept');
    });

    it('allowSmt: false refuses SMT in POLICY or on the platform', () => {
      expectReject(run({}, { policy: { allowSmt: false } }), 'policy-smt');
      expect(run({ policy: 0x20000n, platformInfo: 0x24n }, { policy: { allowSmt: false } }).verdict).toBe('accept');
      expectReject(run({ policy: 0x20000n, platformInfo: 0x25n }, { policy: { allowSmt: false } }), 'policy-smt');
    });

    it('minimum TCB per component', () => {
      expect(run({}, { policy: { minTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 } } }).verdict).toBe('accept');
      const v = run({}, { policy: { minTcb: { snp: 9, microcode: 200 } } });
      expectReject(v, 'policy-tcb');
      expect(v.reasons.find((r) => r.code === 'policy-tcb')?.message).toMatch(/snp SPL 8 is below the minimum 9.*microcode SPL 115/);
    });

    it('measurement allow-list', () => {
      const m = toHex(new Uint8Array(48).fill(0x11));
      expect(run({}, { policy: { measurements: ['00'.repeat(48), m.toUpperCase()] } }).verdict).toBe('accept');
      expectReject(run({}, { policy: { measurements: ['00'.repeat(48)] } }), 'policy-measurement');
      expectReject(run({}, { policy: { measurements: ['zz'] } }), 'policy-measurement');
    });

    it('REPORT_DATA nonce binding, with short nonces zero-padded', () => {
      const nonce = new Uint8Array(32).fill(0xa5);
      const rd = new Uint8Array(64);
      rd.set(nonce);
      expect(run({ reportData: rd }, { policy: { reportData: toHex(nonce) } }).verdict).toBe('accept');
      expect(run({ reportData: rd }, { policy: { reportData: toHex(rd) } }).verdict).toBe('accept');
      expectReject(run({ reportData: rd }, { policy: { reportData: 'a5' } }), 'policy-report-data');
      expectReject(run({}, { policy: { reportData: '00'.repeat(65) } }), 'policy-report-data');
    });

    it('VMPL allow-list', () => {
      expect(run({ vmpl: 1 }, { policy: { vmpl: [0, 1] } }).verdict).toBe('accept');
      expectReject(run({ vmpl: 2 }, { policy: { vmpl: [0] } }), 'policy-vmpl');
    });

    it('ID and author key digests', () => {
      const id = new Uint8Array(48).fill(0x33);
      const author = new Uint8Array(48).fill(0x44);
      expect(run({ idKeyDigest: id }, { policy: { idKeyDigests: [toHex(id)] } }).verdict).toBe('accept');
      expectReject(run({}, { policy: { idKeyDigests: [toHex(id)] } }), 'policy-key-digest');
      expectReject(run({ authorKeyDigest: author }, { policy: { authorKeyDigests: [toHex(author)] } }), 'policy-key-digest');
      expect(run({ keyInfo: 1, authorKeyDigest: author }, { policy: { authorKeyDigests: [toHex(author)] } }).verdict).toBe('accept');
    });

    it('HOST_DATA, guest SVN and committed TCB', () => {
      const hd = new Uint8Array(32).fill(9);
      expect(run({ hostData: hd }, { policy: { hostData: toHex(hd) } }).verdict).toBe('accept');
      expectReject(run({}, { policy: { hostData: toHex(hd) } }), 'policy-field');
      expectReject(run({ guestSvn: 1 }, { policy: { minGuestSvn: 2 } }), 'policy-field');
      expectReject(run({ committedTcb: { ...TCB, snp: 7 } }, { policy: { requireCommittedTcb: true } }), 'policy-tcb');
      expect(run({ committedTcb: { ...TCB, snp: 7 } }).verdict).toBe('accept');
    });
  });

  describe('certificate bundles', () => {
    it('a KDS cert_chain bundle (ASK then ARK) works for both --ask and --ark', () => {
      const bundle = toPem(milan.ask) + toPem(milan.ark);
      const v = run({}, { evidence: { ark: bundle, intermediate: bundle } });
      expect(v.verdict, JSON.stringify(v.reasons)).toBe('accept');
    });

    it('a bundle without the pinned certificate is refused', () => {
      const other = makeAmdChain('Milan');
      expectReject(run({}, { evidence: { intermediate: toPem(other.ask) + toPem(other.ark) } }), 'root-not-pinned');
    });
  });

  describe('trust folder', () => {
    it('takes pinned roots from the folder when none come with the evidence', () => {
      const trust = trustFromBytes([
        { name: 'ark.pem', bytes: new Uint8Array(Buffer.from(toPem(milan.ark))) },
        { name: 'ask.der', bytes: milan.ask },
        { name: 'notes.txt', bytes: new Uint8Array(Buffer.from('hello')) },
      ]);
      expect(trust.skipped.map((s) => s.file)).toEqual(['notes.txt']);
      const v = run({}, { evidence: { ark: undefined, intermediate: undefined }, options: { trust } });
      expect(v.verdict, JSON.stringify(v.reasons)).toBe('accept');
    });

    it('says which root is missing when the folder lacks it', () => {
      const report = makeReport({ product: 'Milan', tcb: TCB, chipId: HW }, vcek.key);
      const v = verifySnpReport({ report, vek: vcek.der }, { at: AT, pins: milan.pins, trust: trustFromBytes([{ name: 'ark', bytes: milan.ark }], '/etc/cairn/roots') });
      expectReject(v, 'roots-missing');
      expect(v.reasons.find((r) => r.code === 'roots-missing')?.message).toContain('ASK-Milan');
      expect(v.reasons.find((r) => r.code === 'roots-missing')?.message).toContain('/etc/cairn/roots');
    });

    it('an unpinned certificate in the folder is ignored', () => {
      const other = makeAmdChain('Milan');
      const report = makeReport({ product: 'Milan', tcb: TCB, chipId: HW }, vcek.key);
      const v = verifySnpReport({ report, vek: vcek.der }, { at: AT, pins: milan.pins, trust: trustFromBytes([{ name: 'ark', bytes: other.ark }, { name: 'ask', bytes: other.ask }]) });
      expectReject(v, 'roots-missing');
    });
  });

  describe('chain cache', () => {
    it('reuses chain results across reports and never caches time-dependent checks', () => {
      const cache = new ChainCache();
      const a = run({}, { options: { cache } });
      const before = cache.stats();
      const b = run({ reportData: new Uint8Array(64).fill(1) }, { options: { cache } });
      const after = cache.stats();
      expect(a.verdict).toBe('accept');
      expect(b.verdict).toBe('accept');
      expect(after.misses).toBe(before.misses);
      expect(after.hits).toBeGreaterThan(before.hits);
      const late = run({}, { options: { cache, at: '2040-01-01T00:00:00Z' } });
      expectReject(late, 'cert-validity');
    });

    it('a tampered report is still rejected with a warm cache', () => {
      const cache = new ChainCache();
      const r = makeReport({ product: 'Milan', tcb: TCB, chipId: HW }, vcek.key);
      const ev = { report: r, vek: vcek.der, ark: milan.ark, intermediate: milan.ask };
      expect(verifySnpReport(ev, { at: AT, pins: milan.pins, cache }).verdict).toBe('accept');
      const t = new Uint8Array(r);
      t[0x90] = (t[0x90] as number) ^ 1;
      expectReject(verifySnpReport({ ...ev, report: t }, { at: AT, pins: milan.pins, cache }), 'signature');
    });

    it('evicts the oldest entries beyond its bound', () => {
      const cache = new ChainCache(4);
      for (let i = 0; i < 10; i++) cache.memo('n', String(i), () => i);
      expect(cache.stats().entries).toBe(4);
    });
  });
});

describe('chain cache input identity', () => {
  it('a buffer changed in place after a verification is parsed afresh', () => {
    const cache = new ChainCache();
    const report = makeReport({ product: 'Milan', tcb: TCB, chipId: HW }, vcek.key);
    const vekBuf = new Uint8Array(vcek.der);
    const ev = { report, vek: vekBuf, ark: milan.ark, intermediate: milan.ask };
    expect(verifySnpReport(ev, { at: AT, pins: milan.pins, cache }).verdict).toBe('accept');
    // Swap the VEK bytes in place for another chip's VCEK: same object, different content.
    const other = milan.vek({ tcb: TCB, hwId: new Uint8Array(64).fill(9) });
    const swapped = new Uint8Array(other.der.length);
    swapped.set(other.der);
    const v = verifySnpReport({ ...ev, vek: swapped }, { at: AT, pins: milan.pins, cache });
    expectReject(v, 'signature');
    vekBuf.set(other.der.subarray(0, Math.min(other.der.length, vekBuf.length)));
    expect(verifySnpReport(ev, { at: AT, pins: milan.pins, cache }).verdict).toBe('reject');
  });
});
