/**
 * The Capacity page over the fake bridge (every request and response is
 * checked against the contract): pools with their N+1 verdicts, a pool's
 * losses and forecast, the what-if request it sends and the table it
 * draws, the advisor's validation and ranking, pool sizing, the catalogue
 * reached from the command palette, and planning settings on every call.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CapacityFigures, CapacityHistory, CapacityOverview, PlaceResult, PoolCapacity, PoolHeadroom, ServiceCatalogueDto, SizePoolResult, WhatIfResult } from '../../../../src-preload/contract';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { ui } from '../../lib/ui.svelte';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';
import { historySpec } from './history';

const GiB = 1024 ** 3;
const fig = (memAlloc: number, memPhys: number): CapacityFigures => ({
  cpu: { physical: 288, allocated: 144, used: 50, ratio: 0.5 },
  mem: { physical: memPhys, allocated: memAlloc, used: memAlloc / 2, ratio: memAlloc / memPhys },
  disk: { physical: 96e12, allocated: 3e12, used: 1e12, ratio: 3e12 / 96e12 },
  stopped: { guests: 2, vcpu: 8, mem: 16 * GiB },
});
const rules = (source: 'live' | 'cached' | 'none') => ({ source, fetchedAt: source === 'none' ? null : '2026-03-01T10:00:00.000Z', model: source === 'none' ? ('none' as const) : ('rules' as const), nodeAffinity: 1, resourceAffinity: 1, note: `rules ${source}` });
const pool = (clusterId: string, name: string, verdict: 'ok' | 'fails'): PoolCapacity => ({
  clusterId,
  name,
  siteId: `site:${name}`,
  siteName: name,
  region: 'south',
  kind: 'datacentre',
  catalogueSize: 'small',
  tenants: ['acme'],
  stale: false,
  figures: fig(verdict === 'fails' ? 1200 * GiB : 300 * GiB, 1518 * GiB),
  hosts: ['1', '2', '3'].map((i) => ({
    clusterId,
    node: `${name}-pve${i}`,
    online: true,
    guests: 10,
    haGuests: 3,
    figures: fig(100 * GiB, 506 * GiB),
    attestation: i === '1' ? ('pass' as const) : ('none' as const),
    attestedAt: i === '1' ? '2026-03-01T09:00:00.000Z' : null,
  })),
  headroom: { verdict, worstHost: verdict === 'fails' ? `${name}-pve1` : null, haGuests: 9, notFitting: verdict === 'fails' ? 2 : 0, exact: true, rules: rules('none') },
});
const overview: CapacityOverview = {
  generatedAt: '2026-03-01T12:00:00.000Z',
  settings: { cpuOvercommit: 4, memCeiling: 0.9 },
  fleet: fig(1500 * GiB, 3036 * GiB),
  sites: [
    { id: 'site:dc-south-s', name: 'dc-south-s', region: 'south', kind: 'datacentre', figures: fig(1200 * GiB, 1518 * GiB), pools: ['c1'] },
    { id: 'site:edge-ath', name: 'edge-ath', region: 'south', kind: 'edge', figures: fig(300 * GiB, 1518 * GiB), pools: ['c2'] },
  ],
  pools: [pool('c1', 'dc-south-s', 'fails'), pool('c2', 'edge-ath', 'ok')],
  topConsumers: [{ clusterId: 'c1', vmid: 101, name: 'acme-db-01', node: 'dc-south-s-pve1', tenant: 'acme', vcpu: 16, mem: 64 * GiB, cpuUsed: 0.4, memUsed: 40 * GiB }],
  tenants: [
    { tenant: 'acme', pools: 2, guests: 30, running: 25, vcpu: 120, mem: 400 * GiB, disk: 2e12, quota: null },
    { tenant: 'zeta', pools: 1, guests: 3, running: 3, vcpu: 6, mem: 12 * GiB, disk: 1e11, quota: { vcpu: 10, mem: 24 * GiB } },
  ],
  quota: { available: false, note: 'Tenant quotas are not known yet (they arrive with SCMP orchestration).' },
};
const outcome = (vmid: number, o: WhatIfResult['outcomes'][number]['outcome'], to: string | null, reason: string) => ({
  clusterId: 'c1',
  vmid,
  name: `acme-app-${vmid}`,
  tenant: 'acme',
  vcpu: 4,
  mem: 8 * GiB,
  ha: o !== 'down',
  confidential: vmid === 102,
  from: 'dc-south-s-pve1',
  outcome: o,
  to: to ? { clusterId: 'c1', pool: 'dc-south-s', node: to } : null,
  reason,
  warnings: vmid === 102 ? ['confidential guest restarted on dc-south-s-pve2, which has no passing attestation in the last 24 h'] : [],
});
const poolDetail: PoolHeadroom = {
  pool: { ...pool('c1', 'dc-south-s', 'fails'), headroom: { ...pool('c1', 'dc-south-s', 'fails').headroom, rules: rules('live') } },
  losses: [
    { lost: 'dc-south-s-pve1', survives: false, exact: true, displaced: 3, notFitting: 2 },
    { lost: 'dc-south-s-pve2', survives: true, exact: true, displaced: 3, notFitting: 0 },
  ],
  worst: [outcome(101, 'does-not-fit', null, 'no host can take it — 2 hosts: not enough memory (needs 8.0 GiB, most free 2.0 GiB on dc-south-s-pve2)')],
  settings: { cpuOvercommit: 4, memCeiling: 0.9 },
  topConsumers: [{ clusterId: 'c1', vmid: 105, name: 'acme-big-05', node: 'dc-south-s-pve3', tenant: 'acme', vcpu: 16, mem: 128 * GiB, cpuUsed: 0.1, memUsed: 60 * GiB }],
};
const t0 = 1_772_000_000_000;
const history: CapacityHistory = {
  timeframe: 'month',
  points: Array.from({ length: 20 }, (_, i) => ({ time: t0 + i * 43_200_000, cpu: 0.3, mem: 0.5 + 0.005 * i })),
  trend: { cpu: [], mem: [[t0, 0.5], [t0 + 60 * 86_400_000, 0.8]] },
  cpu: { threshold: 0.8, status: 'not-significant', days: null, at: null, slopePerDay: 0, r2: 0, horizonDays: 365, message: 'No significant trend (the slope is within the noise); now 30 %.' },
  mem: { threshold: 0.8, status: 'crosses', days: 50, at: '2026-04-20T00:00:00.000Z', slopePerDay: 0.01, r2: 0.99, horizonDays: 365, message: 'Reaches 80 % in about 50 days at the current trend.' },
  cached: false,
  missing: ['dc-south-s-pve3'],
};
const whatIf: WhatIfResult = {
  scenario: 'Lose host dc-south-s-pve1 (dc-south-s, dc-south-s)',
  kind: 'host',
  settings: { cpuOvercommit: 4, memCeiling: 0.9 },
  outcomes: [
    outcome(101, 'does-not-fit', null, 'no host can take it — 2 hosts: not enough memory (needs 8.0 GiB, most free 2.0 GiB on dc-south-s-pve2)'),
    outcome(103, 'down', null, 'not HA-managed: stays down until someone starts it'),
    outcome(102, 'restarted', 'dc-south-s-pve2', 'HA restarts it on dc-south-s-pve2'),
  ],
  hosts: [
    { clusterId: 'c1', node: 'dc-south-s-pve1', lost: true, vcpuBefore: 12, vcpuAfter: 0, vcpuLimit: 384, memBefore: 24 * GiB, memAfter: 0, memLimit: 455 * GiB, received: 0 },
    { clusterId: 'c1', node: 'dc-south-s-pve2', lost: false, vcpuBefore: 100, vcpuAfter: 104, vcpuLimit: 384, memBefore: 445 * GiB, memAfter: 453 * GiB, memLimit: 455 * GiB, received: 1 },
  ],
  counts: { restarted: 1, doesNotFit: 1, down: 1, recoverable: 0, unrecoverable: 0 },
  rules: [{ clusterId: 'c1', pool: 'dc-south-s', info: rules('live') }],
  exact: true,
  notes: [],
};
const place: PlaceResult = {
  vm: { size: 'large', label: 'VM Large', vcpu: 8, mem: 16 * GiB },
  tenant: 'acme',
  confidential: true,
  ha: true,
  settings: { cpuOvercommit: 4, memCeiling: 0.9 },
  candidates: [
    { clusterId: 'c2', pool: 'edge-ath', site: 'edge-ath', node: 'edge-ath-pve1', accepted: true, rank: 1, servesTenant: true, memFreeAfter: 300 * GiB, cpuRatioAfter: 0.6, reasons: [] },
    { clusterId: 'c1', pool: 'dc-south-s', site: 'dc-south-s', node: 'dc-south-s-pve2', accepted: false, rank: null, servesTenant: true, memFreeAfter: -5 * GiB, cpuRatioAfter: 1.1, reasons: ['confidential: no attestation result for this host', 'memory: needs 16.0 GiB, 11.0 GiB free under the 90 % ceiling'] },
  ],
  accepted: 1,
  rejections: [
    { reason: 'confidential', hosts: 1 },
    { reason: 'memory', hosts: 1 },
  ],
  quota: { available: false, note: 'Tenant quotas are not known yet.' },
  notes: [],
};
const sizing: SizePoolResult = {
  demand: [{ size: 'medium', count: 40 }, { size: 'large', count: 10 }],
  vms: 50,
  vcpu: 240,
  mem: 480 * GiB,
  settings: { cpuOvercommit: 4, memCeiling: 0.9 },
  options: [
    { pool: 'small', label: 'Pool Small', hosts: 3, fits: true, n1: true, reason: 'fits with N+1: any one host can fail and every VM restarts on the other 2', leftover: [{ size: 'small', count: 110 }, { size: 'medium', count: 54 }, { size: 'large', count: 27 }, { size: 'x-large', count: 13 }], vcpuLimit: 1152, memLimit: 1382 * GiB },
  ],
  recommended: 'small',
  note: 'Pool Small (3 hosts) is the smallest data-centre pool that carries the demand with N+1.',
};
const catalogue: ServiceCatalogueDto = {
  schema: 'cairn-service-catalogue/v1',
  source: 'shared/SERVICE.md',
  host: { id: 'standard-host', label: 'Standard host', sockets: 2, coresPerSocket: 24, threadsPerCore: 2, memoryGB: 512, ssdTB: 32, note: 'SMT on.' },
  pools: [
    { id: 'small', family: 'Compute', service: 'Confidential Private IaaS — Pool Small', label: 'Pool Small', hosts: 3, placement: 'datacentre' },
    { id: 'x-large', family: 'Compute', service: 'Confidential Private IaaS — Pool X-Large', label: 'Pool X-Large', hosts: 12, placement: 'datacentre' },
  ],
  vmSizes: [
    { id: 'small', service: 'Shared IaaS — VM Small', label: 'VM Small', vcpu: 2, memoryGB: 4 },
    { id: 'medium', service: 'Shared IaaS — VM Medium', label: 'VM Medium', vcpu: 4, memoryGB: 8 },
    { id: 'large', service: 'Shared IaaS — VM Large', label: 'VM Large', vcpu: 8, memoryGB: 16 },
    { id: 'x-large', service: 'Shared IaaS — VM X-Large', label: 'VM X-Large', vcpu: 16, memoryGB: 32 },
  ],
};

let bridge: FakeBridge;
beforeEach(() => {
  bridge = setupApp({
    'capacity:overview': () => overview,
    'capacity:pool': (req) => (req.clusterId === 'c1' ? poolDetail : fail('not_found', 'no pool', 'clusterId')),
    'capacity:history': () => history,
    'capacity:whatIf': () => whatIf,
    'capacity:place': () => place,
    'capacity:sizePool': () => sizing,
    'capacity:catalogue': () => catalogue,
  });
  router.reset(route('capacity'));
});

const pools = () => screen.findByRole('table', { name: 'Pools with allocated capacity and N+1 verdict' });

describe('capacity page', () => {
  it('shows every pool with its N+1 verdict, the fleet figures and the quota hook', async () => {
    render(App);
    const table = await pools();
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]!.textContent).toContain('N+1 fails');
    expect(rows[1]!.textContent).toContain('losing dc-south-s-pve1: 2 HA without a place');
    expect(rows[2]!.textContent).toContain('N+1 ok');
    expect(screen.getByText(/Tenant quotas are not known yet/)).toBeTruthy();
    expect(screen.getByRole('meter', { name: 'Memory allocated in the fleet' }).getAttribute('aria-valuenow')).toBe('49');
    expect(screen.getByText(/2 stopped guests would claim 8 vCPU/)).toBeTruthy();
    expect(screen.queryByText('not available yet')).toBeNull();
    // "Not N+1" shows only failing pools.
    await fireEvent.click(screen.getByRole('radio', { name: 'Not N+1 (1)' }));
    expect(within(table).getAllByRole('row')).toHaveLength(2);
  });

  it('opens a pool: live rules, each single-host loss, the worst loss, history with forecast', async () => {
    render(App);
    const table = await pools();
    await fireEvent.click(within(table).getByRole('button', { name: 'dc-south-s' }));
    await waitFor(() => expect(bridge.callsTo('capacity:pool')).toEqual([{ clusterId: 'c1', settings: { cpuOvercommit: 4, memCeiling: 0.9 } }]));
    const losses = await screen.findByRole('table', { name: 'Single-host losses of dc-south-s' });
    expect(within(losses).getAllByRole('row')[1]!.textContent).toContain('fails');
    expect(screen.getByText('HA rules: live')).toBeTruthy();
    expect(screen.getByRole('meter', { name: 'Disk allocated in pool dc-south-s' }).getAttribute('aria-valuetext')).toBe('2.7 TiB / 87.3 TiB · 0.03:1');
    expect(await screen.findByText(/Reaches 80 % in about 50 days/)).toBeTruthy();
    expect(screen.getByText(/No history for dc-south-s-pve3/)).toBeTruthy();
    expect(screen.getByText(/most free 2.0 GiB on dc-south-s-pve2/)).toBeTruthy();
    expect(screen.getByText('acme-big-05').parentElement!.textContent).toBe('acme-big-05 16 vCPU, 128 GiB on dc-south-s-pve3');
    expect(bridge.callsTo('capacity:history')[0]).toEqual({ clusterId: 'c1', timeframe: 'month', threshold: 0.8 });
    await fireEvent.click(screen.getByRole('radio', { name: 'Year' }));
    await waitFor(() => expect(bridge.callsTo('capacity:history').at(-1)).toEqual({ clusterId: 'c1', timeframe: 'year', threshold: 0.8 }));
    // One host's history instead of the pool's.
    await fireEvent.change(screen.getByLabelText('Chart'), { target: { value: 'dc-south-s-pve2' } });
    await waitFor(() => expect(bridge.callsTo('capacity:history').at(-1)).toEqual({ clusterId: 'c1', node: 'dc-south-s-pve2', timeframe: 'year', threshold: 0.8 }));
    expect(bridge.contractViolations).toEqual([]);
  });

  it('shows allocation per tenant with the quota hook, and a site’s history on demand', async () => {
    render(App);
    const tenants = await screen.findByRole('table', { name: 'Allocation per tenant' });
    const rows = within(tenants).getAllByRole('row').slice(1);
    expect(rows[0]!.textContent).toMatch(/acme.*no quota known/);
    expect(within(rows[1]!).getByRole('meter', { name: 'Memory quota used by zeta' }).getAttribute('aria-valuenow')).toBe('50');
    await fireEvent.click(within(screen.getByRole('table', { name: 'Sites with allocated capacity' })).getByRole('button', { name: 'edge-ath' }));
    await waitFor(() => expect(bridge.callsTo('capacity:history').at(-1)).toEqual({ siteId: 'site:edge-ath', timeframe: 'month', threshold: 0.8 }));
    expect(await screen.findByRole('img', { name: /site edge-ath over the last month/ })).toBeTruthy();
  });

  it('runs a what-if for the chosen host and shows each guest’s fate', async () => {
    router.reset(route('capacity', { tab: 'what-if' }));
    render(App);
    const host = await screen.findByLabelText('Host');
    await fireEvent.change(host, { target: { value: 'dc-south-s-pve2' } });
    await fireEvent.click(screen.getByRole('button', { name: /Simulate/ }));
    await waitFor(() => expect(bridge.callsTo('capacity:whatIf')).toHaveLength(1));
    expect(bridge.callsTo('capacity:whatIf')[0]!.lose).toEqual({ kind: 'host', clusterId: 'c1', node: 'dc-south-s-pve2' });
    const table = await screen.findByRole('table', { name: 'Where each guest goes' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[5]!.textContent)).toEqual(['does not fit', 'down (not HA)', 'restarted']);
    expect(rows[2]!.textContent).toMatch(/no passing attestation/);
    expect(screen.getByText('1 do not fit')).toBeTruthy();
    expect(screen.getByLabelText('Hosts before and after').textContent).toMatch(/\+1 guest/);
    // A whole site: the request names the site.
    await fireEvent.click(screen.getByRole('radio', { name: 'A whole site' }));
    await fireEvent.change(screen.getByLabelText('Site'), { target: { value: 'site:edge-ath' } });
    await fireEvent.click(screen.getByRole('button', { name: /Simulate/ }));
    await waitFor(() => expect(bridge.callsTo('capacity:whatIf')[1]!.lose).toEqual({ kind: 'site', siteId: 'site:edge-ath' }));
    expect(bridge.contractViolations).toEqual([]);
  });

  it('checks the tenant before asking, then ranks hosts and explains rejections', async () => {
    router.reset(route('capacity', { tab: 'advisor' }));
    render(App);
    await screen.findByLabelText('Tenant');
    await fireEvent.input(screen.getByLabelText('Tenant'), { target: { value: 'Acme Corp' } });
    await fireEvent.click(screen.getByRole('button', { name: /Rank hosts/ }));
    expect(await screen.findByText(/lower-case letters, digits and dashes/)).toBeTruthy();
    expect(bridge.callsTo('capacity:place')).toHaveLength(0);
    await fireEvent.input(screen.getByLabelText('Tenant'), { target: { value: 'acme' } });
    await fireEvent.change(screen.getByLabelText('VM size'), { target: { value: 'large' } });
    await fireEvent.click(screen.getByLabelText(/Confidential/));
    await fireEvent.click(screen.getByRole('button', { name: /Rank hosts/ }));
    await waitFor(() => expect(bridge.callsTo('capacity:place')).toHaveLength(1));
    expect(bridge.callsTo('capacity:place')[0]).toMatchObject({ size: 'large', tenant: 'acme', confidential: true, ha: true });
    const ranked = await screen.findByRole('table', { name: 'Ranked hosts' });
    expect(within(ranked).getAllByRole('row')[1]!.textContent).toContain('edge-ath-pve1');
    const rejected = screen.getByRole('table', { name: 'Rejected hosts and why' });
    expect(rejected.textContent).toMatch(/confidential: no attestation result for this host; memory: needs 16.0 GiB/);
    expect(screen.getByText(/Quota:/).parentElement!.textContent).toMatch(/not known yet/);
  });

  it('sizes a pool from a demand', async () => {
    router.reset(route('capacity', { tab: 'sizing' }));
    render(App);
    await fireEvent.input(await screen.findByLabelText('VM Small'), { target: { value: '5' } });
    await fireEvent.click(screen.getByRole('button', { name: /Size the pool/ }));
    await waitFor(() => expect(bridge.callsTo('capacity:sizePool')).toHaveLength(1));
    expect(bridge.callsTo('capacity:sizePool')[0]!.demand).toEqual([
      { size: 'small', count: 5 },
      { size: 'medium', count: 40 },
      { size: 'large', count: 10 },
    ]);
    expect(await screen.findByText(/smallest data-centre pool that carries the demand with N\+1/)).toBeTruthy();
    expect(screen.getByText('recommended')).toBeTruthy();
  });

  it('reaches the catalogue from the command palette', async () => {
    router.reset(route('fleet'));
    render(App);
    ui.openPalette();
    const input = await screen.findByRole('combobox');
    await fireEvent.input(input, { target: { value: 'Service catalogue' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(router.current).toEqual(route('capacity', { tab: 'catalogue' })));
    expect(await screen.findByText('Confidential Private IaaS — Pool X-Large', { exact: false })).toBeTruthy();
    expect(screen.getByText(/2 CPUs × 24 cores \(96 threads\) · 512 GB RAM · 32 TB SSD/)).toBeTruthy();
  });

  it('sends the planning settings with every computation once applied', async () => {
    render(App);
    await pools();
    await fireEvent.input(screen.getByLabelText('vCPU overcommit'), { target: { value: '2' } });
    await fireEvent.input(screen.getByLabelText('Memory ceiling'), { target: { value: '80' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(bridge.callsTo('capacity:overview').at(-1)).toEqual({ settings: { cpuOvercommit: 2, memCeiling: 0.8 } }));
  });
});

describe('history chart spec', () => {
  it('draws memory, CPU, the trend as a dashed line and the threshold across to the forecast', () => {
    const spec = historySpec(history);
    expect(spec.series.map((s) => s.name)).toEqual(['Memory', 'CPU', 'Memory trend', 'Threshold 80 %']);
    expect(spec.series[2]!.dashed).toBe(true);
    expect(spec.series[3]!.data.at(-1)).toEqual([t0 + 60 * 86_400_000, 0.8]);
  });
});
