/**
 * Ed25519 signature checks spread over worker threads. Verifying a large
 * bundle is bound by its signatures (a core checks ~6k/s), so the caller
 * streams checks in as it parses and the pool verifies them on the other
 * cores meanwhile; results come back in submission order.
 *
 * The worker is an inline script using only node:crypto, so it needs no
 * bundled file beside the app (the main-process bundle, the CLI and the
 * benchmarks all run the same code). Results equal the sequential
 * `NoteVerifier.verify` exactly: same raw key, same message, same
 * signature, and a malformed signature is `false`, never an exception.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
parentPort.on('message', (m) => {
  const out = new Uint8Array(m.count);
  const data = Buffer.from(m.data);
  for (let i = 0; i < m.count; i++) {
    const k = m.keys[i];
    let key = keys.get(k);
    if (!key) {
      key = createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(k, 'base64')]), format: 'der', type: 'spki' });
      keys.set(k, key);
    }
    const msg = data.subarray(m.offsets[2 * i], m.offsets[2 * i + 1]);
    const sig = data.subarray(m.offsets[2 * i + 1], m.offsets[2 * i + 2]);
    let ok = false;
    if (sig.length === 64) {
      try { ok = verify(null, msg, key, sig); } catch { ok = false; }
    }
    out[i] = ok ? 1 : 0;
  }
  parentPort.postMessage({ id: m.id, out }, [out.buffer]);
});
`;

/** One check: a raw 32-byte Ed25519 public key, the signed message, the signature. */
export interface Ed25519Check {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** How many threads verify by default: one per core, at most 8 (the caller's thread parses and hashes meanwhile). */
export const defaultVerifyThreads = (): number => Math.max(1, Math.min(availableParallelism(), 8));

/**
 * A pool of verifier threads fed in chunks. `add` queues a check and
 * returns its index; `results` sends what is left and resolves with one
 * boolean per check; `close` ends the threads (also after a failure).
 */
export class Ed25519VerifyPool {
  private readonly workers: Worker[];
  private next = 0;
  private count = 0;
  private chunk: Ed25519Check[] = [];
  private chunkStart = 0;
  private readonly pending: Promise<void>[] = [];
  private readonly results: boolean[] = [];
  private readonly keyText = new WeakMap<Uint8Array, string>();
  /** Chunks sent and not yet answered, by the index of their first check. */
  private readonly waiting = new Map<number, { worker: Worker; resolve: () => void; reject: (err: Error) => void }>();

  constructor(
    threads: number = defaultVerifyThreads(),
    private readonly chunkSize = 1024,
  ) {
    this.workers = Array.from({ length: Math.max(1, threads) }, () => {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      // One listener per thread, answering chunks by id: a listener per chunk made every reply walk all the earlier ones.
      w.on('message', (m: { id: number; out: Uint8Array }) => {
        const waiting = this.waiting.get(m.id);
        if (!waiting) return;
        this.waiting.delete(m.id);
        m.out.forEach((v, i) => (this.results[m.id + i] = v === 1));
        if (![...this.waiting.values()].some((x) => x.worker === w)) w.unref();
        waiting.resolve();
      });
      // A thread that fails or ends (closed early) fails the chunks it still owed, so `done` never waits forever.
      const fail = (err: Error) => {
        for (const [id, waiting] of this.waiting) {
          if (waiting.worker !== w) continue;
          this.waiting.delete(id);
          waiting.reject(err);
        }
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`verify thread exited with code ${code}`)));
      w.unref();
      return w;
    });
  }

  add(check: Ed25519Check): number {
    if (this.chunk.length === 0) this.chunkStart = this.count;
    this.chunk.push(check);
    this.count++;
    if (this.chunk.length >= this.chunkSize) this.flush();
    return this.count - 1;
  }

  private flush(): void {
    if (this.chunk.length === 0) return;
    const items = this.chunk;
    this.chunk = [];
    const first = this.chunkStart;
    const total = items.reduce((n, c) => n + c.message.byteLength + c.signature.byteLength, 0);
    const data = new Uint8Array(total);
    const offsets = new Uint32Array(items.length * 2 + 1);
    let at = 0;
    items.forEach((c, i) => {
      offsets[2 * i] = at;
      data.set(c.message, at);
      at += c.message.byteLength;
      offsets[2 * i + 1] = at;
      data.set(c.signature, at);
      at += c.signature.byteLength;
    });
    offsets[items.length * 2] = at;
    const keys = items.map((c) => {
      let k = this.keyText.get(c.publicKey);
      if (k === undefined) {
        k = Buffer.from(c.publicKey).toString('base64');
        this.keyText.set(c.publicKey, k);
      }
      return k;
    });
    const worker = this.workers[this.next++ % this.workers.length] as Worker;
    const id = first;
    this.pending.push(
      new Promise<void>((resolve, reject) => {
        this.waiting.set(id, { worker, resolve, reject });
        // Held while it has work, so the process waits for the answer; idle threads never keep it alive.
        worker.ref();
        worker.postMessage({ id, count: items.length, keys, offsets, data: data.buffer }, [data.buffer, offsets.buffer]);
      }),
    );
  }

  /** Sends the last chunk and waits for every result, in the order the checks were added. */
  async done(): Promise<boolean[]> {
    this.flush();
    await Promise.all(this.pending);
    return this.results.slice(0, this.count);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
