/**
 * The custody record's writer thread. A large batch's SQLite transaction
 * (guard, ~1 KB leaf and event row per event, subtree rows, checkpoint) is
 * written here, on a connection of its own to the same database file, while
 * the main thread checks the next batch and the signing thread signs it:
 * the record path's three stages run on three threads. Small batches (a
 * form's single event) stay on the main thread, where a round trip would
 * cost more than it saves; so do in-memory databases, which a second
 * connection cannot share.
 *
 * Batches are written in the order they are sent, one transaction each,
 * with the same code the main thread uses (writes.ts); a guard's typed
 * conflict comes back as the same AppException. A thread that dies fails
 * the writes it held (SQLite rolls back an open transaction) and the next
 * write starts a new one (one that fails before it is ready, having written
 * nothing, makes the writer unavailable: WriterUnavailable, and the caller
 * writes on its own thread); should it die between a commit and its answer,
 * the batch is in the record though reported failed, and the service's next
 * batch for those appliances is checked against the database, so nothing is
 * written twice. Idle, it never keeps the process alive.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { AppError } from '../../src-preload/contract';
import type { NoteSigner } from '../ledger';
import { AppException } from '../util/app-exception';
import { workerEntry, type WorkerEntry } from '../util/worker-entry';
import type { BatchGuard, SignedEvent } from './writes';

export interface WriterData {
  dbFile: string;
}

/** Per event in `rows`: appliance id, seq, to state, time, body hash. */
export const WRITER_ROW_WIDTH = 5;

export type ToWriter =
  | { t: 'key'; key: number; name: string; privateKey: KeyObject }
  | {
      t: 'write';
      id: number;
      /** The log key's number (sent before as `key`). */
      key: number;
      guard: BatchGuard;
      rows: (string | number)[];
      /** The canonical bodies, one after another; event i's is bodies[offsets[i], offsets[i + 1]). */
      bodies: ArrayBuffer;
      offsets: Uint32Array<ArrayBuffer>;
      signatures: string[];
      publicKeyId: string;
      origin: string;
      createdAt: string;
      /** The main connection's wal_autocheckpoint, which this connection follows (see store/wal-checkpointer.ts). */
      autocheckpoint: number;
    }
  | { t: 'close' };

export type FromWriter = { t: 'ready' } | { id: number; size: number } | { id: number; error: { app?: AppError; message: string } };

/**
 * The thread could not start (say, its code or the database would not load in this build): nothing was written,
 * so the caller writes the batch itself, and this writer stays unavailable.
 */
export class WriterUnavailable extends Error {
  override readonly name = 'WriterUnavailable';
}

export interface WriteBatch {
  guard: BatchGuard;
  events: readonly SignedEvent[];
  publicKeyId: string;
  origin: string;
  /** Signs the checkpoint; must carry its Ed25519 private key (NoteSigner.privateKey). */
  logSigner: NoteSigner;
  createdAt: string;
  autocheckpoint: number;
}

/** Rebuilt from the thread's answer: a guard's AppException as itself, anything else as an Error with its message. */
export function writerError(e: { app?: AppError; message: string }): Error {
  return e.app ? AppException.fromAppError(e.app) : new Error(`custody writer thread: ${e.message}`);
}

/** Events as a write message carries them: flat rows, the bodies in one transferable buffer, the signatures. */
export function encodeEvents(events: readonly SignedEvent[]): Pick<Extract<ToWriter, { t: 'write' }>, 'rows' | 'bodies' | 'offsets' | 'signatures'> {
  const n = events.length;
  const rows: (string | number)[] = new Array<string | number>(n * WRITER_ROW_WIDTH);
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  events.forEach((e, i) => {
    const r = i * WRITER_ROW_WIDTH;
    rows[r] = e.applianceId;
    rows[r + 1] = e.seq;
    rows[r + 2] = e.to;
    rows[r + 3] = e.at;
    rows[r + 4] = e.hash;
    offsets[i] = total;
    total += e.body.byteLength;
  });
  offsets[n] = total;
  const bodies = new Uint8Array(total);
  events.forEach((e, i) => bodies.set(e.body, offsets[i]));
  return { rows, bodies: bodies.buffer, offsets, signatures: events.map((e) => e.signature) };
}

/** The events of a write message, rebuilt on the thread. */
export function decodeEvents(m: Extract<ToWriter, { t: 'write' }>): SignedEvent[] {
  const bodies = new Uint8Array(m.bodies);
  return m.signatures.map((signature, i) => {
    const r = i * WRITER_ROW_WIDTH;
    return {
      applianceId: m.rows[r] as string,
      seq: m.rows[r + 1] as number,
      to: m.rows[r + 2] as SignedEvent['to'],
      at: m.rows[r + 3] as string,
      hash: m.rows[r + 4] as string,
      body: bodies.subarray(m.offsets[i], m.offsets[i + 1]),
      signature,
    };
  });
}

/** One started thread: what it was sent and still owes an answer for. */
interface Started {
  worker: Worker;
  /** It has opened the database and takes writes. */
  ready: boolean;
  /** Told to close: its ending is not a failure to start. */
  closing: boolean;
  /** Log keys sent to it, by number. */
  keys: WeakMap<KeyObject, number>;
  waiting: Map<number, { resolve: (size: number) => void; reject: (err: Error) => void }>;
}

export class CustodyWriterThread {
  private current: Started | null = null;
  private nextKey = 0;
  private nextId = 0;
  private readonly entry: WorkerEntry | null;
  /** Why the thread cannot be used, once a start has failed. */
  private unusable: string | null = null;

  constructor(private readonly dbFile: string) {
    this.entry = workerEntry(import.meta.url, 'custody-writer', './writer-worker.ts');
  }

  /** Whether this build has the thread's code and it has not failed to start (else the caller writes on its own thread). */
  get available(): boolean {
    return this.entry !== null && this.unusable === null;
  }

  /** Why it is not available, when a start failed (diagnostics). */
  get problem(): string | null {
    return this.unusable;
  }

  /** The running thread, if any (diagnostics, tests). */
  get worker(): Worker | null {
    return this.current?.worker ?? null;
  }

  private thread(): Started {
    if (this.current) return this.current;
    if (!this.entry) throw new WriterUnavailable('the custody writer thread is not in this build (custody-writer.js beside the main bundle)');
    if (this.unusable) throw new WriterUnavailable(this.unusable);
    const w = new Worker(this.entry.code, { eval: this.entry.eval, workerData: { dbFile: this.dbFile } satisfies WriterData, name: 'cairn-custody-writer' });
    const started: Started = { worker: w, ready: false, closing: false, keys: new WeakMap(), waiting: new Map() };
    const { waiting } = started;
    w.on('message', (m: FromWriter) => {
      if ('t' in m) {
        started.ready = true;
        return;
      }
      const pending = waiting.get(m.id);
      if (!pending) return;
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if ('error' in m) pending.reject(writerError(m.error));
      else pending.resolve(m.size);
    });
    // A thread that fails or ends fails what it still owed; the next write starts another.
    const fail = (cause: Error) => {
      if (this.current === started) this.current = null;
      let err = cause;
      if (!started.ready && !started.closing) {
        this.unusable = `custody writer thread could not start: ${cause.message}`;
        err = new WriterUnavailable(this.unusable);
      }
      for (const [id, pending] of waiting) {
        waiting.delete(id);
        pending.reject(err);
      }
    };
    w.on('error', (err) => fail(new Error(started.ready ? `custody writer thread failed: ${err.message}` : err.message)));
    w.on('exit', (code) => fail(new Error(`custody writer thread exited with code ${code}`)));
    w.unref();
    this.current = started;
    return started;
  }

  /** Writes one batch in one transaction on the thread; resolves with the log size after it. */
  write(batch: WriteBatch): Promise<number> {
    const privateKey = batch.logSigner.privateKey;
    if (!privateKey) return Promise.reject(new Error('the custody writer thread needs an Ed25519 log key'));
    let started: Started;
    try {
      started = this.thread();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const { worker: w, keys, waiting } = started;
    let key = keys.get(privateKey);
    if (key === undefined) {
      key = this.nextKey++;
      keys.set(privateKey, key);
      w.postMessage({ t: 'key', key, name: batch.logSigner.name, privateKey } satisfies ToWriter);
    }
    const { rows, bodies, offsets, signatures } = encodeEvents(batch.events);
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.ref();
      const m: ToWriter = {
        t: 'write',
        id,
        key,
        guard: batch.guard,
        rows,
        bodies,
        offsets,
        signatures,
        publicKeyId: batch.publicKeyId,
        origin: batch.origin,
        createdAt: batch.createdAt,
        autocheckpoint: batch.autocheckpoint,
      };
      w.postMessage(m, [bodies, offsets.buffer]);
    });
  }

  /**
   * Ends the thread after the writes already sent (its connection closes). A write after this starts another
   * thread rather than reaching the closing one.
   */
  async close(): Promise<void> {
    const started = this.current;
    if (!started) return;
    this.current = null;
    started.closing = true;
    const w = started.worker;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    // Held until it has gone: an unreferenced thread would let the process end mid-close.
    w.ref();
    w.postMessage({ t: 'close' } satisfies ToWriter);
    const timer = setTimeout(() => void w.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
