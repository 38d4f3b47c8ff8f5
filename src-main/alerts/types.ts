/**
 * The alert engine's ports and value types. A source looks at current
 * conditions (the fleet cache, a forecast) and says what holds now; the
 * lifecycle (lifecycle.ts) turns those findings into raised, updated and
 * resolved alerts. Sources never see alert state: they cannot flap it.
 */
import type { AlertSeverity, AlertSubject, AlertThresholds } from '../../src-preload/contract';

export type { AlertSeverity, AlertSubject, AlertThresholds };

/** One condition that holds now, for one subject. */
export interface Finding {
  /** Stable identity of the condition, e.g. `sync-failing:<clusterId>`; one open alert per key. */
  key: string;
  kind: string;
  /**
   * The level whose raise threshold the value has reached, or null when the
   * value is only inside a clear margin (it keeps an open alert, never raises one).
   */
  raise: AlertSeverity | null;
  /**
   * The highest level an open alert may keep: a critical alert stays critical
   * until the value drops below the critical level minus the clear margin.
   * Never lower than `raise`.
   */
  sustain: AlertSeverity;
  subject: AlertSubject;
  message: string;
  value: number | null;
  /** The value at which each level is raised; the alert shows the one of its severity. */
  levels: { warning: number; critical: number } | null;
  unit: string;
}

export interface EvaluationContext {
  now: Date;
  thresholds: AlertThresholds;
  /** The inventory sync interval in seconds (staleness is measured in intervals). */
  syncIntervalSeconds: number;
  /**
   * When this console started watching. Time before it is the console's own
   * downtime, not a cluster's: a console reopened after a weekend must not
   * page every cluster as stale before its first sync round.
   */
  watchingSince: Date;
}

/** The port every alert source implements (built-ins here; forecasts from the capacity engine). */
export interface AlertSource {
  /** Unique; stored with each alert so a source that fails one round never resolves the alerts of another. */
  readonly id: string;
  evaluate(ctx: EvaluationContext): Finding[] | Promise<Finding[]>;
}

/**
 * What the capacity engine provides for forecast alerts: per subject and
 * resource, the projected days until it reaches its limit (null: never
 * within the horizon). Alerts does not know how the projection is made.
 */
export interface CapacityForecast {
  subject: AlertSubject;
  /** What runs out, e.g. `memory`, `storage`, `cpu`. */
  resource: string;
  daysUntilLimit: number | null;
  /** The limit the projection runs into, in percent of capacity. */
  limitPercent: number;
}

export interface ForecastProvider {
  forecasts(now: Date): CapacityForecast[] | Promise<CapacityForecast[]>;
}

export const SEVERITY_RANK: Record<AlertSeverity, number> = { warning: 1, critical: 2 };

export function maxSeverity(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}
export function minSeverity(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}
