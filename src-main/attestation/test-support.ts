/**
 * Test scaffolding (imported only by *.test.ts): the shared reference corpus
 * (read in place from ../shared/reference/attestation, never copied into the
 * repo) and helpers that turn a corpus case into verifier inputs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SnpEvidence } from './snp-verify';
import type { TdxCollateral } from './tdx-verify';

export const REFERENCE = resolve(process.cwd(), '../shared/reference/attestation');
export const CORPUS = resolve(REFERENCE, 'corpus');

export interface CorpusCase {
  id: string;
  kind: 'sev-snp' | 'tdx';
  product?: string;
  report_version?: number;
  quote_version?: number;
  signer?: string;
  level?: string;
  files: Record<string, string>;
  verify_at?: string;
  crypto_valid: boolean;
  expected_verdict: 'accept' | 'reject' | 'accept-signature-and-chain';
  expected_tcb_status?: string;
  reason: string;
  checker_results: Record<string, boolean>;
}

export function corpusFile(rel: string): Buffer {
  return readFileSync(resolve(CORPUS, rel));
}

export function referenceFile(rel: string): Buffer {
  return readFileSync(resolve(REFERENCE, rel));
}

export function loadCases(): CorpusCase[] {
  return (JSON.parse(readFileSync(resolve(CORPUS, 'cases.json'), 'utf8')) as { cases: CorpusCase[] }).cases;
}

export function caseById(id: string): CorpusCase {
  const c = loadCases().find((x) => x.id === id);
  if (!c) throw new Error(`no corpus case ${id}`);
  return c;
}

/**
 * Quote-only TDX cases carry no verify_at. They are checked at the corpus
 * snapshot time (its latest verify_at), which every embedded PCK chain covers,
 * so the tests do not start failing when a certificate expires years from now.
 */
export function snapshotTime(): string {
  const times = loadCases()
    .map((c) => c.verify_at)
    .filter((t): t is string => t !== undefined)
    .sort();
  return times[times.length - 1] as string;
}

export function snpEvidence(c: CorpusCase): SnpEvidence {
  return {
    report: corpusFile(c.files.report as string),
    vek: corpusFile(c.files.vek as string),
    ark: corpusFile(c.files.ark as string),
    intermediate: corpusFile(c.files.intermediate as string),
  };
}

export function tdxInputs(c: CorpusCase): { quote: Buffer; collateral?: Partial<TdxCollateral>; root?: Buffer } {
  const f = c.files;
  const opt = (k: string) => (f[k] ? corpusFile(f[k]) : undefined);
  const out: { quote: Buffer; collateral?: Partial<TdxCollateral>; root?: Buffer } = { quote: corpusFile(f.quote as string) };
  const root = opt('root');
  if (root) out.root = root;
  if (f.tcb_info) {
    const col: Partial<TdxCollateral> = {
      tcbInfo: opt('tcb_info') as Buffer,
      qeIdentity: opt('qe_identity') as Buffer,
      tcbSigningChain: opt('tcb_signing_chain') as Buffer,
      pckCrl: opt('pck_crl') as Buffer,
      rootCaCrl: opt('root_ca_crl') as Buffer,
    };
    const chain = opt('pck_crl_issuer_chain');
    if (chain) col.pckCrlIssuerChain = chain;
    out.collateral = col;
  }
  return out;
}

export function flip(b: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const out = new Uint8Array(b);
  out[offset] = (out[offset] as number) ^ mask;
  return out;
}

export const AMD_ROOT_FILES = {
  Milan: { ark: 'amd-roots/ark-milan.pem', ask: 'amd-roots/ask-milan.pem', asvk: 'amd-roots/asvk-milan.pem' },
  Genoa: { ark: 'amd-roots/ark-genoa.pem', ask: 'amd-roots/ask-genoa.pem', asvk: 'amd-roots/asvk-genoa.pem' },
  Turin: { ark: 'amd-roots/ark-turin.pem', ask: 'amd-roots/ask-turin.pem', asvk: 'amd-roots/asvk-turin.pem' },
} as const;
