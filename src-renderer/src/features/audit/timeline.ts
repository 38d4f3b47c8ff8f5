/**
 * Pure helpers of the Audit page: entries grouped by local day for the
 * timeline (newest first, as listed), labels and tones, and the local
 * date inputs turned into the UTC bounds the contract takes.
 */
import type { AuditOutcome, AuditRow } from '../../../../src-preload/contract';
import { i18n, t } from '../../lib/i18n';

export interface DayGroup {
  /** Local calendar day, YYYY-MM-DD. */
  day: string;
  label: string;
  rows: AuditRow[];
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar day of an ISO instant. */
export function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Consecutive rows of the same local day, in the order given (newest first from `audit:list`). */
export function groupByDay(rows: readonly AuditRow[], now: Date = new Date()): DayGroup[] {
  const today = localDay(now.toISOString());
  const yesterday = localDay(new Date(now.getTime() - 86_400_000).toISOString());
  const out: DayGroup[] = [];
  for (const r of rows) {
    const day = localDay(r.at);
    const last = out.at(-1);
    if (last?.day === day) last.rows.push(r);
    else {
      const label =
        day === today ? t('audit.today') : day === yesterday ? t('audit.yesterday') : new Date(r.at).toLocaleDateString(i18n.locale, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
      out.push({ day, label, rows: [r] });
    }
  }
  return out;
}

export const outcomeTone = (o: AuditOutcome): 'ok' | 'warn' | 'danger' => (o === 'ok' ? 'ok' : o === 'refused' ? 'warn' : 'danger');
export const sourceLabel = (s: AuditRow['source']): string => t(`audit.source.${s}`);
export const outcomeLabel = (o: AuditOutcome): string => t(`audit.outcome.${o}`);

/** A `<input type="date">` value (local day) as the UTC instant its day starts, or undefined when empty or invalid. */
export function dayStart(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const t = new Date(y, m - 1, d);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** The end bound of an inclusive local day: the start of the next day. */
export function dayEnd(value: string): string | undefined {
  const start = dayStart(value);
  if (!start) return undefined;
  const t = new Date(start);
  t.setDate(t.getDate() + 1);
  return t.toISOString();
}

/** Detail fields as short `key value` text for a timeline row. */
export function detailText(details: AuditRow['details']): string {
  return Object.entries(details)
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join(' · ');
}

/** The action families offered in the filter (an action prefix matches its whole family). */
export const ACTION_FAMILIES = [
  'session',
  'connections',
  'settings',
  'operations',
  'operation',
  'attestation',
  'custody',
  'survey',
  'sites',
  'tenancy',
  'alerts',
  'scmp',
  'ssh',
  'topology',
  'fleet',
  'audit',
  'updates',
] as const;
