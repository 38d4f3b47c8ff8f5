/**
 * The inventory sync, in a worker thread of Cairn's process: the PVE
 * clients, response parsing and cache writes for hundreds of clusters run
 * here, under a heap limit of their own, while the main thread keeps
 * answering the console. The worker has its own connection to the same
 * SQLite database (WAL: the main thread reads while this writes) and asks
 * the main thread for each cluster's token, which it never stores.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InventoryRepo } from '../fleet/inventory-repo';
import { InventorySync } from '../fleet/inventory-sync';
import type { SiteInfo } from '../fleet/snapshot';
import { openDatabase } from '../store/database';
import { ConnectionsRepo } from '../store/connections-repo';
import { AppException } from '../util/app-exception';
import { Redactor, type Logger } from '../util/log';
import { PveClusterSource } from './pve-adapters';
import { scrubbedSource } from './scrub-errors';
import type { FromWorker, SyncWorkerData, ToWorker } from './sync-messages';

const port = parentPort;
if (!port) throw new Error('sync-worker must run as a worker thread');
const data = workerData as SyncWorkerData;
const post = (m: FromWorker): void => port.postMessage(m);

function logger(scope: string): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: Record<string, unknown>): void =>
      post({ t: 'log', level, scope, msg, ...(fields ? { fields } : {}) });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (s) => logger(`${scope}.${s}`) };
}

// Tokens asked of the main thread, answered by message.
let nextSecretId = 1;
const secretWaiters = new Map<number, { resolve: (s: string) => void; reject: (e: unknown) => void }>();
// Every token this thread has held, so a cluster that echoes one cannot put it into the cache.
const redactor = new Redactor();
function secretFor(connectionId: string): Promise<string> {
  const id = nextSecretId++;
  return new Promise((resolve, reject) => {
    secretWaiters.set(id, {
      resolve: (s) => {
        redactor.add(s);
        resolve(s);
      },
      reject,
    });
    post({ t: 'secret', id, connectionId });
  });
}

const sites = new Map<string, SiteInfo>(data.sites);
let intervalSeconds = data.intervalSeconds;
const db = openDatabase(data.dbFile);
const repo = new InventoryRepo(db);
const connections = new ConnectionsRepo(db);
const source = new PveClusterSource({ secretFor, siteOf: (id) => sites.get(id), log: logger('pve') });

// Changed clusters are reported in batches, so 500 clusters make a handful of messages.
let changed = new Set<string>();
let changeTimer: NodeJS.Timeout | null = null;
const flushChanged = (): void => {
  if (changeTimer) clearTimeout(changeTimer);
  changeTimer = null;
  if (changed.size === 0) return;
  post({ t: 'changed', clusterIds: [...changed] });
  changed = new Set();
};
repo.subscribe((id) => {
  changed.add(id);
  changeTimer ??= setTimeout(flushChanged, 100);
});

const sync = new InventorySync({
  db,
  repo,
  source: scrubbedSource(source, redactor),
  connections: () => connections.list(),
  intervalSeconds: () => intervalSeconds,
  ...(data.concurrency ? { concurrency: data.concurrency } : {}),
  log: logger('sync'),
  onSynced: (outcomes) => {
    flushChanged();
    post({ t: 'synced', outcomes });
  },
});

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'start':
      sync.start();
      break;
    case 'syncAll':
      void sync.syncAll(m.clusterId).then((outcomes) => {
        flushChanged();
        post({ t: 'syncAllDone', id: m.id, outcomes });
      });
      break;
    case 'interval':
      intervalSeconds = m.seconds;
      break;
    case 'sites':
      sites.clear();
      for (const [k, v] of m.sites) sites.set(k, v);
      break;
    case 'forget':
      repo.forget(m.clusterId);
      break;
    case 'secret': {
      const w = secretWaiters.get(m.id);
      secretWaiters.delete(m.id);
      if (!w) break;
      if (m.secret !== undefined) w.resolve(m.secret);
      else {
        w.reject(AppException.fromAppError(m.error ?? { code: 'internal', message: 'The token could not be read' }));
      }
      break;
    }
    case 'stop':
      void sync.stop().then(() => {
        flushChanged();
        source.close();
        db.close();
        post({ t: 'stopped' });
        port.close();
      });
      break;
  }
});

post({ t: 'ready' });
