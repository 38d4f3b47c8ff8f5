import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOfPem, generateCertificate } from './certificate';

describe('simulator certificate', () => {
  it('is a valid self-signed ECDSA P-256 certificate with loopback SANs', () => {
    const c = generateCertificate();
    const x = new X509Certificate(c.certPem);
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(c.keyPem))).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new Date(x.validFrom).getTime()).toBeLessThan(Date.now());
    expect(new Date(x.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 86_400_000);
  });

  it('reports the SHA-256 fingerprint as PVE shows it', () => {
    const c = generateCertificate();
    expect(c.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(c.fingerprint).toBe(fingerprintOfPem(c.certPem));
    expect(generateCertificate().fingerprint).not.toBe(c.fingerprint);
  });

  it('encodes dates after 2049 as GeneralizedTime', () => {
    const c = generateCertificate({ notBefore: new Date(Date.UTC(2049, 11, 1)), validDays: 90 });
    expect(new Date(new X509Certificate(c.certPem).validTo).getUTCFullYear()).toBe(2050);
  });
});
