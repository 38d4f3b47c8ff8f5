/** Numbers for the power page: fixed decimals, units, and a shortfall's "missing" amounts. */
import { i18n, t } from '../../lib/i18n';
import type { MissingDto, SiteSummary } from '../../../../src-preload/contract';

export function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString(i18n.locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
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
  if (s.verdict === 'ok') return t('sp.verdict.ok');
  if (s.verdict === 'invalid') return t('sp.verdict.invalid');
  const parts = [];
  if (s.errors) parts.push(t('sp.errors', { count: s.errors }));
  if (s.warnings) parts.push(t('sp.warnings', { count: s.warnings }));
  return parts.join(', ');
}

const SCENARIO_KEYS = { normal: 'sp.scenario.normal', 'side-A-lost': 'sp.scenario.sideA', 'side-B-lost': 'sp.scenario.sideB' } as const;

/** A failover scenario in the operator's language; one this view does not know, as the engine named it. */
export const scenarioText = (s: string): string => (Object.hasOwn(SCENARIO_KEYS, s) ? t(SCENARIO_KEYS[s as keyof typeof SCENARIO_KEYS]) : s);
