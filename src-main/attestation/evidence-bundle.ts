/**
 * SEV-SNP evidence as bytes: what the allowlisted collector prints over SSH
 * (one `<name> <base64>` line per file), and the canonical bundle stored in
 * the evidence blob table (same line format, fixed order, a version line),
 * whose SHA-256 names the evidence in every result.
 */
import { createHash } from 'node:crypto';
import { AppException } from '../util/app-exception';

export interface SnpEvidenceFiles {
  report: Uint8Array;
  vek: Uint8Array;
  ark?: Uint8Array;
  ask?: Uint8Array;
}

const HEADER = 'cairn-evidence/1 sev-snp';
const MAX_REPORT = 4096;
const MAX_CERT = 64 * 1024;
/** Collector line names → bundle slots (snpguest writes vcek/vlek, ask/asvk, ark). */
const SLOT: Record<string, keyof SnpEvidenceFiles> = { report: 'report', vcek: 'vek', vlek: 'vek', vek: 'vek', ask: 'ask', asvk: 'ask', ark: 'ark' };

export function parseCollectorOutput(stdout: Uint8Array): SnpEvidenceFiles {
  const found: Partial<SnpEvidenceFiles> = {};
  for (const raw of Buffer.from(stdout).toString('latin1').split('\n')) {
    const m = /^([a-z]+) ([A-Za-z0-9+/]*={0,2})\s*$/.exec(raw);
    if (!m) continue;
    const slot = SLOT[m[1] as string];
    if (!slot) continue;
    const bytes = Buffer.from(m[2] as string, 'base64');
    const max = slot === 'report' ? MAX_REPORT : MAX_CERT;
    if (bytes.length === 0 || bytes.length > max) throw new AppException('upstream', `The collector returned a ${m[1]} of ${bytes.length} bytes (expected 1..${max})`);
    if (found[slot]) throw new AppException('upstream', `The collector returned more than one ${slot}`);
    found[slot] = bytes;
  }
  if (!found.report) throw new AppException('upstream', 'The collector printed no attestation report (is snpguest installed and /dev/sev-guest present?)');
  if (!found.vek) throw new AppException('upstream', 'The collector printed no VCEK/VLEK certificate (the host supplied none in the extended report)');
  return found as SnpEvidenceFiles;
}

export function encodeBundle(e: SnpEvidenceFiles): Buffer {
  const lines = [HEADER, `report ${Buffer.from(e.report).toString('base64')}`, `vek ${Buffer.from(e.vek).toString('base64')}`];
  if (e.ask) lines.push(`ask ${Buffer.from(e.ask).toString('base64')}`);
  if (e.ark) lines.push(`ark ${Buffer.from(e.ark).toString('base64')}`);
  return Buffer.from(lines.join('\n') + '\n', 'latin1');
}

export function decodeBundle(bytes: Uint8Array): SnpEvidenceFiles {
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.startsWith(HEADER + '\n')) throw new Error('not a cairn evidence bundle');
  return parseCollectorOutput(Buffer.from(text.slice(HEADER.length + 1), 'latin1'));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// ---- TDX ---------------------------------------------------------------------------

const TDX_HEADER = 'cairn-evidence/1 tdx';
/** A v4/v5 quote with a PEM PCK chain is 5–8 KiB; 64 KiB leaves room and still bounds a hostile guest. */
const MAX_QUOTE = 64 * 1024;

/** The TDX collector's output: one `quote <base64>` line (other lines are ignored). */
export function parseTdxCollectorOutput(stdout: Uint8Array): Buffer {
  let quote: Buffer | null = null;
  for (const raw of Buffer.from(stdout).toString('latin1').split('\n')) {
    const m = /^quote ([A-Za-z0-9+/]*={0,2})\s*$/.exec(raw);
    if (!m) continue;
    const bytes = Buffer.from(m[1] as string, 'base64');
    if (bytes.length === 0 || bytes.length > MAX_QUOTE) throw new AppException('upstream', `The collector returned a quote of ${bytes.length} bytes (expected 1..${MAX_QUOTE})`);
    if (quote) throw new AppException('upstream', 'The collector returned more than one quote');
    quote = bytes;
  }
  if (!quote) throw new AppException('upstream', 'The collector printed no TDX quote (is this a TDX guest with configfs-tsm?)');
  return quote;
}

export function encodeTdxBundle(quote: Uint8Array): Buffer {
  return Buffer.from(`${TDX_HEADER}\nquote ${Buffer.from(quote).toString('base64')}\n`, 'latin1');
}

export function decodeTdxBundle(bytes: Uint8Array): Buffer {
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.startsWith(TDX_HEADER + '\n')) throw new Error('not a cairn TDX evidence bundle');
  return parseTdxCollectorOutput(Buffer.from(text.slice(TDX_HEADER.length + 1), 'latin1'));
}
