import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundHalfEven } from './rounding';

/**
 * Independent reference: round the exact decimal expansion of the double as
 * a string. toFixed(100) is exact for every double in the tested domain
 * (|x| >= 2^-40 has at most 40 + 52 binary fraction digits, so at most 92
 * decimal ones), and the tie is visible as "5" followed by only zeros.
 */
function referenceRound(x: number, n: number): number {
  if (x === 0) return 0;
  const negative = x < 0;
  const digits = Math.abs(x).toFixed(100);
  const [int, frac] = digits.split('.') as [string, string];
  const kept = `${int}${frac.slice(0, n)}`;
  const rest = frac.slice(n);
  let q = BigInt(kept);
  const first = rest.charCodeAt(0) - 48;
  const tail = /[1-9]/.test(rest.slice(1));
  if (first > 5 || (first === 5 && tail) || (first === 5 && !tail && q % 2n === 1n)) q += 1n;
  const v = Number(`${q}e-${n}`);
  return v === 0 ? 0 : negative ? -v : v;
}

describe('roundHalfEven', () => {
  // Values printed by CPython 3 round(); ties on the binary value go to even, and
  // decimals like 2.675 (really 2.67499999…) round down as Python rounds them.
  it.each([
    [0.5, 0, 0],
    [1.5, 0, 2],
    [2.5, 0, 2],
    [-0.5, 0, 0],
    [-1.5, 0, -2],
    [-2.5, 0, -2],
    [216.5, 0, 216],
    [138.5, 0, 138],
    [2.675, 2, 2.67],
    [0.125, 2, 0.12],
    [0.375, 2, 0.38],
    [1.005, 2, 1.0],
    [27.77777777777778, 1, 27.8],
    [8.325, 2, 8.32],
    [0.045, 2, 0.04],
    [1.115, 2, 1.11],
    [0.285, 2, 0.28],
    [123456.789, 2, 123456.79],
    [123456.789, 0, 123457],
    [5e-324, 2, 0],
    [1e16 + 2, 2, 1e16 + 2],
  ])('round(%d, %d) = %d as in Python', (x, n, want) => {
    expect(roundHalfEven(x, n)).toBe(want);
  });

  it("reproduces NetBox's stored values where JavaScript's Math.round differs", () => {
    expect(roundHalfEven(125 * 1 * (100 / 100) * 1.732)).toBe(216);
    expect(roundHalfEven(277 * 1 * (50 / 100))).toBe(138);
    expect(Math.round(277 * 1 * (50 / 100))).toBe(139);
  });

  it('passes NaN and infinities through and refuses bad ndigits', () => {
    expect(roundHalfEven(Number.NaN)).toBeNaN();
    expect(roundHalfEven(Number.POSITIVE_INFINITY, 2)).toBe(Number.POSITIVE_INFINITY);
    expect(() => roundHalfEven(1, -1)).toThrow(RangeError);
    expect(() => roundHalfEven(1, 1.5)).toThrow(RangeError);
  });

  const domain = fc.oneof(
    fc.double({ min: -1e12, max: 1e12, noNaN: true }).filter((x) => x === 0 || Math.abs(x) >= 2 ** -40),
    // Exact ties at every precision: k / 2^j for small j are the binary-exact halves.
    fc.tuple(fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.integer({ min: 1, max: 8 })).map(([k, j]) => k / 2 ** j),
  );

  it('matches the string reference for random doubles and exact ties (property)', () => {
    fc.assert(
      fc.property(domain, fc.integer({ min: 0, max: 6 }), (x, n) => {
        expect(roundHalfEven(x, n)).toBe(referenceRound(x, n));
      }),
      { numRuns: 5000 },
    );
  });

  it('is odd-symmetric and idempotent (property)', () => {
    fc.assert(
      fc.property(domain, fc.integer({ min: 0, max: 6 }), (x, n) => {
        const r = roundHalfEven(x, n);
        expect(roundHalfEven(-x, n)).toBe(r === 0 ? 0 : -r);
        expect(roundHalfEven(r, n)).toBe(r);
      }),
      { numRuns: 2000 },
    );
  });
});
