/**
 * The attestation verifier's vocabulary: the verdict object every verification
 * returns (plain, JSON-able data), the closed set of reason codes, the decoded
 * field shapes of SEV-SNP reports and TDX quotes, and the relying-party
 * policies. No logic lives here.
 */

export const REASON_CODES = [
  /** Evidence bytes (report, quote, certificate, CRL) do not parse, or use a version we do not support. */
  'malformed',
  /** Reserved / must-be-zero fields, POLICY bit 17, SIGNATURE_ALGO, TEE or key type, QE vendor. */
  'format',
  /** Product (Milan/Genoa/Turin) unknown, or report, certificates and roots disagree about it. */
  'product',
  /** No pinned root or intermediate is available (neither in the evidence nor in the trust folder). */
  'roots-missing',
  /** A supplied root or intermediate is not one of the pinned certificates (fingerprint mismatch). */
  'root-not-pinned',
  /** A certificate signature, issuer name, key type or CA flag in a chain is wrong. */
  'chain',
  /** A certificate is not valid at the verification time. */
  'cert-validity',
  /** A certificate in the chain is listed on a CRL. */
  'revoked',
  /** A CRL is unusable: bad signature, wrong issuer, or not current at the verification time. */
  'crl',
  /** VCEK/VLEK confusion: the report's SIGNING_KEY, the VEK's name and the intermediate disagree. */
  'signer-mismatch',
  /** The report or quote signature does not verify (or its encoding is invalid). */
  'signature',
  /** REPORTED_TCB does not equal the TCB the VCEK/VLEK was issued for. */
  'tcb-mismatch',
  /** CHIP_ID does not match the VCEK's hwID (or is masked and the policy needs it). */
  'chip-id',
  /** TDX: the QE report signature, its binding of the attestation key, or the QE identity fails. */
  'qe-report',
  /** TDX collateral (TCB info, QE identity, signing chain) is invalid, stale or for another platform. */
  'collateral',
  /** TDX: the computed TCB status is not acceptable, or no TCB level matches. */
  'tcb-status',
  /** TDX without collateral: signature and chain hold but the TCB status is unknown (informational). */
  'collateral-missing',
  'policy-debug',
  'policy-tcb',
  'policy-measurement',
  'policy-report-data',
  'policy-vmpl',
  'policy-smt',
  'policy-migration',
  'policy-key-digest',
  /** Another exact-match policy field (HOST_DATA, FAMILY_ID, IMAGE_ID, MRCONFIGID, RTMRs, …). */
  'policy-field',
  /** The verifier itself failed; always a rejection, never expected. */
  'internal',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  message: string;
}

export type VerdictKind = 'accept' | 'reject' | 'accept-signature-and-chain';

export type SnpProduct = 'Milan' | 'Genoa' | 'Turin';
export const SNP_PRODUCTS: readonly SnpProduct[] = ['Milan', 'Genoa', 'Turin'];

// ---- SEV-SNP fields ----------------------------------------------------------

export type TcbLayout = 'milan-genoa' | 'turin' | 'unknown';

export interface SnpTcb {
  /** The 8 bytes as stored (little-endian field), hex. */
  raw: string;
  layout: TcbLayout;
  /** Component SPLs; absent when the layout is unknown (decoding with a guessed layout gives garbage). */
  bootloader?: number;
  tee?: number;
  snp?: number;
  microcode?: number;
  /** Turin only. */
  fmc?: number;
}

export interface SnpGuestPolicy {
  raw: string;
  abiMinor: number;
  abiMajor: number;
  smtAllowed: boolean;
  reservedBit17: boolean;
  migrateMaAllowed: boolean;
  debugAllowed: boolean;
  singleSocket: boolean;
  cxlAllowed: boolean;
  memAes256Xts: boolean;
  raplDis: boolean;
  ciphertextHiding: boolean;
  pageSwapDisable: boolean;
  /** Bits 26..63 (must be zero). */
  reservedBitsSet: boolean;
}

export interface SnpPlatformInfo {
  raw: string;
  smtEnabled: boolean;
  tsmeEnabled: boolean;
  eccEnabled: boolean;
  raplDisabled: boolean;
  ciphertextHidingEnabled: boolean;
  aliasCheckComplete: boolean;
  tioEnabled: boolean;
}

export type SnpSigningKey = 'VCEK' | 'VLEK' | 'none' | 'reserved';

export interface SnpKeyInfo {
  raw: string;
  authorKeyEn: boolean;
  maskChipKey: boolean;
  signingKey: SnpSigningKey;
  signingKeyValue: number;
  /** Bits 5..31 (must be zero). */
  reservedBitsSet: boolean;
}

export interface SnpFirmwareVersion {
  major: number;
  minor: number;
  build: number;
}

export interface SnpReportFields {
  version: number;
  guestSvn: number;
  policy: SnpGuestPolicy;
  familyId: string;
  imageId: string;
  vmpl: number;
  signatureAlgo: number;
  currentTcb: SnpTcb;
  platformInfo: SnpPlatformInfo;
  keyInfo: SnpKeyInfo;
  reportData: string;
  measurement: string;
  hostData: string;
  idKeyDigest: string;
  authorKeyDigest: string;
  reportId: string;
  reportIdMa: string;
  /** REPORT_ID_MA is all 0xFF: no migration agent is bound to this guest. */
  noMigrationAgent: boolean;
  reportedTcb: SnpTcb;
  /** v3+ only; null for v2. */
  cpuid: { family: number; model: number; stepping: number } | null;
  chipId: string;
  committedTcb: SnpTcb;
  currentFirmware: SnpFirmwareVersion;
  committedFirmware: SnpFirmwareVersion;
  launchTcb: SnpTcb;
  /** v5 only; null before. */
  launchMitVector: string | null;
  currentMitVector: string | null;
  /** r and s as big-endian hex (the report stores them little-endian). */
  signature: { r: string; s: string };
  /** Product from CPUID (v3+), null for v2 or an unknown family/model. */
  productFromCpuid: SnpProduct | null;
  /** Product used to decode the TCB fields (CPUID, else the caller's hint from the VEK). */
  product: SnpProduct | null;
}

export interface SnpVekExtensions {
  structVersion: number | null;
  productName: string | null;
  blSPL: number | null;
  teeSPL: number | null;
  snpSPL: number | null;
  ucodeSPL: number | null;
  fmcSPL: number | null;
  /** hex; VCEK only. */
  hwId: string | null;
  hwIdEncoding: 'raw' | 'octet-string' | null;
  /** VLEK only. */
  cspId: string | null;
}

export interface CertSummary {
  subject: string | null;
  issuer: string | null;
  serial: string;
  notBefore: string;
  notAfter: string;
  fingerprint256: string;
}

export interface SnpSigner {
  key: 'VCEK' | 'VLEK';
  certificate: CertSummary;
  extensions: SnpVekExtensions;
  intermediate: CertSummary | null;
  root: CertSummary | null;
}

export interface SnpTcbSummary {
  reported: SnpTcb;
  current: SnpTcb;
  committed: SnpTcb;
  launch: SnpTcb;
  /** The TCB in the VCEK/VLEK extensions, decoded to the same components. */
  vek: { bootloader: number | null; tee: number | null; snp: number | null; microcode: number | null; fmc: number | null } | null;
}

// ---- TDX fields ----------------------------------------------------------------

export interface TdxTdAttributes {
  raw: string;
  debug: boolean;
  septVeDisable: boolean;
  pks: boolean;
  kl: boolean;
  perfmon: boolean;
}

export interface TdxBody {
  type: 'td10' | 'td15';
  size: number;
  teeTcbSvn: string;
  mrSeam: string;
  mrSignerSeam: string;
  seamAttributes: string;
  tdAttributes: TdxTdAttributes;
  xfam: string;
  mrTd: string;
  mrConfigId: string;
  mrOwner: string;
  mrOwnerConfig: string;
  rtmr: [string, string, string, string];
  reportData: string;
  teeTcbSvn2: string | null;
  mrServiceTd: string | null;
}

export interface TdxQeReport {
  cpuSvn: string;
  miscSelect: number;
  attributes: string;
  mrEnclave: string;
  mrSigner: string;
  isvProdId: number;
  isvSvn: number;
  reportData: string;
}

export interface TdxPckInfo {
  fmspc: string;
  pceId: string;
  pceSvn: number;
  cpuSvn: string;
  sgxTcbComponents: number[];
  sgxType: number | null;
}

export interface TdxQuoteFields {
  header: {
    version: number;
    attestationKeyType: number;
    teeType: number;
    /** Bytes 8..9 and 10..11 (zero in every sample; informational). */
    svnFields: [number, number];
    qeVendorId: string;
    userData: string;
  };
  /** v5: the body type word (1 SGX, 2 TD 1.0, 3 TD 1.5); v4: null. */
  bodyType: number | null;
  body: TdxBody;
  signedLength: number;
  signatureDataLength: number;
  trailingBytes: number;
  signature: string;
  attestationKey: string;
  certificationDataType: number;
  qeReport: TdxQeReport;
  qeReportSignature: string;
  qeAuthData: string;
  pckChainType: number;
  pckChainEncoding: 'pem' | 'der';
  pckChain: CertSummary[];
  pck: TdxPckInfo | null;
}

export type TdxTcbStatus =
  | 'UpToDate'
  | 'SWHardeningNeeded'
  | 'ConfigurationNeeded'
  | 'ConfigurationAndSWHardeningNeeded'
  | 'OutOfDate'
  | 'OutOfDateConfigurationNeeded'
  | 'Revoked';

export interface TdxTcbSummary {
  teeTcbSvn: string;
  pck: TdxPckInfo | null;
  /** Null when no collateral was supplied (TCB status unknown). */
  status: TdxTcbStatus | 'NoMatchingTcbLevel' | null;
  platformStatus: TdxTcbStatus | 'NoMatchingTcbLevel' | null;
  moduleStatus: TdxTcbStatus | null;
  moduleIdentity: string | null;
  qeStatus: TdxTcbStatus | 'NoMatchingTcbLevel' | null;
  tcbDate: string | null;
  advisoryIds: string[];
  collateral: { tcbInfoIssueDate: string; tcbInfoNextUpdate: string; qeIdentityIssueDate: string; qeIdentityNextUpdate: string; tcbEvaluationDataNumber: number } | null;
}

export interface TdxSigner {
  key: 'PCK';
  certificate: CertSummary;
  intermediate: CertSummary | null;
  root: CertSummary | null;
}

// ---- Verdicts ------------------------------------------------------------------

interface VerdictBase {
  verdict: VerdictKind;
  reasons: Reason[];
  checks: Record<string, boolean>;
  /** The verification time used for validity and freshness (ISO-8601, UTC). */
  at: string;
}

export interface SnpVerdict extends VerdictBase {
  kind: 'sev-snp';
  fields: SnpReportFields | null;
  product: SnpProduct | null;
  signer: SnpSigner | null;
  tcb: SnpTcbSummary | null;
}

export interface TdxVerdict extends VerdictBase {
  kind: 'tdx';
  fields: TdxQuoteFields | null;
  product: 'TDX' | null;
  signer: TdxSigner | null;
  tcb: TdxTcbSummary | null;
}

export type Verdict = SnpVerdict | TdxVerdict;

// ---- Policies -------------------------------------------------------------------

export interface SnpMinTcb {
  bootloader?: number;
  tee?: number;
  snp?: number;
  microcode?: number;
  /** Turin only; ignored for Milan/Genoa, which have no FMC component. */
  fmc?: number;
}

export interface SnpPolicy {
  /** Accept guests whose POLICY allows debugging. Default false: DEBUG means the host can read the guest. */
  allowDebug?: boolean;
  /** Component-wise minimum on REPORTED_TCB. */
  minTcb?: SnpMinTcb;
  /** MEASUREMENT allow-list (hex, 48 bytes). Empty or absent: any measurement. */
  measurements?: string[];
  /** Expected REPORT_DATA (hex, up to 64 bytes; shorter values are zero-padded on the right). */
  reportData?: string;
  /** Allowed VMPLs. Absent: any. */
  vmpl?: number[];
  /** Default true. False rejects guests whose POLICY allows SMT or that ran with SMT enabled. */
  allowSmt?: boolean;
  /** Default false: a migration agent can export the guest's memory. */
  allowMigrationAgent?: boolean;
  /** Default false: with MASK_CHIP_KEY the CHIP_ID cannot be tied to the VCEK. */
  allowMaskedChipId?: boolean;
  /** Allowed ID_KEY_DIGEST values (hex, 48 bytes). */
  idKeyDigests?: string[];
  /** Allowed AUTHOR_KEY_DIGEST values (hex, 48 bytes); requires AUTHOR_KEY_EN. */
  authorKeyDigests?: string[];
  hostData?: string;
  familyId?: string;
  imageId?: string;
  minGuestSvn?: number;
  /** Require COMMITTED_TCB == CURRENT_TCB (no provisional firmware). Default false. */
  requireCommittedTcb?: boolean;
  /** Require a current CRL for the product's ARK. Default false (revocation checked only when a CRL is supplied). */
  requireCrl?: boolean;
}

export interface TdxPolicy {
  allowDebug?: boolean;
  /** MRTD allow-list (hex, 48 bytes). */
  mrTd?: string[];
  /** Expected RTMR values by index (hex, 48 bytes); absent indices are not checked. */
  rtmr?: Partial<Record<0 | 1 | 2 | 3, string>>;
  mrConfigId?: string;
  mrOwner?: string;
  mrOwnerConfig?: string;
  reportData?: string;
  /** TCB statuses accepted when collateral is supplied. Default ['UpToDate']. */
  acceptedTcbStatuses?: TdxTcbStatus[];
}
