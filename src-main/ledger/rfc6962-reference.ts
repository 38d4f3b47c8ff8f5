/**
 * Test oracle: RFC 6962 §2.1 MTH, PATH and PROOF transcribed literally as
 * recursive functions over a list of leaf hashes. O(n) per call and shares
 * no code with merkle.ts beyond the two hash primitives, so the optimised
 * implementations (MemoryMerkleTree, MerkleLog) can be checked against it.
 */
import { EMPTY_ROOT, nodeHash } from './merkle';

function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

export function refRoot(leaves: readonly Uint8Array[]): Uint8Array {
  const n = leaves.length;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[0] as Uint8Array;
  const s = k(n);
  return nodeHash(refRoot(leaves.slice(0, s)), refRoot(leaves.slice(s)));
}

export function refPath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n <= 1) return [];
  const s = k(n);
  if (m < s) return [...refPath(m, leaves.slice(0, s)), refRoot(leaves.slice(s))];
  return [...refPath(m - s, leaves.slice(s)), refRoot(leaves.slice(0, s))];
}

function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [refRoot(leaves)];
  const s = k(n);
  if (m <= s) return [...subproof(m, leaves.slice(0, s), b), refRoot(leaves.slice(s))];
  return [...subproof(m - s, leaves.slice(s), false), refRoot(leaves.slice(0, s))];
}

export function refProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, leaves, true);
}
