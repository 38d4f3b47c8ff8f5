import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Ed25519SignThread, signEd25519Many, THREAD_SIGN_MIN } from './parallel-sign';

const threads: Ed25519SignThread[] = [];
afterEach(async () => {
  for (const t of threads.splice(0)) await t.close();
});

describe('Ed25519SignThread', () => {
  it('makes exactly the signatures crypto.sign makes here, in order, for several keys', async () => {
    const t = new Ed25519SignThread();
    threads.push(t);
    const keys = [generateKeyPairSync('ed25519'), generateKeyPairSync('ed25519')];
    const messages = Array.from({ length: 300 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : 1 + (i % 1500)));
    const [a, b] = await Promise.all(keys.map((k) => t.sign(k.privateKey, messages)));
    keys.forEach((k, j) => {
      const got = [a, b][j]!;
      expect(got).toHaveLength(messages.length);
      messages.forEach((m, i) => {
        expect(Buffer.from(got[i]!)).toEqual(sign(null, m, k.privateKey));
        expect(verify(null, m, k.publicKey, got[i]!)).toBe(true);
      });
    });
  });

  it('fails what a dead thread held with an error, and starts a new thread (with its keys) for the next call', async () => {
    const t = new Ed25519SignThread();
    threads.push(t);
    const k = generateKeyPairSync('ed25519');
    const m = [Buffer.from('one'), Buffer.from('two')];
    await t.sign(k.privateKey, m);
    const pending = t.sign(k.privateKey, Array.from({ length: 20_000 }, () => randomBytes(64)));
    await (t as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(pending).rejects.toThrow(/signing thread/);
    const again = await t.sign(k.privateKey, m);
    expect(Buffer.from(again[1]!)).toEqual(sign(null, m[1]!, k.privateKey));
  });

  it('a call made while the thread is closing goes to a new thread, which the old one ending does not fail', async () => {
    const t = new Ed25519SignThread();
    threads.push(t);
    const k = generateKeyPairSync('ed25519');
    const m = Array.from({ length: 2000 }, (_, i) => Buffer.from(`m${i}`));
    await t.sign(k.privateKey, m.slice(0, 2));
    const closing = t.close();
    const again = t.sign(k.privateKey, m);
    await closing;
    const got = await again;
    expect(Buffer.from(got[1999]!)).toEqual(sign(null, m[1999]!, k.privateKey));
  });

  it('a key that is not Ed25519 is an error, not a wrong signature', async () => {
    const t = new Ed25519SignThread();
    threads.push(t);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(t.sign(ec.privateKey, [Buffer.from('x')])).rejects.toThrow(/not an Ed25519 private key/);
  });

  it('signEd25519Many signs small batches here and large ones on the shared thread, the same either way', async () => {
    const k = generateKeyPairSync('ed25519');
    for (const n of [0, 1, THREAD_SIGN_MIN - 1, THREAD_SIGN_MIN, 200]) {
      const messages = Array.from({ length: n }, (_, i) => Buffer.from(`m${i}`));
      const got = await signEd25519Many(k.privateKey, messages);
      expect(got.map((s) => Buffer.from(s).toString('hex'))).toEqual(messages.map((m) => sign(null, m, k.privateKey).toString('hex')));
    }
  });
});
