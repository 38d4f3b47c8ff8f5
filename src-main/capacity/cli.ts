/**
 * `cairn capacity …`: N+1 headroom, what-if, placement advice and pool
 * sizing from the command line. argv is what follows `cairn capacity`.
 * Sizing and the catalogue need nothing but the catalogue file; the rest
 * reads the fleet cache of a data directory (or, with --demo, syncs the
 * built-in simulated fleet once) through a service the caller opens.
 *
 * Exit codes: 0 ok, 1 a pool fails N+1 / nothing fits, 2 usage or invalid input.
 */
import { CapacitySettingsSchema, SizePoolRequestSchema, VM_SIZE_IDS, type VmSizeId } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { parseArgs, UsageError, type FlagSpec, type ParsedFlags } from '../util/args';
import { loadServiceCatalogue, type ServiceCatalogue } from './catalogue';
import type { CapacityService } from './service';
import { sizePool } from './sizing';

export interface CapacityCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Opens the capacity service over a data directory (or the demo fleet) and closes it after `fn`. */
  withService<T>(flags: ParsedFlags, fn: (s: CapacityService) => Promise<T>): Promise<T>;
  /** Test seam: the catalogue (default: the one in resources/catalogue). */
  catalogue?: () => Promise<ServiceCatalogue>;
}

export const CAPACITY_HELP = `usage: cairn capacity <command> [options]

commands:
  catalogue [--json]            the service catalogue: pool sizes, host spec, VM sizes
  size-pool --demand SIZE=N[,SIZE=N…] [--cpu-overcommit R] [--mem-ceiling F] [--json]
                                smallest catalogue pool carrying the demand with N+1, and
                                what is left over (sizes: ${VM_SIZE_IDS.join(', ')})
  headroom [--pool NAME] [--json]
                                N+1 per pool: does it survive the loss of any one host with
                                every HA guest restarted on the others (HA rules fetched live)
  what-if (--host POOL/NODE | --site SITE) [--json]
                                where each guest goes when a host or a whole site is lost
  place --size SIZE --tenant T [--confidential] [--ha] [--json]
                                rank the hosts that can take a catalogue VM, with the reason
                                for every rejection

options for headroom, what-if and place:
  --data-dir DIR                read the fleet cache of this data directory
  --demo                        start the built-in simulated fleet, sync it once, use that

--json prints exactly one line of JSON.
exit codes: 0 ok, 1 a pool fails N+1 or nothing fits, 2 usage error or invalid input
`;

const COMMON: FlagSpec = {
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  demo: { type: 'boolean' },
  'cpu-overcommit': { type: 'number' },
  'mem-ceiling': { type: 'number' },
};

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(0)} GiB`;

function settingsOf(flags: ParsedFlags) {
  const r = CapacitySettingsSchema.safeParse({
    ...(flags['cpu-overcommit'] !== undefined ? { cpuOvercommit: flags['cpu-overcommit'] } : {}),
    ...(flags['mem-ceiling'] !== undefined ? { memCeiling: flags['mem-ceiling'] } : {}),
  });
  if (!r.success) throw new UsageError(`${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return r.data;
}

export function parseDemand(s: string): { size: VmSizeId; count: number }[] {
  const out: { size: VmSizeId; count: number }[] = [];
  for (const part of s.split(',')) {
    const m = /^\s*([a-z-]+)\s*=\s*(\d+)\s*$/i.exec(part);
    if (!m) throw new UsageError(`--demand: expected SIZE=COUNT, got "${part}"`);
    const size = (m[1] as string).toLowerCase().replace(/^xlarge$/, 'x-large');
    if (!(VM_SIZE_IDS as readonly string[]).includes(size)) throw new UsageError(`--demand: unknown VM size "${m[1]}" (${VM_SIZE_IDS.join(', ')})`);
    out.push({ size: size as VmSizeId, count: Number(m[2]) });
  }
  return out;
}

export async function runCapacityCli(argv: string[], io: CapacityCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd === undefined ? io.stderr : io.stdout)(CAPACITY_HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (rest.includes('--help')) {
    io.stdout(CAPACITY_HELP);
    return 0;
  }
  const catalogue = io.catalogue ?? (() => loadServiceCatalogue());
  const out = (flags: ParsedFlags, json: unknown, text: string) => io.stdout(flags.json ? `${JSON.stringify(json)}\n` : text);

  if (cmd === 'catalogue') {
    const { flags } = parseArgs(rest, { json: { type: 'boolean' } });
    const c = await catalogue();
    const lines = [
      `Host: ${c.host.sockets} × ${c.host.coresPerSocket} cores (${c.host.sockets * c.host.coresPerSocket * c.host.threadsPerCore} threads), ${c.host.memoryGB} GB RAM, ${c.host.ssdTB} TB SSD`,
      ...c.pools.map((p) => `${p.label.padEnd(16)} ${String(p.hosts).padStart(2)} hosts   ${p.service}`),
      ...c.vmSizes.map((v) => `${v.label.padEnd(16)} ${String(v.vcpu).padStart(2)} vCPU  ${String(v.memoryGB).padStart(3)} GB   ${v.service}`),
    ];
    out(flags, c, `${lines.join('\n')}\n`);
    return 0;
  }
  if (cmd === 'size-pool') {
    const { flags } = parseArgs(rest, { ...COMMON, demand: { type: 'string' } });
    if (!flags.demand) throw new UsageError('--demand is required (e.g. --demand medium=40,large=10)');
    const req = SizePoolRequestSchema.safeParse({ demand: parseDemand(String(flags.demand)), settings: settingsOf(flags) });
    if (!req.success) throw new UsageError(`--demand: ${req.error.issues[0]?.message}`);
    const r = sizePool(await catalogue(), req.data.demand, settingsOf(flags));
    const lines = [
      `Demand: ${r.vms} VMs, ${r.vcpu} vCPU, ${gib(r.mem)} (overcommit ${r.settings.cpuOvercommit}:1, memory ceiling ${Math.round(r.settings.memCeiling * 100)} %)`,
      ...r.options.map((o) => `${o.n1 ? 'ok  ' : o.fits ? 'tight' : 'no  '} ${o.label.padEnd(16)} ${String(o.hosts).padStart(2)} hosts  ${o.reason}${o.n1 ? `; leftover ${o.leftover.map((l) => `${l.size} ${l.count}`).join(' | ')}` : ''}`),
      r.note,
    ];
    out(flags, r, `${lines.join('\n')}\n`);
    return r.recommended ? 0 : 1;
  }
  if (cmd === 'headroom') {
    const { flags } = parseArgs(rest, { ...COMMON, pool: { type: 'string' } });
    const settings = settingsOf(flags);
    return io.withService(flags, async (s) => {
      const ov = await s.overview(settings);
      const pools = ov.pools.filter((p) => !flags.pool || p.name === flags.pool || p.clusterId === flags.pool);
      if (flags.pool && pools.length === 0) throw new AppException('not_found', `No pool named ${String(flags.pool)} in the inventory`);
      const results = [];
      for (const p of pools) results.push(await s.pool(p.clusterId, settings));
      const rows = results.map((r) => ({
        pool: r.pool.name,
        site: r.pool.siteName,
        hosts: r.pool.hosts.length,
        verdict: r.pool.headroom.verdict,
        haGuests: r.pool.headroom.haGuests,
        worstHost: r.pool.headroom.worstHost,
        notFitting: r.pool.headroom.notFitting,
        exact: r.pool.headroom.exact,
        rules: r.pool.headroom.rules.source,
        memRatio: r.pool.figures.mem.ratio,
        cpuRatio: r.pool.figures.cpu.ratio,
      }));
      const text =
        rows.length === 0
          ? 'No pools in the inventory cache (sync first, or use --demo).\n'
          : rows
              .map(
                (x) =>
                  `${x.verdict === 'ok' ? 'N+1 ok   ' : x.verdict === 'fails' ? 'N+1 FAILS' : 'unknown  '} ${x.pool.padEnd(20)} ${String(x.hosts).padStart(2)} hosts  ${String(x.haGuests).padStart(3)} HA guests  mem ${(x.memRatio * 100).toFixed(0)} %  vCPU ${x.cpuRatio.toFixed(2)}:1  rules ${x.rules}${x.notFitting ? `  losing ${x.worstHost}: ${x.notFitting} without a place` : ''}`,
              )
              .join('\n') + '\n';
      out(flags, { settings: ov.settings, pools: rows }, text);
      return rows.some((x) => x.verdict === 'fails') ? 1 : 0;
    });
  }
  if (cmd === 'what-if') {
    const { flags } = parseArgs(rest, { ...COMMON, host: { type: 'string' }, site: { type: 'string' } });
    if (!flags.host === !flags.site) throw new UsageError('give exactly one of --host POOL/NODE or --site SITE');
    const settings = settingsOf(flags);
    return io.withService(flags, async (s) => {
      const ov = await s.overview(settings);
      let lose: { kind: 'host'; clusterId: string; node: string } | { kind: 'site'; siteId: string };
      if (flags.host) {
        const [poolName, node] = String(flags.host).split('/');
        const p = ov.pools.find((x) => x.name === poolName || x.clusterId === poolName);
        if (!p || !node) throw new UsageError(`--host: expected POOL/NODE with a known pool, got "${String(flags.host)}"`);
        lose = { kind: 'host', clusterId: p.clusterId, node };
      } else {
        const site = ov.sites.find((x) => x.name === flags.site || x.id === flags.site);
        if (!site) throw new UsageError(`--site: no site "${String(flags.site)}" in the inventory`);
        lose = { kind: 'site', siteId: site.id };
      }
      const r = await s.whatIf({ lose, settings });
      const text = [
        r.scenario,
        `restarted ${r.counts.restarted}, does not fit ${r.counts.doesNotFit}, down (not HA) ${r.counts.down}, recoverable ${r.counts.recoverable}, unrecoverable ${r.counts.unrecoverable}`,
        ...r.notes,
        ...r.outcomes.map((o) => `${o.outcome.padEnd(13)} ${o.name.padEnd(24)} ${String(o.vcpu).padStart(2)} vCPU ${gib(o.mem).padStart(7)}  ${o.from} → ${o.to ? `${o.to.pool}/${o.to.node}` : '—'}  ${o.reason}${o.warnings.length ? ` [${o.warnings.join('; ')}]` : ''}`),
      ].join('\n');
      out(flags, r, `${text}\n`);
      return r.counts.doesNotFit + r.counts.unrecoverable > 0 ? 1 : 0;
    });
  }
  if (cmd === 'place') {
    const { flags } = parseArgs(rest, { ...COMMON, size: { type: 'string' }, tenant: { type: 'string' }, confidential: { type: 'boolean' }, ha: { type: 'boolean' } });
    if (!flags.size || !flags.tenant) throw new UsageError('--size and --tenant are required');
    if (!(VM_SIZE_IDS as readonly string[]).includes(String(flags.size))) throw new UsageError(`--size: one of ${VM_SIZE_IDS.join(', ')}`);
    const settings = settingsOf(flags);
    return io.withService(flags, async (s) => {
      const r = await s.place({ size: flags.size as VmSizeId, tenant: String(flags.tenant), confidential: flags.confidential === true, ha: flags.ha === true, settings });
      const text = [
        `${r.vm.label} for ${r.tenant}${r.confidential ? ', confidential' : ''}${r.ha ? ', HA' : ''}: ${r.accepted} host(s) can take it`,
        ...r.candidates.filter((c) => c.accepted).slice(0, 10).map((c) => `#${c.rank} ${c.pool}/${c.node}  ${gib(c.memFreeAfter)} left, ${c.cpuRatioAfter.toFixed(2)}:1${c.servesTenant ? '' : ' (pool of other tenants)'}`),
        ...r.rejections.map((x) => `rejected by ${x.reason}: ${x.hosts} host(s)`),
        ...r.notes,
        r.quota.note,
      ].join('\n');
      out(flags, r, `${text}\n`);
      return r.accepted > 0 ? 0 : 1;
    });
  }
  throw new UsageError(`unknown capacity command "${cmd}"`);
}
