/**
 * The survey service end to end on two "machines" (two databases, two
 * attachment stores, two engineer keys): autosave revisions, photos by hash,
 * signing, linking to a site plan, and the USB hand-over — created, up to
 * date, fast-forward, clean merge, and conflicts decided field by field.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { emptySurvey, type SurveyData } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { BUNDLE_PROBLEMS } from './bundle';
import { sampleSurvey } from './samples';
import { JPEG, machine, PNG, type Machine } from './test-support';

const open: Machine[] = [];
async function m(): Promise<Machine> {
  const x = await machine();
  open.push(x);
  return x;
}
afterEach(() => {
  while (open.length) open.pop()?.close();
});

async function thrown(fn: () => unknown): Promise<AppException> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppException) return err;
    throw err;
  }
  throw new Error('expected an AppException');
}

const edit = (d: SurveyData, f: (x: SurveyData) => void): SurveyData => {
  const c = structuredClone(d);
  f(c);
  return c;
};

describe('surveys on one machine', () => {
  it('creates, autosaves only real changes, and keeps an append-only history', async () => {
    const { survey, db } = await m();
    const a = survey.save({ data: emptySurvey('Edge Lyon') });
    expect(a.revisions).toBe(1);
    // An autosave of unchanged content writes nothing.
    expect(survey.save({ id: a.id, expectedRevision: a.revisionId, data: a.data, autosave: true }).revisionId).toBe(a.revisionId);
    const b = survey.save({ id: a.id, expectedRevision: a.revisionId, data: sampleSurvey('Edge Lyon'), autosave: true });
    expect(b.revisions).toBe(2);
    expect(survey.history(a.id).map((h) => h.reason)).toEqual(['created', 'autosave']);
    expect(survey.history(a.id)[1]!.parents).toEqual([a.revisionId]);
    // A save from a stale revision is a conflict, never a silent overwrite.
    expect((await thrown(() => survey.save({ id: a.id, expectedRevision: a.revisionId, data: emptySurvey('x') }))).code).toBe('conflict');
    expect(() => db.prepare('UPDATE survey_revisions SET reason = ?').run('x')).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM survey_revisions').run()).toThrow(/append-only/);
    expect(survey.list()[0]).toMatchObject({ id: a.id, name: 'Edge Lyon', revisions: 2, signed: 'unsigned' });
  });

  it('refuses an invalid survey with the JSON path of the fault', async () => {
    const { survey } = await m();
    const bad = edit(sampleSurvey(), (d) => (d.racks[1]!.heightU = 42.5));
    const e = await thrown(() => survey.save({ data: bad }));
    expect(e).toMatchObject({ code: 'invalid_request', field: '$.racks[1].heightU' });
    const dangling = edit(sampleSurvey(), (d) => (d.power.feeds[0]!.rackId = 'r9'));
    expect((await thrown(() => survey.save({ data: dangling }))).field).toBe('$.power.feeds[0].rackId');
    const dup = edit(sampleSurvey(), (d) => (d.racks[1]!.id = 'r1'));
    expect((await thrown(() => survey.save({ data: dup }))).message).toMatch(/duplicate id "r1"/);
  });

  it('stores photos by SHA-256, checks their type by content, and refuses unknown photo hashes', async () => {
    const { survey } = await m();
    const s = survey.save({ data: sampleSurvey() });
    const a = survey.attach({ id: s.id, expectedRevision: s.revisionId, fileName: 'C:\\photos\\rack.jpg', caption: 'R1 front' }, JPEG);
    expect(a.data.photos).toEqual([expect.objectContaining({ fileName: 'rack.jpg', mediaType: 'image/jpeg', bytes: JPEG.length, caption: 'R1 front' })]);
    expect(survey.attachments.get(a.data.photos[0]!.sha256).equals(JPEG)).toBe(true);
    const b = survey.attach({ id: s.id, fileName: 'label.png' }, PNG);
    expect(b.data.photos.map((p) => p.mediaType)).toEqual(['image/jpeg', 'image/png']);
    expect((await thrown(() => survey.attach({ id: s.id, fileName: 'again.jpg' }, JPEG))).code).toBe('conflict');
    expect((await thrown(() => survey.attach({ id: s.id, fileName: 'evil.jpg' }, Buffer.from('MZ not a photo')))).message).toMatch(/only JPEG and PNG/);
    const forged = edit(b.data, (d) => d.photos.push({ ...d.photos[0]!, sha256: 'f'.repeat(64) }));
    expect((await thrown(() => survey.save({ id: s.id, data: forged }))).field).toBe('$.photos[2].sha256');
    const c = survey.detach({ id: s.id, sha256: b.data.photos[0]!.sha256 });
    expect(c.data.photos).toHaveLength(1);
  });

  it('signs the current revision; an edit afterwards shows the signature as changed-since', async () => {
    const { survey } = await m();
    const s = survey.save({ data: sampleSurvey() });
    const signed = await survey.sign({ id: s.id, expectedRevision: s.revisionId, engineer: 'Ana Ferreira' });
    expect(signed.signatures).toEqual([expect.objectContaining({ engineer: 'Ana Ferreira', revisionId: s.revisionId, valid: true, current: true })]);
    expect(signed.signatures[0]!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(survey.list()[0]!.signed).toBe('signed');
    const later = survey.save({ id: s.id, data: edit(s.data, (d) => (d.notes = 'changed')) });
    expect(later.signatures[0]).toMatchObject({ valid: true, current: false });
    expect(survey.list()[0]!.signed).toBe('changed-since');
  });

  it('evaluates the checklist and ASHRAE A1 inlet readings', async () => {
    const { survey } = await m();
    const s = survey.save({ data: sampleSurvey() });
    expect(s.inlets.map((i) => i.verdict)).toEqual(['recommended', 'allowable']);
    const status = Object.fromEntries(s.checklist.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ cabling: 'pass', 'physical-security': 'attention', cooling: 'attention', 'rack-space': 'attention', 'energy-efficiency': 'attention' });
  });

  it('feeds a site plan from the survey, so the power engine evaluates its racks and feeds', async () => {
    const { survey, sites } = await m();
    const s = survey.save({ data: sampleSurvey() });
    const linked = survey.linkPlan({ id: s.id });
    expect(linked.data.site.planId).toMatch(/^site-/);
    const plan = sites.get(linked.data.site.planId!);
    expect(plan.plan.racks.map((r) => [r.id, r.model])).toEqual([
      ['r1', 'conteg-ri7-42-60-100'],
      ['r2', 'conteg-ri7-45-60-100'],
    ]);
    expect(plan.report?.feeds.find((f) => f.id === 'r2-a')).toMatchObject({ phase: 'three', side: 'A' });
    // Three-phase 230 V stated line-to-neutral: the engine works with 398 V line-to-line (16 A × 230 × 3 × 0.8).
    expect(plan.report?.feeds.find((f) => f.id === 'r2-a')?.availableVA).toBeCloseTo(230 * 16 * 3 * 0.8, 1);
    // Linking again updates the same plan and keeps devices placed there meanwhile.
    const p = structuredClone(plan.plan);
    p.racks[0]!.devices.push({ id: 'h1', ref: 'pool-host-epyc-9274f', position: 1, face: 'front', power: [{ feed: 'r1-a' }, { feed: 'r1-b' }] });
    sites.save({ id: plan.site.id, plan: p });
    survey.linkPlan({ id: s.id });
    expect(sites.get(plan.site.id).plan.racks[0]!.devices.map((d) => d.id)).toEqual(['h1']);
    const report = JSON.parse((await survey.report(s.id, 'json')).json);
    expect(report.budgets.source).toBe('site plan');
    expect(report.elevations[0].devices).toEqual([expect.objectContaining({ id: 'h1', position: 1, uHeight: 2 })]);
  });
});

describe('hand-over between two machines', () => {
  it('creates on import, is up to date on re-import, fast-forwards a newer version', async () => {
    const field = await m();
    const office = await m();
    const s = field.survey.save({ data: sampleSurvey() });
    field.survey.attach({ id: s.id, fileName: 'rack.jpg' }, JPEG);
    await field.survey.sign({ id: s.id, engineer: 'Ana Ferreira' });
    const b1 = await field.survey.exportBundle(s.id);
    expect(b1.fileName).toMatch(/^survey-edge-site-lyon-[0-9a-f]{8}\.cairn-survey$/);
    const r1 = office.survey.importBundle(b1.bytes);
    expect(r1).toMatchObject({ outcome: 'created', attachments: 1, signer: { name: 'Ana Ferreira' } });
    expect(r1.survey.revisionId).toBe(field.survey.get(s.id).revisionId);
    expect(r1.survey.signatures).toEqual([expect.objectContaining({ engineer: 'Ana Ferreira', valid: true, current: true })]);
    expect(office.survey.attachments.has(r1.survey.data.photos[0]!.sha256)).toBe(true);
    expect(office.survey.importBundle(b1.bytes).outcome).toBe('up-to-date');

    const cur = field.survey.get(s.id);
    field.survey.save({ id: s.id, data: edit(cur.data, (d) => (d.security.cctv = true)) });
    const r2 = office.survey.importBundle((await field.survey.exportBundle(s.id)).bytes);
    expect(r2.outcome).toBe('fast-forward');
    expect(r2.survey.data.security.cctv).toBe(true);
  });

  it('merges non-conflicting edits on both sides without asking', async () => {
    const field = await m();
    const office = await m();
    const s = field.survey.save({ data: sampleSurvey() });
    office.survey.importBundle((await field.survey.exportBundle(s.id)).bytes);
    const base = field.survey.get(s.id);
    field.survey.save({ id: s.id, data: edit(base.data, (d) => (d.racks[0]!.expectedLoadKW = 4)) });
    office.survey.save({
      id: s.id,
      data: edit(base.data, (d) => {
        d.security.cctv = true;
        d.rooms.push({ id: 'room-2', name: 'Battery room', floor: '0', areaM2: 6, notes: '' });
      }),
    });
    const r = office.survey.importBundle((await field.survey.exportBundle(s.id)).bytes);
    expect(r.outcome).toBe('merged');
    expect(r.survey.data.racks[0]!.expectedLoadKW).toBe(4);
    expect(r.survey.data.security.cctv).toBe(true);
    expect(r.survey.data.rooms.map((x) => x.id)).toEqual(['room-1', 'room-2']);
    expect(office.survey.history(s.id).at(-1)!.parents).toHaveLength(2);
    // Sent back, the field machine fast-forwards to the merge.
    expect(field.survey.importBundle((await office.survey.exportBundle(s.id)).bytes).outcome).toBe('fast-forward');
  });

  it('stops at conflicts, shows base/mine/theirs per field, and applies a decision per field', async () => {
    const field = await m();
    const office = await m();
    const s = field.survey.save({ data: sampleSurvey() });
    office.survey.importBundle((await field.survey.exportBundle(s.id)).bytes);
    const base = field.survey.get(s.id);
    field.survey.save({
      id: s.id,
      data: edit(base.data, (d) => {
        d.racks[0]!.maxLoadKg = 1000;
        d.cooling.inletReadings[1]!.celsius = 26;
        d.notes = 'field notes';
        d.racks = d.racks.filter((r) => r.id !== 'r2');
        d.power.feeds = d.power.feeds.filter((f) => f.rackId !== 'r2');
        d.cooling.inletReadings = d.cooling.inletReadings.map((x) => ({ ...x, rackId: x.rackId === 'r2' ? null : x.rackId }));
      }),
    });
    const mine = office.survey.save({
      id: s.id,
      data: edit(base.data, (d) => {
        d.racks[0]!.maxLoadKg = 900;
        d.cooling.inletReadings[1]!.celsius = 27.5;
        d.racks[1]!.expectedLoadKW = 3;
        d.site.address = 'office address';
      }),
    });
    const r = office.survey.importBundle((await field.survey.exportBundle(s.id)).bytes);
    expect(r.outcome).toBe('conflicts');
    // Nothing changed yet: the head is still mine until the operator decides.
    expect(r.survey.revisionId).toBe(mine.revisionId);
    expect(r.survey.pendingMerge).toBe(r.merge!.id);
    const byPath = Object.fromEntries(r.merge!.conflicts.map((c) => [c.path, c]));
    expect(Object.keys(byPath).sort()).toEqual(['$.cooling.inletReadings[id=in-2].celsius', '$.racks[id=r1].maxLoadKg', '$.racks[id=r2]'].sort());
    expect(byPath['$.racks[id=r1].maxLoadKg']).toMatchObject({ base: 800, mine: 900, theirs: 1000, label: 'Racks › Rack R1 › Weight limit (kg)' });
    expect(byPath['$.racks[id=r2]']).toMatchObject({ theirsAbsent: true, mineAbsent: false });
    // Changes on one side only are taken as a whole, at the highest path only that side touched.
    expect(r.merge!.autoMerged).toEqual(expect.arrayContaining(['$.notes', '$.site', '$.cooling.inletReadings[id=in-2].rackId']));

    // Edits made while the merge waits belong to this side: a field changed now against theirs becomes a conflict too.
    office.survey.save({ id: s.id, data: edit(office.survey.get(s.id).data, (d) => (d.notes = 'office notes')) });
    const reopened = office.survey.merge(s.id);
    expect(reopened.conflicts.map((c) => c.path)).toContain('$.notes');
    expect(reopened.mineRevision).toBe(office.survey.get(s.id).revisionId);
    const headBefore = reopened.mineRevision;

    // Every conflict needs a decision.
    const partial = await thrown(() => office.survey.resolve({ mergeId: r.merge!.id, decisions: [{ path: '$.racks[id=r1].maxLoadKg', choice: 'theirs' }] }));
    expect(partial).toMatchObject({ code: 'invalid_request', field: 'decisions' });
    expect((await thrown(() => office.survey.resolve({ mergeId: r.merge!.id, decisions: [{ path: '$.nope', choice: 'mine' }] }))).message).toMatch(/not a conflict/);

    const done = office.survey.resolve({
      mergeId: r.merge!.id,
      decisions: [
        { path: '$.racks[id=r1].maxLoadKg', choice: 'theirs' },
        { path: '$.cooling.inletReadings[id=in-2].celsius', choice: 'mine' },
        { path: '$.racks[id=r2]', choice: 'mine' },
        { path: '$.notes', choice: 'theirs' },
      ],
    });
    expect(done.data.racks.map((x) => [x.id, x.maxLoadKg, x.expectedLoadKW])).toEqual([
      ['r1', 1000, 3.5],
      ['r2', 800, 3],
    ]);
    expect(done.data.cooling.inletReadings[1]!.celsius).toBe(27.5);
    expect(done.data.notes).toBe('field notes');
    expect(done.data.site.address).toBe('office address');
    expect(done.pendingMerge).toBeNull();
    expect(mine.revisionId).not.toBe(headBefore);
    expect(office.survey.history(s.id).at(-1)).toMatchObject({ parents: [headBefore, field.survey.get(s.id).revisionId] });
    expect((await thrown(() => office.survey.resolve({ mergeId: r.merge!.id, decisions: [] }))).code).toBe('conflict');
    // The field machine takes the resolution as a fast-forward.
    expect(field.survey.importBundle((await office.survey.exportBundle(s.id)).bytes).outcome).toBe('fast-forward');
  });

  it('refuses a bundle from an untrusted key and a tampered bundle, saying what is wrong', async () => {
    const field = await m();
    const office = await m();
    const s = field.survey.save({ data: sampleSurvey() });
    const b = await field.survey.exportBundle(s.id);
    const e = await thrown(() => office.survey.importBundle(b.bytes, { trustedFingerprint: '0'.repeat(64) }));
    expect(e).toMatchObject({ code: 'invalid_request', field: '$.manifest.exportedBy.fingerprint', details: { reason: 'untrusted-key' } });
    const tampered = Buffer.from(b.bytes.toString('utf8').replace('"maxLoadKg":800', '"maxLoadKg":900'), 'utf8');
    const t = await thrown(() => office.survey.importBundle(tampered));
    expect(t.details).toMatchObject({ reason: 'bad-signature' });
    expect(office.survey.list()).toEqual([]);
  });

  it('never imports a randomly corrupted bundle: a typed refusal and nothing stored', async () => {
    const field = await m();
    const office = await m();
    const s = field.survey.save({ data: sampleSurvey() });
    field.survey.attach({ id: s.id, fileName: 'rack.jpg' }, JPEG);
    const { bytes } = await field.survey.exportBundle(s.id);
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const damaged = Buffer.from(bytes);
        const i = at % damaged.length;
        damaged[i] = (damaged[i]! + delta) % 256;
        let err: unknown;
        try {
          office.survey.importBundle(damaged);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(AppException);
        expect((err as AppException).code).toBe('invalid_request');
        expect(BUNDLE_PROBLEMS).toContain((err as AppException).details?.reason);
        return true;
      }),
      { numRuns: 150 },
    );
    expect(office.survey.list()).toEqual([]);
    expect(office.db.prepare('SELECT COUNT(*) FROM survey_attachments').pluck().get()).toBe(0);
  });
});
