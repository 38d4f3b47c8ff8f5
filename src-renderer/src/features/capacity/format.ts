/** Words and tones for capacity figures, shared by the page's views. */
import { t } from '../../lib/i18n';
import type { AttestationState, GuestOutcome, HeadroomSummary } from '../../../../src-preload/contract';

/** Badge tones (as Badge.svelte's; a .ts file cannot import a type from a component under tsc -b). */
type Tone = 'ok' | 'warn' | 'danger' | 'info' | 'neutral' | 'accent';

export const overcommit = (r: number): string => `${r.toFixed(2)}:1`;

export function verdictTone(v: HeadroomSummary['verdict']): Tone {
  return v === 'ok' ? 'ok' : v === 'fails' ? 'danger' : 'neutral';
}
export function verdictLabel(v: HeadroomSummary['verdict']): string {
  return t(`cap.verdict.${v}`);
}

/** A label in the current language (a getter: templates re-read it after a language switch) and its tone. */
const word = (key: Parameters<typeof t>[0] & `cap.${'outcome' | 'att'}.${string}`, tone: Tone): { readonly label: string; tone: Tone } => ({
  get label() {
    return t(key as 'cap.att.pass');
  },
  tone,
});

export const OUTCOME: Record<GuestOutcome['outcome'], { readonly label: string; tone: Tone }> = {
  restarted: word('cap.outcome.restarted', 'ok'),
  'does-not-fit': word('cap.outcome.does-not-fit', 'danger'),
  down: word('cap.outcome.down', 'warn'),
  recoverable: word('cap.outcome.recoverable', 'info'),
  unrecoverable: word('cap.outcome.unrecoverable', 'danger'),
};

export const ATTESTATION: Record<AttestationState, { readonly label: string; tone: Tone }> = {
  pass: word('cap.att.pass', 'ok'),
  stale: word('cap.att.stale', 'warn'),
  fail: word('cap.att.fail', 'danger'),
  none: word('cap.att.none', 'neutral'),
};

export const RULES_TONE = { live: 'ok', cached: 'warn', none: 'neutral' } as const satisfies Record<string, Tone>;
