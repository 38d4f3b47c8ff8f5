/**
 * AMD VCEK/VLEK certificate extensions (KDS spec 57230, arc
 * 1.3.6.1.4.1.3704.1): product name, the TCB the key was issued for, the chip
 * hwID (VCEK) and the cloud's cspID (VLEK). Also the comparison of that TCB
 * with a report's REPORTED_TCB, which has to use the product's layout.
 */
import { MalformedError, toHex } from './bytes';
import type { CertExtension } from './certificate';
import { TAG, readRoot, smallUint, stringValue } from './der';
import type { SnpProduct, SnpTcb, SnpVekExtensions } from './types';

const ARC = '1.3.6.1.4.1.3704.1';
export const VEK_OID = {
  structVersion: `${ARC}.1`,
  productName: `${ARC}.2`,
  blSPL: `${ARC}.3.1`,
  teeSPL: `${ARC}.3.2`,
  snpSPL: `${ARC}.3.3`,
  ucodeSPL: `${ARC}.3.8`,
  fmcSPL: `${ARC}.3.9`,
  hwId: `${ARC}.4`,
  cspId: `${ARC}.5`,
} as const;

function intExt(exts: Map<string, CertExtension>, oid: string): number | null {
  const e = exts.get(oid);
  if (!e) return null;
  // Values above 127 carry a leading 0x00 (ucode 222 = 02 02 00 de): read as unsigned DER, never as one byte.
  return smallUint(readRoot(e.value), TAG.INTEGER);
}

function strExt(exts: Map<string, CertExtension>, oid: string): string | null {
  const e = exts.get(oid);
  if (!e) return null;
  return stringValue(readRoot(e.value));
}

/**
 * hwID is raw bytes without a tag on real VCEKs (64 bytes Milan/Genoa, 8 bytes
 * Turin); trustee's synthetic certificates wrap it in an OCTET STRING. The two
 * are told apart by length, which cannot collide: a wrapped value is 2 bytes longer.
 */
function hwIdExt(exts: Map<string, CertExtension>): { hex: string; encoding: 'raw' | 'octet-string' } | null {
  const e = exts.get(VEK_OID.hwId);
  if (!e) return null;
  const v = e.value;
  if (v.length === 64 || v.length === 8) return { hex: toHex(v), encoding: 'raw' };
  if ((v.length === 66 && v[0] === TAG.OCTET_STRING && v[1] === 64) || (v.length === 10 && v[0] === TAG.OCTET_STRING && v[1] === 8)) {
    return { hex: toHex(v.subarray(2)), encoding: 'octet-string' };
  }
  throw new MalformedError(`VEK hwID extension has an unexpected length (${v.length} bytes)`);
}

export function decodeVekExtensions(exts: Map<string, CertExtension>): SnpVekExtensions {
  const hw = hwIdExt(exts);
  return {
    structVersion: intExt(exts, VEK_OID.structVersion),
    productName: strExt(exts, VEK_OID.productName),
    blSPL: intExt(exts, VEK_OID.blSPL),
    teeSPL: intExt(exts, VEK_OID.teeSPL),
    snpSPL: intExt(exts, VEK_OID.snpSPL),
    ucodeSPL: intExt(exts, VEK_OID.ucodeSPL),
    fmcSPL: intExt(exts, VEK_OID.fmcSPL),
    hwId: hw?.hex ?? null,
    hwIdEncoding: hw?.encoding ?? null,
    cspId: strExt(exts, VEK_OID.cspId),
  };
}

/** Differences between REPORTED_TCB (decoded with the product's layout) and the VEK's SPL extensions. */
export function tcbMismatches(reported: SnpTcb, vek: SnpVekExtensions, product: SnpProduct): string[] {
  if (reported.layout === 'unknown') return ['REPORTED_TCB cannot be decoded without a product'];
  const pairs: [string, number | undefined, number | null][] = [
    ['boot loader', reported.bootloader, vek.blSPL],
    ['TEE', reported.tee, vek.teeSPL],
    ['SNP', reported.snp, vek.snpSPL],
    ['microcode', reported.microcode, vek.ucodeSPL],
  ];
  if (product === 'Turin') pairs.push(['FMC', reported.fmc, vek.fmcSPL]);
  const out: string[] = [];
  for (const [name, rep, cert] of pairs) {
    if (cert === null) out.push(`VEK has no ${name} SPL extension`);
    else if (rep !== cert) out.push(`${name} SPL: report ${rep ?? '?'}, VEK ${cert}`);
  }
  return out;
}
