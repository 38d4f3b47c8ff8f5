/**
 * The CLI's commands, as a function of (argv, io) so tests run it in
 * process. Each command builds what it needs through the composition root.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApp, type App } from '../app/create-app';
import { defaultDataDir } from '../app/paths';
import { VERSION } from '../app/version';
import { readFile } from 'node:fs/promises';
import { runAlertsCli } from '../alerts';
import { runAttestCli } from '../attestation/cli';
import { runAuditCli } from '../audit/cli';
import { recordSafely } from '../audit';
import { runCapacityCli } from '../capacity';
import { runCustodyCli } from '../custody/cli';
import { runSurveyCli } from '../survey/cli';
import { runLedgerCli } from '../ledger/cli';
import { runOpsCli } from '../orchestration/cli';
import { runScmpCli } from '../scmp/cli';
import { runPowerCli } from '../power/cli';
import { runSimCli } from '../sim';
import { RELEASE_KEYS, runUpdatesCli } from '../updates';
import { AppException } from '../util/app-exception';
import { parseArgs, UsageError, type FlagSpec } from '../util/args';

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  stdin(): Promise<string>;
}

export const HELP = `cairn ${VERSION} — operator console for sovereign hybrid cloud fleets

usage: cairn <command> [options]

commands:
  version                         print the version
  connections list [--json]       list Proxmox VE and SCMP connections (no secrets)
  connections add --name N --url https://host:8006 --token-id USER@REALM!ID
                  --fingerprint AB:CD:… [--kind pve|scmp] [--site S] [--json]
                                  add a connection; the token secret is read from stdin
                                  and stored in the OS keychain. Without --fingerprint the
                                  server's certificate fingerprint is shown for you to verify.
  connections remove (--id ID | --name N)
  ledger verify-inclusion --leaf-hash HEX --index N --size N --root HEX --proof HEX[,HEX…]
  ledger verify-consistency --size1 N --size2 N --root1 HEX --root2 HEX --proof HEX[,HEX…]
  ledger verify-checkpoint --vkey VKEY [--vkey VKEY…] FILE
  ledger verify-tlog-proof --vkey VKEY --leaf-hash HEX FILE
                                  verify Merkle log proofs and signed checkpoints offline
                                  (RFC 9162, C2SP signed-note / tlog-checkpoint / tlog-proof)
  attest verify --report FILE --vek FILE [--ark FILE] [--ask FILE] [--at ISO-8601]
                [--report-data HEX] [--measurement HEX]... [--min-tcb bootloader=N,tee=N,snp=N,microcode=N[,fmc=N]] [--json]
  attest verify --quote FILE [--root FILE] [--tcb-info FILE --qe-identity FILE --tcb-chain FILE
                --pck-crl FILE --pck-crl-chain FILE --root-crl FILE] [--at ISO-8601] [--json]
  attest show (--report FILE | --quote FILE) [--json]
                                  verify AMD SEV-SNP reports and Intel TDX quotes offline
                                  against pinned vendor roots (see \`cairn attest --help\`)
  survey verify FILE [--trusted FINGERPRINT] [--json]
  survey export --id ID --out FILE | import FILE | report (--id ID | --bundle FILE) --out FILE.pdf
                                  site surveys: signed bundles (USB hand-over), three-way merge on
                                  import, site-readiness report (see \`cairn survey --help\`)
  audit verify FILE [--vkey VKEY] [--json]
                                  verify an audit-trail export bundle offline: checkpoint and
                                  export statement signatures, inclusion of every entry, no entry
                                  dropped, inserted or reordered (see \`cairn audit --help\`)
  audit export [--from ISO] [--to ISO] --format bundle|csv|pdf --out FILE
                                  write a range of this installation's audit trail
  custody verify-bundle FILE [--vkey VKEY] [--json]
                                  verify a chain-of-custody export bundle offline: signatures,
                                  inclusion proofs, checkpoint, order, completeness and every
                                  lifecycle transition (see \`cairn custody --help\`)
  custody export-field-log --data-dir DIR --out FILE | merge-field-log FILE --data-dir DIR [--json]
                                  the offline field log: export it from a field laptop, merge it
                                  centrally with consistency proofs and each event's outcome
  power feed --voltage V --amperage A --phase single|three --max-utilization P
             [--voltage-type line-to-line|line-to-neutral] [--power-factor F] [--json]
  power heat --watts W [--json]
  power plan FILE.json [--json]   evaluate a site plan: budgets, A/B failover, UPS, heat (exit 1 on violations)
  capacity headroom|what-if|place|size-pool|catalogue [--json]
                                  N+1 headroom per pool, host/site loss what-if, placement
                                  advice, pool sizing (see \`cairn capacity --help\`)
  alerts list [--state active|open|acknowledged|resolved|all] [--severity S] [--json]
  alerts ack --id N [--note TEXT]
                                  the alerts the console stored (see \`cairn alerts --help\`)
  ops list [--state S] [--batch ID] [--json] | show --id ID [--json]
                                  the operation journal: plans, steps, UPIDs, history (see \`cairn ops --help\`)
  scmp status|pull|outbox [--json]
                                  the SCMP connector: what was pulled, sync now, the push outbox (see \`cairn scmp --help\`)
  updates verify FOLDER [--platform linux|win32|darwin] [--arch A] [--json]
                                  verify a release folder (USB stick) as "Update from folder…" does:
                                  release-key signature, metadata, version, every file's SHA-512
  sim [--sites N] [--seed S] [--port P] [--json]
                                  run the simulated Proxmox VE fleet until killed

global options:
  --data-dir DIR                  where Cairn keeps its database (default: ${defaultDataDir()})
  --help                          this text

exit codes: 0 ok, 1 a check or verification failed, 2 usage or unreadable input
`;

const GLOBAL: FlagSpec = { 'data-dir': { type: 'string' }, help: { type: 'boolean' }, json: { type: 'boolean' } };

async function withApp<T>(flags: Record<string, unknown>, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await createApp({
    dataDir: resolve((flags['data-dir'] as string | undefined) ?? defaultDataDir()),
    version: VERSION,
    transport: 'cli',
    secrets: 'keychain',
    fleet: { mode: 'configured' },
    sync: false,
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** The capacity service over a data directory's fleet cache, or (--demo) over the simulated fleet synced once. */
async function withCapacity<T>(flags: Record<string, unknown>, fn: (s: App['capacity']) => Promise<T>): Promise<T> {
  if (!flags.demo) return withApp(flags, (app) => fn(app.capacity));
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(resolve(tmpdir(), 'cairn-capacity-'));
  const app = await createApp({ dataDir: dir, version: VERSION, transport: 'cli', secrets: 'ephemeral', fleet: { mode: 'demo' }, sync: false, logSinks: [] });
  try {
    await app.sync.syncAll();
    return await fn(app.capacity);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.stdout(HELP);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === 'version' || cmd === '--version') {
      const { flags } = parseArgs(rest, GLOBAL);
      io.stdout(flags.json ? `${JSON.stringify({ name: 'cairn', version: VERSION })}\n` : `cairn ${VERSION}\n`);
      return 0;
    }
    if (cmd === 'sim') return await runSimCli(rest, (line) => io.stdout(`${line}\n`));
    if (cmd === 'connections') return await connections(rest, io);
    if (cmd === 'attest') return await runAttestCli(rest, { stdout: io.stdout, stderr: io.stderr });
    if (cmd === 'power') return await runPowerCli(rest, { stdout: io.stdout, stderr: io.stderr, readFile: (p) => readFile(p, 'utf8') });
    if (cmd === 'audit') {
      return await runAuditCli(rest, {
        stdout: io.stdout,
        stderr: io.stderr,
        readFile: (p) => readFile(p, 'utf8'),
        // The export is itself an audited action, recorded with source CLI.
        withAudit: (flags, fn) => withApp(flags, (app) => audited(app, 'audit.export', null, { format: String(flags.format) }, () => fn(app.audit))),
      });
    }
    if (cmd === 'custody') return await recordedCli(cmd, rest, io, () => runCustodyCli(rest, { stdout: io.stdout, stderr: io.stderr, readFile: (p) => readFile(p, 'utf8') }));
    if (cmd === 'alerts') return await recordedCli(cmd, rest, io, () => runAlertsCli(rest, { stdout: io.stdout, stderr: io.stderr, dataDir: defaultDataDir() }));
    if (cmd === 'capacity') return await runCapacityCli(rest, { stdout: io.stdout, stderr: io.stderr, withService: (flags, fn) => withCapacity(flags, fn) });
    if (cmd === 'survey') return await recordedCli(cmd, rest, io, () => runSurveyCli(rest, { stdout: io.stdout, stderr: io.stderr, dataDir: defaultDataDir() }));
    if (cmd === 'ops') return await runOpsCli(rest, { stdout: io.stdout, stderr: io.stderr, dataDir: defaultDataDir() });
    if (cmd === 'scmp') return await recordedCli(cmd, rest, io, () => runScmpCli(rest, { stdout: io.stdout, stderr: io.stderr, withScmp: (flags, fn) => withApp(flags, (app) => fn(app.scmp)) }));
    if (cmd === 'updates') return await runUpdatesCli(rest, { stdout: io.stdout, stderr: io.stderr, version: VERSION, keys: RELEASE_KEYS });
    if (cmd === 'ledger') return await runLedgerCli(rest, { stdout: io.stdout, stderr: io.stderr, readFile: (p) => readFile(p, 'utf8') });
    io.stderr(`cairn: unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`cairn: ${err.message}\nRun \`cairn --help\` for usage.\n`);
      return 2;
    }
    if (err instanceof AppException) {
      io.stderr(`cairn: ${err.message}\n`);
      return err.code === 'invalid_request' ? 2 : 1;
    }
    throw err;
  }
}

/**
 * CLI commands that change a data directory without going through the app's handlers (which
 * the audit recorder wraps): each is recorded after it ran, with its outcome. Read-only
 * commands, usage errors (exit 2) and data directories without a database record nothing.
 */
const CLI_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  alerts: ['ack'],
  survey: ['import', 'export', 'report'],
  custody: ['report', 'export-field-log', 'merge-field-log'],
  scmp: ['pull'],
};

function flagValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

async function recordedCli(cmd: string, rest: string[], io: CliIo, run: () => Promise<number>): Promise<number> {
  const code = await run();
  const sub = rest[0];
  if (!sub || !CLI_ACTIONS[cmd]?.includes(sub) || code === 2) return code;
  const dataDir = resolve(flagValue(rest, 'data-dir') ?? defaultDataDir());
  if (!existsSync(join(dataDir, 'cairn.db'))) return code;
  // What it acted on: an id, else the file it read (a positional argument after the subcommand).
  const positional = rest.slice(1).find((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
  const target = flagValue(rest, 'id') ?? flagValue(rest, 'appliance') ?? flagValue(rest, 'job') ?? positional ?? null;
  try {
    await withApp({ 'data-dir': dataDir }, async (app) => auditCli(app, `${cmd}.${sub}`, target, code === 0 ? 'ok' : 'failed', { command: `cairn ${cmd} ${sub}`, exitCode: String(code) }));
  } catch (err) {
    io.stderr(`cairn: the audit entry for "${cmd} ${sub}" could not be written: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  return code;
}

/** The audit entry of a state-changing CLI command: the OS user's identity and roles, source CLI. */
function auditCli(app: App, action: string, target: string | null, outcome: 'ok' | 'refused' | 'failed', details: Record<string, string> = {}, error: string | null = null): void {
  const me = app.tenancy.identity();
  recordSafely(app.audit, { actor: me.name, roles: [...me.roles], source: 'cli', action, target, outcome, error, details }, app.log.child('audit'));
}

/** Runs a state-changing CLI step and records its outcome, refusals with their error code. */
async function audited<T>(app: App, action: string, target: string | null, details: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  try {
    const value = await fn();
    auditCli(app, action, target, 'ok', details);
    return value;
  } catch (err) {
    const code = err instanceof AppException ? err.code : 'internal';
    auditCli(app, action, target, ['invalid_request', 'not_found', 'conflict', 'forbidden'].includes(code) ? 'refused' : 'failed', details, code);
    throw err;
  }
}

async function connections(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') {
    const { flags } = parseArgs(rest, GLOBAL);
    return withApp(flags, async (app) => {
      const list = await app.connections.list();
      if (flags.json) io.stdout(`${JSON.stringify(list)}\n`);
      else if (list.length === 0) io.stdout('No connections. Add one with `cairn connections add`.\n');
      else for (const c of list) io.stdout(`${c.name}\t${c.kind}\t${c.url}\t${c.tokenId}\t${c.fingerprint ?? '-'}${c.simulated ? '\t(simulated)' : ''}\n`);
      return 0;
    });
  }
  if (sub === 'add') {
    const { flags } = parseArgs(rest, {
      ...GLOBAL,
      name: { type: 'string' },
      url: { type: 'string' },
      'token-id': { type: 'string' },
      fingerprint: { type: 'string' },
      kind: { type: 'string' },
      site: { type: 'string' },
    });
    for (const f of ['name', 'url', 'token-id'] as const) if (!flags[f]) throw new UsageError(`--${f} is required`);
    return withApp(flags, async (app) => {
      if (!flags.fingerprint) {
        const cert = await app.connections.probe(String(flags.url));
        io.stderr(
          `The server presents this certificate:\n  subject     ${cert.subject}\n  issuer      ${cert.issuer}\n  valid       ${cert.validFrom} → ${cert.validTo}\n  SHA-256     ${cert.fingerprint}\n` +
            `Verify it out of band (e.g. \`pvenode cert info\` on the node), then run again with --fingerprint ${cert.fingerprint}\n`,
        );
        return 2;
      }
      const secret = (await io.stdin()).replace(/\r?\n$/, '');
      if (!secret) throw new UsageError('the token secret is read from stdin and none was given (e.g. `printf %s "$SECRET" | cairn connections add …`)');
      const parsed = {
        name: String(flags.name),
        kind: (flags.kind as string | undefined) ?? 'pve',
        url: String(flags.url),
        fingerprint: String(flags.fingerprint),
        tokenId: String(flags['token-id']),
        secret,
        ...(flags.site ? { site: String(flags.site) } : {}),
      };
      const { ConnectionInputSchema } = await import('../../src-preload/contract');
      const check = ConnectionInputSchema.safeParse(parsed);
      if (!check.success) {
        const issue = check.error.issues[0];
        throw new UsageError(`${issue?.path.join('.') ?? 'input'}: ${issue?.message ?? 'invalid'}`);
      }
      const c = await audited(app, 'connections.add', check.data.name, { name: check.data.name, kind: check.data.kind, url: check.data.url, tokenId: check.data.tokenId }, () =>
        app.connections.add(check.data),
      );
      io.stdout(flags.json ? `${JSON.stringify(c)}\n` : `Added ${c.name} (${c.id}); the secret is in the OS keychain.\n`);
      return 0;
    });
  }
  if (sub === 'remove') {
    const { flags } = parseArgs(rest, { ...GLOBAL, id: { type: 'string' }, name: { type: 'string' } });
    if (!flags.id && !flags.name) throw new UsageError('give --id or --name');
    return withApp(flags, async (app) => {
      const rec = flags.id ? app.connectionsRepo.get(String(flags.id)) : app.connectionsRepo.findByName(String(flags.name));
      if (!rec) {
        io.stderr(`cairn: no such connection\n`);
        return 1;
      }
      await audited(app, 'connections.remove', rec.name, { id: rec.id, name: rec.name }, () => app.connections.remove(rec.id));
      io.stdout(`Removed ${rec.name}.\n`);
      return 0;
    });
  }
  throw new UsageError(`connections needs list, add or remove`);
}
