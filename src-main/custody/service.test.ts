/**
 * The custody service on a real database: the record path (typed refusals,
 * concurrent edits, clock), append-only storage (triggers on every custody
 * table), one transaction for event row + Merkle leaf + checkpoint, keys
 * generated on first use with only their public halves in SQLite, demo
 * seeding through the real path, and the contract channels end to end.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/create-app';
import { fromBase64, parseSignerKey, parseVerifierKey, verifyCheckpoint } from '../ledger';
import { MemorySecretStore, UnavailableSecretStore } from '../secrets';
import { openDatabase } from '../store/database';
import { AppException } from '../util/app-exception';
import { MemoryLogSink } from '../util/log';
import { verifyBundle } from './bundle';
import { seedDemoCustody } from './demo';
import { logKeyAccount, OPERATOR_KEY_ACCOUNT } from './keys';
import { CustodyService } from './service';
import { actorFor, HAPPY_PATH, makeService, registerSample, sampleJob, walk } from './test-support';

const dirs: string[] = [];
const apps: App[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-custody-'));
  dirs.push(d);
  return d;
};
const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? filesUnder(join(dir, e)) : [join(dir, e)]));

async function rejects(p: Promise<unknown>): Promise<AppException> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppException);
  return e as AppException;
}

describe('the record path', () => {
  it('registers, records, and derives state, seals and next steps from the signed history', async () => {
    const { svc } = makeService();
    const d0 = await registerSample(svc);
    expect(d0.state).toBe('ordered');
    expect(d0.allowedNext.map((s) => s.state)).toEqual(['provisioning', 'cancelled']);
    expect(d0.allowedNext.find((s) => s.state === 'cancelled')?.exception).toBe(true);
    const d = await walk(svc, d0.appliance.id, ['provisioning', 'ready', 'sealed']);
    expect(d.state).toBe('sealed');
    expect(d.seals).toHaveLength(2);
    expect(d.timeline.map((e) => [e.seq, e.from, e.to])).toEqual([
      [0, null, 'ordered'],
      [1, 'ordered', 'provisioning'],
      [2, 'provisioning', 'ready'],
      [3, 'ready', 'sealed'],
    ]);
    expect(d.timeline[3]?.operator).toEqual({ id: 'tester', name: 'Op', role: 'field_engineer', capacity: 'hub_technician' });
    expect(d.timeline[3]?.site.gps).toEqual({ lat: 50.1109, lon: 8.6821 });
    const board = svc.board();
    expect(board.columns).toEqual([{ state: 'sealed', appliances: [expect.objectContaining({ id: d.appliance.id, events: 4, state: 'sealed' })] }]);
    expect(board.logSize).toBe(4);
    expect(board.origin).toMatch(/^cairn\.custody\/[0-9a-f]{16}$/);
  });

  it('refuses a stale form (expectedSeq) as a conflict, and nothing is written', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    const e = await rejects(svc.record({ applianceId: id, expectedSeq: 3, to: 'provisioning', operator: { name: 'O', role: 'hub_technician' }, site: { name: 'h' }, reason: 'r', fields: {}, attachments: [] }, { actor: actorFor('provisioning') }));
    expect(e.code).toBe('conflict');
    expect(e.field).toBe('expectedSeq');
    expect(svc.log.size).toBe(1);
  });

  it('refuses missing evidence as invalid_request naming the field and the allowed states', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    await walk(svc, id, ['provisioning']);
    const e = await rejects(svc.record({ applianceId: id, expectedSeq: 1, to: 'ready', operator: { name: 'O', role: 'hub_technician' }, site: { name: 'h' }, reason: 'r', fields: {}, attachments: [] }, { actor: actorFor('provisioning') }));
    expect(e.code).toBe('invalid_request');
    expect(e.field).toMatch(/^fields\./);
    expect(e.details).toMatchObject({ reason: 'missing_evidence', from: 'provisioning', to: 'ready', allowed: 'ready,cancelled,damaged' });
  });

  it('refuses unknown appliances and jobs, a serial already in custody, and a clock that went backwards', async () => {
    const { svc, db } = makeService();
    expect((await rejects(svc.record({ applianceId: 'apl-x', expectedSeq: 0, to: 'provisioning', operator: { name: 'O', role: 'hub_technician' }, site: { name: 'h' }, reason: 'r', fields: {}, attachments: [] }, { actor: actorFor('provisioning') }))).code).toBe('not_found');
    expect(() => svc.job('job-x')).toThrow(AppException);
    const d = await registerSample(svc);
    const job = d.appliance.jobId;
    const dup = await rejects(
      svc.registerAppliance({ ...d.appliance, jobId: job, operator: { name: 'O', role: 'hub_technician' }, site: { name: 'h' }, reason: 'again' } as never, { actor: actorFor('ordered') }),
    );
    expect(dup.code).toBe('conflict');
    const back = new CustodyService({ db, secrets: new MemorySecretStore(), clock: () => new Date('2000-01-01T00:00:00Z'), user: 't' });
    expect((await rejects(back.record({ applianceId: d.appliance.id, expectedSeq: 0, to: 'provisioning', operator: { name: 'O', role: 'hub_technician' }, site: { name: 'h' }, reason: 'r', fields: {}, attachments: [] }, { actor: actorFor('provisioning') }))).field).toBe('at');
  });

  it('writes event row, Merkle leaf and signed checkpoint in one transaction', async () => {
    const { svc, db } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    const count = () => db.prepare("SELECT (SELECT COUNT(*) FROM custody_events) || '/' || (SELECT COUNT(*) FROM custody_checkpoints)").pluck().get();
    expect([svc.log.size, count()]).toEqual([1, '1/1']);
    // Make the checkpoint insert (the last write) fail: the event row and the leaf must roll back with it.
    db.exec("CREATE TEMP TRIGGER fail_cp BEFORE INSERT ON custody_checkpoints BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
    await expect(walk(svc, id, ['provisioning'])).rejects.toThrow(/disk full/);
    expect([svc.log.size, count()]).toEqual([1, '1/1']);
    db.exec('DROP TRIGGER fail_cp');
    await walk(svc, id, ['provisioning']);
    expect([svc.log.size, count()]).toEqual([2, '2/2']);
    expect(svc.log.verifyIntegrity().valid).toBe(true);
    // Every stored checkpoint verifies under the log key and matches the log at its size.
    const { vkey } = await svc.keys.load().then((k) => k.log);
    for (const { size, note } of db.prepare('SELECT size, note FROM custody_checkpoints').all() as { size: number; note: string }[]) {
      const v = verifyCheckpoint(note, { logKeys: [parseVerifierKey(vkey)], origin: svc.origin });
      expect(v.valid).toBe(true);
      expect(Buffer.from(v.checkpoint!.rootHash).equals(Buffer.from(svc.log.root(size)))).toBe(true);
    }
  });

  it('has no update or delete path: every custody table refuses UPDATE, DELETE and REPLACE', async () => {
    const { svc, db } = makeService();
    const d = await walk(svc, (await registerSample(svc)).appliance.id, ['provisioning']);
    const attempts = [
      "UPDATE custody_events SET to_state = 'closed'",
      'DELETE FROM custody_events',
      "INSERT OR REPLACE INTO custody_events SELECT * FROM custody_events WHERE seq = 0",
      "UPDATE custody_appliances SET serial = 'x'",
      'DELETE FROM custody_appliances',
      `INSERT OR REPLACE INTO custody_appliances SELECT * FROM custody_appliances WHERE id = '${d.appliance.id}'`,
      "UPDATE custody_jobs SET customer = 'x'",
      'DELETE FROM custody_jobs',
      'INSERT OR REPLACE INTO custody_jobs SELECT * FROM custody_jobs',
      "UPDATE custody_keys SET vkey = 'x'",
      'DELETE FROM custody_keys',
      'INSERT OR REPLACE INTO custody_keys SELECT * FROM custody_keys',
      "UPDATE custody_checkpoints SET note = 'x'",
      'DELETE FROM custody_checkpoints',
      'INSERT OR REPLACE INTO custody_checkpoints SELECT * FROM custody_checkpoints',
      "UPDATE custody_install SET install_id = 'x'",
      'DELETE FROM custody_install',
      'DELETE FROM ledger_custody_leaves',
    ];
    for (const sql of attempts) expect(() => db.exec(sql), sql).toThrow(/append-only|never|written once/);
    expect(svc.detail(d.appliance.id).timeline).toHaveLength(2);
  });
});

describe('signing keys', () => {
  it('are generated on first use in the SecretStore; SQLite holds only public halves', async () => {
    const secrets = new MemorySecretStore();
    const { svc, db } = makeService({ secrets });
    expect(await secrets.get(OPERATOR_KEY_ACCOUNT)).toBeNull();
    await registerSample(svc);
    const op = await secrets.get(OPERATOR_KEY_ACCOUNT);
    const log = await secrets.get(logKeyAccount(svc.installId));
    expect(op).toMatch(/^PRIVATE\+KEY\+cairn\.custody\.operator\.tester\+/);
    expect(log).toMatch(new RegExp(`^PRIVATE\\+KEY\\+cairn\\.custody/${svc.installId}\\+`));
    const keys = db.prepare('SELECT key_id, purpose, vkey FROM custody_keys ORDER BY purpose').all();
    expect(keys).toEqual([
      { key_id: expect.stringMatching(/^cairn\.custody\.operator\.tester\+[0-9a-f]{8}$/), purpose: 'event', vkey: parseSignerKey(op as string).vkey },
      { key_id: expect.stringMatching(/\+[0-9a-f]{8}$/), purpose: 'log', vkey: parseSignerKey(log as string).vkey },
    ]);
    // A second service on the same store reuses them.
    const again = new CustodyService({ db, secrets, user: 'tester' });
    await walk(again, (await registerSample(again)).appliance.id, ['provisioning']);
    expect(db.prepare('SELECT COUNT(*) FROM custody_keys').pluck().get()).toBe(2);
  });

  it('never appear in the database file, its WAL or the logs, nor in any response', async () => {
    const dataDir = tempDir();
    const secrets = new MemorySecretStore();
    const logs = new MemoryLogSink();
    const app = await createApp({ dataDir, version: 't', transport: 'test', secrets, fleet: { mode: 'configured' }, sync: false, logSinks: [logs] });
    apps.push(app);
    await seedDemoCustody(app.custody);
    const responses: string[] = [];
    const call = async (ch: string, req: unknown) => {
      const r = await app.router.dispatch(ch, req, { transport: 'test' });
      responses.push(JSON.stringify(r));
      return r;
    };
    const board = await call('custody:appliances', {});
    expect(board.ok).toBe(true);
    const first = (board as { value: { columns: { appliances: { id: string }[] }[]; jobs: { id: string }[] } }).value;
    for (const c of first.columns) for (const a of c.appliances) await call('custody:appliance', { applianceId: a.id });
    await call('custody:export', { scope: 'job', id: first.jobs[0]!.id });
    await call('custody:record', { applianceId: 'nope', expectedSeq: 0, to: 'provisioning', operator: { name: 'O', role: 'hub_technician' }, site: { name: 'h' }, reason: 'r', fields: {} });
    app.db.pragma('wal_checkpoint(PASSIVE)');
    const secretsText = [(await secrets.get(OPERATOR_KEY_ACCOUNT)) as string, (await secrets.get(logKeyAccount(app.custody.installId))) as string];
    const needles: Buffer[] = [];
    for (const skey of secretsText) {
      // PRIVATE+KEY+name+keyid+base64: the base64 part may itself contain '+'.
      const raw = fromBase64(skey.split('+').slice(4).join('+')) as Uint8Array;
      const seed = Buffer.from(raw.subarray(1));
      needles.push(Buffer.from(skey), seed, Buffer.from(seed.toString('base64').slice(0, 40)), Buffer.from(seed.toString('hex')), Buffer.from(Buffer.from(raw).toString('base64').slice(0, 40)));
    }
    const haystacks = [...filesUnder(dataDir).map((f) => readFileSync(f)), Buffer.from(logs.lines.join('\n')), Buffer.from(responses.join('\n'))];
    for (const h of haystacks) for (const n of needles) expect(h.includes(n)).toBe(false);
  });

  it('refuse to record when no keychain is reachable, and write nothing', async () => {
    const db = openDatabase(':memory:');
    const svc = new CustodyService({ db, secrets: new UnavailableSecretStore('no keychain here'), user: 't' });
    const job = sampleJob(svc);
    const e = await rejects(registerSample(svc, job.id));
    expect(e.code).toBe('secret_store_unavailable');
    expect(db.prepare('SELECT COUNT(*) FROM custody_appliances').pluck().get()).toBe(0);
    expect(svc.log.size).toBe(0);
  });
});

describe('demo data and the contract channels', () => {
  it('seeds four appliances at different states through the real record path, once', async () => {
    const { svc } = makeService();
    expect(await seedDemoCustody(svc)).toBeGreaterThan(20);
    expect(await seedDemoCustody(svc)).toBe(0);
    const states = svc.board().columns.map((c) => c.state);
    expect(states.sort()).toEqual(['delivered', 'in_transit_back', 'ready', 'sanitised']);
    for (const job of svc.jobs()) {
      const { text, bundle } = await svc.exportBundle({ kind: 'job', id: job.id });
      expect(verifyBundle(text, { vkey: bundle.verifierKeys[0]! }).valid).toBe(true);
    }
  });

  it('serves the board, detail, record, export and verify over the router, seeded in demo mode', async () => {
    const app = await createApp({ dataDir: tempDir(), version: 't', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'demo', sites: 1 }, sync: false, logSinks: [new MemoryLogSink()] });
    apps.push(app);
    const d = (ch: string, req: unknown) => app.router.dispatch(ch, req, { transport: 'test' });
    const board = await d('custody:appliances', {});
    if (!board.ok) throw new Error(board.error.message);
    const cols = (board.value as { columns: { state: string; appliances: { id: string }[] }[] }).columns;
    const delivered = cols.find((c) => c.state === 'delivered')!.appliances[0]!.id;
    const detail = await d('custody:appliance', { applianceId: delivered });
    if (!detail.ok) throw new Error(detail.error.message);
    const seq = (detail.value as { seq: number }).seq;
    const illegal = await d('custody:record', { applianceId: delivered, expectedSeq: seq, to: 'closed', operator: { name: 'O', role: 'noc_engineer' }, site: { name: 'h' }, reason: 'r' });
    expect(illegal).toMatchObject({ ok: false, error: { code: 'conflict', field: 'to', details: { allowed: 'loading,lost,damaged,tamper_suspected' } } });
    const rec = await d('custody:record', { applianceId: delivered, expectedSeq: seq, to: 'loading', operator: { name: 'Ines', role: 'customer_representative' }, site: { name: 'Porto' }, reason: 'loading starts' });
    expect(rec).toMatchObject({ ok: true, value: { state: 'loading' } });
    const exp = await d('custody:export', { scope: 'appliance', id: delivered });
    if (!exp.ok) throw new Error(exp.error.message);
    const text = (exp.value as { text: string }).text;
    expect(await d('custody:verify', { text })).toMatchObject({ ok: true, value: { valid: true } });
    expect(await d('custody:verify', { text: text.replace('loading starts', 'loading began') })).toMatchObject({ ok: true, value: { valid: false } });
    expect(await d('custody:verify', { text, vkey: 'garbage' })).toMatchObject({ ok: true, value: { valid: false } });
    expect(await d('custody:registerAppliance', { jobId: 'job-x', serial: 'S', model: 'm', capacityBytes: 1, firmwareVersion: '1', securityModuleId: 'h', encryptionKeyId: 'k', kmsKeyRef: '-----BEGIN PRIVATE KEY-----', operator: { name: 'O', role: 'hub_technician' }, site: { name: 'h' }, reason: 'r' })).toMatchObject({ ok: false, error: { code: 'invalid_request', field: 'kmsKeyRef' } });
    const job = await d('custody:createJob', { customer: 'C', tenant: 't1', direction: 'export', dataVolumeBytes: 5, originSite: 'a', destinationSite: 'b' });
    expect(job).toMatchObject({ ok: true, value: { appliances: 0, direction: 'export' } });
  });

  it('walks the whole lifecycle and exports a bundle that verifies', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    await walk(svc, id, HAPPY_PATH);
    const { text, fileName } = await svc.exportBundle({ kind: 'appliance', id });
    expect(fileName).toMatch(/^custody-appliance-SN-\d+\.json$/);
    expect(verifyBundle(text).valid).toBe(true);
  });
});
