import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './bytes';
import { loadOneCertificate } from './certificate';
import { AMD_PINS, INTEL_SGX_ROOT_PIN, identifyAmdCert } from './pins';
import { AMD_ROOT_FILES, REFERENCE, referenceFile } from './test-support';
import type { SnpProduct } from './types';

describe('pinned trust anchors', () => {
  for (const product of Object.keys(AMD_ROOT_FILES) as SnpProduct[]) {
    for (const [role, file] of Object.entries(AMD_ROOT_FILES[product])) {
      it(`${file} is the pinned ${role.toUpperCase()}-${product}`, () => {
        const cert = loadOneCertificate(referenceFile(file), file);
        expect(cert.fingerprint256).toBe(AMD_PINS[product][role as 'ark' | 'ask' | 'asvk']);
        expect(sha256Hex(cert.der)).toBe(cert.fingerprint256);
        expect(identifyAmdCert(AMD_PINS, cert.fingerprint256)).toEqual({ product, role });
        const expectedCn = role === 'ark' ? `ARK-${product}` : role === 'ask' ? `SEV-${product}` : `SEV-VLEK-${product}`;
        expect(cert.subjectCn).toBe(expectedCn);
      });
    }
  }

  it('the bundled Intel SGX Root CA is the pinned one', () => {
    const cert = loadOneCertificate(referenceFile('intel-roots/intel-sgx-root-ca.pem'), 'intel root');
    expect(cert.fingerprint256).toBe(INTEL_SGX_ROOT_PIN);
    expect(cert.subjectCn).toBe('Intel SGX Root CA');
    expect(cert.serial).toBe('22650cd65a9d3489f383b49552bf501b392706ac');
  });

  it('the corpus copies of the roots are byte-identical to the pinned ones', () => {
    const dir = resolve(REFERENCE, 'corpus/roots/amd');
    for (const f of readdirSync(dir)) {
      const cert = loadOneCertificate(referenceFile(`corpus/roots/amd/${f}`), f);
      expect(identifyAmdCert(AMD_PINS, cert.fingerprint256), f).not.toBeNull();
    }
    expect(loadOneCertificate(referenceFile('corpus/roots/intel/intel-sgx-root-ca.pem'), 'intel').fingerprint256).toBe(INTEL_SGX_ROOT_PIN);
  });

  it('all nine AMD pins are distinct lowercase SHA-256 values', () => {
    const all = Object.values(AMD_PINS).flatMap((r) => Object.values(r));
    expect(new Set(all).size).toBe(9);
    for (const p of [...all, INTEL_SGX_ROOT_PIN]) expect(p).toMatch(/^[0-9a-f]{64}$/);
  });
});
