/**
 * Formatting for the view: numbers, bytes, durations, times and
 * fingerprints. Times arrive as UTC ISO-8601 strings and are shown in
 * local time here, and only here. Every Intl formatter follows the
 * console's language (`i18n.locale`), so reading one inside a template
 * re-renders it when the operator switches language.
 */
import { i18n, t } from './i18n';

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

/** One formatter per locale and options: building Intl objects is slow, and views format thousands of cells. */
function cached<F extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(kind: string, make: (locale: string) => F): F {
  const locale = i18n.locale;
  const key = `${kind}|${locale}`;
  let f = formatters.get(key) as F | undefined;
  if (!f) formatters.set(key, (f = make(locale)));
  return f;
}

const nf = () => cached('n0', (l) => new Intl.NumberFormat(l, { maximumFractionDigits: 0 }));
const nf1 = () => cached('n1', (l) => new Intl.NumberFormat(l, { maximumFractionDigits: 1, minimumFractionDigits: 1 }));

/** A number with at most `digits` decimals, grouped for the locale. */
export function decimal(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return cached(`d${digits}`, (l) => new Intl.NumberFormat(l, { maximumFractionDigits: digits })).format(n);
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : nf().format(n);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const s = u === 0 ? String(Math.round(v)) : v >= 100 ? nf().format(v) : nf1().format(v);
  return `${n < 0 ? '-' : ''}${s} ${UNITS[u]}`;
}

export function bytesPerSecond(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${bytes(n)}/s`;
}

/** A 0..1 fraction as a percentage. */
export function percent(fraction: number | null | undefined, digits = 0): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const p = fraction * 100;
  return `${digits === 1 ? nf1().format(p) : nf().format(p)} %`;
}

export function ratio(used: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, used / total)) : 0;
}

/** Seconds as a compact duration: 3d 4h, 5h 12m, 42s (Italian: 3g 4h). */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return t('duration.dh', { d: String(d), h: String(h) });
  if (h > 0) return t('duration.hm', { h: String(h), m: String(m) });
  if (m > 0) return t('duration.ms', { m: String(m), s: String(s % 60) });
  return t('duration.s', { s: String(s) });
}

export function uptime(seconds: number): string {
  return seconds > 0 ? duration(seconds) : '—';
}

const timeFmt = () => cached('time', (l) => new Intl.DateTimeFormat(l, { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
const dateTimeFmt = () => cached('datetime', (l) => new Intl.DateTimeFormat(l, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' }));
const dateFmt = () => cached('date', (l) => new Intl.DateTimeFormat(l, { year: 'numeric', month: 'short', day: '2-digit' }));
const relFmt = () => cached('rel', (l) => new Intl.RelativeTimeFormat(l, { numeric: 'always', style: 'short' }));

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function dateTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? dateTimeFmt().format(d) : '—';
}

export function date(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? dateFmt().format(d) : '—';
}

export function clockTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? timeFmt().format(d) : '—';
}

/** "2 min. ago" / "2 min fa", relative to `now` (ms). */
export function ago(iso: string | null | undefined, now: number = Date.now()): string {
  const d = parse(iso);
  if (!d) return t('time.never');
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 5) return t('time.justNow');
  const rel = relFmt();
  if (s < 60) return rel.format(-s, 'second');
  if (s < 3600) return rel.format(-Math.floor(s / 60), 'minute');
  if (s < 86400) return rel.format(-Math.floor(s / 3600), 'hour');
  return rel.format(-Math.floor(s / 86400), 'day');
}

/** Normalise to upper-case hex pairs joined by ':'. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return (hex.match(/.{1,2}/g) ?? []).join(':');
}

/**
 * A fingerprint in groups of `perGroup` bytes, so two people can read it
 * to each other over the phone one group at a time.
 */
export function fingerprintGroups(fp: string, perGroup = 4): string[] {
  const bytesList = normalizeFingerprint(fp).split(':').filter(Boolean);
  const groups: string[] = [];
  for (let i = 0; i < bytesList.length; i += perGroup) groups.push(bytesList.slice(i, i + perGroup).join(':'));
  return groups;
}

/** First and last bytes: enough to tell two pins apart at a glance. */
export function abbreviateFingerprint(fp: string | null | undefined): string {
  if (!fp) return t('fingerprint.notPinned');
  const parts = normalizeFingerprint(fp).split(':');
  if (parts.length <= 6) return parts.join(':');
  return `${parts.slice(0, 3).join(':')}…${parts.slice(-3).join(':')}`;
}

/** "3 hosts": a count with an English noun. Prefer `t()` with a plural message in views. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
