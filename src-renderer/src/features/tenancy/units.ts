/** Quota figures as operators type them: memory and storage in GiB or TiB, counts as whole numbers, blank for "no limit". */
import { t } from '../../lib/i18n';

export const BYTE_UNITS = { GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;
export type ByteUnit = keyof typeof BYTE_UNITS;

export type Parsed = { ok: true; value: number | null } | { ok: false; message: string };

/** A whole count (vCPU, guests); blank = no limit. */
export function parseCount(text: string, label: string): Parsed {
  const s = text.trim();
  if (s === '') return { ok: true, value: null };
  if (!/^\d+$/.test(s)) return { ok: false, message: t('units.wholeNumber', { label }) };
  const n = Number(s);
  if (!Number.isSafeInteger(n)) return { ok: false, message: t('units.tooLarge', { label }) };
  return { ok: true, value: n };
}

/** An amount of bytes in a unit; decimals allowed ("1.5" TiB), rounded to whole bytes; blank = no limit. */
export function parseBytes(text: string, unit: ByteUnit, label: string): Parsed {
  const s = text.trim().replace(',', '.');
  if (s === '') return { ok: true, value: null };
  if (!/^\d+(\.\d+)?$/.test(s)) return { ok: false, message: t('units.number', { label, unit }) };
  const n = Math.round(Number(s) * BYTE_UNITS[unit]);
  if (!Number.isSafeInteger(n)) return { ok: false, message: t('units.tooLarge', { label }) };
  return { ok: true, value: n };
}

/** The unit an existing limit reads best in, and its figure there (trailing zeros dropped). */
export function toUnit(bytes: number | null): { text: string; unit: ByteUnit } {
  if (bytes === null) return { text: '', unit: 'GiB' };
  const unit: ByteUnit = bytes >= BYTE_UNITS.TiB ? 'TiB' : 'GiB';
  return { text: String(Number((bytes / BYTE_UNITS[unit]).toFixed(3))), unit };
}

/** Binary units for display, like the main process's refusals (so the numbers match). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.max(0, n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? Math.round(v) : Number(v.toFixed(u >= 4 ? 2 : 1))} ${units[u]}`;
}
