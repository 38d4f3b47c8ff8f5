/** Public face of the alerts domain: the service, its ports and the built-in sources. */
export { AlertService, type AlertServiceOptions, type EvaluationReport } from './alert-service';
export { AlertRepo, type AlertEvent, type AlertEventType } from './alert-repo';
export { reconcile, nextSeverity, type ActiveAlert, type Decision, type SourcedFinding } from './lifecycle';
export { ALERTS_MIGRATION_SQL } from './schema';
export {
  builtInSources,
  ForecastSource,
  HostOfflineSource,
  HostUtilisationSource,
  PoolUtilisationSource,
  StaleClusterSource,
  StorageUtilisationSource,
  SyncFailingSource,
} from './sources';
export { DEFAULT_THRESHOLDS, THRESHOLDS_KEY, loadThresholds, saveThresholds, rising, falling, type ThresholdsStore } from './thresholds';
export type { AlertSource, CapacityForecast, EvaluationContext, Finding, ForecastProvider } from './types';
export { runAlertsCli, ALERTS_HELP } from './cli';
