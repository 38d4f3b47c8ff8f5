/**
 * MerkleLog: an append-only RFC 9162 log stored in SQLite. It owns two
 * tables per log (`<prefix>_leaves`, `<prefix>_nodes`) and the triggers that
 * make them append-only, so custody and audit each get their own log in the
 * one application database.
 *
 * Every complete perfect subtree of 16 or more leaves has its hash stored
 * when it completes (one node row per 16 leaves); a smaller one is folded
 * from its at most 8 stored leaf hashes when a proof needs it. So a root at
 * any size and any inclusion or consistency proof needs O(log n) indexed
 * lookups, never a pass over the leaves, while an append writes one leaf row
 * and, on average, a sixteenth of a node row. (Logs written before the
 * lower levels were dropped keep their level 1-3 rows; they are checked by
 * verifyIntegrity and otherwise not read.) The right edge of the tree (the
 * "frontier") is kept in memory to make appends O(1) amortised hashes.
 *
 * There is deliberately no update or delete method, and the triggers refuse
 * UPDATE, DELETE, REPLACE and out-of-order INSERT from any other code path.
 * Someone with raw write access can still drop the triggers; what makes the
 * log tamper-evident is that its roots are signed into checkpoints
 * (checkpoint.ts) that auditors keep, and verifyIntegrity() re-derives every
 * stored hash from the stored data.
 */
import type Database from 'better-sqlite3';
import { AppException } from '../util/app-exception';
import type { Checkpoint } from './checkpoint';
import { bytesEqual, utf8 } from './encoding';
import {
  consistencyProof,
  decompose,
  fail,
  foldRight,
  inclusionProof,
  leafHash,
  nodeHash,
  ok,
  treeRoot,
  type SubtreeSource,
  type Verdict,
} from './merkle';

/** Leaf bytes; a string is hashed and stored as its UTF-8 encoding. */
export type LeafData = Uint8Array | string;

export interface AppendResult {
  index: number;
  leafHash: Uint8Array;
}

export interface LogEntry {
  index: number;
  leafHash: Uint8Array;
  data: Uint8Array;
}

/** The two logs Cairn keeps; the generic module knows their names only to create their tables. */
export const LEDGER_LOG_PREFIXES = { custody: 'ledger_custody', audit: 'ledger_audit' } as const;

// Interpolated into SQL, so only identifier characters.
const PREFIX = /^[a-z][a-z0-9_]{0,39}$/;

function checkPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) throw new AppException('invalid_request', `ledger table prefix "${prefix}" must match ${PREFIX.source}`, { field: 'prefix' });
}

/** The tables and triggers of one log. Idempotent only in the sense that a migration runs once. */
export function ledgerMigrationSql(prefix: string): string {
  checkPrefix(prefix);
  const p = prefix;
  return `
      -- ${p}: an append-only Merkle log (src-main/ledger). Leaf i is row idx = i;
      -- leaf_hash = SHA-256(0x00 || data).
      CREATE TABLE ${p}_leaves (
        idx INTEGER PRIMARY KEY CHECK (idx >= 0),
        leaf_hash BLOB NOT NULL CHECK (typeof(leaf_hash) = 'blob' AND length(leaf_hash) = 32),
        data BLOB NOT NULL CHECK (typeof(data) = 'blob')
      );
      -- Complete perfect subtrees above the leaves: (level, idx) covers leaves
      -- [idx * 2^level, (idx + 1) * 2^level). Written once, when complete.
      CREATE TABLE ${p}_nodes (
        level INTEGER NOT NULL CHECK (level >= 1),
        idx INTEGER NOT NULL CHECK (idx >= 0),
        hash BLOB NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32),
        PRIMARY KEY (level, idx)
      ) WITHOUT ROWID;
      -- Leaves arrive in order with no gaps; this also stops INSERT OR REPLACE,
      -- which would otherwise delete the old row without firing a DELETE trigger.
      CREATE TRIGGER ${p}_leaves_in_order BEFORE INSERT ON ${p}_leaves
        WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM ${p}_leaves)
        BEGIN SELECT RAISE(ABORT, '${p}_leaves is append-only: leaves are added at the next index'); END;
      CREATE TRIGGER ${p}_leaves_no_update BEFORE UPDATE ON ${p}_leaves
        BEGIN SELECT RAISE(ABORT, '${p}_leaves is append-only: rows are never updated'); END;
      CREATE TRIGGER ${p}_leaves_no_delete BEFORE DELETE ON ${p}_leaves
        BEGIN SELECT RAISE(ABORT, '${p}_leaves is append-only: rows are never deleted'); END;
      CREATE TRIGGER ${p}_nodes_write_once BEFORE INSERT ON ${p}_nodes
        WHEN EXISTS (SELECT 1 FROM ${p}_nodes WHERE level = NEW.level AND idx = NEW.idx)
        BEGIN SELECT RAISE(ABORT, '${p}_nodes is append-only: a subtree hash is written once'); END;
      CREATE TRIGGER ${p}_nodes_no_update BEFORE UPDATE ON ${p}_nodes
        BEGIN SELECT RAISE(ABORT, '${p}_nodes is append-only: rows are never updated'); END;
      CREATE TRIGGER ${p}_nodes_no_delete BEFORE DELETE ON ${p}_nodes
        BEGIN SELECT RAISE(ABORT, '${p}_nodes is append-only: rows are never deleted'); END;
`;
}

/** For the app's numbered migrations: the custody and the audit log. */
export const LEDGER_MIGRATION_SQL = ledgerMigrationSql(LEDGER_LOG_PREFIXES.custody) + ledgerMigrationSql(LEDGER_LOG_PREFIXES.audit);

/**
 * Subtrees below this level (fewer than 16 leaves) are not stored: writing
 * their rows cost about as much as the leaf rows themselves, and folding up
 * to 8 leaf hashes read in one range scan is as quick as looking one up.
 */
export const LOWEST_STORED_LEVEL = 4;

/**
 * Subtrees of 256 or more leaves are remembered once read: every proof in a
 * bundle climbs through the same few upper subtrees, and a stored subtree
 * never changes (the memory is dropped whenever the log is re-read, as after
 * a rolled-back append). At most one entry per 256 leaves, and a bounded map.
 */
const CACHED_FROM_LEVEL = 8;
const MAX_CACHED_SUBTREES = 65_536;

const TRIGGER_SUFFIXES = ['leaves_in_order', 'leaves_no_update', 'leaves_no_delete', 'nodes_write_once', 'nodes_no_update', 'nodes_no_delete'];

function leafHashOf(out: readonly AppendResult[]): Uint8Array | undefined {
  const last = out[out.length - 1];
  return last && Buffer.from(last.leafHash);
}

function toBytes(data: LeafData, i: number): Uint8Array {
  if (typeof data === 'string') return utf8(data);
  if (data instanceof Uint8Array) return data;
  throw new AppException('invalid_request', `leaf ${i} must be a Uint8Array or a string`, { field: 'data' });
}

export class MerkleLog implements SubtreeSource {
  readonly prefix: string;
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly appendTx;
  // Cached right edge of the tree; re-read whenever the database disagrees
  // (another writer, or an enclosing transaction that rolled back).
  private cachedSize = 0;
  private lastLeaf: Uint8Array | undefined;
  private frontier: Uint8Array[] = [];
  /** Upper subtree hashes read so far, by level · 2^40 + index. */
  private readonly upper = new Map<number, Uint8Array>();

  constructor(db: Database.Database, options: { prefix: string }) {
    checkPrefix(options.prefix);
    const p = options.prefix;
    this.db = db;
    this.prefix = p;
    const have = new Set(
      db
        .prepare(`SELECT name FROM sqlite_master WHERE name IN (${['leaves', 'nodes', ...TRIGGER_SUFFIXES].map(() => '?').join(',')})`)
        .pluck()
        .all(...['leaves', 'nodes', ...TRIGGER_SUFFIXES].map((s) => `${p}_${s}`)) as string[],
    );
    const missing = ['leaves', 'nodes', ...TRIGGER_SUFFIXES].filter((s) => !have.has(`${p}_${s}`));
    if (missing.length) {
      throw new Error(`ledger "${p}" is not set up (missing ${missing.map((s) => `${p}_${s}`).join(', ')}); run ledgerMigrationSql('${p}') as a migration first`);
    }
    this.stmts = {
      last: db.prepare(`SELECT idx, leaf_hash FROM ${p}_leaves ORDER BY idx DESC LIMIT 1`).raw(),
      leafHash: db.prepare(`SELECT leaf_hash FROM ${p}_leaves WHERE idx = ?`).pluck(),
      entry: db.prepare(`SELECT idx, leaf_hash, data FROM ${p}_leaves WHERE idx = ?`).raw(),
      entries: db.prepare(`SELECT idx, leaf_hash, data FROM ${p}_leaves WHERE idx >= ? AND idx < ? ORDER BY idx`).raw(),
      leafHashes: db.prepare(`SELECT leaf_hash FROM ${p}_leaves WHERE idx >= ? AND idx < ? ORDER BY idx`).pluck(),
      node: db.prepare(`SELECT hash FROM ${p}_nodes WHERE level = ? AND idx = ?`).pluck(),
      nodeCount: db.prepare(`SELECT COUNT(*) FROM ${p}_nodes`).pluck(),
      lowNodeCount: db.prepare(`SELECT COUNT(*) FROM ${p}_nodes WHERE level < ${LOWEST_STORED_LEVEL}`).pluck(),
      insertLeaf: db.prepare(`INSERT INTO ${p}_leaves (idx, leaf_hash, data) VALUES (?, ?, ?)`),
      insertNode: db.prepare(`INSERT INTO ${p}_nodes (level, idx, hash) VALUES (?, ?, ?)`),
    };
    this.appendTx = db.transaction((items: readonly LeafData[]) => {
      this.sync();
      const frontier = [...this.frontier];
      let size = this.cachedSize;
      const out: AppendResult[] = [];
      for (let n = 0; n < items.length; n++) {
        const data = toBytes(items[n] as LeafData, n);
        const lh = leafHash(data);
        this.stmts.insertLeaf.run(size, lh, data);
        let h: Uint8Array = lh;
        let i = size;
        let level = 0;
        while (i % 2 === 1) {
          h = nodeHash(frontier.pop() as Uint8Array, h);
          level++;
          i = (i - 1) / 2;
          if (level >= LOWEST_STORED_LEVEL) this.stmts.insertNode.run(level, i, h);
        }
        frontier.push(h);
        out.push({ index: size, leafHash: Buffer.from(lh) }); // a copy: lh may be in the frontier
        size++;
      }
      return { out, frontier, size, lastLeaf: leafHashOf(out) };
    });
    this.sync();
  }

  /** The number of leaves. */
  get size(): number {
    this.sync();
    return this.cachedSize;
  }

  append(data: LeafData): AppendResult {
    return this.appendBatch([data])[0] as AppendResult;
  }

  /**
   * Appends in one transaction (a savepoint when the caller already has one
   * open, so a custody record and its log entry can commit together).
   */
  appendBatch(items: readonly LeafData[]): AppendResult[] {
    if (items.length === 0) return [];
    const { out, frontier, size, lastLeaf } = this.db.inTransaction ? this.appendTx(items) : this.appendTx.immediate(items);
    this.frontier = frontier;
    this.cachedSize = size;
    this.lastLeaf = lastLeaf;
    return out;
  }

  perfectSubtree(level: number, index: number): Uint8Array {
    if (level > 0 && level < LOWEST_STORED_LEVEL) return this.foldLeaves(level, index);
    const key = level >= CACHED_FROM_LEVEL ? level * 2 ** 40 + index : -1;
    const cached = key >= 0 ? this.upper.get(key) : undefined;
    // A copy: a caller may change the proof it was handed.
    if (cached) return Buffer.from(cached);
    const h = (level === 0 ? this.stmts.leafHash.get(index) : this.stmts.node.get(level, index)) as Buffer | undefined;
    if (!h) throw new Error(`ledger "${this.prefix}" has no subtree hash at level ${level}, index ${index}: the log is damaged`);
    if (key >= 0) {
      if (this.upper.size >= MAX_CACHED_SUBTREES) this.upper.clear();
      this.upper.set(key, Buffer.from(h));
    }
    return h;
  }

  /** A subtree below the stored levels, hashed up from its leaves' stored hashes. */
  private foldLeaves(level: number, index: number): Uint8Array {
    const width = 2 ** level;
    let row = this.stmts.leafHashes.all(index * width, (index + 1) * width) as Uint8Array[];
    if (row.length !== width) throw new Error(`ledger "${this.prefix}" is missing leaves of the subtree at level ${level}, index ${index}: the log is damaged`);
    while (row.length > 1) {
      const up: Uint8Array[] = [];
      for (let k = 0; k < row.length; k += 2) up.push(nodeHash(row[k] as Uint8Array, row[k + 1] as Uint8Array));
      row = up;
    }
    return row[0] as Uint8Array;
  }

  leafHash(index: number): Uint8Array {
    this.checkIndex(index, this.size);
    return this.perfectSubtree(0, index);
  }

  entry(index: number): LogEntry {
    this.checkIndex(index, this.size);
    const row = this.stmts.entry.get(index) as [number, Buffer, Buffer];
    return { index: row[0], leafHash: row[1], data: row[2] };
  }

  /** Entries [from, to) in index order, streamed. */
  *entries(from = 0, to = this.size): IterableIterator<LogEntry> {
    for (const row of this.stmts.entries.iterate(from, to) as IterableIterator<[number, Buffer, Buffer]>) {
      yield { index: row[0], leafHash: row[1], data: row[2] };
    }
  }

  /** The root hash at `size` (default: now). Historic roots cost O(log n) lookups. */
  root(size?: number): Uint8Array {
    const current = this.size;
    const s = size ?? current;
    this.checkSize(s, current, 'size');
    return s === current ? foldRight(this.frontier) : treeRoot(this, s);
  }

  /** The audit path for leaf `index` in the tree of `size` leaves (default: now), leaf side first. */
  inclusionProof(index: number, size?: number): Uint8Array[] {
    const current = this.size;
    const s = size ?? current;
    this.checkSize(s, current, 'size');
    this.checkIndex(index, s);
    return inclusionProof(this, index, s);
  }

  /** Proof that the tree of `size1` leaves is a prefix of the tree of `size2` (default: now). */
  consistencyProof(size1: number, size2?: number): Uint8Array[] {
    const current = this.size;
    const s2 = size2 ?? current;
    this.checkSize(s2, current, 'size2');
    if (!(Number.isSafeInteger(size1) && size1 >= 1 && size1 <= s2)) {
      throw new AppException('invalid_request', `size1 must be between 1 and ${s2}, got ${size1}`, { field: 'size1' });
    }
    return consistencyProof(this, size1, s2);
  }

  /** The unsigned checkpoint body for this log at `size` (default: now); sign it with checkpoint.ts. */
  checkpoint(origin: string, size?: number, extensions: readonly string[] = []): Checkpoint {
    const s = size ?? this.size;
    return { origin, size: s, rootHash: this.root(s), extensions: [...extensions] };
  }

  /**
   * Re-derives every stored hash from the stored leaf data: O(n), for audits
   * and after restoring a backup. Catches edits made with the triggers dropped.
   */
  verifyIntegrity(): Verdict {
    const size = this.size;
    const frontier: Uint8Array[] = [];
    // Rows below the stored levels exist only in logs written before they were dropped; each must still be right.
    const checkLow = (this.stmts.lowNodeCount.get() as number) > 0;
    let nodes = 0;
    let expected = 0;
    for (const e of this.entries(0, size)) {
      if (e.index !== expected) return fail('storage-mismatch', `leaf ${expected} is missing`);
      expected++;
      let h: Uint8Array = leafHash(e.data);
      if (!bytesEqual(h, e.leafHash)) return fail('storage-mismatch', `leaf ${e.index}: the stored leaf hash does not match its data`);
      let i = e.index;
      let level = 0;
      while (i % 2 === 1) {
        h = nodeHash(frontier.pop() as Uint8Array, h);
        level++;
        i = (i - 1) / 2;
        if (level < LOWEST_STORED_LEVEL && !checkLow) continue;
        const stored = this.stmts.node.get(level, i) as Buffer | undefined;
        if (level < LOWEST_STORED_LEVEL && !stored) continue;
        if (!stored || !bytesEqual(stored, h)) return fail('storage-mismatch', `subtree at level ${level}, index ${i} is ${stored ? 'wrong' : 'missing'}`);
        nodes++;
      }
      frontier.push(h);
    }
    if (expected !== size) return fail('storage-mismatch', `expected ${size} leaves, found ${expected}`);
    const stored = this.stmts.nodeCount.get() as number;
    if (stored !== nodes) return fail('storage-mismatch', `expected ${nodes} subtree rows, found ${stored}`);
    if (!bytesEqual(foldRight(frontier), foldRight(this.frontier))) return fail('storage-mismatch', 'the recomputed root differs from the cached root');
    return ok(`all ${size} leaves and ${nodes} subtree hashes match the stored data`);
  }

  private sync(): void {
    const last = this.stmts.last.get() as [number, Buffer] | undefined;
    const size = last ? last[0] + 1 : 0;
    const lastLeaf = last?.[1];
    if (size === this.cachedSize && (lastLeaf === undefined ? this.lastLeaf === undefined : this.lastLeaf !== undefined && bytesEqual(lastLeaf, this.lastLeaf))) return;
    this.upper.clear();
    this.frontier = decompose(0, size).map(({ level, index }) => this.perfectSubtree(level, index));
    this.cachedSize = size;
    this.lastLeaf = lastLeaf;
  }

  private checkSize(size: number, current: number, field: string): void {
    if (!(Number.isSafeInteger(size) && size >= 0 && size <= current)) {
      throw new AppException('invalid_request', `${field} must be between 0 and ${current}, got ${size}`, { field });
    }
  }

  private checkIndex(index: number, size: number): void {
    if (!(Number.isSafeInteger(index) && index >= 0 && index < size)) {
      throw new AppException('invalid_request', `leaf index must be between 0 and ${size - 1}, got ${index}`, { field: 'index' });
    }
  }
}
