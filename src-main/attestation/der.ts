/**
 * A small, strict DER reader: just enough ASN.1 to pull fields out of X.509
 * certificates and CRLs (validity, names, extensions, the to-be-signed bytes)
 * and out of the AMD and Intel certificate extensions. Signatures themselves
 * are checked by node:crypto; this module never decides trust on its own.
 *
 * Why not @peculiar/x509 at run time: its 2.x line loads tsyringe, which needs
 * a global Reflect-metadata polyfill the project does not ship (the same call
 * src-main/sim/certificate.ts made). A reader this size is easier to audit than
 * a patched global.
 */
import { MalformedError } from './bytes';

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  tag: number;
  /** Offset of the identifier octet in `buf`. */
  start: number;
  /** Offset of the first content byte. */
  valueStart: number;
  /** Offset just past the content. */
  end: number;
  buf: Uint8Array;
}

export function value(t: Tlv): Uint8Array {
  return t.buf.subarray(t.valueStart, t.end);
}

/** The whole encoding (identifier, length and content), e.g. a Name to compare byte-wise. */
export function encoded(t: Tlv): Uint8Array {
  return t.buf.subarray(t.start, t.end);
}

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset >= limit) throw new MalformedError('DER: unexpected end of data');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new MalformedError('DER: multi-byte tags are not used in these structures');
  let p = offset + 1;
  if (p >= limit) throw new MalformedError('DER: missing length');
  const first = buf[p++] as number;
  let len: number;
  if (first < 0x80) {
    len = first;
  } else {
    const n = first & 0x7f;
    // 0x80 is BER's indefinite length, never valid in DER; 4 length bytes already cover 4 GiB.
    if (n === 0 || n > 4) throw new MalformedError('DER: unsupported length encoding');
    if (p + n > limit) throw new MalformedError('DER: truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p++] as number);
    if (len < 0x80 || (n > 1 && (buf[p - n] as number) === 0)) throw new MalformedError('DER: non-minimal length');
  }
  if (p + len > limit) throw new MalformedError('DER: content runs past the end');
  return { tag, start: offset, valueStart: p, end: p + len, buf };
}

/** Parses exactly one TLV spanning all of `buf` (trailing bytes are an error). */
export function readRoot(buf: Uint8Array): Tlv {
  const t = readTlv(buf, 0);
  if (t.end !== buf.length) throw new MalformedError('DER: trailing bytes after the outer structure');
  return t;
}

export function children(t: Tlv): Tlv[] {
  if ((t.tag & 0x20) === 0) throw new MalformedError('DER: expected a constructed value');
  const out: Tlv[] = [];
  let p = t.valueStart;
  while (p < t.end) {
    const c = readTlv(t.buf, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

export function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t) throw new MalformedError(`DER: ${what} is missing`);
  if (t.tag !== tag) throw new MalformedError(`DER: ${what} has tag 0x${t.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return t;
}

export function oidString(t: Tlv): string {
  const v = value(expect(t, TAG.OID, 'OBJECT IDENTIFIER'));
  if (v.length === 0) throw new MalformedError('DER: empty OID');
  const parts: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (acc === 0 && b === 0x80) throw new MalformedError('DER: non-minimal OID arc');
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw new MalformedError('DER: OID arc too large');
    if ((b & 0x80) === 0) {
      parts.push(acc);
      acc = 0;
    }
  }
  if ((v[v.length - 1] as number) & 0x80) throw new MalformedError('DER: truncated OID');
  const first = parts.shift() as number;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** An INTEGER as an unsigned bigint; negative values are rejected (no field here is signed). */
export function uintValue(t: Tlv, tag: number = TAG.INTEGER): bigint {
  const v = value(expect(t, tag, 'INTEGER'));
  if (v.length === 0) throw new MalformedError('DER: empty INTEGER');
  if ((v[0] as number) & 0x80) throw new MalformedError('DER: negative INTEGER');
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  return n;
}

export function smallUint(t: Tlv, tag: number = TAG.INTEGER): number {
  const n = uintValue(t, tag);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedError('DER: INTEGER too large');
  return Number(n);
}

/** Serial numbers as lowercase hex without leading zeros ("0" for zero). */
export function serialHex(t: Tlv): string {
  const v = value(expect(t, TAG.INTEGER, 'serial number'));
  if (v.length === 0) throw new MalformedError('DER: empty serial number');
  // Serial numbers are compared as integers; strip sign-padding zeros and leading zeros.
  const hex = Buffer.from(v).toString('hex').replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

export function stringValue(t: Tlv): string {
  const v = value(t);
  switch (t.tag) {
    case TAG.UTF8_STRING:
      return Buffer.from(v).toString('utf8');
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
    case TAG.T61_STRING:
      return Buffer.from(v).toString('latin1');
    case TAG.BMP_STRING: {
      let s = '';
      for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode(((v[i] as number) << 8) | (v[i + 1] as number));
      return s;
    }
    default:
      throw new MalformedError(`DER: tag 0x${t.tag.toString(16)} is not a string`);
  }
}

export function timeValue(t: Tlv): Date {
  const s = Buffer.from(value(t)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === TAG.UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new MalformedError(`DER: bad UTCTime "${s}"`);
    const yy = Number(m[1]);
    // RFC 5280: UTCTime years 50..99 are 19xx, 00..49 are 20xx.
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) throw new MalformedError(`DER: bad GeneralizedTime "${s}"`);
    year = Number(m[1]);
  } else {
    throw new MalformedError('DER: expected a time');
  }
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (Number.isNaN(d.getTime())) throw new MalformedError(`DER: invalid time "${s}"`);
  return d;
}

/** BIT STRING content without the unused-bits octet; only whole-byte strings are used here. */
export function bitStringBytes(t: Tlv): Uint8Array {
  const v = value(expect(t, TAG.BIT_STRING, 'BIT STRING'));
  if (v.length === 0 || v[0] !== 0) throw new MalformedError('DER: BIT STRING with unused bits');
  return v.subarray(1);
}

/** Context-specific tag [n], constructed or primitive. */
export function isContext(t: Tlv, n: number): boolean {
  return (t.tag & 0xc0) === 0x80 && (t.tag & 0x1f) === n;
}
