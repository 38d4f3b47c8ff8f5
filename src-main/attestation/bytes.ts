/**
 * Byte helpers shared by the attestation decoders: hex in and out, bounds-checked
 * little-endian reads, PEM unwrapping and constant-shape comparisons. Everything
 * here works on Uint8Array so callers can hand in Buffers or plain arrays alike.
 */
import { createHash } from 'node:crypto';

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Strict hex: even length, [0-9a-f] only (case-insensitive); optional 0x prefix. */
export function fromHex(s: string): Uint8Array | null {
  const h = s.trim().replace(/^0x/i, '');
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) return null;
  return new Uint8Array(Buffer.from(h, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function allZero(b: Uint8Array, start = 0, end = b.length): boolean {
  for (let i = start; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

export function allFF(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0xff) return false;
  return true;
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function reversed(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[b.length - 1 - i] as number;
  return out;
}

/** Thrown by the readers below; decoders turn it into a `malformed` reason. */
export class MalformedError extends Error {
  override name = 'MalformedError';
}

/**
 * Little-endian reads with explicit bounds: every access names the field it
 * is for, so a truncated structure reports which field ran past the end.
 */
export class LeReader {
  constructor(readonly buf: Uint8Array) {}
  private need(off: number, len: number, what: string): void {
    if (!Number.isInteger(off) || off < 0 || len < 0 || off + len > this.buf.length) {
      throw new MalformedError(`${what}: needs bytes ${off}..${off + len} but only ${this.buf.length} are present`);
    }
  }
  u8(off: number, what: string): number {
    this.need(off, 1, what);
    return this.buf[off] as number;
  }
  u16(off: number, what: string): number {
    this.need(off, 2, what);
    return (this.buf[off] as number) | ((this.buf[off + 1] as number) << 8);
  }
  u32(off: number, what: string): number {
    this.need(off, 4, what);
    return (
      ((this.buf[off] as number) |
        ((this.buf[off + 1] as number) << 8) |
        ((this.buf[off + 2] as number) << 16) |
        ((this.buf[off + 3] as number) << 24)) >>>
      0
    );
  }
  u64(off: number, what: string): bigint {
    this.need(off, 8, what);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[off + i] as number);
    return v;
  }
  bytes(off: number, len: number, what: string): Uint8Array {
    this.need(off, len, what);
    return this.buf.subarray(off, off + len);
  }
}

export function hex64(v: bigint): string {
  return `0x${v.toString(16)}`;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Every PEM block in `text`, in order (labels such as CERTIFICATE or X509 CRL). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    const body = (m[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new MalformedError(`PEM block "${m[1]}" is not valid base64`);
    out.push({ label: m[1] as string, der: new Uint8Array(Buffer.from(body, 'base64')) });
  }
  return out;
}

/** True when the bytes look like PEM text rather than DER (DER starts with a SEQUENCE tag). */
export function looksLikePem(b: Uint8Array): boolean {
  if (b.length === 0 || b[0] === 0x30) return false;
  const head = Buffer.from(b.subarray(0, Math.min(b.length, 4096))).toString('latin1');
  return head.includes('-----BEGIN ');
}

export function asBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? new Uint8Array(Buffer.from(input, 'utf8')) : input;
}
