/** Words for attestation values (framework-free, tested with the page). */
import type { AttestationResult, AttestationVerdictKind, MeasurementMatch, MinTcb, TcbValues } from '../../../../src-preload/contract';
/** The tones of components/Badge.svelte (re-stated: plain .ts cannot import types from a .svelte module under tsc -b). */
type Tone = 'ok' | 'warn' | 'danger' | 'info' | 'neutral' | 'accent';

export function verdictLabel(v: AttestationVerdictKind | null): string {
  if (v === null) return 'never attested';
  if (v === 'accept') return 'accepted';
  if (v === 'reject') return 'rejected';
  return 'signature and chain only';
}

export function verdictTone(v: AttestationVerdictKind | null): Tone {
  if (v === 'accept') return 'ok';
  if (v === 'reject') return 'danger';
  if (v === null) return 'neutral';
  return 'warn';
}

export function tcbText(t: TcbValues | null): string {
  if (!t) return '—';
  const parts = [`BL ${t.bootloader ?? '?'}`, `TEE ${t.tee ?? '?'}`, `SNP ${t.snp ?? '?'}`, `µcode ${t.microcode ?? '?'}`];
  if (t.fmc !== null) parts.push(`FMC ${t.fmc}`);
  return parts.join(' · ');
}

export function minTcbText(t: MinTcb): string {
  const parts = (['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const).filter((k) => t[k] !== undefined).map((k) => `${k} ≥ ${t[k]}`);
  return parts.length ? parts.join(', ') : 'no minimum';
}

export function matchLabel(m: MeasurementMatch): { text: string; tone: Tone } {
  switch (m) {
    case 'match':
      return { text: 'allowed', tone: 'ok' };
    case 'mismatch':
      return { text: 'not allowed', tone: 'danger' };
    case 'any':
      return { text: 'any (no allow-list)', tone: 'neutral' };
    default:
      return { text: 'unknown', tone: 'neutral' };
  }
}

export function shortHex(hex: string | null, n = 8): string {
  if (!hex) return '—';
  return hex.length <= 2 * n ? hex : `${hex.slice(0, n)}…${hex.slice(-n)}`;
}

export function reasonsText(r: AttestationResult): string {
  return r.reasons.map((x) => x.message).join('; ');
}

/** File → base64 (the payload of a data: URL), bounded before it is read. */
export function fileToBase64(file: File, maxBytes: number): Promise<string> {
  if (file.size > maxBytes) return Promise.reject(new Error(`${file.name} is ${file.size} bytes; at most ${maxBytes} are accepted`));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`Could not read ${file.name}`));
    reader.onload = () => {
      const url = String(reader.result ?? '');
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}
