import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppException } from '../util/app-exception';
import { toHex } from './encoding';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle';
import { LEDGER_LOG_PREFIXES, LEDGER_MIGRATION_SQL, ledgerMigrationSql, LOWEST_STORED_LEVEL, MerkleLog } from './merkle-log';
import { refPath, refProof, refRoot } from './rfc6962-reference';

const P = 'test_log';
let db: Database.Database;

beforeEach(() => {
  db = new Database(':memory:');
  db.exec(ledgerMigrationSql(P));
});
afterEach(() => db.close());

const data = (i: number, salt = '') => `event ${salt}${i}`;

describe('MerkleLog against the RFC 6962 reference', () => {
  it('roots, inclusion and consistency proofs match at every size', () => {
    const log = new MerkleLog(db, { prefix: P });
    const leaves: Uint8Array[] = [];
    expect(log.size).toBe(0);
    expect(toHex(log.root())).toBe(toHex(refRoot([])));
    for (let n = 1; n <= 70; n++) {
      const r = log.append(data(n - 1));
      leaves.push(r.leafHash);
      expect(r).toEqual({ index: n - 1, leafHash: leafHash(Buffer.from(data(n - 1))) });
      expect(log.root()).toEqual(refRoot(leaves));
      for (let i = 0; i < n; i++) expect(log.inclusionProof(i)).toEqual(refPath(i, leaves));
      for (let m = 1; m <= n; m++) expect(log.consistencyProof(m)).toEqual(refProof(m, leaves));
    }
  });

  it('historic roots and proofs for random sizes match and verify (property)', () => {
    const log = new MerkleLog(db, { prefix: P });
    const leaves = log.appendBatch(Array.from({ length: 1500 }, (_, i) => data(i))).map((r) => r.leafHash);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.nat(), fc.nat(), (size, a, b) => {
        const prefix = leaves.slice(0, size);
        const root = log.root(size);
        expect(root).toEqual(refRoot(prefix));
        const i = a % size;
        const proof = log.inclusionProof(i, size);
        expect(proof).toEqual(refPath(i, prefix));
        expect(verifyInclusion({ leafHash: leaves[i]!, index: i, size, proof, root }).valid).toBe(true);
        const m = 1 + (b % size);
        const cproof = log.consistencyProof(m, size);
        expect(cproof).toEqual(refProof(m, prefix));
        expect(verifyConsistency({ size1: m, size2: size, root1: log.root(m), root2: root, proof: cproof }).valid).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('batched and single appends give the same log', () => {
    const other = new Database(':memory:');
    other.exec(ledgerMigrationSql(P));
    try {
      const a = new MerkleLog(db, { prefix: P });
      const b = new MerkleLog(other, { prefix: P });
      const items = Array.from({ length: 333 }, (_, i) => (i % 3 === 0 ? Buffer.from([i & 255, 7]) : data(i)));
      const one = items.map((x) => a.append(x));
      const batched = [...b.appendBatch(items.slice(0, 100)), ...b.appendBatch(items.slice(100))];
      expect(batched).toEqual(one);
      expect(b.root()).toEqual(a.root());
      expect(b.entry(3).data).toEqual(Buffer.from([3, 7]));
      expect(b.entry(4).data).toEqual(Buffer.from(data(4)));
      expect(b.appendBatch([])).toEqual([]);
    } finally {
      other.close();
    }
  });

  it('hands out copies: mutating a returned hash cannot corrupt the log', () => {
    const log = new MerkleLog(db, { prefix: P });
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < 9; i++) {
      const r = log.append(data(i));
      leaves.push(Uint8Array.from(r.leafHash));
      r.leafHash.fill(0);
      log.root().fill(0);
      for (const h of log.inclusionProof(i)) h.fill(0);
    }
    expect(log.root()).toEqual(refRoot(leaves));
    expect(log.root(8)).toEqual(refRoot(leaves.slice(0, 8)));
  });

  it('stores leaf data and serves entries in order', () => {
    const log = new MerkleLog(db, { prefix: P });
    log.appendBatch(['a', 'b', 'c', 'd']);
    expect([...log.entries(1, 3)].map((e) => [e.index, Buffer.from(e.data).toString()])).toEqual([
      [1, 'b'],
      [2, 'c'],
    ]);
    expect(log.leafHash(2)).toEqual(leafHash(Buffer.from('c')));
  });
});

describe('remembered upper subtrees', () => {
  it('a proof handed out and then changed does not change the next one', () => {
    const log = new MerkleLog(db, { prefix: P });
    const leaves = log.appendBatch(Array.from({ length: 1100 }, (_, i) => data(i))).map((r) => r.leafHash);
    const first = log.inclusionProof(5);
    for (const h of first) h.fill(0);
    expect(log.inclusionProof(5)).toEqual(refPath(5, leaves));
    expect(log.inclusionProof(700)).toEqual(refPath(700, leaves));
  });

  it('an append rolled back in an enclosing transaction leaves nothing remembered behind', () => {
    const log = new MerkleLog(db, { prefix: P });
    const leaves = log.appendBatch(Array.from({ length: 600 }, (_, i) => data(i))).map((r) => r.leafHash);
    expect(() =>
      db.transaction(() => {
        log.appendBatch(Array.from({ length: 600 }, (_, i) => data(i, 'doomed ')));
        // Read upper subtrees of the doomed leaves (level 8 and 9 cover 256 and 512 leaves).
        log.inclusionProof(1100);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    leaves.push(...log.appendBatch(Array.from({ length: 600 }, (_, i) => data(600 + i))).map((r) => r.leafHash));
    expect(log.root()).toEqual(refRoot(leaves));
    for (const i of [0, 599, 600, 1100, 1199]) expect(log.inclusionProof(i)).toEqual(refPath(i, leaves));
    expect(log.consistencyProof(700)).toEqual(refProof(700, leaves));
  });
});

describe('logs written when every level was stored', () => {
  /** The level 1-3 rows the earlier format wrote for every complete subtree of the first `n` leaves. */
  function writeLowLevels(leaves: Uint8Array[], n: number): number {
    const insert = db.prepare(`INSERT INTO ${P}_nodes (level, idx, hash) VALUES (?, ?, ?)`);
    let rows = 0;
    for (let level = 1; level < LOWEST_STORED_LEVEL; level++) {
      const width = 2 ** level;
      for (let idx = 0; (idx + 1) * width <= n; idx++) {
        insert.run(level, idx, refRoot(leaves.slice(idx * width, (idx + 1) * width)));
        rows++;
      }
    }
    return rows;
  }

  it('read, prove and verify the same, before and after new appends without the lower rows', () => {
    const log = new MerkleLog(db, { prefix: P });
    const leaves = log.appendBatch(Array.from({ length: 100 }, (_, i) => data(i))).map((r) => r.leafHash);
    const rows = writeLowLevels(leaves, 100);
    expect(rows).toBe(50 + 25 + 12);
    expect(log.verifyIntegrity()).toMatchObject({ valid: true });
    leaves.push(...log.appendBatch(Array.from({ length: 37 }, (_, i) => data(100 + i))).map((r) => r.leafHash));
    expect(log.verifyIntegrity()).toMatchObject({ valid: true });
    const reopened = new MerkleLog(db, { prefix: P });
    expect(reopened.root()).toEqual(refRoot(leaves));
    for (const i of [0, 5, 63, 99, 100, 136]) expect(reopened.inclusionProof(i)).toEqual(refPath(i, leaves));
    for (const m of [1, 7, 64, 100, 101]) expect(reopened.consistencyProof(m)).toEqual(refProof(m, leaves));
  });

  it('a wrong lower row is still found', () => {
    const log = new MerkleLog(db, { prefix: P });
    const leaves = log.appendBatch(Array.from({ length: 48 }, (_, i) => data(i))).map((r) => r.leafHash);
    writeLowLevels(leaves, 48);
    db.exec(`DROP TRIGGER ${P}_nodes_no_update`);
    db.exec(`UPDATE ${P}_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 5`);
    expect(log.verifyIntegrity()).toMatchObject({ valid: false, code: 'storage-mismatch', reason: expect.stringMatching(/level 2, index 5 is wrong/) });
  });

  it('a missing leaf under a folded subtree is reported as damage, not hashed around', () => {
    const log = new MerkleLog(db, { prefix: P });
    log.appendBatch(Array.from({ length: 24 }, (_, i) => data(i)));
    db.exec(`DROP TRIGGER ${P}_leaves_no_delete`);
    db.exec(`DELETE FROM ${P}_leaves WHERE idx = 18`);
    expect(() => log.inclusionProof(3)).toThrow(/missing leaves of the subtree at level 3, index 2: the log is damaged/);
  });
});

describe('durability and concurrency', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-ledger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a reopened log continues where it stopped', () => {
    const file = join(dir, 'ledger.db');
    const d1 = new Database(file);
    d1.exec(ledgerMigrationSql(P));
    const first = new MerkleLog(d1, { prefix: P });
    first.appendBatch(Array.from({ length: 37 }, (_, i) => data(i)));
    const root37 = first.root();
    d1.close();

    const d2 = new Database(file);
    try {
      const again = new MerkleLog(d2, { prefix: P });
      expect(again.size).toBe(37);
      expect(again.root()).toEqual(root37);
      const leaves = [...again.entries()].map((e) => e.leafHash);
      for (let i = 37; i < 80; i++) leaves.push(again.append(data(i)).leafHash);
      expect(again.root()).toEqual(refRoot(leaves));
      expect(verifyConsistency({ size1: 37, size2: 80, root1: root37, root2: again.root(), proof: again.consistencyProof(37) }).valid).toBe(true);
    } finally {
      d2.close();
    }
  });

  it('two writers on one database stay consistent', () => {
    const a = new MerkleLog(db, { prefix: P });
    const b = new MerkleLog(db, { prefix: P });
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < 50; i++) leaves.push((i % 3 ? a : b).append(data(i)).leafHash);
    expect(a.root()).toEqual(refRoot(leaves));
    expect(b.root()).toEqual(refRoot(leaves));
  });

  it('an enclosing transaction that rolls back leaves no trace, and the cache recovers', () => {
    const log = new MerkleLog(db, { prefix: P });
    log.appendBatch(['a', 'b', 'c']);
    const root3 = log.root();
    expect(() =>
      db.transaction(() => {
        log.append('d');
        expect(log.size).toBe(4);
        throw new Error('custody record failed');
      })(),
    ).toThrow('custody record failed');
    expect(log.size).toBe(3);
    expect(log.root()).toEqual(root3);
    // Same size as the rolled-back state but a different last leaf: still detected.
    const other = new MerkleLog(db, { prefix: P });
    other.append('e');
    expect(log.root()).toEqual(refRoot(['a', 'b', 'c', 'e'].map((s) => leafHash(Buffer.from(s)))));
    expect(log.verifyIntegrity().valid).toBe(true);
  });

  it('a batch with a bad item appends nothing', () => {
    const log = new MerkleLog(db, { prefix: P });
    log.append('a');
    const root = log.root();
    expect(() => log.appendBatch(['b', 42 as unknown as string, 'c'])).toThrow(AppException);
    expect(log.size).toBe(1);
    expect(log.root()).toEqual(root);
    expect(log.append('b').index).toBe(1);
  });
});

describe('append-only enforcement', () => {
  function filled(): MerkleLog {
    const log = new MerkleLog(db, { prefix: P });
    // 40 leaves: stored subtrees at level 4 (two) and level 5 (one).
    log.appendBatch(Array.from({ length: 40 }, (_, i) => data(i)));
    return log;
  }

  it.each([
    ['UPDATE leaf data', `UPDATE ${P}_leaves SET data = x'00' WHERE idx = 3`],
    ['UPDATE leaf hash', `UPDATE ${P}_leaves SET leaf_hash = zeroblob(32) WHERE idx = 3`],
    ['DELETE a leaf', `DELETE FROM ${P}_leaves WHERE idx = 39`],
    ['DELETE all leaves', `DELETE FROM ${P}_leaves`],
    ['REPLACE a leaf', `INSERT OR REPLACE INTO ${P}_leaves (idx, leaf_hash, data) VALUES (2, zeroblob(32), x'00')`],
    ['UPSERT a leaf', `INSERT INTO ${P}_leaves (idx, leaf_hash, data) VALUES (2, zeroblob(32), x'00') ON CONFLICT(idx) DO UPDATE SET data = excluded.data`],
    ['skip an index', `INSERT INTO ${P}_leaves (idx, leaf_hash, data) VALUES (9, zeroblob(32), x'00')`],
    ['insert without an index', `INSERT INTO ${P}_leaves (leaf_hash, data) VALUES (zeroblob(32), x'00')`],
    ['UPDATE a subtree hash', `UPDATE ${P}_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 0`],
    ['DELETE a subtree hash', `DELETE FROM ${P}_nodes WHERE level = 5`],
    ['DELETE all subtree hashes', `DELETE FROM ${P}_nodes`],
    ['REPLACE a subtree hash', `INSERT OR REPLACE INTO ${P}_nodes (level, idx, hash) VALUES (4, 1, zeroblob(32))`],
  ])('the database refuses: %s', (_what, sql) => {
    const log = filled();
    const root = log.root();
    expect(() => db.exec(sql)).toThrow(/append-only|constraint/i);
    expect(log.root()).toEqual(root);
    expect(log.verifyIntegrity().valid).toBe(true);
  });

  it('the class has no way to change or remove an entry', () => {
    const api = Object.getOwnPropertyNames(MerkleLog.prototype);
    expect(api.filter((n) => /update|delete|remove|truncate|set|replace|clear/i.test(n))).toEqual([]);
  });

  it('verifyIntegrity finds edits made with the triggers dropped', () => {
    const log = filled();
    expect(log.verifyIntegrity()).toMatchObject({ valid: true });
    db.exec(`DROP TRIGGER ${P}_leaves_no_update`);
    db.exec(`UPDATE ${P}_leaves SET data = x'01' WHERE idx = 5`);
    expect(log.verifyIntegrity()).toMatchObject({ valid: false, code: 'storage-mismatch' });

    db.exec(`UPDATE ${P}_leaves SET data = CAST('${data(5)}' AS BLOB) WHERE idx = 5`);
    expect(log.verifyIntegrity().valid).toBe(true);
    db.exec(`DROP TRIGGER ${P}_nodes_no_update`);
    db.exec(`UPDATE ${P}_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 1`);
    expect(log.verifyIntegrity()).toMatchObject({ valid: false, code: 'storage-mismatch' });
  });

  it('verifyIntegrity finds a subtree row below the stored levels that the log never wrote', () => {
    const log = filled();
    // No trigger stops a new row where none exists; the integrity check counts and checks every row.
    db.exec(`INSERT INTO ${P}_nodes (level, idx, hash) VALUES (1, 3, zeroblob(32))`);
    expect(log.verifyIntegrity()).toMatchObject({ valid: false, code: 'storage-mismatch' });
  });

  it('refuses to open a log whose tables or triggers are missing', () => {
    expect(() => new MerkleLog(db, { prefix: 'other_log' })).toThrow(/not set up/);
    db.exec(`DROP TRIGGER ${P}_nodes_no_delete`);
    expect(() => new MerkleLog(db, { prefix: P })).toThrow(/test_log_nodes_no_delete/);
  });

  it('refuses prefixes that are not plain identifiers', () => {
    for (const bad of ['', 'Log', '1log', 'log; DROP TABLE x', 'a-b', 'x'.repeat(41)]) {
      expect(() => ledgerMigrationSql(bad)).toThrow(AppException);
      expect(() => new MerkleLog(db, { prefix: bad })).toThrow(AppException);
    }
  });
});

describe('separate logs in one database', () => {
  it('LEDGER_MIGRATION_SQL creates independent custody and audit logs', () => {
    const app = new Database(':memory:');
    try {
      app.exec(LEDGER_MIGRATION_SQL);
      const custody = new MerkleLog(app, { prefix: LEDGER_LOG_PREFIXES.custody });
      const audit = new MerkleLog(app, { prefix: LEDGER_LOG_PREFIXES.audit });
      custody.appendBatch(['c0', 'c1', 'c2']);
      audit.append('a0');
      expect(custody.size).toBe(3);
      expect(audit.size).toBe(1);
      expect(audit.root()).toEqual(leafHash(Buffer.from('a0')));
      expect(custody.verifyIntegrity().valid).toBe(true);
      expect(audit.verifyIntegrity().valid).toBe(true);
    } finally {
      app.close();
    }
  });
});

describe('argument checks', () => {
  it('rejects out-of-range indexes and sizes with invalid_request', () => {
    const log = new MerkleLog(db, { prefix: P });
    log.appendBatch(['a', 'b', 'c']);
    for (const f of [
      () => log.inclusionProof(3),
      () => log.inclusionProof(-1),
      () => log.inclusionProof(0, 4),
      () => log.inclusionProof(0.5),
      () => log.root(4),
      () => log.consistencyProof(0),
      () => log.consistencyProof(3, 2),
      () => log.entry(3),
    ]) {
      expect(f).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    }
  });

  it('checkpoint() states the current or a historic tree head', () => {
    const log = new MerkleLog(db, { prefix: P });
    log.appendBatch(['a', 'b', 'c']);
    expect(log.checkpoint('example.com/log')).toEqual({ origin: 'example.com/log', size: 3, rootHash: log.root(), extensions: [] });
    expect(log.checkpoint('example.com/log', 2).rootHash).toEqual(log.root(2));
  });
});

describe('scale', () => {
  it('keeps one subtree row per 16 leaves and proofs cheap at 100k leaves', () => {
    const log = new MerkleLog(db, { prefix: P });
    const n = 100_000;
    for (let start = 0; start < n; start += 10_000) log.appendBatch(Array.from({ length: 10_000 }, (_, i) => data(start + i)));
    expect(log.size).toBe(n);
    // One row per complete subtree of 16 or more leaves: Σ over levels ≥ 4 of ⌊n / 2^level⌋.
    let expected = 0;
    for (let level = LOWEST_STORED_LEVEL; 2 ** level <= n; level++) expected += Math.floor(n / 2 ** level);
    expect(expected).toBe(12_494);
    expect(db.prepare(`SELECT COUNT(*) FROM ${P}_nodes`).pluck().get()).toBe(expected);
    const root = log.root();
    const lookups = vi.spyOn(log, 'perfectSubtree');
    for (let k = 0; k < 200; k++) {
      const i = (k * 7919) % n;
      lookups.mockClear();
      const proof = log.inclusionProof(i);
      // O(log n) lookups, never a pass over the leaves: log2(100k) ≈ 17.
      expect(lookups.mock.calls.length).toBeGreaterThan(0);
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(2 * 17 + 1);
      expect(verifyInclusion({ leafHash: log.leafHash(i), index: i, size: n, proof, root }).valid).toBe(true);
      const m = 1 + ((k * 104729) % n);
      lookups.mockClear();
      log.consistencyProof(m);
      log.root(m);
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(4 * 17 + 2);
    }
  });
});
