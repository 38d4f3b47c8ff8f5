import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './database';
import { WalCheckpointer } from './wal-checkpointer';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function fileDb() {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-wal-'));
  dirs.push(dir);
  const file = join(dir, 'c.db');
  const db = openDatabase(file, []);
  db.exec('CREATE TABLE t (x BLOB)');
  return { db, file };
}

describe('WalCheckpointer', () => {
  it('copies committed WAL pages into the database from its own thread while nudged, and hands the job back on stop', async () => {
    const { db, file } = fileDb();
    const cp = new WalCheckpointer(db, { intervalMs: 50 });
    expect(cp.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    cp.nudge();
    expect(cp.running).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(16_384);
    const before = statSync(file).size;
    // 3,000 pages: past SQLite's default autocheckpoint, far below the backstop, so only the thread can move them.
    const ins = db.prepare('INSERT INTO t VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) ins.run(Buffer.alloc(8000, i % 256));
    })();
    expect(statSync(file).size).toBe(before);
    await until('the checkpoint thread to write the pages into the database', () => statSync(file).size > before + 3000 * 8000);
    expect(db.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(3000);
    await cp.stop();
    expect(cp.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });

  it('stops by itself when no writer has nudged it for a while, and starts again on the next nudge', async () => {
    const { db } = fileDb();
    const cp = new WalCheckpointer(db, { intervalMs: 20, idleMs: 100 });
    cp.nudge();
    expect(cp.running).toBe(true);
    await until('the idle thread to stop', () => !cp.running);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    cp.nudge();
    expect(cp.running).toBe(true);
    await cp.stop();
    db.close();
  });

  it('does nothing for an in-memory database', async () => {
    const db = openDatabase(':memory:', []);
    const cp = new WalCheckpointer(db);
    cp.nudge();
    expect(cp.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await cp.stop();
    db.close();
  });
});
