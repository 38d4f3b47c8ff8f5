import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import App from './App.svelte';
import { setApi } from './lib/api';
import { AREAS } from './lib/pages';
import { router } from './lib/router.svelte';
import { appStatus } from './test/fixtures';
import { setupApp } from './test/fixtures';
import { fail, type FakeBridge } from './test/fake-bridge';

let bridge: FakeBridge;

beforeEach(() => {
  bridge = setupApp();
});

const sidebar = () => screen.getByRole('navigation', { name: 'Areas' });
/** Let pending fake-bridge answers land. */
const settle = () => new Promise((r) => setTimeout(r, 0));
const heading = () => screen.getByRole('heading', { level: 1 });

describe('app frame', () => {
  it('has landmarks and reaches every area from the sidebar', async () => {
    render(App);
    expect(screen.getByRole('main')).toBeTruthy();
    expect(screen.getByRole('contentinfo', { name: 'Status' })).toBeTruthy();
    const nav = sidebar();
    for (const area of AREAS) {
      await fireEvent.click(within(nav).getByRole('button', { name: area.label }));
      expect(router.current.page).toBe(area.id);
      expect(heading().textContent).toBe(area.label);
      expect(within(nav).getByRole('button', { name: area.label }).getAttribute('aria-current')).toBe('page');
    }
  });

  it('every area is built: none shows the "not built yet" placeholder', async () => {
    render(App);
    for (const label of ['Audit']) {
      await fireEvent.click(within(sidebar()).getByRole('button', { name: label }));
      const main = screen.getByRole('main');
      expect(main.textContent).not.toMatch(/not built yet/);
      expect(within(main).queryByText('not available yet')).toBeNull();
    }
  });

  it('offers to add a connection on cluster pages when none is connected', async () => {
    bridge.handle({ 'app:status': () => ({ ...appStatus, clusters: { ok: 0, stale: 0, error: 0, total: 0 } }) });
    render(App);
    await fireEvent.click(within(sidebar()).getByRole('button', { name: 'Topology' }));
    const add = await screen.findByRole('button', { name: /Add a connection/ });
    await fireEvent.click(add);
    expect(router.current.page).toBe('settings');
    expect(await screen.findByRole('dialog', { name: 'Add connection' })).toBeTruthy();
  });

  it('moves between areas with arrow keys and keeps back/forward history', async () => {
    render(App);
    const fleet = within(sidebar()).getByRole('button', { name: 'Fleet' });
    fleet.focus();
    await fireEvent.keyDown(fleet, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(within(sidebar()).getByRole('button', { name: 'Topology' }));
    await fireEvent.keyDown(document.activeElement!, { key: 'Enter' });

    await fireEvent.click(within(sidebar()).getByRole('button', { name: 'Audit' }));
    await fireEvent.click(within(sidebar()).getByRole('button', { name: 'Settings' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(router.current.page).toBe('audit');
    await fireEvent.keyDown(window, { key: 'ArrowLeft', altKey: true });
    expect(router.current.page).toBe('fleet');
    await fireEvent.click(screen.getByRole('button', { name: 'Forward' }));
    expect(router.current.page).toBe('audit');
  });

  it('never puts the route in the URL (the fragment carries the session token)', async () => {
    const before = window.location.href;
    render(App);
    await fireEvent.click(within(sidebar()).getByRole('button', { name: 'Settings' }));
    expect(window.location.href).toBe(before);
  });
});

describe('command palette', () => {
  it('opens with Ctrl+K, filters fuzzily, runs with Enter', async () => {
    render(App);
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const dialog = await screen.findByRole('dialog', { name: 'Command palette' });
    const input = within(dialog).getByRole('combobox');
    await waitFor(() => expect(document.activeElement).toBe(input));
    expect(input.getAttribute('aria-expanded')).toBe('true');
    const listbox = within(dialog).getByRole('listbox');
    expect(input.getAttribute('aria-controls')).toBe(listbox.id);
    // Every area is reachable from the palette.
    for (const area of AREAS) expect(within(listbox).getAllByRole('option').some((o) => o.textContent?.includes(area.label))).toBe(true);

    await fireEvent.input(input, { target: { value: 'attst' } });
    const options = within(listbox).getAllByRole('option');
    expect(options[0]!.textContent).toContain('Attestation');
    expect(options[0]!.getAttribute('aria-selected')).toBe('true');
    expect(input.getAttribute('aria-activedescendant')).toBe(options[0]!.id);

    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(router.current.page).toBe('attestation');
    expect(screen.queryByRole('dialog', { name: 'Command palette' })).toBeNull();
  });

  it('moves the selection with the arrow keys', async () => {
    render(App);
    await fireEvent.keyDown(window, { key: 'k', metaKey: true });
    const input = within(await screen.findByRole('dialog', { name: 'Command palette' })).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'theme' } });
    const options = screen.getAllByRole('option');
    expect(options.length).toBeGreaterThan(2);
    await fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(options[1]!.getAttribute('aria-selected')).toBe('true');
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    await fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(screen.getAllByRole('option').at(-1)!.getAttribute('aria-selected')).toBe('true');
  });

  it('closes with Escape and traps focus while open', async () => {
    render(App);
    const trigger = screen.getByRole('button', { name: /Commands/ });
    trigger.focus();
    await fireEvent.click(trigger);
    const dialog = await screen.findByRole('dialog', { name: 'Command palette' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    // The rest of the app is inert while the palette is open.
    expect((document.querySelector('.app') as HTMLElement & { inert: boolean }).inert).toBe(true);
    const input = within(dialog).getByRole('combobox');
    await waitFor(() => expect(document.activeElement).toBe(input));
    const closeBtn = within(dialog).getByRole('button', { name: 'Close' });
    closeBtn.focus();
    await fireEvent.keyDown(closeBtn, { key: 'Tab' });
    expect(dialog.contains(document.activeElement)).toBe(true);

    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByRole('dialog', { name: 'Command palette' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(trigger));
  });

  it('runs actions: sync now, add connection', async () => {
    render(App);
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    let input = within(await screen.findByRole('dialog')).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'sync all' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(bridge.callsTo('fleet:syncNow')).toHaveLength(1));
    expect(await screen.findByText('Synced 3 clusters')).toBeTruthy();

    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    input = within(await screen.findByRole('dialog')).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'add connection' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(router.current.page).toBe('settings');
    expect(await screen.findByRole('dialog', { name: 'Add connection' })).toBeTruthy();
  });
});

describe('theme', () => {
  it('switches, persists through settings:set and applies data-theme', async () => {
    render(App);
    await waitFor(() => expect(bridge.callsTo('settings:get')).toHaveLength(1));
    await settle();
    expect(document.documentElement.dataset.theme).toBe('light');
    await fireEvent.click(screen.getByRole('button', { name: 'Switch to dark theme' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    await waitFor(() => expect(bridge.callsTo('settings:set')).toContainEqual({ theme: 'dark' }));

    // From the palette.
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const input = within(await screen.findByRole('dialog')).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'theme: light' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(document.documentElement.dataset.theme).toBe('light');
    await waitFor(() => expect(bridge.callsTo('settings:set')).toContainEqual({ theme: 'light' }));
  });

  it('follows prefers-color-scheme in system mode', async () => {
    render(App);
    await fireEvent.click(within(sidebar()).getByRole('button', { name: 'Settings' }));
    const group = screen.getByRole('radiogroup', { name: 'Theme' });
    await fireEvent.click(within(group).getByRole('radio', { name: /System/ }));
    expect(within(group).getByRole('radio', { name: /System/ }).getAttribute('aria-checked')).toBe('true');
    expect(document.documentElement.dataset.theme).toBe('light');
    (globalThis as unknown as { __setSystemDark(d: boolean): void }).__setSystemDark(true);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    await fireEvent.click(within(group).getByRole('radio', { name: /Light/ }));
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(bridge.callsTo('settings:set')).toContainEqual({ theme: 'light' });
  });

  it('adopts the theme saved in settings and changes pushed by settings:onChanged', async () => {
    bridge.handle({ 'settings:get': () => ({ theme: 'dark', syncIntervalSeconds: 30 }) });
    render(App);
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    bridge.emit('settings:onChanged', { theme: 'light', syncIntervalSeconds: 30 });
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('light'));
  });
});

describe('language', () => {
  it('switches to Italian from Settings without a reload, persists it, and back to English', async () => {
    render(App);
    await waitFor(() => expect(bridge.callsTo('settings:get')).toHaveLength(1));
    expect(document.documentElement.lang).toBe('en');
    await fireEvent.click(within(sidebar()).getByRole('button', { name: 'Settings' }));
    const group = screen.getByRole('radiogroup', { name: 'Language' });
    expect(within(group).getByRole('radio', { name: 'English' }).getAttribute('aria-checked')).toBe('true');
    await fireEvent.click(within(group).getByRole('radio', { name: 'Italiano' }));

    // The same mounted app re-renders: sidebar, page heading, status bar, <html lang>.
    const nav = screen.getByRole('navigation', { name: 'Aree' });
    expect(within(nav).getByRole('button', { name: 'Impostazioni' }).getAttribute('aria-current')).toBe('page');
    expect(within(nav).getByRole('button', { name: 'Flotta' })).toBeTruthy();
    expect(heading().textContent).toBe('Impostazioni');
    expect(screen.getByRole('contentinfo', { name: 'Stato' }).textContent).toMatch(/task in esecuzione/);
    expect(document.documentElement.lang).toBe('it');
    await waitFor(() => expect(bridge.callsTo('settings:set')).toContainEqual({ language: 'it' }));

    await fireEvent.click(within(screen.getByRole('radiogroup', { name: 'Lingua' })).getByRole('radio', { name: 'English' }));
    expect(within(sidebar()).getByRole('button', { name: 'Fleet' })).toBeTruthy();
    expect(heading().textContent).toBe('Settings');
    expect(document.documentElement.lang).toBe('en');
    await waitFor(() => expect(bridge.callsTo('settings:set')).toContainEqual({ language: 'en' }));
  });

  it('adopts the language saved in settings and changes pushed by settings:onChanged', async () => {
    bridge.handle({ 'settings:get': () => ({ theme: 'system', syncIntervalSeconds: 30, language: 'it' }) });
    render(App);
    await waitFor(() => expect(screen.getByRole('navigation', { name: 'Aree' })).toBeTruthy());
    expect(screen.getByRole('button', { name: /Comandi/ })).toBeTruthy();
    bridge.emit('settings:onChanged', { theme: 'system', syncIntervalSeconds: 30, language: 'en' });
    await waitFor(() => expect(sidebar()).toBeTruthy());
  });

  it('keeps the previous language and says so when saving fails', async () => {
    bridge.handle({ 'settings:set': () => fail('internal', 'disk full') });
    render(App);
    await fireEvent.click(within(sidebar()).getByRole('button', { name: 'Settings' }));
    await fireEvent.click(within(screen.getByRole('radiogroup', { name: 'Language' })).getByRole('radio', { name: 'Italiano' }));
    await waitFor(() => expect(screen.getAllByRole('alert').some((a) => /Could not save the language: disk full/.test(a.textContent ?? ''))).toBe(true));
    expect(document.documentElement.lang).toBe('en');
  });

  it('offers each language in the command palette', async () => {
    render(App);
    await fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    const input = within(await screen.findByRole('dialog')).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'language: italiano' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(document.documentElement.lang).toBe('it'));
    expect(within(screen.getByRole('navigation', { name: 'Aree' })).getByRole('button', { name: 'Topologia' })).toBeTruthy();
  });
});

describe('status bar', () => {
  const bar = () => screen.getByRole('contentinfo', { name: 'Status' });

  it('shows cluster states, tasks, last sync and the demo badge', async () => {
    render(App);
    await waitFor(() => expect(bar().textContent).toMatch(/Clusters/));
    await waitFor(() => expect(bar().textContent).toMatch(/DEMO/));
    expect(bar().textContent).toMatch(/1\s*stale/);
    expect(bar().textContent).toMatch(/0 running tasks/);
    expect(bar().textContent).toMatch(/Last sync/);
    expect(bar().textContent).toMatch(/Online/);
    bridge.emit('app:onStatus', { ...appStatus, runningTasks: 2 });
    await waitFor(() => expect(bar().textContent).toMatch(/2 running tasks/));
  });

  it('goes offline when the transport is lost and back when it returns', async () => {
    render(App);
    await waitFor(() => expect(bar().textContent).toMatch(/Online/));
    bridge.setConnected(false);
    await waitFor(() => expect(bar().textContent).toMatch(/Offline/));
    expect(bar().textContent).toMatch(/Lost the connection/);
    bridge.setConnected(true);
    await waitFor(() => expect(bar().textContent).toMatch(/Online/));
  });

  it('goes offline when no cluster is reachable', async () => {
    render(App);
    await waitFor(() => expect(bar().textContent).toMatch(/Online/));
    bridge.emit('app:onStatus', { ...appStatus, online: false, clusters: { ok: 0, stale: 0, error: 3, total: 3 } });
    await waitFor(() => expect(bar().textContent).toMatch(/No cluster is reachable/));
    expect(bar().textContent).toMatch(/3\s*error/);
  });

  it('goes offline when the machine reports no network', async () => {
    render(App);
    await waitFor(() => expect(bar().textContent).toMatch(/Online/));
    window.dispatchEvent(new Event('offline'));
    await waitFor(() => expect(bar().textContent).toMatch(/no network connection/));
    window.dispatchEvent(new Event('online'));
    await waitFor(() => expect(bar().textContent).toMatch(/Online/));
  });
});

describe('global search', () => {
  it('searches with debounce and opens a guest on its host page, highlighted', async () => {
    const scrolled = vi.spyOn(Element.prototype, 'scrollIntoView');
    onTestFinished(() => scrolled.mockRestore());
    render(App);
    await fireEvent.keyDown(window, { key: 'F', ctrlKey: true, shiftKey: true });
    const dialog = await screen.findByRole('dialog', { name: 'Search the fleet' });
    const input = within(dialog).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'd' } });
    await fireEvent.input(input, { target: { value: 'db' } });
    await waitFor(() => expect(within(dialog).getAllByRole('option')).toHaveLength(1));
    // Debounced: only the final query went out.
    expect(bridge.callsTo('fleet:search')).toEqual([{ q: 'db', limit: 20 }]);
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(router.current).toEqual({ page: 'host', params: { clusterId: 'c1', node: 'pve1', vmid: 102 } });
    const row = await screen.findByText('db-primary');
    expect(row.closest('tr')!.classList.contains('highlight')).toBe(true);
    expect(bridge.callsTo('fleet:host')).toContainEqual({ clusterId: 'c1', node: 'pve1' });
    await waitFor(() => expect(scrolled.mock.contexts.some((el) => (el as Element).getAttribute('data-vmid') === '102')).toBe(true));

    // A sync reloads the host: the page stays where the operator has scrolled it since.
    const shown = scrolled.mock.calls.length;
    const loads = bridge.callsTo('fleet:host').length;
    bridge.emit('fleet:onChanged', { clusterIds: ['c1'] });
    await waitFor(() => expect(bridge.callsTo('fleet:host').length).toBeGreaterThan(loads), { timeout: 3000 });
    await new Promise((r) => setTimeout(r, 50));
    expect(scrolled.mock.calls.length).toBe(shown);
  });

  it('opens sites on the site page', async () => {
    render(App);
    await fireEvent.click(screen.getByRole('button', { name: /Search sites, hosts, guests/ }));
    const input = within(await screen.findByRole('dialog', { name: 'Search the fleet' })).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'fra' } });
    await waitFor(() => expect(screen.getAllByRole('option').length).toBeGreaterThan(0));
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(router.current).toEqual({ page: 'site', params: { siteId: 'site:fra-edge-1' } });
    expect(await screen.findByRole('heading', { level: 1, name: 'fra-edge-1' })).toBeTruthy();
  });

  it('says when nothing matches', async () => {
    render(App);
    await fireEvent.keyDown(window, { key: 'f', ctrlKey: true, shiftKey: true });
    const input = within(await screen.findByRole('dialog')).getByRole('combobox');
    await fireEvent.input(input, { target: { value: 'zzz' } });
    expect(await screen.findByText(/Nothing matches “zzz”/)).toBeTruthy();
  });
});

describe('no session', () => {
  it('says how to open the console when there is no bridge, and loads nothing', async () => {
    setApi(null);
    render(App);
    expect(screen.getByRole('alert').textContent).toMatch(/No session token/);
    expect(screen.getByRole('contentinfo', { name: 'Status' }).textContent).toMatch(/Offline/);
    expect(bridge.calls).toEqual([]);
  });
});

describe('contract', () => {
  it('sends only requests the contract accepts', async () => {
    render(App);
    for (const label of ['Fleet', 'Settings']) await fireEvent.click(within(sidebar()).getByRole('button', { name: label }));
    await waitFor(() => expect(bridge.callsTo('connections:list').length).toBeGreaterThan(0));
    expect(bridge.contractViolations).toEqual([]);
  });
});
