/**
 * The Intel TDX DCAP quote, versions 4 and 5: header, TD report body (TD 1.0
 * and TD 1.5), the ECDSA signature data with the QE report, QE auth data and
 * the embedded PCK certificate chain. Every length field is checked against the
 * bytes that remain, so a truncated or inflated quote fails as `malformed`
 * with the field named, never with an out-of-range read.
 *
 * Like the SNP decoder it does not judge values (key type, TEE type, vendor):
 * the verifier checks those and still verifies the signature, so one verdict
 * lists every problem.
 */
import { LeReader, MalformedError, toHex } from './bytes';
import type { TdxBody, TdxQeReport, TdxTdAttributes } from './types';

export const TDX_HEADER_SIZE = 48;
export const TD10_BODY_SIZE = 584;
export const TD15_BODY_SIZE = 648;
export const QE_REPORT_SIZE = 384;
export const INTEL_QE_VENDOR_ID = '939a7233f79c4ca9940a0db3957f0607';
export const TEE_TYPE_TDX = 0x81;
export const ATT_KEY_ECDSA_P256 = 2;
export const CERT_DATA_QE_REPORT = 6;
export const CERT_DATA_PCK_CHAIN = 5;

export interface RawTdxQuote {
  header: {
    version: number;
    attestationKeyType: number;
    teeType: number;
    svnFields: [number, number];
    qeVendorId: string;
    userData: string;
  };
  bodyType: number | null;
  body: TdxBody;
  /** Bytes covered by the quote signature: everything before the signature-data length. */
  signed: Uint8Array;
  signatureDataLength: number;
  trailingBytes: number;
  signature: Uint8Array;
  attestationKey: Uint8Array;
  certificationDataType: number;
  qeReportBytes: Uint8Array;
  qeReport: TdxQeReport;
  qeReportSignature: Uint8Array;
  qeAuthData: Uint8Array;
  pckChainType: number;
  pckChainBytes: Uint8Array;
}

function decodeTdAttributes(raw: Uint8Array): TdxTdAttributes {
  const bit = (n: number) => (((raw[n >> 3] as number) >> (n & 7)) & 1) === 1;
  return { raw: toHex(raw), debug: bit(0), septVeDisable: bit(28), pks: bit(30), kl: bit(31), perfmon: bit(63) };
}

function decodeBody(r: LeReader, at: number, type: 'td10' | 'td15'): TdxBody {
  const h = (off: number, len: number, what: string) => toHex(r.bytes(at + off, len, what));
  return {
    type,
    size: type === 'td10' ? TD10_BODY_SIZE : TD15_BODY_SIZE,
    teeTcbSvn: h(0, 16, 'TEE_TCB_SVN'),
    mrSeam: h(16, 48, 'MRSEAM'),
    mrSignerSeam: h(64, 48, 'MRSIGNERSEAM'),
    seamAttributes: h(112, 8, 'SEAMATTRIBUTES'),
    tdAttributes: decodeTdAttributes(r.bytes(at + 120, 8, 'TDATTRIBUTES')),
    xfam: h(128, 8, 'XFAM'),
    mrTd: h(136, 48, 'MRTD'),
    mrConfigId: h(184, 48, 'MRCONFIGID'),
    mrOwner: h(232, 48, 'MROWNER'),
    mrOwnerConfig: h(280, 48, 'MROWNERCONFIG'),
    rtmr: [h(328, 48, 'RTMR0'), h(376, 48, 'RTMR1'), h(424, 48, 'RTMR2'), h(472, 48, 'RTMR3')],
    reportData: h(520, 64, 'REPORTDATA'),
    teeTcbSvn2: type === 'td15' ? h(584, 16, 'TEE_TCB_SVN2') : null,
    mrServiceTd: type === 'td15' ? h(600, 48, 'MRSERVICETD') : null,
  };
}

export function decodeQeReport(b: Uint8Array): TdxQeReport {
  const r = new LeReader(b);
  return {
    cpuSvn: toHex(r.bytes(0, 16, 'QE CPUSVN')),
    miscSelect: r.u32(16, 'QE MISCSELECT'),
    attributes: toHex(r.bytes(48, 16, 'QE ATTRIBUTES')),
    mrEnclave: toHex(r.bytes(64, 32, 'QE MRENCLAVE')),
    mrSigner: toHex(r.bytes(128, 32, 'QE MRSIGNER')),
    isvProdId: r.u16(256, 'QE ISVPRODID'),
    isvSvn: r.u16(258, 'QE ISVSVN'),
    reportData: toHex(r.bytes(320, 64, 'QE REPORTDATA')),
  };
}

/** Parses the quote structure; throws MalformedError naming the first field that does not fit. */
export function parseTdxQuote(q: Uint8Array): RawTdxQuote {
  const r = new LeReader(q);
  const version = r.u16(0, 'quote version');
  if (version !== 4 && version !== 5) throw new MalformedError(`TDX quote version ${version} is not supported (4 or 5)`);
  const header = {
    version,
    attestationKeyType: r.u16(2, 'attestation key type'),
    teeType: r.u32(4, 'TEE type'),
    svnFields: [r.u16(8, 'header SVN'), r.u16(10, 'header SVN')] as [number, number],
    qeVendorId: toHex(r.bytes(12, 16, 'QE vendor ID')),
    userData: toHex(r.bytes(28, 20, 'user data')),
  };
  let body: TdxBody;
  let bodyType: number | null = null;
  let sigLenAt: number;
  if (version === 4) {
    body = decodeBody(r, TDX_HEADER_SIZE, 'td10');
    sigLenAt = TDX_HEADER_SIZE + TD10_BODY_SIZE;
  } else {
    bodyType = r.u16(48, 'body type');
    const size = r.u32(50, 'body size');
    const type = bodyType === 2 ? 'td10' : bodyType === 3 ? 'td15' : null;
    if (!type) throw new MalformedError(`quote body type ${bodyType} is not a TD report (2 = TD 1.0, 3 = TD 1.5)`);
    const want = type === 'td10' ? TD10_BODY_SIZE : TD15_BODY_SIZE;
    if (size !== want) throw new MalformedError(`body size ${size} does not match body type ${bodyType} (${want} bytes)`);
    body = decodeBody(r, 54, type);
    sigLenAt = 54 + size;
  }
  const sigLen = r.u32(sigLenAt, 'signature data length');
  const sd = sigLenAt + 4;
  if (sigLen > q.length - sd) throw new MalformedError(`signature data length ${sigLen} exceeds the ${q.length - sd} bytes that follow`);
  const s = new LeReader(q.subarray(sd, sd + sigLen));
  const certType = s.u16(128, 'certification data type');
  const certSize = s.u32(130, 'certification data size');
  if (certSize > sigLen - 134) throw new MalformedError(`certification data size ${certSize} exceeds the signature data`);
  if (certType !== CERT_DATA_QE_REPORT) throw new MalformedError(`certification data type ${certType} is not supported (6 = QE report)`);
  const c = new LeReader(s.bytes(134, certSize, 'certification data'));
  const qeReportBytes = c.bytes(0, QE_REPORT_SIZE, 'QE report');
  const qeReportSignature = c.bytes(384, 64, 'QE report signature');
  const authLen = c.u16(448, 'QE auth data size');
  const qeAuthData = c.bytes(450, authLen, 'QE auth data');
  const innerType = c.u16(450 + authLen, 'PCK certification data type');
  const innerSize = c.u32(452 + authLen, 'PCK certification data size');
  if (innerType !== CERT_DATA_PCK_CHAIN) throw new MalformedError(`inner certification data type ${innerType} is not supported (5 = PCK chain)`);
  const pckChainBytes = c.bytes(456 + authLen, innerSize, 'PCK certificate chain');
  return {
    header,
    bodyType,
    body,
    signed: q.subarray(0, sigLenAt),
    signatureDataLength: sigLen,
    trailingBytes: q.length - sd - sigLen,
    signature: s.bytes(0, 64, 'quote signature'),
    attestationKey: s.bytes(64, 64, 'attestation key'),
    certificationDataType: certType,
    qeReportBytes,
    qeReport: decodeQeReport(qeReportBytes),
    qeReportSignature,
    qeAuthData,
    pckChainType: innerType,
    pckChainBytes,
  };
}
