/**
 * WAL checkpoints off the writing thread, while there is heavy writing.
 *
 * In WAL mode every commit appends pages to the -wal file, and by default
 * the committing connection copies them back into the database (and fsyncs
 * it) whenever the WAL passes 1,000 pages: on the main thread, inside
 * whichever write happened to cross the line. The custody record path
 * writes ~1.5 KB per signed event, and that was a fifth of its time.
 *
 * A writer that is about to write a lot calls `nudge()`. That starts (or
 * keeps) a worker thread with its own connection, which runs a PASSIVE
 * checkpoint every `intervalMs` (it never waits for readers or writers and
 * copies only committed frames), while the writing connection keeps an
 * automatic checkpoint only as a backstop at `backstopPages`, so the WAL
 * stays bounded if the thread falls behind or dies. After `idleMs` without
 * a nudge the thread checkpoints once more and stops, and the connection
 * gets SQLite's default back: an idle console carries no extra thread.
 * Durability is unchanged (synchronous = NORMAL either way).
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
  if (m === 'stop') {
    clearInterval(timer);
    run();
    db.close();
    parentPort.close();
  }
});
`;

/** SQLite's automatic checkpoint, which the writing connection has whenever the thread is not running. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

export interface WalCheckpointerOptions {
  intervalMs?: number;
  backstopPages?: number;
  /** How long after the last nudge the thread stops. */
  idleMs?: number;
}

export class WalCheckpointer {
  private worker: Worker | null = null;
  private stopping: Promise<void> | null = null;
  private idle: NodeJS.Timeout | null = null;
  private readonly enabled: boolean;

  constructor(
    private readonly db: Db,
    private readonly opts: WalCheckpointerOptions = {},
  ) {
    const mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    this.enabled = !db.memory && mode === 'wal';
  }

  /** Whether the thread is running now (tests, diagnostics). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Heavy writing ahead or under way: start the thread, or keep it running. */
  nudge(): void {
    if (!this.enabled || !this.db.open) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.stop(), this.opts.idleMs ?? 30_000);
    this.idle.unref();
    if (this.worker) return;
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: this.db.name, intervalMs: this.opts.intervalMs ?? 200 },
      // Plain Node: the script needs no loader (under tsx the parent's --import would be inherited).
      execArgv: [],
    });
    w.unref();
    // A thread that cannot start or dies hands the job back to the writing connection.
    const gone = () => {
      if (this.worker !== w) return;
      this.worker = null;
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    };
    w.on('error', gone);
    w.on('exit', gone);
    this.worker = w;
    this.db.pragma(`wal_autocheckpoint = ${this.opts.backstopPages ?? 16_384}`);
  }

  /** Stops the thread after a last checkpoint; the writing connection gets its automatic checkpoint back. */
  async stop(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const w = this.worker;
    if (!w) return this.stopping ?? undefined;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    // Held until it has gone: an unreferenced thread would let the process end mid-close, its exit code lost.
    w.ref();
    w.postMessage('stop');
    this.stopping = exited;
    await exited;
  }
}
