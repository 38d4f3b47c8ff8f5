/**
 * RFC 9162 (RFC 6962) Merkle tree hashing: leaf and node hashes, tree roots,
 * inclusion and consistency proof generation over any store of perfect
 * subtree hashes, and proof verification under Cairn's strict policy.
 *
 * Strict policy (see ../shared/reference/merkle/SOURCE.md): every hash is
 * exactly 32 bytes, a consistency proof from size 0 is rejected, and equal
 * sizes need an empty proof and equal roots. Malformed input makes a proof
 * invalid; verification never throws.
 */
import { hash } from 'node:crypto';
import { bytesEqual } from './encoding';

export const HASH_SIZE = 32;

/** Tree sizes and leaf indexes are unsigned 64-bit in the RFC; bigint lets a verifier take all of them. */
export type TreeIndex = number | bigint;

/** Why a proof, note or bundle did not verify; a closed set so callers can branch on it. */
export type VerifyFailure =
  | 'malformed' // a hash of the wrong length, an unparsable note or bundle
  | 'out-of-range' // index ≥ size, size1 = 0, size1 > size2, a number outside uint64
  | 'proof-length' // too many or too few proof elements
  | 'root-mismatch' // the proof leads to a different root
  | 'bad-signature' // a trusted key's signature does not verify
  | 'untrusted' // no signature from a trusted key (or too few witnesses)
  | 'origin-mismatch' // the checkpoint names another log
  | 'storage-mismatch'; // a stored hash disagrees with the stored data (MerkleLog.verifyIntegrity)

export type Verdict = { valid: true; reason: string } | { valid: false; code: VerifyFailure; reason: string };

export const ok = (reason: string): Verdict => ({ valid: true, reason });
export const fail = (code: VerifyFailure, reason: string): Verdict => ({ valid: false, code, reason });

// ---- hashing -----------------------------------------------------------------

/** SHA-256 of the empty string: the root of the empty tree. */
export const EMPTY_ROOT: Uint8Array = hash('sha256', Buffer.alloc(0), 'buffer');

export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

export function leafHash(data: Uint8Array): Buffer {
  // One-shot crypto.hash over a prefixed copy is about twice as fast as a
  // createHash stream for inputs this small.
  const buf = Buffer.allocUnsafe(1 + data.byteLength);
  buf[0] = 0x00;
  buf.set(data, 1);
  return hash('sha256', buf, 'buffer');
}

/** Children are normally 32-byte hashes, but RFC 6962 test vectors hash arbitrary bytes too. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(1 + left.byteLength + right.byteLength);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.byteLength);
  return hash('sha256', buf, 'buffer');
}

export function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.byteLength === HASH_SIZE;
}

// ---- tree shape ----------------------------------------------------------------

/** The RFC's split point k: the largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  if (n <= 0x8000_0000) return 2 ** (31 - Math.clz32(n - 1));
  let k = 0x8000_0000;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The largest power of two ≤ n (n ≥ 1). */
function floorPow2(n: number): number {
  if (n === 1) return 1;
  const k = splitPoint(n);
  return k * 2 === n ? n : k;
}

/** log2 of a power of two, exactly (Math.log2 is not guaranteed exact near 2^53). */
function levelOf(width: number): number {
  if (width <= 0x8000_0000) return 31 - Math.clz32(width);
  let level = 31;
  for (let w = 0x8000_0000; w < width; w *= 2) level++;
  return level;
}

/**
 * Where proofs and roots get their hashes: the perfect subtree at `level`
 * with index `index` covers leaves [index·2^level, (index+1)·2^level), so
 * level 0 is the leaf hashes. Perfect subtrees never change once complete,
 * which is what makes them cacheable and a historic root cheap.
 */
export interface SubtreeSource {
  perfectSubtree(level: number, index: number): Uint8Array;
}

/**
 * MTH(D[start:end]) for the ranges RFC 6962's recursion visits (start is a
 * multiple of the largest power of two ≤ end − start): the range splits into
 * at most log2 n perfect subtrees, folded right to left.
 */
export function rangeRoot(src: SubtreeSource, start: number, end: number): Uint8Array {
  if (end === start) return Buffer.from(EMPTY_ROOT);
  const parts = decompose(start, end).map(({ level, index }) => src.perfectSubtree(level, index));
  return foldRight(parts);
}

/** The perfect subtrees that make up [start, end), left to right, largest first. */
export function decompose(start: number, end: number): { level: number; index: number }[] {
  const out: { level: number; index: number }[] = [];
  for (let pos = start; pos < end; ) {
    const width = floorPow2(end - pos);
    out.push({ level: levelOf(width), index: pos / width });
    pos += width;
  }
  return out;
}

/**
 * Combines perfect subtree hashes (left to right, largest first) into the
 * root of their range. Always returns a fresh buffer, so callers can never
 * alias (and so corrupt) a cached subtree hash.
 */
export function foldRight(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 0) return Buffer.from(EMPTY_ROOT);
  if (parts.length === 1) return Buffer.from(parts[0] as Uint8Array);
  let h = parts[parts.length - 1] as Uint8Array;
  for (let i = parts.length - 2; i >= 0; i--) h = nodeHash(parts[i] as Uint8Array, h);
  return h;
}

/** The root of the first `size` leaves. */
export function treeRoot(src: SubtreeSource, size: number): Uint8Array {
  return rangeRoot(src, 0, size);
}

/**
 * RFC 6962 PATH(index, D[0:size]), leaf to root. Only the first sibling that
 * is not a perfect subtree costs more than one lookup, so this is O(log n).
 */
export function inclusionProof(src: SubtreeSource, index: number, size: number): Uint8Array[] {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) {
    throw new RangeError(`inclusion proof needs 0 ≤ index < size, got index ${index}, size ${size}`);
  }
  const path: Uint8Array[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(rangeRoot(src, start + k, end));
      end = start + k;
    } else {
      path.push(rangeRoot(src, start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** RFC 6962 PROOF(size1, D[0:size2]) = SUBPROOF(size1, D[0:size2], true), leaf side first. */
export function consistencyProof(src: SubtreeSource, size1: number, size2: number): Uint8Array[] {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 > 0 && size1 <= size2)) {
    throw new RangeError(`consistency proof needs 0 < size1 ≤ size2, got ${size1}, ${size2}`);
  }
  const path: Uint8Array[] = [];
  let start = 0;
  let end = size2;
  let m = size1; // relative to start
  let haveOldRoot = true; // the "b" flag: the verifier already knows MTH(D[0:size1])
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!haveOldRoot) path.push(rangeRoot(src, start, end));
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      path.push(rangeRoot(src, start + k, end));
      end = start + k;
    } else {
      path.push(rangeRoot(src, start, start + k));
      start += k;
      m -= k;
      haveOldRoot = false;
    }
  }
  return path.reverse();
}

// ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------

const U64_MAX = (1n << 64n) - 1n;

function toU64(x: TreeIndex): bigint | undefined {
  if (typeof x === 'bigint') return x >= 0n && x <= U64_MAX ? x : undefined;
  return Number.isInteger(x) && x >= 0 && x <= Number.MAX_SAFE_INTEGER ? BigInt(x) : undefined;
}

function badHash(what: string, h: unknown): Verdict | undefined {
  if (isHash(h)) return undefined;
  const len = h instanceof Uint8Array ? h.byteLength : 'no';
  return fail('malformed', `${what} is ${len} bytes, not ${HASH_SIZE}`);
}

function badProof(proof: readonly Uint8Array[]): Verdict | undefined {
  for (let i = 0; i < proof.length; i++) {
    const bad = badHash(`proof[${i}]`, proof[i]);
    if (bad) return bad;
  }
  return undefined;
}

export interface InclusionClaim {
  leafHash: Uint8Array;
  index: TreeIndex;
  size: TreeIndex;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

export function verifyInclusion(c: InclusionClaim): Verdict {
  const index = toU64(c.index);
  const size = toU64(c.size);
  if (index === undefined) return fail('out-of-range', `leaf index ${String(c.index)} is not an unsigned 64-bit integer`);
  if (size === undefined) return fail('out-of-range', `tree size ${String(c.size)} is not an unsigned 64-bit integer`);
  const bad = badHash('leaf hash', c.leafHash) ?? badHash('root', c.root) ?? badProof(c.proof);
  if (bad) return bad;
  if (index >= size) return fail('out-of-range', `leaf index ${index} is not below tree size ${size}`);

  let fn = index;
  let sn = size - 1n;
  let r: Uint8Array = c.leafHash;
  for (const p of c.proof) {
    if (sn === 0n) return fail('proof-length', `proof has ${c.proof.length} elements, more than the path from leaf ${index} in a tree of ${size}`);
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail('proof-length', `proof has ${c.proof.length} elements, fewer than the path from leaf ${index} in a tree of ${size}`);
  if (!bytesEqual(r, c.root)) return fail('root-mismatch', `the proof for leaf ${index} leads to a different root for tree size ${size}`);
  return ok(`leaf ${index} is included in the tree of size ${size}`);
}

/**
 * Many inclusion proofs against one tree (a bundle's events at its
 * checkpoint): the verdict of `verifyInclusion` for every proof, but a path
 * that reaches a subtree an earlier valid proof already led to the root
 * stops hashing there, provided the rest of its proof is byte for byte the
 * siblings that earlier proof used. From that subtree up, the full check
 * would hash exactly what the earlier one hashed and reach the same root,
 * so the verdict is the same. Neighbouring events share all but the lowest
 * few levels of their paths, so a bundle costs a few hashes per event
 * instead of one per tree level. Anything not settled that way (a first
 * path, a mismatch, a malformed claim) goes through `verifyInclusion`.
 */
export class InclusionBatch {
  /** Per level, the subtree hashes at positions a valid proof has shown to be in this tree. */
  private readonly known: Map<number, Uint8Array>[] = [];
  private readonly root: Uint8Array;
  private readonly size: TreeIndex;
  /** Node hashes computed so far, on the fast path (the fallbacks to `verifyInclusion` are not counted). */
  hashes = 0;

  constructor(size: TreeIndex, root: Uint8Array) {
    this.size = size;
    this.root = root;
  }

  verify(leaf: Uint8Array, index: TreeIndex, proof: readonly Uint8Array[]): Verdict {
    const full = (): Verdict => verifyInclusion({ leafHash: leaf, index, size: this.size, proof, root: this.root });
    const size = this.size;
    if (typeof size !== 'number' || typeof index !== 'number' || !Number.isSafeInteger(size) || !Number.isSafeInteger(index) || index < 0 || index >= size) return full();
    if (!isHash(leaf) || !isHash(this.root) || proof.some((p) => !isHash(p))) return full();
    // Positions visited on this path (level, index, hash): recorded only once the path is known to be valid.
    const seen: [number, number, Uint8Array][] = [[0, index, leaf]];
    let fn = index;
    let sn = size - 1;
    let level = 0;
    let r: Uint8Array = leaf;
    for (let k = 0; k < proof.length; k++) {
      if (this.settles(level, fn, sn, r, proof, k)) return this.accept(seen, index);
      if (sn === 0) return full();
      const p = proof[k] as Uint8Array;
      if (fn % 2 === 1 || fn === sn) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
          level++;
        }
        seen.push([level, fn - 1, p]);
        r = nodeHash(p, r);
        this.hashes++;
      } else {
        seen.push([level, fn + 1, p]);
        r = nodeHash(r, p);
        this.hashes++;
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
      level++;
      seen.push([level, fn, r]);
    }
    if (sn !== 0 || !bytesEqual(r, this.root)) return full();
    return this.accept(seen, index);
  }

  private accept(seen: readonly [number, number, Uint8Array][], index: number): Verdict {
    for (const [level, at, h] of seen) {
      let m = this.known[level];
      if (!m) this.known[level] = m = new Map();
      m.set(at, h);
    }
    return ok(`leaf ${index} is included in the tree of size ${this.size}`);
  }

  /** Whether r at (level, fn) is a proven subtree and proof[k…] is exactly the proven siblings above it, ending at the root. */
  private settles(level: number, fn: number, sn: number, r: Uint8Array, proof: readonly Uint8Array[], k: number): boolean {
    const here = this.known[level]?.get(fn);
    if (!here || !bytesEqual(here, r)) return false;
    for (; k < proof.length; k++) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
          level++;
        }
        const sib = this.known[level]?.get(fn - 1);
        if (!sib || !bytesEqual(sib, proof[k] as Uint8Array)) return false;
      } else {
        const sib = this.known[level]?.get(fn + 1);
        if (!sib || !bytesEqual(sib, proof[k] as Uint8Array)) return false;
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
      level++;
    }
    return sn === 0;
  }
}

export interface ConsistencyClaim {
  size1: TreeIndex;
  size2: TreeIndex;
  root1: Uint8Array;
  root2: Uint8Array;
  proof: readonly Uint8Array[];
}

export function verifyConsistency(c: ConsistencyClaim): Verdict {
  const size1 = toU64(c.size1);
  const size2 = toU64(c.size2);
  if (size1 === undefined) return fail('out-of-range', `size1 ${String(c.size1)} is not an unsigned 64-bit integer`);
  if (size2 === undefined) return fail('out-of-range', `size2 ${String(c.size2)} is not an unsigned 64-bit integer`);
  const bad = badHash('root1', c.root1) ?? badHash('root2', c.root2) ?? badProof(c.proof);
  if (bad) return bad;
  // RFC 9162 defines verification only for 0 < size1 < size2 (plus the trivial equal case);
  // legacy CT accepted anything from size 0, which proves nothing.
  if (size1 === 0n) return fail('out-of-range', 'consistency from the empty tree (size1 = 0) is not accepted');
  if (size1 > size2) return fail('out-of-range', `size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === size2) {
    if (c.proof.length !== 0) return fail('proof-length', `sizes are equal (${size1}) but the proof is not empty`);
    if (!bytesEqual(c.root1, c.root2)) return fail('root-mismatch', `sizes are equal (${size1}) but the roots differ`);
    return ok(`trees of equal size ${size1} have the same root`);
  }
  if (c.proof.length === 0) return fail('proof-length', `an empty proof cannot link size ${size1} to size ${size2}`);

  // When size1 is a power of two the old root is itself a node of the new tree.
  const path = (size1 & (size1 - 1n)) === 0n ? [c.root1, ...c.proof] : c.proof;
  let fn = size1 - 1n;
  let sn = size2 - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const p = path[i] as Uint8Array;
    if (sn === 0n) return fail('proof-length', `proof has more elements than linking size ${size1} to ${size2} needs`);
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(p, fr);
      sr = nodeHash(p, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail('proof-length', `proof has fewer elements than linking size ${size1} to ${size2} needs`);
  if (!bytesEqual(fr, c.root1)) return fail('root-mismatch', `the proof does not lead to the size-${size1} root`);
  if (!bytesEqual(sr, c.root2)) return fail('root-mismatch', `the proof does not lead to the size-${size2} root`);
  return ok(`the tree of size ${size2} extends the tree of size ${size1}`);
}
