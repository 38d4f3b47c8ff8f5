/**
 * Default thresholds, how they are kept (one JSON value in the settings
 * table, validated on the way in and out), and the hysteresis rule every
 * numeric source shares.
 */
import { AlertThresholdsSchema, type AlertSeverity, type AlertThresholds } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  cpu: { warning: 85, critical: 95 },
  memory: { warning: 85, critical: 95 },
  storage: { warning: 80, critical: 90 },
  clearMargin: 5,
  syncFailures: { warning: 3, critical: 10 },
  staleIntervals: { warning: 3, critical: 30 },
  forecastDays: { warning: 30, critical: 7 },
};

/** The narrow slice of the settings repo alerts needs (a JSON value under one key). */
export interface ThresholdsStore {
  readJson(key: string): unknown;
  writeJson(key: string, value: unknown): void;
}

export const THRESHOLDS_KEY = 'alerts.thresholds';

export function loadThresholds(store: ThresholdsStore): AlertThresholds {
  // A damaged or outdated value falls back to the defaults rather than stopping alerting altogether.
  const parsed = AlertThresholdsSchema.safeParse(store.readJson(THRESHOLDS_KEY));
  return parsed.success ? parsed.data : DEFAULT_THRESHOLDS;
}

export function saveThresholds(store: ThresholdsStore, input: unknown): AlertThresholds {
  const parsed = AlertThresholdsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.');
    throw new AppException('invalid_request', `Invalid thresholds: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`, field ? { field } : {});
  }
  store.writeJson(THRESHOLDS_KEY, parsed.data);
  return parsed.data;
}

export interface Levelled {
  raise: AlertSeverity | null;
  sustain: AlertSeverity;
}

/**
 * A value that is worse the higher it gets. Raised at a level; held until
 * it falls `margin` below that level. Null when nothing is raised or held.
 */
export function rising(value: number, levels: { warning: number; critical: number }, margin: number): Levelled | null {
  const raise: AlertSeverity | null = value >= levels.critical ? 'critical' : value >= levels.warning ? 'warning' : null;
  const sustain: AlertSeverity | null = value >= levels.critical - margin ? 'critical' : value >= levels.warning - margin ? 'warning' : null;
  return sustain === null ? null : { raise, sustain };
}

/** A value that is worse the lower it gets (days left). Held until it rises `margin` above the level. */
export function falling(value: number, levels: { warning: number; critical: number }, margin: number): Levelled | null {
  const raise: AlertSeverity | null = value <= levels.critical ? 'critical' : value <= levels.warning ? 'warning' : null;
  const sustain: AlertSeverity | null = value <= levels.critical + margin ? 'critical' : value <= levels.warning + margin ? 'warning' : null;
  return sustain === null ? null : { raise, sustain };
}

/** The lowest value any utilisation level is held at: rows below it cannot matter, so SQL skips them. */
export function holdFloor(levels: { warning: number }, margin: number): number {
  return levels.warning - margin;
}
