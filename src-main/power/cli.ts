/**
 * `cairn power …`: feed capacity, heat load and site-plan evaluation from
 * the command line, offline. argv is what follows `cairn power`.
 *
 * Exit codes: 0 ok, 1 the plan has violations, 2 usage error or
 * unreadable/invalid input (including an invalid catalogue).
 */
import { parseArgs, UsageError, type FlagSpec, type ParsedFlags } from '../util/args';
import { DEFAULT_CATALOGUE_PATH, loadCatalogue, type Catalogue } from './catalogue';
import { feedCapacity, feedSpecProblem, type CapacityMode, type FeedCapacity, type FeedSpec, type Phase, type Supply, type VoltageType } from './feed';
import { heatReport } from './heat';
import { evaluateSitePlanText, type PlanReport } from './plan';
import { round2 } from './rounding';
import type { PlanValidationError, ValidationIssue } from './validation';

export interface PowerCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
}

export const POWER_HELP = `usage: cairn power <command> [options]

commands:
  feed --voltage V --amperage A --phase single|three [--max-utilization P]
       [--voltage-type line-to-line|line-to-neutral] [--power-factor F]
       [--supply ac|dc] [--mode netbox|exact] [--json]
                      capacity of a feed: V × A (× √3 line-to-line, × 3 line-to-neutral)
                      derated to P % (default 80), in VA and W (PF default 0.95).
                      --mode netbox (default) reproduces NetBox: 1.732 and integer
                      half-to-even rounding; exact uses √3 (printed to 0.01).
  heat --watts W [--json]
                      heat load: BTU/hr = W × 3.412142, tons = BTU/hr ÷ 12,000
  plan FILE.json [--catalogue FILE] [--json]
                      evaluate a site plan (cairn-site-plan/v1): budgets per device,
                      rack, feed, panel and site, A/B failover, UPS, generator,
                      cooling; lists every violation with what is missing
  catalogue [--catalogue FILE] [--json]
                      validate and list the hardware catalogue

--json prints exactly one line of JSON.
exit codes: 0 ok, 1 the plan has violations, 2 usage error or unreadable/invalid input
`;

const JSON_FLAG: FlagSpec = { json: { type: 'boolean' } };

export async function runPowerCli(argv: string[], io: PowerCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.stderr : io.stdout)(POWER_HELP);
      return cmd === undefined ? 2 : 0;
    }
    const run = COMMANDS[cmd];
    if (!run) throw new UsageError(`unknown power command "${cmd}"`);
    if (rest.includes('--help')) {
      io.stdout(POWER_HELP);
      return 0;
    }
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`cairn power: ${err.message}\nRun \`cairn power --help\` for usage.\n`);
      return 2;
    }
    throw err;
  }
}

type Command = (argv: string[], io: PowerCliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  feed: async (argv, io) => {
    const { flags, positional } = parseArgs(argv, {
      ...JSON_FLAG,
      voltage: { type: 'number' },
      amperage: { type: 'number' },
      phase: { type: 'string' },
      'max-utilization': { type: 'number' },
      'voltage-type': { type: 'string' },
      'power-factor': { type: 'number' },
      supply: { type: 'string' },
      mode: { type: 'string' },
    });
    noPositional(positional);
    const spec: FeedSpec = {
      voltage: requiredNumber(flags, 'voltage'),
      amperage: requiredNumber(flags, 'amperage'),
      phase: oneOf(flags, 'phase', { single: 'single', 'single-phase': 'single', three: 'three', 'three-phase': 'three' } as Record<string, Phase>, undefined),
      voltageType: oneOf(flags, 'voltage-type', { 'line-to-line': 'line-to-line', 'line-to-neutral': 'line-to-neutral' } as Record<string, VoltageType>, 'line-to-line'),
      maxUtilizationPercent: optionalNumber(flags, 'max-utilization'),
      supply: oneOf(flags, 'supply', { ac: 'ac', dc: 'dc' } as Record<string, Supply>, 'ac'),
      powerFactor: optionalNumber(flags, 'power-factor'),
    };
    const mode = oneOf(flags, 'mode', { netbox: 'netbox', exact: 'exact' } as Record<string, CapacityMode>, 'netbox');
    const problem = feedSpecProblem(spec);
    if (problem) throw new UsageError(problem);
    const cap = feedCapacity(spec, mode);
    const out = feedJson(cap);
    if (flags.json) io.stdout(`${JSON.stringify(out)}\n`);
    else io.stdout(feedText(cap, out));
    return 0;
  },

  heat: async (argv, io) => {
    const { flags, positional } = parseArgs(argv, { ...JSON_FLAG, watts: { type: 'number' } });
    noPositional(positional);
    const watts = requiredNumber(flags, 'watts');
    if (watts < 0) throw new UsageError('--watts must not be negative');
    const h = heatReport(watts);
    if (flags.json) io.stdout(`${JSON.stringify({ btuPerHour: h.btuPerHour, coolingTons: h.coolingTons })}\n`);
    else io.stdout(`${watts} W → ${h.btuPerHour} BTU/hr → ${h.coolingTons} tons of cooling\n`);
    return 0;
  },

  plan: async (argv, io) => {
    const { flags, positional } = parseArgs(argv, { ...JSON_FLAG, catalogue: { type: 'string' } });
    if (positional.length !== 1) throw new UsageError('plan needs exactly one FILE.json');
    const file = positional[0]!;
    const catalogue = await catalogueOrFail(flags, io);
    if (!catalogue) return 2;
    let text: string;
    try {
      text = await io.readFile(file);
    } catch (err) {
      const message = `cannot read ${file}: ${(err as Error).message}`;
      return inputError(io, flags, { code: 'invalid-json', message, issues: [{ path: '$', message }] });
    }
    const result = evaluateSitePlanText(text, catalogue);
    if (!result.ok) return inputError(io, flags, result.error, file);
    const report = result.report;
    if (flags.json) io.stdout(`${JSON.stringify(report)}\n`);
    else io.stdout(planText(report));
    return report.violations.length > 0 ? 1 : 0;
  },

  catalogue: async (argv, io) => {
    const { flags, positional } = parseArgs(argv, { ...JSON_FLAG, catalogue: { type: 'string' } });
    noPositional(positional);
    const catalogue = await catalogueOrFail(flags, io);
    if (!catalogue) return 2;
    if (flags.json) {
      io.stdout(`${JSON.stringify({ devices: catalogue.devices.map((d) => ({ id: d.id, role: d.role, model: d.model, uHeight: d.uHeight, draw: d.draw, weightKg: d.weightKg, estimated: d.estimated })), racks: catalogue.racks.map((r) => ({ id: r.id, model: r.model, uHeight: r.uHeight, maxLoadKg: r.maxLoadKg })) })}\n`);
    } else {
      const lines = catalogue.devices.map(
        (d) =>
          `  ${d.id.padEnd(26)} ${d.role.padEnd(18)} ${String(d.uHeight).padStart(4)} U  ${d.draw ? `${d.draw.typicalW}/${d.draw.maxW} W` : '(power path)'}  ${d.weightKg} kg${d.estimated.length ? `  est: ${d.estimated.join(', ')}` : ''}`,
      );
      const racks = catalogue.racks.map((r) => `  ${r.id.padEnd(26)} ${r.uHeight} U, ${r.maxLoadKg} kg rated load${r.mountingDepthMm ? `, ${r.mountingDepthMm} mm mounting depth` : ''}`);
      io.stdout(`devices (typical/max W):\n${lines.join('\n')}\nracks:\n${racks.join('\n')}\n`);
    }
    return 0;
  },
};

// ---- helpers ----------------------------------------------------------------

function noPositional(positional: string[]): void {
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
}

function requiredNumber(flags: ParsedFlags, name: string): number {
  const v = flags[name];
  if (typeof v !== 'number') throw new UsageError(`--${name} is required`);
  return v;
}

function optionalNumber(flags: ParsedFlags, name: string): number | undefined {
  const v = flags[name];
  return typeof v === 'number' ? v : undefined;
}

function oneOf<T>(flags: ParsedFlags, name: string, values: Record<string, T>, fallback: T | undefined): T {
  const v = flags[name];
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required (${Object.keys(values).join('|')})`);
    return fallback;
  }
  const hit = Object.hasOwn(values, String(v)) ? values[String(v)] : undefined;
  if (hit === undefined) throw new UsageError(`--${name} must be one of ${Object.keys(values).join('|')}, got "${String(v)}"`);
  return hit;
}

function feedJson(cap: FeedCapacity): Record<string, string | number | null> {
  // Exact mode is unrounded in the library; on the command line it is printed to 0.01.
  const n = (x: number): number => (cap.mode === 'exact' ? round2(x) : x);
  const v = (x: number | null): number | null => (x === null ? null : round2(x));
  return {
    availableVA: n(cap.availableVA),
    availableW: n(cap.availableW),
    nameplateVA: n(cap.nameplateVA),
    continuousAmps: round2(cap.continuousAmps),
    mode: cap.mode,
    supply: cap.supply,
    phase: cap.phase,
    voltage: cap.voltage,
    // A single-phase circuit has one voltage; line-to-line/neutral only means something on three phases.
    voltageType: cap.phase === 'three' ? cap.voltageType : null,
    voltageLineToLine: v(cap.voltageLineToLine),
    voltageLineToNeutral: v(cap.voltageLineToNeutral),
    amperage: cap.amperage,
    maxUtilizationPercent: cap.maxUtilizationPercent,
    powerFactor: cap.powerFactor,
  };
}

function feedText(cap: FeedCapacity, out: Record<string, string | number | null>): string {
  const phase = cap.phase === 'three' ? `three-phase (${cap.voltageType})` : 'single-phase';
  const lines = [
    `${cap.voltage} V ${phase}, ${cap.amperage} A, ${cap.supply.toUpperCase()}, ${cap.maxUtilizationPercent} % max utilisation, PF ${cap.powerFactor} [${cap.mode}]`,
    `  available  ${out.availableVA} VA  ${out.availableW} W  (${out.continuousAmps} A continuous${cap.phase === 'three' ? ' per line' : ''})`,
    `  nameplate  ${out.nameplateVA} VA`,
  ];
  if (cap.phase === 'three') lines.push(`  voltages   ${out.voltageLineToLine} V line-to-line, ${out.voltageLineToNeutral} V line-to-neutral`);
  return `${lines.join('\n')}\n`;
}

async function catalogueOrFail(flags: ParsedFlags, io: PowerCliIo): Promise<Catalogue | null> {
  const path = typeof flags.catalogue === 'string' ? flags.catalogue : DEFAULT_CATALOGUE_PATH;
  const r = await loadCatalogue((p) => io.readFile(p), path);
  if (r.ok) return r.catalogue;
  inputError(io, flags, { code: 'invalid-catalogue', message: `catalogue ${path} is not valid`, issues: r.issues });
  return null;
}

function inputError(io: PowerCliIo, flags: ParsedFlags, error: PlanValidationError, file?: string): number {
  if (flags.json) io.stdout(`${JSON.stringify({ ok: false, error })}\n`);
  if (error.code === 'invalid-json' || error.code === 'internal') {
    io.stderr(`cairn power: ${file ? `${file}: ` : ''}${error.message}\n`);
    return 2;
  }
  const list = error.issues.slice(0, 20).map((i: ValidationIssue) => `  ${i.path}: ${i.message}`);
  const more = error.issues.length > 20 ? `\n  … ${error.issues.length - 20} more` : '';
  io.stderr(`cairn power: ${file ? `${file}: ` : ''}${error.code === 'invalid-plan' ? 'not a valid site plan' : error.message}\n${list.join('\n')}${more}\n`);
  return 2;
}

const num = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

function planText(r: PlanReport): string {
  const out: string[] = [];
  const s = r.settings;
  out.push(`Site plan "${r.plan}" — basis: ${s.budgetBasis} draw, ${s.capacityMode} capacity, PF ${s.powerFactor}, ${s.maxUtilizationPercent} % max utilisation`);
  out.push(
    `Site: ${r.site.devices} devices, typical ${num(r.site.typicalW)} W, max ${num(r.site.maxW)} W; basis ${num(r.site.basisW)} W / ${num(r.site.basisVA)} VA, ` +
      `${num(r.site.basisBtuPerHour)} BTU/hr (${r.site.basisCoolingTons} t); scenarios: ${r.site.scenarios.join(', ')}`,
  );
  out.push('Racks:');
  for (const k of r.racks) {
    const p = k.power;
    out.push(
      `  ${k.id} (${k.model}): ${k.space.usedU}/${k.space.totalU} U used, largest free block ${k.space.largestFreeBlockU} U; ` +
        `${num(k.weight.installedKg)}/${num(k.weight.maxLoadKg)} kg; typical ${num(p.typicalW)} W, max ${num(p.maxW)} W; ${num(p.basisVA)} VA against ` +
        `${p.redundant ? `${num(p.availableVAOneSide ?? 0)} VA on one side` : `${num(p.availableVA)} VA`} (${p.shortfallVA > 0 ? `${num(p.shortfallVA)} VA short` : `${num(p.headroomVA)} VA headroom`}); ` +
        `NetBox would show ${p.netboxUtilisationPercent} %; ${num(k.heat.basisBtuPerHour)} BTU/hr`,
    );
  }
  if (r.feeds.length) out.push('Feeds:');
  for (const f of r.feeds) {
    const phase = f.phase === 'three' ? '3-ph' : f.supply === 'dc' ? 'DC' : '1-ph';
    const fo = f.worstFailover ? `; ${f.worstFailover.scenario} ${num(f.worstFailover.va)} VA (${f.worstFailover.utilisationPercent} %)` : '';
    out.push(
      `  ${f.id} side ${f.side} ${f.voltage} V ${phase} ${f.effectiveAmperage} A${f.limitedBy !== 'circuit' ? ` (limited by ${f.limitedBy})` : ''}: ` +
        `available ${num(f.availableVA)} VA / ${num(f.availableW)} W; normal ${num(f.normal.va)} VA (${f.normal.utilisationPercent} %)${fo}`,
    );
  }
  if (r.panels.length) out.push('Panels:');
  for (const p of r.panels) out.push(`  ${p.id}: available ${num(p.availableVA)} VA; normal ${num(p.normal.va)} VA; worst ${p.worst.scenario} ${num(p.worst.va)} VA`);
  if (r.ups) {
    const u = r.ups;
    out.push(
      `UPS ${u.id}: ${u.redundancy}, ${u.modulesInstalled} × ${u.moduleVA} VA / ${u.moduleW} W${u.ratingEstimated ? ' (W rating unverified)' : ''}; ` +
        `needs ${num(u.designW)} W / ${num(u.designVA)} VA, has ${num(u.usableW)} W / ${num(u.usableVA)} VA after redundancy; ` +
        `runtime ${u.runtime.normalMinutes ?? '∞'} min normal, ${u.runtime.degradedMinutes ?? '∞'} min degraded (target ${u.targetRuntimeMinutes}); ` +
        `modules needed N ${u.modulesRequired.N}, N+1 ${u.modulesRequired['N+1']}, 2N ${u.modulesRequired['2N']}`,
    );
  }
  const g = r.generator;
  out.push(`Generator: recommended ${num(g.recommendedKW)} kW / ${num(g.recommendedKVA)} kVA (${g.basis})${g.ratedKW !== null ? `; rated ${num(g.ratedKW)} kW` : ''}`);
  if (r.cooling) {
    const c = r.cooling;
    out.push(
      `Cooling: ${num(c.loadBtuPerHour)} BTU/hr (${c.loadTons} t) of ${num(c.capacityBtuPerHour)} BTU/hr (${c.capacityTons} t)` +
        (c.inlet ? `; inlet ${c.inlet.inletC} °C ${c.inlet.verdict}` : ''),
    );
  }
  if (r.violations.length === 0) out.push('Violations: none');
  else {
    out.push(`Violations (${r.violations.length}):`);
    for (const v of r.violations) {
      const missing = v.missing
        ? ` [missing ${Object.entries(v.missing)
            .map(([k, x]) => `${num(x)} ${UNIT[k] ?? k}`)
            .join(', ')}]`
        : '';
      out.push(`  ${v.severity.toUpperCase()} ${v.code} at ${v.path}: ${v.message}${missing}`);
    }
  }
  for (const n of r.notes) out.push(`Note: ${n}`);
  return `${out.join('\n')}\n`;
}

const UNIT: Record<string, string> = { w: 'W', va: 'VA', a: 'A', u: 'U', kg: 'kg', btuPerHour: 'BTU/hr' };
