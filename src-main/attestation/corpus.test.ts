/**
 * Every genuine case of the shared corpus gives its expected verdict at its
 * verify_at, the checks the research checker recorded agree with ours, and the
 * decoded fields equal the corpus's expected.json.
 */
import { describe, expect, it } from 'vitest';
import { ChainCache } from './chain-cache';
import { verifySnpReport } from './snp-verify';
import { corpusFile, loadCases, snapshotTime, snpEvidence, tdxInputs, type CorpusCase } from './test-support';
import { verifyTdxQuote } from './tdx-verify';
import type { SnpTcb } from './types';

const cases = loadCases();
const cache = new ChainCache();

function expectTcb(actual: SnpTcb, expected: Record<string, number | string>): void {
  expect(actual.raw).toBe(expected.raw_le_hex);
  for (const k of ['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const) {
    if (expected[k] !== undefined) expect(actual[k], k).toBe(expected[k]);
  }
  if (expected.fmc === undefined) expect(actual.fmc).toBeUndefined();
}

describe('the reference corpus', () => {
  it('has the 32 genuine cases the brief promises', () => {
    expect(cases).toHaveLength(32);
  });

  describe.each(cases.filter((c) => c.kind === 'sev-snp').map((c) => [c.id, c] as [string, CorpusCase]))('SEV-SNP %s', (_id, c) => {
    const v = verifySnpReport(snpEvidence(c), { at: c.verify_at as string, cache });

    it(`is ${c.expected_verdict} at ${c.verify_at}`, () => {
      expect(v.verdict, JSON.stringify(v.reasons)).toBe(c.expected_verdict);
      if (c.expected_verdict === 'accept') expect(v.reasons).toEqual([]);
    });

    it('agrees with the checker on every shared check', () => {
      for (const [k, want] of Object.entries(c.checker_results)) {
        if (k.startsWith('openssl_')) continue; // the checker's own cross-check with the openssl CLI
        expect(v.checks[k], k).toBe(want);
      }
    });

    it('decodes every field as expected.json', () => {
      const e = JSON.parse(corpusFile(c.files.expected_fields as string).toString('utf8'));
      const f = v.fields!;
      expect(f.version).toBe(e.version);
      expect(f.guestSvn).toBe(e.guest_svn);
      expect(BigInt(f.policy.raw)).toBe(BigInt(e.policy_hex));
      expect({
        abi_minor: f.policy.abiMinor,
        abi_major: f.policy.abiMajor,
        smt_allowed: f.policy.smtAllowed,
        reserved_bit17_must_be_1: f.policy.reservedBit17,
        migrate_ma_allowed: f.policy.migrateMaAllowed,
        debug_allowed: f.policy.debugAllowed,
        single_socket: f.policy.singleSocket,
        cxl_allowed: f.policy.cxlAllowed,
        mem_aes_256_xts: f.policy.memAes256Xts,
        rapl_dis: f.policy.raplDis,
        ciphertext_hiding: f.policy.ciphertextHiding,
        page_swap_disable: f.policy.pageSwapDisable,
      }).toEqual(e.policy);
      expect(f.vmpl).toBe(e.vmpl);
      expect(f.signatureAlgo).toBe(e.signature_algo);
      expect(BigInt(f.platformInfo.raw)).toBe(BigInt(e.platform_info_hex));
      expect(BigInt(f.keyInfo.raw)).toBe(BigInt(e.key_info_hex));
      expect(f.keyInfo.authorKeyEn).toBe(e.author_key_en);
      expect(f.keyInfo.maskChipKey).toBe(e.mask_chip_key);
      expect(f.keyInfo.signingKey).toBe(e.signing_key);
      expect(f.familyId).toBe(e.family_id_hex);
      expect(f.imageId).toBe(e.image_id_hex);
      expect(f.reportData).toBe(e.report_data_hex);
      expect(f.measurement).toBe(e.measurement_hex);
      expect(f.hostData).toBe(e.host_data_hex);
      expect(f.idKeyDigest).toBe(e.id_key_digest_hex);
      expect(f.authorKeyDigest).toBe(e.author_key_digest_hex);
      expect(f.reportId).toBe(e.report_id_hex);
      expect(f.reportIdMa).toBe(e.report_id_ma_hex);
      if (e.cpuid_fam_id === undefined) expect(f.cpuid).toBeNull();
      else expect(f.cpuid).toEqual({ family: e.cpuid_fam_id, model: e.cpuid_mod_id, stepping: e.cpuid_step });
      expect(f.chipId).toBe(e.chip_id_hex);
      expect(v.product).toBe(e.product_used_for_tcb_layout);
      expectTcb(f.currentTcb, e.current_tcb);
      expectTcb(f.reportedTcb, e.reported_tcb);
      expectTcb(f.committedTcb, e.committed_tcb);
      expectTcb(f.launchTcb, e.launch_tcb);
      expect(f.currentFirmware).toEqual({ major: e.current_major, minor: e.current_minor, build: e.current_build });
      expect(f.committedFirmware).toEqual({ major: e.committed_major, minor: e.committed_minor, build: e.committed_build });
      if (e.launch_mit_vector_hex === undefined) {
        expect(f.launchMitVector).toBeNull();
        expect(f.currentMitVector).toBeNull();
      } else {
        expect(BigInt(f.launchMitVector!)).toBe(BigInt(e.launch_mit_vector_hex));
        expect(BigInt(f.currentMitVector!)).toBe(BigInt(e.current_mit_vector_hex));
      }
      const x = v.signer!.extensions;
      const ve = e.vek_extensions;
      expect(x.structVersion).toBe(ve.structVersion);
      expect(x.productName).toBe(ve.productName);
      expect([x.blSPL, x.teeSPL, x.snpSPL, x.ucodeSPL]).toEqual([ve.blSPL, ve.teeSPL, ve.snpSPL, ve.ucodeSPL]);
      expect(x.fmcSPL).toBe(ve.fmcSPL ?? null);
      expect(x.hwId).toBe(ve.hwID ?? null);
      expect(x.cspId).toBe(ve.cspID ?? null);
      expect(v.signer!.certificate.subject).toBe(e.vek_subject_cn);
      expect(v.signer!.certificate.issuer).toBe(e.vek_issuer_cn);
      expect(new Date(v.signer!.certificate.notBefore)).toEqual(new Date(e.vek_validity[0]));
      expect(new Date(v.signer!.certificate.notAfter)).toEqual(new Date(e.vek_validity[1]));
    });

    it('gives a plain JSON-able verdict', () => {
      expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    });
  });

  describe.each(cases.filter((c) => c.kind === 'tdx').map((c) => [c.id, c] as [string, CorpusCase]))('TDX %s', (_id, c) => {
    const inputs = tdxInputs(c);
    const at = c.verify_at ?? snapshotTime();
    const v = verifyTdxQuote(inputs.quote, { at, cache, ...(inputs.collateral ? { collateral: inputs.collateral } : {}), ...(inputs.root ? { root: inputs.root } : {}) });

    it(`is ${c.expected_verdict} at ${at}`, () => {
      expect(v.verdict, JSON.stringify(v.reasons)).toBe(c.expected_verdict);
      if (c.expected_verdict === 'accept-signature-and-chain') expect(v.reasons.map((r) => r.code)).toEqual(['collateral-missing']);
      if (c.expected_tcb_status) expect(v.tcb?.status).toBe(c.expected_tcb_status);
      else expect(v.tcb?.status).toBeNull();
    });

    it('agrees with the checker on every shared check', () => {
      for (const [k, want] of Object.entries(c.checker_results)) expect(v.checks[k], k).toBe(want);
    });

    it.runIf(c.files.expected_fields !== undefined)('decodes the quote as expected.json', () => {
      const e = JSON.parse(corpusFile(c.files.expected_fields as string).toString('utf8'));
      const p = e.parsed;
      const f = v.fields!;
      expect(f.header.version).toBe(p.version);
      expect(f.header.attestationKeyType).toBe(p.att_key_type);
      expect(f.header.teeType).toBe(Number(p.tee_type_hex));
      expect(f.header.svnFields).toEqual(p.hdr_svn_fields_at_8_10);
      expect(f.header.qeVendorId).toBe(p.qe_vendor_id_hex);
      expect(f.header.userData).toBe(p.user_data_hex);
      if (p.version === 5) {
        expect(f.bodyType).toBe(p.body_type);
        expect(f.body.size).toBe(p.body_size);
      }
      const b = p.body;
      expect({
        tee_tcb_svn: f.body.teeTcbSvn,
        mr_seam: f.body.mrSeam,
        mr_signer_seam: f.body.mrSignerSeam,
        seam_attributes: f.body.seamAttributes,
        td_attributes: f.body.tdAttributes.raw,
        xfam: f.body.xfam,
        mr_td: f.body.mrTd,
        mr_config_id: f.body.mrConfigId,
        mr_owner: f.body.mrOwner,
        mr_owner_config: f.body.mrOwnerConfig,
        rtmr0: f.body.rtmr[0],
        rtmr1: f.body.rtmr[1],
        rtmr2: f.body.rtmr[2],
        rtmr3: f.body.rtmr[3],
        report_data: f.body.reportData,
        ...(b.tee_tcb_svn2 !== undefined ? { tee_tcb_svn2: f.body.teeTcbSvn2, mr_servicetd: f.body.mrServiceTd } : {}),
      }).toEqual(b);
      expect(f.body.tdAttributes.debug).toBe(p.td_debug);
      expect(f.signatureDataLength).toBe(p.sig_data_len);
      expect(f.trailingBytes).toBe(p.trailing_bytes);
      expect(f.certificationDataType).toBe(p.outer_cert_data_type);
      expect(f.pckChainType).toBe(p.inner_cert_data_type);
      expect(f.qeReport.mrEnclave).toBe(p.qe_report.mrenclave);
      expect(f.qeReport.mrSigner).toBe(p.qe_report.mrsigner);
      expect(f.qeReport.isvProdId).toBe(p.qe_report.isvprodid);
      expect(f.qeReport.isvSvn).toBe(p.qe_report.isvsvn);
      expect(f.qeReport.miscSelect).toBe(Number(p.qe_report.miscselect));
      expect(f.qeReport.attributes).toBe(p.qe_report.attributes);
      expect(f.qeAuthData.length / 2).toBe(p.qe_auth_data_len);
      if (e.pck_chain) expect(f.pckChain.map((x) => x.subject)).toEqual(e.pck_chain);
      if (e.pck_sgx_ext) expect({ fmspc: f.pck!.fmspc, pceid: f.pck!.pceId }).toEqual(e.pck_sgx_ext);
      if (e.pck_tcb) {
        expect({ comps: f.pck!.sgxTcbComponents, pcesvn: f.pck!.pceSvn, cpusvn: f.pck!.cpuSvn, pceid: f.pck!.pceId, fmspc: f.pck!.fmspc }).toEqual(e.pck_tcb);
        expect(v.tcb!.status).toBe(e.tdx_tcb_status);
        expect(v.tcb!.qeStatus).toBe(e.qe_tcb_status);
        if (e.tdx_tcb_detail) {
          expect(v.tcb!.moduleIdentity).toBe(e.tdx_tcb_detail.module_identity);
          expect(v.tcb!.moduleStatus).toBe(e.tdx_tcb_detail.module_status);
          expect(v.tcb!.tcbDate).toBe(e.tdx_tcb_detail.platform_level_date);
          expect(v.tcb!.advisoryIds).toEqual(e.tdx_tcb_detail.advisories ?? []);
        }
        expect(v.tcb!.collateral).toMatchObject({
          tcbInfoIssueDate: e.tcbinfo_meta.issueDate,
          tcbInfoNextUpdate: e.tcbinfo_meta.nextUpdate,
          qeIdentityIssueDate: e.qeid_meta.issueDate,
          qeIdentityNextUpdate: e.qeid_meta.nextUpdate,
          tcbEvaluationDataNumber: e.tcbinfo_meta.tcbEvaluationDataNumber,
        });
      }
    });

    it('gives a plain JSON-able verdict', () => {
      expect(JSON.parse(JSON.stringify(v))).toEqual(v);
    });
  });
});
