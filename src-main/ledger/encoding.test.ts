import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toHex } from './encoding';

/** What strict standard base64 means, spelled out: RFC 4648 §4 alphabet, padding, and no stray bits in the last character. */
const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const strict = (s: string): boolean => STRICT.test(s) && Buffer.from(s, 'base64').toString('base64') === s;

describe('fromBase64', () => {
  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(Buffer.from(fromBase64(toBase64(b)) ?? [])).toEqual(Buffer.from(b));
      }));
  });

  it('takes exactly the strict standard spelling, whatever the string', () => {
    const near = fc.stringMatching(/^[A-Za-z0-9+/=_\- \n.]{0,24}$/);
    fc.assert(fc.property(fc.oneof(near, fc.string({ maxLength: 24 }), fc.base64String({ maxLength: 24 })), (s) => {
          expect(fromBase64(s) !== undefined).toBe(strict(s));
        }), { numRuns: 2000 });
  });

  it('refuses the lenient spellings Node would decode', () => {
    for (const s of ['AB==', 'AAA', 'AA==\n', ' AAA=', 'AA-_', 'AAA=AAA=', '=AAA', 'A===', 'AAAA====']) expect(fromBase64(s), s).toBeUndefined();
    expect(fromBase64('')?.byteLength).toBe(0);
  });
});

describe('fromHex', () => {
  it('round-trips any bytes and refuses odd or foreign digits', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(Buffer.from(fromHex(toHex(b)) ?? [])).toEqual(Buffer.from(b));
      }));
    for (const s of ['a', 'zz', '0g', ' 00']) expect(fromHex(s)).toBeUndefined();
  });
});
