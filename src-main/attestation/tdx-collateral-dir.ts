/**
 * TDX collateral an operator carried into the trust folder, in its `tdx/`
 * subfolder (PCS responses saved as served, so their signatures still
 * cover the bytes):
 *
 *   tdx/tcb-info*.json            one per FMSPC ({"tcbInfo":{…},"signature":…})
 *   tdx/qe-identity.json          the TD QE identity ({"enclaveIdentity":{…},…})
 *   tdx/tcb-signing-chain.pem     TCB-Info-Issuer-Chain
 *   tdx/pck-crl.der|.pem          PCK CRL of the quote's PCK CA
 *   tdx/root-ca-crl.der|.pem      Intel SGX Root CA CRL
 *   tdx/pck-crl-issuer-chain.pem  optional
 *
 * Nothing here is trusted by being here: the verifier checks every
 * signature up to the pinned Intel root. No TCB info for the quote's FMSPC
 * means no collateral (the verdict is then "signature and chain only"); a
 * matching TCB info with parts missing is passed on as it is, and the
 * verifier rejects incomplete collateral rather than silently ignoring it.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TdxCollateral } from './tdx-verify';

export const TDX_COLLATERAL_SUBDIR = 'tdx';
/** A PCS TCB info is a few KiB; anything much larger is not one. */
const MAX_JSON = 1024 * 1024;

export interface FoundCollateral {
  collateral: Partial<TdxCollateral> | null;
  /** Why there is none, for the log and the verdict's context. */
  note: string | null;
}

export function tdxCollateralFromDir(trustDir: string | null, fmspc: string | null): FoundCollateral {
  if (!trustDir) return { collateral: null, note: 'no trust folder' };
  const dir = join(trustDir, TDX_COLLATERAL_SUBDIR);
  if (!existsSync(dir)) return { collateral: null, note: `no ${TDX_COLLATERAL_SUBDIR}/ folder in the trust folder` };
  if (!fmspc) return { collateral: null, note: 'the quote names no FMSPC (no PCK extension)' };
  const files = readdirSync(dir)
    .sort()
    .filter((n) => statSync(join(dir, n)).isFile());
  const read = (n: string) => readFileSync(join(dir, n));
  const tcbInfo = files.filter((n) => /^tcb-info.*\.json$/i.test(n)).map(read).find((b) => fmspcOf(b) === fmspc.toLowerCase());
  if (!tcbInfo) return { collateral: null, note: `no TCB info for FMSPC ${fmspc} in ${dir}` };
  const first = (re: RegExp) => {
    const n = files.find((x) => re.test(x));
    return n ? read(n) : undefined;
  };
  const col: Partial<TdxCollateral> = { tcbInfo };
  const qeIdentity = first(/^qe-identity.*\.json$/i);
  const tcbSigningChain = first(/^tcb-signing-chain\.(pem|crt)$/i);
  const pckCrl = first(/^pck-crl\.(der|pem|crl)$/i);
  const rootCaCrl = first(/^root-ca-crl\.(der|pem|crl)$/i);
  const pckCrlIssuerChain = first(/^pck-crl-issuer-chain\.(pem|crt)$/i);
  if (qeIdentity) col.qeIdentity = qeIdentity;
  if (tcbSigningChain) col.tcbSigningChain = tcbSigningChain;
  if (pckCrl) col.pckCrl = pckCrl;
  if (rootCaCrl) col.rootCaCrl = rootCaCrl;
  if (pckCrlIssuerChain) col.pckCrlIssuerChain = pckCrlIssuerChain;
  return { collateral: col, note: null };
}

/** The FMSPC a TCB info document is for, or null when it is not one. */
function fmspcOf(bytes: Buffer): string | null {
  if (bytes.length > MAX_JSON) return null;
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { tcbInfo?: { fmspc?: unknown } };
    const f = doc.tcbInfo?.fmspc;
    return typeof f === 'string' ? f.toLowerCase() : null;
  } catch {
    return null;
  }
}
