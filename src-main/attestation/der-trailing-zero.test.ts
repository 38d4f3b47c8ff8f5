/**
 * A DER certificate may legitimately end in a 0x00 byte (the last byte of
 * its signature); only zero padding after complete certificates is ignored.
 */
import { describe, expect, it } from 'vitest';
import { loadCertificates } from './certificate';
import { makeAmdChain } from './synthetic';

describe('certificates ending in a zero byte', () => {
  it('parses a certificate whose last signature byte is 0x00, alone and NUL-padded', () => {
    // Structure is all that parsing looks at: zero the signature's last byte (1 in 256 real signatures end so).
    const der = new Uint8Array(makeAmdChain('Milan').asvk);
    der[der.length - 1] = 0;
    const [cert] = loadCertificates(der);
    expect(cert?.subjectCn).toBe('SEV-VLEK-Milan');
    expect(loadCertificates(new Uint8Array([...der, 0, 0, 0]))).toHaveLength(1);
    expect(loadCertificates(new Uint8Array([...der, ...der, 0]))).toHaveLength(2);
  });
});
