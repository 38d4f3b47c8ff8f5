// Deterministic randomness for the simulator. Every generated fact derives from the seed, and
// time-varying figures derive from (entity, time) hashes instead of stateful streams, so two runs
// with the same seed agree and a value can be recomputed on demand without being stored.

/** FNV-1a over the parts followed by a murmur3 finaliser: cheap, stable and well mixed. */
export function hash32(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = typeof part === 'number' ? numberKey(part) : part;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    // Separator so ('ab','c') and ('a','bc') differ.
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** hash32 for integers only: no string conversion, for per-sample noise on hot paths. */
export function hashInts(a: number, b: number, c = 0): number {
  let h = fmix32((a ^ 0x9e3779b9) >>> 0);
  h = fmix32((h ^ Math.imul(b | 0, 0x85ebca6b)) >>> 0);
  return fmix32((h ^ Math.imul(c | 0, 0xc2b2ae35)) >>> 0);
}

/** A number in [0, 1) derived from the parts. */
export function unit(...parts: ReadonlyArray<string | number>): number {
  return hash32(...parts) / 0x1_0000_0000;
}

function numberKey(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(6);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for shaping a fleet (not for secrets). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = fmix32(seed >>> 0 || 0x9e3779b9);
  }

  /** An independent stream for a sub-domain, so adding draws in one place does not shift another. */
  fork(...label: ReadonlyArray<string | number>): Rng {
    return new Rng(hash32(this.state, ...label));
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick on an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    const last = items[items.length - 1];
    if (!last) throw new Error('Rng.weighted on an empty list');
    return last[0];
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  hex(digits: number): string {
    let out = '';
    while (out.length < digits) out += Math.floor(this.next() * 0x1_0000_0000).toString(16).padStart(8, '0');
    return out.slice(0, digits);
  }

  /** RFC 4122 v4-shaped UUID from the stream (deterministic, unlike crypto.randomUUID). */
  uuid(): string {
    const h = this.hex(32).split('');
    h[12] = '4';
    h[16] = '89ab'[parseInt(h[16] ?? '0', 16) & 3] ?? '8';
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}
