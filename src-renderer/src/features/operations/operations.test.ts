import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { FakeFailure, type FakeBridge } from '../../test/fake-bridge';
import type { BatchDto, FleetTask, OperationSummary } from '../../../../src-preload/contract';
import { plannedOperation, setupApp, summaryOf, whoami } from '../../test/fixtures';

let bridge: FakeBridge;

beforeEach(() => {
  bridge = setupApp();
});

async function openHost() {
  render(App);
  router.navigate(route('host', { clusterId: 'c1', node: 'pve1' }));
  const row = (await screen.findByText('db-primary')).closest('tr')!;
  await fireEvent.click(within(row).getByRole('button', { name: 'Actions for db-primary' }));
  return screen.getByRole('menu', { name: 'Actions for db-primary' });
}

describe('guest actions and plan review', () => {
  it('plans a start, shows the plan, applies it and toasts when it succeeds', async () => {
    const menu = await openHost();
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Start' }));
    const dialog = await screen.findByRole('dialog', { name: 'Start db-primary' });
    await within(dialog).findByText('db-primary is running');
    expect(bridge.callsTo('operations:plan')).toEqual([{ request: { action: 'start', clusterId: 'c1', vmid: 102 } }]);
    expect(within(dialog).getByText(/Quota impact/).nextElementSibling!.textContent).toBe('none');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(bridge.callsTo('operations:apply')).toEqual([{ id: 'op-1' }]));
    expect(screen.queryByRole('dialog')).toBeNull();
    // Progress events do not toast; the end does.
    bridge.emit('operations:onChanged', { id: 'op-1', batchId: null, state: 'running', stepsDone: 0, stepsTotal: 1, reason: null });
    expect(screen.queryByText(/succeeded/)).toBeNull();
    bridge.emit('operations:onChanged', { id: 'op-1', batchId: null, state: 'succeeded', stepsDone: 1, stepsTotal: 1, reason: null });
    expect(await screen.findByText('Start db-primary: succeeded')).toBeTruthy();
    // Operations started elsewhere do not interrupt.
    bridge.emit('operations:onChanged', { id: 'op-other', batchId: null, state: 'failed', stepsDone: 0, stepsTotal: 1, reason: 'boom' });
    expect(screen.queryByText(/boom/)).toBeNull();
  });

  it('toasts a failure with its reason', async () => {
    const menu = await openHost();
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Reboot' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reboot db-primary' });
    await within(dialog).findByText('db-primary after reboot');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(bridge.callsTo('operations:apply')).toHaveLength(1));
    bridge.emit('operations:onChanged', { id: 'op-1', batchId: null, state: 'failed', stepsDone: 0, stepsTotal: 1, reason: 'VM is locked (backup)' });
    expect(await screen.findByText('Reboot db-primary: failed — VM is locked (backup)')).toBeTruthy();
  });

  it('asks for parameters first, and withdraws a plan closed without applying', async () => {
    const menu = await openHost();
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Snapshot…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Snapshot db-primary' });
    expect(bridge.callsTo('operations:plan')).toEqual([]);
    await fireEvent.input(within(dialog).getByLabelText('Snapshot name'), { target: { value: 'before-upgrade' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Review plan' }));
    await within(dialog).findByText('db-primary after snapshot');
    expect(bridge.callsTo('operations:plan')).toEqual([{ request: { action: 'snapshot', clusterId: 'c1', vmid: 102, snapname: 'before-upgrade' } }]);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(bridge.callsTo('operations:cancel')).toEqual([{ id: 'op-1' }]));
    expect(bridge.callsTo('operations:apply')).toEqual([]);
  });

  it('guards delete: the typed name, and a second operator for protected guests', async () => {
    bridge.handle({
      'operations:plan': (req) => {
        const op = plannedOperation(req.request);
        return { ...op, plan: { ...op.plan, needsSecondConfirmation: true } };
      },
    });
    const menu = await openHost();
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Delete…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete db-primary' });
    const apply = await within(dialog).findByRole('button', { name: 'Apply' });
    await within(dialog).findByText(/second operator/);
    expect((apply as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(within(dialog).getByLabelText(/to confirm/), { target: { value: 'db-primar' } });
    await fireEvent.input(within(dialog).getByLabelText('Second operator'), { target: { value: 'bob' } });
    expect((apply as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(within(dialog).getByLabelText(/to confirm/), { target: { value: 'db-primary' } });
    expect((apply as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.click(apply);
    await waitFor(() => expect(bridge.callsTo('operations:apply')).toEqual([{ id: 'op-1', confirmName: 'db-primary', secondConfirmation: { actor: 'bob' } }]));
  });

  it('greys out what whoami says the operator may not do, with the reason', async () => {
    bridge.handle({ 'tenancy:whoami': () => ({ ...whoami, roles: ['field_engineer'], actions: ['fleet.view', 'guest.start', 'guest.stop', 'guest.reboot'] }) });
    const menu = await openHost();
    await waitFor(() => expect((within(menu).getByRole('menuitem', { name: /Delete/ }) as HTMLButtonElement).disabled).toBe(true));
    const del = within(menu).getByRole('menuitem', { name: /Delete/ });
    expect(del.getAttribute('title')).toBe('alice (field_engineer) may not guest delete');
    expect((within(menu).getByRole('menuitem', { name: 'Start' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('migrate: shows the advisor’s proposal and each rejected host’s reasons, and re-plans for an allowed host the operator picks', async () => {
    const placed = (targetNode: string | undefined) => {
      const op = plannedOperation({ action: 'migrate', clusterId: 'c1', vmid: 102 }, targetNode ? 'op-2' : 'op-1');
      op.plan.placement = {
        proposed: 'pve3',
        chosen: targetNode ?? 'pve3',
        overridden: targetNode !== undefined && targetNode !== 'pve3',
        candidates: [
          { node: 'pve3', accepted: true, rank: 1, reasons: [] },
          { node: 'pve4', accepted: true, rank: 2, reasons: [] },
          { node: 'pve1', accepted: false, rank: null, reasons: ['db-primary runs here'] },
          { node: 'pve2', accepted: false, rank: null, reasons: ['memory: needs 16.0 GiB, 3.0 GiB free under the 90 % ceiling'] },
        ],
        notes: ['A move within the pool leaves the tenant’s usage unchanged.'],
      };
      return op;
    };
    bridge.handle({ 'operations:plan': (req) => placed(req.request.action === 'migrate' ? req.request.targetNode : undefined) });
    const menu = await openHost();
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Migrate…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Migrate db-primary' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Review plan' }));
    const table = await within(dialog).findByRole('table', { name: 'Placement candidates' });
    expect(within(dialog).getByText(/Advisor proposes/).textContent).toContain('pve3');
    expect(within(table).getByText(/memory: needs 16.0 GiB/)).toBeTruthy();
    expect(within(table).queryByRole('button', { name: 'Use pve2' })).toBeNull();
    await fireEvent.click(within(table).getByRole('button', { name: 'Use pve4' }));
    await waitFor(() => expect(bridge.callsTo('operations:plan')).toHaveLength(2));
    expect(bridge.callsTo('operations:plan')[1]).toEqual({ request: { action: 'migrate', clusterId: 'c1', vmid: 102, targetNode: 'pve4' } });
    expect(bridge.callsTo('operations:cancel')).toEqual([{ id: 'op-1' }]);
    expect(await within(dialog).findByText('override')).toBeTruthy();
  });
});

describe('task centre', () => {
  const failed = { ...plannedOperation({ action: 'migrate', clusterId: 'c2', vmid: 301 }, 'op-f'), state: 'failed' as const, reason: 'target node offline' };
  const running = {
    ...plannedOperation({ action: 'start', clusterId: 'c1', vmid: 102 }, 'op-r'),
    state: 'running' as const,
  };
  running.steps = [{ ...running.steps[0]!, state: 'submitted', upid: 'UPID:pve1:0000ABCD:00000001:65000000:qmstart:102:alice@pve:' }];

  beforeEach(() => {
    bridge.handle({
      'operations:list': (req) => [running, failed].filter((o) => !req.state || o.state === req.state).map(summaryOf),
      'operations:get': (req) => (req.id === 'op-f' ? failed : running),
    });
  });

  async function openPage() {
    render(App);
    router.navigate(route('operations'));
    return (await screen.findByText('db-primary (102)')).closest('tr')!;
  }

  it('lists operations with state, actor and progress, and filters by state, cluster and text', async () => {
    const row = await openPage();
    expect(within(row).getByText('running')).toBeTruthy();
    expect(within(row).getByText('alice')).toBeTruthy();
    expect(within(row).getByRole('progressbar').getAttribute('aria-valuetext')).toBe('0 of 1');
    // Clusters by name (from connections:list), not by id.
    await waitFor(() => expect(screen.getByText('guest-301 (301)').closest('tr')!.textContent).toContain('ams-pve'));

    await fireEvent.change(screen.getByRole('combobox', { name: 'State' }), { target: { value: 'failed' } });
    await waitFor(() => expect(screen.queryByText('db-primary (102)')).toBeNull());
    expect(bridge.callsTo('operations:list').at(-1)).toEqual({ state: 'failed', limit: 500 });
    await fireEvent.change(screen.getByRole('combobox', { name: 'State' }), { target: { value: '' } });
    await screen.findByText('db-primary (102)');

    await fireEvent.change(screen.getByRole('combobox', { name: 'Cluster' }), { target: { value: 'c2' } });
    expect(screen.queryByText('db-primary (102)')).toBeNull();
    await fireEvent.change(screen.getByRole('combobox', { name: 'Cluster' }), { target: { value: '' } });
    await fireEvent.input(screen.getByRole('searchbox'), { target: { value: 'offline' } });
    expect(screen.queryByText('db-primary (102)')).toBeNull();
    expect(screen.getByText('guest-301 (301)')).toBeTruthy();
  });

  it('speaks Italian: states, actions, progress and the drawer, with main\'s reason left as written', async () => {
    bridge.handle({ 'settings:get': () => ({ theme: 'system', syncIntervalSeconds: 30, language: 'it' }) });
    const row = await openPage();
    expect(screen.getByRole('heading', { level: 1, name: 'Operazioni' })).toBeTruthy();
    expect(within(row).getByText('in esecuzione')).toBeTruthy();
    expect(within(row).getByRole('progressbar').getAttribute('aria-valuetext')).toBe('0 su 1');
    expect(within(row).getByRole('button', { name: 'Annulla Avvia db-primary (102)' })).toBeTruthy();
    expect((screen.getByRole('combobox', { name: 'Stato' }) as HTMLSelectElement).options[0]!.textContent).toBe('Tutti gli stati');
    expect(screen.getByRole('tab', { name: 'Task PVE' })).toBeTruthy();

    const frow = screen.getByText('guest-301 (301)').closest('tr')!;
    expect(within(frow).getByText('non riuscita')).toBeTruthy();
    await fireEvent.click(within(frow).getByRole('button', { name: 'Dettagli di Migra guest-301 (301)' }));
    const drawer = await screen.findByRole('complementary', { name: /^Migra / });
    expect(within(drawer).getByText('Motivo:')).toBeTruthy();
    expect(within(drawer).getByText(/target node offline/)).toBeTruthy();
    expect(within(drawer).getByRole('heading', { name: 'Piano' })).toBeTruthy();
    expect(within(drawer).getAllByRole('heading', { name: 'Passi' })).toHaveLength(2);
  });

  it('updates rows live, opens the detail with steps, UPID and reason, and cancels', async () => {
    const row = await openPage();
    bridge.emit('operations:onChanged', { id: 'op-r', batchId: null, state: 'succeeded', stepsDone: 1, stepsTotal: 1, reason: null });
    await waitFor(() => expect(within(row).getByText('succeeded')).toBeTruthy());
    expect(within(row).queryByRole('button', { name: /^Cancel/ })).toBeNull();

    const frow = screen.getByText('guest-301 (301)').closest('tr')!;
    await fireEvent.click(within(frow).getByRole('button', { name: 'Details of Migrate guest-301 (301)' }));
    const drawer = await screen.findByRole('complementary', { name: 'Migrate guest-301' });
    expect(within(drawer).getByText(/target node offline/)).toBeTruthy();

    await fireEvent.click(within(row).getByRole('button', { name: /Details of Start/ }));
    const d2 = await screen.findByRole('complementary', { name: 'Start db-primary' });
    expect(within(d2).getByText(/^UPID:pve1:/)).toBeTruthy();
    expect(within(d2).getByText('db-primary is running')).toBeTruthy();

    // The step's PVE task log, streamed from the last line seen until the task ends.
    let calls = 0;
    bridge.handle({
      'pve:taskLog': (req) => {
        calls++;
        return req.start === 0
          ? { lines: [{ n: 1, t: 'starting VM 102' }], total: 1, running: true, exitstatus: null }
          : { lines: [{ n: 2, t: 'TASK OK' }], total: 2, running: false, exitstatus: 'OK' };
      },
    });
    await fireEvent.click(within(d2).getByRole('button', { name: 'Task log' }));
    await waitFor(() => expect(within(d2).getByLabelText(/^Task log of UPID/).textContent).toContain('starting VM 102'));
    await waitFor(() => expect(within(d2).getByText(/finished: OK/)).toBeTruthy(), { timeout: 3000 });
    expect(within(d2).getByLabelText(/^Task log of UPID/).textContent).toBe('starting VM 102\nTASK OK\n');
    expect(bridge.callsTo('pve:taskLog').map((r) => r.start)).toEqual([0, 1]);
    expect(calls).toBe(2);
  });

  it('cancels a running operation and reports a refusal', async () => {
    await openPage();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel Start db-primary (102)' }));
    await waitFor(() => expect(bridge.callsTo('operations:cancel')).toEqual([{ id: 'op-r' }]));
    bridge.handle({
      'operations:cancel': () => {
        throw new FakeFailure({ code: 'conflict', message: 'Operation is already succeeded', field: 'id' });
      },
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel Start db-primary (102)' }));
    expect(await screen.findByText('Cannot cancel Start db-primary (102): Operation is already succeeded')).toBeTruthy();
  });
  it('PVE tasks tab: every cluster’s tasks with origin, filters sent to main, a silent cluster named, a log on demand, and opening Cairn’s operation', async () => {
    const task = (over: Partial<FleetTask>): FleetTask => ({
      upid: 'UPID:pve2:00000001:00000001:65000001:vzdump::backup@pbs:', node: 'pve2', type: 'vzdump', id: '', user: 'backup@pbs',
      startedAt: '2025-01-01T02:00:00.000Z', endedAt: '2025-01-01T02:10:00.000Z', status: 'job errors', clusterId: 'c1', clusterName: 'rome-1', origin: 'other', operationId: null, ...over,
    });
    const cairn = task({ upid: 'UPID:pve1:0000ABCD:00000001:65000000:qmstart:102:alice@pve:', node: 'pve1', type: 'qmstart', id: '102', user: 'cairn@pve!console', status: 'OK', origin: 'cairn', operationId: 'op-r', startedAt: '2025-01-01T03:00:00.000Z' });
    bridge.handle({ 'pve:fleetTasks': () => ({ tasks: [cairn, task({})], errors: [{ clusterId: 'c2', clusterName: 'milan-1', message: 'node unreachable (595)' }] }) });
    await openPage();
    await fireEvent.click(screen.getByRole('tab', { name: 'PVE tasks' }));
    const table = await screen.findByRole('table', { name: 'PVE tasks' });
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(within(table).getByText('job errors')).toBeTruthy();
    expect(screen.getByRole('list', { name: 'Clusters not answering' }).textContent).toContain('milan-1: node unreachable (595)');
    expect(bridge.callsTo('pve:fleetTasks')).toEqual([{ status: 'all', origin: 'any', limit: 500 }]);

    await fireEvent.change(screen.getByRole('combobox', { name: 'Task status' }), { target: { value: 'failed' } });
    await fireEvent.input(screen.getByRole('textbox', { name: 'Task type' }), { target: { value: 'vzdump' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(bridge.callsTo('pve:fleetTasks').at(-1)).toEqual({ status: 'failed', origin: 'any', type: 'vzdump', limit: 500 }));

    await fireEvent.click(within(table).getByRole('button', { name: 'Log of vzdump on pve2' }));
    await waitFor(() => expect(bridge.callsTo('pve:taskLog')).toContainEqual({ clusterId: 'c1', upid: task({}).upid, start: 0 }));

    await fireEvent.click(within(screen.getByRole('table', { name: 'PVE tasks' })).getByRole('button', { name: 'Cairn' }));
    expect(await screen.findByRole('tab', { name: 'Cairn operations', selected: true })).toBeTruthy();
    await waitFor(() => expect(bridge.callsTo('operations:get')).toContainEqual({ id: 'op-r' }));
  });

  it('a failed PVE task Cairn did not start is a toast', async () => {
    await openPage();
    bridge.emit('pve:onTaskFailed', {
      upid: 'UPID:pve2:00000001:00000001:65000001:vzdump::backup@pbs:', node: 'pve2', type: 'vzdump', id: '', user: 'backup@pbs',
      startedAt: null, endedAt: null, status: 'job errors', clusterId: 'c1', clusterName: 'rome-1', origin: 'other', operationId: null,
    });
    expect(await screen.findByText('PVE task vzdump on pve2 (rome-1) by backup@pbs failed: job errors')).toBeTruthy();
  });
});

describe('bulk actions from the guest list', () => {
  it('selects guests across pages, plans per item with refusals, applies and shows aggregated progress', async () => {
    let items: OperationSummary[] = [];
    const batchOf = (): BatchDto => {
      const byState: Record<string, number> = {};
      for (const o of items) byState[o.state] = (byState[o.state] ?? 0) + 1;
      return { batchId: 'b-1', total: items.length, byState, operations: items };
    };
    bridge.handle({
      'operations:bulkPlan': (req) => {
        items = req.requests.map((r, i) => {
          const op = summaryOf(plannedOperation(r, `op-${i}`, 'b-1'));
          return i === 1 ? { ...op, state: 'refused' as const, reason: 'guest-000002 is locked' } : op;
        });
        return batchOf();
      },
      'operations:applyBatch': () => {
        items = items.map((o) => (o.state === 'planned' ? { ...o, state: 'queued' as const } : o));
        return batchOf();
      },
      'operations:batch': () => batchOf(),
    });
    render(App);
    router.reset(route('guests'));
    await fireEvent.click(await screen.findByRole('checkbox', { name: 'Select guest-000001' }));
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Select guest-000002' }));
    const bar = screen.getByRole('group', { name: 'Selected guests' });
    expect(bar.textContent).toMatch(/2 selected/);
    await waitFor(() => expect((within(bar).getByRole('button', { name: 'Snapshot…' }) as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(within(bar).getByRole('button', { name: 'Snapshot…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Snapshot 2 guests' });
    await fireEvent.input(within(dialog).getByLabelText('Snapshot name'), { target: { value: 'pre-patch' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Review plan' }));
    await within(dialog).findByText('guest-000002 is locked');
    expect(bridge.callsTo('operations:bulkPlan')).toEqual([
      {
        requests: [
          { action: 'snapshot', clusterId: 'c1', vmid: 101, snapname: 'pre-patch' },
          { action: 'snapshot', clusterId: 'c1', vmid: 102, snapname: 'pre-patch' },
        ],
      },
    ]);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Apply 1 of 2' }));
    const status = await within(dialog).findByRole('status', { name: 'Batch progress' });
    await waitFor(() => expect(status.textContent).toMatch(/1 queued/));
    expect(status.textContent).toMatch(/1 refused/);

    items = items.map((o) => (o.state === 'queued' ? { ...o, state: 'succeeded' as const, stepsDone: 1 } : o));
    bridge.emit('operations:onChanged', { id: 'op-0', batchId: 'b-1', state: 'succeeded', stepsDone: 1, stepsTotal: 1, reason: null });
    await waitFor(() => expect(status.textContent).toMatch(/1 succeeded/));
    expect(within(status).getByRole('progressbar', { name: 'Items finished' }).getAttribute('aria-valuetext')).toBe('2 of 2');
    // One toast for the batch, with its counts.
    expect(await screen.findByText('Snapshot 2 guests: 1 succeeded, 1 refused')).toBeTruthy();
  });
});
