/**
 * Ed25519 signing on a worker thread, so a batch's signatures are made on
 * another core while the caller's thread checks the next batch and writes
 * the previous one (custody appends are bound by their signatures: one per
 * event). Ed25519 is deterministic, so a signature made here is byte for
 * byte the one `crypto.sign` makes on the calling thread.
 *
 * The private key travels to the thread once, as a KeyObject (structured
 * clone, within this process), and is referred to by number afterwards.
 * Like the verify pool, the worker is an inline script using only
 * node:crypto, so it needs no file beside the app bundle.
 */
import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { sign } = require('node:crypto');
const keys = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'key') { keys.set(m.key, m.privateKey); return; }
  const key = keys.get(m.key);
  const data = Buffer.from(m.data);
  const out = new Uint8Array(m.count * 64);
  let error = null;
  try {
    if (!key || key.asymmetricKeyType !== 'ed25519') throw new Error('the key is not an Ed25519 private key');
    for (let i = 0; i < m.count; i++) out.set(sign(null, data.subarray(m.offsets[i], m.offsets[i + 1]), key), i * 64);
  } catch (err) {
    error = String(err && err.message || err);
  }
  parentPort.postMessage({ id: m.id, out, error }, [out.buffer]);
});
`;

/** Below this many messages the round trip to the thread costs more than it saves. */
export const THREAD_SIGN_MIN = 16;

export class Ed25519SignThread {
  private worker: Worker | null = null;
  private readonly keyIds = new WeakMap<KeyObject, number>();
  private nextKey = 0;
  /** Key numbers below this were sent to a thread that has since died. */
  private generation = 0;
  private nextId = 0;
  /** What each thread still owes an answer for: a thread that ends fails only its own. */
  private readonly owed = new WeakMap<Worker, Map<number, { resolve: (sigs: Uint8Array[]) => void; reject: (err: Error) => void; count: number }>>();

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    const waiting = new Map<number, { resolve: (sigs: Uint8Array[]) => void; reject: (err: Error) => void; count: number }>();
    this.owed.set(w, waiting);
    w.on('message', (m: { id: number; out: Uint8Array; error: string | null }) => {
      const pending = waiting.get(m.id);
      if (!pending) return;
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (m.error !== null) pending.reject(new Error(`signing thread: ${m.error}`));
      else pending.resolve(Array.from({ length: pending.count }, (_, i) => m.out.subarray(i * 64, (i + 1) * 64)));
    });
    const fail = (err: Error) => {
      // A dead thread fails what it held; the next call starts a new one (and sends its keys again).
      if (this.worker === w) {
        this.worker = null;
        this.generation = this.nextKey;
      }
      for (const [id, pending] of waiting) {
        waiting.delete(id);
        pending.reject(err);
      }
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`signing thread exited with code ${code}`)));
    w.unref();
    this.worker = w;
    return w;
  }

  /** Signs each message with the Ed25519 private key; resolves with the 64-byte signatures in order. */
  sign(privateKey: KeyObject, messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (messages.length === 0) return Promise.resolve([]);
    const w = this.thread();
    // Keys are numbered per thread generation, so a restarted thread is sent its keys again.
    let key = this.keyIds.get(privateKey);
    if (key === undefined || key < this.generation) {
      key = this.nextKey++;
      this.keyIds.set(privateKey, key);
      w.postMessage({ type: 'key', key, privateKey });
    }
    const total = messages.reduce((n, m) => n + m.byteLength, 0);
    const data = new Uint8Array(total);
    const offsets = new Uint32Array(messages.length + 1);
    let at = 0;
    messages.forEach((m, i) => {
      offsets[i] = at;
      data.set(m, at);
      at += m.byteLength;
    });
    offsets[messages.length] = at;
    const id = this.nextId++;
    const waiting = this.owed.get(w);
    return new Promise<Uint8Array[]>((resolve, reject) => {
      waiting?.set(id, { resolve, reject, count: messages.length });
      w.ref();
      w.postMessage({ type: 'sign', id, key, count: messages.length, offsets, data: data.buffer }, [data.buffer, offsets.buffer]);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.generation = this.nextKey;
    if (w) {
      w.ref(); // so the process waits for it to go
      await w.terminate();
    }
  }
}

let shared: Ed25519SignThread | null = null;
/** The process's signing thread, started on first use; idle, it never keeps the process alive. */
export function sharedSignThread(): Ed25519SignThread {
  shared ??= new Ed25519SignThread();
  return shared;
}

/** Signs on the shared thread when there are enough messages to be worth it, here otherwise; the same signatures either way. */
export function signEd25519Many(privateKey: KeyObject, messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
  if (messages.length < THREAD_SIGN_MIN) return Promise.resolve(messages.map((m) => cryptoSign(null, m, privateKey)));
  return sharedSignThread().sign(privateKey, messages);
}
