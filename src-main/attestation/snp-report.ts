/**
 * The SEV-SNP attestation report: its 1184-byte layout (versions 2, 3 and 5),
 * a total decoder for every field, the per-product TCB_VERSION layouts
 * (Turin differs from Milan/Genoa), product detection from CPUID, and the
 * format rules (reserved ranges, POLICY bit 17, signature encoding).
 *
 * The decoder never judges: any 1184-byte buffer decodes, so the verifier can
 * still check the signature of a report whose other fields are out of range and
 * report every problem at once. Offsets: AMD ABI spec 56860, ATTESTATION_REPORT.
 */
import { LeReader, MalformedError, allFF, allZero, hex64, reversed, toHex } from './bytes';
import type { SnpFirmwareVersion, SnpGuestPolicy, SnpKeyInfo, SnpPlatformInfo, SnpProduct, SnpReportFields, SnpSigningKey, SnpTcb } from './types';

export const SNP_REPORT_SIZE = 0x4a0;
/** The signature covers bytes 0x000..0x29F in every version. */
export const SNP_SIGNED_SIZE = 0x2a0;
export const SNP_SUPPORTED_VERSIONS: readonly number[] = [2, 3, 5];

export const OFF = {
  version: 0x000,
  guestSvn: 0x004,
  policy: 0x008,
  familyId: 0x010,
  imageId: 0x020,
  vmpl: 0x030,
  signatureAlgo: 0x034,
  currentTcb: 0x038,
  platformInfo: 0x040,
  keyInfo: 0x048,
  reserved04c: 0x04c,
  reportData: 0x050,
  measurement: 0x090,
  hostData: 0x0c0,
  idKeyDigest: 0x0e0,
  authorKeyDigest: 0x110,
  reportId: 0x140,
  reportIdMa: 0x160,
  reportedTcb: 0x180,
  cpuidFamId: 0x188,
  cpuidModId: 0x189,
  cpuidStep: 0x18a,
  reserved18b: 0x18b,
  chipId: 0x1a0,
  committedTcb: 0x1e0,
  currentBuild: 0x1e8,
  currentMinor: 0x1e9,
  currentMajor: 0x1ea,
  reserved1eb: 0x1eb,
  committedBuild: 0x1ec,
  committedMinor: 0x1ed,
  committedMajor: 0x1ee,
  reserved1ef: 0x1ef,
  launchTcb: 0x1f0,
  launchMitVector: 0x1f8,
  currentMitVector: 0x200,
  reserved208: 0x208,
  sigR: 0x2a0,
  sigS: 0x2e8,
  reserved330: 0x330,
} as const;

/** ECDSA P-384 components are 48 bytes in 72-byte little-endian fields. */
export const SIG_COMPONENT = 48;
export const SIG_FIELD = 72;

/**
 * Product from CPUID_FAM_ID / CPUID_MOD_ID (v3+), as mapped by virtee/sev and
 * trustee: family 0x19 models 0x00..0x0F Milan, 0x10..0x1F and 0xA0..0xAF
 * Genoa; family 0x1A models 0x00..0x11 Turin.
 */
export function productFromCpuid(family: number, model: number): SnpProduct | null {
  if (family === 0x19) {
    if (model <= 0x0f) return 'Milan';
    if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)) return 'Genoa';
    return null;
  }
  if (family === 0x1a && model <= 0x11) return 'Turin';
  return null;
}

/** Product from a VEK productName ("Milan-B0", "Genoa", "Turin") or an issuer CN ("SEV-Milan", "SEV-VLEK-Genoa"). */
export function productFromName(name: string | null): SnpProduct | null {
  if (!name) return null;
  const m = /^(?:SEV-(?:VLEK-)?)?(Milan|Genoa|Turin)(?:-[A-Za-z0-9]+)?$/.exec(name.trim());
  return (m?.[1] as SnpProduct | undefined) ?? null;
}

/**
 * TCB_VERSION by product. Milan/Genoa: byte0 BL, byte1 TEE, byte6 SNP, byte7
 * microcode. Turin: byte0 FMC, byte1 BL, byte2 TEE, byte3 SNP, byte7 microcode.
 * With no product the components are left out rather than guessed.
 */
export function decodeTcb(raw: Uint8Array, product: SnpProduct | null): SnpTcb {
  const b = (i: number) => raw[i] as number;
  const hex = toHex(raw);
  if (product === 'Turin') return { raw: hex, layout: 'turin', fmc: b(0), bootloader: b(1), tee: b(2), snp: b(3), microcode: b(7) };
  if (product === 'Milan' || product === 'Genoa') return { raw: hex, layout: 'milan-genoa', bootloader: b(0), tee: b(1), snp: b(6), microcode: b(7) };
  return { raw: hex, layout: 'unknown' };
}

function decodePolicy(v: bigint): SnpGuestPolicy {
  const bit = (n: number) => ((v >> BigInt(n)) & 1n) === 1n;
  return {
    raw: hex64(v),
    abiMinor: Number(v & 0xffn),
    abiMajor: Number((v >> 8n) & 0xffn),
    smtAllowed: bit(16),
    reservedBit17: bit(17),
    migrateMaAllowed: bit(18),
    debugAllowed: bit(19),
    singleSocket: bit(20),
    cxlAllowed: bit(21),
    memAes256Xts: bit(22),
    raplDis: bit(23),
    ciphertextHiding: bit(24),
    pageSwapDisable: bit(25),
    reservedBitsSet: v >> 26n !== 0n,
  };
}

function decodePlatformInfo(v: bigint): SnpPlatformInfo {
  const bit = (n: number) => ((v >> BigInt(n)) & 1n) === 1n;
  // Bit 6 is undefined in the public specs yet set on real Turin hosts, so unknown bits are shown, never judged.
  return {
    raw: hex64(v),
    smtEnabled: bit(0),
    tsmeEnabled: bit(1),
    eccEnabled: bit(2),
    raplDisabled: bit(3),
    ciphertextHidingEnabled: bit(4),
    aliasCheckComplete: bit(5),
    tioEnabled: bit(7),
  };
}

function decodeKeyInfo(v: number): SnpKeyInfo {
  const sk = (v >>> 2) & 0x7;
  const signingKey: SnpSigningKey = sk === 0 ? 'VCEK' : sk === 1 ? 'VLEK' : sk === 7 ? 'none' : 'reserved';
  return {
    raw: `0x${v.toString(16)}`,
    authorKeyEn: (v & 1) === 1,
    maskChipKey: (v & 2) === 2,
    signingKey,
    signingKeyValue: sk,
    reservedBitsSet: v >>> 5 !== 0,
  };
}

/**
 * Decodes every field. Throws MalformedError only when the size is not 1184
 * bytes (a 1183-byte report still carries a verifiable signature, so size is
 * checked first, never inferred). `productHint` (from the VEK) is used for the
 * TCB layout when the report has no CPUID bytes (v2) or an unknown CPUID.
 */
export function decodeSnpReport(bytes: Uint8Array, productHint: SnpProduct | null = null): SnpReportFields {
  if (bytes.length !== SNP_REPORT_SIZE) {
    throw new MalformedError(`an SEV-SNP report is exactly ${SNP_REPORT_SIZE} bytes, got ${bytes.length}`);
  }
  const r = new LeReader(bytes);
  const hex = (off: number, len: number, what: string) => toHex(r.bytes(off, len, what));
  const version = r.u32(OFF.version, 'VERSION');
  const hasCpuid = version >= 3;
  const cpuid = hasCpuid ? { family: r.u8(OFF.cpuidFamId, 'CPUID_FAM_ID'), model: r.u8(OFF.cpuidModId, 'CPUID_MOD_ID'), stepping: r.u8(OFF.cpuidStep, 'CPUID_STEP') } : null;
  const productFromCpuidValue = cpuid ? productFromCpuid(cpuid.family, cpuid.model) : null;
  const product = productFromCpuidValue ?? productHint;
  const tcb = (off: number, what: string) => decodeTcb(r.bytes(off, 8, what), product);
  const fw = (build: number, minor: number, major: number, what: string): SnpFirmwareVersion => ({
    major: r.u8(major, `${what}_MAJOR`),
    minor: r.u8(minor, `${what}_MINOR`),
    build: r.u8(build, `${what}_BUILD`),
  });
  const sigR = r.bytes(OFF.sigR, SIG_COMPONENT, 'SIGNATURE.R');
  const sigS = r.bytes(OFF.sigS, SIG_COMPONENT, 'SIGNATURE.S');
  const reportIdMa = r.bytes(OFF.reportIdMa, 32, 'REPORT_ID_MA');
  return {
    version,
    guestSvn: r.u32(OFF.guestSvn, 'GUEST_SVN'),
    policy: decodePolicy(r.u64(OFF.policy, 'POLICY')),
    familyId: hex(OFF.familyId, 16, 'FAMILY_ID'),
    imageId: hex(OFF.imageId, 16, 'IMAGE_ID'),
    vmpl: r.u32(OFF.vmpl, 'VMPL'),
    signatureAlgo: r.u32(OFF.signatureAlgo, 'SIGNATURE_ALGO'),
    currentTcb: tcb(OFF.currentTcb, 'CURRENT_TCB'),
    platformInfo: decodePlatformInfo(r.u64(OFF.platformInfo, 'PLATFORM_INFO')),
    keyInfo: decodeKeyInfo(r.u32(OFF.keyInfo, 'KEY_INFO')),
    reportData: hex(OFF.reportData, 64, 'REPORT_DATA'),
    measurement: hex(OFF.measurement, 48, 'MEASUREMENT'),
    hostData: hex(OFF.hostData, 32, 'HOST_DATA'),
    idKeyDigest: hex(OFF.idKeyDigest, 48, 'ID_KEY_DIGEST'),
    authorKeyDigest: hex(OFF.authorKeyDigest, 48, 'AUTHOR_KEY_DIGEST'),
    reportId: hex(OFF.reportId, 32, 'REPORT_ID'),
    reportIdMa: toHex(reportIdMa),
    noMigrationAgent: allFF(reportIdMa),
    reportedTcb: tcb(OFF.reportedTcb, 'REPORTED_TCB'),
    cpuid,
    chipId: hex(OFF.chipId, 64, 'CHIP_ID'),
    committedTcb: tcb(OFF.committedTcb, 'COMMITTED_TCB'),
    currentFirmware: fw(OFF.currentBuild, OFF.currentMinor, OFF.currentMajor, 'CURRENT'),
    committedFirmware: fw(OFF.committedBuild, OFF.committedMinor, OFF.committedMajor, 'COMMITTED'),
    launchTcb: tcb(OFF.launchTcb, 'LAUNCH_TCB'),
    launchMitVector: version >= 5 ? hex64(r.u64(OFF.launchMitVector, 'LAUNCH_MIT_VECTOR')) : null,
    currentMitVector: version >= 5 ? hex64(r.u64(OFF.currentMitVector, 'CURRENT_MIT_VECTOR')) : null,
    signature: { r: toHex(reversed(sigR)), s: toHex(reversed(sigS)) },
    productFromCpuid: productFromCpuidValue,
    product,
  };
}

/** Reserved and must-be-zero ranges, by version; each problem names its field. */
export function snpReservedProblems(bytes: Uint8Array, version: number): string[] {
  const out: string[] = [];
  const zero = (start: number, end: number, what: string) => {
    if (!allZero(bytes, start, end)) out.push(`${what} (0x${start.toString(16)}..0x${(end - 1).toString(16)}) is not zero`);
  };
  zero(OFF.reserved04c, OFF.reportData, 'reserved');
  zero(version >= 3 ? OFF.reserved18b : OFF.cpuidFamId, OFF.chipId, 'reserved');
  zero(OFF.reserved1eb, OFF.reserved1eb + 1, 'reserved');
  zero(OFF.reserved1ef, OFF.reserved1ef + 1, 'reserved');
  zero(version >= 5 ? OFF.reserved208 : OFF.launchMitVector, OFF.sigR, 'reserved');
  zero(OFF.reserved330, SNP_REPORT_SIZE, 'reserved signature area');
  return out;
}

/** The 96-byte r‖s (big-endian) for node's ieee-p1363 encoding, or why the encoding is invalid. */
export function snpSignatureP1363(bytes: Uint8Array): { sig: Uint8Array } | { problem: string } {
  const rField = bytes.subarray(OFF.sigR, OFF.sigR + SIG_FIELD);
  const sField = bytes.subarray(OFF.sigS, OFF.sigS + SIG_FIELD);
  // P-384 uses the low 48 bytes; anything in the upper 24 would be silently dropped by a lax converter.
  if (!allZero(rField, SIG_COMPONENT) || !allZero(sField, SIG_COMPONENT)) {
    return { problem: 'signature R or S has non-zero bytes beyond the 48 used by P-384' };
  }
  const sig = new Uint8Array(2 * SIG_COMPONENT);
  sig.set(reversed(rField.subarray(0, SIG_COMPONENT)), 0);
  sig.set(reversed(sField.subarray(0, SIG_COMPONENT)), SIG_COMPONENT);
  return { sig };
}
