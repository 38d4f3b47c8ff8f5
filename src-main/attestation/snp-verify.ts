/**
 * Offline verification of an AMD SEV-SNP attestation report: size and format,
 * product, the pinned chain ARK → ASK → VCEK or ARK → ASVK → VLEK (RSASSA-PSS,
 * validity at `at`, CRLs when supplied), the report's ECDSA P-384 signature,
 * the binding of REPORTED_TCB and CHIP_ID to the VEK, and the relying party's
 * policy. Total: any input gives a verdict, never an exception.
 *
 * Every check runs even after an earlier one failed (the signature is checked
 * on a report whose version is unknown, the chain on a report with a bad
 * signature), so a verdict lists all that is wrong rather than the first thing.
 */
import { verify as cryptoVerify } from 'node:crypto';
import { asBytes, bytesEqual, fromHex } from './bytes';
import { ChainCache } from './chain-cache';
import { crlCurrentAt, crlSignedBy, curveOf, loadCertificates, loadCrls, sameName, summarise, validAt, type ParsedCert, type ParsedCrl } from './certificate';
import { Findings, codeFor, errorMessage, resolveAt } from './findings';
import { AMD_PINS, identifyAmdCert, type AmdPins, type AmdRole } from './pins';
import { evaluateSnpPolicy } from './snp-policy';
import { SNP_REPORT_SIZE, SNP_SIGNED_SIZE, SNP_SUPPORTED_VERSIONS, decodeSnpReport, productFromName, snpReservedProblems, snpSignatureP1363 } from './snp-report';
import { decodeVekExtensions, tcbMismatches } from './snp-vek';
import { EMPTY_TRUST, type TrustStore } from './trust-store';
import type { SnpPolicy, SnpProduct, SnpReportFields, SnpSigner, SnpTcbSummary, SnpVekExtensions, SnpVerdict } from './types';

export interface SnpEvidence {
  /** The 1184-byte report. */
  report: Uint8Array;
  /** The VCEK or VLEK, DER or PEM. */
  vek: Uint8Array | string;
  /** The ARK, DER or PEM (a KDS cert_chain bundle works too); used only when pinned. Absent: from the trust folder. */
  ark?: Uint8Array | string;
  /** The ASK (VCEK) or ASVK (VLEK), DER or PEM or a KDS cert_chain bundle; used only when pinned. Absent: from the trust folder. */
  intermediate?: Uint8Array | string;
  /** AMD CRLs (DER or PEM), signed by the product's ARK. */
  crls?: (Uint8Array | string)[];
}

export interface SnpVerifyOptions {
  /** Verification time for validity windows and CRL freshness (default: now). */
  at?: Date | string;
  policy?: SnpPolicy;
  trust?: TrustStore;
  /** Reuse parsed certificates and chain signature results across calls. */
  cache?: ChainCache;
  /** Trust anchors; the AMD production pins unless a test supplies its own. */
  pins?: AmdPins;
}

const ROLE_NAME: Record<AmdRole, string> = { ark: 'ARK', ask: 'ASK', asvk: 'ASVK' };

function reject(at: Date | null, code: 'malformed' | 'internal', message: string): SnpVerdict {
  return {
    kind: 'sev-snp',
    verdict: 'reject',
    reasons: [{ code, message }],
    checks: {},
    at: at ? at.toISOString() : '',
    fields: null,
    product: null,
    signer: null,
    tcb: null,
  };
}

export function verifySnpReport(evidence: SnpEvidence, options: SnpVerifyOptions = {}): SnpVerdict {
  const at = resolveAt(options.at);
  if (!at) return reject(null, 'malformed', 'the verification time is not a valid ISO-8601 instant');
  try {
    return verifyInner(evidence, options, at);
  } catch (err) {
    return reject(at, 'internal', `verifier failure: ${errorMessage(err)}`);
  }
}

interface Anchor {
  cert: ParsedCert;
  pinned: boolean;
}

function verifyInner(evidence: SnpEvidence, options: SnpVerifyOptions, at: Date): SnpVerdict {
  const f = new Findings();
  const cache = options.cache ?? new ChainCache();
  const pins = options.pins ?? AMD_PINS;
  const trust = options.trust ?? EMPTY_TRUST;
  const policy = options.policy ?? {};
  const report = evidence.report instanceof Uint8Array ? evidence.report : new Uint8Array(0);

  if (!f.check('report_length_ok', report.length === SNP_REPORT_SIZE, 'malformed', `an SEV-SNP report is exactly ${SNP_REPORT_SIZE} bytes, got ${report.length}`)) {
    return { kind: 'sev-snp', verdict: 'reject', reasons: f.reasons, checks: f.checks, at: at.toISOString(), fields: null, product: null, signer: null, tcb: null };
  }

  // ---- the VEK ------------------------------------------------------------
  let vek: ParsedCert | null = null;
  let vekExt: SnpVekExtensions | null = null;
  try {
    const certs = cache.parsed('certs', asBytes(evidence.vek), loadCertificates);
    if (certs.length !== 1) f.fail('malformed', `VEK: expected one certificate, found ${certs.length}`);
    else vek = certs[0] as ParsedCert;
  } catch (err) {
    f.fail(codeFor(err), `VEK: ${errorMessage(err)}`);
  }
  if (vek) {
    const v = vek;
    try {
      vekExt = cache.memo('vek-ext', v.fingerprint256, () => decodeVekExtensions(v.extensions));
    } catch (err) {
      f.fail(codeFor(err), `VEK extensions: ${errorMessage(err)}`);
    }
  }
  const vekProduct = productFromName(vekExt?.productName ?? null) ?? productFromName(vek?.issuerCn ?? null);

  // ---- format ---------------------------------------------------------------
  const fields = decodeSnpReport(report, vekProduct);
  f.check('version_supported', SNP_SUPPORTED_VERSIONS.includes(fields.version), 'malformed', `report version ${fields.version} is not supported (2, 3 or 5)`);
  f.check('signature_algo_is_ecdsa_p384_sha384', fields.signatureAlgo === 1, 'format', `SIGNATURE_ALGO is ${fields.signatureAlgo}, expected 1 (ECDSA P-384 with SHA-384)`);
  const reserved = snpReservedProblems(report, fields.version);
  if (fields.policy.reservedBitsSet) reserved.push('POLICY bits 26..63 are not zero');
  if (fields.keyInfo.reservedBitsSet) reserved.push('KEY_INFO bits 5..31 are not zero');
  f.check('reserved_fields_zero', reserved.length === 0, 'format', () => reserved.join('; '));
  f.check('policy_reserved_bit17_set', fields.policy.reservedBit17, 'format', 'POLICY bit 17 (reserved, must be one) is clear');

  // ---- product ---------------------------------------------------------------
  if (fields.version >= 3 && fields.cpuid && !fields.productFromCpuid) {
    f.fail('product', `CPUID family 0x${fields.cpuid.family.toString(16)} model 0x${fields.cpuid.model.toString(16)} is not a known SEV-SNP product`);
  }
  if (fields.productFromCpuid && vekProduct && fields.productFromCpuid !== vekProduct) {
    f.fail('product', `the report's CPUID says ${fields.productFromCpuid} but the VEK is for ${vekProduct}`);
  }
  const product: SnpProduct | null = fields.productFromCpuid ?? vekProduct;
  if (!product && vek) f.fail('product', 'cannot tell the product (no CPUID in a v2 report and no product name in the VEK)');
  f.record('product_consistent', !f.has('product'));

  // ---- signer kind -----------------------------------------------------------
  const sk = fields.keyInfo.signingKey;
  if (sk === 'none') f.fail('signer-mismatch', 'KEY_INFO.SIGNING_KEY says the report is not signed');
  if (sk === 'reserved') f.fail('format', `KEY_INFO.SIGNING_KEY ${fields.keyInfo.signingKeyValue} is reserved`);
  const vekRole: 'VCEK' | 'VLEK' = sk === 'VLEK' || (sk !== 'VCEK' && vek?.subjectCn === 'SEV-VLEK') ? 'VLEK' : 'VCEK';
  if (vek && (sk === 'VCEK' || sk === 'VLEK')) {
    const expectedCn = sk === 'VLEK' ? 'SEV-VLEK' : 'SEV-VCEK';
    f.check('vek_cn_matches_signing_key', vek.subjectCn === expectedCn, 'signer-mismatch', `the report is signed by a ${sk} but the certificate is "${vek.subjectCn ?? '(no CN)'}"`);
  }

  // ---- report signature --------------------------------------------------------
  if (vek) {
    const p384 = f.check('vek_key_is_p384', curveOf(vek.publicKey) === 'secp384r1', 'chain', 'the VEK key is not an ECDSA P-384 key');
    const sig = snpSignatureP1363(report);
    if ('problem' in sig) {
      f.check('report_signature', false, 'signature', sig.problem);
    } else if (p384) {
      let ok = false;
      try {
        // r and s are stored little-endian; they were reversed once above. Never retried the other way round.
        ok = cryptoVerify('sha384', report.subarray(0, SNP_SIGNED_SIZE), { key: vek.publicKey, dsaEncoding: 'ieee-p1363' }, sig.sig);
      } catch {
        ok = false;
      }
      f.check('report_signature', ok, 'signature', "the report signature does not verify with the VEK's key");
    } else {
      f.record('report_signature', false);
    }
  } else {
    f.record('report_signature', false);
  }

  // ---- chain -------------------------------------------------------------------
  let ark: Anchor | null = null;
  let inter: Anchor | null = null;
  if (product && vek) {
    const interRole: AmdRole = vekRole === 'VLEK' ? 'asvk' : 'ask';
    ark = pickAnchor(f, cache, pins, trust, evidence.ark, product, 'ark', vekRole);
    inter = pickAnchor(f, cache, pins, trust, evidence.intermediate, product, interRole, vekRole);
    f.record('ark_pinned', ark?.pinned ?? false);
    f.record('intermediate_pinned', inter?.pinned ?? false);
    if (ark) {
      f.check('ark_self_signed', cache.signed(ark.cert, ark.cert), 'chain', `the ARK (${ark.cert.subjectCn ?? '?'}) is not validly self-signed`);
      validity(f, 'ark_valid_at', ark.cert, 'ARK', at);
    }
    if (inter) {
      if (ark) f.check('ask_signed_by_ark', cache.signed(inter.cert, ark.cert), 'chain', `${inter.cert.subjectCn ?? 'the intermediate'} is not signed by ${ark.cert.subjectCn ?? 'the ARK'}`);
      validity(f, 'intermediate_valid_at', inter.cert, ROLE_NAME[interRole], at);
      f.check('vek_signed_by_ask', cache.signed(vek, inter.cert), 'chain', `the ${vekRole} is not signed by ${inter.cert.subjectCn ?? 'the intermediate'}`);
    }
    const issuerProduct = productFromName(vek.issuerCn);
    f.check('vek_issuer_matches_product', issuerProduct === product, 'product', `the VEK's issuer "${vek.issuerCn ?? '?'}" is not a ${product} key`);
    validity(f, 'vek_valid_at', vek, vekRole, at);
    checkCrls(f, cache, trust, evidence.crls ?? [], ark, inter, at, policy.requireCrl === true);
  } else {
    f.record('ark_pinned', false);
    f.record('intermediate_pinned', false);
  }

  // ---- TCB and chip binding -------------------------------------------------------
  if (product && vekExt) {
    const mism = tcbMismatches(fields.reportedTcb, vekExt, product);
    f.check('reported_tcb_matches_vek', mism.length === 0, 'tcb-mismatch', () => `REPORTED_TCB does not match the ${vekRole}: ${mism.join('; ')}`);
  } else {
    f.record('reported_tcb_matches_vek', false);
  }
  if (vekRole === 'VCEK' && vekExt) chipBinding(f, fields, vekExt, product, policy.allowMaskedChipId === true);

  // ---- policy ----------------------------------------------------------------------
  evaluateSnpPolicy(fields, policy, f, product);

  return {
    kind: 'sev-snp',
    verdict: f.verdict(true),
    reasons: f.reasons,
    checks: f.checks,
    at: at.toISOString(),
    fields,
    product,
    signer: vek && vekExt ? signerOf(vekRole, vek, vekExt, inter, ark) : null,
    tcb: tcbSummary(fields, vekExt),
  };
}

function validity(f: Findings, check: string, cert: ParsedCert, label: string, at: Date): void {
  f.check(check, validAt(cert, at), 'cert-validity', `the ${label} is valid ${cert.notBefore.toISOString()} .. ${cert.notAfter.toISOString()}, not at ${at.toISOString()}`);
}

/**
 * The ARK or intermediate for `product`: the one supplied with the evidence if
 * any (explicit input is never silently replaced), else the pinned one from
 * the trust folder. A supplied certificate that is not the pinned one is still
 * returned, so its signatures are checked and reported, but the verdict rejects.
 */
function pickAnchor(
  f: Findings,
  cache: ChainCache,
  pins: AmdPins,
  trust: TrustStore,
  input: Uint8Array | string | undefined,
  product: SnpProduct,
  role: AmdRole,
  vekRole: 'VCEK' | 'VLEK',
): Anchor | null {
  const want = pins[product][role];
  const label = `${ROLE_NAME[role]}-${product}`;
  if (input === undefined) {
    const cert = trust.certs.find((c) => c.fingerprint256 === want);
    if (cert) return { cert, pinned: true };
    f.fail('roots-missing', `no ${label} available: supply it with the evidence or put AMD's ${product} certificates in the trust folder${trust.dir ? ` (${trust.dir})` : ''}`);
    return null;
  }
  let cert: ParsedCert;
  try {
    const certs = cache.parsed('certs', asBytes(input), loadCertificates);
    // KDS serves ASK and ARK as one cert_chain file; from a bundle the pinned certificate is picked.
    const pinned = certs.find((c) => c.fingerprint256 === want);
    if (pinned) return { cert: pinned, pinned: true };
    if (certs.length !== 1) {
      f.fail('root-not-pinned', `none of the ${certs.length} certificates supplied as the ${ROLE_NAME[role]} is AMD's pinned ${label}`);
      return null;
    }
    cert = certs[0] as ParsedCert;
  } catch (err) {
    f.fail(codeFor(err), `${ROLE_NAME[role]}: ${errorMessage(err)}`);
    return null;
  }
  if (cert.fingerprint256 === want) return { cert, pinned: true };
  const id = identifyAmdCert(pins, cert.fingerprint256);
  if (!id) {
    f.fail('root-not-pinned', `the supplied ${ROLE_NAME[role]} "${cert.subjectCn ?? '?'}" (SHA-256 ${cert.fingerprint256}) is not AMD's pinned ${label}`);
  } else if (id.product !== product) {
    f.fail('product', `the supplied ${ROLE_NAME[role]} is AMD's ${ROLE_NAME[id.role]}-${id.product}, but the report is from ${product}`);
  } else if (role !== 'ark' && id.role !== 'ark') {
    f.fail('signer-mismatch', `a ${vekRole}-signed report chains through the ${ROLE_NAME[role]}, but the supplied certificate is the ${ROLE_NAME[id.role]} (${cert.subjectCn ?? '?'})`);
  } else {
    f.fail('chain', `the supplied ${ROLE_NAME[role]} is AMD's ${ROLE_NAME[id.role]}-${id.product}, not the ${label}`);
  }
  return { cert, pinned: false };
}

function checkCrls(
  f: Findings,
  cache: ChainCache,
  trust: TrustStore,
  inputs: (Uint8Array | string)[],
  ark: Anchor | null,
  inter: Anchor | null,
  at: Date,
  required: boolean,
): void {
  const explicit: ParsedCrl[] = [];
  for (const input of inputs) {
    try {
      explicit.push(...cache.parsed('crls', asBytes(input), loadCrls));
    } catch (err) {
      f.fail(codeFor(err), `CRL: ${errorMessage(err)}`);
    }
  }
  if (!ark) return;
  // Trust-folder CRLs for other products are simply not applicable; an explicit one must fit.
  const applicable = [...explicit, ...trust.crls.filter((c) => sameName(c.issuerDer, ark.cert.subjectDer))];
  for (const crl of explicit) {
    if (!sameName(crl.issuerDer, ark.cert.subjectDer)) f.fail('crl', `the supplied CRL is issued by "${crl.issuerCn ?? '?'}", not by ${ark.cert.subjectCn ?? 'the ARK'}`);
  }
  let usable = 0;
  for (const crl of applicable) {
    if (!sameName(crl.issuerDer, ark.cert.subjectDer)) continue;
    const signed = f.check('crl_signed_by_ark', cache.memo('crl-sig', `${crl.fingerprint256}<${ark.cert.fingerprint256}`, () => crlSignedBy(crl, ark.cert)), 'crl', `the CRL from "${crl.issuerCn ?? '?'}" is not signed by the ARK`);
    const current = f.check('crl_current', crlCurrentAt(crl, at), 'crl', `the CRL is current ${crl.thisUpdate.toISOString()} .. ${crl.nextUpdate?.toISOString() ?? '(no nextUpdate)'}, not at ${at.toISOString()}`);
    if (!signed) continue;
    if (current) usable++;
    if (inter) f.check('intermediate_not_revoked', !crl.revoked.has(inter.cert.serial), 'revoked', `${inter.cert.subjectCn ?? 'the intermediate'} (serial ${inter.cert.serial}) is revoked`);
  }
  if (required) f.check('crl_present', usable > 0, 'crl', 'the policy requires a current CRL signed by the ARK and none was supplied');
}

function chipBinding(f: Findings, fields: SnpReportFields, ext: SnpVekExtensions, product: SnpProduct | null, allowMasked: boolean): void {
  if (fields.keyInfo.maskChipKey) {
    f.record('chip_id_masked', true);
    if (!allowMasked) f.fail('chip-id', 'MASK_CHIP_KEY is set: CHIP_ID is zero and cannot be tied to the VCEK');
    return;
  }
  const chip = fromHex(fields.chipId) as Uint8Array;
  const hw = ext.hwId ? (fromHex(ext.hwId) as Uint8Array) : null;
  let ok = false;
  let why = 'the VCEK has no hwID extension';
  if (hw) {
    // Turin's hwID is the first 8 bytes of CHIP_ID; the rest of CHIP_ID must then be zero.
    const n = product === 'Turin' ? 8 : 64;
    ok = hw.length === n && bytesEqual(chip.subarray(0, n), hw) && chip.subarray(n).every((b) => b === 0);
    why = `CHIP_ID ${fields.chipId.slice(0, 2 * n)}… does not match the VCEK hwID ${ext.hwId}`;
  }
  f.check('chip_id_matches_hwid', ok, 'chip-id', why);
}

function signerOf(key: 'VCEK' | 'VLEK', vek: ParsedCert, ext: SnpVekExtensions, inter: Anchor | null, ark: Anchor | null): SnpSigner {
  return { key, certificate: summarise(vek), extensions: ext, intermediate: inter ? summarise(inter.cert) : null, root: ark ? summarise(ark.cert) : null };
}

function tcbSummary(fields: SnpReportFields, ext: SnpVekExtensions | null): SnpTcbSummary {
  return {
    reported: fields.reportedTcb,
    current: fields.currentTcb,
    committed: fields.committedTcb,
    launch: fields.launchTcb,
    vek: ext ? { bootloader: ext.blSPL, tee: ext.teeSPL, snp: ext.snpSPL, microcode: ext.ucodeSPL, fmc: ext.fmcSPL } : null,
  };
}
