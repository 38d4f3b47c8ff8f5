/** Words for attestation values (framework-free, tested with the page). */
import type { AttestationResult, AttestationVerdictKind, MeasurementMatch, MinTcb, TcbValues } from '../../../../src-preload/contract';
import { t } from '../../lib/i18n';
/** The tones of components/Badge.svelte (re-stated: plain .ts cannot import types from a .svelte module under tsc -b). */
type Tone = 'ok' | 'warn' | 'danger' | 'info' | 'neutral' | 'accent';

export function verdictLabel(v: AttestationVerdictKind | null): string {
  if (v === null) return t('att.verdict.never');
  if (v === 'accept') return t('att.verdict.accept');
  if (v === 'reject') return t('att.verdict.reject');
  return t('att.verdict.partial');
}

export function verdictTone(v: AttestationVerdictKind | null): Tone {
  if (v === 'accept') return 'ok';
  if (v === 'reject') return 'danger';
  if (v === null) return 'neutral';
  return 'warn';
}

export function tcbText(tcb: TcbValues | null): string {
  if (!tcb) return '—';
  const parts = [`BL ${tcb.bootloader ?? '?'}`, `TEE ${tcb.tee ?? '?'}`, `SNP ${tcb.snp ?? '?'}`, `µcode ${tcb.microcode ?? '?'}`];
  if (tcb.fmc !== null) parts.push(`FMC ${tcb.fmc}`);
  return parts.join(' · ');
}

export function minTcbText(min: MinTcb): string {
  const parts = (['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const).filter((k) => min[k] !== undefined).map((k) => `${k} ≥ ${min[k]}`);
  return parts.length ? parts.join(', ') : t('att.noMinimum');
}

export function matchLabel(m: MeasurementMatch): { text: string; tone: Tone } {
  switch (m) {
    case 'match':
      return { text: t('att.match.match'), tone: 'ok' };
    case 'mismatch':
      return { text: t('att.match.mismatch'), tone: 'danger' };
    case 'any':
      return { text: t('att.match.any'), tone: 'neutral' };
    default:
      return { text: t('att.match.unknown'), tone: 'neutral' };
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
  if (file.size > maxBytes) return Promise.reject(new Error(t('att.fileTooBig', { name: file.name, size: file.size, max: maxBytes })));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(t('att.fileUnreadable', { name: file.name })));
    reader.onload = () => {
      const url = String(reader.result ?? '');
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}
