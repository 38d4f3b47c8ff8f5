/**
 * Feed capacity and phase arithmetic: what a circuit can carry (VA and W,
 * derated for continuous load), in NetBox-compatible or exact mode, and how a
 * three-phase feed's outlet groups (legs A/B/C) load its lines.
 *
 * Modes:
 * - `netbox` reproduces PowerFeed.save(): |V| × A × (util / 100), × 1.732 for
 *   three phase, rounded half-to-even to an integer (NETBOX_POWER.md §2). The
 *   one deliberate difference: a voltage marked line-to-neutral is multiplied
 *   by 3 (issue #8738); NetBox has no voltage type and would use 1.732.
 * - `exact` uses √3 and does not round.
 */
import { roundHalfEven } from './rounding';
import { DEFAULT_MAX_UTILIZATION_PERCENT, DEFAULT_POWER_FACTOR, NETBOX_SQRT3, SQRT3 } from './units';

export type Phase = 'single' | 'three';
export type VoltageType = 'line-to-line' | 'line-to-neutral';
export type Supply = 'ac' | 'dc';
export type CapacityMode = 'netbox' | 'exact';
export type Leg = 'A' | 'B' | 'C';
export type OutletWiring = 'line-to-line' | 'line-to-neutral';
export const LEGS: readonly Leg[] = ['A', 'B', 'C'];

export interface FeedSpec {
  /** Volts. Negative only for DC (e.g. −48 V telecom plants); the magnitude counts. */
  voltage: number;
  /** The circuit's ampere rating. */
  amperage: number;
  phase: Phase;
  /** Three phase only: which voltage `voltage` is. Default line-to-line, as NetBox assumes. */
  voltageType?: VoltageType;
  /** Continuous-load derate in percent; default 80 (NEC 210.20(A)). */
  maxUtilizationPercent?: number;
  supply?: Supply;
  /** Of the load, for W from VA. AC default 0.95; DC is always 1. */
  powerFactor?: number;
}

/** Why a spec cannot describe a real feed, or null. Mirrors NetBox's clean() where NetBox has a rule. */
export function feedSpecProblem(spec: FeedSpec): string | null {
  const supply = spec.supply ?? 'ac';
  if (!Number.isFinite(spec.voltage) || spec.voltage === 0) return 'voltage must be a non-zero number';
  if (spec.voltage < 0 && supply !== 'dc') return 'a negative voltage is only valid for a DC supply';
  if (!Number.isFinite(spec.amperage) || spec.amperage <= 0) return 'amperage must be greater than 0';
  const util = spec.maxUtilizationPercent ?? DEFAULT_MAX_UTILIZATION_PERCENT;
  if (!Number.isFinite(util) || util <= 0 || util > 100) return 'max utilization must be in (0, 100] percent';
  if (supply === 'dc' && spec.phase === 'three') return 'a DC supply has no phases';
  const pf = spec.powerFactor;
  if (pf !== undefined && (!Number.isFinite(pf) || pf <= 0 || pf > 1)) return 'power factor must be in (0, 1]';
  return null;
}

export interface FeedCapacity {
  mode: CapacityMode;
  supply: Supply;
  phase: Phase;
  voltageType: VoltageType;
  voltage: number;
  amperage: number;
  maxUtilizationPercent: number;
  powerFactor: number;
  /** Three phase only. */
  voltageLineToLine: number | null;
  voltageLineToNeutral: number | null;
  /** V × A (× √3 or × 3) before the derate. */
  nameplateVA: number;
  /** The derated capacity: what NetBox stores as available_power (and labels VA). */
  availableVA: number;
  /** availableVA × power factor: the real power the circuit can deliver. */
  availableW: number;
  /** Amperage × utilisation: the continuous current each line may carry. */
  continuousAmps: number;
  /** VA per ampere of (balanced) line current; converts VA shortfalls to amps. */
  vaPerAmp: number;
}

/** The factor from V × A to VA: 1, √3 (or NetBox's 1.732) for line-to-line, 3 for line-to-neutral. */
function phaseFactor(phase: Phase, voltageType: VoltageType, mode: CapacityMode): number {
  if (phase === 'single') return 1;
  if (voltageType === 'line-to-neutral') return 3;
  return mode === 'netbox' ? NETBOX_SQRT3 : SQRT3;
}

export function feedCapacity(spec: FeedSpec, mode: CapacityMode = 'netbox'): FeedCapacity {
  const problem = feedSpecProblem(spec);
  if (problem) throw new RangeError(problem);
  const supply = spec.supply ?? 'ac';
  const voltageType = spec.voltageType ?? 'line-to-line';
  const util = spec.maxUtilizationPercent ?? DEFAULT_MAX_UTILIZATION_PERCENT;
  const powerFactor = supply === 'dc' ? 1 : (spec.powerFactor ?? DEFAULT_POWER_FACTOR);
  const v = Math.abs(spec.voltage);
  const factor = phaseFactor(spec.phase, voltageType, mode);
  // Same operation order as NetBox (|V| × A × (util / 100), then × 1.732) so the binary
  // float, and therefore the half-to-even tie, is the one Python sees.
  const base = v * spec.amperage * (util / 100);
  const exactVA = spec.phase === 'three' ? base * factor : base;
  const availableVA = mode === 'netbox' ? roundHalfEven(exactVA) : exactVA;
  const nameplateRaw = v * spec.amperage * factor;
  const nameplateVA = mode === 'netbox' ? roundHalfEven(nameplateRaw) : nameplateRaw;
  const availableW = mode === 'netbox' ? roundHalfEven(availableVA * powerFactor) : availableVA * powerFactor;
  let voltageLineToLine: number | null = null;
  let voltageLineToNeutral: number | null = null;
  if (spec.phase === 'three') {
    voltageLineToLine = voltageType === 'line-to-line' ? v : v * SQRT3;
    voltageLineToNeutral = voltageType === 'line-to-line' ? v / SQRT3 : v;
  }
  return {
    mode,
    supply,
    phase: spec.phase,
    voltageType,
    voltage: spec.voltage,
    amperage: spec.amperage,
    maxUtilizationPercent: util,
    powerFactor,
    voltageLineToLine,
    voltageLineToNeutral,
    nameplateVA,
    availableVA,
    availableW,
    continuousAmps: spec.amperage * (util / 100),
    vaPerAmp: v * factor,
  };
}

/**
 * How outlets hang on a three-phase feed when the plan does not say. IEC
 * 60320 C13/C19 outlets are rated 250 V, so on a feed whose line-to-line
 * voltage is above that (400/415/480 V) the outlets must be line-to-neutral
 * (wye); at 208 V line-to-line they are normally wired across two lines
 * (delta, the North American rack PDU; POWER_FACTS §4).
 */
export function defaultOutletWiring(cap: Pick<FeedCapacity, 'voltageType' | 'voltageLineToLine'>): OutletWiring {
  if (cap.voltageType === 'line-to-neutral') return 'line-to-neutral';
  return (cap.voltageLineToLine ?? 0) > 250 ? 'line-to-neutral' : 'line-to-line';
}

export type LegLoads = Record<Leg, number>;

export interface LineCurrent {
  /** L1, L2, L3. */
  line: 'L1' | 'L2' | 'L3';
  amps: number;
  capacityAmps: number;
  /** Current above the continuous limit; 0 when within it. */
  missingAmps: number;
  /** VA to move off the worst outlet group feeding this line to bring it within the limit. */
  missingVA: number;
}

export interface LegBalance {
  wiring: OutletWiring;
  /** Per outlet group: VA and the current in its own circuit (outlet current). */
  legs: { leg: Leg; va: number; outletAmps: number }[];
  lines: LineCurrent[];
  /** (max − mean) / mean × 100 over the line currents (NEMA definition); 0 with no load. */
  imbalancePercent: number;
}

const LINES = ['L1', 'L2', 'L3'] as const;

/** The outlet groups that draw on each line. Delta: A = L1–L2, B = L2–L3, C = L3–L1. */
const DELTA_BRANCHES: Record<(typeof LINES)[number], [Leg, Leg]> = { L1: ['A', 'C'], L2: ['A', 'B'], L3: ['B', 'C'] };
const WYE_LEG: Record<(typeof LINES)[number], Leg> = { L1: 'A', L2: 'B', L3: 'C' };

/** |I1 − I2| for two branch currents 120° apart at equal power factor. */
function deltaLine(i1: number, i2: number): number {
  return Math.sqrt(i1 * i1 + i2 * i2 + i1 * i2);
}

/**
 * Branch current the larger branch must drop to so that deltaLine(x, other)
 * equals `cap`; shedding from the larger branch needs the least VA. Returns
 * the branch current to shed (from one or, if one is not enough, both).
 */
function deltaShed(big: number, small: number, cap: number): number {
  if (deltaLine(big, small) <= cap) return 0;
  if (small > cap) return big + (small - cap); // even with `big` gone, `small` alone overloads the line
  const target = (-small + Math.sqrt(4 * cap * cap - 3 * small * small)) / 2;
  return big - Math.max(0, target);
}

/**
 * Line currents of a three-phase feed from the VA on each outlet group,
 * assuming one power factor for all loads (the phasors of delta branches are
 * then 120° apart). Wye: each group is one line to neutral. Delta: each group
 * is across two lines and a line carries the vector difference of its two
 * branch currents (Raritan, "How to calculate current on a 3-phase 208V rack PDU").
 */
export function legBalance(cap: FeedCapacity, legVA: LegLoads, wiring: OutletWiring = defaultOutletWiring(cap)): LegBalance {
  if (cap.phase !== 'three' || cap.voltageLineToLine === null || cap.voltageLineToNeutral === null) {
    throw new RangeError('leg balance needs a three-phase feed');
  }
  const outletVolts = wiring === 'line-to-neutral' ? cap.voltageLineToNeutral : cap.voltageLineToLine;
  const outletAmps = (leg: Leg): number => legVA[leg] / outletVolts;
  const limit = cap.continuousAmps;
  const lines: LineCurrent[] = LINES.map((line) => {
    if (wiring === 'line-to-neutral') {
      const amps = outletAmps(WYE_LEG[line]);
      const missingAmps = Math.max(0, amps - limit);
      return { line, amps, capacityAmps: limit, missingAmps, missingVA: missingAmps * outletVolts };
    }
    const [p, q] = DELTA_BRANCHES[line];
    const ip = outletAmps(p);
    const iq = outletAmps(q);
    const amps = deltaLine(ip, iq);
    const shed = deltaShed(Math.max(ip, iq), Math.min(ip, iq), limit);
    return { line, amps, capacityAmps: limit, missingAmps: Math.max(0, amps - limit), missingVA: shed * outletVolts };
  });
  const currents = lines.map((l) => l.amps);
  const mean = (currents[0]! + currents[1]! + currents[2]!) / 3;
  const imbalancePercent = mean > 0 ? ((Math.max(...currents) - mean) / mean) * 100 : 0;
  return {
    wiring,
    legs: LEGS.map((leg) => ({ leg, va: legVA[leg], outletAmps: outletAmps(leg) })),
    lines,
    imbalancePercent,
  };
}

/** NetBox's percentage filter: round(x / y × 100, 1), half-to-even; 0 when y is 0. */
export function netboxPercentage(x: number, y: number): number {
  if (y === 0) return 0;
  return roundHalfEven((x / y) * 100, 1);
}
