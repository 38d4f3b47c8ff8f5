/**
 * The messages between the main thread and the inventory sync worker. Both
 * run in Cairn's one process: secrets cross this boundary in memory only,
 * never to disk or to another process.
 */
import type { SiteInfo } from '../fleet/snapshot';
import type { SyncOutcome } from '../fleet/inventory-sync';

export interface SyncWorkerData {
  dbFile: string;
  intervalSeconds: number;
  concurrency?: number;
  /** Site metadata by connection id (the demo fleet knows region and kind). */
  sites: [string, SiteInfo][];
}

export type ToWorker =
  | { t: 'start' }
  | { t: 'stop' }
  | { t: 'syncAll'; id: number; clusterId?: string }
  | { t: 'interval'; seconds: number }
  | { t: 'sites'; sites: [string, SiteInfo][] }
  | { t: 'forget'; clusterId: string }
  | { t: 'secret'; id: number; secret?: string; error?: { code: string; message: string } };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'secret'; id: number; connectionId: string }
  | { t: 'synced'; outcomes: SyncOutcome[] }
  | { t: 'syncAllDone'; id: number; outcomes: SyncOutcome[] }
  | { t: 'changed'; clusterIds: string[] }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; scope: string; msg: string; fields?: Record<string, unknown> }
  | { t: 'stopped' };
