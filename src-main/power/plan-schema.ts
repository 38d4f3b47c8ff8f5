/**
 * The site plan: its zod schema (shape, units, defaults) and the
 * cross-reference check against a catalogue (every id resolves, every feed
 * serves the rack of the devices plugged into it). Both return typed issues
 * with JSON paths; nothing here throws on bad input.
 */
import { z } from 'zod';
import type { Catalogue } from './catalogue';
import { DEFAULT_MAX_UTILIZATION_PERCENT, DEFAULT_POWER_FACTOR, DEFAULT_UPS_EFFICIENCY, DEFAULT_UPS_MAX_LOAD_PERCENT, DEFAULT_UPS_TARGET_RUNTIME_MINUTES, GENERATOR_POWER_FACTOR } from './units';
import { formatIssuePath, type PlanValidationError, type ValidationIssue } from './validation';

export const PLAN_SCHEMA_ID = 'cairn-site-plan/v1';

/**
 * Phase-imbalance warning threshold, percent. Not from a standard in the
 * reference set: Cairn's default, a per-site setting.
 */
export const DEFAULT_MAX_PHASE_IMBALANCE_PERCENT = 20;

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');
const Percent = z.number().finite().gt(0).max(100);
const PowerFactor = z.number().finite().gt(0).max(1);
const Positive = z.number().finite().positive();
const NonNegative = z.number().finite().nonnegative();
const HalfStep = z
  .number()
  .finite()
  .refine((x) => Number.isInteger(x * 2), 'must be a multiple of 0.5 U');

export const PlanSettingsSchema = z
  .object({
    /** exact: √3 and no rounding; netbox: NetBox's 1.732 and integer half-to-even. */
    capacityMode: z.enum(['exact', 'netbox']).default('exact'),
    /** Which draw the checks use; reports show both. */
    budgetBasis: z.enum(['max', 'typical']).default('max'),
    maxUtilizationPercent: Percent.default(DEFAULT_MAX_UTILIZATION_PERCENT),
    /** Power factor of the IT load (AC feeds). */
    powerFactor: PowerFactor.default(DEFAULT_POWER_FACTOR),
    maxPhaseImbalancePercent: NonNegative.default(DEFAULT_MAX_PHASE_IMBALANCE_PERCENT),
    /** Growth headroom applied to UPS and generator sizing. */
    growthMarginPercent: NonNegative.max(1000).default(0),
  })
  .strict();

const PowerInputSchema = z
  .object({
    feed: Id,
    /** Outlet group on a three-phase feed. */
    leg: z.enum(['A', 'B', 'C']).optional(),
  })
  .strict();

const PlanDeviceSchema = z
  .object({
    id: Id,
    /** Catalogue device id. */
    ref: z.string().min(1),
    name: z.string().optional(),
    /** Lowest occupied unit; null for zero-U devices. */
    position: HalfStep.nullable(),
    face: z.enum(['front', 'rear']).default('front'),
    /** One entry per power cord, naming the feed it is plugged into (through that feed's PDU). */
    power: z.array(PowerInputSchema).default([]),
    /** Measured or configured draw replacing the catalogue figures. */
    draw: z.object({ typicalW: NonNegative.optional(), maxW: NonNegative.optional() }).strict().optional(),
    weightKg: NonNegative.optional(),
  })
  .strict();

const PlanRackSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    /** Catalogue rack id. */
    model: z.string().min(1),
    maxLoadKg: Positive.optional(),
    mountingDepthMm: Positive.optional(),
    devices: z.array(PlanDeviceSchema).default([]),
  })
  .strict();

const BreakerSchema = z
  .object({
    ratingA: Positive,
    poles: z.number().int().min(1).max(3),
  })
  .strict();

const PlanFeedSchema = z
  .object({
    id: Id,
    rack: Id,
    panel: Id.optional(),
    side: z.enum(['A', 'B']),
    supply: z.enum(['ac', 'dc']).default('ac'),
    phase: z.enum(['single', 'three']),
    voltage: z
      .number()
      .finite()
      .refine((v) => v !== 0, 'must not be 0'),
    voltageType: z.enum(['line-to-line', 'line-to-neutral']).default('line-to-line'),
    /** The circuit's rating (cable, socket, PDU plug). */
    amperage: Positive,
    /** The protecting breaker, when it differs from the circuit rating or its poles matter. */
    breaker: BreakerSchema.optional(),
    maxUtilizationPercent: Percent.optional(),
    /** How three-phase outlets are wired; default from the voltage (see feed.ts). */
    outletWiring: z.enum(['line-to-line', 'line-to-neutral']).optional(),
    /** The zero-U PDU device (in the same rack) the feed terminates on. */
    pdu: Id.optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.voltage < 0 && f.supply !== 'dc') ctx.addIssue({ code: 'custom', path: ['voltage'], message: 'a negative voltage is only valid for a DC supply' });
    if (f.supply === 'dc' && f.phase === 'three') ctx.addIssue({ code: 'custom', path: ['phase'], message: 'a DC supply has no phases' });
  });

const PlanPanelSchema = z
  .object({
    id: Id,
    name: z.string().optional(),
    supply: z.enum(['ac', 'dc']).default('ac'),
    phase: z.enum(['single', 'three']),
    voltage: Positive,
    voltageType: z.enum(['line-to-line', 'line-to-neutral']).default('line-to-line'),
    mainBreakerA: Positive,
    maxUtilizationPercent: Percent.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.supply === 'dc' && p.phase === 'three') ctx.addIssue({ code: 'custom', path: ['phase'], message: 'a DC supply has no phases' });
  });

const PlanUpsSchema = z
  .object({
    id: Id,
    /** Catalogue UPS id; gives the module ratings unless overridden. */
    ref: z.string().min(1).optional(),
    ratingVA: Positive.optional(),
    ratingW: Positive.optional(),
    /** Installed modules (for 2N: both sides together). */
    modules: z.number().int().min(1).max(64),
    redundancy: z.enum(['N', 'N+1', '2N']),
    /** Usable battery energy per module, Wh (datasheet or battery-pack figure). */
    batteryWhPerModule: Positive,
    efficiency: z.number().finite().gt(0).max(1).default(DEFAULT_UPS_EFFICIENCY),
    targetRuntimeMinutes: NonNegative.default(DEFAULT_UPS_TARGET_RUNTIME_MINUTES),
    maxLoadPercent: Percent.default(DEFAULT_UPS_MAX_LOAD_PERCENT),
    /** Its losses heat the same room as the IT load. */
    inRoom: z.boolean().default(true),
    /** Rack devices that are this UPS's modules (for the record; they draw no IT load). */
    devices: z.array(Id).default([]),
  })
  .strict()
  .superRefine((u, ctx) => {
    if (u.ref === undefined && (u.ratingVA === undefined || u.ratingW === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ref'], message: 'give a catalogue ref or both ratingVA and ratingW' });
    }
    if (u.redundancy === 'N+1' && u.modules < 2) ctx.addIssue({ code: 'custom', path: ['modules'], message: 'N+1 needs at least 2 modules' });
    if (u.redundancy === '2N' && u.modules % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['modules'], message: '2N needs an even module count (both sides)' });
  });

const PlanGeneratorSchema = z
  .object({
    ratingKW: Positive.optional(),
    ratingKVA: Positive.optional(),
    powerFactor: PowerFactor.default(GENERATOR_POWER_FACTOR),
    /** Loads on the generator that are not behind the UPS (cooling, lighting), kW. */
    directLoadKW: NonNegative.default(0),
  })
  .strict()
  .refine((g) => g.ratingKW !== undefined || g.ratingKVA !== undefined, { message: 'give ratingKW or ratingKVA', path: ['ratingKW'] });

const PlanCoolingSchema = z
  .object({
    capacityKW: Positive.optional(),
    capacityBtuPerHour: Positive.optional(),
    /** Heat in the room besides IT load and UPS losses (lights, people), W. */
    otherHeatW: NonNegative.default(0),
    /** Design equipment inlet (supply air) temperature, °C. */
    designInletC: z.number().finite().min(-50).max(80).optional(),
    ashraeClass: z.enum(['A1', 'A2', 'A3', 'A4']).default('A1'),
  })
  .strict()
  .refine((c) => (c.capacityKW === undefined) !== (c.capacityBtuPerHour === undefined), {
    message: 'give exactly one of capacityKW and capacityBtuPerHour',
    path: ['capacityKW'],
  });

export const SitePlanSchema = z
  .object({
    schema: z.literal(PLAN_SCHEMA_ID),
    name: z.string().min(1),
    note: z.string().optional(),
    settings: PlanSettingsSchema.prefault({}),
    racks: z.array(PlanRackSchema).min(1),
    panels: z.array(PlanPanelSchema).default([]),
    feeds: z.array(PlanFeedSchema).default([]),
    ups: PlanUpsSchema.optional(),
    generator: PlanGeneratorSchema.optional(),
    cooling: PlanCoolingSchema.optional(),
  })
  .strict();

export type SitePlan = z.infer<typeof SitePlanSchema>;
/** What a plan author writes (defaults optional). */
export type SitePlanInput = z.input<typeof SitePlanSchema>;
export type PlanRack = SitePlan['racks'][number];
export type PlanDevice = PlanRack['devices'][number];
export type PlanFeed = SitePlan['feeds'][number];
export type PlanPanel = SitePlan['panels'][number];
export type PlanUps = NonNullable<SitePlan['ups']>;
export type PlanRackInput = SitePlanInput['racks'][number];
export type PlanDeviceInput = NonNullable<PlanRackInput['devices']>[number];
export type PlanFeedInput = NonNullable<SitePlanInput['feeds']>[number];

/** IEC 60038 supply tolerance, used to decide whether a PDU suits a feed's voltage. */
const VOLTAGE_TOLERANCE = 0.1;

/** Every id resolves and every feed serves the rack it powers. */
export function crossCheckPlan(plan: SitePlan, catalogue: Catalogue): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const issue = (path: (string | number)[], message: string): void => void issues.push({ path: formatIssuePath(path), message });

  const rackIds = new Map<string, number>();
  const deviceAt = new Map<string, { rack: string; r: number; d: number }>();
  plan.racks.forEach((rack, r) => {
    if (rackIds.has(rack.id)) issue(['racks', r, 'id'], `duplicate rack id "${rack.id}"`);
    rackIds.set(rack.id, r);
    if (!catalogue.rack(rack.model)) issue(['racks', r, 'model'], `no rack model "${rack.model}" in the catalogue`);
    rack.devices.forEach((d, i) => {
      if (deviceAt.has(d.id)) issue(['racks', r, 'devices', i, 'id'], `duplicate device id "${d.id}"`);
      else deviceAt.set(d.id, { rack: rack.id, r, d: i });
      if (!catalogue.device(d.ref)) issue(['racks', r, 'devices', i, 'ref'], `no device "${d.ref}" in the catalogue`);
      const draw = catalogue.device(d.ref)?.draw;
      if (d.draw && draw !== undefined) {
        const typ = d.draw.typicalW ?? draw?.typicalW ?? 0;
        const max = d.draw.maxW ?? draw?.maxW ?? 0;
        if (typ > max) issue(['racks', r, 'devices', i, 'draw', 'typicalW'], `typical draw ${typ} W exceeds maximum ${max} W`);
      }
    });
  });

  const panelIds = new Map<string, number>();
  plan.panels.forEach((p, i) => {
    if (panelIds.has(p.id)) issue(['panels', i, 'id'], `duplicate panel id "${p.id}"`);
    panelIds.set(p.id, i);
  });

  const feedIds = new Map<string, number>();
  plan.feeds.forEach((f, i) => {
    if (feedIds.has(f.id)) issue(['feeds', i, 'id'], `duplicate feed id "${f.id}"`);
    feedIds.set(f.id, i);
    if (!rackIds.has(f.rack)) issue(['feeds', i, 'rack'], `no rack "${f.rack}"`);
    if (f.panel !== undefined) {
      const p = panelIds.get(f.panel);
      if (p === undefined) issue(['feeds', i, 'panel'], `no panel "${f.panel}"`);
      else if (plan.panels[p]!.supply !== f.supply) issue(['feeds', i, 'supply'], `an ${f.supply.toUpperCase()} feed on ${plan.panels[p]!.supply.toUpperCase()} panel "${f.panel}"`);
    }
    if (f.outletWiring !== undefined && f.phase !== 'three') issue(['feeds', i, 'outletWiring'], 'outlet wiring applies to three-phase feeds only');
    if (f.breaker !== undefined) {
      const okPoles = f.phase === 'three' ? [3] : [1, 2];
      if (!okPoles.includes(f.breaker.poles)) issue(['feeds', i, 'breaker', 'poles'], `a ${f.phase}-phase feed needs a ${okPoles.join(' or ')}-pole breaker`);
    }
    if (f.pdu !== undefined) {
      const at = deviceAt.get(f.pdu);
      const dev = at ? catalogue.device(plan.racks[at.r]!.devices[at.d]!.ref) : undefined;
      if (!at) issue(['feeds', i, 'pdu'], `no device "${f.pdu}"`);
      else if (at.rack !== f.rack) issue(['feeds', i, 'pdu'], `PDU "${f.pdu}" is in rack "${at.rack}", the feed serves "${f.rack}"`);
      else if (dev && dev.role !== 'pdu') issue(['feeds', i, 'pdu'], `"${f.pdu}" is a ${dev.role}, not a PDU`);
    }
  });

  plan.racks.forEach((rack, r) => {
    rack.devices.forEach((d, i) => {
      d.power.forEach((p, k) => {
        const fi = feedIds.get(p.feed);
        const path = ['racks', r, 'devices', i, 'power', k];
        if (fi === undefined) return issue([...path, 'feed'], `no feed "${p.feed}"`);
        const f = plan.feeds[fi]!;
        if (f.rack !== rack.id) issue([...path, 'feed'], `feed "${f.id}" serves rack "${f.rack}", not "${rack.id}"`);
        if (p.leg !== undefined && f.phase !== 'three') issue([...path, 'leg'], `feed "${f.id}" is single-phase: it has no legs`);
      });
    });
  });

  if (plan.ups) {
    const u = plan.ups;
    if (u.ref !== undefined) {
      const dev = catalogue.device(u.ref);
      if (!dev) issue(['ups', 'ref'], `no device "${u.ref}" in the catalogue`);
      else if (dev.role !== 'ups') issue(['ups', 'ref'], `"${u.ref}" is a ${dev.role}, not a UPS`);
    }
    const va = u.ratingVA ?? (u.ref ? catalogue.device(u.ref)?.ups?.ratingVA : undefined);
    const w = u.ratingW ?? (u.ref ? catalogue.device(u.ref)?.ups?.ratingW : undefined);
    if (va !== undefined && w !== undefined && w > va) issue(['ups', 'ratingW'], `a UPS cannot deliver more W (${w}) than VA (${va})`);
    u.devices.forEach((id, k) => {
      const at = deviceAt.get(id);
      if (!at) issue(['ups', 'devices', k], `no device "${id}"`);
      else if (catalogue.device(plan.racks[at.r]!.devices[at.d]!.ref)?.role !== 'ups') issue(['ups', 'devices', k], `"${id}" is not a UPS`);
    });
  }
  return issues;
}

/** PDUs whose inlet does not suit the feed they are on, with the reason. */
export function pduMismatch(
  feed: Pick<PlanFeed, 'phase' | 'voltage' | 'voltageType'>,
  inlet: { voltage: number; voltageType: 'line-to-line' | 'line-to-neutral'; phase: 'single' | 'three' },
): string | null {
  if (feed.phase !== inlet.phase) return `a ${inlet.phase}-phase PDU on a ${feed.phase}-phase feed`;
  if (feed.phase === 'single') {
    return Math.abs(Math.abs(feed.voltage) / inlet.voltage - 1) > VOLTAGE_TOLERANCE ? `a ${inlet.voltage} V PDU on a ${Math.abs(feed.voltage)} V feed` : null;
  }
  const ln = (v: number, t: string): number => (t === 'line-to-neutral' ? v : v / Math.sqrt(3));
  const a = ln(Math.abs(feed.voltage), feed.voltageType);
  const b = ln(inlet.voltage, inlet.voltageType);
  return Math.abs(a / b - 1) > VOLTAGE_TOLERANCE ? `a PDU for ${b.toFixed(0)} V line-to-neutral on a feed with ${a.toFixed(0)} V line-to-neutral` : null;
}

export type PlanParseResult = { ok: true; plan: SitePlan } | { ok: false; error: PlanValidationError };

/** Validate parsed JSON as a plan and cross-check it against the catalogue. Never throws. */
export function parseSitePlan(json: unknown, catalogue: Catalogue): PlanParseResult {
  const r = SitePlanSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
    return { ok: false, error: { code: 'invalid-plan', message: summarise(issues), issues } };
  }
  const issues = crossCheckPlan(r.data, catalogue);
  if (issues.length > 0) return { ok: false, error: { code: 'invalid-plan', message: summarise(issues), issues } };
  return { ok: true, plan: r.data };
}

function summarise(issues: ValidationIssue[]): string {
  const first = issues[0];
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return first ? `${first.path}: ${first.message}${more}` : 'invalid plan';
}
