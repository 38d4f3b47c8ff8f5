/**
 * `cairn ledger …`: offline verification of inclusion and consistency
 * proofs, signed checkpoints and tlog-proof bundles. Needs no database or
 * app; argv is what follows `cairn ledger`.
 *
 * Exit codes: 0 valid, 1 invalid (including malformed hashes, which are
 * part of what is being verified), 2 usage error or unreadable input
 * (including an unusable --vkey, which is configuration, not evidence).
 */
import { AppException } from '../util/app-exception';
import { parseArgs, UsageError, type FlagSpec } from '../util/args';
import { policyFromKeys, verifyCheckpoint } from './checkpoint';
import { fromHex } from './encoding';
import { fail, verifyConsistency, verifyInclusion, type Verdict } from './merkle';
import { parseVerifierKey, type NoteVerifier } from './note';
import { verifyTlogProof } from './tlog-proof';

export interface LedgerCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
}

export const LEDGER_HELP = `usage: cairn ledger <command> [--json]

commands:
  verify-inclusion --leaf-hash HEX --index N --size N --root HEX --proof HEX[,HEX…]
                      check an RFC 9162 inclusion proof (--proof '' for an empty proof)
  verify-consistency --size1 N --size2 N --root1 HEX --root2 HEX --proof HEX[,HEX…]
                      check that the tree of size2 extends the tree of size1
  verify-checkpoint --vkey VKEY [--vkey VKEY…] [--origin O] [--witnesses K] FILE
                      check a signed checkpoint (c2sp.org/tlog-checkpoint); cosigner
                      keys (type 0x04) count as witnesses, K of them must have signed
  verify-tlog-proof --vkey VKEY [--vkey VKEY…] --leaf-hash HEX [--origin O] [--witnesses K] FILE
                      check a c2sp.org/tlog-proof@v1 bundle for the leaf with that hash

Hashes are hex (SHA-256, 32 bytes). Verifier keys are name+keyid+base64.
--json prints {"valid":true|false,"reason":"…"}.
exit codes: 0 valid, 1 invalid, 2 usage error or unreadable file
`;

const JSON_FLAG: FlagSpec = { json: { type: 'boolean' } };

export async function runLedgerCli(argv: string[], io: LedgerCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.stderr : io.stdout)(LEDGER_HELP);
      return cmd === undefined ? 2 : 0;
    }
    const run = COMMANDS[cmd];
    if (!run) throw new UsageError(`unknown ledger command "${cmd}"`);
    if (rest.includes('--help')) {
      io.stdout(LEDGER_HELP);
      return 0;
    }
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err instanceof AppException && err.code === 'invalid_request')) {
      io.stderr(`cairn ledger: ${err.message}\nRun \`cairn ledger --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
}

type Command = (argv: string[], io: LedgerCliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  'verify-inclusion': async (argv, io) => {
    const { flags } = parse(argv, { 'leaf-hash': str, index: str, size: str, root: str, proof: str });
    const index = integer(flags, 'index');
    const size = integer(flags, 'size');
    const leafHash = hex(flags, 'leaf-hash');
    const root = hex(flags, 'root');
    const proof = hexList(flags, 'proof');
    const verdict =
      leafHash.bad ?? root.bad ?? proof.bad ?? verifyInclusion({ leafHash: leafHash.value, index, size, proof: proof.value, root: root.value });
    return report(io, flags, verdict);
  },

  'verify-consistency': async (argv, io) => {
    const { flags } = parse(argv, { size1: str, size2: str, root1: str, root2: str, proof: str });
    const size1 = integer(flags, 'size1');
    const size2 = integer(flags, 'size2');
    const root1 = hex(flags, 'root1');
    const root2 = hex(flags, 'root2');
    const proof = hexList(flags, 'proof');
    const verdict = root1.bad ?? root2.bad ?? proof.bad ?? verifyConsistency({ size1, size2, root1: root1.value, root2: root2.value, proof: proof.value });
    return report(io, flags, verdict);
  },

  'verify-checkpoint': async (argv, io) => {
    const { flags, positional } = parse(argv, { vkey: strs, origin: str, witnesses: str });
    const policy = policyFromKeys(vkeys(flags), policyExtras(flags));
    const text = await readOne(positional, io);
    if (text === undefined) return 2;
    return report(io, flags, verifyCheckpoint(text, policy));
  },

  'verify-tlog-proof': async (argv, io) => {
    const { flags, positional } = parse(argv, { vkey: strs, 'leaf-hash': str, origin: str, witnesses: str });
    const policy = policyFromKeys(vkeys(flags), policyExtras(flags));
    const leafHash = hex(flags, 'leaf-hash');
    const text = await readOne(positional, io);
    if (text === undefined) return 2;
    return report(io, flags, leafHash.bad ?? verifyTlogProof(text, { leafHash: leafHash.value }, policy));
  },
};

// ---- argument helpers -------------------------------------------------------------------

type Flags = Record<string, string | number | boolean | string[] | undefined>;
const str = { type: 'string' } as const;
const strs = { type: 'string', multiple: true } as const;

function parse(argv: string[], spec: FlagSpec): { flags: Flags; positional: string[] } {
  return parseArgs(argv, { ...JSON_FLAG, ...spec });
}

function required(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string') throw new UsageError(`--${name} is required`);
  return v;
}

/** Decimal digits only: "1.5", "1e3", "0x10" and "-1" are usage errors, not numbers to guess at. */
function integer(flags: Flags, name: string): bigint {
  const v = required(flags, name);
  if (!/^[0-9]+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got "${v}"`);
  return BigInt(v);
}

type Parsed<T> = { value: T; bad?: undefined } | { value?: undefined; bad: Verdict };

/** A hash that is not hex is a malformed hash: the proof is invalid (exit 1), not a usage error. */
function hex(flags: Flags, name: string): Parsed<Uint8Array> {
  const v = required(flags, name);
  const b = fromHex(v);
  return b ? { value: b } : { bad: fail('malformed', `--${name} is not hex`) };
}

function hexList(flags: Flags, name: string): Parsed<Uint8Array[]> {
  const v = required(flags, name);
  if (v === '') return { value: [] };
  const out: Uint8Array[] = [];
  for (const [i, part] of v.split(',').entries()) {
    const b = fromHex(part);
    if (!b) return { bad: fail('malformed', `--${name} element ${i} is not hex`) };
    out.push(b);
  }
  return { value: out };
}

function vkeys(flags: Flags): NoteVerifier[] {
  const list = flags.vkey;
  if (!Array.isArray(list) || list.length === 0) throw new UsageError('--vkey is required');
  return list.map(parseVerifierKey);
}

function policyExtras(flags: Flags): { origin?: string; witnessQuorum?: number } {
  const out: { origin?: string; witnessQuorum?: number } = {};
  if (typeof flags.origin === 'string') out.origin = flags.origin;
  if (flags.witnesses !== undefined) out.witnessQuorum = Number(integer(flags, 'witnesses'));
  return out;
}

async function readOne(positional: string[], io: LedgerCliIo): Promise<string | undefined> {
  if (positional.length !== 1) throw new UsageError(`expected one FILE, got ${positional.length}`);
  const path = positional[0] as string;
  try {
    return await io.readFile(path);
  } catch (err) {
    io.stderr(`cairn ledger: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
}

function report(io: LedgerCliIo, flags: Flags, v: Verdict): number {
  if (flags.json) io.stdout(`${JSON.stringify({ valid: v.valid, reason: v.reason })}\n`);
  else io.stdout(`${v.valid ? 'valid' : 'invalid'}: ${v.reason}\n`);
  return v.valid ? 0 : 1;
}
