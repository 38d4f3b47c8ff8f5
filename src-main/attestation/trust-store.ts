/**
 * The trust folder: certificates (ARK/ASK/ASVK, Intel roots) and CRLs an
 * operator imported on a connected machine and carried over. Loading a file
 * here does not make it trusted: the verifiers use a certificate only when its
 * fingerprint is pinned (pins.ts), and a CRL only when a pinned issuer signed it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from './findings';
import { loadCertificates, loadCrls, type ParsedCert, type ParsedCrl } from './certificate';

export interface TrustStore {
  dir: string | null;
  certs: ParsedCert[];
  crls: ParsedCrl[];
  /** Files that were neither certificates nor CRLs (shown by the CLI, never fatal). */
  skipped: { file: string; problem: string }[];
}

export const EMPTY_TRUST: TrustStore = { dir: null, certs: [], crls: [], skipped: [] };

export function trustFromBytes(files: { name: string; bytes: Uint8Array }[], dir: string | null = null): TrustStore {
  const store: TrustStore = { dir, certs: [], crls: [], skipped: [] };
  for (const { name, bytes } of files) {
    try {
      store.certs.push(...loadCertificates(bytes));
      continue;
    } catch (certErr) {
      try {
        store.crls.push(...loadCrls(bytes));
      } catch {
        store.skipped.push({ file: name, problem: errorMessage(certErr) });
      }
    }
  }
  return store;
}

/**
 * Reads every regular file directly in `dir` (no recursion, sorted by name).
 * Throws when the folder itself cannot be read; callers decide whether a
 * missing default folder matters.
 */
export function loadTrustDir(dir: string): TrustStore {
  const names = readdirSync(dir).sort();
  const files: { name: string; bytes: Uint8Array }[] = [];
  for (const name of names) {
    const p = join(dir, name);
    if (!statSync(p).isFile()) continue;
    files.push({ name, bytes: readFileSync(p) });
  }
  return trustFromBytes(files, dir);
}
