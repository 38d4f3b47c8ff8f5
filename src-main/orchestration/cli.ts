/**
 * `cairn ops …`: the operation journal read straight from the data
 * directory's database (no PVE connection, no keychain), so it works when
 * the console is closed or offline. Read-only on purpose: applying runs in
 * the console's engine, the one process that executes a journal.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OperationStateSchema } from '../../src-preload/contract';
import { openDatabase } from '../store/database';
import { parseArgs, UsageError } from '../util/args';
import { toDto, toSummary } from './engine';
import { Journal } from './journal';

export interface OpsCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  dataDir: string;
}

export const OPS_HELP = `usage: cairn ops <command>

commands:
  list [--state planned|queued|running|succeeded|failed|cancelled|refused] [--batch ID] [--limit N] [--json]
                      operations in the journal, newest first
  show --id ID [--json]
                      one operation: its plan, each step with its state and UPID, and its event history

exit codes: 0 ok, 1 no such operation, 2 usage error or no database
`;

const COMMON = { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } as const;

function open(dataDir: string): { journal: Journal; close(): void } {
  const file = join(dataDir, 'cairn.db');
  if (!existsSync(file)) throw new UsageError(`--data-dir: no Cairn database at ${file}`);
  const db = openDatabase(file);
  return { journal: new Journal(db), close: () => db.close() };
}

export async function runOpsCli(argv: string[], io: OpsCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.stdout(OPS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'list') {
    const { flags } = parseArgs(rest, { ...COMMON, state: { type: 'string' }, batch: { type: 'string' }, limit: { type: 'number' } });
    const state = flags.state === undefined ? undefined : OperationStateSchema.safeParse(flags.state);
    if (state && !state.success) throw new UsageError('--state must be planned, queued, running, succeeded, failed, cancelled or refused');
    const { journal, close } = open((flags['data-dir'] as string | undefined) ?? io.dataDir);
    try {
      const ops = journal
        .list({ ...(state?.success ? { state: state.data } : {}), ...(flags.batch ? { batchId: flags.batch as string } : {}), limit: (flags.limit as number | undefined) ?? 100 })
        .map(toSummary);
      if (flags.json) io.stdout(`${JSON.stringify(ops)}\n`);
      else if (!ops.length) io.stdout('No operations.\n');
      else for (const o of ops) io.stdout(`${o.id}\t${o.state}\t${o.action}\t${o.target}\t${o.stepsDone}/${o.stepsTotal}\t${o.actor}\t${o.updatedAt}\t${o.reason ?? o.waiting ?? ''}\n`);
      return 0;
    } finally {
      close();
    }
  }
  if (sub === 'show') {
    const { flags } = parseArgs(rest, { ...COMMON, id: { type: 'string' } });
    if (!flags.id) throw new UsageError('--id ID is required (from `cairn ops list`)');
    const { journal, close } = open((flags['data-dir'] as string | undefined) ?? io.dataDir);
    try {
      const op = journal.get(flags.id as string);
      if (!op) {
        io.stderr(`cairn: no operation ${String(flags.id)}\n`);
        return 1;
      }
      const events = journal.events(op.id);
      if (flags.json) {
        io.stdout(`${JSON.stringify({ ...toDto(op), events })}\n`);
        return 0;
      }
      const d = toDto(op);
      io.stdout(`${d.id}  ${d.action}  ${d.state}${d.reason ? ` — ${d.reason}` : ''}${d.waiting ? ` — waiting: ${d.waiting}` : ''}\n`);
      io.stdout(`target: ${d.plan.target.name} (${d.plan.target.vmid}) on ${d.plan.target.node}, cluster ${d.clusterId}; by ${d.actor}\n`);
      io.stdout(`effect: ${d.plan.expectedEffect}\n`);
      const q = d.plan.quotaDelta;
      io.stdout(`quota delta: guests ${q.guests}, vCPU ${q.vcpu}, memory ${q.memoryMiB} MiB, disk ${q.diskGiB} GiB\n`);
      const pl = d.plan.placement;
      if (pl) {
        io.stdout(`placement: advisor proposed ${pl.proposed ?? 'no host'}, chosen ${pl.chosen}${pl.overridden ? ' (operator override)' : ''}\n`);
        for (const c of pl.candidates) io.stdout(`  ${c.node}: ${c.accepted ? `#${c.rank}` : `rejected — ${c.reasons.join('; ')}`}\n`);
      }
      for (const s of d.steps) io.stdout(`  ${s.index + 1}. [${s.state}] ${s.summary}${s.upid ? `  ${s.upid}` : ''}${s.detail ? `  (${s.detail})` : ''}\n`);
      io.stdout('history:\n');
      for (const e of events) io.stdout(`  ${e.at}  ${e.index === null ? '' : `step ${e.index + 1} `}${e.type}\n`);
      return 0;
    } finally {
      close();
    }
  }
  throw new UsageError('ops needs list or show');
}
