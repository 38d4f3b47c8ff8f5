/**
 * What a survey says about a site's readiness: every inlet reading against
 * ASHRAE A1 (recommended 18–27 °C, allowable 15–32 °C), the power budget from
 * the surveyed feeds (through the power engine's feed capacity), the heat
 * budget against the surveyed cooling, and the site-requirements checklist
 * (SERVICE.md) item by item with the reasons behind each status.
 *
 * Pure: the same survey always evaluates the same way; a linked site plan's
 * violations come in as plain data.
 */
import {
  CHECKLIST_ITEMS,
  CHECKLIST_LABELS,
  STANDARD_RACK_HEIGHTS,
  type ChecklistItemId,
  type ChecklistResult,
  type ChecklistStatus,
  type SurveyData,
  type SurveyFeed,
} from '../../src-preload/contract';
import { checkInletTemperature, feedCapacity, wattsToBtuPerHour, type InletVerdict } from '../power';

/** Maintenance clearance Cairn asks for (common practice: 1 m in front, 0.6 m behind); a default, not a standard. */
export const MIN_CLEARANCE_FRONT_MM = 1000;
export const MIN_CLEARANCE_REAR_MM = 600;

export interface FeedBudget {
  id: string;
  name: string;
  rackId: string | null;
  side: 'A' | 'B';
  /** The smaller of circuit rating and breaker. */
  effectiveA: number;
  availableVA: number;
  availableW: number;
  problem: string | null;
}

export interface RackBudget {
  id: string;
  name: string;
  expectedW: number | null;
  sideAW: number;
  sideBW: number;
  /** What the rack can draw and still survive losing a side (one side), or A + B without redundancy. */
  capacityW: number;
  redundant: boolean;
  headroomW: number | null;
}

export interface SurveyEvaluation {
  inlets: { id: string; location: string; celsius: number; verdict: InletVerdict }[];
  feeds: FeedBudget[];
  racks: RackBudget[];
  totals: { expectedW: number; capacityW: number; coolingBtuPerHour: number | null; heatBtuPerHour: number; upsW: number | null; generatorKVA: number | null };
  checklist: ChecklistResult[];
}

export interface PlanFindings {
  /** Error-severity violations of the linked plan (message and path). */
  errors: { code: string; message: string }[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const kw = (w: number) => `${r2(w / 1000)} kW`;

export function feedBudget(f: SurveyFeed): FeedBudget {
  const effectiveA = f.breakerA !== null && f.breakerA > 0 && f.breakerA < f.amperage ? f.breakerA : f.amperage;
  try {
    const c = feedCapacity({ voltage: f.voltage, amperage: effectiveA, phase: f.phase, voltageType: f.voltageType }, 'exact');
    return { id: f.id, name: f.name, rackId: f.rackId, side: f.side, effectiveA, availableVA: r2(c.availableVA), availableW: r2(c.availableW), problem: null };
  } catch (err) {
    return { id: f.id, name: f.name, rackId: f.rackId, side: f.side, effectiveA, availableVA: 0, availableW: 0, problem: err instanceof Error ? err.message : String(err) };
  }
}

function worst(statuses: ChecklistStatus[]): ChecklistStatus {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('attention')) return 'attention';
  if (statuses.includes('unknown')) return 'unknown';
  return 'pass';
}

class Item {
  readonly statuses: ChecklistStatus[] = [];
  readonly reasons: string[] = [];
  add(status: ChecklistStatus, reason: string): void {
    this.statuses.push(status);
    this.reasons.push(reason);
  }
  result(id: ChecklistItemId): ChecklistResult {
    return { id, label: CHECKLIST_LABELS[id], status: this.statuses.length ? worst(this.statuses) : 'unknown', reasons: this.reasons.length ? this.reasons : ['not surveyed yet'] };
  }
}

const yesNo = (v: boolean | null, what: string, ifFalse: ChecklistStatus, item: Item): void => {
  if (v === true) item.add('pass', `${what}: yes`);
  else if (v === false) item.add(ifFalse, `${what}: no`);
  else item.add('unknown', `${what}: not recorded`);
};

export function evaluateSurvey(s: SurveyData, plan: PlanFindings | null = null): SurveyEvaluation {
  const inlets = s.cooling.inletReadings.map((r) => ({ id: r.id, location: r.location, celsius: r.celsius, verdict: checkInletTemperature(r.celsius, 'A1').verdict }));
  const feeds = s.power.feeds.map(feedBudget);
  const racks: RackBudget[] = s.racks.map((rack) => {
    const mine = feeds.filter((f) => f.rackId === rack.id);
    const sideAW = r2(mine.filter((f) => f.side === 'A').reduce((n, f) => n + f.availableW, 0));
    const sideBW = r2(mine.filter((f) => f.side === 'B').reduce((n, f) => n + f.availableW, 0));
    const redundant = sideAW > 0 && sideBW > 0;
    const capacityW = redundant ? Math.min(sideAW, sideBW) : sideAW + sideBW;
    const expectedW = rack.expectedLoadKW === null ? null : r2(rack.expectedLoadKW * 1000);
    return { id: rack.id, name: rack.name || rack.id, expectedW, sideAW, sideBW, capacityW: r2(capacityW), redundant, headroomW: expectedW === null ? null : r2(capacityW - expectedW) };
  });
  const expectedW = r2(racks.reduce((n, r) => n + (r.expectedW ?? 0), 0));
  const capacityW = r2(racks.reduce((n, r) => n + r.capacityW, 0) + feeds.filter((f) => f.rackId === null).reduce((n, f) => n + f.availableW, 0));
  const cap = s.cooling.capacity;
  const coolingBtuPerHour = cap === null ? null : r2(cap.unit === 'kW' ? wattsToBtuPerHour(cap.value * 1000) : cap.value);
  const heatBtuPerHour = r2(wattsToBtuPerHour(expectedW));
  const upsW = s.power.ups.present ? (s.power.ups.capacityW ?? (s.power.ups.capacityVA !== null ? s.power.ups.capacityVA * 0.9 : null)) : null;
  const totals = { expectedW, capacityW, coolingBtuPerHour, heatBtuPerHour, upsW, generatorKVA: s.power.generator.present ? s.power.generator.ratingKVA : null };

  const items = Object.fromEntries(CHECKLIST_ITEMS.map((id) => [id, new Item()])) as Record<ChecklistItemId, Item>;

  // ---- rack space
  const space = items['rack-space'];
  for (const rack of s.racks) {
    const name = rack.name || rack.id;
    if ((STANDARD_RACK_HEIGHTS as readonly number[]).includes(rack.heightU)) space.add('pass', `${name}: ${rack.heightU}U is a standard height`);
    else space.add('attention', `${name}: ${rack.heightU}U is not a standard height (42U, 45U or 48U)`);
    const front = rack.clearanceFrontMm;
    const rear = rack.clearanceRearMm;
    if (front === null || rear === null) space.add('unknown', `${name}: maintenance clearance not measured`);
    else if (front < MIN_CLEARANCE_FRONT_MM || rear < MIN_CLEARANCE_REAR_MM)
      space.add('attention', `${name}: clearance ${front} mm front / ${rear} mm rear is below ${MIN_CLEARANCE_FRONT_MM} / ${MIN_CLEARANCE_REAR_MM} mm`);
    else space.add('pass', `${name}: clearance ${front} mm front / ${rear} mm rear`);
  }

  // ---- cabling
  yesNo(s.cabling.organised, 'Cabling organised', 'fail', items.cabling);
  yesNo(s.cabling.labelled, 'Cabling labelled', 'fail', items.cabling);
  yesNo(s.cabling.separated, 'Power and data routed apart', 'attention', items.cabling);

  // ---- cooling: capacity against the expected heat, and every inlet reading against ASHRAE A1
  const cooling = items.cooling;
  if (coolingBtuPerHour === null) cooling.add('unknown', 'Cooling capacity not recorded');
  else if (expectedW === 0) cooling.add('unknown', `Cooling ${r2(coolingBtuPerHour)} BTU/hr; no expected rack load to compare with`);
  else if (heatBtuPerHour > coolingBtuPerHour)
    cooling.add('fail', `Expected heat ${heatBtuPerHour} BTU/hr exceeds the cooling capacity ${coolingBtuPerHour} BTU/hr by ${r2(heatBtuPerHour - coolingBtuPerHour)} BTU/hr`);
  else cooling.add('pass', `Expected heat ${heatBtuPerHour} BTU/hr within the cooling capacity ${coolingBtuPerHour} BTU/hr`);
  if (inlets.length === 0) cooling.add('unknown', 'No inlet temperatures measured yet');
  for (const i of inlets) {
    const where = i.location || i.id;
    if (i.verdict === 'recommended') cooling.add('pass', `${where}: ${i.celsius} °C inlet, within ASHRAE A1 18–27 °C`);
    else if (i.verdict === 'allowable') cooling.add('attention', `${where}: ${i.celsius} °C inlet is outside the recommended 18–27 °C (within A1 allowable 15–32 °C)`);
    else cooling.add('fail', `${where}: ${i.celsius} °C inlet is outside the ASHRAE A1 allowable 15–32 °C`);
  }
  if (s.cooling.redundant === false) cooling.add('attention', 'Cooling has no redundancy');

  // ---- physical security
  yesNo(s.security.locks, 'Locks', 'fail', items['physical-security']);
  yesNo(s.security.biometric, 'Biometric access control', 'attention', items['physical-security']);
  yesNo(s.security.cctv, 'Continuous video surveillance', 'attention', items['physical-security']);

  // ---- power capacity per rack and in total
  const pc = items['power-capacity'];
  for (const f of feeds) if (f.problem) pc.add('fail', `Feed ${f.name || f.id}: ${f.problem}`);
  for (const r of racks) {
    if (r.sideAW + r.sideBW === 0) pc.add('attention', `${r.name}: no feed surveyed for this rack`);
    else if (r.expectedW === null) pc.add('unknown', `${r.name}: ${kw(r.capacityW)} available${r.redundant ? ' on one side' : ''}; expected load not recorded`);
    else if (r.expectedW > r.capacityW)
      pc.add('fail', `${r.name}: expected ${kw(r.expectedW)} exceeds the ${kw(r.capacityW)} ${r.redundant ? 'one side can carry' : 'available'} by ${kw(r.expectedW - r.capacityW)}`);
    else pc.add('pass', `${r.name}: expected ${kw(r.expectedW)} within ${kw(r.capacityW)}${r.redundant ? ' on one side' : ''}`);
  }
  if (s.racks.length > 0 && expectedW > 0) {
    if (expectedW > capacityW) pc.add('fail', `Site total: expected ${kw(expectedW)} exceeds ${kw(capacityW)} available`);
    else pc.add('pass', `Site total: expected ${kw(expectedW)} within ${kw(capacityW)} available`);
  }
  for (const e of plan?.errors ?? []) pc.add('fail', `Site plan: ${e.message}`);

  // ---- redundant power
  const rp = items['redundant-power'];
  yesNo(s.power.ups.present, 'UPS', 'fail', rp);
  yesNo(s.power.generator.present, 'Generator', 'attention', rp);
  for (const r of racks) if (r.sideAW + r.sideBW > 0 && !r.redundant) rp.add('attention', `${r.name}: fed from one side only (no A/B)`);
  if (upsW !== null && expectedW > 0) {
    if (expectedW > upsW) rp.add('fail', `UPS ${kw(upsW)} is below the expected load ${kw(expectedW)}`);
    else rp.add('pass', `UPS ${kw(upsW)} covers the expected load ${kw(expectedW)}`);
  }
  if (s.power.generator.present && s.power.generator.autoTransfer === false) rp.add('attention', 'Generator has no automatic transfer switch');

  // ---- power management and energy efficiency: partly the engineer's judgement
  const manual = (status: 'unknown' | 'yes' | 'partial' | 'no', note: string, what: string, item: Item) => {
    const text = note ? `${what}: ${status} (${note})` : `${what}: ${status === 'unknown' ? 'not assessed' : status}`;
    item.add(status === 'yes' ? 'pass' : status === 'partial' ? 'attention' : status === 'no' ? 'fail' : 'unknown', text);
  };
  yesNo(s.power.monitoring, 'Energy monitoring (metered PDUs, BMS or DCIM)', 'attention', items['power-management']);
  manual(s.manual.powerManagement.status, s.manual.powerManagement.note, 'Power management', items['power-management']);
  manual(s.manual.energyEfficiency.status, s.manual.energyEfficiency.note, 'Energy-efficient equipment and operation', items['energy-efficiency']);

  return { inlets, feeds, racks, totals, checklist: CHECKLIST_ITEMS.map((id) => items[id].result(id)) };
}
