/**
 * The chain cache: repeated verifications with the same VEK, ASK/ASVK and ARK
 * (or the same PCK chain) reuse the parsed certificates and the results of
 * their signature checks instead of redoing the RSA-PSS / ECDSA work. Entries
 * are keyed by SHA-256 of the exact input bytes or of the DER certificates, so
 * a cached answer can only be reused for byte-identical inputs. What depends
 * on the verification time (validity windows, CRL freshness) is never cached.
 */
import { sha256Hex } from './bytes';
import { signedBy, type ParsedCert } from './certificate';

export interface ChainCacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export class ChainCache {
  private readonly map = new Map<string, unknown>();
  /**
   * Hash of each input buffer seen, remembered by identity with a copy of its
   * bytes: a caller re-verifying with the same Buffer skips SHA-256 and pays a
   * memcmp, and a buffer changed in place since no longer matches its copy.
   */
  private readonly seen = new WeakMap<Uint8Array, { copy: Buffer; hash: string }>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxEntries = 2048) {}

  /** Memoises `compute` under `namespace:key` (LRU; thrown errors are cached as results too). */
  memo<T>(namespace: string, key: string, compute: () => T): T {
    const k = `${namespace}:${key}`;
    if (this.map.has(k)) {
      const v = this.map.get(k) as { ok: true; value: T } | { ok: false; error: unknown };
      // Refresh recency: Map iteration order is insertion order.
      this.map.delete(k);
      this.map.set(k, v);
      this.hits++;
      if (v.ok) return v.value;
      throw v.error;
    }
    this.misses++;
    let entry: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      entry = { ok: true, value: compute() };
    } catch (error) {
      entry = { ok: false, error };
    }
    this.map.set(k, entry);
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    if (entry.ok) return entry.value;
    throw entry.error;
  }

  /** What `parse` makes of an input (certificates, CRLs), cached by `kind` and the hash of the bytes. */
  parsed<T>(kind: string, input: Uint8Array, parse: (b: Uint8Array) => T): T {
    return this.memo(kind, this.hashOf(input), () => parse(input));
  }

  private hashOf(input: Uint8Array): string {
    const known = this.seen.get(input);
    const view = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (known && known.copy.equals(view)) return known.hash;
    const hash = sha256Hex(input);
    this.seen.set(input, { copy: Buffer.from(view), hash });
    return hash;
  }

  /** Whether `parent` signed `child` (names chain and the signature verifies). */
  signed(child: ParsedCert, parent: ParsedCert): boolean {
    return this.memo('link', `${child.fingerprint256}>${parent.fingerprint256}`, () => signedBy(child, parent));
  }

  stats(): ChainCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.map.size };
  }

  clear(): void {
    this.map.clear();
  }
}
