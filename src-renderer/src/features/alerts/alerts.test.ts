import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AlertCounts, AlertDto, AlertList } from '../../../../src-preload/contract';
import App from '../../App.svelte';
import { appCommands } from '../../lib/app-commands';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { toasts } from '../../lib/toasts.svelte';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { alertThresholds, setupApp } from '../../test/fixtures';
import { alertsState } from './alerts.svelte';

let bridge: FakeBridge;

function alert(id: number, over: Partial<AlertDto> = {}): AlertDto {
  return {
    id,
    key: `host-cpu:c1/pve${id}`,
    kind: 'host-cpu',
    severity: 'warning',
    state: 'open',
    subject: { kind: 'host', siteId: 'site:fra-edge-1', siteName: 'fra-edge-1', clusterId: 'c1', clusterName: 'fra-pve', node: `pve${id}`, storage: null },
    message: `CPU of host pve${id} (fra-pve) at 88 %`,
    value: 88,
    threshold: 85,
    unit: '%',
    raisedAt: '2025-01-01T09:50:00.000Z',
    lastSeenAt: '2025-01-01T10:00:00.000Z',
    occurrences: 3,
    acknowledgedAt: null,
    acknowledgedBy: null,
    ackNote: null,
    resolvedAt: null,
    ...over,
  };
}

const syncAlert = alert(2, {
  key: 'sync-failing:c2',
  kind: 'sync-failing',
  severity: 'critical',
  subject: { kind: 'cluster', siteId: 'site:ams-dc-1', siteName: 'ams-dc-1', clusterId: 'c2', clusterName: 'ams-pve', node: null, storage: null },
  message: 'Sync of ams-pve failed 12 times in a row (last success 2025-01-01T09:00:00.000Z): connect ETIMEDOUT',
  value: 12,
  threshold: 10,
  unit: 'failures',
});

function counts(rows: AlertDto[]): AlertCounts {
  const active = rows.filter((r) => r.state !== 'resolved');
  return {
    open: active.filter((r) => r.state === 'open').length,
    acknowledged: active.filter((r) => r.state === 'acknowledged').length,
    critical: active.filter((r) => r.severity === 'critical').length,
    warning: active.filter((r) => r.severity === 'warning').length,
    openCritical: active.filter((r) => r.severity === 'critical' && r.state === 'open').length,
  };
}

/** A tiny alert store behind the fake bridge, so filters and acknowledgement behave like the real thing. */
function serve(rows: AlertDto[]): void {
  bridge.handle({
    'alerts:list': (q): AlertList => {
      const hit = rows.filter(
        (r) =>
          (q.state === 'all' || (q.state === 'active' ? r.state !== 'resolved' : r.state === q.state)) &&
          (!q.severity || r.severity === q.severity) &&
          (!q.kind || r.kind === q.kind) &&
          (!q.query || r.message.includes(q.query)),
      );
      return { total: hit.length, rows: hit.slice(q.offset, q.offset + q.limit), counts: counts(rows) };
    },
    'alerts:acknowledge': (req) => {
      const i = rows.findIndex((r) => r.id === req.id);
      if (i < 0) fail('not_found', `No alert ${req.id}`, 'id');
      rows[i] = { ...rows[i]!, state: 'acknowledged', acknowledgedBy: 'noc-anna', acknowledgedAt: '2025-01-01T10:01:00.000Z', ackNote: req.note ?? null };
      return rows[i]!;
    },
  });
}

beforeEach(() => {
  bridge = setupApp();
});

describe('alerts page', () => {
  it('lists active alerts worst first with subject links, and filters by state, severity and text', async () => {
    serve([syncAlert, alert(1), alert(3, { state: 'resolved', resolvedAt: '2025-01-01T09:59:00.000Z' })]);
    router.reset(route('alerts'));
    render(App);
    const table = await screen.findByRole('table', { name: 'Alerts' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Alerts');
    expect(within(table).getByText(/Sync of ams-pve failed 12 times/)).toBeTruthy();
    expect(table.textContent).toContain('12 failures (≥ 10 failures)');

    await fireEvent.click(screen.getByRole('button', { name: 'History' }));
    await waitFor(() => expect(bridge.callsTo('alerts:list').at(-1)).toMatchObject({ state: 'resolved' }));
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Alerts' })).getAllByRole('row')).toHaveLength(2));

    await fireEvent.click(screen.getByRole('button', { name: 'Active' }));
    await fireEvent.change(screen.getByLabelText('Severity'), { target: { value: 'critical' } });
    await waitFor(() => expect(bridge.callsTo('alerts:list').at(-1)).toMatchObject({ state: 'active', severity: 'critical' }));
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Alerts' })).getAllByRole('row')).toHaveLength(2));

    // The subject link opens the site page of a cluster alert.
    await fireEvent.click(screen.getByRole('button', { name: 'ams-pve · ams-dc-1' }));
    expect(router.current).toEqual(route('site', { siteId: 'site:ams-dc-1' }));
  });

  it('opens a host alert on its host page', async () => {
    serve([alert(1)]);
    router.reset(route('alerts'));
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'pve1 · fra-pve · fra-edge-1' }));
    expect(router.current).toEqual(route('host', { clusterId: 'c1', node: 'pve1' }));
  });

  it('acknowledges with a note; the row then shows who and why', async () => {
    serve([syncAlert, alert(1)]);
    router.reset(route('alerts'));
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: `Acknowledge ${syncAlert.message}` }));
    const dialog = await screen.findByRole('dialog', { name: 'Acknowledge alert' });
    await fireEvent.input(within(dialog).getByLabelText('Note (optional)'), { target: { value: '  carrier ticket 4711 ' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(bridge.callsTo('alerts:acknowledge')).toEqual([{ id: 2, note: 'carrier ticket 4711' }]);
    const row = (await screen.findByText('Ack’d by noc-anna')).closest('tr')!;
    expect(row.textContent).toContain('“carrier ticket 4711”');
    expect(within(row).queryByRole('button', { name: /^Acknowledge/ })).toBeNull();
    expect(bridge.contractViolations).toEqual([]);
  });

  it('unfolds an alert into its full message and its history', async () => {
    serve([syncAlert]);
    bridge.handle({
      'alerts:events': (req) => [
        { seq: 1, at: '2025-01-01T09:50:00.000Z', type: 'raised', severity: 'warning', value: 3, actor: null, note: null },
        { seq: 4, at: '2025-01-01T09:55:00.000Z', type: 'escalated', severity: 'critical', value: 10, actor: null, note: null },
        { seq: 9, at: '2025-01-01T09:58:00.000Z', type: 'acknowledged', severity: 'critical', value: 11, actor: 'noc-ben', note: `handover ${req.id}` },
      ],
    });
    router.reset(route('alerts'));
    render(App);
    const toggle = await screen.findByRole('button', { name: syncAlert.message });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await fireEvent.click(toggle);
    const history = await screen.findByRole('list', { name: 'History of this alert' });
    expect(within(history).getAllByRole('listitem').map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/Raised warning at 3 failures$/),
      expect.stringMatching(/Escalated to critical at 10 failures$/),
      expect.stringMatching(/Acknowledged at 11 failures by noc-ben “handover 2”$/),
    ]);
    expect(bridge.callsTo('alerts:events')).toEqual([{ id: 2 }]);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    await fireEvent.click(toggle);
    expect(screen.queryByRole('list', { name: 'History of this alert' })).toBeNull();
  });

  it('shows the error of a refused acknowledgement in the dialog', async () => {
    serve([alert(1)]);
    bridge.handle({ 'alerts:acknowledge': () => fail('conflict', 'Alert 1 is already resolved', 'id') });
    router.reset(route('alerts'));
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: /^Acknowledge CPU/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Acknowledge alert' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Acknowledge' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('already resolved');
  });

  it('says so when nothing is active', async () => {
    router.reset(route('alerts'));
    render(App);
    expect(await screen.findByText('No active alerts')).toBeTruthy();
  });
});

describe('status bar badge and notifications', () => {
  it('shows the active counts and opens the list; the palette offers the page too', async () => {
    serve([syncAlert, alert(1), alert(3)]);
    render(App);
    const badge = await screen.findByRole('button', { name: 'Alerts: 1 critical, 2 warning, 0 acknowledged' });
    await fireEvent.click(badge);
    expect(router.current.page).toBe('alerts');
    expect(appCommands().some((c) => c.id === 'go:alerts')).toBe(true);
  });

  it('updates from pushed changes and toasts newly critical alerts only', async () => {
    render(App);
    await screen.findByRole('button', { name: 'No active alerts' });
    const base = { raisedTotal: 0, raised: [], escalated: [], resolvedTotal: 0 };

    bridge.emit('alerts:onChanged', { ...base, counts: { open: 1, acknowledged: 0, critical: 0, warning: 1, openCritical: 0 }, raised: [alert(1)], raisedTotal: 1 });
    await screen.findByRole('button', { name: 'Alerts: 0 critical, 1 warning, 0 acknowledged' });
    expect(toasts.items).toEqual([]);

    bridge.emit('alerts:onChanged', { ...base, counts: { open: 2, acknowledged: 0, critical: 1, warning: 1, openCritical: 1 }, raised: [syncAlert], raisedTotal: 1 });
    await screen.findByRole('button', { name: 'Alerts: 1 critical, 1 warning, 0 acknowledged' });
    expect(toasts.items.map((t) => [t.kind, t.message])).toEqual([['error', `Critical alert: ${syncAlert.message} (ams-pve · ams-dc-1)`]]);

    // An escalation is newly critical too; an acknowledgement or a resolution is not news.
    bridge.emit('alerts:onChanged', { ...base, counts: { open: 2, acknowledged: 0, critical: 2, warning: 0, openCritical: 2 }, escalated: [alert(1, { severity: 'critical' })] });
    bridge.emit('alerts:onChanged', { ...base, counts: { open: 1, acknowledged: 1, critical: 2, warning: 0, openCritical: 1 } });
    bridge.emit('alerts:onChanged', { ...base, counts: { open: 0, acknowledged: 1, critical: 1, warning: 0, openCritical: 0 }, resolvedTotal: 1 });
    expect(toasts.items).toHaveLength(2);
    expect(alertsState.counts).toEqual({ open: 0, acknowledged: 1, critical: 1, warning: 0, openCritical: 0 });
    // Every critical is acknowledged: the badge says so instead of shouting.
    expect(await screen.findByRole('button', { name: 'Alerts: 1 critical (all acknowledged), 0 warning, 1 acknowledged' })).toBeTruthy();
  });

  it('sums up a burst of critical alerts in one notice', () => {
    alertsState.apply({
      counts: { open: 30, acknowledged: 0, critical: 30, warning: 0, openCritical: 30 },
      raised: Array.from({ length: 20 }, (_, i) => alert(i + 1, { severity: 'critical' })),
      raisedTotal: 30,
      escalated: [],
      resolvedTotal: 0,
    });
    expect(toasts.items).toHaveLength(1);
    expect(toasts.items[0]!.message).toMatch(/— and 29 more$/);
  });
});

describe('thresholds in Settings', () => {
  it('loads, refuses a warning level above the critical one without calling, and saves', async () => {
    bridge.handle({ 'alerts:setThresholds': (t) => t });
    router.reset(route('settings'));
    render(App);
    const warn = await screen.findByLabelText('CPU warning (%)');
    expect((warn as HTMLInputElement).value).toBe('85');
    await fireEvent.input(warn, { target: { value: '97' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save thresholds' }));
    expect((await screen.findByText(/cpu\.warning: the warning level must be below the critical level/)).getAttribute('role')).toBe('alert');
    expect(warn.getAttribute('aria-invalid')).toBe('true');
    expect(bridge.callsTo('alerts:setThresholds')).toEqual([]);

    await fireEvent.input(warn, { target: { value: '80' } });
    await fireEvent.input(screen.getByLabelText('Sync failing warning (failures)'), { target: { value: '1' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save thresholds' }));
    await waitFor(() => expect(bridge.callsTo('alerts:setThresholds')).toHaveLength(1));
    expect(bridge.callsTo('alerts:setThresholds')[0]).toEqual({ ...alertThresholds, cpu: { warning: 80, critical: 95 }, syncFailures: { warning: 1, critical: 10 } });
    await waitFor(() => expect(toasts.items.some((t) => t.message === 'Alert thresholds saved and applied')).toBe(true));
  });
});
