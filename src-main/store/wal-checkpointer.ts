/**
 * WAL checkpoints off the writing thread. In WAL mode every commit appends
 * pages to the -wal file, and by default the committing connection copies
 * them back into the database (and fsyncs it) whenever the WAL passes 1,000
 * pages: on the main thread, inside whichever write happened to cross the
 * line. The custody record path writes ~2.4 KB per signed event, so that
 * was a fifth of its time.
 *
 * Here a worker thread with its own connection runs a PASSIVE checkpoint
 * every `intervalMs` (it never waits for readers or writers, and copies
 * only committed frames), and the writing connection keeps an automatic
 * checkpoint only as a backstop at `backstopPages`, so the WAL stays
 * bounded if the thread falls behind or dies. Durability is unchanged:
 * commits are durable by the same rules (synchronous = NORMAL).
 *
 * The worker is an inline script that loads better-sqlite3 from the path
 * this module resolves, so it needs no bundled file of its own.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const run = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* another checkpoint is running, or the database is busy: next time */ }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'now') run();
  if (m === 'stop') {
    clearInterval(timer);
    run();
    db.close();
    parentPort.close();
  }
});
`;

/** The default automatic checkpoint, restored on close. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

export interface WalCheckpointer {
  /** Asks for a checkpoint now (tests; after a large import). */
  nudge(): void;
  /** Stops the thread after a last checkpoint and gives the writing connection its automatic checkpoint back. */
  close(): Promise<void>;
}

export function startWalCheckpointer(db: Db, opts: { intervalMs?: number; backstopPages?: number } = {}): WalCheckpointer {
  const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  if (db.memory || mode !== 'wal') return { nudge() {}, close: async () => {} };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: db.name, intervalMs: opts.intervalMs ?? 200 },
    // Plain Node: the script needs no loader (under tsx the parent's --import would be inherited).
    execArgv: [],
  });
  worker.unref();
  let alive = true;
  const backstop = () => {
    if (alive && db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    alive = false;
  };
  // A thread that cannot start or dies hands the job back to the writing connection.
  worker.on('error', backstop);
  worker.on('exit', backstop);
  db.pragma(`wal_autocheckpoint = ${opts.backstopPages ?? 16_384}`);
  return {
    nudge: () => alive && worker.postMessage('now'),
    async close() {
      if (!alive) return;
      const exited = new Promise((r) => worker.once('exit', r));
      // Held until it has gone: an unreferenced thread would let the process end mid-close, its exit code lost.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
