/**
 * The database layer: pragmas Cairn relies on (WAL, foreign keys), and
 * numbered migrations that run once, in order, each all-or-nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { migrate, openDatabase, schemaVersion, type Db } from './database';
import { MIGRATIONS, type Migration } from './migrations';

let dir: string;
const open: Db[] = [];
const openDb = (file = join(dir, 'cairn.db'), migrations?: readonly Migration[]) => {
  const db = migrations ? openDatabase(file, migrations) : openDatabase(file);
  open.push(db);
  return db;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-db-'));
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('turns on WAL and foreign keys', () => {
    const db = openDb();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('gives a new database 8 KiB pages and leaves an existing one at the size it was made with', () => {
    expect(openDb().pragma('page_size', { simple: true })).toBe(8192);
    const old = join(dir, 'old.db');
    const made = new Database(old);
    made.pragma('page_size = 4096');
    made.pragma('journal_mode = WAL');
    made.exec('CREATE TABLE x (y)');
    made.close();
    const reopened = openDb(old);
    expect(reopened.pragma('page_size', { simple: true })).toBe(4096);
    expect(reopened.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('creates the data folder when it does not exist', () => {
    const db = openDb(join(dir, 'nested', 'deeper', 'cairn.db'));
    expect(schemaVersion(db)).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
  });

  it('applies every migration once and records it', () => {
    const db = openDb();
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as { version: number; name: string }[];
    expect(rows).toEqual([...MIGRATIONS].sort((a, b) => a.version - b.version).map((m) => ({ version: m.version, name: m.name })));
  });

  it('is idempotent: reopening runs nothing and keeps the data', () => {
    const first = openDb();
    first.prepare("INSERT INTO settings (key, value) VALUES ('theme', '\"dark\"')").run();
    first.close();
    const again = openDb();
    expect(migrate(again, MIGRATIONS)).toBe(0);
    expect((again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(MIGRATIONS.length);
    expect(again.prepare("SELECT value FROM settings WHERE key = 'theme'").pluck().get()).toBe('"dark"');
  });

  it('enforces foreign keys (fleet rows need their connection)', () => {
    const db = openDb();
    expect(() => db.prepare("INSERT INTO fleet_sync (cluster_id, failures) VALUES ('no-such-connection', 0)").run()).toThrow(/FOREIGN KEY/);
  });

  it('works in memory', () => {
    const db = openDb(':memory:');
    expect(schemaVersion(db)).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
  });
});

describe('migrate', () => {
  const counting: Migration[] = [
    { version: 2, name: 'second', sql: "INSERT INTO log (what) VALUES ('two')" },
    { version: 1, name: 'first', sql: "CREATE TABLE log (what TEXT NOT NULL); INSERT INTO log (what) VALUES ('one')" },
  ];

  it('runs in version order whatever the list order, each exactly once', () => {
    const db = openDb(join(dir, 'm.db'), counting);
    expect(db.prepare('SELECT what FROM log ORDER BY rowid').pluck().all()).toEqual(['one', 'two']);
    expect(migrate(db, counting)).toBe(0);
    expect(migrate(db, counting)).toBe(0);
    expect(db.prepare('SELECT what FROM log ORDER BY rowid').pluck().all()).toEqual(['one', 'two']);
    expect(schemaVersion(db)).toBe(2);
  });

  it('runs only the new ones when the list grows', () => {
    const db = openDb(join(dir, 'm.db'), counting);
    const grown = [...counting, { version: 3, name: 'third', sql: "INSERT INTO log (what) VALUES ('three')" }];
    expect(migrate(db, grown)).toBe(1);
    expect(db.prepare('SELECT what FROM log ORDER BY rowid').pluck().all()).toEqual(['one', 'two', 'three']);
  });

  it('rolls a failing migration back completely and does not record it', () => {
    const db = openDb(join(dir, 'm.db'), counting);
    const broken = [...counting, { version: 3, name: 'broken', sql: "INSERT INTO log (what) VALUES ('half'); INSERT INTO no_such_table VALUES (1)" }];
    expect(() => migrate(db, broken)).toThrow(/no_such_table/);
    expect(db.prepare('SELECT what FROM log ORDER BY rowid').pluck().all()).toEqual(['one', 'two']);
    expect(schemaVersion(db)).toBe(2);
    // Once fixed, it runs.
    const fixed = [...counting, { version: 3, name: 'fixed', sql: "INSERT INTO log (what) VALUES ('three')" }];
    expect(migrate(db, fixed)).toBe(1);
    expect(schemaVersion(db)).toBe(3);
  });

  it('reports version 0 for an empty database', () => {
    const db = openDb(join(dir, 'empty.db'), []);
    expect(schemaVersion(db)).toBe(0);
  });
});

describe('the released migrations', () => {
  it('have unique, positive, consecutive version numbers', () => {
    const versions = MIGRATIONS.map((m) => m.version).sort((a, b) => a - b);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  it('never store a secret column', () => {
    for (const m of MIGRATIONS) expect(m.sql).not.toMatch(/\b(secret|password|token_secret)\b\s+(TEXT|BLOB)/i);
  });
});
