/**
 * The trust anchors, pinned by SHA-256 of the DER certificate: AMD's ARK, ASK
 * and ASVK per product and Intel's SGX Root CA. A certificate that arrives with
 * the evidence or from a trust folder is used only when its fingerprint is one
 * of these, so a look-alike with the same subject name (Intel's own QVL test
 * root is one) never anchors a chain.
 *
 * Values from AMD KDS / go-sev-guest verify/trust (af1c107) and go-tdx-guest
 * verify/trusted_root.pem (91f9a52); pins.test.ts re-derives each from the
 * reference PEMs.
 */
import type { SnpProduct } from './types';

export type AmdRole = 'ark' | 'ask' | 'asvk';

export type AmdPins = Record<SnpProduct, Record<AmdRole, string>>;

export interface TrustPins {
  amd: AmdPins;
  intelRoot: string;
}

export const AMD_PINS: AmdPins = {
  Milan: {
    ark: '69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd',
    ask: '67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b',
    asvk: 'c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5',
  },
  Genoa: {
    ark: '4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1',
    ask: '5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521',
    asvk: '197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372',
  },
  Turin: {
    ark: '1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a',
    ask: '5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185',
    asvk: '104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c',
  },
};

/** Intel SGX Root CA (CN=Intel SGX Root CA, serial 22650CD6…, valid 2018-05-21 .. 2049-12-31). */
export const INTEL_SGX_ROOT_PIN = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3';

export const DEFAULT_PINS: TrustPins = { amd: AMD_PINS, intelRoot: INTEL_SGX_ROOT_PIN };

/** Which pinned AMD certificate a fingerprint is, if any. */
export function identifyAmdCert(pins: AmdPins, fingerprint256: string): { product: SnpProduct; role: AmdRole } | null {
  for (const product of Object.keys(pins) as SnpProduct[]) {
    const roles = pins[product];
    for (const role of Object.keys(roles) as AmdRole[]) if (roles[role] === fingerprint256) return { product, role };
  }
  return null;
}
