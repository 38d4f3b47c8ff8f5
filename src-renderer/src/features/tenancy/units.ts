/** Quota figures as operators type them: memory and storage in GiB or TiB, counts as whole numbers, blank for "no limit". */
export const BYTE_UNITS = { GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;
export type ByteUnit = keyof typeof BYTE_UNITS;

export type Parsed = { ok: true; value: number | null } | { ok: false; message: string };

/** A whole count (vCPU, guests); blank = no limit. */
export function parseCount(text: string, label: string): Parsed {
  const t = text.trim();
  if (t === '') return { ok: true, value: null };
  if (!/^\d+$/.test(t)) return { ok: false, message: `${label}: a whole number, or blank for no limit` };
  const n = Number(t);
  if (!Number.isSafeInteger(n)) return { ok: false, message: `${label}: too large` };
  return { ok: true, value: n };
}

/** An amount of bytes in a unit; decimals allowed ("1.5" TiB), rounded to whole bytes; blank = no limit. */
export function parseBytes(text: string, unit: ByteUnit, label: string): Parsed {
  const t = text.trim().replace(',', '.');
  if (t === '') return { ok: true, value: null };
  if (!/^\d+(\.\d+)?$/.test(t)) return { ok: false, message: `${label}: a number of ${unit} (e.g. 1.5), or blank for no limit` };
  const n = Math.round(Number(t) * BYTE_UNITS[unit]);
  if (!Number.isSafeInteger(n)) return { ok: false, message: `${label}: too large` };
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
