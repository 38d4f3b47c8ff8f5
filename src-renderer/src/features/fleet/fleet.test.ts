import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import type { FakeBridge } from '../../test/fake-bridge';
import { rrd, setupApp, summary } from '../../test/fixtures';
import { PAGE_SIZE } from './guest-list.svelte';

let bridge: FakeBridge;

const guestRows = () => within(screen.getByRole('rowgroup', { name: 'Guest rows' })).queryAllByRole('row');
const scroller = () => screen.getByRole('rowgroup', { name: 'Guest rows' });

async function scrollTo(px: number) {
  const el = scroller();
  el.scrollTop = px;
  await fireEvent.scroll(el);
}

describe('guest list', () => {
  beforeEach(() => {
    bridge = setupApp({}, { guestTotal: 100_000 });
    router.reset(route('guests'));
  });

  it('pages through fleet:guests with offset/limit and keeps only visible rows in the DOM', async () => {
    render(App);
    await waitFor(() => expect(guestRows().length).toBeGreaterThan(0));
    expect(bridge.callsTo('fleet:guests')[0]).toEqual({ query: '', sort: { field: 'name', dir: 'asc' }, offset: 0, limit: PAGE_SIZE });
    expect(screen.getByRole('table', { name: 'Guests' }).getAttribute('aria-rowcount')).toBe('100001');
    expect(screen.getByText('100,000')).toBeTruthy();
    await waitFor(() => expect(screen.getByText('guest-000000')).toBeTruthy());
    // Virtualised: a screenful plus overscan, not 100 000 rows.
    expect(guestRows().length).toBeLessThan(60);

    await scrollTo(50_000 * 30);
    await waitFor(() => expect(bridge.callsTo('fleet:guests').some((r) => r.offset === 50_000 && r.limit === PAGE_SIZE)).toBe(true));
    expect(await screen.findByText('guest-050000')).toBeTruthy();
    expect(guestRows().length).toBeLessThan(60);
    expect(guestRows()[0]!.getAttribute('aria-rowindex')).toBe(String(50_000 - 8 + 2));

    // Far away: a new page; nearby pages come from the cache.
    await scrollTo(99_990 * 30);
    await waitFor(() => expect(bridge.callsTo('fleet:guests').some((r) => r.offset === 99_800)).toBe(true));
    expect(await screen.findByText('guest-099999')).toBeTruthy();
    const before = bridge.callsTo('fleet:guests').length;
    await scrollTo(50_000 * 30);
    expect(await screen.findByText('guest-050000')).toBeTruthy();
    await new Promise((r) => setTimeout(r, 80));
    expect(bridge.callsTo('fleet:guests').length).toBe(before);
    expect(bridge.contractViolations).toEqual([]);
  });

  it('turns field:value filters into chips and sends the query to the main process', async () => {
    render(App);
    await waitFor(() => expect(guestRows().length).toBeGreaterThan(0));
    const box = screen.getByLabelText('Filter guests');
    await fireEvent.input(box, { target: { value: 'site:fra-edge-1 status:running web -tag:"big data"' } });

    const chips = screen.getByRole('list', { name: 'Active filters' });
    const texts = within(chips)
      .getAllByRole('listitem')
      .map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(texts).toEqual(['site fra-edge-1', 'status running', '“web”', 'not tag big data']);

    const q = 'site:fra-edge-1 status:running web -tag:"big data"';
    await waitFor(() => expect(bridge.callsTo('fleet:guests').at(-1)).toEqual({ query: q, sort: { field: 'name', dir: 'asc' }, offset: 0, limit: PAGE_SIZE }));

    await fireEvent.click(within(chips).getByRole('button', { name: 'Remove filter status running' }));
    expect((box as HTMLInputElement).value).toBe('site:fra-edge-1 web -tag:"big data"');
    await waitFor(() => expect(bridge.callsTo('fleet:guests').at(-1)?.query).toBe('site:fra-edge-1 web -tag:"big data"'));

    await fireEvent.click(screen.getByRole('button', { name: 'Clear all' }));
    await waitFor(() => expect(bridge.callsTo('fleet:guests').at(-1)?.query).toBe(''));
    expect(screen.queryByRole('list', { name: 'Active filters' })).toBeNull();
  });

  it('shows the count of matches for a filter', async () => {
    bridge.handle({ 'fleet:guests': (req) => ({ total: req.query ? 3 : 100_000, rows: [] }) });
    render(App);
    await waitFor(() => expect(screen.getByText('100,000')).toBeTruthy());
    await fireEvent.input(screen.getByLabelText('Filter guests'), { target: { value: 'type:ct' } });
    await fireEvent.keyDown(screen.getByLabelText('Filter guests'), { key: 'Enter' });
    await waitFor(() => expect(screen.getByText('matches')).toBeTruthy());
    expect(screen.getByText('3')).toBeTruthy();
  });

  it('sorts by column, toggling direction', async () => {
    render(App);
    await waitFor(() => expect(guestRows().length).toBeGreaterThan(0));
    const vmid = screen.getByRole('columnheader', { name: /VMID/ });
    expect(vmid.getAttribute('aria-sort')).toBe('none');
    await fireEvent.click(within(vmid).getByRole('button'));
    await waitFor(() => expect(bridge.callsTo('fleet:guests').at(-1)?.sort).toEqual({ field: 'vmid', dir: 'asc' }));
    expect(vmid.getAttribute('aria-sort')).toBe('ascending');
    await fireEvent.click(within(vmid).getByRole('button'));
    await waitFor(() => expect(bridge.callsTo('fleet:guests').at(-1)?.sort).toEqual({ field: 'vmid', dir: 'desc' }));
    expect(vmid.getAttribute('aria-sort')).toBe('descending');
    for (const name of ['Name', 'Status', 'Node', 'Site', 'CPU', 'Memory', 'Uptime', 'Type']) {
      expect(within(screen.getByRole('columnheader', { name: new RegExp(name) })).getByRole('button')).toBeTruthy();
    }
  });

  it('marks stale rows', async () => {
    render(App);
    const name = await screen.findByText('guest-000000');
    const row = name.closest('[role="row"]')!;
    expect(row.classList.contains('stale')).toBe(true);
    expect(within(row as HTMLElement).getByText('stale')).toBeTruthy();
    expect(screen.getByText('guest-000001').closest('[role="row"]')!.classList.contains('stale')).toBe(false);
  });

  it('refetches the visible page when the fleet changes', async () => {
    render(App);
    await screen.findByText('guest-000000');
    const n = bridge.callsTo('fleet:guests').length;
    bridge.emit('fleet:onChanged', { clusterIds: ['c1'] });
    await waitFor(() => expect(bridge.callsTo('fleet:guests').length).toBe(n + 1), { timeout: 2000 });
    expect(bridge.callsTo('fleet:guests').at(-1)?.offset).toBe(0);
  });

  it('opens a guest on its host page', async () => {
    render(App);
    await fireEvent.click(await screen.findByText('guest-000001'));
    expect(router.current).toEqual({ page: 'host', params: { clusterId: 'c1', node: 'pve2', vmid: 101 } });
  });

  it('starts from a filter passed in the route', async () => {
    router.reset(route('guests', { query: 'status:running' }));
    render(App);
    await waitFor(() => expect(bridge.callsTo('fleet:guests')[0]?.query).toBe('status:running'));
    expect(within(screen.getByRole('list', { name: 'Active filters' })).getByText('running')).toBeTruthy();
  });
});

describe('fleet overview, site and host pages', () => {
  beforeEach(() => {
    bridge = setupApp();
  });

  it('shows summary cards and the sites table with stale reason', async () => {
    render(App);
    const cards = await screen.findByRole('region', { name: 'Fleet summary' });
    expect(cards.textContent).toMatch(/Hosts online\s*8\s*\/\s*9/);
    expect(cards.textContent).toMatch(/Guests running\s*135\s*\/\s*160/);
    expect(cards.textContent).toMatch(/1 stale/);
    const table = await screen.findByRole('table');
    const ams = within(table).getByText('ams-dc-1').closest('tr')!;
    expect(ams.classList.contains('stale')).toBe(true);
    expect(within(ams).getByTitle('connect ETIMEDOUT 10.0.0.1:8006')).toBeTruthy();
    expect(within(ams).getAllByRole('meter')).toHaveLength(2);

    await fireEvent.click(within(table).getByRole('button', { name: 'fra-edge-1' }));
    expect(router.current).toEqual({ page: 'site', params: { siteId: 'site:fra-edge-1' } });
    expect(await screen.findByRole('heading', { level: 1, name: 'fra-edge-1' })).toBeTruthy();
    expect(bridge.callsTo('fleet:site')).toEqual([{ siteId: 'site:fra-edge-1' }]);
    // Clusters with sync state, hosts, and one RRD chart per host.
    expect(await screen.findByText('fra-pve')).toBeTruthy();
    await waitFor(() => expect(bridge.callsTo('fleet:rrd')).toHaveLength(2));
    expect(bridge.callsTo('fleet:rrd')[0]).toEqual({ clusterId: 'c1', node: 'pve1', timeframe: 'hour' });

    await fireEvent.click(screen.getByRole('button', { name: 'pve2' }));
    expect(router.current).toEqual({ page: 'host', params: { clusterId: 'c1', node: 'pve2' } });
  });

  it('shows an empty state with a way to connect when there are no clusters', async () => {
    bridge.handle({
      'fleet:summary': () => ({ ...summary, sites: 0, clusters: 0, hosts: 0, hostsOnline: 0, guests: 0, guestsRunning: 0, vms: 0, containers: 0 }),
      'fleet:sites': () => [],
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: /Add a connection/ }));
    expect(router.current.page).toBe('settings');
  });

  it('host page: guests, charts with timeframe selector, cached badge', async () => {
    bridge.handle({ 'fleet:rrd': (req) => ({ ...rrd, cached: req.timeframe === 'week' }) });
    router.reset(route('host', { clusterId: 'c1', node: 'pve1' }));
    render(App);
    expect(await screen.findByRole('heading', { level: 1, name: 'pve1' })).toBeTruthy();
    expect(await screen.findByText('db-primary')).toBeTruthy();
    await waitFor(() => expect(bridge.callsTo('fleet:rrd')).toEqual([{ clusterId: 'c1', node: 'pve1', timeframe: 'hour' }]));
    expect(screen.getByRole('img', { name: /CPU use of pve1/ })).toBeTruthy();
    expect(screen.getByRole('img', { name: /Memory use of pve1/ })).toBeTruthy();
    expect(screen.getByRole('img', { name: /Network traffic of pve1/ })).toBeTruthy();
    expect(screen.queryByText('cached (offline)')).toBeNull();

    const tf = screen.getByRole('radiogroup', { name: 'Timeframe' });
    await fireEvent.click(within(tf).getByRole('radio', { name: 'Week' }));
    await waitFor(() => expect(bridge.callsTo('fleet:rrd').at(-1)).toEqual({ clusterId: 'c1', node: 'pve1', timeframe: 'week' }));
    expect(await screen.findByText('cached (offline)')).toBeTruthy();
    // Site link resolves from the site name.
    await fireEvent.click(await screen.findByRole('button', { name: 'fra-edge-1' }));
    expect(router.current).toEqual({ page: 'site', params: { siteId: 'site:fra-edge-1' } });
  });

  it('host page: the host’s recent PVE tasks of any origin, each log on demand', async () => {
    const upid = 'UPID:pve1:00001234:00005678:6500AAAA:vzdump:101:root@pam:';
    bridge.handle({
      'pve:tasks': () => [
        { upid, node: 'pve1', type: 'vzdump', id: '101', user: 'root@pam', startedAt: '2026-11-22T02:00:00.000Z', endedAt: '2026-11-22T02:04:00.000Z', status: 'WARNINGS: 1' },
        { upid: upid.replace('vzdump', 'qmstart'), node: 'pve1', type: 'qmstart', id: '102', user: 'ops@pve!cairn', startedAt: '2026-11-22T09:00:00.000Z', endedAt: null, status: null },
      ],
      'pve:taskLog': () => ({ lines: [{ n: 1, t: 'INFO: starting new backup job' }, { n: 2, t: 'TASK WARNINGS: 1' }], total: 2, running: false, exitstatus: 'WARNINGS: 1' }),
    });
    router.reset(route('host', { clusterId: 'c1', node: 'pve1' }));
    render(App);
    const section = await screen.findByRole('region', { name: 'Recent PVE tasks on pve1' });
    expect(bridge.callsTo('pve:tasks')).toEqual([{ clusterId: 'c1', node: 'pve1', limit: 25 }]);
    await waitFor(() => expect(within(section).getByText('vzdump')).toBeTruthy());
    expect(within(section).getByText('WARNINGS: 1')).toBeTruthy();
    expect(within(section).getByText('running')).toBeTruthy();
    await fireEvent.click(within(section).getAllByRole('button', { name: 'Log' })[0]!);
    await waitFor(() => expect(within(section).getByLabelText(`Task log of ${upid}`).textContent).toContain('starting new backup job'));
    expect(bridge.callsTo('pve:taskLog')).toEqual([{ clusterId: 'c1', upid, start: 0 }]);
  });

  it('reloads a site when one of its clusters changes', async () => {
    router.reset(route('site', { siteId: 'site:fra-edge-1' }));
    render(App);
    await screen.findByRole('heading', { level: 1, name: 'fra-edge-1' });
    bridge.emit('fleet:onChanged', { clusterIds: ['other'] });
    bridge.emit('fleet:onChanged', { clusterIds: ['c1'] });
    await waitFor(() => expect(bridge.callsTo('fleet:site')).toHaveLength(2), { timeout: 2500 });
  });
});
