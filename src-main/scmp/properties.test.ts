/**
 * Properties: (1) any body the SCMP might send parses to a value of the
 * published shape or fails as a typed `malformed` error, never anything
 * else; any failing answer maps to a typed error of the closed set;
 * (2) the outbox is idempotent by content: whatever order and however often
 * bundles are queued, and however often pushes fail and are repeated, the
 * SCMP ends up with exactly the distinct bundles, each once, and every row
 * is marked pushed.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { errorFromResponse, parseBody, type ScmpClient } from './client';
import { SCMP_ERROR_KINDS, ScmpError } from './errors';
import { BUNDLE_KINDS, COLLECTIONS, InfoSchema, type BundleKind, type BundleReceipt } from './schemas';
import { ScmpSync } from './sync';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** JSON that is sometimes shaped like a page (so the schema's deeper checks are reached), sometimes not. */
const pageLike = fc.record(
  {
    items: fc.array(fc.oneof(fc.record({ id: fc.string(), name: fc.string() }, { requiredKeys: [] }), fc.jsonValue()), { maxLength: 4 }),
    deleted: fc.array(fc.oneof(fc.string(), fc.jsonValue()), { maxLength: 3 }),
    cursor: fc.oneof(fc.string(), fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const bodyText = fc.oneof(fc.json(), pageLike.map((v) => JSON.stringify(v)), fc.string(), fc.constant(''));

describe('response parsing', () => {
  it('arbitrary bodies: a value of the schema or ScmpError(malformed)', () => {
    const schemas: z.ZodType[] = [...Object.values(COLLECTIONS), InfoSchema];
    fc.assert(
      fc.property(bodyText, fc.nat(schemas.length - 1), (text, i) => {
        const schema = schemas[i]!;
        try {
          const v = parseBody(schema, text, 'pull');
          expect(schema.safeParse(v).success).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(ScmpError);
          expect((e as ScmpError).kind).toBe('malformed');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary failing answers map to one typed error with a bounded message', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 300, max: 599 }),
        fc.option(fc.oneof(fc.nat().map(String), fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), { nil: undefined }),
        fc.oneof(bodyText, fc.record({ error: fc.record({ code: fc.constantFrom('bad_request', 'internal', 'rate_limited'), message: fc.string({ maxLength: 3000 }) }) }).map((v) => JSON.stringify(v))),
        (status, retryAfter, text) => {
          const e = errorFromResponse(status, retryAfter === undefined ? {} : { 'retry-after': retryAfter }, text, 'call');
          expect(e).toBeInstanceOf(ScmpError);
          expect(SCMP_ERROR_KINDS).toContain(e.kind);
          expect(e.details.status).toBe(status);
          expect(e.message.length).toBeLessThan(500);
          if (e.details.retryAfterMs !== undefined) expect(e.details.retryAfterMs).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** An in-memory SCMP behind the port: content-addressed, failing when told to. */
class FlakyScmp implements ScmpClient {
  readonly endpoint = 'memory';
  readonly stored = new Map<string, Buffer>();
  puts = 0;
  succeeded = 0;
  constructor(private readonly failures: boolean[]) {}
  async info() {
    return { service: 'memory', apiVersion: '1' as const, maxBundleBytes: 1 << 20 };
  }
  async pull() {
    return { status: 'not-modified' as const, etag: null };
  }
  async pushBundle(kind: BundleKind, sha256: string, body: Uint8Array) {
    this.puts++;
    if (this.failures.shift()) throw new ScmpError('server', 'injected', { status: 500 });
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha256);
    const key = `${kind}/${sha256}`;
    const created = !this.stored.has(key);
    this.stored.set(key, Buffer.from(body));
    this.succeeded++;
    const receipt: BundleReceipt = { kind, sha256, size: body.byteLength, receivedAt: new Date(0).toISOString() };
    return { created, receipt };
  }
  close() {}
}

describe('outbox', () => {
  it('is idempotent by content through repeats, reorderings, failures and a restart', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...BUNDLE_KINDS), fc.nat(4)), { minLength: 1, maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 12 }),
        async (ops, failures) => {
          const dir = mkdtempSync(join(tmpdir(), 'cairn-scmp-outbox-'));
          dirs.push(dir);
          const remote = new FlakyScmp([...failures]);
          const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });
          const make = () => {
            const db = openDatabase(join(dir, 'cairn.db'));
            const sync = new ScmpSync({
              db,
              endpoint: () => ({ id: 'e', name: 'mem', url: 'https://127.0.0.1:1', fingerprint: null, tokenId: 't' }),
              token: async () => 'tok',
              outboxDir: join(dir, 'outbox'),
              log,
              clientFor: () => remote,
            });
            return { db, sync };
          };
          let { db, sync } = make();
          const half = Math.ceil(ops.length / 2);
          for (const [kind, n] of ops.slice(0, half)) await sync.enqueueBytes(kind, Buffer.from(`bundle ${n}`));
          await sync.syncNow();
          // Restart: the queue is in SQLite, the bytes on disk.
          db.close();
          ({ db, sync } = make());
          for (const [kind, n] of ops.slice(half)) await sync.enqueueBytes(kind, Buffer.from(`bundle ${n}`));
          for (let i = 0; i < failures.length + 2 && sync.store.pending().length > 0; i++) await sync.syncNow();

          const distinct = new Set(ops.map(([k, n]) => `${k}/${createHash('sha256').update(`bundle ${n}`).digest('hex')}`));
          expect(new Set(remote.stored.keys())).toEqual(distinct);
          const rows = sync.outbox();
          expect(rows).toHaveLength(distinct.size);
          expect(rows.every((r) => r.pushedAt !== null && r.lastError === null)).toBe(true);
          // Each distinct bundle is accepted exactly once: a pushed row is never sent again, a queued duplicate is the same row.
          expect(remote.succeeded).toBe(distinct.size);
          db.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
