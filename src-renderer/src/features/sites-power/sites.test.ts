/**
 * The Sites & Power page over the fake bridge: the plan list with verdicts,
 * the rack elevation (devices at their U, half-U aware, free slots), adding
 * a device by keyboard and by drag and drop (the `sites:save` it sends), a
 * refused overlap showing the engine's reason, pool presets, and the
 * budgets and violations with their exact shortfalls.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CatalogueDto, SiteDetailResult, SiteSummary } from '../../../../src-preload/contract';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';
import { DEVICE_MIME } from './drop-target';
import { planWithDevice, planWithMove, planWithoutDevice } from './sites.svelte';

const catalogue: CatalogueDto = {
  devices: [
    { id: 'host-2u', manufacturer: 'Dell', model: 'R760', role: 'compute-host', uHeight: 2, fullDepth: true, depthMm: 772, weightKg: 28.6, draw: { typicalW: 620, maxW: 830 }, estimated: [] },
    { id: 'tor-1u', manufacturer: 'Arista', model: '7050SX3', role: 'tor-switch', uHeight: 1, fullDepth: false, depthMm: 500, weightKg: 10, draw: { typicalW: 124, maxW: 301 }, estimated: [] },
    { id: 'shelf-half', manufacturer: 'Acme', model: 'Half shelf', role: 'patch-panel', uHeight: 0.5, fullDepth: false, depthMm: null, weightKg: 1, draw: { typicalW: 0, maxW: 0 }, estimated: [] },
    { id: 'pdu-0u', manufacturer: 'APC', model: 'AP8853', role: 'pdu', uHeight: 0, fullDepth: false, depthMm: null, weightKg: 6, draw: null, estimated: [] },
  ],
  racks: [{ id: 'rack-12', manufacturer: 'Conteg', model: 'Ri7 12U', uHeight: 12, maxLoadKg: 800, mountingDepthMm: 990 }],
};

const summary = (id: string, name: string, verdict: SiteSummary['verdict'], errors = 0): SiteSummary => ({
  id,
  name,
  revision: 3,
  updatedAt: '2026-01-01T10:00:00.000Z',
  racks: 1,
  devices: 4,
  verdict,
  errors,
  warnings: 0,
});

const feedLoad = (scenario: 'normal' | 'side-A-lost' | 'side-B-lost', w: number, pct: number, short = 0) => ({
  scenario,
  w,
  va: w / 0.95,
  amps: w / 0.95 / 230,
  utilisationPercent: pct,
  headroomVA: short ? 0 : 100,
  shortfallVA: short,
});
const feed = (id: string, side: 'A' | 'B', short: boolean) => ({
  id,
  rack: 'r1',
  panel: null,
  side,
  supply: 'ac' as const,
  phase: 'single' as const,
  voltage: 230,
  amperage: 16,
  effectiveAmperage: 16,
  limitedBy: 'circuit',
  availableVA: 2944,
  availableW: 2796.8,
  continuousAmps: 12.8,
  normal: feedLoad('normal', 1989, 71.12),
  worstFailover: feedLoad(side === 'A' ? 'side-B-lost' : 'side-A-lost', 3978, 142.23, short ? 1243.37 : 0),
});

const detail: SiteDetailResult = {
  site: summary('edge-2', 'Edge Lyon', 'errors', 2),
  plan: {
    schema: 'cairn-site-plan/v1',
    name: 'Edge Lyon',
    settings: { budgetBasis: 'max' },
    racks: [
      {
        id: 'r1',
        name: 'Edge rack',
        model: 'rack-12',
        devices: [
          { id: 'h1', ref: 'host-2u', position: 1, face: 'front', power: [{ feed: 'fa' }, { feed: 'fb' }] },
          { id: 'h2', ref: 'host-2u', position: 3, face: 'front', power: [{ feed: 'fa' }, { feed: 'fb' }] },
          { id: 'tor', ref: 'tor-1u', position: 12, face: 'rear', power: [{ feed: 'fa' }, { feed: 'fb' }] },
          { id: 'half', ref: 'shelf-half', position: 7.5, face: 'front', power: [] },
          { id: 'pdu-a', ref: 'pdu-0u', position: null, face: 'rear', power: [] },
        ],
      },
    ],
    feeds: [
      { id: 'fa', rack: 'r1', side: 'A', phase: 'single', voltage: 230, amperage: 16 },
      { id: 'fb', rack: 'r1', side: 'B', phase: 'single', voltage: 230, amperage: 16 },
    ],
  },
  report: {
    ok: false,
    settings: { budgetBasis: 'max', capacityMode: 'exact' },
    site: { devices: 5, typicalW: 2799, maxW: 3978, basisW: 3978, basisVA: 4187.37, basisBtuPerHour: 13573.5, basisCoolingTons: 1.131, feedsAvailableVA: 5888, scenarios: ['normal', 'side-A-lost', 'side-B-lost'] },
    racks: [
      {
        id: 'r1',
        name: 'Edge rack',
        model: 'rack-12',
        uHeight: 12,
        devices: ['h1', 'h2', 'tor', 'half', 'pdu-a'],
        space: { totalU: 12, usedU: 5.5, freeU: 6.5, utilisationPercent: 45.8, largestFreeBlockU: 4 },
        weight: { installedKg: 74.2, maxLoadKg: 800, headroomKg: 725.8, shortfallKg: 0 },
        power: { typicalW: 2799, maxW: 3978, basisW: 3978, availableVA: 5888, availableVAOneSide: 2944, redundant: true, headroomVA: 0, shortfallVA: 1243.37, netboxUtilisationPercent: 67.56 },
        heat: { typicalBtuPerHour: 9550.6, maxBtuPerHour: 13573.5, basisBtuPerHour: 13573.5, basisCoolingTons: 1.131 },
      },
    ],
    devices: [
      { id: 'h1', rack: 'r1', ref: 'host-2u', model: 'R760', role: 'compute-host', uHeight: 2, position: 1, face: 'front', weightKg: 28.6, typicalW: 620, maxW: 830, basisW: 830, basisBtuPerHour: 2832.08 },
    ],
    feeds: [feed('fa', 'A', true), feed('fb', 'B', false)],
    ups: {
      id: 'ups-n1',
      redundancy: 'N+1',
      modulesInstalled: 3,
      moduleVA: 5000,
      moduleW: 4500,
      loadW: 3978,
      designW: 4972.5,
      usableW: 9000,
      headroomW: 4027.5,
      missingW: 0,
      missingVA: 0,
      modulesRequired: { N: 2, 'N+1': 3, '2N': 4 },
      runtime: { normalMinutes: 61.09, degradedMinutes: 40.72 },
      runtimeByRedundancy: {
        N: { modules: 2, normalMinutes: 40.72, degradedMinutes: 40.72 },
        'N+1': { modules: 3, normalMinutes: 61.09, degradedMinutes: 40.72 },
        '2N': { modules: 4, normalMinutes: 81.45, degradedMinutes: 40.72 },
      },
      targetRuntimeMinutes: 10,
      lossesW: 442,
    },
    generator: { recommendedKW: 6.22, recommendedKVA: 7.77, ratedKW: 8, headroomKW: 1.78 },
    cooling: { heatW: 4420, loadBtuPerHour: 15081.67, loadTons: 1.257, capacityBtuPerHour: 13648.57, capacityTons: 1.137, headroomBtuPerHour: 0 },
    violations: [
      {
        code: 'failover-overload',
        severity: 'error',
        message: 'feed fa (rack r1, side A) carries 3978 W / 4187.37 VA when side B is lost; it can deliver 2944 VA at 80 %: 1181.2 W (5.41 A) short',
        missing: { w: 1181.2, va: 1243.37, a: 5.41 },
        path: '$.feeds[0]',
      },
      { code: 'cooling-insufficient', severity: 'error', message: 'the room must remove 15081.67 BTU/hr (4420 W) and can remove 13648.57 BTU/hr', missing: { btuPerHour: 1433.1, w: 420 }, path: '$.cooling' },
    ],
    notes: [],
  },
  allocations: [
    { feed: 'fa', typicalW: 1399.5, maxW: 1989 },
    { feed: 'fb', typicalW: 1399.5, maxW: 1989 },
  ],
  issues: [],
};

let bridge: FakeBridge;

beforeEach(() => {
  bridge = setupApp({
    'sites:list': () => [summary('edge-2', 'Edge Lyon', 'errors', 2), summary('edge-1', 'Example Pool Small', 'ok')],
    'sites:get': (req) => (req.id === 'edge-2' ? detail : fail('not_found', `No site plan "${req.id}"`, 'id')),
    'sites:catalogue': () => catalogue,
    'sites:save': (req) => ({ ...detail, site: { ...detail.site, revision: 4 }, plan: req.plan as SiteDetailResult['plan'] }),
    'sites:applyPreset': () => ({ ...detail, site: { ...detail.site, revision: 4 } }),
  });
  router.reset(route('sites-power'));
});

const elevation = async (face: 'front' | 'rear') => {
  await screen.findByRole('heading', { name: 'Edge Lyon' });
  return waitFor(() => {
    const svg = document.querySelector(`svg[data-rack="r1"][data-face="${face}"]`);
    if (!svg) throw new Error('no elevation yet');
    return svg;
  });
};

describe('sites & power', () => {
  it('lists site plans with verdict badges', async () => {
    render(App);
    const list = await screen.findByRole('region', { name: 'Site plans' });
    const edge = within(list).getByRole('button', { name: /Edge Lyon/ });
    expect(edge.textContent).toContain('2 errors');
    await waitFor(() => expect(edge.getAttribute('aria-pressed')).toBe('true'));
    expect(within(list).getByRole('button', { name: /Example Pool Small/ }).textContent).toContain('OK');
    expect(screen.queryByText('not available yet')).toBeNull();
  });

  it('draws devices at their U on each face, full-depth devices through both, and half-U exactly', async () => {
    render(App);
    const front = await elevation('front');
    const rear = await elevation('rear');
    const h2 = front.querySelector('[data-device="h2"]')!;
    expect(h2.getAttribute('data-position')).toBe('3');
    expect(h2.getAttribute('data-height')).toBe('2');
    // 12 U rack, 16 px per U, 22 px top margin: a 2 U device at U3 has its top edge at U5 → (13 − 5) × 16 + 22 + 1.
    expect(h2.querySelector('rect')!.getAttribute('y')).toBe(String((13 - 5) * 16 + 22 + 1));
    expect(front.querySelector('[data-device="half"] rect')!.getAttribute('height')).toBe(String(0.5 * 16 - 2));
    // Full depth: the host also blocks the rear; the rear-mounted switch is not on the front.
    expect(rear.querySelector('[data-device="h1"]')!.classList.contains('through')).toBe(true);
    expect(front.querySelector('[data-device="tor"]')).toBeNull();
    // Free slots: U5 and U6 whole, the lower half of U7 and U8 (U7.5 holds the half-U shelf).
    const slots = [...front.querySelectorAll('[data-u]')].map((s) => s.getAttribute('data-u'));
    expect(slots).toEqual(expect.arrayContaining(['5', '6', '7', '8', '12']));
    expect(slots).not.toContain('3');
    expect(front.querySelector('[data-u="7"]')!.getAttribute('height')).toBe(String(0.5 * 16 - 2));
    expect(screen.getByText(/Zero-U: pdu-a/)).toBeTruthy();
  });

  it('adds a device at a chosen U with the keyboard and sends the whole plan to sites:save', async () => {
    render(App);
    await elevation('front');
    await fireEvent.change(screen.getByLabelText('Device'), { target: { value: 'tor-1u' } });
    await fireEvent.change(screen.getByLabelText('Face'), { target: { value: 'front' } });
    await fireEvent.input(screen.getByLabelText('Lowest U'), { target: { value: '9' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await waitFor(() => expect(bridge.callsTo('sites:save')).toHaveLength(1));
    const sent = bridge.callsTo('sites:save')[0]!;
    expect(sent.id).toBe('edge-2');
    expect(sent.expectedRevision).toBe(3);
    const devices = (sent.plan as SiteDetailResult['plan']).racks[0]!.devices;
    expect(devices).toHaveLength(6);
    expect(devices[5]).toEqual({ id: 'r1-tor-1u-1', ref: 'tor-1u', position: 9, face: 'front', power: [{ feed: 'fa' }, { feed: 'fb' }] });
    // Everything else in the plan round-trips untouched.
    expect((sent.plan as Record<string, unknown>).settings).toEqual({ budgetBasis: 'max' });
    expect(bridge.contractViolations).toEqual([]);
    await waitFor(() => expect(document.querySelector('svg[data-face="front"] [data-device="r1-tor-1u-1"]')).toBeTruthy());
  });

  it('adds a device dropped from the palette onto a free U', async () => {
    render(App);
    const front = await elevation('front');
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), getData: (k: string) => data.get(k) ?? '', dropEffect: 'none', effectAllowed: 'all' };
    await fireEvent.dragStart(screen.getByRole('button', { name: /Dell R760/ }), { dataTransfer });
    expect(data.get(DEVICE_MIME)).toBe('host-2u');
    await fireEvent.drop(front.querySelector('[data-u="5"]')!, { dataTransfer });
    await waitFor(() => expect(bridge.callsTo('sites:save')).toHaveLength(1));
    const devices = (bridge.callsTo('sites:save')[0]!.plan as SiteDetailResult['plan']).racks[0]!.devices;
    expect(devices.at(-1)).toMatchObject({ ref: 'host-2u', position: 5, face: 'front' });
  });

  it('shows the engine reason when a placement is refused', async () => {
    const reason = 'Cannot place "r1-host-2u-1" in rack Edge rack: U2–U3 (full depth) overlaps "h1" by 1 U';
    bridge.handle({ 'sites:save': () => fail('conflict', reason, '$.racks[0].devices[5].position') });
    render(App);
    await elevation('front');
    await fireEvent.click(screen.getByRole('button', { name: /Dell R760/ }));
    await fireEvent.input(screen.getByLabelText('Lowest U'), { target: { value: '2' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    const alert = await screen.findByText(reason);
    expect(alert.closest('[role="alert"]')).toBeTruthy();
  });

  it('places a pool preset', async () => {
    render(App);
    await elevation('front');
    await fireEvent.click(screen.getByRole('button', { name: 'Add Pool Medium' }));
    await waitFor(() => expect(bridge.callsTo('sites:applyPreset')).toEqual([{ id: 'edge-2', size: 'medium', expectedRevision: 3 }]));
  });

  it('renders feed budgets, failover verdicts, UPS sizing, heat and every violation with its shortfall', async () => {
    render(App);
    await elevation('front');
    const feeds = screen.getByRole('region', { name: 'Feeds' });
    const fa = feeds.querySelector('tr[data-feed="fa"]') as HTMLElement;
    expect(fa.textContent).toContain('2,796.8 W / 2,944 VA');
    expect(fa.textContent).toContain('1,399.5 W / 1,989 W');
    expect(within(fa).getByRole('meter', { name: 'fa utilisation' }).getAttribute('aria-valuetext')).toBe('71.1 %');
    expect(fa.textContent).toMatch(/Fails\s*1,181.2 W short when side B lost/);
    expect((feeds.querySelector('tr[data-feed="fb"]') as HTMLElement).textContent).toContain('Survives');

    const ups = screen.getByRole('table', { name: 'UPS sizing by redundancy' });
    const cells = (r: HTMLElement) => [...r.querySelectorAll('th, td')].map((c) => c.textContent?.trim()).join(' ');
    expect(within(ups).getAllByRole('row').map(cells)).toEqual([
      'Redundancy Modules needed Runtime (normal) Runtime (degraded)',
      'N 2 40.7 min 40.7 min',
      'N+1 3 61.1 min 40.7 min',
      '2N 4 81.5 min 40.7 min',
    ]);
    const heat = screen.getByRole('region', { name: 'Heat and cooling' });
    expect(heat.textContent).toContain('13,573.5 BTU/hr');
    expect(heat.textContent).toContain('13,648.57 BTU/hr (1.137 tons)');

    const violations = screen.getByRole('region', { name: 'Violations' });
    const items = within(violations).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain('missing 1,181.2 W · 1,243.37 VA · 5.41 A');
    expect(items[1]!.textContent).toContain('missing 420 W · 1,433.1 BTU/hr');
    expect(items[1]!.textContent).toContain('$.cooling');
  });
});

describe('planWithDevice', () => {
  it('cords IT devices to the rack’s A and B feeds and leaves zero-U devices unpositioned', () => {
    const next = planWithDevice(detail.plan, 'r1', catalogue.devices[3]!, 5, 'rear');
    expect(next.racks[0]!.devices.at(-1)).toEqual({ id: 'r1-pdu-0u-1', ref: 'pdu-0u', position: null, face: 'rear', power: [] });
    expect(detail.plan.racks[0]!.devices).toHaveLength(5);
  });
});

describe('moving and removing placed devices', () => {
  const sentDevices = (i = 0) => (bridge.callsTo('sites:save')[i]!.plan as SiteDetailResult['plan']).racks[0]!.devices;

  it('removes a focused device with the Delete key', async () => {
    render(App);
    const front = await elevation('front');
    const h2 = front.querySelector('[data-device="h2"]') as SVGGElement;
    expect(h2.getAttribute('role')).toBe('button');
    await fireEvent.keyDown(h2, { key: 'Delete' });
    await waitFor(() => expect(bridge.callsTo('sites:save')).toHaveLength(1));
    expect(sentDevices().map((d) => d.id)).toEqual(['h1', 'tor', 'half', 'pdu-a']);
    expect(bridge.callsTo('sites:save')[0]!.expectedRevision).toBe(3);
    await waitFor(() => expect(document.querySelector('svg[data-face="front"] [data-device="h2"]')).toBeNull());
  });

  it('moves a device up one U with the arrow key, and half a U with Shift', async () => {
    render(App);
    const front = await elevation('front');
    await fireEvent.keyDown(front.querySelector('[data-device="h2"]')!, { key: 'ArrowUp' });
    await waitFor(() => expect(bridge.callsTo('sites:save')).toHaveLength(1));
    expect(sentDevices().find((d) => d.id === 'h2')).toMatchObject({ position: 4, face: 'front' });
    await fireEvent.keyDown(document.querySelector('svg[data-face="front"] [data-device="h2"]')!, { key: 'ArrowDown', shiftKey: true });
    await waitFor(() => expect(bridge.callsTo('sites:save')).toHaveLength(2));
    expect(sentDevices(1).find((d) => d.id === 'h2')!.position).toBe(3.5);
  });

  it('selects a device, moves it with the form, removes it with the button, and shows a refusal with its reason', async () => {
    const reason = 'Cannot place "h2" in rack Edge rack: U1–U2 (full depth) overlaps "h1" by 2 U';
    render(App);
    const front = await elevation('front');
    await fireEvent.click(front.querySelector('[data-device="h2"]')!);
    const form = await screen.findByRole('form', { name: 'Selected device' });
    expect(front.querySelector('[data-device="h2"]')!.getAttribute('aria-pressed')).toBe('true');
    await fireEvent.input(within(form).getByLabelText('Lowest U'), { target: { value: '8' } });
    await fireEvent.change(within(form).getByLabelText('Face'), { target: { value: 'rear' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Move' }));
    await waitFor(() => expect(bridge.callsTo('sites:save')).toHaveLength(1));
    expect(sentDevices().find((d) => d.id === 'h2')).toMatchObject({ position: 8, face: 'rear', power: [{ feed: 'fa' }, { feed: 'fb' }] });

    bridge.handle({ 'sites:save': () => fail('conflict', reason, '$.racks[0].devices[1].position') });
    await fireEvent.input(within(form).getByLabelText('Lowest U'), { target: { value: '1' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Move' }));
    expect((await screen.findByText(reason)).closest('[role="alert"]')).toBeTruthy();

    bridge.handle({ 'sites:save': (req) => ({ ...detail, site: { ...detail.site, revision: 5 }, plan: req.plan as SiteDetailResult['plan'] }) });
    await fireEvent.click(within(form).getByRole('button', { name: /Remove/ }));
    await waitFor(() => expect(bridge.callsTo('sites:save')).toHaveLength(3));
    expect(sentDevices(2).map((d) => d.id)).not.toContain('h2');
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Selected device' })).toBeNull());
    expect(bridge.contractViolations).toEqual([]);
  });
});

describe('planWithMove and planWithoutDevice', () => {
  const twoRacks = (): SiteDetailResult['plan'] => {
    const p = structuredClone(detail.plan);
    p.racks.push({ id: 'r2', name: 'Second', model: 'rack-12', devices: [] });
    p.feeds.push({ id: 'r2-a', rack: 'r2', side: 'A', phase: 'single', voltage: 230, amperage: 16 });
    p.feeds[0] = { ...p.feeds[0]!, pdu: 'pdu-a' };
    return p;
  };
  it('moves a device into another rack and re-cords it to that rack’s feeds', () => {
    const next = planWithMove(twoRacks(), 'h1', 'r2', 'front', 6);
    expect(next.racks[0]!.devices.map((d) => d.id)).not.toContain('h1');
    expect(next.racks[1]!.devices).toEqual([{ id: 'h1', ref: 'host-2u', position: 6, face: 'front', power: [{ feed: 'r2-a' }] }]);
  });
  it('removes a device and the references to it', () => {
    const next = planWithoutDevice(twoRacks(), 'pdu-a');
    expect(next.racks[0]!.devices.map((d) => d.id)).toEqual(['h1', 'h2', 'tor', 'half']);
    expect(next.feeds[0]).not.toHaveProperty('pdu');
    expect(() => planWithoutDevice(next, 'pdu-a')).toThrow(/No device/);
  });
});
