/**
 * The SCMP connector as the console runs it: the real composition root, the
 * router, the loopback SCMP over HTTPS on 127.0.0.1. Without an SCMP the
 * status says so and bundles wait in the outbox; connecting checks the pin
 * and the token before saving anything; pulls land in the cache (304 when
 * unchanged), the outbox is pushed and survives a restart; a revoked token
 * shows as a typed error; the token never reaches the database or the log.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Result, ScmpStatus } from '../../src-preload/contract';
import type { ClusterSource } from '../fleet/inventory-sync';
import { verifyAuditBundle } from '../audit';
import { seedDemoCustody, verifyBundle } from '../custody';
import { LoopbackScmpServer, seedLoopbackScmp } from '../scmp';
import { MemorySecretStore } from '../secrets';
import { AppException } from '../util/app-exception';
import { MemoryLogSink } from '../util/log';
import { createApp, type App } from './create-app';

const TOKEN = `scmp-secret-${randomBytes(16).toString('hex')}`;
const unreachable = (): Promise<never> => Promise.reject(new AppException('unreachable', 'no PVE in this test'));
const clusterSource: ClusterSource = { snapshot: unreachable, rrd: unreachable, siteOf: () => ({ id: 'site:x', name: 'x', region: 'x', kind: 'edge' }) };

let dir: string;
let server: LoopbackScmpServer;
let app: App;
const secrets = new MemorySecretStore();
const logs = new MemoryLogSink();

const open = () =>
  createApp({ dataDir: dir, version: '0.0.0-test', transport: 'test', secrets, fleet: { mode: 'configured' }, sync: false, logSinks: [logs], clusterSource, groups: { groupsOf: (u) => (u === 'nocuser' ? ['users', 'noc'] : []) } });

async function call<T>(channel: Channel, payload: unknown = {}): Promise<Result<T>> {
  return (await app.router.dispatch(channel, payload, { transport: 'test' })) as Result<T>;
}
async function ok<T>(channel: Channel, payload: unknown = {}): Promise<T> {
  const r = await call<T>(channel, payload);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-scmp-app-'));
  server = await LoopbackScmpServer.start({ token: TOKEN });
  seedLoopbackScmp(server);
  app = await open();
});
afterAll(async () => {
  await app.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SCMP in the console', () => {
  it('without an SCMP: not connected, sync refused, bundles still queue locally', async () => {
    const s = await ok<ScmpStatus>('scmp:status');
    expect(s).toMatchObject({ connected: false, endpoint: null, lastPullAt: null, lastError: null, outbox: { pending: 0, pushed: 0, failing: 0 } });
    expect(s.collections.every((c) => c.count === 0)).toBe(true);
    const sync = await call('scmp:syncNow');
    expect(!sync.ok && sync.error.code).toBe('not_found');
    await app.scmp.enqueueBytes('audit', Buffer.from('audit bundle queued while offline'));
    expect((await ok<ScmpStatus>('scmp:status')).outbox).toEqual({ pending: 1, pushed: 0, failing: 0 });
  });

  it('refuses a wrong fingerprint and a wrong token, saving nothing', async () => {
    const other = 'AB:'.repeat(31) + 'AB';
    const pin = await call('scmp:connect', { url: server.url, fingerprint: other, tokenId: 'cairn-test', token: TOKEN });
    expect(!pin.ok && pin.error.code).toBe('tls_pin_mismatch');
    expect(!pin.ok && pin.error.details?.fingerprint).toBe(server.fingerprint);
    const tok = await call('scmp:connect', { url: server.url, fingerprint: server.fingerprint, tokenId: 'cairn-test', token: 'wrong-token-value' });
    expect(!tok.ok && tok.error.code).toBe('unauthenticated');
    expect(await ok<unknown[]>('connections:list')).toEqual([]);
    expect((await ok<ScmpStatus>('scmp:status')).connected).toBe(false);
  });

  it('connects, pulls everything and pushes the outbox', async () => {
    const s = await ok<ScmpStatus>('scmp:connect', { url: server.url, fingerprint: server.fingerprint.toLowerCase(), tokenId: 'cairn-test', token: TOKEN });
    expect(s.connected).toBe(true);
    expect(s.endpoint).toMatchObject({ url: server.url, fingerprint: server.fingerprint, tokenId: 'cairn-test' });
    expect(Object.fromEntries(s.collections.map((c) => [c.collection, c.count]))).toEqual({ tenants: 2, quotas: 2, 'role-bindings': 2, policies: 2 });
    expect(s.lastPullAt).not.toBeNull();
    expect(s.lastError).toBeNull();
    expect(s.outbox).toEqual({ pending: 0, pushed: 1, failing: 0 });
    expect(server.bundles.size).toBe(1);
    expect(app.scmp.tenants().map((t) => t.name)).toEqual(['ACME Logistics', 'Globex Health']);
    expect(app.scmp.policies().find((p) => p.kind === 'attestation')).toMatchObject({ attestation: { required: true, minSnpTcb: 8 } });
    // The pull became the central part of tenancy: tenants, quotas (scoped) and role bindings as operators.
    const tenants = await ok<{ id: string; name: string; source: string }[]>('tenancy:tenants');
    expect(tenants.filter((t) => t.source === 'central').map((t) => t.id).sort()).toEqual(['acme', 'globex']);
    const quotas = await ok<{ tenantId: string; scope: { kind: string; id?: string }; limits: { vcpu: number | null } }[]>('tenancy:quotas', { tenantId: 'globex' });
    expect(quotas).toMatchObject([{ tenantId: 'globex', scope: { kind: 'pool', id: 'fra-pool-1' }, limits: { vcpu: 96 } }]);
    const ops = await ok<{ name: string; roles: string[]; tenants: string[] | null }[]>('tenancy:operators');
    expect(ops.find((o) => o.name === 'alice@acme.example')).toMatchObject({ roles: ['tenant_admin'], tenants: ['acme'] });
    // A binding to a directory group is no operator record: it applies to whoever the OS says is in the group.
    expect(ops.some((o) => o.name.startsWith('CN='))).toBe(false);
    expect(app.tenancy.groupBindings()).toEqual([{ group: 'CN=NOC,OU=Groups,DC=cairn,DC=eu', role: 'operator', tenant: null }]);
    expect(app.tenancy.identity('nocuser')).toMatchObject({ roles: ['operator'], tenants: null, known: true });
    expect(app.tenancy.identity('someone-else')).toMatchObject({ roles: ['viewer'], known: false });
    const conns = await ok<{ id: string; kind: string; hasSecret: boolean }[]>('connections:list');
    expect(conns).toMatchObject([{ kind: 'scmp', hasSecret: true }]);
    const test = await ok<{ ok: boolean; message: string }>('connections:test', { id: conns[0]!.id });
    expect(test).toMatchObject({ ok: true });
    expect(test.message).toContain('SCMP API v1');
    const again = await call('scmp:connect', { url: server.url, fingerprint: server.fingerprint, tokenId: 'x', token: TOKEN });
    expect(!again.ok && again.error.code).toBe('conflict');
  });

  it('an unchanged SCMP answers 304; changes arrive by cursor', async () => {
    const n = server.requests.length;
    await ok('scmp:syncNow');
    expect(server.requests.slice(n).map((r) => r.status)).toEqual([304, 304, 304, 304]);
    server.upsert('tenants', { id: 'initech', name: 'Initech' });
    server.remove('role-bindings', 'rb-2');
    const s = await ok<ScmpStatus>('scmp:syncNow');
    expect(s.collections.find((c) => c.collection === 'tenants')?.count).toBe(3);
    expect(app.scmp.roleBindings().map((r) => r.id)).toEqual(['rb-1']);
  });

  it('a cursor the SCMP refuses (400) leads to one full pull, not a sync that fails forever', async () => {
    app.db.prepare("UPDATE scmp_pull_state SET cursor = 'restored-from-backup', etag = NULL WHERE collection = 'tenants'").run();
    const n = server.requests.length;
    const s = await ok<ScmpStatus>('scmp:syncNow');
    expect(s.lastError).toBeNull();
    expect(server.requests.slice(n, n + 2).map((r) => [r.path, r.status])).toEqual([
      ['/api/v1/tenants?since=restored-from-backup', 400],
      ['/api/v1/tenants', 200],
    ]);
    expect(s.collections.find((c) => c.collection === 'tenants')?.count).toBe(3);
  });

  it('a revoked token is a typed error in the status; the cache keeps the last data', async () => {
    server.faults.revokedToken = true;
    try {
      const s = await ok<ScmpStatus>('scmp:syncNow');
      expect(s.lastErrorCode).toBe('unauthorized');
      expect(s.lastError).toMatch(/refused the token/);
      expect(s.collections.find((c) => c.collection === 'tenants')).toMatchObject({ count: 3, lastError: expect.stringMatching(/token/) });
    } finally {
      server.faults.revokedToken = false;
    }
  });

  it('a changed certificate is refused before any request; re-pinning the connection resumes', async () => {
    const n = server.requests.length;
    const fresh = server.rotateCertificate();
    const s = await ok<ScmpStatus>('scmp:syncNow');
    expect(s.lastErrorCode).toBe('tls_pin_mismatch');
    expect(s.lastError).toContain(fresh);
    expect(server.requests.length).toBe(n);
    await ok('connections:repin', { id: s.endpoint!.id, fingerprint: fresh });
    const after = await ok<ScmpStatus>('scmp:syncNow');
    expect(after.lastError).toBeNull();
    expect(after.endpoint?.fingerprint).toBe(fresh);
  });

  it('the outbox survives a restart and is idempotent by hash', async () => {
    await app.scmp.enqueueBytes('custody', Buffer.from('custody bundle'));
    await app.scmp.enqueueBytes('custody', Buffer.from('custody bundle'));
    await app.close();
    app = await open();
    const before = await ok<{ sha256: string; pushedAt: string | null }[]>('scmp:outbox');
    expect(before.filter((e) => e.pushedAt === null)).toHaveLength(1);
    const s = await ok<ScmpStatus>('scmp:syncNow');
    expect(s.connected).toBe(true);
    expect(s.outbox).toEqual({ pending: 0, pushed: 2, failing: 0 });
    expect(server.bundles.size).toBe(2);
  });

  it('queues a signed custody bundle and pushes bytes a third party can verify', async () => {
    await seedDemoCustody(app.custody);
    const jobId = app.custody.board().jobs[0]!.id;
    const entry = await ok<{ kind: string; sha256: string; pushedAt: string | null }>('scmp:queue', { kind: 'custody', scope: 'job', id: jobId });
    expect(entry).toMatchObject({ kind: 'custody', pushedAt: null });
    const s = await ok<ScmpStatus>('scmp:syncNow');
    expect(s.outbox.pending).toBe(0);
    const pushed = server.bundles.get(`custody/${entry.sha256}`);
    expect(pushed).toBeDefined();
    expect(verifyBundle(pushed!.bytes.toString('utf8'))).toMatchObject({ valid: true, failures: [] });
  });

  it('queues the audit trail of a range and pushes a bundle that verifies offline', async () => {
    const entry = await ok<{ kind: string; sha256: string; pushedAt: string | null }>('scmp:queue', { kind: 'audit', from: '2000-01-01T00:00:00Z' });
    expect(entry).toMatchObject({ kind: 'audit', pushedAt: null });
    const s = await ok<ScmpStatus>('scmp:syncNow');
    expect(s.outbox.pending).toBe(0);
    const pushed = server.bundles.get(`audit/${entry.sha256}`);
    expect(pushed).toBeDefined();
    const verdict = verifyAuditBundle(pushed!.bytes.toString('utf8'));
    expect(verdict).toMatchObject({ valid: true });
    // The trail it carries includes this very connection to the SCMP.
    expect(pushed!.bytes.toString('utf8')).toContain('scmp.connect');
    const bad = await call('scmp:queue', { kind: 'audit', from: 'yesterday' });
    expect(!bad.ok && bad.error.code).toBe('invalid_request');
  });

  it('the token is in neither the database nor the log', () => {
    for (const f of ['cairn.db', 'cairn.db-wal']) {
      const p = join(dir, f);
      if (existsSync(p)) expect(readFileSync(p).includes(Buffer.from(TOKEN))).toBe(false);
    }
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.some((l) => l.includes(TOKEN))).toBe(false);
  });

  it('disconnect forgets the endpoint, its token and the pulled data; queue for an unknown survey is not_found', async () => {
    const id = (await ok<ScmpStatus>('scmp:status')).endpoint!.id;
    const s = await ok<ScmpStatus>('scmp:disconnect');
    expect(s).toMatchObject({ connected: false, endpoint: null, lastPullAt: null });
    expect(s.collections.every((c) => c.count === 0)).toBe(true);
    expect(await secrets.get(`connection:${id}`)).toBeNull();
    expect(s.outbox.pushed).toBe(4);
    const q = await call('scmp:queue', { kind: 'survey', id: 'no-such-survey' });
    expect(!q.ok && q.error.code).toBe('not_found');
  });
});
