/**
 * `cairn custody …`: offline verification of custody export bundles.
 * Needs no database, keychain or app; argv is what follows `cairn custody`.
 *
 * Exit codes: 0 valid, 1 invalid (a malformed bundle included: it is the
 * evidence under test), 2 usage error, unreadable file or unusable --vkey
 * (configuration, not evidence).
 */
import { parseVerifierKey } from '../ledger';
import { parseArgs, UsageError } from '../util/args';
import { verifyBundle } from './bundle';

export interface CustodyCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
}

export const CUSTODY_HELP = `usage: cairn custody <command>

commands:
  verify-bundle FILE [--vkey VKEY] [--json]
                      verify a chain-of-custody export bundle offline: every operator
                      signature, every inclusion proof against the signed checkpoint,
                      the checkpoint and export statement against the log key (pinned
                      with --vkey, else the bundle's own), event order and completeness,
                      and every transition replayed through the lifecycle state machine

--json prints {"valid":…,"checks":[{"name","ok","detail"}],"failures":[…]}.
exit codes: 0 valid, 1 invalid, 2 usage error, unreadable file or unusable --vkey
`;

export async function runCustodyCli(argv: string[], io: CustodyCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.stderr : io.stdout)(CUSTODY_HELP);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd !== 'verify-bundle') throw new UsageError(`unknown custody command "${cmd}"`);
    const { flags, positional } = parseArgs(rest, { vkey: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } });
    if (flags.help) {
      io.stdout(CUSTODY_HELP);
      return 0;
    }
    if (positional.length !== 1) throw new UsageError('verify-bundle needs exactly one FILE');
    const vkey = flags.vkey as string | undefined;
    if (vkey !== undefined) {
      try {
        parseVerifierKey(vkey.trim());
      } catch (err) {
        throw new UsageError(`--vkey: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    let text: string;
    try {
      text = await io.readFile(positional[0] as string);
    } catch (err) {
      io.stderr(`cairn custody: cannot read ${positional[0]}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
      return 2;
    }
    const result = verifyBundle(text, vkey === undefined ? {} : { vkey });
    if (flags.json) io.stdout(`${JSON.stringify(result)}\n`);
    else {
      for (const c of result.checks) io.stdout(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
      io.stdout(result.valid ? 'VALID\n' : `INVALID (${result.failures.length} failure${result.failures.length === 1 ? '' : 's'})\n`);
    }
    return result.valid ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`cairn custody: ${err.message}\nRun \`cairn custody --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
}
