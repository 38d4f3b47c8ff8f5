/**
 * Who may record which custody step: every tenancy role × every target
 * state, written out by hand (not derived from ROLES), through the service's
 * record path (nothing written on a refusal) and through the router (the
 * event records the console operator's real role).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CUSTODY_STATES, ROLE_IDS, type CustodyState, type RoleId } from '../../src-preload/contract';
import { createApp, type App } from '../app/create-app';
import { AppException } from '../util/app-exception';
import { MemoryLogSink } from '../util/log';
import { checkActor, custodyActionFor, roleRefusal } from './permissions';
import { sampleFields } from './samples';
import { actorFor, HAPPY_PATH, makeService, registerSample, walk } from './test-support';

const CERTIFY: ReadonlySet<CustodyState> = new Set(['sanitised', 'closed']);
const MAY_RECORD: ReadonlySet<RoleId> = new Set(['field_engineer', 'operator', 'administrator']);
const MAY_CERTIFY: ReadonlySet<RoleId> = new Set(['operator', 'administrator']);

describe('custody permission matrix', () => {
  for (const role of ROLE_IDS) {
    for (const to of CUSTODY_STATES) {
      const allowed = CERTIFY.has(to) ? MAY_CERTIFY.has(role) : MAY_RECORD.has(role);
      it(`${role} → ${to}: ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(custodyActionFor(to)).toBe(CERTIFY.has(to) ? 'custody.certify' : 'custody.record');
        expect(roleRefusal(role, to) === null).toBe(allowed);
        const run = () => checkActor({ id: 'u', role }, to);
        if (allowed) expect(run).not.toThrow();
        else expect(run).toThrow(expect.objectContaining({ code: 'forbidden', field: 'to' }) as Error);
      });
    }
  }

  it('refuses a custody job title where a tenancy role is needed', () => {
    expect(roleRefusal('sanitisation_officer', 'sanitised')).toMatch(/not a Cairn role/);
  });
});

describe('the record path enforces the step permission', () => {
  it('lets a Field engineer walk to sanitising, refuses the certificate, and the Operator certifies and closes', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    await walk(svc, id, HAPPY_PATH.slice(0, HAPPY_PATH.indexOf('sanitising') + 1));
    const st = svc.replayed(id);
    const before = svc.log.size;
    const input = { applianceId: id, expectedSeq: st.seq, to: 'sanitised' as const, operator: { name: 'Mara', role: 'sanitisation_officer' as const }, site: { name: 'Hub' }, reason: 'done', fields: sampleFields('sanitised', st), attachments: [] };
    const err = await svc.record(input, { actor: { id: 'eve', role: 'field_engineer' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppException);
    expect(err).toMatchObject({ code: 'forbidden', details: { action: 'custody.certify', role: 'field_engineer' } });
    expect(svc.log.size).toBe(before);
    const d = await svc.record(input, { actor: { id: 'olga', role: 'operator' } });
    expect(d.timeline.at(-1)?.operator).toEqual({ id: 'olga', name: 'Mara', role: 'operator', capacity: 'sanitisation_officer' });
    await walk(svc, id, ['closed']);
    expect(svc.replayed(id).state).toBe('closed');
  });

  it('refuses a Viewer even the registration', async () => {
    const { svc } = makeService();
    const ok = await registerSample(svc);
    expect(ok.timeline[0]?.operator.role).toBe(actorFor('ordered').role);
    const err = await svc
      .record(
        { applianceId: ok.appliance.id, expectedSeq: 0, to: 'provisioning', operator: { name: 'V', role: 'noc_engineer' }, site: { name: 'h' }, reason: 'r', fields: {}, attachments: [] },
        { actor: { id: 'vic', role: 'viewer' } },
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ code: 'forbidden' });
  });
});

describe('the custody channels record the console operator’s real role', () => {
  const apps: App[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = async (dir: string, operator: string) => {
    const app = await createApp({ dataDir: dir, version: 't', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'configured' }, sync: false, logSinks: [new MemoryLogSink()], attestation: { operator } });
    apps.push(app);
    return (ch: string, req: unknown) => app.router.dispatch(ch, req, { transport: 'test' });
  };

  it('signs as Administrator for the bootstrap operator, refuses a Viewer with forbidden', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-custody-roles-'));
    dirs.push(dir);
    const alice = await open(dir, 'alice');
    const job = await alice('custody:createJob', { customer: 'C', tenant: 't1', direction: 'import', dataVolumeBytes: 5, originSite: 'a', destinationSite: 'b' });
    if (!job.ok) throw new Error(job.error.message);
    const reg = await alice('custody:registerAppliance', {
      jobId: (job.value as { id: string }).id,
      serial: 'SN-R1',
      model: 'm',
      capacityBytes: 1,
      firmwareVersion: '1',
      securityModuleId: 'h',
      encryptionKeyId: 'k',
      kmsKeyRef: 'kms://k',
      operator: { name: 'Alice', role: 'hub_technician' },
      site: { name: 'hub' },
      reason: 'r',
    });
    expect(reg).toMatchObject({ ok: true, value: { timeline: [{ operator: { id: 'alice', role: 'administrator', capacity: 'hub_technician' } }] } });
    expect(await alice('tenancy:saveOperator', { name: 'vic', roles: ['viewer'], tenants: null })).toMatchObject({ ok: true });
    await apps.splice(0)[0]!.close();
    const vic = await open(dir, 'vic');
    const applianceId = reg.ok ? (reg.value as { appliance: { id: string } }).appliance.id : '';
    expect(await vic('custody:record', { applianceId, expectedSeq: 0, to: 'provisioning', operator: { name: 'Vic', role: 'hub_technician' }, site: { name: 'hub' }, reason: 'r', fields: {} })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: 'vic (Viewer) is not allowed to custody.record' },
    });
  });
});
