/**
 * The topology page over the fake bridge: levels, drill-down and the
 * breadcrumb, region expansion, search-to-focus, the network view with its
 * age and problems, saved and reset layouts; and the layout core itself.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TopoGraph, TopoNode } from '../../../../src-preload/contract';
import { appStatus, setupApp } from '../../test/fixtures';
import type { FakeBridge } from '../../test/fake-bridge';
import { router } from '../../lib/router.svelte';
import { gridColumns, layoutGraph, NODE_SIZE } from './layout';
import { LayoutEngine, shapeKey } from './layout-engine';
import TopologyPage from './TopologyPage.svelte';
import { overlayWhatIf, topology, type MapEdge, type MapNode } from './topology.svelte';
import type { WhatIfResult } from '../../../../src-preload/contract';

const n = (over: Partial<TopoNode> & Pick<TopoNode, 'id' | 'kind' | 'label'>): TopoNode => ({
  detail: '',
  status: 'up',
  badges: [],
  group: null,
  members: 0,
  drill: null,
  expand: null,
  title: '',
  ...over,
});

const graph = (over: Partial<TopoGraph> & Pick<TopoGraph, 'level' | 'view' | 'nodes'>): TopoGraph => ({
  title: '',
  crumbs: [{ label: 'Fleet', target: { level: 'fleet' } }],
  edges: [],
  layout: {},
  search: [],
  generatedAt: '2026-03-01T12:00:00.000Z',
  source: null,
  ...over,
});

function fleetGraph(expanded: string[]): TopoGraph {
  const nodes = [
    n({ id: 'region:central', kind: 'region', label: 'central', detail: '2 sites', expand: 'central', status: 'degraded', title: '1 degraded' }),
    n({ id: 'region:west', kind: 'region', label: 'west', detail: '1 site', expand: 'west' }),
  ];
  const edges: TopoGraph['edges'] = [];
  if (expanded.includes('central')) {
    nodes.push(n({ id: 'group:region:central', kind: 'group', label: 'central: 2 edge sites', members: 2 }));
    nodes.push(n({ id: 'site:fra', kind: 'site', label: 'fra-edge-1', group: 'group:region:central', drill: { level: 'site', siteId: 'site:fra' } }));
    nodes.push(n({ id: 'site:muc', kind: 'site', label: 'muc-edge-1', status: 'degraded', group: 'group:region:central', drill: { level: 'site', siteId: 'site:muc' } }));
    edges.push({ id: 'e1', source: 'region:central', target: 'group:region:central', kind: 'contains', status: 'up', label: '' });
    edges.push({ id: 'w1', source: 'region:central', target: 'site:fra', kind: 'wan', status: 'up', label: 'Link up' });
  }
  if (expanded.includes('west')) {
    nodes.push(n({ id: 'group:region:west', kind: 'group', label: 'west: 1 edge site', members: 1 }));
    nodes.push(n({ id: 'site:par', kind: 'site', label: 'par-edge-1', group: 'group:region:west', drill: { level: 'site', siteId: 'site:par' } }));
  }
  return graph({
    level: 'fleet',
    view: 'fleet',
    nodes,
    edges,
    search: [
      { id: 'region:central', label: 'central', detail: 'region', expand: null },
      { id: 'site:fra', label: 'fra-edge-1', detail: 'edge site · central', expand: 'central' },
      { id: 'site:par', label: 'par-edge-1', detail: 'edge site · west', expand: 'west' },
    ],
  });
}

const siteGraph = (siteId: string): TopoGraph =>
  graph({
    level: 'site',
    view: `site:${siteId}`,
    crumbs: [
      { label: 'Fleet', target: { level: 'fleet' } },
      { label: 'fra-edge-1', target: { level: 'site', siteId } },
    ],
    nodes: [
      n({ id: siteId, kind: 'site', label: 'fra-edge-1' }),
      n({ id: 'cluster:c1', kind: 'cluster', label: 'fra-pve' }),
      n({ id: 'host:c1/pve1', kind: 'host', label: 'pve1', drill: { level: 'host', clusterId: 'c1', node: 'pve1' } }),
      n({ id: 'group:host:c1/pve1', kind: 'group', label: 'pve1: 1 guest', members: 1 }),
      n({ id: 'guest:c1/100', kind: 'guest', label: 'db-primary', group: 'group:host:c1/pve1', badges: ['ha', 'confidential', 'attested'] }),
    ],
    edges: [
      { id: 'a', source: siteId, target: 'cluster:c1', kind: 'contains', status: 'up', label: '' },
      { id: 'b', source: 'cluster:c1', target: 'host:c1/pve1', kind: 'contains', status: 'up', label: '' },
      { id: 'c', source: 'host:c1/pve1', target: 'group:host:c1/pve1', kind: 'contains', status: 'up', label: '' },
    ],
    search: [{ id: 'guest:c1/100', label: 'db-primary', detail: 'VM 100', expand: null }],
  });

// xyflow's fitView uses Promise.withResolvers (Chromium and Electron have it; Node 20 under jsdom does not).
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

let bridge: FakeBridge;
beforeEach(() => {
  topology.reset();
  bridge = setupApp({
    'topology:fleet': (req) => fleetGraph(req.expanded),
    'topology:site': (req) => siteGraph(req.siteId),
    'topology:host': (req) =>
      graph({
        level: 'host',
        view: `host:${req.clusterId}/${req.node}`,
        crumbs: [
          { label: 'Fleet', target: { level: 'fleet' } },
          { label: 'fra-edge-1', target: { level: 'site', siteId: 'site:fra' } },
          { label: req.node, target: { level: 'host', clusterId: req.clusterId, node: req.node } },
        ],
        nodes: [n({ id: 'host:x', kind: 'host', label: req.node })],
      }),
    'topology:network': (req) =>
      graph({
        level: 'network',
        view: `network:${req.siteId}`,
        crumbs: [
          { label: 'Fleet', target: { level: 'fleet' } },
          { label: 'fra-edge-1', target: { level: 'site', siteId: req.siteId } },
          { label: 'Networks', target: { level: 'network', siteId: req.siteId } },
        ],
        nodes: [n({ id: 'iface:c1/vmbr1', kind: 'bridge', label: 'vmbr1', detail: 'VLAN-aware' }), n({ id: 'vnet:c1/acme', kind: 'vnet', label: 'acme', status: 'stale' })],
        source: { fetchedAt: '2026-03-01T11:00:00.000Z', ageSeconds: 3600, cached: true, problems: [req.refresh ? 'fra-pve: live read failed: unreachable' : 'SDN vnets not readable'] },
      }),
    'topology:saveLayout': (req) => ({ saved: Object.keys(req.positions).length }),
    'topology:resetLayout': () => ({ reset: true as const }),
  });
});

const node = (label: string) => screen.getAllByText(label, { selector: '.label' })[0]!.closest('.svelte-flow__node') as HTMLElement;
const crumbs = () => screen.getByRole('navigation', { name: 'Breadcrumb' });

describe('topology page', () => {
  it('shows the fleet as regions, opens a region to its sites', async () => {
    render(TopologyPage);
    await waitFor(() => expect(node('central')).toBeTruthy());
    expect(screen.queryByText('fra-edge-1')).toBeNull();
    expect(node('central').classList.contains('st-degraded')).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: /Open region central/, hidden: true }));
    await waitFor(() => expect(node('fra-edge-1')).toBeTruthy());
    expect(bridge.callsTo('topology:fleet').at(-1)).toEqual({ expanded: ['central'] });
    expect(screen.getByRole('button', { name: /Fold region central/, hidden: true }).getAttribute('aria-expanded')).toBe('true');
    // Members sit inside their group.
    expect(topology.nodes.find((x) => x.id === 'site:fra')?.parentId).toBe('group:region:central');
  });

  it('drills down by double-click and climbs back by the breadcrumb', async () => {
    render(TopologyPage);
    await fireEvent.click(await screen.findByRole('button', { name: /Open region central/, hidden: true }));
    await waitFor(() => expect(node('fra-edge-1')).toBeTruthy());
    await fireEvent.dblClick(node('fra-edge-1').querySelector('.tnode')!);
    await waitFor(() => expect(within(crumbs()).getByText('fra-edge-1')).toBeTruthy());
    expect(bridge.callsTo('topology:site')).toEqual([{ siteId: 'site:fra' }]);
    expect(node('db-primary').textContent).toMatch(/HA.*CC.*ATT/);
    // Enter on a focused node drills too.
    await fireEvent.keyDown(node('pve1'), { key: 'Enter' });
    await waitFor(() => expect(bridge.callsTo('topology:host')).toEqual([{ clusterId: 'c1', node: 'pve1' }]));
    await waitFor(() => expect(within(crumbs()).getByText('pve1').getAttribute('aria-current')).toBe('location'));
    await fireEvent.click(within(crumbs()).getByRole('button', { name: 'fra-edge-1' }));
    await waitFor(() => expect(topology.target).toEqual({ level: 'site', siteId: 'site:fra' }));
    await fireEvent.click(await within(crumbs()).findByRole('button', { name: 'Fleet' }));
    await waitFor(() => expect(node('central')).toBeTruthy());
    expect(topology.target).toEqual({ level: 'fleet' });
  });

  it('search-to-focus opens the region that hides the match and selects it', async () => {
    render(TopologyPage);
    await waitFor(() => expect(node('west')).toBeTruthy());
    const input = screen.getByRole('combobox', { name: 'Find on the map' });
    await fireEvent.input(input, { target: { value: 'par' } });
    expect(within(screen.getByRole('listbox', { name: 'Matches' })).getAllByRole('option')[0]!.textContent).toMatch(/par-edge-1/);
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(node('par-edge-1')).toBeTruthy());
    expect(bridge.callsTo('topology:fleet').at(-1)).toEqual({ expanded: ['west'] });
    expect(topology.nodes.find((x) => x.id === 'site:par')?.selected).toBe(true);
    expect(topology.selected).toBe('site:par');
  });

  it('switches a site to its network view, with the age of the data and what could not be read', async () => {
    render(TopologyPage);
    topology.drill({ level: 'site', siteId: 'site:fra' });
    await fireEvent.click(await screen.findByRole('button', { name: /Network view/ }));
    await waitFor(() => expect(node('vmbr1')).toBeTruthy());
    expect(screen.getByText(/Networks read 1 ?h.* ago \(cached\)/)).toBeTruthy();
    expect(screen.getByText('SDN vnets not readable')).toBeTruthy();
    expect(node('acme').classList.contains('st-stale')).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: /Read networks now/ }));
    await waitFor(() => expect(screen.getByText(/live read failed/)).toBeTruthy());
    expect(bridge.callsTo('topology:network')).toEqual([
      { siteId: 'site:fra', refresh: false },
      { siteId: 'site:fra', refresh: true },
    ]);
    await fireEvent.click(screen.getByRole('button', { name: /Site map/ }));
    await waitFor(() => expect(topology.target).toEqual({ level: 'site', siteId: 'site:fra' }));
  });

  it('saves dragged positions for the view and resets them', async () => {
    render(TopologyPage);
    await waitFor(() => expect(node('central')).toBeTruthy());
    expect((screen.getByRole('button', { name: 'Reset layout' }) as HTMLButtonElement).disabled).toBe(true);
    topology.moved([{ id: 'region:central', position: { x: 500, y: 40 } }]);
    await waitFor(() => expect(bridge.callsTo('topology:saveLayout')).toEqual([{ view: 'fleet', positions: { 'region:central': { x: 500, y: 40 } } }]), { timeout: 2000 });
    const reset = screen.getByRole('button', { name: 'Reset layout' }) as HTMLButtonElement;
    await waitFor(() => expect(reset.disabled).toBe(false));
    await fireEvent.click(reset);
    await waitFor(() => expect(bridge.callsTo('topology:resetLayout')).toEqual([{ view: 'fleet' }]));
    expect(topology.graph?.layout).toEqual({});
    expect(topology.nodes.find((x) => x.id === 'region:central')?.position).not.toEqual({ x: 500, y: 40 });
  });

  it('a refresh that changes one status replaces only that node', async () => {
    let muc: TopoNode['status'] = 'degraded';
    bridge.handle({
      'topology:fleet': (req) => {
        const g = fleetGraph(req.expanded);
        return { ...g, nodes: g.nodes.map((x) => (x.id === 'site:muc' ? { ...x, status: muc } : x)) };
      },
    });
    render(TopologyPage);
    topology.toggleRegion('central');
    await waitFor(() => expect(topology.nodes.find((x) => x.id === 'site:muc')).toBeTruthy());
    const before = new Map(topology.nodes.map((x) => [x.id, x]));
    muc = 'down';
    await topology.load();
    expect(topology.nodes.find((x) => x.id === 'site:muc')).not.toBe(before.get('site:muc'));
    expect(topology.nodes.find((x) => x.id === 'site:muc')?.data.node.status).toBe('down');
    for (const x of topology.nodes) if (x.id !== 'site:muc') expect(x).toBe(before.get(x.id));
  });

  it('uses saved positions over the automatic layout', async () => {
    bridge.handle({ 'topology:fleet': (req) => ({ ...fleetGraph(req.expanded), layout: { 'region:west': { x: -900, y: 77 } } }) });
    render(TopologyPage);
    await waitFor(() => expect(topology.nodes.find((x) => x.id === 'region:west')?.position).toEqual({ x: -900, y: 77 }));
  });

  it('offers to add a connection when nothing is connected', async () => {
    bridge.handle({
      'app:status': () => ({ ...appStatus, clusters: { ok: 0, stale: 0, error: 0, total: 0 } }),
      'topology:fleet': () => graph({ level: 'fleet', view: 'fleet', nodes: [] }),
    });
    const { appState } = await import('../../lib/app-state.svelte');
    await appState.refreshStatus();
    render(TopologyPage);
    await fireEvent.click(await screen.findByRole('button', { name: /Add a connection/ }));
    expect(router.current).toEqual({ page: 'settings', params: { dialog: 'add-connection' } });
  });

  it('shows a failure with a retry, and keeps the contract', async () => {
    let fail = true;
    bridge.handle({
      'topology:fleet': (req) => {
        if (fail) throw Object.assign(new Error('x'), {});
        return fleetGraph(req.expanded);
      },
    });
    render(TopologyPage);
    expect(await screen.findByRole('alert')).toBeTruthy();
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(node('central')).toBeTruthy());
    expect(bridge.contractViolations).toEqual([]);
  });
});

const whatIf = (over: Partial<WhatIfResult> = {}): WhatIfResult => ({
  scenario: 'Lose host pve1 (fra-pve, fra-edge-1)',
  kind: 'host',
  settings: { cpuOvercommit: 4, memCeiling: 0.9 },
  outcomes: [
    { clusterId: 'c1', vmid: 100, name: 'db-primary', tenant: null, vcpu: 4, mem: 8 * 2 ** 30, ha: true, confidential: true, from: 'pve1', outcome: 'restarted', to: { clusterId: 'c1', pool: 'fra-pve', node: 'pve2' }, reason: 'HA restarts it on pve2', warnings: [] },
    { clusterId: 'c1', vmid: 101, name: 'scratch', tenant: null, vcpu: 2, mem: 2 ** 30, ha: false, confidential: false, from: 'pve1', outcome: 'down', to: null, reason: 'not HA-managed', warnings: [] },
  ],
  hosts: [
    { clusterId: 'c1', node: 'pve1', lost: true, vcpuBefore: 6, vcpuAfter: 0, vcpuLimit: 384, memBefore: 9, memAfter: 0, memLimit: 100, received: 0 },
    { clusterId: 'c1', node: 'pve2', lost: false, vcpuBefore: 2, vcpuAfter: 6, vcpuLimit: 384, memBefore: 1, memAfter: 9, memLimit: 100, received: 1 },
  ],
  counts: { restarted: 1, doesNotFit: 0, down: 1, recoverable: 0, unrecoverable: 0 },
  rules: [],
  exact: true,
  notes: [],
  ...over,
});

describe('what-if on the map', () => {
  const flow = (): { nodes: MapNode[]; edges: MapEdge[] } => {
    const mk = (id: string, kind: TopoNode['kind'], label: string): MapNode => ({ id, type: 'entity', position: { x: 0, y: 0 }, data: { node: n({ id, kind, label, detail: 'd' }) }, class: 'st-up' });
    return {
      nodes: [mk('host:c1/pve1', 'host', 'pve1'), mk('host:c1/pve2', 'host', 'pve2'), mk('guest:c1/100', 'guest', 'db-primary'), mk('guest:c1/101', 'guest', 'scratch'), mk('guest:c1/102', 'guest', 'other')],
      edges: [],
    };
  };

  it('marks lost and receiving hosts, each displaced guest by outcome, and links moved guests to their new host', () => {
    const before = flow();
    const out = overlayWhatIf(before, whatIf());
    const byId = new Map(out.nodes.map((x) => [x.id, x]));
    expect(byId.get('host:c1/pve1')!.class).toContain('wi-lost');
    expect(byId.get('host:c1/pve2')!.class).toContain('wi-receives');
    expect(byId.get('host:c1/pve2')!.data.node.detail).toMatch(/\+1 guest/);
    expect(byId.get('guest:c1/100')!.class).toContain('wi-restarted');
    expect(byId.get('guest:c1/100')!.data.node.detail).toBe('HA restarts it on pve2');
    expect(byId.get('guest:c1/101')!.class).toContain('wi-down');
    // Untouched nodes stay the same objects (no re-render).
    expect(byId.get('guest:c1/102')).toBe(before.nodes[4]);
    expect(out.edges.map((e) => [e.source, e.target])).toEqual([['guest:c1/100', 'host:c1/pve2']]);
    expect(overlayWhatIf(before, null)).toBe(before);
  });

  it('simulates from the site map and clears again', async () => {
    bridge.handle({
      'topology:site': (req) => {
        const g = siteGraph(req.siteId);
        return { ...g, nodes: [...g.nodes, n({ id: 'host:c1/pve2', kind: 'host', label: 'pve2' })] };
      },
      'capacity:whatIf': () => whatIf(),
    });
    render(TopologyPage, { props: { siteId: 'site:fra', lose: { kind: 'host', clusterId: 'c1', node: 'pve1' } } });
    expect(await screen.findByText(/1 restarted/)).toBeTruthy();
    expect(bridge.callsTo('capacity:whatIf').at(-1)).toEqual({ lose: { kind: 'host', clusterId: 'c1', node: 'pve1' } });
    await waitFor(() => expect(node('db-primary').className).toContain('wi-restarted'));
    expect(node('pve1').className).toContain('wi-lost');
    // The whole site from the picker.
    await fireEvent.change(screen.getByLabelText('What if we lose'), { target: { value: '' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Simulate' }));
    await waitFor(() => expect(bridge.callsTo('capacity:whatIf').at(-1)).toEqual({ lose: { kind: 'site', siteId: 'site:fra' } }));
    await fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    await waitFor(() => expect(node('db-primary').className).not.toContain('wi-'));
  });
});

describe('layout', () => {
  const input = {
    nodes: [
      { id: 'h', kind: 'host' as const, group: null, members: 0 },
      { id: 's', kind: 'storage' as const, group: null, members: 0 },
      { id: 'g', kind: 'group' as const, group: null, members: 25 },
      ...Array.from({ length: 25 }, (_, i) => ({ id: `v${i}`, kind: 'guest' as const, group: 'g', members: 0 })),
    ],
    edges: [
      { source: 'h', target: 's' },
      { source: 'h', target: 'g' },
      { source: 'h', target: 'v3' },
    ],
  };

  it('packs members in a grid inside their group and ranks the rest top to bottom without overlap', () => {
    const r = layoutGraph(input);
    const cols = gridColumns(25);
    expect(cols).toBe(6);
    const g = r.sizes.g!;
    for (let i = 0; i < 25; i++) {
      const p = r.positions[`v${i}`]!;
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.x + NODE_SIZE.guest.w).toBeLessThanOrEqual(g.w);
      expect(p.y + NODE_SIZE.guest.h).toBeLessThanOrEqual(g.h);
    }
    expect(r.positions.v1!.x).toBeGreaterThan(r.positions.v0!.x);
    expect(r.positions[`v${cols}`]!.y).toBeGreaterThan(r.positions.v0!.y);
    // The host is above its children; siblings do not overlap.
    expect(r.positions.h!.y).toBeLessThan(r.positions.g!.y);
    const [a, b] = [
      { ...r.positions.s!, ...r.sizes.s! },
      { ...r.positions.g!, ...r.sizes.g! },
    ];
    expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
  });

  it('lays out a thousand guests in milliseconds', () => {
    const big = {
      nodes: [
        { id: 'c', kind: 'cluster' as const, group: null, members: 0 },
        ...Array.from({ length: 12 }, (_, h) => [
          { id: `h${h}`, kind: 'host' as const, group: null, members: 0 },
          { id: `g${h}`, kind: 'group' as const, group: null, members: 84 },
          ...Array.from({ length: 84 }, (_, i) => ({ id: `v${h}-${i}`, kind: 'guest' as const, group: `g${h}`, members: 0 })),
        ]).flat(),
      ],
      edges: Array.from({ length: 12 }, (_, h) => [
        { source: 'c', target: `h${h}` },
        { source: `h${h}`, target: `g${h}` },
      ]).flat(),
    };
    const r = layoutGraph(big);
    expect(Object.keys(r.positions)).toHaveLength(big.nodes.length);
    expect(r.ms).toBeLessThan(1000);
  });

  it('memoises by shape: statuses and labels do not count, ids and edges do', async () => {
    expect(shapeKey(input)).toBe(shapeKey({ ...input, nodes: input.nodes.map((x) => ({ ...x })) }));
    expect(shapeKey(input)).not.toBe(shapeKey({ ...input, edges: input.edges.slice(1) }));
    const engine = new LayoutEngine(false);
    const first = engine.layout(input);
    expect(engine.layout({ ...input })).toBe(first);
    expect((await first).positions.h).toBeTruthy();
  });
});
