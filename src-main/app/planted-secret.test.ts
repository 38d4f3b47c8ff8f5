/**
 * Secrets never enter the database, the logs or a response. A known random
 * secret is planted through `connections:add` (the renderer's only way to
 * hand one over), then the app is driven through listing, testing (passing
 * and failing, including an endpoint whose errors quote the secret),
 * re-pinning, syncing and removal. Afterwards every file under the data
 * dir — the SQLite file, its -wal and -shm, the logs — and every response
 * is searched for the secret in several encodings: it must appear nowhere.
 * And when the keychain refuses the secret, nothing at all is written.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel, Result } from '../../src-preload/contract';
import type { EndpointGateway } from '../connections/connections-service';
import type { ClusterSource } from '../fleet/inventory-sync';
import { KeytarSecretStore, MemorySecretStore, UnavailableSecretStore, type SecretStore } from '../secrets';
import { AppException } from '../util/app-exception';
import { createApp, type App } from './create-app';

const FP = Array.from({ length: 32 }, (_, i) => ((i * 11 + 3) % 256).toString(16).padStart(2, '0').toUpperCase()).join(':');
const FP2 = FP.replace(/^..:/, 'EE:');

const dirs: string[] = [];
const apps: App[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-planted-'));
  dirs.push(d);
  return d;
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The encodings a secret could hide in on disk. */
function needles(secret: string): Buffer[] {
  return [
    Buffer.from(secret, 'utf8'),
    Buffer.from(secret, 'utf16le'),
    Buffer.from(Buffer.from(secret).toString('base64').slice(0, -4), 'utf8'),
    Buffer.from(Buffer.from(secret).toString('hex'), 'utf8'),
    Buffer.from(encodeURIComponent(secret), 'utf8'),
    // A long enough piece of it (a truncated log line would still leak).
    Buffer.from(secret.slice(4, 20), 'utf8'),
  ];
}

function expectNowhereOnDisk(dataDir: string, secret: string): string[] {
  const files = filesUnder(dataDir);
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const n of needles(secret)) expect(bytes.includes(n), `${f} contains the secret (${n.toString('utf8').slice(0, 12)}…)`).toBe(false);
  }
  return files;
}

describe('a planted secret', () => {
  it('appears in no file under the data dir and in no response', async () => {
    const secret = `PLANTED-${randomBytes(24).toString('base64url')}`;
    const dataDir = newDataDir();

    // The endpoint: the "good" cluster answers, "bad" quotes the secret in its errors (as a careless proxy might).
    const gateway: EndpointGateway = {
      probe: () => Promise.reject(new AppException('unreachable', `probe failed for token ${secret}`)),
      test: (conn, s) => {
        expect(s).toBe(secret); // the secret does reach the client that needs it
        if (conn.name === 'good') return Promise.resolve({ version: 'pve-manager/8.2.4', latencyMs: 12 });
        if (conn.name === 'bad') return Promise.reject(new AppException('unauthenticated', `401 for PVEAPIToken=ops@pve!console=${s}`));
        return Promise.reject(new Error(`socket hang up while sending Authorization: PVEAPIToken=ops@pve!console=${s}`));
      },
    };
    const clusterSource: ClusterSource = {
      snapshot: () => Promise.reject(new AppException('unauthenticated', `sync refused token ${secret}`)),
      siteOf: () => ({ id: 'site:lab', name: 'lab', region: 'eu', kind: 'edge' }),
      rrd: () => Promise.reject(new Error(`rrd failed with ${secret}`)),
    };

    const app = await createApp({
      dataDir,
      version: '0.0.0-test',
      transport: 'test',
      secrets: new MemorySecretStore(),
      fleet: { mode: 'configured' },
      sync: false,
      gateway,
      clusterSource,
    });
    apps.push(app);

    const responses: unknown[] = [];
    const call = async (channel: Channel | string, payload: unknown = {}): Promise<Result<unknown>> => {
      const r = await app.router.dispatch(channel, payload, { transport: 'test' });
      responses.push(r);
      return r;
    };
    const events: unknown[] = [];
    app.events.subscribe((e, p) => events.push({ e, p }));

    const base = { kind: 'pve', url: 'https://10.9.8.7:8006', fingerprint: FP, tokenId: 'ops@pve!console', site: 'lab', secret };
    const ids: Record<string, string> = {};
    for (const name of ['good', 'bad', 'crashy']) {
      const r = await call('connections:add', { ...base, name });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (r.ok) {
        ids[name] = (r.value as { id: string }).id;
        expect(r.value).toMatchObject({ name, hasSecret: true });
        expect(r.value).not.toHaveProperty('secret');
      }
    }

    // Failing calls that carry the secret in their payload.
    await call('connections:add', { ...base, name: 'good' }); // conflict
    await call('connections:add', { ...base, name: 'x', url: `https://user:${secret}@10.9.8.7/` }); // credentials in URL
    await call('connections:add', { ...base, name: 'y', extra: secret }); // unknown key
    await call('connections:add', { ...base, name: '', secret }); // invalid name
    await call('no:such:channel', { secret }); // unknown channel (its name is echoed back, so it carries no secret)
    await call('connections:probe', { url: 'https://10.9.8.7:8006' });
    await call('fleet:search', { q: secret, limit: 5 });
    await call('fleet:guests', { query: `tag:${secret}` });

    // Reads, tests, re-pin, sync, rrd.
    expect((await call('connections:list')).ok).toBe(true);
    expect(await call('connections:test', { id: ids.good })).toMatchObject({ ok: true, value: { ok: true } });
    expect(await call('connections:test', { id: ids.bad })).toMatchObject({ ok: true, value: { ok: false } });
    await call('connections:test', { id: ids.crashy });
    await call('connections:repin', { id: ids.good, fingerprint: FP2 });
    await call('fleet:syncNow', {});
    await call('fleet:syncState');
    await call('fleet:rrd', { clusterId: ids.good, node: 'pve1', timeframe: 'hour' });
    await call('app:info');
    await call('app:status');
    await call('fleet:summary');
    await call('connections:remove', { id: ids.crashy });
    await call('connections:list');

    // The secret is still usable where it belongs (the keychain port), so the test planted a live one.
    expect(await app.connections.secretFor(ids.good as string)).toBe(secret);

    // While the database is open: the main file, -wal and -shm all exist and are clean.
    app.db.pragma('wal_checkpoint(PASSIVE)');
    const db = join(dataDir, 'cairn.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) expect(existsSync(f), `${f} exists`).toBe(true);
    const openFiles = expectNowhereOnDisk(dataDir, secret);
    expect(openFiles.some((f) => f.endsWith('.log'))).toBe(true);

    // Responses and events.
    const wire = JSON.stringify([responses, events]);
    for (const n of needles(secret)) expect(wire.includes(n.toString('utf8')), 'a response or event contains the secret').toBe(false);

    // And after a clean shutdown (checkpoint, WAL folded into the main file).
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    expectNowhereOnDisk(dataDir, secret);
  });
});

describe('connections:add when the keychain refuses', () => {
  const refusingKeytar = {
    findCredentials: () => Promise.resolve([]),
    getPassword: () => Promise.resolve(null),
    setPassword: () => Promise.reject(new Error('org.freedesktop.Secret.Error.IsLocked: collection is locked')),
    deletePassword: () => Promise.resolve(false),
  };

  it.each<[string, () => SecretStore]>([
    ['no keychain at all', () => new UnavailableSecretStore('No OS keychain is reachable. Start Cairn with --ephemeral-secrets.')],
    ['a locked keychain', () => new KeytarSecretStore(refusingKeytar, 'cairn-test')],
  ])('writes nothing and answers secret_store_unavailable (%s)', async (_why, store) => {
    const secret = `REFUSED-${randomBytes(16).toString('hex')}`;
    const name = `refused-${randomBytes(4).toString('hex')}`;
    const dataDir = newDataDir();
    const app = await createApp({
      dataDir,
      version: '0.0.0-test',
      transport: 'test',
      secrets: store(),
      fleet: { mode: 'configured' },
      sync: false,
      gateway: { probe: () => Promise.reject(new Error('no network')), test: () => Promise.reject(new Error('no network')) },
    });
    apps.push(app);
    const changesBefore = app.db.prepare('SELECT total_changes()').pluck().get() as number;

    const r = await app.router.dispatch(
      'connections:add',
      { name, kind: 'pve', url: 'https://10.9.8.7:8006', fingerprint: FP, tokenId: 'ops@pve!console', secret },
      { transport: 'test' },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('secret_store_unavailable');
      expect(r.error.message.length).toBeGreaterThan(20);
      expect(JSON.stringify(r)).not.toContain(secret);
    }
    expect(app.db.prepare('SELECT total_changes()').pluck().get()).toBe(changesBefore);
    expect(app.db.prepare('SELECT COUNT(*) FROM connections').pluck().get()).toBe(0);
    expect(await app.router.dispatch('connections:list', {}, { transport: 'test' })).toEqual({ ok: true, value: [] });

    await app.close();
    apps.splice(apps.indexOf(app), 1);
    for (const f of filesUnder(dataDir)) {
      const bytes = readFileSync(f);
      expect(bytes.includes(Buffer.from(secret)), `${f} contains the secret`).toBe(false);
      if (!f.endsWith('.log')) expect(bytes.includes(Buffer.from(name)), `${f} contains the refused connection`).toBe(false);
    }
  });
});
