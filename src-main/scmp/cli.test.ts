/**
 * `cairn scmp status|pull|outbox` over a real ScmpSync and the loopback
 * SCMP on HTTPS: not connected says so (exit 1 for pull), a pull fills the
 * cache and pushes the outbox, a revoked token fails the pull (exit 1), and
 * usage errors exit 2.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database';
import { UsageError } from '../util/args';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { runScmpCli } from './cli';
import { LoopbackScmpServer, seedLoopbackScmp } from './loopback-server';
import { ScmpSync } from './sync';

const TOKEN = `scmp-${randomBytes(12).toString('hex')}`;
let server: LoopbackScmpServer;
let dir: string;
let db: Db;

beforeAll(async () => {
  server = await LoopbackScmpServer.start({ token: TOKEN });
  seedLoopbackScmp(server);
  dir = mkdtempSync(join(tmpdir(), 'cairn-scmp-cli-'));
  db = openDatabase(join(dir, 'cairn.db'));
});
afterAll(async () => {
  db.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(connected: boolean) {
  const sync = new ScmpSync({
    db,
    endpoint: () => (connected ? { id: 'e1', name: 'central', url: server.url, fingerprint: server.fingerprint, tokenId: 'cairn-noc' } : null),
    token: async () => TOKEN,
    outboxDir: join(dir, 'outbox'),
    log: createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() }),
  });
  const out: string[] = [];
  const err: string[] = [];
  const run = (...argv: string[]) => runScmpCli(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), withScmp: (_flags, fn) => fn(sync) });
  return { sync, out, err, run };
}

describe('cairn scmp', () => {
  it('without an SCMP: status says so, pull exits 1', async () => {
    const c = cli(false);
    expect(await c.run('status')).toBe(0);
    expect(c.out.join('')).toMatch(/not connected/);
    expect(await c.run('pull')).toBe(1);
    expect(c.err.join('')).toMatch(/no SCMP is connected/);
  });

  it('pull fills the cache and pushes the outbox; status and outbox show it', async () => {
    const c = cli(true);
    await c.sync.enqueueBytes('custody', new TextEncoder().encode('{"bundle":1}'));
    expect(await c.run('outbox', '--pending', '--json')).toBe(0);
    expect(JSON.parse(c.out.pop()!)).toHaveLength(1);
    expect(await c.run('pull')).toBe(0);
    const text = c.out.pop()!;
    expect(text).toMatch(/SCMP: central https:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/tenants\s+2 cached/);
    expect(text).toMatch(/outbox: 0 pending, 1 pushed/);
    expect(await c.run('status', '--json')).toBe(0);
    const s = JSON.parse(c.out.pop()!) as { lastPullAt: string | null; collections: { collection: string; count: number }[] };
    expect(s.lastPullAt).not.toBeNull();
    expect(s.collections.find((x) => x.collection === 'quotas')!.count).toBe(2);
    expect(await c.run('outbox')).toBe(0);
    expect(c.out.pop()).toMatch(/^custody\t[0-9a-f]{16}…\t12 B\tqueued .*\tpushed /);
  });

  it('a revoked token fails the pull with exit 1 and the reason', async () => {
    const c = cli(true);
    server.faults.revokedToken = true;
    try {
      expect(await c.run('pull')).toBe(1);
      expect(c.out.pop()).toMatch(/last error: .*(revoked|401|unauthori)/i);
    } finally {
      server.faults.revokedToken = false;
    }
  });

  it('usage: help exits 0, no command 2, an unknown command is a usage error', async () => {
    const c = cli(false);
    expect(await c.run('--help')).toBe(0);
    expect(await c.run()).toBe(2);
    await expect(c.run('push')).rejects.toThrow(UsageError);
  });
});
