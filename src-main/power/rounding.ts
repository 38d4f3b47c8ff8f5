/**
 * Rounding the way Python's built-in round() rounds a float: to the nearest
 * multiple of 10^-ndigits of the *exact binary value*, ties to even. NetBox
 * stores feed capacity with round(), so reproducing its numbers needs this;
 * Math.round (ties away from zero, and on an already-inexact product) gives
 * 217 where NetBox stores 216 (125 V × 1 A × 1.732 = 216.5 exactly).
 *
 * The tie test is done in exact integer arithmetic (BigInt) on the double's
 * mantissa and exponent, so values such as 2.675 (really 2.67499999…) round
 * the way Python rounds them (2.67), not the way their decimal spelling
 * suggests.
 */

const F64 = new DataView(new ArrayBuffer(8));

/** x = sign × mantissa × 2^exponent exactly (finite x only). */
function decompose(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  F64.setFloat64(0, x);
  const hi = F64.getUint32(0);
  const lo = F64.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  const fracHi = BigInt(hi & 0xfffff);
  let mantissa = (fracHi << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) {
    exponent = -1074; // subnormal: no implicit leading bit
  } else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  return { negative, mantissa, exponent };
}

/**
 * Python's round(x, ndigits) for a float x and ndigits >= 0. NaN and
 * infinities are returned unchanged (Python raises for them; callers here
 * never pass them).
 */
export function roundHalfEven(x: number, ndigits = 0): number {
  if (!Number.isInteger(ndigits) || ndigits < 0 || ndigits > 20) throw new RangeError(`ndigits must be an integer 0..20, got ${ndigits}`);
  if (!Number.isFinite(x)) return x;
  if (x === 0) return 0;
  const { negative, mantissa, exponent } = decompose(x);
  if (exponent >= 0) return x; // an integer already, so a multiple of every 10^-n
  const num = mantissa * 10n ** BigInt(ndigits);
  const den = 1n << BigInt(-exponent);
  let q = num / den;
  const twiceRem = (num % den) * 2n;
  if (twiceRem > den || (twiceRem === den && q % 2n === 1n)) q += 1n;
  // Parsing the decimal spelling gives the double nearest q / 10^n, as Python does.
  const magnitude = Number(`${q}e-${ndigits}`);
  // Python's round(-0.4) is the int 0; a report should not print "-0" either.
  if (magnitude === 0) return 0;
  return negative ? -magnitude : magnitude;
}

/** Round for display and reports (half-to-even, like every other rounding here). */
export function round2(x: number): number {
  return roundHalfEven(x, 2);
}
