/**
 * Property over real HTTPS: whatever the SCMP does between syncs (adds,
 * renames, removals, in any order), after a sync the local cache holds
 * exactly what the SCMP holds — the cursor, the deletions and the 304s
 * together never lose or resurrect an item.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { LoopbackScmpServer } from './loopback-server';
import { ScmpSync } from './sync';

const TOKEN = `scmp-${randomBytes(12).toString('hex')}`;
let server: LoopbackScmpServer;
let dir: string;

beforeAll(async () => {
  server = await LoopbackScmpServer.start({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'cairn-scmp-sync-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type Op = { op: 'upsert'; id: string; name: string } | { op: 'remove'; id: string } | { op: 'sync' };
const ids = fc.constantFrom('t1', 't2', 't3', 't4', 't5');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('upsert' as const), id: ids, name: fc.string({ minLength: 1, maxLength: 20 }) }),
  fc.record({ op: fc.constant('remove' as const), id: ids }),
  fc.constant({ op: 'sync' as const }),
);

describe('ScmpSync against the loopback SCMP', () => {
  it('the cache converges to the SCMP after every sync', async () => {
    const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const db = openDatabase(':memory:');
        const sync = new ScmpSync({
          db,
          endpoint: () => ({ id: 'e', name: 'loopback', url: server.url, fingerprint: server.fingerprint, tokenId: 'cairn' }),
          token: async () => TOKEN,
          outboxDir: join(dir, 'outbox'),
          log,
        });
        try {
          for (const o of [...ops, { op: 'sync' as const }]) {
            if (o.op === 'upsert') server.upsert('tenants', { id: o.id, name: o.name });
            else if (o.op === 'remove') server.remove('tenants', o.id);
            else {
              await sync.syncNow();
              expect(sync.status().lastError).toBeNull();
              expect(sync.tenants()).toEqual(server.items('tenants'));
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 20 },
    );
  });
});
