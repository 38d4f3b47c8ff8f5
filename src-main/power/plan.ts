/**
 * Site plan evaluation: from a validated plan and the catalogue to a report
 * of budgets (device, rack, feed, panel, site; typical and maximum draw;
 * allocated against available) and typed violations, each with the exact
 * shortfall and the JSON path of the element at fault.
 *
 * Failure scenarios: besides normal operation, when the plan has feeds on
 * both sides, every A-side feed is taken away at once ("side A lost", a
 * failed A panel or UPS) and then every B-side feed. A device's load is
 * shared equally by its live cords, so in a scenario the surviving cords
 * carry all of it. NetBox sums A and B and never asks whether one side can
 * carry the rack; this does, in both directions, for feeds, lines and panels.
 */
import type { Catalogue, CatalogueDevice } from './catalogue';
import { defaultOutletWiring, feedCapacity, legBalance, LEGS, type FeedCapacity, type LegLoads, type OutletWiring } from './feed';
import { checkCooling, checkInletTemperature, heatFromWatts, type InletCheck } from './heat';
import { pduMismatch, parseSitePlan, type PlanDevice, type PlanFeed, type PlanRack, type SitePlan } from './plan-schema';
import { RackLayout } from './rack';
import { generatorKw, recommendGenerator, sizeUps, type RuntimeEstimate, type UpsRedundancy } from './redundancy';
import { round2, roundHalfEven } from './rounding';
import { BTU_PER_HOUR_PER_TON } from './units';
import { formatIssuePath, type Missing, type PlanValidationError, type Violation, type ViolationCode } from './validation';

export const REPORT_SCHEMA_ID = 'cairn-power-report/v1';

export type Scenario = 'normal' | 'side-A-lost' | 'side-B-lost';
type Side = 'A' | 'B';

export interface DeviceReport {
  id: string;
  rack: string;
  ref: string;
  model: string;
  role: CatalogueDevice['role'];
  uHeight: number;
  position: number | null;
  face: 'front' | 'rear';
  weightKg: number;
  typicalW: number;
  maxW: number;
  /** The draw the checks use (settings.budgetBasis). */
  basisW: number;
  basisVA: number;
  basisBtuPerHour: number;
  inputs: { feed: string; leg: 'A' | 'B' | 'C' | null }[];
  /** Catalogue figures that are planning estimates. */
  estimated: string[];
}

export interface FeedLoadReport {
  scenario: Scenario;
  w: number;
  va: number;
  /** Line current for a balanced load (single phase: the circuit current). */
  amps: number;
  utilisationPercent: number;
  headroomVA: number;
  shortfallVA: number;
  /** Three-phase feeds: line currents and imbalance. */
  lines: { line: 'L1' | 'L2' | 'L3'; amps: number; capacityAmps: number }[] | null;
  /** Per outlet group: VA on cords assigned to it and the outlet-circuit current. */
  legs: { leg: 'A' | 'B' | 'C'; va: number; amps: number }[] | null;
  /** VA on cords with no leg; spread evenly over the lines for the line check. */
  unassignedVA: number | null;
  imbalancePercent: number | null;
}

export interface FeedReport {
  id: string;
  rack: string;
  panel: string | null;
  side: Side;
  supply: 'ac' | 'dc';
  phase: 'single' | 'three';
  voltage: number;
  voltageType: 'line-to-line' | 'line-to-neutral';
  amperage: number;
  /** The rating that limits the circuit: its own, its breaker's or its PDU's. */
  effectiveAmperage: number;
  limitedBy: 'circuit' | 'breaker' | 'pdu';
  outletWiring: OutletWiring | null;
  nameplateVA: number;
  availableVA: number;
  availableW: number;
  continuousAmps: number;
  normal: FeedLoadReport;
  /** The heavier of the failure scenarios in which this feed survives; null without A/B feeds. */
  worstFailover: FeedLoadReport | null;
}

export interface PanelReport {
  id: string;
  availableVA: number;
  availableW: number;
  continuousAmps: number;
  normal: { va: number; w: number; amps: number };
  worst: { scenario: Scenario; va: number; w: number; amps: number };
  headroomVA: number;
  shortfallVA: number;
}

export interface RackReport {
  id: string;
  name: string | null;
  model: string;
  uHeight: number;
  devices: string[];
  space: { totalU: number; usedU: number; freeU: number; utilisationPercent: number; largestFreeBlockU: number };
  weight: { installedKg: number; maxLoadKg: number; headroomKg: number; shortfallKg: number; rackKg: number; totalKg: number };
  power: {
    typicalW: number;
    maxW: number;
    basisW: number;
    basisVA: number;
    /** All the rack's feeds together. */
    availableVA: number;
    /** The weaker side alone: what the rack may draw and survive losing a side; null without both sides. */
    availableVAOneSide: number | null;
    redundant: boolean;
    /** Against the one-side figure when redundant, else against all feeds. */
    headroomVA: number;
    shortfallVA: number;
    /** What NetBox's rack utilisation would show: basis W over the sum of all feeds, A and B together. */
    netboxUtilisationPercent: number;
  };
  heat: { typicalBtuPerHour: number; maxBtuPerHour: number; basisBtuPerHour: number; basisCoolingTons: number };
}

export interface UpsReport {
  id: string;
  redundancy: UpsRedundancy;
  modulesInstalled: number;
  moduleVA: number;
  moduleW: number;
  /** The module W rating is a catalogue estimate, not a verified figure. */
  ratingEstimated: boolean;
  loadW: number;
  loadVA: number;
  designW: number;
  designVA: number;
  usableW: number;
  usableVA: number;
  headroomW: number;
  missingW: number;
  missingVA: number;
  modulesRequired: Record<UpsRedundancy, number>;
  runtime: { normalMinutes: number | null; degradedMinutes: number | null };
  runtimeByRedundancy: Record<UpsRedundancy, { modules: number; normalMinutes: number | null; degradedMinutes: number | null }>;
  targetRuntimeMinutes: number;
  lossesW: number;
}

export interface GeneratorReport {
  recommendedKW: number;
  recommendedKVA: number;
  sizingFactor: number;
  basis: string;
  ratedKW: number | null;
  headroomKW: number | null;
}

export interface CoolingReport {
  heatW: number;
  loadBtuPerHour: number;
  loadTons: number;
  capacityBtuPerHour: number;
  capacityTons: number;
  headroomBtuPerHour: number;
  inlet: InletCheck | null;
}

export interface PlanReport {
  schema: typeof REPORT_SCHEMA_ID;
  plan: string;
  settings: SitePlan['settings'];
  /** No violations. */
  ok: boolean;
  site: {
    devices: number;
    typicalW: number;
    maxW: number;
    basisW: number;
    basisVA: number;
    basisBtuPerHour: number;
    basisCoolingTons: number;
    feedsAvailableVA: number;
    scenarios: Scenario[];
  };
  racks: RackReport[];
  devices: DeviceReport[];
  feeds: FeedReport[];
  panels: PanelReport[];
  ups: UpsReport | null;
  generator: GeneratorReport;
  cooling: CoolingReport | null;
  violations: Violation[];
  /** Things the reader should know that are not violations (checks skipped, assumptions). */
  notes: string[];
}

// ---------------------------------------------------------------------------

/** Loads equal to the capacity pass; float noise below this does not make a violation. */
const EPSILON = 1e-9;

/** Shortfalls are reported to 0.01; a real shortfall never rounds down to nothing. */
function missingAmount(x: number): number {
  return Math.max(round2(x), 0.01);
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? round2(x) : null;
}

interface Resolved {
  plan: PlanDevice;
  rack: PlanRack;
  r: number;
  i: number;
  cat: CatalogueDevice;
  typicalW: number;
  maxW: number;
  basisW: number;
  weightKg: number;
  path: (string | number)[];
}

interface FeedState {
  plan: PlanFeed;
  index: number;
  cap: FeedCapacity;
  pf: number;
  wiring: OutletWiring | null;
  effectiveAmperage: number;
  limitedBy: FeedReport['limitedBy'];
}

interface FeedLoad {
  w: number;
  va: number;
  legs: LegLoads;
  unassignedVA: number;
}

const emptyLoad = (): FeedLoad => ({ w: 0, va: 0, legs: { A: 0, B: 0, C: 0 }, unassignedVA: 0 });

const SCENARIO_TEXT: Record<Scenario, string> = {
  normal: 'in normal operation',
  'side-A-lost': 'when side A is lost',
  'side-B-lost': 'when side B is lost',
};

const lostSide = (s: Scenario): Side | null => (s === 'side-A-lost' ? 'A' : s === 'side-B-lost' ? 'B' : null);

const fmt = (x: number): string => String(round2(x));

/** Evaluate a plan that has passed parseSitePlan. */
export function evaluatePlan(plan: SitePlan, catalogue: Catalogue): PlanReport {
  const s = plan.settings;
  const violations: Violation[] = [];
  const notes: string[] = [];
  const violate = (code: ViolationCode, severity: Violation['severity'], path: (string | number)[], message: string, missing?: Missing): void => {
    const v: Violation = { code, severity, message, path: formatIssuePath(path) };
    if (missing) v.missing = missing;
    violations.push(v);
  };

  // ---- devices -------------------------------------------------------------
  const devices: Resolved[] = [];
  plan.racks.forEach((rack, r) =>
    rack.devices.forEach((d, i) => {
      const cat = catalogue.device(d.ref)!;
      const typicalW = d.draw?.typicalW ?? cat.draw?.typicalW ?? 0;
      const maxW = Math.max(d.draw?.maxW ?? cat.draw?.maxW ?? 0, typicalW);
      devices.push({
        plan: d,
        rack,
        r,
        i,
        cat,
        typicalW,
        maxW,
        basisW: s.budgetBasis === 'max' ? maxW : typicalW,
        weightKg: d.weightKg ?? cat.weightKg,
        path: ['racks', r, 'devices', i],
      });
    }),
  );

  // ---- feeds ---------------------------------------------------------------
  const deviceById = new Map(devices.map((d) => [d.plan.id, d]));
  const feeds = new Map<string, FeedState>();
  plan.feeds.forEach((f, index) => {
    let effectiveAmperage = f.amperage;
    let limitedBy: FeedReport['limitedBy'] = 'circuit';
    if (f.breaker) {
      if (f.breaker.ratingA > f.amperage) {
        violate('breaker-mismatch', 'error', ['feeds', index, 'breaker', 'ratingA'], `feed ${f.id}: a ${f.breaker.ratingA} A breaker does not protect a ${f.amperage} A circuit`, {
          a: missingAmount(f.breaker.ratingA - f.amperage),
        });
      } else if (f.breaker.ratingA < effectiveAmperage) {
        effectiveAmperage = f.breaker.ratingA;
        limitedBy = 'breaker';
      }
    }
    if (f.pdu !== undefined) {
      const inlet = deviceById.get(f.pdu)?.cat.pdu;
      if (inlet) {
        const why = pduMismatch(f, inlet);
        if (why) violate('pdu-mismatch', 'error', ['feeds', index, 'pdu'], `feed ${f.id}: ${why}`);
        if (inlet.amperage < effectiveAmperage) {
          effectiveAmperage = inlet.amperage;
          limitedBy = 'pdu';
        }
      }
    }
    const cap = feedCapacity(
      {
        voltage: f.voltage,
        amperage: effectiveAmperage,
        phase: f.phase,
        voltageType: f.voltageType,
        maxUtilizationPercent: f.maxUtilizationPercent ?? s.maxUtilizationPercent,
        supply: f.supply,
        powerFactor: s.powerFactor,
      },
      s.capacityMode,
    );
    feeds.set(f.id, {
      plan: f,
      index,
      cap,
      pf: cap.powerFactor,
      wiring: f.phase === 'three' ? (f.outletWiring ?? defaultOutletWiring(cap)) : null,
      effectiveAmperage,
      limitedBy,
    });
  });

  const sidesOfRack = new Map<string, Set<Side>>();
  for (const f of plan.feeds) {
    const set = sidesOfRack.get(f.rack) ?? new Set<Side>();
    set.add(f.side);
    sidesOfRack.set(f.rack, set);
  }
  const siteHasBothSides = plan.feeds.some((f) => f.side === 'A') && plan.feeds.some((f) => f.side === 'B');
  const scenarios: Scenario[] = siteHasBothSides ? ['normal', 'side-A-lost', 'side-B-lost'] : ['normal'];
  if (!siteHasBothSides && plan.feeds.length > 0) notes.push('All feeds are on one side: no A/B failover check was possible.');
  for (const rack of plan.racks) {
    const sides = sidesOfRack.get(rack.id);
    if (!sides) notes.push(`Rack ${rack.id} has no feeds.`);
    else if (sides.size === 1 && siteHasBothSides) notes.push(`Rack ${rack.id} has feeds on side ${[...sides][0]} only: it is not on redundant power.`);
  }

  // Per-device checks that do not depend on scenarios.
  for (const d of devices) {
    const inputs = d.plan.power;
    if (inputs.length === 0 && d.basisW > 0) {
      violate('unpowered-device', 'error', [...d.path, 'power'], `device ${d.plan.id} draws ${fmt(d.basisW)} W but has no power cord on any feed, so no feed budget counts it`, {
        w: missingAmount(d.basisW),
      });
    }
    const psu = d.cat.psu;
    if (psu && psu.ratingW !== null && psu.redundancy === '1+1' && d.maxW > psu.ratingW + EPSILON) {
      violate('psu-undersized', 'error', [...d.path, 'draw'], `device ${d.plan.id}: one ${psu.ratingW} W PSU must carry the ${fmt(d.maxW)} W maximum (1+1)`, {
        w: missingAmount(d.maxW - psu.ratingW),
      });
    }
    const sides = sidesOfRack.get(d.rack.id);
    if (inputs.length > 0 && sides && sides.size === 2) {
      const mySides = new Set(inputs.map((p) => feeds.get(p.feed)!.plan.side));
      if (mySides.size === 1) {
        const side = [...mySides][0]!;
        violate('single-path-device', 'warning', [...d.path, 'power'], `device ${d.plan.id} is corded to side ${side} only and loses power when side ${side} is lost`);
      }
    }
    inputs.forEach((p, k) => {
      const f = feeds.get(p.feed)!;
      if (f.plan.phase === 'three' && p.leg === undefined) {
        violate(
          'leg-unassigned',
          'warning',
          [...d.path, 'power', k, 'leg'],
          `device ${d.plan.id}: cord ${k + 1} on three-phase feed ${f.plan.id} has no leg; its load is spread evenly over the lines for the line check`,
        );
      }
    });
  }

  // ---- scenario loads ------------------------------------------------------
  const loads = new Map<Scenario, Map<string, FeedLoad>>();
  for (const sc of scenarios) {
    const lost = lostSide(sc);
    const perFeed = new Map<string, FeedLoad>([...feeds.keys()].map((id) => [id, emptyLoad()]));
    for (const d of devices) {
      const alive = d.plan.power.filter((p) => feeds.get(p.feed)!.plan.side !== lost);
      if (alive.length === 0) continue;
      const share = d.basisW / alive.length;
      for (const p of alive) {
        const f = feeds.get(p.feed)!;
        const l = perFeed.get(p.feed)!;
        const va = share / f.pf;
        l.w += share;
        l.va += va;
        if (f.plan.phase === 'three') {
          if (p.leg) l.legs[p.leg] += va;
          else l.unassignedVA += va;
        }
      }
    }
    loads.set(sc, perFeed);
  }

  const feedLoadReport = (f: FeedState, sc: Scenario, l: FeedLoad): FeedLoadReport => {
    const diff = f.cap.availableVA - l.va;
    let lines: FeedLoadReport['lines'] = null;
    let legs: FeedLoadReport['legs'] = null;
    let unassignedVA: number | null = null;
    let imbalancePercent: number | null = null;
    if (f.plan.phase === 'three' && f.wiring) {
      const spread = l.unassignedVA / 3;
      const bal = legBalance(f.cap, { A: l.legs.A + spread, B: l.legs.B + spread, C: l.legs.C + spread }, f.wiring);
      lines = bal.lines.map((x) => ({ line: x.line, amps: round2(x.amps), capacityAmps: round2(x.capacityAmps) }));
      const outletVolts = f.wiring === 'line-to-neutral' ? f.cap.voltageLineToNeutral! : f.cap.voltageLineToLine!;
      legs = LEGS.map((leg) => ({ leg, va: round2(l.legs[leg]), amps: round2(l.legs[leg] / outletVolts) }));
      unassignedVA = round2(l.unassignedVA);
      imbalancePercent = round2(bal.imbalancePercent);
    }
    return {
      scenario: sc,
      w: round2(l.w),
      va: round2(l.va),
      amps: round2(l.va / f.cap.vaPerAmp),
      utilisationPercent: f.cap.availableVA > 0 ? roundHalfEven((l.va / f.cap.availableVA) * 100, 1) : 0,
      headroomVA: round2(Math.max(0, diff)),
      shortfallVA: round2(Math.max(0, -diff)),
      lines,
      legs,
      unassignedVA,
      imbalancePercent,
    };
  };

  // ---- feed checks -----------------------------------------------------------
  const feedReports: FeedReport[] = [];
  for (const f of feeds.values()) {
    const fp = ['feeds', f.index];
    let worst: FeedLoadReport | null = null;
    for (const sc of scenarios) {
      if (lostSide(sc) === f.plan.side) continue;
      const l = loads.get(sc)!.get(f.plan.id)!;
      const short = l.va - f.cap.availableVA;
      if (short > EPSILON) {
        const failover = sc !== 'normal';
        violate(
          failover ? 'failover-overload' : 'feed-overload',
          'error',
          fp,
          `feed ${f.plan.id} (rack ${f.plan.rack}, side ${f.plan.side}) carries ${fmt(l.w)} W / ${fmt(l.va)} VA ${SCENARIO_TEXT[sc]}; ` +
            `it can deliver ${fmt(f.cap.availableVA)} VA at ${f.cap.maxUtilizationPercent} %: ${fmt(short * f.pf)} W (${fmt(short / f.cap.vaPerAmp)} A) short`,
          { w: missingAmount(short * f.pf), va: missingAmount(short), a: missingAmount(short / f.cap.vaPerAmp) },
        );
      }
      if (f.plan.phase === 'three' && f.wiring) {
        const spread = l.unassignedVA / 3;
        const bal = legBalance(f.cap, { A: l.legs.A + spread, B: l.legs.B + spread, C: l.legs.C + spread }, f.wiring);
        for (const line of bal.lines) {
          if (line.missingAmps > EPSILON) {
            violate(
              'line-overload',
              'error',
              fp,
              `feed ${f.plan.id}: line ${line.line} carries ${fmt(line.amps)} A ${SCENARIO_TEXT[sc]}, over its ${fmt(line.capacityAmps)} A continuous limit`,
              { a: missingAmount(line.missingAmps), va: missingAmount(line.missingVA), w: missingAmount(line.missingVA * f.pf) },
            );
          }
        }
        if (sc === 'normal' && bal.imbalancePercent > s.maxPhaseImbalancePercent + EPSILON && l.va > 0) {
          violate(
            'phase-imbalance',
            'warning',
            fp,
            `feed ${f.plan.id}: line currents ${bal.lines.map((x) => `${x.line} ${fmt(x.amps)} A`).join(', ')} are ${fmt(bal.imbalancePercent)} % imbalanced (limit ${s.maxPhaseImbalancePercent} %)`,
          );
        }
      }
      if (sc !== 'normal') {
        const rep = feedLoadReport(f, sc, l);
        if (!worst || rep.va > worst.va) worst = rep;
      }
    }
    feedReports.push({
      id: f.plan.id,
      rack: f.plan.rack,
      panel: f.plan.panel ?? null,
      side: f.plan.side,
      supply: f.plan.supply,
      phase: f.plan.phase,
      voltage: f.plan.voltage,
      voltageType: f.plan.voltageType,
      amperage: f.plan.amperage,
      effectiveAmperage: f.effectiveAmperage,
      limitedBy: f.limitedBy,
      outletWiring: f.wiring,
      nameplateVA: round2(f.cap.nameplateVA),
      availableVA: round2(f.cap.availableVA),
      availableW: round2(f.cap.availableW),
      continuousAmps: round2(f.cap.continuousAmps),
      normal: feedLoadReport(f, 'normal', loads.get('normal')!.get(f.plan.id)!),
      worstFailover: worst,
    });
  }

  // ---- panels ----------------------------------------------------------------
  const panelReports: PanelReport[] = plan.panels.map((p, index) => {
    const cap = feedCapacity(
      {
        voltage: p.voltage,
        amperage: p.mainBreakerA,
        phase: p.phase,
        voltageType: p.voltageType,
        maxUtilizationPercent: p.maxUtilizationPercent ?? s.maxUtilizationPercent,
        supply: p.supply,
        powerFactor: s.powerFactor,
      },
      s.capacityMode,
    );
    const mine = [...feeds.values()].filter((f) => f.plan.panel === p.id);
    const at = (sc: Scenario): { va: number; w: number } => {
      let va = 0;
      let w = 0;
      for (const f of mine) {
        const l = loads.get(sc)!.get(f.plan.id)!;
        va += l.va;
        w += l.w;
      }
      return { va, w };
    };
    let worstSc: Scenario = 'normal';
    let worst = at('normal');
    for (const sc of scenarios) {
      const x = at(sc);
      const short = x.va - cap.availableVA;
      if (short > EPSILON) {
        violate(
          'panel-overload',
          'error',
          ['panels', index],
          `panel ${p.id} carries ${fmt(x.w)} W / ${fmt(x.va)} VA ${SCENARIO_TEXT[sc]}; its ${p.mainBreakerA} A main breaker allows ${fmt(cap.availableVA)} VA at ${cap.maxUtilizationPercent} %`,
          { w: missingAmount(short * cap.powerFactor), va: missingAmount(short), a: missingAmount(short / cap.vaPerAmp) },
        );
      }
      if (x.va > worst.va) {
        worst = x;
        worstSc = sc;
      }
    }
    const normal = at('normal');
    return {
      id: p.id,
      availableVA: round2(cap.availableVA),
      availableW: round2(cap.availableW),
      continuousAmps: round2(cap.continuousAmps),
      normal: { va: round2(normal.va), w: round2(normal.w), amps: round2(normal.va / cap.vaPerAmp) },
      worst: { scenario: worstSc, va: round2(worst.va), w: round2(worst.w), amps: round2(worst.va / cap.vaPerAmp) },
      headroomVA: round2(Math.max(0, cap.availableVA - worst.va)),
      shortfallVA: round2(Math.max(0, worst.va - cap.availableVA)),
    };
  });
  for (const f of plan.feeds) if (f.panel === undefined && plan.panels.length > 0) notes.push(`Feed ${f.id} names no panel: no panel budget counts it.`);

  // ---- racks -----------------------------------------------------------------
  const pfOf = (d: Resolved): number => {
    const first = d.plan.power[0];
    return first ? feeds.get(first.feed)!.pf : s.powerFactor;
  };
  const rackReports: RackReport[] = plan.racks.map((rack, r) => {
    const model = catalogue.rack(rack.model)!;
    const maxLoadKg = rack.maxLoadKg ?? model.maxLoadKg;
    const layout = new RackLayout({ uHeight: model.uHeight, maxLoadKg, mountingDepthMm: rack.mountingDepthMm ?? model.mountingDepthMm });
    const mine = devices.filter((d) => d.r === r);
    for (const d of mine) {
      const res = layout.place(
        { id: d.plan.id, uHeight: d.cat.uHeight, fullDepth: d.cat.fullDepth, depthMm: d.cat.depthMm, weightKg: d.weightKg, position: d.plan.position, face: d.plan.face },
        { checkWeight: false },
      );
      if (res.ok) continue;
      const { refusal } = res;
      const msg = `device ${d.plan.id} in rack ${rack.id}: ${refusal.reason}`;
      if (refusal.code === 'out-of-range') violate('rack-out-of-range', 'error', [...d.path, 'position'], msg, { u: refusal.missingU! });
      else if (refusal.code === 'overlap') violate('rack-overlap', 'error', [...d.path, 'position'], msg, { u: refusal.missingU! });
      else if (refusal.code === 'too-deep') violate('rack-too-deep', 'error', [...d.path, 'ref'], msg);
      else violate('rack-placement', 'error', [...d.path, 'position'], msg);
    }
    const installedKg = mine.reduce((a, d) => a + d.weightKg, 0);
    if (installedKg > maxLoadKg + EPSILON) {
      violate('rack-overweight', 'error', ['racks', r], `rack ${rack.id} holds ${fmt(installedKg)} kg of equipment; it is rated for ${fmt(maxLoadKg)} kg`, {
        kg: missingAmount(installedKg - maxLoadKg),
      });
    }
    const rackFeeds = [...feeds.values()].filter((f) => f.plan.rack === rack.id);
    const sideVA = (side: Side): number => rackFeeds.filter((f) => f.plan.side === side).reduce((a, f) => a + f.cap.availableVA, 0);
    const availableVA = rackFeeds.reduce((a, f) => a + f.cap.availableVA, 0);
    const redundant = (sidesOfRack.get(rack.id)?.size ?? 0) === 2;
    const oneSide = redundant ? Math.min(sideVA('A'), sideVA('B')) : null;
    const basisW = mine.reduce((a, d) => a + d.basisW, 0);
    const basisVA = mine.reduce((a, d) => a + d.basisW / pfOf(d), 0);
    const against = oneSide ?? availableVA;
    const typicalW = mine.reduce((a, d) => a + d.typicalW, 0);
    const maxW = mine.reduce((a, d) => a + d.maxW, 0);
    const basisHeat = heatFromWatts(basisW);
    return {
      id: rack.id,
      name: rack.name ?? null,
      model: rack.model,
      uHeight: model.uHeight,
      devices: mine.map((d) => d.plan.id),
      space: {
        totalU: model.uHeight,
        usedU: layout.usedU(),
        freeU: model.uHeight - layout.usedU(),
        utilisationPercent: roundHalfEven(layout.utilisationPercent(), 1),
        largestFreeBlockU: layout.largestFreeBlockU(),
      },
      weight: {
        installedKg: round2(installedKg),
        maxLoadKg,
        headroomKg: round2(Math.max(0, maxLoadKg - installedKg)),
        shortfallKg: round2(Math.max(0, installedKg - maxLoadKg)),
        rackKg: model.emptyWeightKg,
        totalKg: round2(model.emptyWeightKg + installedKg),
      },
      power: {
        typicalW: round2(typicalW),
        maxW: round2(maxW),
        basisW: round2(basisW),
        basisVA: round2(basisVA),
        availableVA: round2(availableVA),
        availableVAOneSide: oneSide === null ? null : round2(oneSide),
        redundant,
        headroomVA: round2(Math.max(0, against - basisVA)),
        shortfallVA: round2(Math.max(0, basisVA - against)),
        netboxUtilisationPercent: availableVA > 0 ? roundHalfEven((basisW / availableVA) * 100, 1) : 0,
      },
      heat: {
        typicalBtuPerHour: round2(heatFromWatts(typicalW).btuPerHour),
        maxBtuPerHour: round2(heatFromWatts(maxW).btuPerHour),
        basisBtuPerHour: round2(basisHeat.btuPerHour),
        basisCoolingTons: roundHalfEven(basisHeat.coolingTons, 3),
      },
    };
  });

  // ---- site: UPS, generator, cooling ---------------------------------------
  const siteBasisW = devices.reduce((a, d) => a + d.basisW, 0);
  const siteBasisVA = devices.reduce((a, d) => a + d.basisW / pfOf(d), 0);
  const growth = 1 + s.growthMarginPercent / 100;

  let upsReport: UpsReport | null = null;
  let upsLossesW = 0;
  if (plan.ups) {
    const u = plan.ups;
    const cat = u.ref !== undefined ? catalogue.device(u.ref) : undefined;
    const moduleVA = u.ratingVA ?? cat!.ups!.ratingVA;
    const moduleW = u.ratingW ?? cat!.ups!.ratingW;
    const ratingEstimated = u.ratingW === undefined && (cat?.estimated.includes('ups.ratingW') ?? false);
    const sizing = sizeUps(
      { loadW: siteBasisW, powerFactor: s.powerFactor, growthMarginPercent: s.growthMarginPercent, maxLoadPercent: u.maxLoadPercent },
      { ratingVA: moduleVA, ratingW: moduleW, batteryWh: u.batteryWhPerModule, efficiency: u.efficiency },
      u.redundancy,
      u.modules,
      u.targetRuntimeMinutes,
    );
    if (sizing.missingW > EPSILON || sizing.missingVA > EPSILON) {
      violate(
        'ups-undersized',
        'error',
        ['ups', 'modules'],
        `UPS ${u.id} (${u.redundancy}, ${u.modules} × ${moduleVA} VA / ${moduleW} W) has ${fmt(sizing.usableW)} W / ${fmt(sizing.usableVA)} VA once its redundancy is spent; ` +
          `the load of ${fmt(siteBasisW)} W${s.growthMarginPercent ? ` + ${s.growthMarginPercent} % growth` : ''} at ${u.maxLoadPercent} % loading needs ${fmt(sizing.designW)} W / ${fmt(sizing.designVA)} VA ` +
          `(${sizing.modulesRequired[u.redundancy]} modules for ${u.redundancy})`,
        {
          ...(sizing.missingW > EPSILON ? { w: missingAmount(sizing.missingW) } : {}),
          ...(sizing.missingVA > EPSILON ? { va: missingAmount(sizing.missingVA) } : {}),
        },
      );
    }
    if (sizing.runtimeMissingW > EPSILON) {
      violate(
        'ups-runtime-short',
        'error',
        ['ups', 'batteryWhPerModule'],
        `UPS ${u.id}: ${fmt(sizing.runtime.degradedMinutes)} min of battery at ${fmt(siteBasisW)} W${u.redundancy === 'N' ? '' : ' once its redundancy is spent'}, ` +
          `under the ${u.targetRuntimeMinutes} min target; shed ${fmt(sizing.runtimeMissingW)} W or add battery`,
        { w: missingAmount(sizing.runtimeMissingW) },
      );
    }
    if (ratingEstimated) notes.push(`UPS ${u.id}: the module W rating (${moduleW} W) is an unverified catalogue figure; check the datasheet.`);
    upsLossesW = u.inRoom ? siteBasisW * (1 / u.efficiency - 1) : 0;
    const rt = (x: RuntimeEstimate): { modules: number; normalMinutes: number | null; degradedMinutes: number | null } => ({
      modules: x.modules,
      normalMinutes: finiteOrNull(x.normalMinutes),
      degradedMinutes: finiteOrNull(x.degradedMinutes),
    });
    upsReport = {
      id: u.id,
      redundancy: u.redundancy,
      modulesInstalled: u.modules,
      moduleVA,
      moduleW,
      ratingEstimated,
      loadW: round2(sizing.loadW),
      loadVA: round2(sizing.loadVA),
      designW: round2(sizing.designW),
      designVA: round2(sizing.designVA),
      usableW: round2(sizing.usableW),
      usableVA: round2(sizing.usableVA),
      headroomW: round2(Math.max(0, sizing.usableW - sizing.designW)),
      missingW: round2(sizing.missingW),
      missingVA: round2(sizing.missingVA),
      modulesRequired: sizing.modulesRequired,
      runtime: { normalMinutes: finiteOrNull(sizing.runtime.normalMinutes), degradedMinutes: finiteOrNull(sizing.runtime.degradedMinutes) },
      runtimeByRedundancy: {
        N: rt(sizing.runtimeByRedundancy.N),
        'N+1': rt(sizing.runtimeByRedundancy['N+1']),
        '2N': rt(sizing.runtimeByRedundancy['2N']),
      },
      targetRuntimeMinutes: u.targetRuntimeMinutes,
      lossesW: round2(upsLossesW),
    };
  } else {
    notes.push('No UPS in the plan: no UPS sizing or runtime check.');
  }

  const directW = (plan.generator?.directLoadKW ?? 0) * 1000;
  const rec = recommendGenerator(siteBasisW * growth, directW, plan.ups !== undefined);
  let ratedKW: number | null = null;
  if (plan.generator) {
    ratedKW = generatorKw(plan.generator);
    const short = rec.kw - ratedKW;
    if (short * 1000 > EPSILON) {
      violate(
        'generator-undersized',
        'error',
        ['generator'],
        `the generator delivers ${fmt(ratedKW)} kW; ${rec.basis} needs ${fmt(rec.kw)} kW (${fmt(rec.kva)} kVA)`,
        { w: missingAmount(short * 1000) },
      );
    }
  } else {
    notes.push(`No generator in the plan; recommended size ${fmt(rec.kw)} kW / ${fmt(rec.kva)} kVA (${rec.basis}).`);
  }

  let coolingReport: CoolingReport | null = null;
  if (plan.cooling) {
    const c = plan.cooling;
    const heatW = siteBasisW + upsLossesW + c.otherHeatW;
    const check = checkCooling(heatW, c.capacityKW !== undefined ? { kw: c.capacityKW } : { btuPerHour: c.capacityBtuPerHour! });
    if (!check.ok) {
      violate(
        'cooling-insufficient',
        'error',
        ['cooling'],
        `the room must remove ${fmt(check.loadBtuPerHour)} BTU/hr (${fmt(heatW)} W) and can remove ${fmt(check.capacityBtuPerHour)} BTU/hr`,
        { btuPerHour: missingAmount(check.missingBtuPerHour), w: missingAmount(check.missingW) },
      );
    }
    let inlet: InletCheck | null = null;
    if (c.designInletC !== undefined) {
      inlet = checkInletTemperature(c.designInletC, c.ashraeClass);
      if (inlet.verdict !== 'recommended') {
        violate(
          'inlet-temperature',
          inlet.verdict === 'allowable' ? 'warning' : 'error',
          ['cooling', 'designInletC'],
          inlet.verdict === 'allowable'
            ? `inlet ${c.designInletC} °C is outside the ASHRAE recommended ${inlet.recommended.min}–${inlet.recommended.max} °C (within ${c.ashraeClass} allowable ${inlet.allowable.min}–${inlet.allowable.max} °C)`
            : `inlet ${c.designInletC} °C is outside the ASHRAE ${c.ashraeClass} allowable ${inlet.allowable.min}–${inlet.allowable.max} °C`,
        );
      }
    }
    coolingReport = {
      heatW: round2(heatW),
      loadBtuPerHour: round2(check.loadBtuPerHour),
      loadTons: roundHalfEven(check.loadBtuPerHour / BTU_PER_HOUR_PER_TON, 3),
      capacityBtuPerHour: round2(check.capacityBtuPerHour),
      capacityTons: roundHalfEven(check.capacityBtuPerHour / BTU_PER_HOUR_PER_TON, 3),
      headroomBtuPerHour: round2(check.headroomBtuPerHour),
      inlet,
    };
  } else {
    notes.push('No cooling in the plan: no cooling or inlet-temperature check.');
  }

  const deviceReports: DeviceReport[] = devices.map((d) => ({
    id: d.plan.id,
    rack: d.rack.id,
    ref: d.cat.id,
    model: d.cat.model,
    role: d.cat.role,
    uHeight: d.cat.uHeight,
    position: d.plan.position,
    face: d.plan.face,
    weightKg: d.weightKg,
    typicalW: round2(d.typicalW),
    maxW: round2(d.maxW),
    basisW: round2(d.basisW),
    basisVA: round2(d.basisW / pfOf(d)),
    basisBtuPerHour: round2(heatFromWatts(d.basisW).btuPerHour),
    inputs: d.plan.power.map((p) => ({ feed: p.feed, leg: p.leg ?? null })),
    estimated: d.plan.draw ? d.cat.estimated.filter((e) => !e.startsWith('draw')) : [...d.cat.estimated],
  }));

  const siteHeat = heatFromWatts(siteBasisW);
  return {
    schema: REPORT_SCHEMA_ID,
    plan: plan.name,
    settings: s,
    ok: violations.length === 0,
    site: {
      devices: devices.length,
      typicalW: round2(devices.reduce((a, d) => a + d.typicalW, 0)),
      maxW: round2(devices.reduce((a, d) => a + d.maxW, 0)),
      basisW: round2(siteBasisW),
      basisVA: round2(siteBasisVA),
      basisBtuPerHour: round2(siteHeat.btuPerHour),
      basisCoolingTons: roundHalfEven(siteHeat.coolingTons, 3),
      feedsAvailableVA: round2([...feeds.values()].reduce((a, f) => a + f.cap.availableVA, 0)),
      scenarios,
    },
    racks: rackReports,
    devices: deviceReports,
    feeds: feedReports,
    panels: panelReports,
    ups: upsReport,
    generator: {
      recommendedKW: round2(rec.kw),
      recommendedKVA: round2(rec.kva),
      sizingFactor: rec.sizingFactor,
      basis: rec.basis,
      ratedKW: ratedKW === null ? null : round2(ratedKW),
      headroomKW: ratedKW === null ? null : round2(Math.max(0, ratedKW - rec.kw)),
    },
    cooling: coolingReport,
    violations,
    notes,
  };
}

export type EvaluateResult = { ok: true; report: PlanReport } | { ok: false; error: PlanValidationError };

/** Validate and evaluate parsed JSON. Never throws: bad input and internal faults come back as typed errors. */
export function evaluateSitePlan(json: unknown, catalogue: Catalogue): EvaluateResult {
  try {
    const parsed = parseSitePlan(json, catalogue);
    if (!parsed.ok) return parsed;
    return { ok: true, report: evaluatePlan(parsed.plan, catalogue) };
  } catch (err) {
    return { ok: false, error: { code: 'internal', message: `evaluation failed: ${(err as Error)?.message ?? String(err)}`, issues: [{ path: '$', message: 'internal error' }] } };
  }
}

/** Parse, validate and evaluate plan JSON text. Never throws. */
export function evaluateSitePlanText(text: string, catalogue: Catalogue): EvaluateResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = `not JSON: ${(err as Error).message}`;
    return { ok: false, error: { code: 'invalid-json', message, issues: [{ path: '$', message }] } };
  }
  return evaluateSitePlan(json, catalogue);
}
