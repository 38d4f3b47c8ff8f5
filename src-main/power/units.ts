/**
 * The physical constants and unit conversions of the power engine, each with
 * where it comes from (../shared/reference/dcim/POWER_FACTS.md unless said
 * otherwise), so no other file carries a bare magic number.
 */

/** √3 exactly, for the exact three-phase mode. */
export const SQRT3 = Math.sqrt(3);

/** NetBox multiplies three-phase feeds by the literal 1.732 (PowerFeed.save()), not √3. */
export const NETBOX_SQRT3 = 1.732;

/**
 * BTU/hr per watt. 1 Btu(IT) = 1055.05585262 J, so 1 W = 3600 / 1055.05585262
 * = 3.4121416… BTU/hr; the planning figure is that value to 7 significant
 * digits, as Lenovo's spec pages and the cases use it.
 */
export const BTU_PER_HOUR_PER_WATT = 3.412142;

/** One ton of refrigeration: 12,000 BTU/hr (2000 lb of ice × 144 Btu/lb over 24 h). */
export const BTU_PER_HOUR_PER_TON = 12_000;

/** NEC 210.20(A): continuous loads at 125 % of the breaker, i.e. at most 80 % of it. NetBox's default too. */
export const DEFAULT_MAX_UTILIZATION_PERCENT = 80;

/**
 * Power factor assumed for IT loads when none is given. Server PSUs with
 * active PFC exceed 0.95 at 25–50 % load and 0.98 above (HP site-preparation
 * guide); Nautobot's proposal (PR #7511) defaults to 0.95. The lower figure
 * is the conservative one for sizing circuits, which are limited by VA.
 */
export const DEFAULT_POWER_FACTOR = 0.95;

/**
 * Generator sizing factor over the UPS load: the set must carry the UPS input
 * (load / efficiency) plus battery recharge, "~1.25 × the UPS load is a
 * common starting point" (POWER_FACTS §6, azadtechhub.com).
 */
export const GENERATOR_SIZING_FACTOR = 1.25;

/** Gensets are quoted in kVA at 0.8 PF (ISO 8528). */
export const GENERATOR_POWER_FACTOR = 0.8;

/** Target UPS loading used when sizing ("commonly 0.8", POWER_FACTS §6). */
export const DEFAULT_UPS_MAX_LOAD_PERCENT = 80;

/**
 * Battery bridge time a UPS should give at least: "usually 10–30 minutes to
 * bridge generator start" (POWER_FACTS §6); the low end is the default.
 */
export const DEFAULT_UPS_TARGET_RUNTIME_MINUTES = 10;

/**
 * UPS inverter efficiency used for runtime and heat when the plan gives none.
 * Not from the reference set: an assumption in the range of the PSU figures
 * in hardware.json (0.88–0.93); set the datasheet value per UPS.
 */
export const DEFAULT_UPS_EFFICIENCY = 0.9;

/** ASHRAE TC 9.9 recommended inlet envelope (all classes), °C. */
export const ASHRAE_RECOMMENDED_C = { min: 18, max: 27 } as const;

/** ASHRAE TC 9.9 allowable inlet ranges per class, °C. */
export const ASHRAE_ALLOWABLE_C = {
  A1: { min: 15, max: 32 },
  A2: { min: 10, max: 35 },
  A3: { min: 5, max: 40 },
  A4: { min: 5, max: 45 },
} as const;
export type AshraeClass = keyof typeof ASHRAE_ALLOWABLE_C;

/** Weight units to grams, as NetBox's utilities/conversion.py (to_grams) has them. */
export const GRAMS_PER = { kg: 1000, g: 1, lb: 453.592, oz: 28.3495 } as const;
export type WeightUnit = keyof typeof GRAMS_PER;

/** NetBox's to_grams(): value × factor, truncated to an integer. */
export function toGrams(value: number, unit: WeightUnit): number {
  return Math.trunc(value * GRAMS_PER[unit]);
}

/** EIA-310: 1U = 1.75 in = 44.45 mm. */
export const MM_PER_U = 44.45;
