/**
 * The pipelined record path: batches checked against the committed history
 * and the batches still in flight, signed on the signing thread, committed
 * in check order; and migration 20 (custody_events in log order).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CustodyState } from '../../src-preload/contract';
import { parseVerifierKey } from '../ledger';
import { MIGRATIONS } from '../store/migrations';
import { migrate } from '../store/database';
import { AppException } from '../util/app-exception';
import { verifyBundle } from './bundle';
import { canonicalJson, EVENT_SIGNING_PREFIX } from './event';
import { sampleFields, sampleRole } from './samples';
import { CustodyService, orderedIdAfter } from './service';
import { actorFor, makeService, registerSample, sampleJob } from './test-support';

const PATH: CustodyState[] = ['provisioning', 'ready', 'sealed', 'in_transit_to_customer', 'delivered'];

async function settle<T>(p: Promise<T>): Promise<T | AppException> {
  return p.then(
    (v) => v,
    (e: unknown) => (e instanceof AppException ? e : Promise.reject(e)),
  );
}

const opened: { svc: CustodyService; dir?: string }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.svc.close();
    o.svc.db.close();
    if (o.dir) rmSync(o.dir, { recursive: true, force: true });
  }
});

/** The same record path, its batches written on the calling thread or (a file database) on the writer thread. */
const MODES = [
  {
    where: 'here' as const,
    make: () => {
      const made = makeService();
      opened.push({ svc: made.svc });
      return made;
    },
  },
  {
    where: 'writerThread' as const,
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-pipeline-'));
      const made = makeService({ file: join(dir, 'cairn.db'), writerThreadMin: 1 });
      opened.push({ svc: made.svc, dir });
      return made;
    },
  },
];

describe.each(MODES)('pipelined batches (written: $where)', ({ where, make: makeService }) => {
  it('checks a batch against the one still in flight for the same appliance, and commits both in order', async () => {
    const { svc } = makeService();
    const a = (await registerSample(svc)).appliance;
    const st0 = svc.replayed(a.id);
    const first = svc.recordBatch(
      [{ applianceId: a.id, expectedSeq: 0, to: 'provisioning', operator: { name: 'Op', role: sampleRole('provisioning') }, site: { name: 'Hub' }, reason: 'p', fields: sampleFields('provisioning', st0), attachments: [] }],
      { actor: actorFor('provisioning') },
    );
    // Not committed yet: the database still says seq 0, but the second batch is checked after the first.
    expect(svc.replayed(a.id).seq).toBe(0);
    const second = svc.recordBatch(
      [{ applianceId: a.id, expectedSeq: 1, to: 'ready', operator: { name: 'Op', role: sampleRole('ready') }, site: { name: 'Hub' }, reason: 'r', fields: sampleFields('ready', { ...st0, state: 'provisioning', seq: 1 }), attachments: [] }],
      { actor: actorFor('ready') },
    );
    // A stale form is refused against the in-flight state, before any signature is made.
    const stale = await settle(
      svc.recordBatch(
        [{ applianceId: a.id, expectedSeq: 0, to: 'provisioning', operator: { name: 'Op', role: sampleRole('provisioning') }, site: { name: 'Hub' }, reason: 'p', fields: sampleFields('provisioning', st0), attachments: [] }],
        { actor: actorFor('provisioning') },
      ),
    );
    expect(stale).toBeInstanceOf(AppException);
    expect((stale as AppException).code).toBe('conflict');
    expect(await first).toBe(2);
    expect(await second).toBe(3);
    const d = svc.detail(a.id);
    expect(d.state).toBe('ready');
    expect(d.timeline.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(verifyBundle((await svc.exportBundle({ kind: 'appliance', id: a.id })).text).valid).toBe(true);
    expect(svc.batchesWritten[where]).toBe(3);
    expect(svc.log.verifyIntegrity().valid).toBe(true);
  });

  it('fails the batches built on one that failed, and leaves the appliance where the database has it', async () => {
    const { svc, db } = makeService();
    const a = (await registerSample(svc)).appliance;
    const st0 = svc.replayed(a.id);
    const input = (to: CustodyState, seq: number, st = st0) => ({ applianceId: a.id, expectedSeq: seq, to, operator: { name: 'Op', role: sampleRole(to) }, site: { name: 'Hub' }, reason: to, fields: sampleFields(to, st), attachments: [] });
    const first = svc.recordBatch([input('provisioning', 0)], { actor: actorFor('provisioning') });
    const second = svc.recordBatch([input('ready', 1, { ...st0, state: 'provisioning', seq: 1 })], { actor: actorFor('ready') });
    // Another writer takes seq 1 before the first batch commits (as a field-log merge would).
    const keys = await svc.keys.load();
    db.transaction(() => {
      const st = svc.replayed(a.id);
      const checked = svc.check(st, {
        v: 1,
        origin: svc.origin,
        applianceId: a.id,
        jobId: st.jobId,
        seq: 1,
        prev: st.lastHash,
        from: 'ordered',
        to: 'provisioning',
        at: new Date(Date.parse(st.lastAt) + 1000).toISOString(),
        operator: { id: 'other', name: 'Other', role: 'field_engineer', publicKeyId: keys.operator.id },
        site: { name: 'Hub' },
        reason: 'other writer',
        fields: sampleFields('provisioning', st),
        attachments: [],
      });
      svc.commit(keys, [checked]);
    })();
    const e1 = await settle(first);
    const e2 = await settle(second);
    expect(e1).toBeInstanceOf(AppException);
    expect((e1 as AppException).code).toBe('conflict');
    expect(e2).toBeInstanceOf(AppException);
    expect((e2 as AppException).code).toBe('conflict');
    // Nothing of either batch was written; the other writer's event stands, and the next form goes through.
    const d = svc.detail(a.id);
    expect(d.timeline.map((e) => e.reason)).toEqual(['order received', 'other writer']);
    const st = svc.replayed(a.id);
    await svc.recordBatch([input('ready', 1, st)], { actor: actorFor('ready') });
    expect(svc.detail(a.id).state).toBe('ready');
  });

  it('signs a large batch on the signing thread with the same signatures the operator key makes here', async () => {
    const { svc } = makeService();
    const job = sampleJob(svc).id;
    const ids = await svc.registerBatch(
      Array.from({ length: 40 }, (_, i) => ({
        jobId: job,
        serial: `PIPE-${i}`,
        model: 'BoxX 120',
        capacityBytes: 1,
        firmwareVersion: '3.2.7',
        securityModuleId: `HSM-P${i}`,
        encryptionKeyId: `cmk-P${i}`,
        kmsKeyRef: `kms://p/${i}`,
        operator: { name: 'Op', role: 'logistics_coordinator' as const },
        site: { name: 'Hub' },
        reason: 'import',
      })),
      { actor: actorFor('ordered') },
    );
    const inputs = ids.flatMap((id) => {
      let st = svc.replayed(id);
      return PATH.map((to) => {
        const fields = sampleFields(to, st);
        const input = { applianceId: id, expectedSeq: st.seq, to, operator: { name: 'Op', role: sampleRole(to) }, site: { name: 'Hub' }, reason: to, fields, attachments: [] };
        st = { ...st, seq: st.seq + 1, state: to, seals: to === 'sealed' ? (fields.sealIds as string[]) : st.seals };
        return input;
      });
    });
    await svc.recordBatch(inputs, { actor: { id: 'tester', role: 'administrator' } });
    const keys = await svc.keys.load();
    const vkey = parseVerifierKey(keys.operator.vkey);
    const rows = svc.db.prepare('SELECT l.data AS leaf, e.signature FROM custody_events e JOIN ledger_custody_leaves l ON l.idx = e.leaf_index ORDER BY e.leaf_index').all() as { leaf: Buffer; signature: string }[];
    expect(rows).toHaveLength(40 * (1 + PATH.length));
    for (const r of rows) {
      const message = Buffer.concat([Buffer.from(EVENT_SIGNING_PREFIX), Buffer.from(canonicalJson((JSON.parse(r.leaf.toString('utf8')) as { event: unknown }).event))]);
      expect(Buffer.from(keys.operator.signer.sign(message)).toString('base64')).toBe(r.signature);
      expect(vkey.verify(message, Buffer.from(r.signature, 'base64')).ok).toBe(true);
    }
  });
});

describe('migration 20: custody events in log order', () => {
  it('keeps every event of a version-19 database, and the table stays append-only and in order', async () => {
    const { svc, db, secrets } = makeService();
    const a = (await registerSample(svc)).appliance;
    const st = svc.replayed(a.id);
    await svc.record({ applianceId: a.id, expectedSeq: 0, to: 'provisioning', operator: { name: 'Op', role: sampleRole('provisioning') }, site: { name: 'Hub' }, reason: 'p', fields: sampleFields('provisioning', st), attachments: [] }, { actor: actorFor('provisioning') });
    const details = svc.detail(a.id);
    const columns = 'leaf_index, appliance_id, seq, to_state, at, event_sha256, signature, public_key_id';
    const before = db.prepare(`SELECT ${columns} FROM custody_events ORDER BY leaf_index`).all() as Record<string, unknown>[];
    const bodies = (db.prepare('SELECT l.data FROM custody_events e JOIN ledger_custody_leaves l ON l.idx = e.leaf_index ORDER BY e.leaf_index').pluck().all() as Buffer[]).map((l) =>
      canonicalJson((JSON.parse(l.toString('utf8')) as { event: unknown }).event),
    );
    // Back to the version-19 layout: clustered on (appliance, seq), the body in a column of its own.
    db.exec(`
      DROP TABLE custody_events;
      CREATE TABLE custody_events (
        appliance_id TEXT NOT NULL REFERENCES custody_appliances(id), seq INTEGER NOT NULL CHECK (seq >= 0), to_state TEXT NOT NULL, at TEXT NOT NULL,
        body TEXT NOT NULL, event_sha256 TEXT NOT NULL, signature TEXT NOT NULL, public_key_id TEXT NOT NULL REFERENCES custody_keys(key_id),
        leaf_index INTEGER NOT NULL UNIQUE, PRIMARY KEY (appliance_id, seq)
      ) WITHOUT ROWID;
      CREATE INDEX custody_events_leaf ON custody_events(leaf_index);`);
    const put = db.prepare(`INSERT INTO custody_events (${columns}, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    before.forEach((r, i) => put.run(...Object.values(r), bodies[i]));
    db.prepare('DELETE FROM schema_migrations WHERE version = 20').run();

    expect(migrate(db, MIGRATIONS)).toBe(1);
    expect(db.prepare(`SELECT ${columns} FROM custody_events ORDER BY leaf_index`).all()).toEqual(before);
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'custody_events'").pluck().get() as string).replace(/\s+/g, ' ');
    expect(sql).toContain('leaf_index INTEGER PRIMARY KEY');
    expect(sql).not.toContain('WITHOUT ROWID');
    expect(db.prepare("SELECT COUNT(*) FROM pragma_table_info('custody_events') WHERE name = 'body'").pluck().get()).toBe(0);
    expect(() => db.prepare('UPDATE custody_events SET to_state = ?').run('closed')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM custody_events').run()).toThrow(/append-only/);
    expect(() => db.prepare(`INSERT INTO custody_events (${columns}) SELECT leaf_index + 100, appliance_id, seq + 5, to_state, at, event_sha256, signature, public_key_id FROM custody_events LIMIT 1`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`INSERT INTO custody_events (${columns}) SELECT leaf_index + 100, appliance_id, seq, to_state, at, event_sha256, signature, public_key_id FROM custody_events LIMIT 1`).run()).toThrow();
    // The service reads the same history back out of the log leaves, goes on recording and exports a bundle that verifies.
    const again = new CustodyService({ db, secrets, user: 'tester' });
    expect(again.detail(a.id)).toEqual(details);
    const st1 = again.replayed(a.id);
    await again.record({ applianceId: a.id, expectedSeq: 1, to: 'ready', operator: { name: 'Op', role: sampleRole('ready') }, site: { name: 'Hub' }, reason: 'r', fields: sampleFields('ready', st1), attachments: [] }, { actor: actorFor('ready') });
    expect(verifyBundle((await again.exportBundle({ kind: 'appliance', id: a.id })).text).valid).toBe(true);
  });

  it('refuses to read an event whose log leaf does not frame it (a damaged store), rather than showing another body', async () => {
    const { svc, db } = makeService();
    const a = (await registerSample(svc)).appliance;
    // Leaves are append-only; a damaged row is simulated by a row naming a signature its leaf does not carry.
    db.exec('DROP TRIGGER custody_events_no_update');
    db.prepare("UPDATE custody_events SET signature = 'AAAA' WHERE appliance_id = ?").run(a.id);
    expect(() => svc.detail(a.id)).toThrow(/store is damaged/);
  });
});

describe('appliance ids', () => {
  it('are in time order, strictly increasing within a millisecond and across a clock step back', () => {
    let last = '';
    const ids: string[] = [];
    for (const [now, random] of [
      [1_700_000_000_000, 'ffffffff'],
      [1_700_000_000_000, '00000000'],
      [1_700_000_000_000, '00000001'],
      [1_699_999_000_000, 'aaaaaaaa'],
      [1_700_000_000_001, '00000000'],
    ] as const) {
      last = orderedIdAfter('apl', last, now, random);
      ids.push(last);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^apl-[0-9a-f]{20}$/);
    expect(ids[0]).toBe('apl-018bcfe56800ffffffff');
    expect(ids[1]).toBe('apl-018bcfe56801' + '00000000');
  });

  it('registered in a batch come out in the order they were given', async () => {
    const { svc } = makeService();
    const job = sampleJob(svc).id;
    const ids = await svc.registerBatch(
      Array.from({ length: 30 }, (_, i) => ({
        jobId: job, serial: `ORD-${i}`, model: 'BoxX', capacityBytes: 1, firmwareVersion: '1', securityModuleId: `H${i}`, encryptionKeyId: `K${i}`, kmsKeyRef: `kms://${i}`,
        operator: { name: 'Op', role: 'logistics_coordinator' as const }, site: { name: 'Hub' }, reason: 'import',
      })),
      { actor: actorFor('ordered') },
    );
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('remembered states', () => {
  it('another process writing an appliance costs at most one refused batch, never a stuck form', async () => {
    const { svc, db, secrets } = makeService();
    const a = (await registerSample(svc)).appliance;
    const step = (s: CustodyService, to: CustodyState) => {
      const st = s.replayed(a.id);
      return s.recordBatch([{ applianceId: a.id, expectedSeq: st.seq, to, operator: { name: 'Op', role: sampleRole(to) }, site: { name: 'Hub' }, reason: to, fields: sampleFields(to, st), attachments: [] }], { actor: actorFor(to) });
    };
    await step(svc, 'provisioning');
    // A second service on the same database stands in for another process (the CLI merging a field log, say).
    const other = new CustodyService({ db, secrets, user: 'tester', clock: () => svc.clock() });
    await step(other, 'ready');
    // The form is opened after that write, so it carries seq 2: the first service must not answer from its memory of seq 1.
    await step(svc, 'sealed');
    expect(svc.detail(a.id).timeline.map((e) => e.to)).toEqual(['ordered', 'provisioning', 'ready', 'sealed']);
    // A form that is itself stale is refused as before, with the database's seq.
    const stale = await settle(
      svc.recordBatch([{ applianceId: a.id, expectedSeq: 2, to: 'in_transit_to_customer', operator: { name: 'Op', role: sampleRole('in_transit_to_customer') }, site: { name: 'Hub' }, reason: 'x', fields: {}, attachments: [] }], { actor: actorFor('in_transit_to_customer') }),
    );
    expect(stale).toBeInstanceOf(AppException);
    expect((stale as AppException).message).toContain('now at event 3');
    expect(verifyBundle((await svc.exportBundle({ kind: 'appliance', id: a.id })).text).valid).toBe(true);
  });
});

describe('registering a batch', () => {
  it('refuses a serial given twice, naming it, before anything is signed or written', async () => {
    const { svc, db } = makeService();
    const job = sampleJob(svc).id;
    const one = { jobId: job, serial: 'DUP-1', model: 'BoxX', capacityBytes: 1, firmwareVersion: '1', securityModuleId: 'H', encryptionKeyId: 'K', kmsKeyRef: 'kms://k', operator: { name: 'Op', role: 'logistics_coordinator' as const }, site: { name: 'Hub' }, reason: 'import' };
    const e = await settle(svc.registerBatch([one, { ...one }], { actor: actorFor('ordered') }));
    expect(e).toBeInstanceOf(AppException);
    expect((e as AppException).message).toBe('Appliance serial DUP-1 appears twice in this batch; register it once');
    expect(db.prepare('SELECT COUNT(*) FROM custody_appliances').pluck().get()).toBe(0);
    expect(svc.log.size).toBe(0);
  });
});
