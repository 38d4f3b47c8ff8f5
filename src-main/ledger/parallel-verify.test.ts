/** The worker-thread Ed25519 pool gives exactly the sequential verdicts, in submission order, across chunk boundaries. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ed25519VerifyPool } from './parallel-verify';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from './note';

describe('Ed25519VerifyPool', () => {
  it('matches NoteVerifier.verify for valid, corrupted, truncated and wrong-key signatures', async () => {
    const a = parseSignerKey(generateNoteKey('a.example').skey);
    const b = parseSignerKey(generateNoteKey('b.example').skey);
    const va = parseVerifierKey(a.vkey);
    const vb = parseVerifierKey(b.vkey);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ msg: fc.uint8Array({ maxLength: 300 }), kind: fc.constantFrom('ok', 'flip', 'short', 'other-key', 'empty'), useB: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        async (items, chunk) => {
          const pool = new Ed25519VerifyPool(2, chunk);
          try {
            const expected: boolean[] = [];
            items.forEach(({ msg, kind, useB }) => {
              const signer = useB ? b : a;
              const verifier = kind === 'other-key' ? (useB ? va : vb) : useB ? vb : va;
              let sig = Buffer.from(signer.sign(msg));
              if (kind === 'flip') sig[7] = (sig[7] as number) ^ 1;
              if (kind === 'short') sig = sig.subarray(0, 63);
              if (kind === 'empty') sig = Buffer.alloc(0);
              expected.push(verifier.verify(msg, sig).ok);
              expect(pool.add({ publicKey: verifier.publicKey, message: msg, signature: sig })).toBe(expected.length - 1);
            });
            expect(await pool.done()).toEqual(expected);
          } finally {
            await pool.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('Ed25519VerifyPool closed early', () => {
  it('fails the results still owed instead of waiting forever', async () => {
    const a = parseSignerKey(generateNoteKey('a.example').skey);
    const va = parseVerifierKey(a.vkey);
    const pool = new Ed25519VerifyPool(1, 64);
    const msg = Buffer.from('x');
    const sig = Buffer.from(a.sign(msg));
    for (let i = 0; i < 20_000; i++) pool.add({ publicKey: va.publicKey, message: msg, signature: sig });
    const done = pool.done();
    await pool.close();
    await expect(done).rejects.toThrow(/verify thread exited/);
  });
});
