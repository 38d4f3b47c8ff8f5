/**
 * Secrets never enter the database, the logs or a response. A known random
 * secret is planted through `connections:add` (the renderer's only way to
 * hand one over), then the app is driven through listing, testing (passing
 * and failing, including an endpoint whose errors quote the secret),
 * re-pinning, syncing and removal. Afterwards every file under the data
 * dir — the SQLite file, its -wal and -shm, the logs — and every response
 * is searched for the secret in several encodings: it must appear nowhere.
 * And when the keychain refuses the secret, nothing at all is written.
 * The same holds across every store the app writes — a PVE token, an SSH
 * key with its passphrase and an SCMP token driven through connections,
 * evidence collection, custody, surveys (photos, bundles, reports), the
 * SCMP outbox and audit exports, with the whole data dir walked so a new
 * store is covered without naming it — and for what the sync worker tells
 * the main thread.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { emptySurvey, type Channel, type Result } from '../../src-preload/contract';
import type { EndpointGateway } from '../connections/connections-service';
import { seedDemoCustody } from '../custody';
import type { ClusterSource } from '../fleet/inventory-sync';
import { LoopbackScmpServer, seedLoopbackScmp } from '../scmp';
import { KeytarSecretStore, MemorySecretStore, UnavailableSecretStore, type SecretStore } from '../secrets';
import type { SshRunner } from '../ssh';
import { keygen } from '../ssh/sshd-fixture';
import { JPEG } from '../survey/test-support';
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

    // The audit trail recorded the changes, refusals included, and its exports carry no secret either.
    const trail = app.audit.list({ action: 'connections', limit: 500 }).rows;
    expect(trail.filter((e) => e.action === 'connections.add' && e.outcome === 'ok')).toHaveLength(3);
    expect(trail.some((e) => e.action === 'connections.add' && e.outcome === 'refused' && e.error === 'conflict')).toBe(true);
    for (const format of ['bundle', 'csv', 'pdf'] as const) expect((await call('audit:export', { format })).ok).toBe(true);

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
    // The one thing written is the audit entry of the refusal (its leaf, subtree hashes and search row).
    const auditRows = () => app.db.prepare('SELECT (SELECT COUNT(*) FROM ledger_audit_leaves) + (SELECT COUNT(*) FROM ledger_audit_nodes) + (SELECT COUNT(*) FROM audit_entries)').pluck().get() as number;
    const auditBefore = auditRows();

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
    expect(app.db.prepare('SELECT total_changes()').pluck().get()).toBe(changesBefore + auditRows() - auditBefore);
    expect(app.audit.list().rows[0]).toMatchObject({ action: 'connections.add', outcome: 'failed', error: 'secret_store_unavailable', target: name });
    expect(app.db.prepare('SELECT COUNT(*) FROM connections').pluck().get()).toBe(0);
    expect(await app.router.dispatch('connections:list', {}, { transport: 'test' })).toEqual({ ok: true, value: [] });

    await app.close();
    apps.splice(apps.indexOf(app), 1);
    for (const f of filesUnder(dataDir)) {
      const bytes = readFileSync(f);
      expect(bytes.includes(Buffer.from(secret)), `${f} contains the secret`).toBe(false);
      // The database holds the name once: as the target of the refusal's audit entry, by design.
      if (!f.endsWith('.log') && !/cairn\.db/.test(f)) expect(bytes.includes(Buffer.from(name)), `${f} contains the refused connection`).toBe(false);
    }
  });
});

/** Every long base64 string inside a value, decoded: exported PDFs and downloaded chunks travel as base64. */
function decodedBlobs(value: unknown, out: Buffer[] = []): Buffer[] {
  if (typeof value === 'string') {
    if (value.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) out.push(Buffer.from(value, 'base64'));
  } else if (Array.isArray(value)) {
    for (const v of value) decodedBlobs(v, out);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) decodedBlobs(v, out);
  }
  return out;
}

function expectNowhereInWire(what: string, values: unknown, secrets: string[]): void {
  const text = JSON.stringify(values);
  const blobs = decodedBlobs(values);
  for (const secret of secrets) {
    for (const n of needles(secret)) {
      expect(text.includes(n.toString('utf8')), `${what} contain ${secret.slice(0, 10)}…`).toBe(false);
      for (const b of blobs) expect(b.includes(n), `a base64 payload in ${what} contains ${secret.slice(0, 10)}…`).toBe(false);
    }
  }
}

describe('planted secrets across every store the app writes', () => {
  it('a PVE token, an SSH key passphrase and an SCMP token reach no file under the data dir, no response, no event', async () => {
    const pveToken = `PVETOKEN-${randomBytes(24).toString('base64url')}`;
    const sshPassphrase = `SSHPASS-${randomBytes(24).toString('base64url')}`;
    const scmpToken = `SCMPTOKEN-${randomBytes(24).toString('base64url')}`;
    const secrets = [pveToken, sshPassphrase, scmpToken];
    const dataDir = newDataDir();
    const keyDir = newDataDir();
    const key = keygen(join(keyDir, 'id_ed25519'), sshPassphrase);
    // The (encrypted) private key is a secret too: only the keychain may hold it.
    const keyLines = key.privateKey.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(1);

    const scmp = await LoopbackScmpServer.start({ token: scmpToken });
    seedLoopbackScmp(scmp);
    const HOST_FP = `SHA256:${'B'.repeat(43)}`;
    // Every remote party misbehaves the worst way it can: it quotes the credentials it was given.
    const sshRunner: SshRunner = {
      probeHostKey: () => Promise.resolve({ keyType: 'ssh-ed25519', fingerprint: HOST_FP }),
      exec: (_endpoint, _fp, creds) => Promise.reject(new Error(`all auth methods failed for ${creds.user} (passphrase ${creds.passphrase}; key ${creds.privateKey.slice(60, 140)})`)),
    };
    const gateway: EndpointGateway = {
      probe: () => Promise.reject(new AppException('unreachable', 'no PVE here')),
      test: (_conn, s) => Promise.reject(new AppException('unauthenticated', `401 for PVEAPIToken=ops@pve!console=${s}`)),
    };
    const clusterSource: ClusterSource = {
      snapshot: () => Promise.reject(new AppException('unauthenticated', `sync refused token ${pveToken}`)),
      siteOf: () => ({ id: 'site:lab', name: 'lab', region: 'eu', kind: 'edge' }),
      rrd: () => Promise.reject(new Error(`rrd failed with ${pveToken}`)),
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
      sshRunner,
      attestation: { operator: 'planted.operator' },
    });
    apps.push(app);
    try {
      const responses: unknown[] = [];
      const events: unknown[] = [];
      app.events.subscribe((e, p) => events.push({ e, p }));
      const call = async (channel: string, payload: unknown = {}): Promise<Result<unknown>> => {
        const r = await app.router.dispatch(channel, payload, { transport: 'test' });
        responses.push(r);
        return r;
      };
      const ok = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
        const r = await call(channel, payload);
        if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
        return r.value as T;
      };
      /** A whole download (bundle, report), chunk by chunk, kept as a response. */
      const download = async (d: { downloadId: string; chunks: number }): Promise<Buffer> => {
        const parts: Buffer[] = [];
        for (let index = 0; index < d.chunks; index++) parts.push(Buffer.from((await ok<{ data: string }>('survey:download', { downloadId: d.downloadId, index })).data, 'base64'));
        const all = Buffer.concat(parts);
        responses.push({ downloaded: all.toString('base64') });
        return all;
      };

      // PVE: a connection with its token, tested against an endpoint that quotes it.
      const pve = await ok<{ id: string }>('connections:add', { name: 'pve-planted', kind: 'pve', url: 'https://10.9.8.7:8006', fingerprint: FP, tokenId: 'ops@pve!console', secret: pveToken });
      await call('connections:test', { id: pve.id });
      await call('fleet:syncNow', {});
      await call('fleet:rrd', { clusterId: pve.id, node: 'pve1', timeframe: 'hour' });

      // SSH: the key with its passphrase (once wrong), a pinned host, evidence collection that fails quoting both.
      await call('ssh:addKey', { name: 'planted-wrong', privateKey: key.privateKey, passphrase: `${sshPassphrase}-wrong` });
      await ok('ssh:addKey', { name: 'planted', privateKey: key.privateKey, passphrase: sshPassphrase });
      await ok('ssh:trustHostKey', { host: 'guest.example', port: 22, user: 'root', fingerprint: HOST_FP });
      await call('attestation:attestNow', { guest: { clusterId: pve.id, vmid: 100, name: 'vm-planted' }, target: { host: 'guest.example', port: 22, user: 'root' }, keyName: 'planted' });
      await call('attestation:list', { query: '', filter: 'all' });
      await call('attestation:detail', { clusterId: pve.id, vmid: 100 });

      // SCMP: connect with its token, pull, and push what the outbox holds.
      await ok('scmp:connect', { url: scmp.url, fingerprint: scmp.fingerprint, tokenId: 'cairn-planted', token: scmpToken });

      // Custody: signed events, the bundle, the PDF, queued for the SCMP.
      await seedDemoCustody(app.custody);
      const job = app.custody.board().jobs[0];
      expect(job).toBeDefined();
      await ok('custody:export', { scope: 'job', id: job!.id });
      await ok('custody:exportPdf', { scope: 'job', id: job!.id });
      await ok('scmp:queue', { kind: 'custody', scope: 'job', id: job!.id });

      // Survey: a photo on disk, the engineer's signature, the signed bundle and both reports, queued too.
      const survey = await ok<{ id: string }>('survey:save', { data: emptySurvey('planted survey'), autosave: false });
      const up = await ok<{ uploadId: string }>('survey:upload', { index: 0, data: JPEG.toString('base64') });
      await ok('survey:attach', { id: survey.id, uploadId: up.uploadId, fileName: 'rack.jpg', caption: 'front' });
      await ok('survey:sign', { id: survey.id, engineer: 'Planted Engineer' });
      await download(await ok('survey:export', { id: survey.id }));
      await download(await ok('survey:report', { id: survey.id, format: 'pdf' }));
      await download(await ok('survey:report', { id: survey.id, format: 'json' }));
      await ok('scmp:queue', { kind: 'survey', id: survey.id });
      await ok('scmp:syncNow');
      expect(scmp.bundles.size).toBeGreaterThanOrEqual(2);

      // Audit exports (CSV, PDF, bundle), where this build has them.
      for (const format of ['csv', 'pdf', 'bundle']) await call('audit:export', { format });
      await call('audit:list', { offset: 0, limit: 100 });
      await call('custody:exportFieldLog', {});

      // The secrets are live where they belong.
      expect(await app.connections.secretFor(pve.id)).toBe(pveToken);

      expectNowhereInWire('responses and events', [responses, events], secrets);
      // What left for the SCMP (pushed bundles) carries none of them either.
      expectNowhereInWire('pushed SCMP bundles', [...scmp.bundles.values()].map((b) => b.bytes.toString('base64')), secrets);

      app.db.pragma('wal_checkpoint(PASSIVE)');
      const files = filesUnder(dataDir);
      // The walk covers every store the run created: database (+ -wal, -shm), log, SCMP outbox, survey photos.
      for (const must of [/cairn\.db$/, /cairn\.db-wal$/, /cairn\.db-shm$/, /\.log$/, /scmp-outbox\//, /survey-attachments\//]) {
        expect(files.some((f) => must.test(f)), `a file matching ${must} under the data dir`).toBe(true);
      }
      for (const secret of [...secrets, ...keyLines]) expectNowhereOnDisk(dataDir, secret);

      await app.close();
      apps.splice(apps.indexOf(app), 1);
      for (const secret of [...secrets, ...keyLines]) expectNowhereOnDisk(dataDir, secret);
    } finally {
      await scmp.close();
    }
  });

  it('the sync worker tells the main thread nothing of the token it was handed', async () => {
    const pveToken = `PVETOKEN-${randomBytes(24).toString('base64url')}`;
    const dataDir = newDataDir();
    const fromWorker: unknown[] = [];
    const emit = Worker.prototype.emit;
    // Every message a worker posts arrives in the main thread as a 'message' event.
    Worker.prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]) {
      if (event === 'message') fromWorker.push(args[0]);
      return emit.call(this, event, ...args);
    } as typeof emit;
    try {
      const app = await createApp({
        dataDir,
        version: '0.0.0-test',
        transport: 'test',
        secrets: new MemorySecretStore(),
        fleet: { mode: 'demo', sites: 1, seed: 3 },
        sync: false,
        syncInWorker: true,
      });
      apps.push(app);
      // A real cluster of the simulated fleet, reached with a token it refuses: the worker gets the token, uses it, fails.
      const sim = app.connectionsRepo.list().find((c) => c.simulated);
      expect(sim).toBeDefined();
      const r = await app.router.dispatch(
        'connections:add',
        { name: 'planted-sim', kind: 'pve', url: sim!.url, fingerprint: sim!.fingerprint, tokenId: 'ops@pve!planted', secret: pveToken },
        { transport: 'test' },
      );
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const id = r.ok ? (r.value as { id: string }).id : '';
      await app.sync.syncAll(id);
      await app.sync.syncAll();
      const states = app.fleet.syncStates();
      expect(states.find((s) => s.clusterId === id)?.state).toBe('error');
      expect(fromWorker.length).toBeGreaterThan(0);
      expectNowhereInWire('messages from the sync worker', fromWorker, [pveToken]);
      expectNowhereInWire('sync states', states, [pveToken]);
      await app.close();
      apps.splice(apps.indexOf(app), 1);
      expectNowhereOnDisk(dataDir, pveToken);
    } finally {
      Worker.prototype.emit = emit;
    }
  });
});
