/**
 * The Audit page over the fake bridge: the timeline grouped by day with
 * outcomes, filters and search sent to `audit:list`, paging, the export
 * dialog (range and format → a Blob download), and the verify panel listing
 * every check. Plus the pure timeline helpers.
 */
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditPage, AuditRow, AuditVerifyResult } from '../../../../src-preload/contract';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import type { FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';
import { textOf } from '../../lib/files';
import { dayEnd, dayStart, groupByDay } from './timeline';

const row = (seq: number, at: string, over: Partial<AuditRow> = {}): AuditRow => ({
  seq,
  v: 1,
  at,
  actor: 'lena',
  roles: ['administrator'],
  source: 'browser',
  action: 'connections.add',
  target: `rome-${seq}`,
  outcome: 'ok',
  error: null,
  details: { name: `rome-${seq}` },
  ...over,
});
const page: AuditPage = {
  total: 3,
  rows: [
    row(2, '2026-03-02T12:00:00.000Z', { action: 'tenancy.saveOperator', outcome: 'refused', error: 'forbidden', target: 'bob' }),
    row(1, '2026-03-01T12:30:00.000Z', { source: 'cli' }),
    row(0, '2026-03-01T11:30:00.000Z', { action: 'session.signIn', target: null, details: {} }),
  ],
};
const verified: AuditVerifyResult = {
  valid: false,
  checks: [
    { name: 'format', ok: true, detail: 'cairn.audit/bundle v1, 3 entries' },
    { name: 'contiguity', ok: false, detail: 'entry 1 is leaf 2, expected leaf 1' },
  ],
  failures: ['contiguity: entry 1 is leaf 2, expected leaf 1'],
  entries: 3,
  range: { from: null, to: null },
};

let bridge: FakeBridge;
beforeEach(() => {
  bridge = setupApp({
    'audit:list': () => page,
    'audit:head': () => ({ origin: 'cairn.audit/0123', size: 3, rootHash: 'AAAA', checkpoint: { size: 3, at: '2026-03-02T10:00:00.000Z', note: 'cairn.audit/0123\n3\nAAAA\n' } }),
    'audit:export': () => ({ fileName: 'cairn-audit-start-to-now.json', mediaType: 'application/json', encoding: 'utf8', data: '{"format":"cairn.audit/bundle"}', entries: 3 }),
    'audit:verify': () => verified,
  });
  router.reset(route('audit'));
});
afterEach(() => vi.restoreAllMocks());

describe('timeline helpers', () => {
  it('group consecutive rows by local day, newest first as listed', () => {
    const groups = groupByDay(page.rows, new Date('2026-03-02T12:00:00.000Z'));
    expect(groups.map((g) => g.rows.map((r) => r.seq))).toEqual([[2], [1, 0]]);
    expect(groups[0]?.label).toBe('Today');
    expect(groups[1]?.label).toBe('Yesterday');
  });

  it('turn local days into UTC bounds, the end day inclusive', () => {
    const start = dayStart('2026-03-01') as string;
    const end = dayEnd('2026-03-01') as string;
    expect(Date.parse(end) - Date.parse(start)).toBe(86_400_000);
    expect(dayStart('')).toBeUndefined();
    expect(dayStart('01/03/2026')).toBeUndefined();
  });
});

describe('audit page', () => {
  it('shows the timeline by day with actor, source and outcome', async () => {
    render(App);
    expect(await screen.findByRole('heading', { level: 1, name: 'Audit' })).toBeTruthy();
    const entries = await screen.findAllByTestId('audit-entry');
    expect(entries).toHaveLength(3);
    expect(within(entries[0] as HTMLElement).getByText('tenancy.saveOperator')).toBeTruthy();
    expect(within(entries[0] as HTMLElement).getByText(/refused · forbidden/)).toBeTruthy();
    expect(within(entries[1] as HTMLElement).getByText(/CLI/)).toBeTruthy();
    expect(screen.getByText('3 entries')).toBeTruthy();
  });

  it('sends filters and search to audit:list', async () => {
    render(App);
    await screen.findAllByTestId('audit-entry');
    await fireEvent.change(screen.getByLabelText('Source'), { target: { value: 'cli' } });
    await waitFor(() => expect(bridge.callsTo('audit:list').at(-1)).toMatchObject({ source: 'cli', offset: 0 }));
    await fireEvent.change(screen.getByLabelText('Outcome'), { target: { value: 'refused' } });
    await waitFor(() => expect(bridge.callsTo('audit:list').at(-1)).toMatchObject({ source: 'cli', outcome: 'refused' }));
    await fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'rome' } });
    await waitFor(() => expect(bridge.callsTo('audit:list').at(-1)).toMatchObject({ q: 'rome' }));
    expect(bridge.contractViolations).toEqual([]);
  });

  it('exports a range as a bundle through a Blob download', async () => {
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => (created.push(b), 'blob:audit')) as typeof URL.createObjectURL;
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('cairn-audit-start-to-now.json');
    });
    render(App);
    await fireEvent.click(await screen.findByRole('button', { name: 'Export…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Export the audit trail' });
    await fireEvent.input(within(dialog).getByLabelText(/From/), { target: { value: '2026-03-01' } });
    await fireEvent.click(within(dialog).getByLabelText(/CSV/));
    await fireEvent.click(within(dialog).getByLabelText(/Verifiable bundle/));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Export' }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    const req = bridge.callsTo('audit:export')[0] as { format: string; from: string };
    expect(req.format).toBe('bundle');
    expect(req.from).toBe(dayStart('2026-03-01'));
    expect(await textOf(created[0] as Blob)).toBe('{"format":"cairn.audit/bundle"}');
  });

  it('verifies a chosen bundle file and lists each check', async () => {
    render(App);
    await screen.findByRole('heading', { name: 'Verify an audit bundle' });
    await fireEvent.change(screen.getByLabelText('Bundle file'), { target: { files: [new File(['{"format":"cairn.audit/bundle"}'], 'a.json', { type: 'application/json' })] } });
    const checks = await screen.findByRole('list', { name: 'Verification checks' });
    expect(bridge.callsTo('audit:verify')).toEqual([{ text: '{"format":"cairn.audit/bundle"}' }]);
    expect(within(checks).getAllByRole('listitem')).toHaveLength(2);
    expect(screen.getByText('invalid')).toBeTruthy();
  });
});

describe('audit page in Italian', () => {
  it('renders its own words in Italian, keeps what main wrote in English, and switches back without a reload', async () => {
    bridge.handle({ 'settings:get': () => ({ theme: 'system', syncIntervalSeconds: 30, language: 'it' }) });
    render(App);
    const entries = await screen.findAllByTestId('audit-entry');
    expect(document.documentElement.lang).toBe('it');
    expect(screen.getByRole('search', { name: "Filtra l'audit trail" })).toBeTruthy();
    expect(screen.getByText('3 voci')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Esporta…' })).toBeTruthy();
    // The outcome is the view's word; the error code after it came from main and stays as it was.
    expect(within(entries[0] as HTMLElement).getByText(/^rifiutata · forbidden$/)).toBeTruthy();
    expect(within(entries[1] as HTMLElement).getByText(/CLI/)).toBeTruthy();
    expect((screen.getByLabelText('Origine') as HTMLSelectElement).options[0]!.textContent).toBe('Qualsiasi origine');
    expect(screen.getByRole('heading', { name: 'Verifica un bundle di audit' })).toBeTruthy();

    await fireEvent.change(screen.getByLabelText('File del bundle'), { target: { files: [new File(['{"format":"cairn.audit/bundle"}'], 'a.json', { type: 'application/json' })] } });
    const checks = await screen.findByRole('list', { name: 'Controlli di verifica' });
    expect(within(checks).getByText('entry 1 is leaf 2, expected leaf 1')).toBeTruthy();
    expect(screen.getByText('non valido')).toBeTruthy();

    await fireEvent.click(screen.getByRole('button', { name: 'Esporta…' }));
    const dialog = await screen.findByRole('dialog', { name: "Esporta l'audit trail" });
    expect(within(dialog).getByLabelText('Bundle verificabile (JSON)')).toBeTruthy();
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Annulla' }));

    bridge.emit('settings:onChanged', { theme: 'system', syncIntervalSeconds: 30, language: 'en' });
    await waitFor(() => expect(screen.getByText('3 entries')).toBeTruthy());
    expect(screen.getByRole('heading', { name: 'Verify an audit bundle' })).toBeTruthy();
  });
});
