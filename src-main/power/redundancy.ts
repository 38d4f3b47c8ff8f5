/**
 * Backup power: UPS sizing in kW and kVA for N, N+1 and 2N, battery runtime
 * estimates, and the generator size recommendation. Definitions follow
 * Schneider Electric White Paper 75 as summarised in POWER_FACTS §6:
 *
 * - N: the modules together carry the load; no spare.
 * - N+1: one module more than the load needs; usable = installed − 1.
 * - 2N: two independent systems (A and B paths), each able to carry 100 %;
 *   `modules` counts both, so each side has modules / 2.
 *
 * Runtime is the linear estimate battery Wh × inverter efficiency / load W.
 * It ignores the Peukert effect (batteries deliver less energy at high
 * discharge rates), so it is an upper bound; vendors publish runtime charts
 * and those win when available.
 */
import { DEFAULT_UPS_EFFICIENCY, DEFAULT_UPS_MAX_LOAD_PERCENT, GENERATOR_POWER_FACTOR, GENERATOR_SIZING_FACTOR } from './units';

export type UpsRedundancy = 'N' | 'N+1' | '2N';
export const UPS_REDUNDANCIES: readonly UpsRedundancy[] = ['N', 'N+1', '2N'];

export interface UpsModule {
  ratingVA: number;
  ratingW: number;
  /** Usable battery energy per module, Wh. */
  batteryWh: number;
  /** Inverter efficiency, 0..1. */
  efficiency?: number;
}

export interface UpsLoad {
  /** IT load in W (the budget basis: typical or maximum draw). */
  loadW: number;
  /** Power factor of that load. */
  powerFactor: number;
  /** Headroom for growth, percent of the load. */
  growthMarginPercent?: number;
  /** Highest loading the UPS should run at, percent of its rating (sizing target). */
  maxLoadPercent?: number;
}

/** Load after growth divided by the target loading: the rating the UPS must have. */
export function upsDesignLoad(l: UpsLoad): { designW: number; designVA: number } {
  const growth = 1 + (l.growthMarginPercent ?? 0) / 100;
  const loading = (l.maxLoadPercent ?? DEFAULT_UPS_MAX_LOAD_PERCENT) / 100;
  const designW = (l.loadW * growth) / loading;
  return { designW, designVA: designW / l.powerFactor };
}

/**
 * Modules needed to carry a design load with no redundancy (at least one).
 * The 1e-12 keeps a quotient like 3.0000000000000004 (float noise on an exact
 * multiple) from asking for a fourth module.
 */
export function modulesForLoad(designW: number, designVA: number, m: Pick<UpsModule, 'ratingW' | 'ratingVA'>): number {
  return Math.max(1, Math.ceil(designW / m.ratingW - 1e-12), Math.ceil(designVA / m.ratingVA - 1e-12));
}

/** Installed modules for a redundancy scheme given the N count. */
export function modulesInstalledFor(redundancy: UpsRedundancy, n: number): number {
  return redundancy === 'N' ? n : redundancy === 'N+1' ? n + 1 : 2 * n;
}

/** Modules that carry the load once the redundancy has been used (one module, or one side, lost). */
export function modulesAfterFailure(redundancy: UpsRedundancy, installed: number): number {
  return redundancy === 'N' ? installed : redundancy === 'N+1' ? installed - 1 : Math.floor(installed / 2);
}

/** Minutes of battery at a load; Infinity at no load. */
export function runtimeMinutes(batteryWh: number, loadW: number, efficiency = DEFAULT_UPS_EFFICIENCY): number {
  if (loadW <= 0) return Number.POSITIVE_INFINITY;
  return ((batteryWh * efficiency) / loadW) * 60;
}

export interface RuntimeEstimate {
  modules: number;
  /** All installed modules sharing the load. */
  normalMinutes: number;
  /** After the redundancy is spent (N+1: one module lost; 2N: one side lost; N: same as normal). */
  degradedMinutes: number;
}

export function runtimeFor(redundancy: UpsRedundancy, installed: number, m: UpsModule, loadW: number): RuntimeEstimate {
  const eff = m.efficiency ?? DEFAULT_UPS_EFFICIENCY;
  return {
    modules: installed,
    normalMinutes: runtimeMinutes(installed * m.batteryWh, loadW, eff),
    degradedMinutes: runtimeMinutes(modulesAfterFailure(redundancy, installed) * m.batteryWh, loadW, eff),
  };
}

export interface UpsSizing {
  redundancy: UpsRedundancy;
  modulesInstalled: number;
  loadW: number;
  loadVA: number;
  designW: number;
  designVA: number;
  /** Capacity left after the redundancy is spent; this must cover the design load. */
  usableW: number;
  usableVA: number;
  missingW: number;
  missingVA: number;
  /** Modules each scheme needs for this load. */
  modulesRequired: Record<UpsRedundancy, number>;
  /** Runtime of the installed system. */
  runtime: RuntimeEstimate;
  /** Runtime each scheme would give with its required module count. */
  runtimeByRedundancy: Record<UpsRedundancy, RuntimeEstimate>;
  targetRuntimeMinutes: number;
  /** Load to shed so the degraded runtime reaches the target; 0 when it does. */
  runtimeMissingW: number;
}

export function sizeUps(
  l: UpsLoad,
  m: UpsModule,
  redundancy: UpsRedundancy,
  modulesInstalled: number,
  targetRuntimeMinutes: number,
): UpsSizing {
  const { designW, designVA } = upsDesignLoad(l);
  const after = modulesAfterFailure(redundancy, modulesInstalled);
  const usableW = after * m.ratingW;
  const usableVA = after * m.ratingVA;
  const n = modulesForLoad(designW, designVA, m);
  const modulesRequired = { N: n, 'N+1': modulesInstalledFor('N+1', n), '2N': modulesInstalledFor('2N', n) };
  const runtime = runtimeFor(redundancy, modulesInstalled, m, l.loadW);
  const eff = m.efficiency ?? DEFAULT_UPS_EFFICIENCY;
  // Largest load at which the degraded battery still lasts the target time.
  const maxLoadForTarget = targetRuntimeMinutes > 0 ? (after * m.batteryWh * eff * 60) / targetRuntimeMinutes : Number.POSITIVE_INFINITY;
  return {
    redundancy,
    modulesInstalled,
    loadW: l.loadW,
    loadVA: l.loadW / l.powerFactor,
    designW,
    designVA,
    usableW,
    usableVA,
    missingW: Math.max(0, designW - usableW),
    missingVA: Math.max(0, designVA - usableVA),
    modulesRequired,
    runtime,
    runtimeByRedundancy: {
      N: runtimeFor('N', modulesRequired.N, m, l.loadW),
      'N+1': runtimeFor('N+1', modulesRequired['N+1'], m, l.loadW),
      '2N': runtimeFor('2N', modulesRequired['2N'], m, l.loadW),
    },
    targetRuntimeMinutes,
    runtimeMissingW: Math.max(0, l.loadW - maxLoadForTarget),
  };
}

export interface GeneratorRecommendation {
  /** × GENERATOR_SIZING_FACTOR on the UPS-backed load, plus loads fed directly. */
  kw: number;
  /** kw / 0.8: gensets are rated in kVA at 0.8 PF (ISO 8528). */
  kva: number;
  sizingFactor: number;
  basis: string;
}

/**
 * Generator size: the set carries the UPS input (load / efficiency) plus
 * battery recharge, for which ~1.25 × the UPS load is the common starting
 * point (POWER_FACTS §6). Loads not behind a UPS (cooling) add at 1×.
 * Rectifier-topology multipliers and altitude/temperature derates are the
 * genset vendor's to apply.
 */
export function recommendGenerator(upsBackedW: number, directW = 0, behindUps = true): GeneratorRecommendation {
  const factor = behindUps ? GENERATOR_SIZING_FACTOR : 1;
  const kw = (upsBackedW * factor + directW) / 1000;
  return {
    kw,
    kva: kw / GENERATOR_POWER_FACTOR,
    sizingFactor: factor,
    basis: behindUps
      ? `${GENERATOR_SIZING_FACTOR} × UPS-backed load (UPS input plus battery recharge) + direct loads; kVA at ${GENERATOR_POWER_FACTOR} PF`
      : `1 × load (no UPS) + direct loads; kVA at ${GENERATOR_POWER_FACTOR} PF`,
  };
}

/** A generator's real-power rating from whichever rating the plan gives. */
export function generatorKw(g: { ratingKW?: number | undefined; ratingKVA?: number | undefined; powerFactor?: number | undefined }): number {
  if (g.ratingKW !== undefined) return g.ratingKW;
  return (g.ratingKVA ?? 0) * (g.powerFactor ?? GENERATOR_POWER_FACTOR);
}
