// TLS identity of the simulated clusters: a self-signed ECDSA P-256 certificate with
// IP:127.0.0.1 and DNS:localhost SANs, plus its SHA-256 fingerprint in the form PVE shows
// (`ssl_fingerprint`, uppercase hex, colon separated).
//
// The certificate is assembled here in DER with node:crypto doing key generation and signing.
// @peculiar/x509 would do the same, but its 2.x line needs a global Reflect-metadata polyfill
// (tsyringe) that the project does not ship; patching a global from a domain module is worse than
// ~100 lines of DER. node:crypto's X509Certificate parses the result in the tests.

import { X509Certificate, createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface SimCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the DER certificate, "AB:CD:..." */
  fingerprint: string;
}

export interface CertificateOptions {
  commonName?: string;
  /** Validity start; defaults to one day before now so clock skew never makes it "not yet valid". */
  notBefore?: Date;
  validDays?: number;
}

export function generateCertificate(opts: CertificateOptions = {}): SimCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const notBefore = opts.notBefore ?? new Date(Date.now() - 86_400_000);
  const notAfter = new Date(notBefore.getTime() + (opts.validDays ?? 825) * 86_400_000);
  const name = distinguishedName(opts.commonName ?? 'pve-sim.cairn.invalid');

  // Positive 16-byte serial (top bit cleared keeps the INTEGER unsigned without padding).
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f | 0x10;

  const tbs = seq(
    ctx(0, int(Buffer.from([2]))), // v3
    int(serial),
    ECDSA_WITH_SHA256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    spki,
    ctx(3, seq(
      extension(OID.subjectAltName, false, seq(
        tagged(0x82, Buffer.from('localhost', 'ascii')),
        tagged(0x87, Buffer.from([127, 0, 0, 1])),
      )),
      extension(OID.basicConstraints, true, seq()),
      // digitalSignature: ECDHE-ECDSA handshakes sign with the key.
      extension(OID.keyUsage, true, tagged(0x03, Buffer.from([0x07, 0x80]))),
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
    )),
  );
  const signature = sign('sha256', tbs, privateKey); // DER-encoded ECDSA-Sig-Value
  const der = seq(tbs, ECDSA_WITH_SHA256, bitString(signature));

  const certPem = pem('CERTIFICATE', der);
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem, fingerprint: fingerprintOfDer(der) };
}

export function fingerprintOfDer(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function fingerprintOfPem(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

// --- minimal DER writer ------------------------------------------------------------------------

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

function tagged(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function seq(...items: Buffer[]): Buffer {
  return tagged(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tagged(0x31, Buffer.concat(items));
}

function ctx(n: number, content: Buffer): Buffer {
  return tagged(0xa0 | n, content);
}

function int(bytes: Buffer): Buffer {
  return tagged(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const first = parts[0] ?? 0;
  const second = parts[1] ?? 0;
  const out: number[] = [first * 40 + second];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tagged(0x06, Buffer.from(out));
}

function utf8(s: string): Buffer {
  return tagged(0x0c, Buffer.from(s, 'utf8'));
}

function bitString(content: Buffer): Buffer {
  return tagged(0x03, Buffer.concat([Buffer.from([0]), content]));
}

function time(d: Date): Buffer {
  const iso = d.toISOString();
  const year = d.getUTCFullYear();
  const compact = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  // RFC 5280: UTCTime through 2049, GeneralizedTime after.
  return year < 2050
    ? tagged(0x17, Buffer.from(compact, 'ascii'))
    : tagged(0x18, Buffer.from(String(year) + compact.slice(2), 'ascii'));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? seq(oid(id), tagged(0x01, Buffer.from([0xff])), tagged(0x04, value))
    : seq(oid(id), tagged(0x04, value));
}

function distinguishedName(commonName: string): Buffer {
  return seq(
    set(seq(oid(OID.organization), utf8('Cairn PVE simulator'))),
    set(seq(oid(OID.commonName), utf8(commonName))),
  );
}

const ECDSA_WITH_SHA256 = seq(oid(OID.ecdsaWithSha256));

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
