/**
 * `cairn audit …`: offline verification of audit export bundles. Needs no
 * database, keychain or app; argv is what follows `cairn audit`.
 *
 * Exit codes: 0 valid, 1 invalid (a malformed bundle included: it is the
 * evidence under test), 2 usage error, unreadable file or unusable --vkey.
 */
import { writeFile } from 'node:fs/promises';
import { runBundleVerify } from '../ledger';
import { parseArgs, UsageError } from '../util/args';
import { verifyAuditBundle } from './bundle';
import type { AuditService } from './service';

export interface AuditCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
  /** Defaults to node:fs. */
  writeFile?(path: string, data: string | Uint8Array): Promise<void>;
  /** Runs `fn` with the audit service of a data directory (`export` only); the CLI passes its composition root. */
  withAudit?<T>(flags: Record<string, unknown>, fn: (audit: AuditService) => Promise<T>): Promise<T>;
}

export const AUDIT_HELP = `usage: cairn audit <command>

commands:
  verify FILE [--vkey VKEY] [--json]
                      verify an audit export bundle offline: the signed checkpoint and
                      export statement against the log key (pinned with --vkey, else the
                      bundle's own), every entry's inclusion proof, contiguity (no entry
                      dropped, inserted or reordered), times within the range, and the
                      bundle's canonical layout (no byte edited)

  export [--from ISO] [--to ISO] --format bundle|csv|pdf --out FILE [--data-dir DIR]
                      write a range of this installation's audit trail (from inclusive, to
                      exclusive; default: everything) as a verifiable bundle, CSV or PDF

--json prints {"valid":…,"checks":[{"name","ok","detail"}],"failures":[…],"entries":N,"range":{…}}.
exit codes: 0 valid, 1 invalid (malformed included), 2 usage error, unreadable file or unusable --vkey
`;

export async function runAuditCli(argv: string[], io: AuditCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.stderr : io.stdout)(AUDIT_HELP);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === 'export') return await exportRange(rest, io);
    if (cmd !== 'verify') throw new UsageError(`unknown audit command "${cmd}"`);
    return await runBundleVerify(rest, io, {
      program: 'cairn audit',
      command: 'verify',
      help: AUDIT_HELP,
      verify: verifyAuditBundle,
      validLine: (r) => `VALID (${r.entries} entr${r.entries === 1 ? 'y' : 'ies'})`,
    });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`cairn audit: ${err.message}\nRun \`cairn audit --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
}

async function exportRange(argv: string[], io: AuditCliIo): Promise<number> {
  const { flags, positional } = parseArgs(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
  });
  if (positional.length) throw new UsageError('export takes no positional arguments');
  const format = flags.format as string | undefined;
  if (format !== 'bundle' && format !== 'csv' && format !== 'pdf') throw new UsageError('export needs --format bundle, csv or pdf');
  const out = flags.out as string | undefined;
  if (!out) throw new UsageError('export needs --out FILE');
  for (const f of ['from', 'to'] as const) {
    const v = flags[f] as string | undefined;
    if (v !== undefined && !Number.isFinite(Date.parse(v))) throw new UsageError(`--${f}: "${v}" is not an ISO-8601 date and time`);
  }
  if (!io.withAudit) throw new UsageError('export needs a Cairn data directory');
  const r = await io.withAudit(flags, (audit) =>
    audit.export({ format, ...(flags.from ? { from: String(flags.from) } : {}), ...(flags.to ? { to: String(flags.to) } : {}) }),
  );
  const data = r.encoding === 'base64' ? Buffer.from(r.data, 'base64') : r.data;
  await (io.writeFile ?? ((p: string, d: string | Uint8Array) => writeFile(p, d)))(out, data);
  io.stdout(`Wrote ${r.entries} audit entr${r.entries === 1 ? 'y' : 'ies'} to ${out}\n`);
  return 0;
}
