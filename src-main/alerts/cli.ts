/**
 * `cairn alerts …`: the alerts the console has stored, read straight from
 * the data directory's database (no sync, no keychain), so it works on a
 * machine whose console is closed or offline. argv is what follows
 * `cairn alerts`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AlertFilterStateSchema, AlertListQuerySchema, AlertSeveritySchema, type AlertDto } from '../../src-preload/contract';
import { openDatabase } from '../store/database';
import { SettingsRepo } from '../store/settings-repo';
import { AppException } from '../util/app-exception';
import { parseArgs, UsageError } from '../util/args';
import { createLogger, Redactor } from '../util/log';
import { AlertService } from './alert-service';

export interface AlertsCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  dataDir: string;
}

export const ALERTS_HELP = `usage: cairn alerts <command>

commands:
  list [--state active|open|acknowledged|resolved|all] [--severity warning|critical]
       [--query TEXT] [--limit N] [--json]
                      alerts as the console last evaluated them (default: active, worst first)
  ack --id N [--note TEXT] [--json]
                      acknowledge an open alert as the current OS user

exit codes: 0 ok, 1 no such alert or already resolved, 2 usage error or no database
`;

const COMMON = { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } as const;

function open(dataDir: string): { service: AlertService; close(): void } {
  const file = join(dataDir, 'cairn.db');
  // Reading alerts must never create an empty database by accident.
  if (!existsSync(file)) throw new UsageError(`--data-dir: no Cairn database at ${file}`);
  const db = openDatabase(file);
  const settings = new SettingsRepo(db);
  const service = new AlertService({
    db,
    settings,
    syncIntervalSeconds: () => settings.get().syncIntervalSeconds,
    // Reading and acknowledging log nothing worth keeping; the console's own log records evaluations.
    log: createLogger({ sinks: [], redactor: new Redactor() }),
  });
  return { service, close: () => db.close() };
}

function line(a: AlertDto): string {
  const value = a.value === null ? '' : `${a.value}${a.unit === '%' ? ' %' : ` ${a.unit}`}`;
  const ack = a.state === 'acknowledged' ? `\tack ${a.acknowledgedBy ?? '?'}${a.ackNote ? `: ${a.ackNote}` : ''}` : '';
  return `${a.id}\t${a.severity.toUpperCase()}\t${a.state}\t${a.kind}\t${value}\t${a.message}\t${a.raisedAt}${ack}\n`;
}

export async function runAlertsCli(argv: string[], io: AlertsCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.stdout(ALERTS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'list') {
    const { flags } = parseArgs(rest, { ...COMMON, state: { type: 'string' }, severity: { type: 'string' }, query: { type: 'string' }, limit: { type: 'number' } });
    const state = AlertFilterStateSchema.safeParse(flags.state ?? 'active');
    if (!state.success) throw new UsageError('--state must be active, open, acknowledged, resolved or all');
    const severity = flags.severity === undefined ? undefined : AlertSeveritySchema.safeParse(flags.severity);
    if (severity && !severity.success) throw new UsageError('--severity must be warning or critical');
    const query = AlertListQuerySchema.safeParse({
      state: state.data,
      ...(severity?.success ? { severity: severity.data } : {}),
      query: (flags.query as string | undefined) ?? '',
      limit: (flags.limit as number | undefined) ?? 500,
    });
    if (!query.success) throw new UsageError(`${query.error.issues[0]?.path.join('.') ?? 'query'}: ${query.error.issues[0]?.message ?? 'invalid'}`);
    const { service, close } = open((flags['data-dir'] as string | undefined) ?? io.dataDir);
    try {
      const list = service.list(query.data);
      if (flags.json) io.stdout(`${JSON.stringify(list)}\n`);
      else if (list.rows.length === 0) io.stdout(`No ${state.data === 'all' ? '' : `${state.data} `}alerts.\n`);
      else {
        for (const a of list.rows) io.stdout(line(a));
        const c = list.counts;
        io.stdout(`${list.rows.length} of ${list.total} shown; active: ${c.critical} critical, ${c.warning} warning (${c.open} open, ${c.acknowledged} acknowledged)\n`);
      }
      return 0;
    } finally {
      close();
    }
  }
  if (sub === 'ack') {
    const { flags } = parseArgs(rest, { ...COMMON, id: { type: 'number' }, note: { type: 'string' } });
    const id = flags.id as number | undefined;
    if (id === undefined || !Number.isInteger(id) || id < 1) throw new UsageError('--id N is required (the number `cairn alerts list` shows first)');
    const { service, close } = open((flags['data-dir'] as string | undefined) ?? io.dataDir);
    try {
      const a = service.acknowledge(id, flags.note as string | undefined);
      io.stdout(flags.json ? `${JSON.stringify(a)}\n` : `Acknowledged alert ${a.id} as ${a.acknowledgedBy ?? '?'}: ${a.message}\n`);
      return 0;
    } catch (err) {
      if (err instanceof AppException && (err.code === 'not_found' || err.code === 'conflict')) {
        io.stderr(`cairn: ${err.message}\n`);
        return 1;
      }
      throw err;
    } finally {
      close();
    }
  }
  throw new UsageError('alerts needs list or ack');
}
