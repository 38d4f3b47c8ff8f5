/**
 * `cairn attest …`: the command-line face of the verifiers. `verify` checks an
 * SEV-SNP report (with its VCEK/VLEK) or a TDX quote (optionally with its
 * collateral) and prints a verdict; `show` decodes every field. Exit codes: 0
 * accepted (a TDX quote without collateral: signature and chain verified), 1
 * rejected or malformed evidence, 2 usage error, unreadable file, or no roots.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError, type FlagSpec, type ParsedFlags } from '../util/args';
import { fromHex } from './bytes';
import { errorMessage } from './findings';
import { decodeSnpReport } from './snp-report';
import { verifySnpReport } from './snp-verify';
import { verifyTdxQuote, decodeTdxQuote, type TdxCollateral } from './tdx-verify';
import { EMPTY_TRUST, loadTrustDir, type TrustStore } from './trust-store';
import type { SnpMinTcb, SnpPolicy, SnpProduct, SnpTcb, TdxPolicy, Verdict } from './types';

export interface AttestIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

export interface AttestCliOptions {
  /** Where the trust folder is when --trust-dir is not given. */
  defaultTrustDir?: string;
}

export const ATTEST_HELP = `usage: cairn attest <verify|show> [options]

  verify --report FILE --vek FILE [--ark FILE] [--ask FILE] [--crl FILE]...
         [--at ISO-8601] [--report-data HEX] [--measurement HEX]...
         [--min-tcb bootloader=N,tee=N,snp=N,microcode=N[,fmc=N]] [--vmpl N]...
         [--trust-dir DIR] [--json]
      Verify an AMD SEV-SNP report. --vek is the VCEK or VLEK (DER or PEM); --ask
      takes the ASK (VCEK) or the ASVK (VLEK). Without --ark/--ask the pinned AMD
      certificates are taken from the trust folder. --at is the time at which
      certificates must be valid (default now).

  verify --quote FILE [--root FILE] [--tcb-info FILE --qe-identity FILE --tcb-chain FILE
         --pck-crl FILE --root-crl FILE [--pck-crl-chain FILE]] [--at ISO-8601]
         [--report-data HEX] [--mrtd HEX]... [--trust-dir DIR] [--json]
      Verify an Intel TDX quote. Without collateral the result is at best
      "accept-signature-and-chain": genuine, but the TCB status is unknown.

  show (--report FILE [--product milan|genoa|turin] | --quote FILE) [--json]
      Decode every field.

exit codes: 0 accepted, 1 rejected or malformed evidence, 2 usage error, unreadable file or no roots
`;

const COMMON: FlagSpec = { json: { type: 'boolean' }, help: { type: 'boolean' } };
const VERIFY: FlagSpec = {
  ...COMMON,
  report: { type: 'string' },
  vek: { type: 'string' },
  ark: { type: 'string' },
  ask: { type: 'string' },
  crl: { type: 'string', multiple: true },
  at: { type: 'string' },
  'report-data': { type: 'string' },
  measurement: { type: 'string', multiple: true },
  'min-tcb': { type: 'string' },
  vmpl: { type: 'string', multiple: true },
  'trust-dir': { type: 'string' },
  quote: { type: 'string' },
  root: { type: 'string' },
  'tcb-info': { type: 'string' },
  'qe-identity': { type: 'string' },
  'tcb-chain': { type: 'string' },
  'pck-crl': { type: 'string' },
  'pck-crl-chain': { type: 'string' },
  'root-crl': { type: 'string' },
  mrtd: { type: 'string', multiple: true },
};
const SHOW: FlagSpec = { ...COMMON, report: { type: 'string' }, quote: { type: 'string' }, product: { type: 'string' } };

const SNP_ONLY = ['vek', 'ark', 'ask', 'crl', 'measurement', 'min-tcb', 'vmpl'];
const TDX_ONLY = ['root', 'tcb-info', 'qe-identity', 'tcb-chain', 'pck-crl', 'pck-crl-chain', 'root-crl', 'mrtd'];

/** A file that cannot be read is a usage-level failure (exit 2), distinct from bad evidence (exit 1). */
class UnreadableError extends Error {}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UnreadableError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}

function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

function list(flags: ParsedFlags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}

function parseAt(flags: ParsedFlags): Date | undefined {
  const s = str(flags, 'at');
  if (s === undefined) return undefined;
  // Date.parse is lenient; require an ISO-8601 shape so "yesterday" is a usage error, not a guess.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) || Number.isNaN(Date.parse(s))) {
    throw new UsageError(`--at must be an ISO-8601 time such as 2025-06-01T00:00:00Z, got "${s}"`);
  }
  return new Date(s);
}

export function parseMinTcb(s: string): SnpMinTcb {
  const out: SnpMinTcb = {};
  const keys = new Set(['bootloader', 'tee', 'snp', 'microcode', 'fmc']);
  for (const part of s.split(',')) {
    const m = /^\s*([a-z]+)\s*=\s*(\d{1,3})\s*$/.exec(part);
    if (!m || !keys.has(m[1] as string) || Number(m[2]) > 255) {
      throw new UsageError(`--min-tcb takes bootloader=N,tee=N,snp=N,microcode=N[,fmc=N] with N in 0..255, got "${part}"`);
    }
    out[m[1] as keyof SnpMinTcb] = Number(m[2]);
  }
  return out;
}

function hexFlag(value: string, name: string, bytes: number, upTo: boolean): string {
  const b = fromHex(value);
  if (!b || (upTo ? b.length > bytes || b.length === 0 : b.length !== bytes)) {
    throw new UsageError(`--${name} must be ${upTo ? `at most ${bytes}` : `exactly ${bytes}`} bytes of hex, got "${value}"`);
  }
  return value;
}

function loadTrust(flags: ParsedFlags, opts: AttestCliOptions): TrustStore {
  const explicit = str(flags, 'trust-dir');
  const dir = explicit ?? opts.defaultTrustDir ?? fileURLToPath(new URL('../../resources/attestation/', import.meta.url));
  try {
    return loadTrustDir(dir);
  } catch (err) {
    if (explicit !== undefined) throw new UnreadableError(`cannot read the trust folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    // The default folder is optional; the verdict says so if roots are then missing.
    return { ...EMPTY_TRUST, dir };
  }
}

export async function runAttestCli(argv: string[], io: AttestIo, opts: AttestCliOptions = {}): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      io.stdout(ATTEST_HELP);
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'verify') return verifyCommand(rest, io, opts);
    if (sub === 'show') return showCommand(rest, io);
    throw new UsageError(`unknown attest command "${sub}" (verify or show)`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`cairn attest: ${err.message}\nRun \`cairn attest --help\` for usage.\n`);
      return 2;
    }
    if (err instanceof UnreadableError) {
      io.stderr(`cairn attest: ${err.message}\n`);
      return 2;
    }
    io.stderr(`cairn attest: ${errorMessage(err)}\n`);
    return 1;
  }
}

function verifyCommand(argv: string[], io: AttestIo, opts: AttestCliOptions): number {
  const { flags, positional } = parseArgs(argv, VERIFY);
  if (flags.help) {
    io.stdout(ATTEST_HELP);
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
  const report = str(flags, 'report');
  const quote = str(flags, 'quote');
  if ((report === undefined) === (quote === undefined)) throw new UsageError('give exactly one of --report (SEV-SNP) or --quote (TDX)');
  const at = parseAt(flags);
  const json = flags.json === true;
  const misplaced = (report !== undefined ? TDX_ONLY : SNP_ONLY).filter((k) => flags[k] !== undefined);
  if (misplaced.length > 0) throw new UsageError(`--${misplaced[0]} does not apply to ${report !== undefined ? 'an SEV-SNP report' : 'a TDX quote'}`);

  let verdict: Verdict;
  if (report !== undefined) {
    const vek = str(flags, 'vek');
    if (vek === undefined) throw new UsageError('--vek (the VCEK or VLEK certificate) is required with --report');
    const policy: SnpPolicy = {};
    const rd = str(flags, 'report-data');
    if (rd !== undefined) policy.reportData = hexFlag(rd, 'report-data', 64, true);
    const ms = list(flags, 'measurement');
    if (ms.length > 0) policy.measurements = ms.map((m) => hexFlag(m, 'measurement', 48, false));
    const mt = str(flags, 'min-tcb');
    if (mt !== undefined) policy.minTcb = parseMinTcb(mt);
    const vm = list(flags, 'vmpl');
    if (vm.length > 0) {
      policy.vmpl = vm.map((v) => {
        if (!/^[0-3]$/.test(v)) throw new UsageError(`--vmpl takes 0..3, got "${v}"`);
        return Number(v);
      });
    }
    const ark = str(flags, 'ark');
    const ask = str(flags, 'ask');
    const evidence = {
      report: read(report),
      vek: read(vek),
      ...(ark !== undefined ? { ark: read(ark) } : {}),
      ...(ask !== undefined ? { intermediate: read(ask) } : {}),
      crls: list(flags, 'crl').map(read),
    };
    const trust = ark !== undefined && ask !== undefined ? EMPTY_TRUST : loadTrust(flags, opts);
    verdict = verifySnpReport(evidence, { ...(at ? { at } : {}), policy, trust });
  } else {
    const colFlags: [keyof TdxCollateral, string][] = [
      ['tcbInfo', 'tcb-info'],
      ['qeIdentity', 'qe-identity'],
      ['tcbSigningChain', 'tcb-chain'],
      ['pckCrl', 'pck-crl'],
      ['rootCaCrl', 'root-crl'],
    ];
    const given = colFlags.filter(([, f]) => flags[f] !== undefined);
    if (given.length > 0 && given.length < colFlags.length) {
      throw new UsageError(`collateral needs all of ${colFlags.map(([, f]) => `--${f}`).join(' ')} (missing ${colFlags.filter(([, f]) => flags[f] === undefined).map(([, f]) => `--${f}`).join(' ')})`);
    }
    if (given.length === 0 && flags['pck-crl-chain'] !== undefined) throw new UsageError('--pck-crl-chain only makes sense with the rest of the collateral');
    const collateral: Partial<TdxCollateral> = {};
    for (const [k, f] of colFlags) {
      const p = str(flags, f);
      if (p !== undefined) collateral[k] = read(p);
    }
    const pcc = str(flags, 'pck-crl-chain');
    if (pcc !== undefined) collateral.pckCrlIssuerChain = read(pcc);
    const policy: TdxPolicy = {};
    const rd = str(flags, 'report-data');
    if (rd !== undefined) policy.reportData = hexFlag(rd, 'report-data', 64, true);
    const mr = list(flags, 'mrtd');
    if (mr.length > 0) policy.mrTd = mr.map((m) => hexFlag(m, 'mrtd', 48, false));
    const root = str(flags, 'root');
    verdict = verifyTdxQuote(read(quote as string), {
      ...(at ? { at } : {}),
      policy,
      collateral,
      ...(root !== undefined ? { root: read(root) } : {}),
      trust: root !== undefined ? EMPTY_TRUST : loadTrust(flags, opts),
    });
  }

  if (json) io.stdout(`${JSON.stringify(verdict)}\n`);
  else io.stdout(formatVerdict(verdict));
  if (verdict.reasons.some((r) => r.code === 'roots-missing')) {
    io.stderr(
      'cairn attest: no roots to verify against. Pass the certificates (--ark and --ask for SEV-SNP, --root for TDX) ' +
        'or a trust folder holding them (--trust-dir DIR). AMD: https://kdsintf.amd.com/vcek/v1/<Product>/cert_chain (and /vlek/v1/… for VLEKs).\n',
    );
    return 2;
  }
  return verdict.verdict === 'reject' ? 1 : 0;
}

function tcbLine(t: SnpTcb): string {
  if (t.layout === 'unknown') return `raw ${t.raw} (product unknown)`;
  const parts = [`bootloader ${t.bootloader}`, `tee ${t.tee}`, `snp ${t.snp}`, `microcode ${t.microcode}`];
  if (t.layout === 'turin') parts.unshift(`fmc ${t.fmc}`);
  return `${parts.join(', ')} (raw ${t.raw})`;
}

export function formatVerdict(v: Verdict): string {
  const label = v.verdict === 'accept' ? 'ACCEPT' : v.verdict === 'reject' ? 'REJECT' : 'ACCEPT (signature and chain only)';
  const lines: string[] = [];
  const what = v.kind === 'sev-snp' ? ['SEV-SNP', v.product, v.signer?.key, v.fields ? `report v${v.fields.version}` : null] : ['TDX', v.fields ? `quote v${v.fields.header.version}` : null];
  lines.push(`${label}  ${what.filter(Boolean).join(', ')}  (checked at ${v.at})`);
  for (const r of v.reasons) lines.push(`  ${r.code === 'collateral-missing' ? 'note' : 'reason'} [${r.code}] ${r.message}`);
  const kv = (k: string, val: string | null | undefined) => {
    if (val !== null && val !== undefined) lines.push(`  ${k.padEnd(15)} ${val}`);
  };
  if (v.kind === 'sev-snp' && v.fields) {
    const f = v.fields;
    kv('measurement', f.measurement);
    kv('report data', f.reportData);
    kv('host data', f.hostData);
    kv('vmpl', String(f.vmpl));
    kv('policy', `${f.policy.raw}${f.policy.debugAllowed ? ' DEBUG' : ''}${f.policy.migrateMaAllowed ? ' MIGRATE_MA' : ''}${f.policy.smtAllowed ? ' SMT' : ''}`);
    kv('reported TCB', tcbLine(f.reportedTcb));
    kv('chip id', f.chipId);
  }
  if (v.kind === 'tdx' && v.fields) {
    const b = v.fields.body;
    kv('mrtd', b.mrTd);
    b.rtmr.forEach((r, i) => kv(`rtmr${i}`, r));
    kv('report data', b.reportData);
    kv('td attributes', `${b.tdAttributes.raw}${b.tdAttributes.debug ? ' DEBUG' : ''}`);
    kv('fmspc', v.tcb?.pck?.fmspc);
    kv('tcb status', v.tcb?.status ?? 'unknown (no collateral)');
    if (v.tcb && v.tcb.advisoryIds.length > 0) kv('advisories', v.tcb.advisoryIds.join(', '));
  }
  if (v.signer) {
    const c = v.signer.certificate;
    kv('signer', `${c.subject ?? '?'} issued by ${c.issuer ?? '?'} (valid ${c.notBefore} .. ${c.notAfter})`);
    if (v.signer.root) kv('root', `${v.signer.root.subject ?? '?'} sha256 ${v.signer.root.fingerprint256}`);
  }
  return `${lines.join('\n')}\n`;
}

function flatten(prefix: string, value: unknown, out: [string, string][]): void {
  if (value === null || typeof value !== 'object') {
    out.push([prefix, value === null ? '-' : String(value)]);
    return;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) flatten(prefix ? `${prefix}.${k}` : k, v, out);
}

const PRODUCTS: Record<string, SnpProduct> = { milan: 'Milan', genoa: 'Genoa', turin: 'Turin' };

function showCommand(argv: string[], io: AttestIo): number {
  const { flags, positional } = parseArgs(argv, SHOW);
  if (flags.help) {
    io.stdout(ATTEST_HELP);
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
  const report = str(flags, 'report');
  const quote = str(flags, 'quote');
  if ((report === undefined) === (quote === undefined)) throw new UsageError('give exactly one of --report or --quote');
  const p = str(flags, 'product');
  if (p !== undefined && (quote !== undefined || !(p.toLowerCase() in PRODUCTS))) throw new UsageError('--product takes milan, genoa or turin (SEV-SNP reports only)');
  let decoded: unknown;
  try {
    decoded = report !== undefined ? decodeSnpReport(read(report), p ? (PRODUCTS[p.toLowerCase()] ?? null) : null) : decodeTdxQuote(read(quote as string));
  } catch (err) {
    if (err instanceof UnreadableError) throw err;
    io.stderr(`cairn attest: malformed ${report !== undefined ? 'report' : 'quote'}: ${errorMessage(err)}\n`);
    return 1;
  }
  if (flags.json) io.stdout(`${JSON.stringify(decoded)}\n`);
  else {
    const rows: [string, string][] = [];
    flatten('', decoded, rows);
    const w = Math.max(...rows.map(([k]) => k.length));
    io.stdout(`${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`);
  }
  return 0;
}
