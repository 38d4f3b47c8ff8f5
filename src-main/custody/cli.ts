/**
 * `cairn custody …`: offline verification of custody export bundles.
 * Needs no database, keychain or app; argv is what follows `cairn custody`.
 *
 * Exit codes: 0 valid, 1 invalid (a malformed bundle included: it is the
 * evidence under test), 2 usage error, unreadable file or unusable --vkey
 * (configuration, not evidence).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CustodyState } from '../../src-preload/contract';
import { runBundleVerify } from '../ledger';
import { openKeychain } from '../secrets';
import { openDatabase } from '../store/database';
import { parseArgs, UsageError } from '../util/args';
import { AppException } from '../util/app-exception';
import { authorize, enforce, OsGroupSource, TenancyService } from '../tenancy';
import { currentOperator } from '../topology';
import { verifyBundleParallel } from './bundle';
import { FieldLog } from './field-log';
import { mergeFieldLog } from './field-merge';
import { custodyActionFor, type CustodyActor } from './permissions';
import { CustodyService } from './service';

export interface CustodyCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
  /** Defaults to node:fs. */
  writeFile?(path: string, data: Uint8Array): Promise<void>;
  /**
   * Opens the custody record of a data directory; defaults to its cairn.db, the OS keychain and the
   * OS user's tenancy identity, which resolves who records a step (tests inject).
   */
  openCustody?(dataDir: string): Promise<OpenedCustody>;
}

export interface OpenedCustody {
  custody: CustodyService;
  close(): void;
  /** The operator running the command, checked for the step's permission (throws `forbidden`). */
  actor?(to: CustodyState): CustodyActor;
}

async function openDataDir(dataDir: string): Promise<OpenedCustody> {
  const file = join(dataDir, 'cairn.db');
  // A report reads an existing record; never create an empty database by accident.
  if (!existsSync(file)) throw new UsageError(`--data-dir: no Cairn database at ${file}`);
  const db = openDatabase(file);
  try {
    const tenancy = new TenancyService({ db, operator: currentOperator(), groups: new OsGroupSource() });
    const actor = (to: CustodyState): CustodyActor => {
      const me = tenancy.identity();
      const decision = authorize(me, custodyActionFor(to));
      enforce(decision);
      return { id: me.name, role: (decision.allowed && decision.via) || 'viewer' };
    };
    return { custody: new CustodyService({ db, secrets: await openKeychain() }), close: () => db.close(), actor };
  } catch (err) {
    db.close();
    throw err;
  }
}

export const CUSTODY_HELP = `usage: cairn custody <command>

commands:
  verify-bundle FILE [--vkey VKEY] [--json]
                      verify a chain-of-custody export bundle offline: every operator
                      signature, every inclusion proof against the signed checkpoint,
                      the checkpoint and export statement against the log key (pinned
                      with --vkey, else the bundle's own), event order and completeness,
                      and every transition replayed through the lifecycle state machine

  report (--appliance ID | --job ID) --data-dir DIR --out FILE.pdf [--json]
                      write the PDF audit report of an appliance or job from the record in
                      DIR: signed checkpoint (and its QR code), timeline, verification
                      summary, certificate of sanitization; the bundle JSON is written
                      beside it (FILE.json) since the PDF's footers carry its SHA-256

  export-field-log --data-dir DIR --out FILE.json
                      write this installation's offline field log (every event recorded in the
                      field, with the field log's signed checkpoint and key) for merging centrally

  merge-field-log FILE --data-dir DIR [--json]
                      merge a field-log bundle into the central custody log in DIR: verifies it,
                      checks consistency with every field checkpoint merged before (a rewritten
                      field log is refused), appends new events re-checked on the central timeline
                      and prints the consistency proofs and each event's outcome and inclusion

--json prints {"valid":…,"checks":[{"name","ok","detail"}],"failures":[…]} (report: {"out","bundle","pages","bundleSha256","valid"}).
exit codes: 0 valid, 1 invalid (report: written, but the bundle does not verify; merge-field-log: refused
or some events conflict), 2 usage error,
unreadable file or unusable --vkey (report: unknown appliance or job, no database, unwritable output)
`;

export async function runCustodyCli(argv: string[], io: CustodyCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.stderr : io.stdout)(CUSTODY_HELP);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === 'report') return await report(rest, io);
    if (cmd === 'export-field-log') return await exportFieldLog(rest, io);
    if (cmd === 'merge-field-log') return await mergeFieldLogCli(rest, io);
    if (cmd !== 'verify-bundle') throw new UsageError(`unknown custody command "${cmd}"`);
    return await runBundleVerify(rest, io, { program: 'cairn custody', command: 'verify-bundle', help: CUSTODY_HELP, verify: verifyBundleParallel });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`cairn custody: ${err.message}\nRun \`cairn custody --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
}

async function report(argv: string[], io: CustodyCliIo): Promise<number> {
  const { flags, positional } = parseArgs(argv, {
    appliance: { type: 'string' },
    job: { type: 'string' },
    'data-dir': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positional.length) throw new UsageError('report takes no positional arguments');
  const appliance = flags.appliance as string | undefined;
  const job = flags.job as string | undefined;
  if ((appliance === undefined) === (job === undefined)) throw new UsageError('report needs exactly one of --appliance ID or --job ID');
  const dataDir = flags['data-dir'] as string | undefined;
  const out = flags.out as string | undefined;
  if (!dataDir) throw new UsageError('report needs --data-dir DIR');
  if (!out || !/\.pdf$/i.test(out)) throw new UsageError('report needs --out FILE.pdf');
  const bundlePath = out.replace(/\.pdf$/i, '.json');
  const { custody, close } = await (io.openCustody ?? openDataDir)(dataDir);
  try {
    const r = await custody.exportReport(appliance !== undefined ? { kind: 'appliance', id: appliance } : { kind: 'job', id: job as string });
    const write = io.writeFile ?? ((p: string, d: Uint8Array) => writeFile(p, d));
    try {
      await write(out, r.pdf);
      await write(bundlePath, Buffer.from(r.bundleText, 'utf8'));
    } catch (err) {
      io.stderr(`cairn custody: cannot write ${out}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
      return 2;
    }
    const valid = r.verification.valid;
    if (flags.json) io.stdout(`${JSON.stringify({ out, bundle: bundlePath, pages: r.pages, bundleSha256: r.bundleSha256, valid })}\n`);
    else io.stdout(`wrote ${out} (${r.pages} pages) and ${bundlePath} (SHA-256 ${r.bundleSha256}); the bundle ${valid ? 'verifies' : 'does NOT verify'}\n`);
    return valid ? 0 : 1;
  } catch (err) {
    if (err instanceof AppException) {
      io.stderr(`cairn custody: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    close();
  }
}

async function withCustody<T>(dataDir: string | undefined, io: CustodyCliIo, fn: (o: OpenedCustody) => Promise<T>): Promise<T | 2> {
  if (!dataDir) throw new UsageError('needs --data-dir DIR');
  const opened = await (io.openCustody ?? openDataDir)(dataDir);
  try {
    return await fn(opened);
  } catch (err) {
    if (err instanceof AppException) {
      io.stderr(`cairn custody: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    opened.close();
  }
}

async function exportFieldLog(argv: string[], io: CustodyCliIo): Promise<number> {
  const { flags, positional } = parseArgs(argv, { 'data-dir': { type: 'string' }, out: { type: 'string' } });
  if (positional.length) throw new UsageError('export-field-log takes no positional arguments');
  const out = flags.out as string | undefined;
  if (!out) throw new UsageError('export-field-log needs --out FILE.json');
  return withCustody(flags['data-dir'] as string | undefined, io, async ({ custody }) => {
    const r = await new FieldLog(custody).exportBundle();
    try {
      await (io.writeFile ?? ((p: string, d: Uint8Array) => writeFile(p, d)))(out, Buffer.from(r.text, 'utf8'));
    } catch (err) {
      io.stderr(`cairn custody: cannot write ${out}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
      return 2;
    }
    io.stdout(`wrote ${out}: ${r.events} field event${r.events === 1 ? '' : 's'} of ${r.bundle.origin}\n`);
    return 0;
  });
}

async function mergeFieldLogCli(argv: string[], io: CustodyCliIo): Promise<number> {
  const { flags, positional } = parseArgs(argv, { 'data-dir': { type: 'string' }, json: { type: 'boolean' } });
  if (positional.length !== 1) throw new UsageError('merge-field-log needs exactly one FILE');
  let text: string;
  try {
    text = await io.readFile(positional[0] as string);
  } catch (err) {
    io.stderr(`cairn custody: cannot read ${positional[0]}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    return 2;
  }
  return withCustody(flags['data-dir'] as string | undefined, io, async ({ custody, actor }) => {
    if (!actor) throw new AppException('internal', 'no operator identity to merge as');
    let r;
    try {
      r = await mergeFieldLog(custody, text, actor('ordered'));
    } catch (err) {
      // A bundle that does not verify is the evidence under test: exit 1, like verify-bundle.
      if (err instanceof AppException && err.code === 'invalid_request') {
        io.stderr(`cairn custody: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    if (flags.json) io.stdout(`${JSON.stringify(r)}\n`);
    else {
      io.stdout(`field log ${r.origin} at size ${r.fieldSize} (root ${r.fieldRoot})\n`);
      if (r.consistency.length === 0) io.stdout('consistency: first merge of this field log (no earlier checkpoint to check)\n');
      for (const c of r.consistency) {
        io.stdout(`${c.valid ? 'ok  ' : 'FAIL'} consistency ${c.oldSize} (${c.oldRoot.slice(0, 16)}…) → ${c.newSize} (${c.newRoot.slice(0, 16)}…): ${c.detail}\n`);
        for (const h of c.proof) io.stdout(`       ${h}\n`);
      }
      for (const e of r.events) {
        const where = e.centralLeafIndex === null ? '' : ` → central #${e.centralSeq}, leaf ${e.centralLeafIndex}, inclusion ${e.included ? 'verified' : 'NOT verified'} (${e.inclusionProof.length} hashes)`;
        io.stdout(`${e.outcome.padEnd(14)} field leaf ${e.fieldLeafIndex} ${e.applianceId} → ${e.to}${where}${e.reason ? `: ${e.reason}` : ''}\n`);
      }
      io.stdout(`${r.accepted ? 'MERGED' : 'REFUSED'}: ${r.reason}; central log ${r.central.origin} at size ${r.central.size}\n`);
    }
    return r.accepted && r.conflicts === 0 && r.refused === 0 ? 0 : 1;
  });
}
