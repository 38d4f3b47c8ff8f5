/**
 * The alert lifecycle as a pure function: given the unresolved alerts and
 * this round's findings, what to raise, update and resolve. Kept free of
 * SQL so the property test can drive it through arbitrary sequences.
 *
 * - No open alert for a key and a finding that raises → raise at that level.
 * - An open alert and a finding → keep it; its severity is the raised level
 *   or, when lower, what the clear margin still sustains (so it neither
 *   flaps between levels nor escalates before the critical level is reached).
 * - An open alert without a finding → resolve, unless its source failed this
 *   round (no data is not an all-clear).
 */
import type { AlertSeverity } from '../../src-preload/contract';
import { maxSeverity, minSeverity, SEVERITY_RANK, type Finding } from './types';

export interface ActiveAlert {
  id: number;
  key: string;
  source: string;
  severity: AlertSeverity;
}

export interface SourcedFinding {
  source: string;
  finding: Finding;
}

export type Decision =
  | { type: 'raise'; source: string; finding: Finding; severity: AlertSeverity }
  | { type: 'update'; id: number; finding: Finding; severity: AlertSeverity; previous: AlertSeverity }
  | { type: 'resolve'; id: number; key: string };

export function nextSeverity(current: AlertSeverity, f: Pick<Finding, 'raise' | 'sustain'>): AlertSeverity {
  const held = minSeverity(current, f.sustain);
  return f.raise === null ? held : maxSeverity(f.raise, held);
}

export function reconcile(active: readonly ActiveAlert[], findings: readonly SourcedFinding[], failedSources: ReadonlySet<string>): Decision[] {
  // A source that reports one key twice keeps the worse report.
  const byKey = new Map<string, SourcedFinding>();
  for (const sf of findings) {
    const prev = byKey.get(sf.finding.key);
    if (!prev || SEVERITY_RANK[sf.finding.sustain] > SEVERITY_RANK[prev.finding.sustain]) byKey.set(sf.finding.key, sf);
  }
  const out: Decision[] = [];
  const seen = new Set<string>();
  for (const a of active) {
    seen.add(a.key);
    const sf = byKey.get(a.key);
    if (sf) out.push({ type: 'update', id: a.id, finding: sf.finding, severity: nextSeverity(a.severity, sf.finding), previous: a.severity });
    else if (!failedSources.has(a.source)) out.push({ type: 'resolve', id: a.id, key: a.key });
  }
  for (const [key, sf] of byKey) {
    if (seen.has(key) || sf.finding.raise === null) continue;
    out.push({ type: 'raise', source: sf.source, finding: sf.finding, severity: sf.finding.raise });
  }
  return out;
}
