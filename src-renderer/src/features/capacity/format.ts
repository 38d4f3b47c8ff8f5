/** Words and tones for capacity figures, shared by the page's views. */
import type { AttestationState, GuestOutcome, HeadroomSummary } from '../../../../src-preload/contract';

/** Badge tones (as Badge.svelte's; a .ts file cannot import a type from a component under tsc -b). */
type Tone = 'ok' | 'warn' | 'danger' | 'info' | 'neutral' | 'accent';

export const overcommit = (r: number): string => `${r.toFixed(2)}:1`;

export function verdictTone(v: HeadroomSummary['verdict']): Tone {
  return v === 'ok' ? 'ok' : v === 'fails' ? 'danger' : 'neutral';
}
export function verdictLabel(v: HeadroomSummary['verdict']): string {
  return v === 'ok' ? 'N+1 ok' : v === 'fails' ? 'N+1 fails' : 'N+1 unknown';
}

export const OUTCOME: Record<GuestOutcome['outcome'], { label: string; tone: Tone }> = {
  restarted: { label: 'restarted', tone: 'ok' },
  'does-not-fit': { label: 'does not fit', tone: 'danger' },
  down: { label: 'down (not HA)', tone: 'warn' },
  recoverable: { label: 'recoverable', tone: 'info' },
  unrecoverable: { label: 'unrecoverable', tone: 'danger' },
};

export const ATTESTATION: Record<AttestationState, { label: string; tone: Tone }> = {
  pass: { label: 'attested', tone: 'ok' },
  stale: { label: 'attestation > 24 h', tone: 'warn' },
  fail: { label: 'attestation failed', tone: 'danger' },
  none: { label: 'not attested', tone: 'neutral' },
};

export const RULES_TONE = { live: 'ok', cached: 'warn', none: 'neutral' } as const satisfies Record<string, Tone>;
