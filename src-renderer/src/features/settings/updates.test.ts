import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { UpdateStatus, UpdateVerdict } from '../../../../src-preload/contract';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { setupApp } from '../../test/fixtures';
import UpdatesPanel from './UpdatesPanel.svelte';

const SHA_SIZE = 104_857_600;
const idle: UpdateStatus = {
  currentVersion: '1.4.2',
  canInstall: true,
  installNote: null,
  trustedKeys: [{ keyId: 'ee7806d970843a61', name: 'Cairn release key' }],
  onlineFeed: 'https://updates.example.eu/stable/',
  feed: null,
  state: 'idle',
  lastCheckAt: null,
  verdict: null,
  progress: null,
  error: null,
};
const good: UpdateVerdict = {
  ok: true,
  metadataFile: 'latest-linux.yml',
  version: '1.5.0',
  releaseDate: '2026-11-20T10:00:00.000Z',
  keyId: 'ee7806d970843a61',
  keyName: 'Cairn release key',
  newer: true,
  files: [{ name: 'Cairn-1.5.0.AppImage', size: SHA_SIZE }],
  checks: ['latest-linux.yml signed by Cairn release key (ee7806d970843a61)', 'the downloaded file matches its signed SHA-512 and size'],
  reasons: [],
};
const ready: UpdateStatus = { ...idle, state: 'ready', lastCheckAt: '2026-11-22T09:00:00.000Z', feed: { kind: 'folder', location: '/media/usb' }, verdict: good, progress: 100 };

let bridge: FakeBridge;
beforeEach(() => {
  bridge = setupApp({ 'updates:status': () => idle });
});

describe('Updates panel', () => {
  it('shows the running version and feed, and updates from a folder, installing only after confirmation', async () => {
    bridge.handle({ 'updates:fromFolder': () => ready, 'updates:install': () => ready });
    render(UpdatesPanel);
    expect(await screen.findByText('Cairn 1.4.2')).toBeTruthy();
    expect(screen.getByText('https://updates.example.eu/stable/')).toBeTruthy();
    expect(screen.getByText('ee7806d970843a61')).toBeTruthy();
    const form = screen.getByRole('form', { name: 'Update from folder' });
    await fireEvent.input(within(form).getByLabelText('Update from folder'), { target: { value: ' /media/usb ' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Update from folder…' }));
    await waitFor(() => expect(bridge.callsTo('updates:fromFolder')).toEqual([{ path: '/media/usb' }]));
    expect(await screen.findByText(/Release 1\.5\.0 — signature verified/)).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Checks passed' })).getAllByRole('listitem')).toHaveLength(2);
    await fireEvent.click(screen.getByRole('button', { name: 'Install 1.5.0…' }));
    expect(bridge.callsTo('updates:install')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm: quit and install' }));
    await waitFor(() => expect(bridge.callsTo('updates:install')).toHaveLength(1));
    expect(bridge.contractViolations).toEqual([]);
  });

  it('shows a refusal with every reason and offers no install', async () => {
    const refused: UpdateStatus = {
      ...idle,
      state: 'refused',
      lastCheckAt: '2026-11-22T09:00:00.000Z',
      feed: { kind: 'folder', location: '/media/usb' },
      verdict: { ...good, ok: false, version: null, keyId: null, keyName: null, files: [], checks: [], reasons: [{ code: 'signature-missing', message: 'latest-linux.yml.sig is missing: the release is not signed' }] },
    };
    bridge.handle({ 'updates:fromFolder': () => refused });
    render(UpdatesPanel);
    const form = await screen.findByRole('form', { name: 'Update from folder' });
    await fireEvent.input(within(form).getByLabelText('Update from folder'), { target: { value: '/media/usb' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Update from folder…' }));
    const reasons = await screen.findByRole('list', { name: 'Reasons' });
    expect(reasons.textContent).toContain('not signed');
    expect(reasons.textContent).toContain('signature-missing');
    expect(screen.queryByRole('button', { name: /Install/ })).toBeNull();
  });

  it('in browser mode verifies a folder and says installing is for the desktop app; path errors land on the field', async () => {
    bridge.handle({
      'updates:status': () => ({ ...idle, canInstall: false, onlineFeed: null, installNote: 'Updates are installed by the desktop app' }),
      'updates:fromFolder': () => fail('not_found', '/nope is not a folder', 'path'),
    });
    render(UpdatesPanel);
    expect(await screen.findByText('Updates are installed by the desktop app')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Check for updates/ })).toBeNull();
    const form = screen.getByRole('form', { name: 'Update from folder' });
    await fireEvent.click(within(form).getByRole('button', { name: 'Verify folder' }));
    expect(within(form).getByText(/Enter the folder/)).toBeTruthy();
    await fireEvent.input(within(form).getByLabelText('Verify a release folder'), { target: { value: '/nope' } });
    await fireEvent.click(within(form).getByRole('button', { name: 'Verify folder' }));
    expect(await within(form).findByText('/nope is not a folder')).toBeTruthy();
  });

  it('follows download progress pushed by the main process', async () => {
    render(UpdatesPanel);
    await screen.findByText('Cairn 1.4.2');
    bridge.emit('updates:onStatus', { ...idle, state: 'downloading', progress: 42, verdict: good });
    const bar = (await screen.findByRole('progressbar', { name: 'Download progress' })) as HTMLProgressElement;
    expect(bar.value).toBe(42);
  });
});
