/**
 * The Surveys tab over the fake bridge: the list, a new survey, the form
 * autosaving real edits (and only to `survey:*`, the local store), photos
 * going up in chunks, signing, the bundle and report coming down in chunks
 * (checked against their SHA-256), and an import that stops at conflicts
 * with the merge dialog showing base / this machine / imported per field
 * and sending one decision per field.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptySurvey, type SurveyData, type SurveyDetail, type SurveyMerge, type SurveySummary } from '../../../../src-preload/contract';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';
import { AUTOSAVE_MS } from './survey.svelte';
import { bytesOf, fromBase64, sha256Hex, toBase64 } from '../../lib/files';

const REV = (n: number) => n.toString(16).padStart(64, '0');

function data(): SurveyData {
  const d = emptySurvey('Edge Lyon');
  d.site.address = '12 Rue de la Gare';
  d.racks = [{ id: 'r1', name: 'Rack R1', roomId: null, heightU: 42, widthMm: 600, depthMm: 1000, maxLoadKg: 800, clearanceFrontMm: null, clearanceRearMm: null, expectedLoadKW: 3 }];
  d.cooling.inletReadings = [{ id: 'in-1', location: 'R1 front', rackId: 'r1', celsius: 28.5 }];
  return d;
}

function detailOf(d: SurveyData, rev = 1, extra: Partial<SurveyDetail> = {}): SurveyDetail {
  return {
    id: 'survey-1',
    data: d,
    revisionId: REV(rev),
    revisions: rev,
    updatedAt: `2026-03-01T08:00:0${rev % 10}.000Z`,
    checklist: [{ id: 'cooling', label: 'Ventilation and cooling', status: 'attention', reasons: ['R1 front: 28.5 °C inlet is outside the recommended 18–27 °C'] }],
    inlets: d.cooling.inletReadings.map((r) => ({ id: r.id, location: r.location, celsius: r.celsius, verdict: r.celsius > 27 ? ('allowable' as const) : ('recommended' as const) })),
    signatures: [],
    pendingMerge: null,
    ...extra,
  };
}

const summary: SurveySummary = {
  id: 'survey-1',
  name: 'Edge Lyon',
  kind: 'new',
  revisionId: REV(1),
  revisions: 1,
  updatedAt: '2026-03-01T08:00:01.000Z',
  signed: 'unsigned',
  checklist: { pass: 0, attention: 1, fail: 0, unknown: 7 },
  pendingMerge: null,
};

const saveStatus = () => screen.getAllByRole('status').find((el) => el.hasAttribute('data-state')) as HTMLElement;

let bridge: FakeBridge;
let current: SurveyDetail;
let rev: number;
const uploads = new Map<string, Uint8Array[]>();

beforeEach(() => {
  current = detailOf(data());
  rev = 1;
  uploads.clear();
  bridge = setupApp({
    'survey:list': () => [summary],
    'survey:get': (req) => (req.id === 'survey-1' ? current : fail('not_found', 'No survey', 'id')),
    'survey:save': (req) => {
      if (req.id && req.expectedRevision !== current.revisionId) fail('conflict', 'changed elsewhere', 'expectedRevision');
      current = detailOf(req.data as SurveyData, ++rev);
      return current;
    },
    'survey:upload': (req) => {
      const id = req.uploadId ?? `up-${uploads.size + 1}`;
      const parts = uploads.get(id) ?? [];
      expect(req.index).toBe(parts.length);
      parts.push(fromBase64(req.data));
      uploads.set(id, parts);
      return { uploadId: id, bytes: parts.reduce((n, p) => n + p.length, 0) };
    },
  });
  router.reset(route('sites-power'));
});
afterEach(() => vi.useRealTimers());

async function openSurveys() {
  render(App);
  await fireEvent.click(await screen.findByRole('tab', { name: 'Surveys' }));
  await screen.findByRole('heading', { name: 'Edge Lyon', level: 2 });
}

describe('site surveys', () => {
  it('lists surveys, opens the first, and shows the checklist and the inlet verdict', async () => {
    await openSurveys();
    const list = screen.getByRole('list', { name: 'Surveys' });
    expect(within(list).getByRole('button', { name: /Edge Lyon/ }).getAttribute('aria-pressed')).toBe('true');
    expect((screen.getByLabelText('Address') as HTMLInputElement).value).toBe('12 Rue de la Gare');
    expect(screen.getByText('outside 18–27 °C')).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Site requirements checklist' })).getByText(/28.5 °C inlet/)).toBeTruthy();
  });

  it('autosaves a real edit once, after a pause, and says when it was saved locally', async () => {
    await openSurveys();
    await fireEvent.input(screen.getByLabelText('Address'), { target: { value: '14 Rue de la Gare' } });
    await fireEvent.input(screen.getByLabelText('Rack name'), { target: { value: 'Rack A1' } });
    expect(saveStatus().textContent).toContain('Unsaved changes');
    await waitFor(() => expect(bridge.callsTo('survey:save')).toHaveLength(1), { timeout: AUTOSAVE_MS + 2000 });
    const sent = bridge.callsTo('survey:save')[0]!;
    expect(sent).toMatchObject({ id: 'survey-1', expectedRevision: REV(1), autosave: true });
    expect((sent.data as SurveyData).site.address).toBe('14 Rue de la Gare');
    expect((sent.data as SurveyData).racks[0]!.name).toBe('Rack A1');
    await waitFor(() => expect(saveStatus().textContent).toMatch(/Saved locally at/));
    // Emptying a number field records "not measured" (null), never 0.
    await fireEvent.input(screen.getByLabelText('Weight limit (kg)'), { target: { value: '' } });
    await waitFor(() => expect(bridge.callsTo('survey:save')).toHaveLength(2), { timeout: AUTOSAVE_MS + 2000 });
    expect((bridge.callsTo('survey:save')[1]!.data as SurveyData).racks[0]!.maxLoadKg).toBeNull();
    expect(bridge.callsTo('survey:save')[1]!.expectedRevision).toBe(REV(2));
    expect(bridge.contractViolations).toEqual([]);
    // Nothing the survey does needs a cluster.
    expect(bridge.calls.filter((c) => c.channel.startsWith('survey:') || c.channel.startsWith('sites:')).length).toBeGreaterThan(0);
  });

  it('adds items with unique ids and creates a new survey', async () => {
    await openSurveys();
    await fireEvent.click(screen.getByRole('button', { name: 'Add feed' }));
    await fireEvent.change(screen.getByLabelText('Voltage stated as'), { target: { value: 'line-to-line' } });
    await waitFor(() => expect(bridge.callsTo('survey:save')).toHaveLength(1), { timeout: AUTOSAVE_MS + 2000 });
    const feed = (bridge.callsTo('survey:save')[0]!.data as SurveyData).power.feeds[0]!;
    expect(feed).toMatchObject({ rackId: 'r1', side: 'A', voltage: 230, voltageType: 'line-to-line', phase: 'single' });
    expect(feed.id).toMatch(/^feed-[0-9a-f]{8}$/);

    await fireEvent.input(screen.getByLabelText('New survey: site name'), { target: { value: 'Edge Porto' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Create survey' }));
    await waitFor(() => expect(bridge.callsTo('survey:save').some((c) => c.id === undefined)).toBe(true));
    const created = bridge.callsTo('survey:save').find((c) => c.id === undefined)!;
    expect((created.data as SurveyData).site).toEqual({ name: 'Edge Porto', kind: 'new', address: '', gps: null, planId: null });
  });

  it('uploads a photo in chunks and attaches it, then signs', async () => {
    const photo = new Uint8Array(700_000).map((_, i) => i % 251);
    photo.set([0xff, 0xd8, 0xff]);
    bridge.handle({
      'survey:attach': (req) => {
        const parts = uploads.get(req.uploadId)!;
        expect(parts.length).toBe(2);
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          all.set(p, at);
          at += p.length;
        }
        expect(all).toEqual(photo);
        const d = structuredClone(current.data);
        d.photos.push({ sha256: 'a'.repeat(64), fileName: req.fileName, mediaType: 'image/jpeg', bytes: all.length, caption: req.caption, addedAt: '2026-03-01T09:00:00.000Z' });
        current = detailOf(d, ++rev);
        return current;
      },
      'survey:sign': (req) => {
        current = detailOf(current.data, rev, {
          signatures: [{ engineer: req.engineer, keyId: 'cairn.survey.engineer.ana+01020304', fingerprint: 'b'.repeat(64), signedAt: '2026-03-01T09:05:00.000Z', revisionId: current.revisionId, contentSha256: 'c'.repeat(64), valid: true, current: true }],
        });
        return current;
      },
    });
    await openSurveys();
    await fireEvent.input(screen.getByLabelText('Caption'), { target: { value: 'Rack R1 front' } });
    await fireEvent.change(screen.getByLabelText('Photo file'), { target: { files: [new File([photo], 'rack.jpg', { type: 'image/jpeg' })] } });
    await waitFor(() => expect(bridge.callsTo('survey:attach')).toHaveLength(1));
    expect(bridge.callsTo('survey:attach')[0]).toMatchObject({ id: 'survey-1', expectedRevision: REV(1), fileName: 'rack.jpg', caption: 'Rack R1 front' });
    const photos = await screen.findByRole('list', { name: 'Photos' });
    await waitFor(() => expect(within(photos).getByText('Rack R1 front')).toBeTruthy());

    await fireEvent.input(screen.getByLabelText('Engineer'), { target: { value: 'Ana Ferreira' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Sign survey' }));
    await waitFor(() => expect(bridge.callsTo('survey:sign')).toEqual([{ id: 'survey-1', expectedRevision: REV(2), engineer: 'Ana Ferreira' }]));
    await screen.findByText('Covers this version');
    expect(screen.getByText(/key bbbbbbbbbbbbbbbb…/)).toBeTruthy();
  }, 30_000);

  it('downloads the bundle and the report in chunks, refusing a damaged download', async () => {
    const file = new TextEncoder().encode('{"format":"cairn.survey/bundle"}'.repeat(30_000));
    const sha = await sha256Hex(file);
    let damaged = false;
    const chunk = 393_216;
    bridge.handle({
      'survey:export': () => ({ fileName: 'survey-edge-lyon-00000001.cairn-survey', mediaType: 'application/vnd.cairn.survey+json', downloadId: 'down-1', bytes: file.length, chunks: Math.ceil(file.length / chunk), sha256: sha }),
      'survey:report': (req) => ({ fileName: `site-readiness.${req.format}`, mediaType: 'application/pdf', downloadId: 'down-1', bytes: file.length, chunks: Math.ceil(file.length / chunk), sha256: sha, pages: 7 }),
      'survey:download': (req) => {
        const part = file.slice(req.index * chunk, (req.index + 1) * chunk);
        if (damaged && req.index === 1) part[0] = part[0]! ^ 1;
        return { data: toBase64(part) };
      },
    });
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => (created.push(b), 'blob:survey')) as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const names: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    await openSurveys();
    await fireEvent.click(screen.getByRole('button', { name: 'Export bundle' }));
    await waitFor(() => expect(names).toEqual(['survey-edge-lyon-00000001.cairn-survey']));
    expect(bridge.callsTo('survey:download').map((c) => c.index)).toEqual([0, 1, 2]);
    expect(await sha256Hex(await bytesOf(created[0]!))).toBe(sha);
    expect(created[0]!.size).toBe(file.length);

    await fireEvent.click(screen.getByRole('button', { name: 'Report PDF' }));
    await waitFor(() => expect(names).toEqual(['survey-edge-lyon-00000001.cairn-survey', 'site-readiness.pdf']));
    expect(bridge.callsTo('survey:report')).toEqual([{ id: 'survey-1', format: 'pdf' }]);

    damaged = true;
    await fireEvent.click(screen.getByRole('button', { name: 'Report JSON' }));
    expect((await screen.findByText(/arrived damaged/)).closest('[role="alert"]')).toBeTruthy();
    expect(names).toHaveLength(2);
  });

  it('imports a bundle that conflicts, shows each field side by side, and resolves with one decision per field', async () => {
    const merge: SurveyMerge = {
      id: 'merge-1',
      surveyId: 'survey-1',
      baseRevision: REV(1),
      mineRevision: REV(1),
      theirsRevision: REV(9),
      theirsSigner: 'Bruno Costa (abcdef0123456789…)',
      createdAt: '2026-03-01T10:00:00.000Z',
      autoMerged: ['$.notes'],
      conflicts: [
        { path: '$.racks[id=r1].maxLoadKg', label: 'Racks › Rack R1 › Weight limit (kg)', base: 800, mine: 900, theirs: 1000, baseAbsent: false, mineAbsent: false, theirsAbsent: false },
        { path: '$.security.cctv', label: 'Physical security › CCTV', base: null, mine: false, theirs: true, baseAbsent: false, mineAbsent: false, theirsAbsent: false },
      ],
    };
    bridge.handle({
      'survey:import': () => ({ outcome: 'conflicts', survey: { ...current, pendingMerge: 'merge-1' }, merge, signer: { name: 'Bruno Costa', keyId: 'k', fingerprint: 'abcdef0123456789'.repeat(4) }, attachments: 0 }),
      'survey:resolve': (req) => {
        const d = structuredClone(current.data);
        d.racks[0]!.maxLoadKg = 1000;
        current = detailOf(d, 10);
        expect(req.decisions).toHaveLength(2);
        return current;
      },
    });
    await openSurveys();
    await fireEvent.change(screen.getByLabelText('Survey bundle file'), { target: { files: [new File(['{"format":"cairn.survey/bundle"}'], 'from-bruno.cairn-survey')] } });
    const dialog = await screen.findByRole('dialog', { name: 'Merge survey versions' });
    expect(bridge.callsTo('survey:import')).toEqual([{ uploadId: 'up-1' }]);
    expect(dialog.textContent).toContain('Bruno Costa');
    const fields = within(dialog).getByRole('list', { name: 'Conflicting fields' });
    const first = within(fields).getByRole('group', { name: /Weight limit/ });
    expect(within(first).getByRole('radio', { name: /Common ancestor\s*800/ })).toBeTruthy();
    expect(within(first).getByRole('radio', { name: /This machine\s*900/ })).toBeTruthy();
    expect(within(first).getByRole('radio', { name: /Imported\s*1000/ })).toBeTruthy();
    const cctv = within(fields).getByRole('group', { name: /CCTV/ });
    expect(within(cctv).getByRole('radio', { name: /Imported\s*yes/ })).toBeTruthy();

    const apply = within(dialog).getByRole('button', { name: 'Apply 2 decisions' }) as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    await fireEvent.click(within(first).getByRole('radio', { name: /Imported/ }));
    expect(apply.disabled).toBe(true);
    await fireEvent.click(within(cctv).getByRole('radio', { name: /This machine/ }));
    expect(apply.disabled).toBe(false);
    await fireEvent.click(apply);
    await waitFor(() =>
      expect(bridge.callsTo('survey:resolve')).toEqual([
        {
          mergeId: 'merge-1',
          decisions: [
            { path: '$.racks[id=r1].maxLoadKg', choice: 'theirs' },
            { path: '$.security.cctv', choice: 'mine' },
          ],
        },
      ]),
    );
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Merge survey versions' })).toBeNull());
    expect((screen.getByLabelText('Weight limit (kg)') as HTMLInputElement).value).toBe('1000');
  });

  it('feeds a chosen existing site plan, or a new one', async () => {
    bridge.handle({
      'sites:list': () => [
        { id: 'edge-2', name: 'Edge Lyon plan', revision: 3, updatedAt: '2026-01-01T10:00:00.000Z', racks: 1, devices: 9, verdict: 'errors', errors: 2, warnings: 0 },
        ...(current.data.site.planId === 'site-new'
          ? [{ id: 'site-new', name: 'Edge Lyon', revision: 1, updatedAt: '2026-01-01T10:00:00.000Z', racks: 1, devices: 0, verdict: 'ok' as const, errors: 0, warnings: 0 }]
          : []),
      ],
      'survey:linkPlan': (req) => {
        const d = structuredClone(current.data);
        d.site.planId = req.planId ?? 'site-new';
        current = detailOf(d, ++rev);
        return current;
      },
    });
    await openSurveys();
    const target = screen.getByLabelText('Site plan to feed') as HTMLSelectElement;
    await waitFor(() => expect([...target.options].map((o) => o.textContent)).toEqual(['New site plan', 'Edge Lyon plan']));
    expect(target.value).toBe('');
    await fireEvent.click(screen.getByRole('button', { name: 'Make site plan' }));
    await waitFor(() => expect(bridge.callsTo('survey:linkPlan')).toEqual([{ id: 'survey-1' }]));
    // The new plan is now the survey's own, and the one it feeds next time.
    await waitFor(() => expect((screen.getByLabelText('Site plan to feed') as HTMLSelectElement).value).toBe('site-new'));
    await fireEvent.change(screen.getByLabelText('Site plan to feed'), { target: { value: 'edge-2' } });
    // An autosave in between keeps the operator's pick.
    await fireEvent.input(screen.getByLabelText('Address'), { target: { value: 'elsewhere' } });
    await waitFor(() => expect(bridge.callsTo('survey:save')).toHaveLength(1), { timeout: AUTOSAVE_MS + 2000 });
    await waitFor(() => expect(saveStatus().textContent).toMatch(/Saved locally/));
    expect((screen.getByLabelText('Site plan to feed') as HTMLSelectElement).value).toBe('edge-2');
    await fireEvent.click(screen.getByRole('button', { name: 'Update site plan' }));
    await waitFor(() => expect(bridge.callsTo('survey:linkPlan').at(-1)).toEqual({ id: 'survey-1', planId: 'edge-2' }));
    await waitFor(() => expect((screen.getByLabelText('Site plan to feed') as HTMLSelectElement).value).toBe('edge-2'));
  });

  it('shows a refused bundle with the reason main gave', async () => {
    bridge.handle({ 'survey:import': () => fail('invalid_request', 'Survey bundle refused: the signature of Ana does not verify over the manifest: the survey or its hashes were changed', '$.signature') });
    await openSurveys();
    await fireEvent.change(screen.getByLabelText('Survey bundle file'), { target: { files: [new File(['x'], 'bad.cairn-survey')] } });
    expect((await screen.findByText(/signature of Ana does not verify/)).closest('[role="alert"]')).toBeTruthy();
  });
});
