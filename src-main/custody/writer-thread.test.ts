/**
 * The custody writer thread: large batches written on a connection of its
 * own, with the main thread's code (writes.ts). What it must keep: the same
 * typed refusals, nothing half-written, and no thread left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { generateNoteKey, parseSignerKey } from '../ledger';
import { AppException } from '../util/app-exception';
import { verifyBundle } from './bundle';
import { sampleFields, sampleRole } from './samples';
import { MemorySecretStore } from '../secrets';
import { openDatabase } from '../store/database';
import { CustodyService } from './service';
import { actorFor, makeService, sampleJob } from './test-support';
import { CUSTODY_STATES } from '../../src-preload/contract';
import { CustodyWriterThread, decodeEvents, encodeEvents, writerError, WriterUnavailable } from './writer-thread';
import type { SignedEvent } from './writes';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function fileService(writerThreadMin = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-writer-'));
  const made = makeService({ file: join(dir, 'cairn.db'), writerThreadMin });
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(async () => {
    await made.svc.close();
    made.db.close();
  });
  return made;
}

const registration = (jobId: string, serial: string) => ({
  jobId,
  serial,
  model: 'BoxX 120',
  capacityBytes: 1,
  firmwareVersion: '3.2.7',
  securityModuleId: `HSM-${serial}`,
  encryptionKeyId: `cmk-${serial}`,
  kmsKeyRef: `kms://w/${serial}`,
  operator: { name: 'Op', role: 'logistics_coordinator' as const },
  site: { name: 'Hub' },
  reason: 'import',
});

/** The next step of each appliance, as a form would send it. */
function nextSteps(svc: CustodyService, ids: readonly string[], to: 'provisioning' | 'ready') {
  return ids.map((id) => {
    const st = svc.replayed(id);
    return { applianceId: id, expectedSeq: st.seq, to, operator: { name: 'Op', role: sampleRole(to) }, site: { name: 'Hub' }, reason: to, fields: sampleFields(to, st), attachments: [] };
  });
}

const writerOf = (svc: CustodyService) => (svc as unknown as { writer: CustodyWriterThread | null }).writer;
const workerOf = (t: CustodyWriterThread) => t.worker;

describe('the custody writer thread', () => {
  it('writes large batches there and small ones here, into one log that verifies', async () => {
    const { svc } = fileService(8);
    const job = sampleJob(svc).id;
    const ids = await svc.registerBatch(Array.from({ length: 12 }, (_, i) => registration(job, `W-${i}`)), { actor: actorFor('ordered') });
    await svc.recordBatch(nextSteps(svc, ids.slice(0, 3), 'provisioning'), { actor: actorFor('provisioning') });
    await svc.recordBatch(nextSteps(svc, ids, 'provisioning').slice(3), { actor: actorFor('provisioning') });
    expect(svc.batchesWritten).toEqual({ writerThread: 2, here: 1 });
    expect(svc.log.size).toBe(24);
    expect(svc.log.verifyIntegrity().valid).toBe(true);
    // One checkpoint per batch, each signed at its batch's size.
    expect(svc.db.prepare('SELECT size FROM custody_checkpoints ORDER BY size').pluck().all()).toEqual([12, 15, 24]);
    const bundle = await svc.exportBundle({ kind: 'job', id: job });
    expect(verifyBundle(bundle.text).valid).toBe(true);
    expect(svc.detail(ids[11] as string).state).toBe('provisioning');
  });

  it('never starts for an in-memory database, whose rows a second connection could not see', async () => {
    const { svc } = makeService({ writerThreadMin: 1 });
    cleanup.push(() => svc.close());
    const job = sampleJob(svc).id;
    await svc.registerBatch([registration(job, 'M-1'), registration(job, 'M-2')], { actor: actorFor('ordered') });
    expect(svc.batchesWritten).toEqual({ writerThread: 0, here: 1 });
    expect(writerOf(svc)).toBeNull();
  });

  it("brings a guard's refusal back as the same typed error, and writes nothing of the batch", async () => {
    const { svc, db } = fileService();
    const job = sampleJob(svc).id;
    await svc.registerBatch([registration(job, 'DUP-1')], { actor: actorFor('ordered') });
    const size = svc.log.size;
    const appliances = db.prepare('SELECT COUNT(*) FROM custody_appliances').pluck().get();
    const err = await svc.registerBatch([registration(job, 'NEW-1'), registration(job, 'DUP-1')], { actor: actorFor('ordered') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    expect(err).toMatchObject({ code: 'conflict', field: 'serial' });
    expect((err as AppException).message).toMatch(/^Appliance serial DUP-1 is already in custody \(apl-[0-9a-f]+\); close that record first$/);
    expect(svc.log.size).toBe(size);
    expect(db.prepare('SELECT COUNT(*) FROM custody_appliances').pluck().get()).toBe(appliances);
    expect(svc.log.verifyIntegrity().valid).toBe(true);
  });

  it("brings a database error back as an Error with SQLite's reason, the transaction rolled back", async () => {
    const { svc } = fileService();
    const keys = await svc.keys.load();
    const thread = writerOf(svc) as CustodyWriterThread;
    const size = svc.log.size;
    const write = thread.write({
      guard: { kind: 'record', bases: [] },
      // No such appliance: the event row's foreign key fails after its leaf was appended.
      events: [{ applianceId: 'apl-none', seq: 0, to: 'ordered', at: '2025-03-01T08:00:00.000Z', hash: '0'.repeat(64), body: Buffer.from('{}'), signature: 'AAAA' }],
      publicKeyId: keys.operator.id,
      origin: svc.origin,
      logSigner: keys.log.signer,
      createdAt: '2025-03-01T08:00:00.000Z',
      autocheckpoint: 1000,
    });
    await expect(write).rejects.toThrow(/^custody writer thread: FOREIGN KEY constraint failed$/);
    expect(svc.log.size).toBe(size);
  });

  it('starts again after its thread dies, and after close', async () => {
    const { svc } = fileService();
    const job = sampleJob(svc).id;
    const ids = await svc.registerBatch([registration(job, 'R-1'), registration(job, 'R-2')], { actor: actorFor('ordered') });
    const thread = writerOf(svc) as CustodyWriterThread;
    const first = workerOf(thread);
    expect(first).not.toBeNull();
    await first?.terminate();
    expect(workerOf(thread)).toBeNull();
    await svc.recordBatch(nextSteps(svc, ids, 'provisioning'), { actor: actorFor('provisioning') });
    const second = workerOf(thread);
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    await svc.close();
    expect(workerOf(thread)).toBeNull();
    await svc.recordBatch(nextSteps(svc, ids, 'ready'), { actor: actorFor('ready') });
    expect(svc.batchesWritten).toEqual({ writerThread: 3, here: 0 });
    expect(svc.detail(ids[1] as string).state).toBe('ready');
  });

  it('on close, lets the batches in flight commit before the thread ends', async () => {
    const { svc } = fileService();
    const job = sampleJob(svc).id;
    const ids = await svc.registerBatch([registration(job, 'C-1'), registration(job, 'C-2')], { actor: actorFor('ordered') });
    let committed = false;
    const inFlight = svc.recordBatch(nextSteps(svc, ids, 'provisioning'), { actor: actorFor('provisioning') }).then((size) => {
      committed = true;
      return size;
    });
    await svc.close();
    expect(committed).toBe(true);
    expect(await inFlight).toBe(4);
    expect(workerOf(writerOf(svc) as CustodyWriterThread)).toBeNull();
  });

  it('sends a write made while the thread is closing to a new thread, which the old one ending does not fail', async () => {
    const { svc } = fileService();
    const job = sampleJob(svc).id;
    const ids = await svc.registerBatch([registration(job, 'N-1'), registration(job, 'N-2')], { actor: actorFor('ordered') });
    const thread = writerOf(svc) as CustodyWriterThread;
    const old = thread.worker;
    const closing = thread.close();
    const size = await svc.recordBatch(nextSteps(svc, ids, 'provisioning'), { actor: actorFor('provisioning') });
    await closing;
    expect(size).toBe(4);
    expect(thread.worker).not.toBeNull();
    expect(thread.worker).not.toBe(old);
  });

  it('fails the writes it holds when its thread cannot start, with the reason', async () => {
    const thread = new CustodyWriterThread('/dev/null/no-such-dir/cairn.db');
    cleanup.push(() => thread.close());
    const signer = parseSignerKey(generateNoteKey('cairn.custody/test').skey);
    const write = thread.write({ guard: { kind: 'record', bases: [] }, events: [], publicKeyId: 'k', origin: 'o', logSigner: signer, createdAt: '', autocheckpoint: 1000 });
    const err = await write.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriterUnavailable);
    expect((err as Error).message).toMatch(/^custody writer thread could not start: .*(ENOTDIR|not a directory)/i);
    expect(thread.available).toBe(false);
    expect(thread.problem).toBe((err as Error).message);
    // It does not try again.
    await expect(thread.write({ guard: { kind: 'record', bases: [] }, events: [], publicKeyId: 'k', origin: 'o', logSigner: signer, createdAt: '', autocheckpoint: 1000 })).rejects.toBeInstanceOf(WriterUnavailable);
  });

  it('leaves a batch to the calling thread when the writer thread cannot start, losing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-writer-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = openDatabase(join(dir, 'cairn.db'));
    const broken = new CustodyWriterThread('/dev/null/no-such-dir/cairn.db');
    const svc = new CustodyService({ db, secrets: new MemorySecretStore(), user: 'tester', writerThreadMin: 1, writerThread: broken });
    cleanup.push(async () => {
      await svc.close();
      db.close();
    });
    const job = sampleJob(svc).id;
    const ids = await svc.registerBatch([registration(job, 'B-1'), registration(job, 'B-2')], { actor: actorFor('ordered') });
    await svc.recordBatch(nextSteps(svc, ids, 'provisioning'), { actor: actorFor('provisioning') });
    expect(svc.batchesWritten).toEqual({ writerThread: 0, here: 2 });
    expect(broken.available).toBe(false);
    expect(svc.log.size).toBe(4);
    expect(svc.detail(ids[0] as string).state).toBe('provisioning');
  });

  it('refuses a log signer without its private key (it could not sign the checkpoint there)', async () => {
    const thread = new CustodyWriterThread('/tmp/unused.db');
    const signer = { ...parseSignerKey(generateNoteKey('cairn.custody/test').skey), privateKey: undefined };
    await expect(thread.write({ guard: { kind: 'record', bases: [] }, events: [], publicKeyId: 'k', origin: 'o', logSigner: signer, createdAt: '', autocheckpoint: 1000 })).rejects.toThrow(/needs an Ed25519 log key/);
  });
});

describe('writerError', () => {
  it('rebuilds an AppException with its code, field and details, and anything else as an Error', () => {
    const e = writerError({ app: { code: 'conflict', message: 'stale', field: 'expectedSeq', details: { reason: 'stale', seq: 3 } }, message: 'stale' });
    expect(e).toBeInstanceOf(AppException);
    expect(e).toMatchObject({ code: 'conflict', message: 'stale', field: 'expectedSeq', details: { reason: 'stale', seq: 3 } });
    // A code this build does not know is internal, never passed through.
    expect(writerError({ app: { code: 'nonsense' as 'conflict', message: 'm' }, message: 'm' })).toMatchObject({ code: 'internal' });
    const plain = writerError({ message: 'disk I/O error' });
    expect(plain).not.toBeInstanceOf(AppException);
    expect(plain.message).toBe('custody writer thread: disk I/O error');
  });
});

describe('a write message', () => {
  it('carries any events to the thread unchanged: rows, bodies (empty ones too) and signatures, in order', () => {
    const event: fc.Arbitrary<SignedEvent> = fc.record({
      applianceId: fc.string(),
      seq: fc.nat(),
      to: fc.constantFrom(...CUSTODY_STATES),
      at: fc.string(),
      hash: fc.string(),
      body: fc.uint8Array({ maxLength: 200 }),
      signature: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const encoded = encodeEvents(events);
        // As it arrives: the transferred buffers are new objects on the other side.
        const arrived = structuredClone({ t: 'write' as const, id: 0, key: 0, guard: { kind: 'record' as const, bases: [] }, publicKeyId: '', origin: '', createdAt: '', autocheckpoint: 0, ...encoded });
        const decoded = decodeEvents(arrived).map((e) => ({ ...e, body: Buffer.from(e.body) }));
        expect(decoded).toEqual(events.map((e) => ({ ...e, body: Buffer.from(e.body) })));
      }),
    );
  });
});
