/**
 * An in-memory Merkle tree with the same interface and algorithms as the
 * SQLite-backed MerkleLog: every perfect subtree hash is kept, so roots and
 * proofs at any size are O(log n). For building or checking small trees
 * (exports, tests, tools); durable logs use MerkleLog.
 */
import { consistencyProof, HASH_SIZE, inclusionProof, leafHash, nodeHash, treeRoot, type SubtreeSource } from './merkle';

export class MemoryMerkleTree implements SubtreeSource {
  /** levels[l][i] is the perfect subtree at level l, index i; levels[0] are the leaf hashes. */
  private readonly levels: Uint8Array[][] = [[]];

  get size(): number {
    return (this.levels[0] as Uint8Array[]).length;
  }

  append(data: Uint8Array): number {
    return this.appendLeafHash(leafHash(data));
  }

  /** Appends an already hashed leaf and returns its index. */
  appendLeafHash(leaf: Uint8Array): number {
    if (leaf.byteLength !== HASH_SIZE) throw new RangeError(`a leaf hash is ${HASH_SIZE} bytes, got ${leaf.byteLength}`);
    let h: Uint8Array = Buffer.from(leaf); // our own copy: the caller may reuse theirs
    const index = this.size;
    (this.levels[0] as Uint8Array[]).push(h);
    let i = index;
    let level = 0;
    while (i % 2 === 1) {
      const left = (this.levels[level] as Uint8Array[])[i - 1] as Uint8Array;
      h = nodeHash(left, h);
      level++;
      i = (i - 1) / 2;
      (this.levels[level] ??= [])[i] = h;
    }
    return index;
  }

  perfectSubtree(level: number, index: number): Uint8Array {
    const h = this.levels[level]?.[index];
    if (!h) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return h;
  }

  leafHash(index: number): Uint8Array {
    return Buffer.from(this.perfectSubtree(0, index));
  }

  root(size = this.size): Uint8Array {
    this.checkSize(size);
    return treeRoot(this, size);
  }

  inclusionProof(index: number, size = this.size): Uint8Array[] {
    this.checkSize(size);
    return inclusionProof(this, index, size);
  }

  consistencyProof(size1: number, size2 = this.size): Uint8Array[] {
    this.checkSize(size2);
    return consistencyProof(this, size1, size2);
  }

  private checkSize(size: number): void {
    if (!(Number.isSafeInteger(size) && size >= 0 && size <= this.size)) {
      throw new RangeError(`tree size ${size} is outside 0..${this.size}`);
    }
  }
}
