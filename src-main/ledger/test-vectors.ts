/**
 * Test support: loads the shared RFC 6962/9162 and C2SP vector set from
 * ../shared/reference/merkle/vectors.json (relative to the repository root,
 * where tests run). It is read in place, never copied into the repository.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const VECTORS_PATH = resolve(process.cwd(), '../shared/reference/merkle/vectors.json');

type Expect = 'valid' | 'invalid';

export interface InclusionVector {
  id: string;
  tree?: string;
  /** bigint: one upstream probe uses 2^64 − 1, which a JSON number cannot hold. */
  leaf_index: bigint;
  tree_size: bigint;
  leaf_hash: string;
  proof: string[];
  root: string;
  expect: Expect;
}

export interface ConsistencyVector {
  id: string;
  tree?: string;
  size1: bigint;
  size2: bigint;
  root1: string;
  root2: string;
  proof: string[];
  expect: Expect;
}

export interface Vectors {
  hasher: { what: string; fn: 'sha256' | 'leaf_hash' | 'node_hash'; input_hex?: string; left_hex?: string; right_hex?: string; want: string }[];
  trees: {
    std8: { leaf_data_hex: string[]; leaf_hashes: string[]; perfect_subtree_hashes_by_level: string[][]; roots: Record<string, string> };
  };
  inclusion: InclusionVector[];
  consistency: ConsistencyVector[];
  policy_dependent: (Omit<ConsistencyVector, 'expect'> & { expect_by_policy: { strict: Expect } & Record<string, Expect> })[];
  signed_notes: { id: string; vkeys: string[]; skey?: string; note: string; expect: Expect; verified_signers?: string[] }[];
  checkpoints: {
    id: string;
    origin: string;
    tree_size: bigint;
    root: string;
    vkeys: string[];
    skey_for_tests_only: string;
    signed_checkpoint: string;
    expect: Expect;
  }[];
  tlog_proofs: { id: string; leaf_index: bigint; leaf_data_hex: string; leaf_hash: string; origin: string; vkeys: string[]; proof_text: string; expect: Expect }[];
}

const BIG_FIELDS = ['leaf_index', 'tree_size', 'size1', 'size2'];

export function loadVectors(): Vectors {
  const text = readFileSync(VECTORS_PATH, 'utf8');
  // Quote these integer fields before JSON.parse so none loses precision,
  // then turn them into bigints.
  const quoted = text.replace(new RegExp(`"(${BIG_FIELDS.join('|')})"(\\s*):(\\s*)(\\d+)`, 'g'), '"$1"$2:$3"$4"');
  return JSON.parse(quoted, (key, value: unknown) => (BIG_FIELDS.includes(key) && typeof value === 'string' ? BigInt(value) : value)) as Vectors;
}
