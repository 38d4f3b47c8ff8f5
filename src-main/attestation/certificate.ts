/**
 * X.509 certificates and CRLs for the attestation chains: loading (PEM, DER,
 * bundles of either), the fields the verifiers need (names, validity,
 * extensions, serials, fingerprints) and signature checks. node:crypto's
 * X509Certificate parses every certificate first (OpenSSL is the gate: what it
 * refuses, we refuse) and verifies certificate signatures, RSASSA-PSS included;
 * der.ts reads the fields node does not expose. CRL signatures are checked
 * here over the exact tbsCertList bytes.
 */
import { X509Certificate, constants, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { MalformedError, looksLikePem, pemBlocks, sha256Hex } from './bytes';
import {
  TAG,
  bitStringBytes,
  children,
  encoded,
  expect,
  isContext,
  oidString,
  readRoot,
  readTlv,
  serialHex,
  smallUint,
  stringValue,
  timeValue,
  value,
  type Tlv,
} from './der';
import type { CertSummary } from './types';

export interface CertExtension {
  critical: boolean;
  /** Content of extnValue (the DER the OCTET STRING wraps). */
  value: Uint8Array;
}

export interface ParsedCert {
  der: Uint8Array;
  node: X509Certificate;
  publicKey: KeyObject;
  /** SHA-256 of the DER, lowercase hex without separators. */
  fingerprint256: string;
  /** Serial as lowercase hex without leading zeros. */
  serial: string;
  version: number;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  issuerCn: string | null;
  subjectCn: string | null;
  notBefore: Date;
  notAfter: Date;
  signatureAlgorithm: string;
  extensions: Map<string, CertExtension>;
  /** basicConstraints cA, or null when the extension is absent. */
  isCa: boolean | null;
}

export const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  rsaPss: '1.2.840.113549.1.1.10',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  mgf1: '1.2.840.113549.1.1.8',
} as const;

function nameCn(name: Tlv): string | null {
  let cn: string | null = null;
  for (const rdn of children(expect(name, TAG.SEQUENCE, 'Name'))) {
    for (const atv of children(expect(rdn, TAG.SET, 'RDN'))) {
      const [type, val] = children(expect(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'));
      if (type && val && oidString(type) === OID.commonName) cn = stringValue(val);
    }
  }
  return cn;
}

/** Parses one DER certificate; throws MalformedError when it is not one. */
export function parseCertificate(der: Uint8Array): ParsedCert {
  let node: X509Certificate;
  let publicKey: KeyObject;
  try {
    node = new X509Certificate(der);
    // The getter decodes the SubjectPublicKeyInfo lazily and throws on a key OpenSSL cannot load.
    publicKey = node.publicKey;
  } catch (err) {
    throw new MalformedError(`not a usable X.509 certificate (${err instanceof Error ? err.message : String(err)})`);
  }
  const root = readRoot(der);
  const [tbs, sigAlg] = children(expect(root, TAG.SEQUENCE, 'Certificate'));
  const f = children(expect(tbs, TAG.SEQUENCE, 'tbsCertificate'));
  let i = 0;
  let version = 1;
  const first = f[0];
  if (first && isContext(first, 0)) {
    const [v] = children(first);
    version = smallUint(expect(v, TAG.INTEGER, 'version')) + 1;
    i = 1;
  }
  const serial = serialHex(expect(f[i], TAG.INTEGER, 'serialNumber'));
  const issuer = expect(f[i + 2], TAG.SEQUENCE, 'issuer');
  const [nb, na] = children(expect(f[i + 3], TAG.SEQUENCE, 'validity'));
  if (!nb || !na) throw new MalformedError('certificate validity is incomplete');
  const subject = expect(f[i + 4], TAG.SEQUENCE, 'subject');
  const extensions = new Map<string, CertExtension>();
  for (const t of f.slice(i + 6)) {
    if (!isContext(t, 3)) continue;
    const [exts] = children(t);
    for (const ext of children(expect(exts, TAG.SEQUENCE, 'extensions'))) {
      const parts = children(expect(ext, TAG.SEQUENCE, 'Extension'));
      const id = oidString(expect(parts[0], TAG.OID, 'extnID'));
      let critical = false;
      let valIdx = 1;
      if (parts[1]?.tag === TAG.BOOLEAN) {
        critical = value(parts[1])[0] !== 0;
        valIdx = 2;
      }
      const v = value(expect(parts[valIdx], TAG.OCTET_STRING, 'extnValue'));
      if (extensions.has(id)) throw new MalformedError(`certificate repeats extension ${id}`);
      extensions.set(id, { critical, value: v });
    }
  }
  let isCa: boolean | null = null;
  const bc = extensions.get(OID.basicConstraints);
  if (bc) {
    const seq = children(expect(readRoot(bc.value), TAG.SEQUENCE, 'basicConstraints'));
    isCa = seq[0]?.tag === TAG.BOOLEAN ? value(seq[0])[0] !== 0 : false;
  }
  const algParts = children(expect(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm'));
  return {
    der,
    node,
    publicKey,
    fingerprint256: sha256Hex(der),
    serial,
    version,
    issuerDer: encoded(issuer),
    subjectDer: encoded(subject),
    issuerCn: nameCn(issuer),
    subjectCn: nameCn(subject),
    notBefore: timeValue(nb),
    notAfter: timeValue(na),
    signatureAlgorithm: oidString(expect(algParts[0], TAG.OID, 'signature algorithm')),
    extensions,
    isCa,
  };
}

/**
 * Certificates from a file or an evidence field: one or more PEM blocks, or
 * one or more concatenated DER certificates (a synthetic TDX sample carries
 * DER where PEM is expected, so both are accepted everywhere).
 */
export function loadCertificates(input: Uint8Array): ParsedCert[] {
  if (looksLikePem(input)) {
    const text = Buffer.from(input).toString('latin1');
    const blocks = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
    if (blocks.length === 0) throw new MalformedError('no CERTIFICATE block in the PEM text');
    return blocks.map((b) => parseCertificate(b.der));
  }
  const data = input;
  const out: ParsedCert[] = [];
  let p = 0;
  while (p < data.length) {
    // Intel's quoting library NUL-terminates the chain it embeds: zero padding after the last
    // certificate is ignored. (Never strip trailing zeros blindly: a DER certificate may end in
    // a 0x00 signature byte.)
    if (data.subarray(p).every((b) => b === 0)) break;
    const t = readTlv(data, p);
    out.push(parseCertificate(data.subarray(t.start, t.end)));
    p = t.end;
  }
  if (out.length === 0) throw new MalformedError('no certificate in the input');
  return out;
}

export function loadOneCertificate(input: Uint8Array, what: string): ParsedCert {
  const certs = loadCertificates(input);
  if (certs.length !== 1) throw new MalformedError(`${what}: expected one certificate, found ${certs.length}`);
  return certs[0] as ParsedCert;
}

export function summarise(c: ParsedCert): CertSummary {
  return {
    subject: c.subjectCn,
    issuer: c.issuerCn,
    serial: c.serial,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    fingerprint256: c.fingerprint256,
  };
}

export function sameName(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Did `parent` sign `child`? Names must chain and the signature must verify. */
export function signedBy(child: ParsedCert, parent: ParsedCert): boolean {
  if (!sameName(child.issuerDer, parent.subjectDer)) return false;
  try {
    return child.node.verify(parent.publicKey);
  } catch {
    return false;
  }
}

export function validAt(cert: { notBefore: Date; notAfter: Date }, at: Date): boolean {
  const t = at.getTime();
  return cert.notBefore.getTime() <= t && t <= cert.notAfter.getTime();
}

export function curveOf(key: KeyObject): string | null {
  return key.asymmetricKeyType === 'ec' ? (key.asymmetricKeyDetails?.namedCurve ?? null) : null;
}

// ---- CRLs -----------------------------------------------------------------

export interface ParsedCrl {
  der: Uint8Array;
  fingerprint256: string;
  issuerDer: Uint8Array;
  issuerCn: string | null;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** Revoked serials, lowercase hex without leading zeros. */
  revoked: Set<string>;
  tbs: Uint8Array;
  algorithm: SignatureAlgorithm;
  signature: Uint8Array;
}

export function parseCrl(der: Uint8Array): ParsedCrl {
  const root = readRoot(der);
  const [tbsT, alg, sig] = children(expect(root, TAG.SEQUENCE, 'CertificateList'));
  const tbs = expect(tbsT, TAG.SEQUENCE, 'tbsCertList');
  const f = children(tbs);
  let i = 0;
  if (f[0]?.tag === TAG.INTEGER) i = 1;
  const issuer = expect(f[i + 1], TAG.SEQUENCE, 'CRL issuer');
  const thisUpdate = f[i + 2];
  if (!thisUpdate) throw new MalformedError('CRL thisUpdate is missing');
  let p = i + 3;
  let nextUpdate: Date | null = null;
  const nu = f[p];
  if (nu && (nu.tag === TAG.UTC_TIME || nu.tag === TAG.GENERALIZED_TIME)) {
    nextUpdate = timeValue(nu);
    p++;
  }
  const revoked = new Set<string>();
  const list = f[p];
  if (list && list.tag === TAG.SEQUENCE) {
    for (const entry of children(list)) {
      const [serial] = children(expect(entry, TAG.SEQUENCE, 'revoked certificate'));
      revoked.add(serialHex(expect(serial, TAG.INTEGER, 'revoked serial')));
    }
  }
  return {
    der,
    fingerprint256: sha256Hex(der),
    issuerDer: encoded(issuer),
    issuerCn: nameCn(issuer),
    thisUpdate: timeValue(thisUpdate),
    nextUpdate,
    revoked,
    tbs: encoded(tbs),
    algorithm: parseSignatureAlgorithm(expect(alg, TAG.SEQUENCE, 'CRL signatureAlgorithm')),
    signature: bitStringBytes(expect(sig, TAG.BIT_STRING, 'CRL signature')),
  };
}

export function loadCrls(input: Uint8Array): ParsedCrl[] {
  if (looksLikePem(input)) {
    const blocks = pemBlocks(Buffer.from(input).toString('latin1')).filter((b) => b.label === 'X509 CRL');
    if (blocks.length === 0) throw new MalformedError('no X509 CRL block in the PEM text');
    return blocks.map((b) => parseCrl(b.der));
  }
  return [parseCrl(input)];
}

const HASH_BY_OID: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512' };

/** A decoded X.509 signature algorithm, limited to what AMD and Intel use. */
export type SignatureAlgorithm =
  | { kind: 'ecdsa'; hash: string }
  | { kind: 'rsa-pkcs1'; hash: string }
  | { kind: 'rsa-pss'; hash: string; saltLength: number }
  | { kind: 'unsupported'; oid: string };

function algorithmIdHash(t: Tlv | undefined): string | null {
  if (!t) return null;
  const [id] = children(expect(t, TAG.SEQUENCE, 'AlgorithmIdentifier'));
  return HASH_BY_OID[oidString(expect(id, TAG.OID, 'algorithm'))] ?? null;
}

/**
 * Decodes an AlgorithmIdentifier; throws MalformedError on bad DER. RSASSA-PSS
 * is supported only with the MGF1 hash equal to the message hash, because
 * node's PSS verify uses the message digest for MGF1 too.
 */
export function parseSignatureAlgorithm(algorithm: Tlv): SignatureAlgorithm {
  const [idT, params] = children(expect(algorithm, TAG.SEQUENCE, 'signatureAlgorithm'));
  const oid = oidString(expect(idT, TAG.OID, 'algorithm'));
  switch (oid) {
    case OID.ecdsaSha256:
      return { kind: 'ecdsa', hash: 'sha256' };
    case OID.ecdsaSha384:
      return { kind: 'ecdsa', hash: 'sha384' };
    case OID.sha256WithRsa:
      return { kind: 'rsa-pkcs1', hash: 'sha256' };
    case OID.sha384WithRsa:
      return { kind: 'rsa-pkcs1', hash: 'sha384' };
    case OID.rsaPss: {
      let hash: string | null = null;
      let mgfHash: string | null = null;
      let saltLength = 20;
      for (const p of children(expect(params, TAG.SEQUENCE, 'RSASSA-PSS-params'))) {
        const [inner] = children(p);
        if (isContext(p, 0)) hash = algorithmIdHash(inner);
        else if (isContext(p, 1)) {
          const [mgfId, mgfParams] = children(expect(inner, TAG.SEQUENCE, 'maskGenAlgorithm'));
          if (oidString(expect(mgfId, TAG.OID, 'mgf')) !== OID.mgf1) return { kind: 'unsupported', oid };
          mgfHash = algorithmIdHash(mgfParams);
        } else if (isContext(p, 2)) saltLength = smallUint(expect(inner, TAG.INTEGER, 'saltLength'));
      }
      if (!hash || hash !== mgfHash) return { kind: 'unsupported', oid };
      return { kind: 'rsa-pss', hash, saltLength };
    }
    default:
      return { kind: 'unsupported', oid };
  }
}

/** Verifies a detached X.509-style signature (CRL) with the signer's key; false for anything unsupported. */
export function verifyX509Signature(tbs: Uint8Array, alg: SignatureAlgorithm, signature: Uint8Array, key: KeyObject): boolean {
  try {
    switch (alg.kind) {
      case 'ecdsa':
        return cryptoVerify(alg.hash, tbs, key, signature);
      case 'rsa-pkcs1':
        return cryptoVerify(alg.hash, tbs, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'rsa-pss':
        return cryptoVerify(alg.hash, tbs, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

export function crlSignedBy(crl: ParsedCrl, issuer: ParsedCert): boolean {
  if (!sameName(crl.issuerDer, issuer.subjectDer)) return false;
  return verifyX509Signature(crl.tbs, crl.algorithm, crl.signature, issuer.publicKey);
}

export function crlCurrentAt(crl: ParsedCrl, at: Date): boolean {
  const t = at.getTime();
  return crl.thisUpdate.getTime() <= t && (crl.nextUpdate === null || t <= crl.nextUpdate.getTime());
}

/** A raw P-256/P-384 point (X ‖ Y, big-endian) as a public key; throws when not on the curve. */
export function ecPublicKeyFromXY(xy: Uint8Array, curve: 'P-256' | 'P-384'): KeyObject {
  const n = curve === 'P-256' ? 32 : 48;
  if (xy.length !== 2 * n) throw new MalformedError(`public key must be ${2 * n} bytes`);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: curve, x: b64(xy.subarray(0, n)), y: b64(xy.subarray(n)) }, format: 'jwk' });
}
