/**
 * Offline verification of an Intel TDX quote (v4/v5): the quote signature by
 * the attestation key, the QE report signed by the PCK key and binding that
 * attestation key, the PCK chain up to the Intel SGX Root CA pinned by
 * fingerprint, and — when the collateral bundle is supplied — the TCB info and
 * QE identity signatures, both CRLs, freshness and the resulting TCB status.
 * Then the relying party's policy (debug, MRTD, RTMRs, REPORTDATA).
 *
 * Without collateral the best possible verdict is
 * `accept-signature-and-chain`: the quote is genuine, but whether the platform
 * is up to date is unknown. Total like the SNP verifier: never throws.
 */
import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { allZero, asBytes, bytesEqual, toHex } from './bytes';
import { ChainCache } from './chain-cache';
import { crlCurrentAt, crlSignedBy, curveOf, ecPublicKeyFromXY, loadCertificates, loadCrls, sameName, summarise, validAt, type ParsedCert, type ParsedCrl } from './certificate';
import { Findings, codeFor, errorMessage, resolveAt } from './findings';
import { INTEL_SGX_ROOT_PIN } from './pins';
import { normaliseHex } from './snp-policy';
import {
  QeIdentitySchema,
  TcbInfoSchema,
  converge,
  moduleIdentityMatches,
  parseSignedJson,
  platformTcb,
  qeTcb,
  type LevelStatus,
  type QeIdentity,
  type SignedJson,
  type TcbInfo,
} from './tdx-collateral';
import { decodePckExtension, orderChain, type OrderedChain } from './tdx-pck';
import { ATT_KEY_ECDSA_P256, INTEL_QE_VENDOR_ID, TEE_TYPE_TDX, parseTdxQuote, type RawTdxQuote } from './tdx-quote';
import { EMPTY_TRUST, type TrustStore } from './trust-store';
import type { TdxPckInfo, TdxPolicy, TdxQuoteFields, TdxTcbStatus, TdxTcbSummary, TdxVerdict } from './types';

export interface TdxCollateral {
  /** PCS TCB info response body: {"tcbInfo":{…},"signature":"…"} (raw text; the signature covers its bytes). */
  tcbInfo: Uint8Array | string;
  /** PCS TD QE identity response body: {"enclaveIdentity":{…},"signature":"…"}. */
  qeIdentity: Uint8Array | string;
  /** TCB-Info-Issuer-Chain: Intel SGX TCB Signing certificate and root (PEM). */
  tcbSigningChain: Uint8Array | string;
  /** PCK CRL (DER or PEM) from the PCK's issuing CA. */
  pckCrl: Uint8Array | string;
  /** Intel SGX Root CA CRL (DER or PEM). */
  rootCaCrl: Uint8Array | string;
  /** SGX-PCK-CRL-Issuer-Chain (optional: the quote already carries the PCK CA). */
  pckCrlIssuerChain?: Uint8Array | string;
}

export interface TdxVerifyOptions {
  at?: Date | string;
  policy?: TdxPolicy;
  collateral?: Partial<TdxCollateral>;
  /** The Intel root to use when the quote does not embed it; used only when pinned. */
  root?: Uint8Array | string;
  trust?: TrustStore;
  cache?: ChainCache;
  /** Intel root fingerprint; the production pin unless a test supplies its own. */
  intelRootPin?: string;
}

const REQUIRED_COLLATERAL = ['tcbInfo', 'qeIdentity', 'tcbSigningChain', 'pckCrl', 'rootCaCrl'] as const;
const DEFAULT_ACCEPTED: TdxTcbStatus[] = ['UpToDate'];

function emptyVerdict(at: Date | null, f: Findings): TdxVerdict {
  return {
    kind: 'tdx',
    verdict: 'reject',
    reasons: f.reasons,
    checks: f.checks,
    at: at ? at.toISOString() : '',
    fields: null,
    product: null,
    signer: null,
    tcb: null,
  };
}

export function verifyTdxQuote(quote: Uint8Array, options: TdxVerifyOptions = {}): TdxVerdict {
  const at = resolveAt(options.at);
  const f = new Findings();
  if (!at) {
    f.fail('malformed', 'the verification time is not a valid ISO-8601 instant');
    return emptyVerdict(null, f);
  }
  try {
    return verifyInner(quote instanceof Uint8Array ? quote : new Uint8Array(0), options, at);
  } catch (err) {
    const g = new Findings();
    g.fail('internal', `verifier failure: ${errorMessage(err)}`);
    return emptyVerdict(at, g);
  }
}

function p1363Verify(hash: 'sha256', data: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  try {
    return cryptoVerify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false;
  }
}

export function quoteFields(q: RawTdxQuote, chain: ParsedCert[], pck: TdxPckInfo | null): TdxQuoteFields {
  return {
    header: q.header,
    bodyType: q.bodyType,
    body: q.body,
    signedLength: q.signed.length,
    signatureDataLength: q.signatureDataLength,
    trailingBytes: q.trailingBytes,
    signature: toHex(q.signature),
    attestationKey: toHex(q.attestationKey),
    certificationDataType: q.certificationDataType,
    qeReport: q.qeReport,
    qeReportSignature: toHex(q.qeReportSignature),
    qeAuthData: toHex(q.qeAuthData),
    pckChainType: q.pckChainType,
    pckChainEncoding: q.pckChainBytes[0] === 0x30 ? 'der' : 'pem',
    pckChain: chain.map(summarise),
    pck,
  };
}

function verifyInner(bytes: Uint8Array, options: TdxVerifyOptions, at: Date): TdxVerdict {
  const f = new Findings();
  const cache = options.cache ?? new ChainCache();
  const pin = options.intelRootPin ?? INTEL_SGX_ROOT_PIN;
  const policy = options.policy ?? {};
  const trust = options.trust ?? EMPTY_TRUST;

  let q: RawTdxQuote;
  try {
    q = parseTdxQuote(bytes);
  } catch (err) {
    f.fail(codeFor(err), `quote: ${errorMessage(err)}`);
    return emptyVerdict(at, f);
  }

  // ---- header ----------------------------------------------------------------
  f.check('att_key_type_is_p256', q.header.attestationKeyType === ATT_KEY_ECDSA_P256, 'format', `attestation key type ${q.header.attestationKeyType} is not ECDSA P-256 (2)`);
  f.check('tee_is_tdx', q.header.teeType === TEE_TYPE_TDX, 'format', `TEE type 0x${q.header.teeType.toString(16)} is not TDX (0x81)`);
  f.check('qe_vendor_is_intel', q.header.qeVendorId === INTEL_QE_VENDOR_ID, 'format', `QE vendor ${q.header.qeVendorId} is not Intel`);

  // ---- quote signature by the attestation key ----------------------------------------
  let attKey: KeyObject | null = null;
  try {
    attKey = ecPublicKeyFromXY(q.attestationKey, 'P-256');
  } catch {
    attKey = null;
  }
  f.check('attestation_key_valid', attKey !== null, 'signature', 'the attestation key is not a valid P-256 point');
  f.check('quote_signature', attKey !== null && p1363Verify('sha256', q.signed, attKey, q.signature), 'signature', 'the quote signature does not verify with the attestation key');

  // ---- PCK chain --------------------------------------------------------------------
  let certs: ParsedCert[] = [];
  let chain: OrderedChain | null = null;
  let pck: TdxPckInfo | null = null;
  try {
    certs = cache.parsed('certs', q.pckChainBytes, loadCertificates);
    chain = orderChain(certs);
  } catch (err) {
    f.fail(codeFor(err), `PCK chain: ${errorMessage(err)}`);
  }
  let root: ParsedCert | null = null;
  if (chain) {
    const { leaf, intermediate } = chain;
    root = resolveRoot(f, cache, chain, options.root, trust, pin);
    try {
      pck = cache.memo('pck-ext', leaf.fingerprint256, () => decodePckExtension(leaf));
    } catch (err) {
      f.fail(codeFor(err), `PCK certificate: ${errorMessage(err)}`);
    }
    f.check('pck_key_is_p256', curveOf(leaf.publicKey) === 'prime256v1', 'chain', 'the PCK key is not an ECDSA P-256 key');
    f.check('pck_signed_by_intermediate', intermediate !== null && cache.signed(leaf, intermediate), 'chain', 'the PCK certificate is not signed by its CA in the chain');
    f.check('intermediate_is_ca', intermediate?.isCa === true, 'chain', `${intermediate?.subjectCn ?? 'the PCK CA'} is not a CA certificate`);
    if (root && intermediate) {
      f.check('intermediate_signed_by_root', cache.signed(intermediate, root), 'chain', `${intermediate.subjectCn ?? 'the PCK CA'} is not signed by the root`);
      f.check('root_self_signed', cache.signed(root, root), 'chain', 'the root is not validly self-signed');
    } else {
      f.record('intermediate_signed_by_root', false);
      f.record('root_self_signed', false);
    }
    for (const [label, c] of [
      ['pck', leaf],
      ['intermediate', intermediate],
      ['root', root],
    ] as const) {
      if (c) f.check(`${label}_valid_at`, validAt(c, at), 'cert-validity', `${c.subjectCn ?? label} is valid ${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()}, not at ${at.toISOString()}`);
    }

    // ---- QE report ------------------------------------------------------------------
    f.check('qe_report_signature', p1363Verify('sha256', q.qeReportBytes, leaf.publicKey, q.qeReportSignature), 'qe-report', 'the QE report signature does not verify with the PCK key');
  } else {
    for (const c of ['pck_signed_by_intermediate', 'intermediate_signed_by_root', 'root_self_signed', 'embedded_root_equals_pinned', 'qe_report_signature']) f.record(c, false);
  }
  // Without this binding any key could have signed the TD report: the QE vouches only for this one.
  const binding = createHash('sha256').update(q.attestationKey).update(q.qeAuthData).digest();
  const rd = q.qeReportBytes.subarray(320, 384);
  f.check(
    'qe_report_data_binds_att_key',
    bytesEqual(rd.subarray(0, 32), binding) && allZero(rd, 32),
    'qe-report',
    'the QE report does not bind the attestation key (REPORTDATA ≠ SHA-256(attestation key ‖ QE auth data) ‖ zeros)',
  );

  // ---- collateral -------------------------------------------------------------------
  const col = options.collateral ?? {};
  const present = REQUIRED_COLLATERAL.filter((k) => col[k] !== undefined);
  const complete = present.length === REQUIRED_COLLATERAL.length;
  let tcb: TdxTcbSummary = {
    teeTcbSvn: q.body.teeTcbSvn,
    pck,
    status: null,
    platformStatus: null,
    moduleStatus: null,
    moduleIdentity: null,
    qeStatus: null,
    tcbDate: null,
    advisoryIds: [],
    collateral: null,
  };
  if (present.length === 0) {
    f.fail('collateral-missing', 'no collateral (TCB info, QE identity, CRLs) was supplied: the TCB status is unknown');
  } else if (!complete) {
    const missing = REQUIRED_COLLATERAL.filter((k) => col[k] === undefined);
    f.fail('collateral', `incomplete collateral: missing ${missing.join(', ')}`);
  } else {
    tcb = evaluateCollateral(f, cache, col as TdxCollateral, q, chain, root, pck, pin, at, policy, tcb);
  }

  // ---- policy -------------------------------------------------------------------
  tdxPolicy(f, q, policy);

  return {
    kind: 'tdx',
    verdict: f.verdict(complete),
    reasons: f.reasons,
    checks: f.checks,
    at: at.toISOString(),
    fields: quoteFields(q, chain ? [chain.leaf, chain.intermediate, chain.root].filter((c): c is ParsedCert => c !== null) : certs, pck),
    product: 'TDX',
    signer: chain ? { key: 'PCK', certificate: summarise(chain.leaf), intermediate: chain.intermediate ? summarise(chain.intermediate) : null, root: root ? summarise(root) : null } : null,
    tcb,
  };
}

/**
 * The root for the PCK chain: the embedded one, else a supplied or trust-folder
 * root. Whatever it is, it anchors only if its fingerprint is the pin — Intel's
 * QVL test root carries the very same subject name.
 */
function resolveRoot(f: Findings, cache: ChainCache, chain: OrderedChain, input: Uint8Array | string | undefined, trust: TrustStore, pin: string): ParsedCert | null {
  let supplied: ParsedCert | null = null;
  if (input !== undefined) {
    try {
      const certs = cache.parsed('certs', asBytes(input), loadCertificates);
      supplied = certs.length === 1 ? (certs[0] as ParsedCert) : null;
      if (!supplied) f.fail('malformed', `root: expected one certificate, found ${certs.length}`);
    } catch (err) {
      f.fail(codeFor(err), `root: ${errorMessage(err)}`);
    }
    if (supplied && supplied.fingerprint256 !== pin) {
      f.fail('root-not-pinned', `the supplied root "${supplied.subjectCn ?? '?'}" (SHA-256 ${supplied.fingerprint256}) is not the pinned Intel SGX Root CA`);
    }
  }
  const root = chain.root ?? supplied ?? trust.certs.find((c) => c.fingerprint256 === pin) ?? null;
  if (!root) {
    f.fail('roots-missing', 'the quote does not embed the Intel root and none was supplied');
    f.record('embedded_root_equals_pinned', false);
    return null;
  }
  f.check(
    'embedded_root_equals_pinned',
    root.fingerprint256 === pin,
    'root-not-pinned',
    `the chain's root "${root.subjectCn ?? '?'}" (SHA-256 ${root.fingerprint256}) is not the pinned Intel SGX Root CA (a look-alike with the same name is not Intel's)`,
  );
  if (supplied && chain.root && supplied.fingerprint256 !== chain.root.fingerprint256) {
    f.fail('root-not-pinned', 'the supplied root differs from the root embedded in the quote');
  }
  return root;
}

function loadSigned(f: Findings, input: Uint8Array | string, key: 'tcbInfo' | 'enclaveIdentity', label: string): SignedJson | null {
  try {
    return parseSignedJson(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'), key);
  } catch (err) {
    f.fail('collateral', `${label}: ${errorMessage(err)}`);
    return null;
  }
}

function parseCrlInput(f: Findings, cache: ChainCache, input: Uint8Array | string, label: string): ParsedCrl | null {
  try {
    const crls = cache.parsed('crls', asBytes(input), loadCrls);
    if (crls.length !== 1) throw new Error(`expected one CRL, found ${crls.length}`);
    return crls[0] as ParsedCrl;
  } catch (err) {
    f.fail('crl', `${label}: ${errorMessage(err)}`);
    return null;
  }
}

function evaluateCollateral(
  f: Findings,
  cache: ChainCache,
  col: TdxCollateral,
  q: RawTdxQuote,
  chain: OrderedChain | null,
  quoteRoot: ParsedCert | null,
  pck: TdxPckInfo | null,
  pin: string,
  at: Date,
  policy: TdxPolicy,
  tcb: TdxTcbSummary,
): TdxTcbSummary {
  // ---- TCB signing chain ---------------------------------------------------------
  let signing: ParsedCert | null = null;
  let root: ParsedCert | null = quoteRoot && quoteRoot.fingerprint256 === pin ? quoteRoot : null;
  try {
    const certs = cache.parsed('certs', asBytes(col.tcbSigningChain), loadCertificates);
    signing = certs.find((c) => !sameName(c.issuerDer, c.subjectDer)) ?? null;
    const chainRoot = certs.find((c) => sameName(c.issuerDer, c.subjectDer)) ?? null;
    if (chainRoot && chainRoot.fingerprint256 !== pin) f.fail('root-not-pinned', `the TCB signing chain's root (SHA-256 ${chainRoot.fingerprint256}) is not the pinned Intel SGX Root CA`);
    if (chainRoot && chainRoot.fingerprint256 === pin) root = chainRoot;
    if (!signing) f.fail('collateral', 'the TCB signing chain has no TCB Signing certificate');
  } catch (err) {
    f.fail('collateral', `TCB signing chain: ${errorMessage(err)}`);
  }
  const signingOk = f.check('tcb_signing_cert_signed_by_root', signing !== null && root !== null && cache.signed(signing, root), 'collateral', 'the TCB Signing certificate is not signed by the pinned Intel root');
  if (signing) {
    f.check('tcb_signing_valid_at', validAt(signing, at), 'cert-validity', `${signing.subjectCn ?? 'the TCB Signing certificate'} is valid ${signing.notBefore.toISOString()} .. ${signing.notAfter.toISOString()}, not at ${at.toISOString()}`);
  }

  // ---- TCB info and QE identity ------------------------------------------------------------
  const tiSigned = loadSigned(f, col.tcbInfo, 'tcbInfo', 'TCB info');
  const qiSigned = loadSigned(f, col.qeIdentity, 'enclaveIdentity', 'QE identity');
  const sigOk = (s: SignedJson | null) => s !== null && signing !== null && signingOk && p1363Verify('sha256', Buffer.from(s.raw, 'utf8'), signing.publicKey, s.signature);
  f.check('tcbinfo_signature', sigOk(tiSigned), 'collateral', 'the TCB info signature does not verify with the TCB Signing key');
  f.check('qeidentity_signature', sigOk(qiSigned), 'collateral', 'the QE identity signature does not verify with the TCB Signing key');
  let info: TcbInfo | null = null;
  let qeId: QeIdentity | null = null;
  if (tiSigned) {
    const r = TcbInfoSchema.safeParse(JSON.parse(tiSigned.raw));
    if (r.success) info = r.data;
    else f.fail('collateral', `TCB info: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? 'invalid'}`.trim());
  }
  if (qiSigned) {
    const r = QeIdentitySchema.safeParse(JSON.parse(qiSigned.raw));
    if (r.success) qeId = r.data;
    else f.fail('collateral', `QE identity: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? 'invalid'}`.trim());
  }
  const fresh = (label: string, check: string, issue: string, next: string) =>
    f.check(check, Date.parse(issue) <= at.getTime() && at.getTime() <= Date.parse(next), 'collateral', `the ${label} is current ${issue} .. ${next}, not at ${at.toISOString()}`);
  if (info) fresh('TCB info', 'tcbinfo_current', info.issueDate, info.nextUpdate);
  if (qeId) fresh('QE identity', 'qeidentity_current', qeId.issueDate, qeId.nextUpdate);

  // ---- CRLs --------------------------------------------------------------------------------
  const intermediate = chain?.intermediate ?? null;
  const rootCrl = parseCrlInput(f, cache, col.rootCaCrl, 'root CA CRL');
  if (rootCrl) {
    const signed = f.check('root_crl_signed_by_root', root !== null && cache.memo('crl-sig', `${rootCrl.fingerprint256}<${root.fingerprint256}`, () => crlSignedBy(rootCrl, root as ParsedCert)), 'crl', 'the root CA CRL is not signed by the pinned Intel root');
    f.check('root_crl_current', crlCurrentAt(rootCrl, at), 'crl', `the root CA CRL is current ${rootCrl.thisUpdate.toISOString()} .. ${rootCrl.nextUpdate?.toISOString() ?? '-'}, not at ${at.toISOString()}`);
    if (signed) {
      if (intermediate) f.check('intermediate_not_revoked', !rootCrl.revoked.has(intermediate.serial), 'revoked', `${intermediate.subjectCn ?? 'the PCK CA'} (serial ${intermediate.serial}) is revoked`);
      if (signing) f.check('tcb_signing_not_revoked', !rootCrl.revoked.has(signing.serial), 'revoked', `the TCB Signing certificate (serial ${signing.serial}) is revoked`);
    }
  }
  const pckCrl = parseCrlInput(f, cache, col.pckCrl, 'PCK CRL');
  if (pckCrl && chain) {
    const signed = f.check(
      'pck_crl_signed_by_intermediate',
      intermediate !== null && cache.memo('crl-sig', `${pckCrl.fingerprint256}<${intermediate.fingerprint256}`, () => crlSignedBy(pckCrl, intermediate)),
      'crl',
      `the PCK CRL (issuer "${pckCrl.issuerCn ?? '?'}") is not signed by the PCK's issuing CA`,
    );
    f.check('pck_crl_current', crlCurrentAt(pckCrl, at), 'crl', `the PCK CRL is current ${pckCrl.thisUpdate.toISOString()} .. ${pckCrl.nextUpdate?.toISOString() ?? '-'}, not at ${at.toISOString()}`);
    if (signed) f.check('pck_not_revoked', !pckCrl.revoked.has(chain.leaf.serial), 'revoked', `the PCK certificate (serial ${chain.leaf.serial}) is revoked`);
  }
  if (col.pckCrlIssuerChain !== undefined) {
    // The quote already carries the PCK CA; the issuer chain must name the same CA, anchored at the pin.
    try {
      const certs = cache.parsed('certs', asBytes(col.pckCrlIssuerChain), loadCertificates);
      const ca = certs.find((c) => !sameName(c.issuerDer, c.subjectDer));
      const ok = ca !== undefined && intermediate !== null && ca.fingerprint256 === intermediate.fingerprint256 && root !== null && cache.signed(ca, root);
      f.check('pck_crl_issuer_chain_ok', ok, 'collateral', "the PCK CRL issuer chain does not hold the quote's PCK CA under the pinned root");
    } catch (err) {
      f.fail('collateral', `PCK CRL issuer chain: ${errorMessage(err)}`);
    }
  }

  // ---- TCB status -------------------------------------------------------------------------
  const out: TdxTcbSummary = { ...tcb };
  if (info) {
    out.collateral = {
      tcbInfoIssueDate: info.issueDate,
      tcbInfoNextUpdate: info.nextUpdate,
      qeIdentityIssueDate: qeId?.issueDate ?? '',
      qeIdentityNextUpdate: qeId?.nextUpdate ?? '',
      tcbEvaluationDataNumber: info.tcbEvaluationDataNumber,
    };
  }
  if (info && pck) {
    f.check('tcbinfo_fmspc_matches_pck', info.fmspc.toLowerCase() === pck.fmspc, 'collateral', `the TCB info is for FMSPC ${info.fmspc}, the PCK is ${pck.fmspc}`);
    f.check('tcbinfo_pceid_matches_pck', info.pceId.toLowerCase() === pck.pceId, 'collateral', `the TCB info is for PCE-ID ${info.pceId}, the PCK is ${pck.pceId}`);
    f.check(
      'mrsignerseam_matches_tcbinfo',
      moduleIdentityMatches(info, null, q.body.mrSignerSeam, q.body.seamAttributes),
      'tcb-status',
      'MRSIGNERSEAM / SEAMATTRIBUTES do not match the TDX module in the TCB info',
    );
    const plat = platformTcb(info, pck, q.body.teeTcbSvn);
    out.platformStatus = plat.status;
    out.moduleIdentity = plat.moduleIdentity;
    out.moduleStatus = plat.moduleStatus;
    out.tcbDate = plat.tcbDate;
    out.advisoryIds = plat.advisoryIds;
    if (plat.moduleProblem) f.fail('tcb-status', plat.moduleProblem);
    if (plat.moduleIdentity && !plat.moduleProblem) {
      f.check('module_identity_matches', moduleIdentityMatches(info, plat.moduleIdentity, q.body.mrSignerSeam, q.body.seamAttributes), 'tcb-status', `MRSIGNERSEAM / SEAMATTRIBUTES do not match ${plat.moduleIdentity}`);
    }
    let status: LevelStatus = converge(plat.status, plat.moduleStatus);
    if (qeId) {
      const qe = qeTcb(qeId, q.qeReport);
      f.check('qe_mrsigner_matches_identity', qe.mrSignerOk, 'qe-report', 'the QE MRSIGNER is not the one in the QE identity');
      f.check('qe_isvprodid_matches_identity', qe.isvProdIdOk, 'qe-report', 'the QE ISVPRODID is not the one in the QE identity');
      f.check('qe_miscselect_matches_identity', qe.miscSelectOk, 'qe-report', 'the QE MISCSELECT does not match the QE identity');
      f.check('qe_attributes_match_identity', qe.attributesOk, 'qe-report', 'the QE ATTRIBUTES do not match the QE identity');
      out.qeStatus = qe.status;
      out.advisoryIds = [...new Set([...out.advisoryIds, ...qe.advisoryIds])];
      status = converge(status, qe.status);
    }
    out.status = status;
    const accepted = policy.acceptedTcbStatuses ?? DEFAULT_ACCEPTED;
    if (status === 'NoMatchingTcbLevel') f.check('tcb_status_acceptable', false, 'tcb-status', 'no TCB level in the TCB info matches this platform: TCB not supported');
    else f.check('tcb_status_acceptable', (accepted as string[]).includes(status), 'tcb-status', `TCB status ${status} is not accepted (accepted: ${accepted.join(', ')})`);
  }
  return out;
}

function tdxPolicy(f: Findings, q: RawTdxQuote, policy: TdxPolicy): void {
  f.check('td_debug_clear', !q.body.tdAttributes.debug || policy.allowDebug === true, 'policy-debug', 'TDATTRIBUTES.DEBUG is set: the host can read and change the TD');
  if (policy.mrTd && policy.mrTd.length > 0) {
    const allowed = policy.mrTd.map((m) => normaliseHex(m, 48));
    f.check('policy_mrtd_allowed', allowed.includes(q.body.mrTd), 'policy-measurement', `MRTD ${q.body.mrTd} is not in the allowed list`);
  }
  for (const [idx, want] of Object.entries(policy.rtmr ?? {})) {
    const i = Number(idx) as 0 | 1 | 2 | 3;
    if (want === undefined) continue;
    const n = normaliseHex(want, 48);
    f.check(`policy_rtmr${i}`, n !== null && n === q.body.rtmr[i], 'policy-field', `RTMR${i} ${q.body.rtmr[i] ?? '?'} does not equal the expected value`);
  }
  const exact = (check: string, label: string, actual: string, want: string | undefined) => {
    if (want === undefined) return;
    const n = normaliseHex(want, 48);
    f.check(check, n !== null && n === actual, 'policy-field', `${label} ${actual} does not equal the expected value`);
  };
  exact('policy_mrconfigid', 'MRCONFIGID', q.body.mrConfigId, policy.mrConfigId);
  exact('policy_mrowner', 'MROWNER', q.body.mrOwner, policy.mrOwner);
  exact('policy_mrownerconfig', 'MROWNERCONFIG', q.body.mrOwnerConfig, policy.mrOwnerConfig);
  if (policy.reportData !== undefined) {
    const want = normaliseHex(policy.reportData, 64, true);
    f.check('policy_report_data', want !== null && want === q.body.reportData, 'policy-report-data', 'REPORTDATA does not equal the expected value (nonce binding failed)');
  }
}

/** Decodes a quote for display (`cairn attest show`); throws MalformedError when it does not parse. */
export function decodeTdxQuote(bytes: Uint8Array): TdxQuoteFields {
  const q = parseTdxQuote(bytes);
  let certs: ParsedCert[] = [];
  let pck: TdxPckInfo | null = null;
  try {
    certs = loadCertificates(q.pckChainBytes);
    const chain = orderChain(certs);
    certs = [chain.leaf, chain.intermediate, chain.root].filter((c): c is ParsedCert => c !== null);
    pck = decodePckExtension(chain.leaf);
  } catch {
    // The chain is shown as far as it parses; `verify` reports what is wrong with it.
  }
  return quoteFields(q, certs, pck);
}
