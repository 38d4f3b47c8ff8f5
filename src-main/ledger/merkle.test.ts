import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './encoding';
import { consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, nodeHash, sha256, splitPoint, treeRoot, verifyConsistency, verifyInclusion, InclusionBatch } from './merkle';
import { MemoryMerkleTree } from './memory-tree';
import { refPath, refProof, refRoot } from './rfc6962-reference';
import { loadVectors } from './test-vectors';

const V = loadVectors();
const hex = (s: string): Uint8Array => {
  const b = fromHex(s);
  if (!b) throw new Error(`vector has bad hex: ${s}`);
  return b;
};

function std8(): MemoryMerkleTree {
  const t = new MemoryMerkleTree();
  for (const d of V.trees.std8.leaf_data_hex) t.append(hex(d));
  return t;
}

function treeOf(n: number, salt = 0): { tree: MemoryMerkleTree; leaves: Uint8Array[] } {
  const tree = new MemoryMerkleTree();
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const h = leafHash(Buffer.from(`leaf ${salt}/${i}`));
    leaves.push(h);
    tree.appendLeafHash(h);
  }
  return { tree, leaves };
}

describe('hasher vectors', () => {
  it.each(V.hasher)('$what', (v) => {
    const got =
      v.fn === 'sha256'
        ? sha256(hex(v.input_hex ?? ''))
        : v.fn === 'leaf_hash'
          ? leafHash(hex(v.input_hex ?? ''))
          : nodeHash(hex(v.left_hex ?? ''), hex(v.right_hex ?? ''));
    expect(toHex(got)).toBe(v.want);
  });

  it('empty tree root is SHA-256 of nothing', () => {
    expect(toHex(EMPTY_ROOT)).toBe(V.trees.std8.roots['0']);
  });
});

describe('std8 tree', () => {
  const t = std8();
  it('leaf hashes and every perfect subtree hash match', () => {
    expect(V.trees.std8.leaf_hashes).toEqual(V.trees.std8.leaf_data_hex.map((d) => toHex(leafHash(hex(d)))));
    V.trees.std8.perfect_subtree_hashes_by_level.forEach((level, l) => {
      level.forEach((h, i) => expect(toHex(t.perfectSubtree(l, i))).toBe(h));
    });
  });

  it('roots for sizes 0..8 match, from the tree and from the reference', () => {
    const leaves = V.trees.std8.leaf_hashes.map(hex);
    for (const [size, want] of Object.entries(V.trees.std8.roots)) {
      expect(toHex(t.root(Number(size)))).toBe(want);
      expect(toHex(refRoot(leaves.slice(0, Number(size))))).toBe(want);
    }
  });

  it('generates exactly the valid std8 inclusion proofs in the vectors', () => {
    const std = V.inclusion.filter((v) => v.tree === 'std8');
    expect(std.length).toBe(10);
    for (const v of std) expect(t.inclusionProof(Number(v.leaf_index), Number(v.tree_size)).map(toHex), v.id).toEqual(v.proof);
  });

  it('generates exactly the valid std8 consistency proofs in the vectors', () => {
    const std = V.consistency.filter((v) => v.tree === 'std8');
    expect(std.length).toBe(8);
    for (const v of std) expect(t.consistencyProof(Number(v.size1), Number(v.size2)).map(toHex), v.id).toEqual(v.proof);
  });
});

describe('inclusion vectors (strict policy)', () => {
  it(`has all ${V.inclusion.length} vectors`, () => expect(V.inclusion.length).toBe(108));
  it.each(V.inclusion)('$id → $expect', (v) => {
    const verdict = verifyInclusion({ leafHash: hex(v.leaf_hash), index: v.leaf_index, size: v.tree_size, proof: v.proof.map(hex), root: hex(v.root) });
    expect(verdict.valid ? 'valid' : 'invalid', verdict.reason).toBe(v.expect);
  });
});

describe('consistency vectors (strict policy)', () => {
  it(`has all ${V.consistency.length} vectors`, () => expect(V.consistency.length).toBe(105));
  it.each(V.consistency)('$id → $expect', (v) => {
    const verdict = verifyConsistency({ size1: v.size1, size2: v.size2, root1: hex(v.root1), root2: hex(v.root2), proof: v.proof.map(hex) });
    expect(verdict.valid ? 'valid' : 'invalid', verdict.reason).toBe(v.expect);
  });

  it.each(V.policy_dependent)('policy case $id → strict $expect_by_policy.strict', (v) => {
    const verdict = verifyConsistency({ size1: v.size1, size2: v.size2, root1: hex(v.root1), root2: hex(v.root2), proof: v.proof.map(hex) });
    expect(verdict.valid ? 'valid' : 'invalid', verdict.reason).toBe(v.expect_by_policy.strict);
  });
});

describe('strict policy details', () => {
  const { tree } = treeOf(5);
  const root = tree.root();

  it('malformed hashes are invalid, never exceptions', () => {
    const proof = tree.inclusionProof(1);
    const short = new Uint8Array(31);
    for (const claim of [
      { leafHash: short, index: 1, size: 5, proof, root },
      { leafHash: tree.leafHash(1), index: 1, size: 5, proof, root: short },
      { leafHash: tree.leafHash(1), index: 1, size: 5, proof: [...proof.slice(0, 2), short], root },
      { leafHash: 'nope' as unknown as Uint8Array, index: 1, size: 5, proof, root },
    ]) {
      const v = verifyInclusion(claim);
      expect(v).toMatchObject({ valid: false, code: 'malformed' });
    }
    expect(verifyConsistency({ size1: 3, size2: 5, root1: tree.root(3), root2: new Uint8Array(33), proof: tree.consistencyProof(3) })).toMatchObject({
      valid: false,
      code: 'malformed',
    });
  });

  it('out-of-range numbers are invalid', () => {
    const base = { leafHash: tree.leafHash(0), proof: tree.inclusionProof(0), root };
    for (const [index, size] of [
      [-1, 5],
      [0.5, 5],
      [Number.NaN, 5],
      [0, 2 ** 64],
      [0n, 1n << 64n],
      [5, 5],
    ] as const) {
      expect(verifyInclusion({ ...base, index, size }).valid).toBe(false);
    }
  });

  it('consistency: size1 = 0 rejected, equal sizes need an empty proof and equal roots', () => {
    expect(verifyConsistency({ size1: 0, size2: 5, root1: EMPTY_ROOT, root2: root, proof: [] })).toMatchObject({ valid: false, code: 'out-of-range' });
    expect(verifyConsistency({ size1: 5, size2: 5, root1: root, root2: root, proof: [] }).valid).toBe(true);
    expect(verifyConsistency({ size1: 5, size2: 5, root1: root, root2: root, proof: [root] }).valid).toBe(false);
    expect(verifyConsistency({ size1: 5, size2: 5, root1: root, root2: tree.root(4), proof: [] }).valid).toBe(false);
    expect(verifyConsistency({ size1: 5, size2: 4, root1: root, root2: tree.root(4), proof: [] }).valid).toBe(false);
  });

  it('split point is the largest power of two strictly below n, also past 2^31', () => {
    expect([2, 3, 4, 5, 8, 9].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 8]);
    expect(splitPoint(2 ** 31 + 1)).toBe(2 ** 31);
    expect(splitPoint(2 ** 40)).toBe(2 ** 39);
    expect(splitPoint(2 ** 53 - 1)).toBe(2 ** 52);
  });
});

// ---- properties ------------------------------------------------------------------------------

/**
 * The left/right pattern the RFC 9162 walk applies to each proof element.
 * Changing the claimed size can only still verify if this pattern (and so
 * the computed root) is unchanged: the proof binds the size only through the
 * root, exactly as the RFC intends. The properties below assert that and no
 * more.
 */
function inclusionShape(index: number, size: number): string {
  if (index >= size) return 'x';
  let fn = index;
  let sn = size - 1;
  let out = '';
  while (sn > 0) {
    if (fn % 2 === 1 || fn === sn) {
      out += 'L';
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else out += 'R';
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return out;
}

function consistencyShape(size1: number, size2: number): string {
  if (size1 <= 0 || size1 >= size2) return 'x';
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let out = (size1 & (size1 - 1)) === 0 ? 'P' : 'p';
  while (sn > 0) {
    if (fn % 2 === 1 || fn === sn) {
      out += 'B';
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else out += 'R';
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return out;
}

function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const c = Uint8Array.from(b);
  c[(bit >> 3) % c.length]! ^= 1 << (bit & 7);
  return c;
}

describe('properties', () => {
  it('every inclusion proof for every index verifies and equals the RFC 6962 PATH', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), (n) => {
        const { tree, leaves } = treeOf(n);
        const root = tree.root();
        expect(root).toEqual(refRoot(leaves));
        for (let i = 0; i < n; i++) {
          const proof = tree.inclusionProof(i);
          // The reference is O(n) per path; compare it on every index of small trees only.
          if (n <= 120 || i % 17 === 0 || i === n - 1) expect(proof).toEqual(refPath(i, leaves));
          expect(verifyInclusion({ leafHash: leaves[i]!, index: i, size: n, proof, root }).valid).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('proofs against historic sizes verify against historic roots', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2000 }), fc.nat(), fc.nat(), (n, a, b) => {
        const { tree, leaves } = treeOf(n);
        const size = 1 + (a % n);
        const i = b % size;
        const proof = inclusionProof(tree, i, size);
        expect(verifyInclusion({ leafHash: leaves[i]!, index: i, size, proof, root: treeRoot(tree, size) }).valid).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('consistency for random m ≤ n verifies and equals the RFC 6962 PROOF', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.nat(), (n, a) => {
        const { tree, leaves } = treeOf(n);
        const m = 1 + (a % n);
        const proof = consistencyProof(tree, m, n);
        expect(proof).toEqual(refProof(m, leaves));
        expect(verifyConsistency({ size1: m, size2: n, root1: tree.root(m), root2: tree.root(), proof }).valid).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  const inclusionCase = fc
    .integer({ min: 1, max: 600 })
    .chain((n) => fc.record({ n: fc.constant(n), i: fc.integer({ min: 0, max: n - 1 }), bit: fc.nat(), pick: fc.nat(), delta: fc.integer({ min: 1, max: 64 }) }));

  it('any mutation of an inclusion proof hash, the index, the root or the proof length fails', () => {
    fc.assert(
      fc.property(inclusionCase, ({ n, i, bit, pick, delta }) => {
        const { tree, leaves } = treeOf(n, 1);
        const claim = { leafHash: leaves[i]!, index: i, size: n, proof: tree.inclusionProof(i), root: tree.root() };
        expect(verifyInclusion(claim).valid).toBe(true);
        if (claim.proof.length > 0) {
          const k = pick % claim.proof.length;
          const proof = claim.proof.map((h, j) => (j === k ? flipBit(h, bit) : h));
          expect(verifyInclusion({ ...claim, proof }).valid).toBe(false);
          expect(verifyInclusion({ ...claim, proof: claim.proof.slice(0, -1) }).valid).toBe(false);
          expect(verifyInclusion({ ...claim, proof: [...claim.proof].reverse() }).valid).toBe(claim.proof.length === 1 || claim.proof.every((h) => h === claim.proof[0]));
        }
        expect(verifyInclusion({ ...claim, proof: [...claim.proof, claim.root] }).valid).toBe(false);
        expect(verifyInclusion({ ...claim, leafHash: flipBit(claim.leafHash, bit) }).valid).toBe(false);
        expect(verifyInclusion({ ...claim, root: flipBit(claim.root, bit) }).valid).toBe(false);
        for (const j of [i + delta, i - delta, i ^ (1 << (bit % 10))]) {
          if (j !== i) expect(verifyInclusion({ ...claim, index: j }).valid).toBe(false);
        }
        for (const s of [n + delta, n - delta, n * 2, Math.floor(n / 2)]) {
          if (s === n) continue;
          const v = verifyInclusion({ ...claim, size: s });
          // A different size can only pass if the walk over the proof is identical.
          if (v.valid) expect(inclusionShape(i, s)).toBe(inclusionShape(i, n));
        }
      }),
      { numRuns: 300 },
    );
  });

  const consistencyCase = fc
    .integer({ min: 2, max: 600 })
    .chain((n) => fc.record({ n: fc.constant(n), m: fc.integer({ min: 1, max: n - 1 }), bit: fc.nat(), pick: fc.nat(), delta: fc.integer({ min: 1, max: 64 }) }));

  it('any mutation of a consistency proof hash, either root or either size fails', () => {
    fc.assert(
      fc.property(consistencyCase, ({ n, m, bit, pick, delta }) => {
        const { tree } = treeOf(n, 2);
        const claim = { size1: m, size2: n, root1: tree.root(m), root2: tree.root(), proof: tree.consistencyProof(m) };
        expect(verifyConsistency(claim).valid).toBe(true);
        const k = pick % claim.proof.length;
        expect(verifyConsistency({ ...claim, proof: claim.proof.map((h, j) => (j === k ? flipBit(h, bit) : h)) }).valid).toBe(false);
        expect(verifyConsistency({ ...claim, proof: claim.proof.slice(0, -1) }).valid).toBe(false);
        expect(verifyConsistency({ ...claim, proof: [...claim.proof, claim.root2] }).valid).toBe(false);
        expect(verifyConsistency({ ...claim, root1: flipBit(claim.root1, bit) }).valid).toBe(false);
        expect(verifyConsistency({ ...claim, root2: flipBit(claim.root2, bit) }).valid).toBe(false);
        for (const [s1, s2] of [
          [m + delta, n],
          [m - delta, n],
          [m, n + delta],
          [m, n - delta],
        ] as const) {
          if (s1 === m && s2 === n) continue;
          const v = verifyConsistency({ ...claim, size1: s1, size2: s2 });
          if (v.valid) expect(consistencyShape(s1, s2)).toBe(consistencyShape(m, n));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('InclusionBatch', () => {
  /** A claim as a bundle might carry it: honest, or altered in one of the ways a verifier must catch. */
  const claimCase = fc.record({
    i: fc.nat(),
    how: fc.constantFrom('honest', 'honest', 'honest', 'flip-proof', 'flip-leaf', 'short', 'long', 'index', 'swap', 'wrong-length', 'bigint'),
    bit: fc.nat(),
    pick: fc.nat(),
  });

  it('gives verifyInclusion’s verdict, reason and code, for every claim in any order, honest or altered', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.array(claimCase, { minLength: 1, maxLength: 120 }), fc.boolean(), (n, cases, sorted) => {
        const { tree, leaves } = treeOf(n, 3);
        const root = tree.root();
        const batch = new InclusionBatch(n, root);
        const ordered = sorted ? [...cases].sort((a, b) => (a.i % n) - (b.i % n)) : cases;
        for (const c of ordered) {
          const i = c.i % n;
          let leaf: Uint8Array = leaves[i]!;
          let index: number | bigint = i;
          let proof = tree.inclusionProof(i);
          const k = proof.length ? c.pick % proof.length : 0;
          if (c.how === 'flip-proof' && proof.length) proof = proof.map((h, j) => (j === k ? flipBit(h, c.bit) : h));
          if (c.how === 'flip-leaf') leaf = flipBit(leaf, c.bit);
          if (c.how === 'short') proof = proof.slice(0, -1);
          if (c.how === 'long') proof = [...proof, root];
          if (c.how === 'index') index = (i + 1 + (c.pick % n)) % (n + 1);
          if (c.how === 'swap' && proof.length > 1) proof = [...proof.slice(1), proof[0]!];
          if (c.how === 'wrong-length' && proof.length) proof = proof.map((h, j) => (j === k ? h.subarray(1) : h));
          if (c.how === 'bigint') index = BigInt(i);
          const want = verifyInclusion({ leafHash: leaf, index, size: n, proof, root });
          expect(batch.verify(leaf, index, proof)).toEqual(want);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('hashes a few nodes per leaf for a run of neighbouring leaves, not one per level', () => {
    const n = 4096;
    const { tree, leaves } = treeOf(n, 4);
    const batch = new InclusionBatch(n, tree.root());
    leaves.forEach((leaf, i) => expect(batch.verify(leaf, i, tree.inclusionProof(i)).valid).toBe(true));
    // A full check per leaf hashes 12 levels (49,152 in all); each leaf after the first settles within a step or two.
    expect(batch.hashes).toBeLessThan(2 * n);
    expect(batch.hashes).toBeGreaterThanOrEqual(n - 1);
  });
});
