/**
 * The HTTPS client against the loopback SCMP over real TLS on 127.0.0.1:
 * pulls with ETag and cursor, idempotent content-addressed pushes, every
 * fault switch arriving as its typed error, bounded retries that honour
 * Retry-After, and the pin refusing a changed certificate before any
 * request (and so the token) is written.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpsScmpClient, type HttpsScmpClientOptions } from './client';
import { ScmpError, toAppException } from './errors';
import { LoopbackScmpServer, seedLoopbackScmp } from './loopback-server';
import { SCMP_ROLES, type ScmpQuota, type ScmpRoleBinding } from './schemas';

const TOKEN = `scmp-${randomBytes(12).toString('hex')}`;
let server: LoopbackScmpServer;
const clients: HttpsScmpClient[] = [];
let sleeps: number[] = [];

function client(over: Partial<HttpsScmpClientOptions> = {}): HttpsScmpClient {
  const c = new HttpsScmpClient({
    baseUrl: server.url,
    fingerprint: server.fingerprint,
    token: async () => TOKEN,
    timeoutMs: 5_000,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2_000 },
    // Backoff is recorded, not waited: the test checks what the client would wait.
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<ScmpError> {
  const e = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ScmpError);
  return e as ScmpError;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  server = await LoopbackScmpServer.start({ token: TOKEN, maxBundleBytes: 4096 });
  seedLoopbackScmp(server);
});
afterEach(() => {
  Object.assign(server.faults, { revokedToken: false, rateLimit: 0, retryAfterSeconds: 1, serverError: 0, malformedBody: 0, hang: 0 });
  sleeps = [];
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
});

describe('pull', () => {
  it('reads info and every collection in the published shapes', async () => {
    const c = client();
    expect(await c.info()).toEqual({ service: 'Cairn loopback SCMP', apiVersion: '1', maxBundleBytes: 4096 });
    const tenants = await c.pull('tenants');
    expect(tenants.status).toBe('changed');
    if (tenants.status !== 'changed') return;
    expect(tenants.items.map((t) => t.id).sort()).toEqual(['acme', 'globex']);
    expect(tenants.deleted).toEqual([]);
    const quotas = await c.pull('quotas');
    expect(quotas.status === 'changed' && quotas.items.find((q) => q.id === 'q-globex-pool')?.scope).toEqual({ kind: 'pool', ref: 'fra-pool-1' });
    const roles = await c.pull('role-bindings');
    expect(roles.status === 'changed' && roles.items.map((r) => r.role).sort()).toEqual(['Operator', 'Tenant admin']);
    const policies = await c.pull('policies');
    expect(policies.status === 'changed' && policies.items.find((p) => p.kind === 'catalogue-sizes')).toMatchObject({ tenant: 'acme', sizes: ['small', 'medium'] });
  });

  it('answers 304 to a matching If-None-Match, and only later changes after a cursor', async () => {
    const c = client();
    const first = await c.pull('tenants');
    if (first.status !== 'changed') throw new Error('expected a full answer');
    expect(first.etag).toMatch(/^"tenants-\d+"$/);
    const again = await c.pull('tenants', { etag: first.etag, since: first.cursor });
    expect(again).toEqual({ status: 'not-modified', etag: first.etag });
    expect(server.requests.at(-1)).toMatchObject({ path: `/api/v1/tenants?since=${first.cursor}`, status: 304 });

    server.upsert('tenants', { id: 'initech', name: 'Initech' });
    server.remove('tenants', 'globex');
    const delta = await c.pull('tenants', { etag: first.etag, since: first.cursor });
    expect(delta).toMatchObject({ status: 'changed', items: [{ id: 'initech', name: 'Initech' }], deleted: ['globex'] });
    server.upsert('tenants', { id: 'globex', name: 'Globex Health' });
    server.remove('tenants', 'initech');
  });
});

describe('round trip', () => {
  // Any Unicode, bounded in UTF-16 code units as the schemas count them.
  const text = (max: number) => fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((t) => t.length <= max);
  const binding: fc.Arbitrary<ScmpRoleBinding> = fc.record({
    id: text(40),
    identity: text(80),
    role: fc.constantFrom(...SCMP_ROLES),
    tenant: fc.option(text(40), { nil: null }),
  });
  const quota: fc.Arbitrary<ScmpQuota> = fc.record({
    id: text(40),
    tenant: text(40),
    scope: fc.record({ kind: fc.constantFrom('fleet' as const, 'site' as const, 'pool' as const), ref: fc.option(text(40), { nil: null }) }),
    vcpu: fc.nat(),
    memoryBytes: fc.maxSafeNat(),
    storageBytes: fc.maxSafeNat(),
    guests: fc.nat(),
  });

  it('whatever valid items the SCMP holds arrive intact over HTTPS, and a cursor returns exactly the changes', async () => {
    const c = client();
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(binding, { selector: (b) => b.id, maxLength: 8 }), fc.uniqueArray(quota, { selector: (q) => q.id, maxLength: 8 }), async (bs, qs) => {
        const before = await c.pull('role-bindings');
        const beforeQ = await c.pull('quotas');
        if (before.status !== 'changed' || beforeQ.status !== 'changed') throw new Error('expected full answers');
        for (const b of bs) server.upsert('role-bindings', b);
        for (const q of qs) server.upsert('quotas', q);
        const delta = await c.pull('role-bindings', { since: before.cursor });
        const deltaQ = await c.pull('quotas', { since: beforeQ.cursor });
        if (delta.status !== 'changed' || deltaQ.status !== 'changed') throw new Error('expected changes');
        expect(delta.items).toEqual(bs);
        expect(deltaQ.items).toEqual(qs);
        for (const b of bs) server.remove('role-bindings', b.id);
        for (const q of qs) server.remove('quotas', q.id);
      }),
      { numRuns: 15 },
    );
  });
});

describe('push', () => {
  it('is idempotent by hash: 201, then 200 for the same bytes, one stored copy', async () => {
    const c = client();
    const bytes = randomBytes(1000);
    const h = sha(bytes);
    const first = await c.pushBundle('custody', h, bytes);
    expect(first.created).toBe(true);
    expect(first.receipt).toMatchObject({ kind: 'custody', sha256: h, size: 1000 });
    const again = await c.pushBundle('custody', h, bytes);
    expect(again.created).toBe(false);
    expect(again.receipt.receivedAt).toBe(first.receipt.receivedAt);
    expect([...server.bundles.keys()].filter((k) => k.endsWith(h))).toEqual([`custody/${h}`]);
    expect(server.bundles.get(`custody/${h}`)?.bytes.equals(bytes)).toBe(true);
  });

  it('refuses bytes under another address (409) and bundles over the limit (413), without retrying', async () => {
    const c = client();
    const bytes = randomBytes(100);
    const n = server.requests.length;
    const mismatch = await failure(c.pushBundle('survey', sha(randomBytes(100)), bytes));
    expect(mismatch.kind).toBe('hash_mismatch');
    expect(mismatch.details.status).toBe(409);
    expect(toAppException(mismatch, 'push').code).toBe('conflict');
    const big = randomBytes(5000);
    const tooBig = await failure(client().pushBundle('audit', sha(big), big));
    expect(tooBig.kind).toBe('too_large');
    expect(server.requests.length).toBe(n + 2);
  });
});

describe('faults', () => {
  it('a revoked token is unauthorized at once (no retry)', async () => {
    server.faults.revokedToken = true;
    const n = server.requests.length;
    const e = await failure(client().pull('tenants'));
    expect(e.kind).toBe('unauthorized');
    expect(toAppException(e, 'pull').code).toBe('unauthenticated');
    expect(server.requests.length).toBe(n + 1);
  });

  it('a wrong token is refused the same way', async () => {
    const e = await failure(client({ token: async () => 'not-the-token' }).info());
    expect(e.kind).toBe('unauthorized');
  });

  it('429 waits what Retry-After asks, then succeeds', async () => {
    server.faults.rateLimit = 1;
    server.faults.retryAfterSeconds = 1;
    const r = await client().pull('policies');
    expect(r.status).toBe('changed');
    expect(sleeps).toEqual([1000]);
  });

  it('429 beyond the retry budget is rate_limited with the wait; an absurd Retry-After is not waited for', async () => {
    server.faults.rateLimit = 10;
    const n = server.requests.length;
    const e = await failure(client().pull('tenants'));
    expect(e.kind).toBe('rate_limited');
    expect(e.details.retryAfterMs).toBe(1000);
    expect(server.requests.length).toBe(n + 3);
    server.faults.retryAfterSeconds = 3600;
    const long = await failure(client().pull('tenants'));
    expect(long.kind).toBe('rate_limited');
    expect(server.requests.length).toBe(n + 4);
  });

  it('500 is retried with backoff, and reported as server after the budget', async () => {
    server.faults.serverError = 2;
    expect((await client().info()).apiVersion).toBe('1');
    expect(sleeps).toHaveLength(2);
    expect(sleeps.every((ms) => ms > 0 && ms <= 5)).toBe(true);
    server.faults.serverError = 3;
    const e = await failure(client().info());
    expect(e.kind).toBe('server');
    expect(e.details).toMatchObject({ status: 500, remoteCode: 'internal' });
  });

  it('an SCMP that never answers hits the deadline: timeout, retried within the budget', async () => {
    server.faults.hang = 2;
    const n = server.requests.length;
    const e = await failure(client({ timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).info());
    expect(e.kind).toBe('timeout');
    expect(e.retryable).toBe(true);
    expect(server.requests.slice(n).map((r) => r.status)).toEqual([0, 0]);
  });

  it('a malformed body is malformed, not retried', async () => {
    server.faults.malformedBody = 1;
    const n = server.requests.length;
    const e = await failure(client().pull('quotas'));
    expect(e.kind).toBe('malformed');
    expect(server.requests.length).toBe(n + 1);
  });
});

describe('TLS pinning', () => {
  it('refuses an unpinned endpoint and names what it presented, sending no request', async () => {
    const n = server.requests.length;
    const e = await failure(client({ fingerprint: undefined }).info());
    expect(e.kind).toBe('tls_unpinned');
    expect(e.details.fingerprint).toBe(server.fingerprint);
    expect(server.requests.length).toBe(n);
  });

  it('refuses a changed certificate before any byte (or the token) is written', async () => {
    const c = client();
    await c.info();
    const pinned = server.fingerprint;
    const n = server.requests.length;
    const fresh = server.rotateCertificate();
    try {
      const e = await failure(client({ fingerprint: pinned }).info());
      expect(e.kind).toBe('tls_pin_mismatch');
      expect(e.details).toMatchObject({ fingerprint: fresh, pinnedFingerprint: pinned });
      expect(toAppException(e, 'info').code).toBe('tls_pin_mismatch');
      // The long-lived client's keep-alive socket was dropped with the old certificate; a new one fails the pin too.
      expect((await failure(c.info())).kind).toBe('tls_pin_mismatch');
      expect(server.requests.length).toBe(n);
      expect(e.message).not.toContain(TOKEN);
    } finally {
      expect((await client({ fingerprint: fresh }).info()).apiVersion).toBe('1');
    }
  });
});
