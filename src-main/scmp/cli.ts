/**
 * `cairn scmp …`: the SCMP connector from the command line over the same
 * `ScmpSync` the console uses (the caller builds it from the data
 * directory, token from the OS keychain). `status` and `outbox` only read
 * the local cache and outbox; `pull` runs one sync now (pull every
 * collection, then push the outbox) and fails when the SCMP refused any part.
 */
import type { ScmpOutboxEntry, ScmpStatus } from '../../src-preload/contract';
import { parseArgs, UsageError } from '../util/args';
import type { ScmpSync } from './sync';

export interface ScmpCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Runs `fn` with the connector of the data directory named by the flags (`--data-dir`). */
  withScmp<T>(flags: Record<string, unknown>, fn: (sync: Pick<ScmpSync, 'status' | 'outbox' | 'syncNow'>) => Promise<T>): Promise<T>;
}

export const SCMP_HELP = `usage: cairn scmp <command>

commands:
  status [--json]     whether an SCMP is connected, when each collection was last pulled, items cached, outbox counts
  pull [--json]       pull tenants, quotas, role bindings and policies now, then push the outbox
  outbox [--pending] [--json]
                      bundles queued for the SCMP (audit, custody, survey), pushed or not

common flags: --data-dir DIR

exit codes: 0 ok, 1 no SCMP connected or the SCMP refused part of the sync, 2 usage error
`;

const COMMON = { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } as const;

function statusText(s: ScmpStatus): string {
  if (!s.connected || !s.endpoint) return 'SCMP: not connected (Cairn works locally)\n';
  const lines = [
    `SCMP: ${s.endpoint.name} ${s.endpoint.url} (token ${s.endpoint.tokenId})`,
    `last complete pull: ${s.lastPullAt ?? 'never'}${s.lastError ? `; last error: ${s.lastError}` : ''}`,
    ...s.collections.map((c) => `  ${c.collection.padEnd(14)} ${String(c.count).padStart(5)} cached  pulled ${c.lastSuccessAt ?? 'never'}${c.lastError ? `  error: ${c.lastError}` : ''}`),
    `outbox: ${s.outbox.pending} pending, ${s.outbox.pushed} pushed${s.outbox.failing ? `, ${s.outbox.failing} failing` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

function outboxText(entries: readonly ScmpOutboxEntry[]): string {
  if (!entries.length) return 'Outbox empty.\n';
  return entries
    .map((e) => `${e.kind}\t${e.sha256.slice(0, 16)}…\t${e.size} B\tqueued ${e.queuedAt}\t${e.pushedAt ? `pushed ${e.pushedAt}` : `pending (${e.attempts} attempt${e.attempts === 1 ? '' : 's'}${e.lastError ? `: ${e.lastError}` : ''})`}\n`)
    .join('');
}

export async function runScmpCli(argv: string[], io: ScmpCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.stdout(SCMP_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'status') {
    const { flags } = parseArgs(rest, COMMON);
    const s = await io.withScmp(flags, async (sync) => sync.status());
    io.stdout(flags.json ? `${JSON.stringify(s)}\n` : statusText(s));
    return 0;
  }
  if (sub === 'pull') {
    const { flags } = parseArgs(rest, COMMON);
    const s = await io.withScmp(flags, async (sync) => {
      if (!sync.status().connected) return null;
      await sync.syncNow();
      return sync.status();
    });
    if (!s) {
      io.stderr('cairn: no SCMP is connected (Settings → SCMP in the console); Cairn works locally\n');
      return 1;
    }
    io.stdout(flags.json ? `${JSON.stringify(s)}\n` : statusText(s));
    return s.lastError ? 1 : 0;
  }
  if (sub === 'outbox') {
    const { flags } = parseArgs(rest, { ...COMMON, pending: { type: 'boolean' } });
    const all = await io.withScmp(flags, async (sync) => sync.outbox());
    const entries = flags.pending ? all.filter((e) => e.pushedAt === null) : all;
    io.stdout(flags.json ? `${JSON.stringify(entries)}\n` : outboxText(entries));
    return 0;
  }
  throw new UsageError(`unknown scmp command '${sub}' (status, pull or outbox)`);
}
