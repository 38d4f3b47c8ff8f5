/**
 * The typed results the power engine returns instead of throwing: input
 * validation errors with JSON paths, and plan violations with the exact
 * shortfall. Paths are JSONPath strings rooted at `$` (`$.racks[0].devices[2].position`).
 */

export interface ValidationIssue {
  path: string;
  message: string;
}

/** Bad input: not JSON, not the schema, or references that do not resolve. */
export interface PlanValidationError {
  code: 'invalid-json' | 'invalid-plan' | 'invalid-catalogue' | 'internal';
  message: string;
  issues: ValidationIssue[];
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let s = '$';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) s += `.${p}`;
    else s += `[${JSON.stringify(String(p))}]`;
  }
  return s;
}

export const VIOLATION_CODES = [
  'feed-overload',
  'failover-overload',
  'line-overload',
  'phase-imbalance',
  'leg-unassigned',
  'single-path-device',
  'unpowered-device',
  'breaker-mismatch',
  'pdu-mismatch',
  'panel-overload',
  'psu-undersized',
  'rack-out-of-range',
  'rack-overlap',
  'rack-placement',
  'rack-too-deep',
  'rack-overweight',
  'ups-undersized',
  'ups-runtime-short',
  'generator-undersized',
  'cooling-insufficient',
  'inlet-temperature',
] as const;
export type ViolationCode = (typeof VIOLATION_CODES)[number];

/**
 * Codes whose verdict can only get worse as load (W, U, kg) grows. Phase
 * imbalance is not among them: adding load to the lightest leg improves it.
 */
export const CAPACITY_CODES: readonly ViolationCode[] = [
  'feed-overload',
  'failover-overload',
  'line-overload',
  'panel-overload',
  'psu-undersized',
  'rack-overweight',
  'ups-undersized',
  'ups-runtime-short',
  'generator-undersized',
  'cooling-insufficient',
];

/** What is missing for the check to pass: watts, volt-amperes, amps, rack units, kilograms, BTU/hr. */
export interface Missing {
  w?: number;
  va?: number;
  a?: number;
  u?: number;
  kg?: number;
  btuPerHour?: number;
}

export interface Violation {
  code: ViolationCode;
  /** error: the plan does not work as drawn; warning: it works but is at risk or incomplete. */
  severity: 'error' | 'warning';
  message: string;
  missing?: Missing;
  /** JSONPath into the plan of the element at fault. */
  path: string;
}
