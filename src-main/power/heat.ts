/**
 * Heat and cooling: watts to BTU/hr and tons of refrigeration, a room's
 * cooling capacity against the heat load, and the ASHRAE inlet-temperature
 * check. All IT power ends up as heat in the room, so IT watts are the heat
 * load (POWER_FACTS §1).
 */
import { roundHalfEven } from './rounding';
import { ASHRAE_ALLOWABLE_C, ASHRAE_RECOMMENDED_C, BTU_PER_HOUR_PER_TON, BTU_PER_HOUR_PER_WATT, type AshraeClass } from './units';

export function wattsToBtuPerHour(watts: number): number {
  return watts * BTU_PER_HOUR_PER_WATT;
}

export function btuPerHourToWatts(btuPerHour: number): number {
  return btuPerHour / BTU_PER_HOUR_PER_WATT;
}

export function btuPerHourToTons(btuPerHour: number): number {
  return btuPerHour / BTU_PER_HOUR_PER_TON;
}

export interface Heat {
  btuPerHour: number;
  coolingTons: number;
}

/** Unrounded heat load of `watts`. */
export function heatFromWatts(watts: number): Heat {
  const btuPerHour = wattsToBtuPerHour(watts);
  return { btuPerHour, coolingTons: btuPerHourToTons(btuPerHour) };
}

/**
 * The figures as reports print them: BTU/hr to 0.01 and tons to 0.001, the
 * precision of the worked examples. Tons are derived from the unrounded
 * BTU/hr so the two roundings never compound.
 */
export function heatReport(watts: number): Heat {
  const h = heatFromWatts(watts);
  return { btuPerHour: roundHalfEven(h.btuPerHour, 2), coolingTons: roundHalfEven(h.coolingTons, 3) };
}

export type CoolingCapacity = { kw: number } | { btuPerHour: number };

export function coolingCapacityBtuPerHour(c: CoolingCapacity): number {
  return 'kw' in c ? wattsToBtuPerHour(c.kw * 1000) : c.btuPerHour;
}

export interface CoolingCheck {
  loadBtuPerHour: number;
  capacityBtuPerHour: number;
  headroomBtuPerHour: number;
  /** Heat the room cannot remove; 0 when it fits. */
  missingBtuPerHour: number;
  /** The same shortfall as electrical watts of IT load to shed. */
  missingW: number;
  ok: boolean;
}

export function checkCooling(loadW: number, capacity: CoolingCapacity): CoolingCheck {
  const loadBtuPerHour = wattsToBtuPerHour(loadW);
  const capacityBtuPerHour = coolingCapacityBtuPerHour(capacity);
  const diff = capacityBtuPerHour - loadBtuPerHour;
  const missingBtuPerHour = Math.max(0, -diff);
  return {
    loadBtuPerHour,
    capacityBtuPerHour,
    headroomBtuPerHour: Math.max(0, diff),
    missingBtuPerHour,
    missingW: btuPerHourToWatts(missingBtuPerHour),
    ok: diff >= 0,
  };
}

export type InletVerdict = 'recommended' | 'allowable' | 'out-of-range';

export interface InletCheck {
  inletC: number;
  ashraeClass: AshraeClass;
  verdict: InletVerdict;
  recommended: { min: number; max: number };
  allowable: { min: number; max: number };
}

/**
 * Equipment inlet air against ASHRAE TC 9.9: inside 18–27 °C is
 * "recommended"; inside the class's allowable range (A1 15–32 °C) it is an
 * excursion the equipment tolerates; outside that it is out of range.
 */
export function checkInletTemperature(inletC: number, ashraeClass: AshraeClass = 'A1'): InletCheck {
  const allowable = ASHRAE_ALLOWABLE_C[ashraeClass];
  const inRecommended = inletC >= ASHRAE_RECOMMENDED_C.min && inletC <= ASHRAE_RECOMMENDED_C.max;
  const inAllowable = inletC >= allowable.min && inletC <= allowable.max;
  return {
    inletC,
    ashraeClass,
    verdict: inRecommended ? 'recommended' : inAllowable ? 'allowable' : 'out-of-range',
    recommended: { ...ASHRAE_RECOMMENDED_C },
    allowable: { ...allowable },
  };
}
