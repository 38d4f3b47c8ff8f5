/** Numbers for the power page: fixed decimals, units, and a shortfall's "missing" amounts. */
import type { MissingDto, SiteSummary } from '../../../../src-preload/contract';

export function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const MISSING_UNITS: [keyof MissingDto, string][] = [
  ['w', 'W'],
  ['va', 'VA'],
  ['a', 'A'],
  ['u', 'U'],
  ['kg', 'kg'],
  ['btuPerHour', 'BTU/hr'],
];

/** "1,181.2 W · 1,243.37 VA · 5.41 A": every amount the check is short of, exactly as the engine gave it. */
export function missingParts(m: MissingDto | undefined): string[] {
  if (!m) return [];
  return MISSING_UNITS.filter(([k]) => m[k] !== undefined).map(([k, unit]) => `${num(m[k], 2)} ${unit}`);
}

export function verdictTone(v: SiteSummary['verdict']): 'ok' | 'warn' | 'danger' | 'neutral' {
  return v === 'ok' ? 'ok' : v === 'warnings' ? 'warn' : v === 'errors' ? 'danger' : 'neutral';
}

export function verdictLabel(s: Pick<SiteSummary, 'verdict' | 'errors' | 'warnings'>): string {
  if (s.verdict === 'ok') return 'OK';
  if (s.verdict === 'invalid') return 'Invalid';
  const parts = [];
  if (s.errors) parts.push(`${s.errors} error${s.errors === 1 ? '' : 's'}`);
  if (s.warnings) parts.push(`${s.warnings} warning${s.warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

export const SCENARIO_TEXT: Record<string, string> = { normal: 'normal', 'side-A-lost': 'side A lost', 'side-B-lost': 'side B lost' };
