/**
 * The Intel PCK certificate: its SGX extension (OID 1.2.840.113741.1.13.1 —
 * FMSPC, PCE-ID, the 16 SGX TCB component SVNs, PCESVN, CPUSVN) and the
 * ordering of a PCK chain leaf → intermediate → root by names rather than by
 * position (one sample lists the root first).
 */
import { MalformedError, toHex } from './bytes';
import { sameName, type ParsedCert } from './certificate';
import { TAG, children, expect, oidString, readRoot, smallUint, value } from './der';
import type { TdxPckInfo } from './types';

export const SGX_EXT = '1.2.840.113741.1.13.1';

export function decodePckExtension(cert: ParsedCert): TdxPckInfo {
  const ext = cert.extensions.get(SGX_EXT);
  if (!ext) throw new MalformedError('the PCK certificate has no SGX extension');
  let fmspc: string | null = null;
  let pceId: string | null = null;
  let pceSvn: number | null = null;
  let cpuSvn: string | null = null;
  let sgxType: number | null = null;
  const comps: (number | null)[] = new Array<number | null>(16).fill(null);
  for (const item of children(expect(readRoot(ext.value), TAG.SEQUENCE, 'SGX extension'))) {
    const [idT, val] = children(expect(item, TAG.SEQUENCE, 'SGX extension entry'));
    if (!idT || !val) throw new MalformedError('SGX extension entry is incomplete');
    const id = oidString(idT);
    if (id === `${SGX_EXT}.2`) {
      for (const t of children(expect(val, TAG.SEQUENCE, 'SGX TCB'))) {
        const [cid, cval] = children(expect(t, TAG.SEQUENCE, 'SGX TCB entry'));
        if (!cid || !cval) throw new MalformedError('SGX TCB entry is incomplete');
        const sub = oidString(cid);
        if (!sub.startsWith(`${SGX_EXT}.2.`)) continue;
        const n = Number(sub.slice(`${SGX_EXT}.2.`.length));
        if (n >= 1 && n <= 16) comps[n - 1] = smallUint(cval);
        else if (n === 17) pceSvn = smallUint(cval);
        else if (n === 18) cpuSvn = toHex(value(expect(cval, TAG.OCTET_STRING, 'CPUSVN')));
      }
    } else if (id === `${SGX_EXT}.3`) pceId = toHex(value(expect(val, TAG.OCTET_STRING, 'PCE-ID')));
    else if (id === `${SGX_EXT}.4`) fmspc = toHex(value(expect(val, TAG.OCTET_STRING, 'FMSPC')));
    else if (id === `${SGX_EXT}.5`) sgxType = smallUint(val, TAG.ENUMERATED);
  }
  if (fmspc === null || pceId === null || pceSvn === null || cpuSvn === null || comps.some((c) => c === null)) {
    throw new MalformedError('the PCK SGX extension lacks FMSPC, PCE-ID, PCESVN, CPUSVN or a TCB component');
  }
  return { fmspc, pceId, pceSvn, cpuSvn, sgxTcbComponents: comps as number[], sgxType };
}

export interface OrderedChain {
  leaf: ParsedCert;
  intermediate: ParsedCert | null;
  root: ParsedCert | null;
}

/**
 * Leaf → intermediate → root by issuer/subject names. The leaf is the one
 * certificate that issued nothing else in the set; exactly three distinct
 * certificates (or two, when the root is left out) are expected.
 */
export function orderChain(certs: ParsedCert[]): OrderedChain {
  const unique = certs.filter((c, i) => certs.findIndex((d) => d.fingerprint256 === c.fingerprint256) === i);
  if (unique.length < 2 || unique.length > 3) throw new MalformedError(`the PCK chain has ${unique.length} certificates, expected 2 or 3`);
  const issuedSomething = (c: ParsedCert) => unique.some((d) => d !== c && sameName(d.issuerDer, c.subjectDer));
  const leaves = unique.filter((c) => !issuedSomething(c));
  if (leaves.length !== 1) throw new MalformedError('cannot tell the PCK leaf certificate in the chain');
  const leaf = leaves[0] as ParsedCert;
  const parentOf = (c: ParsedCert) => unique.find((d) => d !== c && sameName(c.issuerDer, d.subjectDer)) ?? null;
  const intermediate = parentOf(leaf);
  if (!intermediate) throw new MalformedError("the PCK chain does not contain the leaf's issuer");
  const root = sameName(intermediate.issuerDer, intermediate.subjectDer) ? null : parentOf(intermediate);
  const used = new Set([leaf, intermediate, root].filter((c) => c !== null));
  if (used.size !== unique.length) throw new MalformedError('the PCK chain contains a certificate that is not on the path');
  return { leaf, intermediate, root };
}
