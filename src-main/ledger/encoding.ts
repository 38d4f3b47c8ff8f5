/**
 * Strict text encodings for the ledger: hex and standard base64 that refuse
 * anything they would not themselves produce. Node's Buffer decoders skip
 * bad characters and ignore missing padding, which would let two different
 * strings name the same hash or signature; these return undefined instead.
 */

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function fromHex(s: string): Uint8Array | undefined {
  return HEX.test(s) ? Buffer.from(s, 'hex') : undefined;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Standard base64 (RFC 4648 §4) with padding; non-zero trailing bits are refused. */
export function fromBase64(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length % 4 !== 0) return undefined;
  // Node's decoder is lenient (it skips foreign characters and takes the URL alphabet and missing padding),
  // but its encoder writes only the canonical spelling: a string that round-trips is exactly standard base64.
  // That also refuses "AB==", whose last character carries bits that decode to nothing.
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

export const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/**
 * True if `s` has an ASCII control character (below U+0020; newline allowed
 * when asked) or a lone surrogate, which no UTF-8 encoder can carry.
 */
export function hasForbiddenChar(s: string, opts: { newline: boolean }): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && !(opts.newline && c === 0x0a)) return true;
  }
  return /\p{Cs}/u.test(s);
}
