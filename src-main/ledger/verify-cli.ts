/**
 * The shape every bundle-verifying CLI command shares (`cairn custody
 * verify-bundle`, `cairn audit verify`): one FILE, an optional pinned
 * `--vkey`, `--json`; each check on its own line, then VALID or INVALID.
 * Exit 0 valid, 1 invalid (malformed included), 2 unreadable file; usage
 * errors are thrown as UsageError for the caller's usual handling.
 */
import { parseArgs, UsageError } from '../util/args';
import { parseVerifierKey } from './note';

export interface BundleVerdict {
  valid: boolean;
  checks: readonly { name: string; ok: boolean; detail: string }[];
  failures: readonly string[];
}

export interface BundleVerifyCommand<R extends BundleVerdict> {
  /** e.g. 'cairn audit', for messages. */
  program: string;
  /** e.g. 'verify', for messages. */
  command: string;
  help: string;
  verify(text: string, opts: { vkey?: string }): R | Promise<R>;
  /** The closing line of a valid result, e.g. 'VALID (12 entries)'. */
  validLine?(result: R): string;
}

export interface VerifyCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
}

export async function runBundleVerify<R extends BundleVerdict>(argv: string[], io: VerifyCliIo, cmd: BundleVerifyCommand<R>): Promise<number> {
  const { flags, positional } = parseArgs(argv, { vkey: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } });
  if (flags.help) {
    io.stdout(cmd.help);
    return 0;
  }
  if (positional.length !== 1) throw new UsageError(`${cmd.command} needs exactly one FILE`);
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
    io.stderr(`${cmd.program}: cannot read ${positional[0]}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    return 2;
  }
  const result = await cmd.verify(text, vkey === undefined ? {} : { vkey });
  if (flags.json) io.stdout(`${JSON.stringify(result)}\n`);
  else {
    for (const c of result.checks) io.stdout(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
    const n = result.failures.length;
    io.stdout(result.valid ? `${cmd.validLine?.(result) ?? 'VALID'}\n` : `INVALID (${n} failure${n === 1 ? '' : 's'})\n`);
  }
  return result.valid ? 0 : 1;
}
