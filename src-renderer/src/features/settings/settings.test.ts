import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { appInfo, FP2, setupApp } from '../../test/fixtures';

let bridge: FakeBridge;

beforeEach(() => {
  bridge = setupApp();
  router.reset(route('settings'));
});

async function openAddDialog() {
  render(App);
  await fireEvent.click(await screen.findByRole('button', { name: 'Add connection' }));
  return screen.findByRole('dialog', { name: 'Add connection' });
}

async function fillDetails(dialog: HTMLElement, over: { url?: string } = {}) {
  await fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'lyon-pve' } });
  await fireEvent.input(within(dialog).getByLabelText('URL'), { target: { value: over.url ?? 'https://lyon-pve.example.net:8006' } });
  await fireEvent.input(within(dialog).getByLabelText('API token id'), { target: { value: 'ops@pve!console' } });
  await fireEvent.input(within(dialog).getByLabelText('Secret'), { target: { value: 's3cret-token' } });
}

describe('connections list', () => {
  it('shows kind, URL, abbreviated fingerprint, simulated badge and sync state', async () => {
    render(App);
    const table = await screen.findByRole('table');
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    const fra = within(table).getByText('fra-pve').closest('tr')!;
    expect(within(fra).getByText('simulated')).toBeTruthy();
    expect(fra.textContent).toContain('Proxmox VE');
    expect(fra.textContent).toContain('fra-edge-1');
    expect(fra.textContent).toContain('https://fra-pve.example.net:8006');
    const fp = within(fra).getByText('AB:CD:EF…45:67:89');
    expect(fp.getAttribute('title')).toMatch(/^AB:CD:EF:01:23/);
    await waitFor(() => expect(fra.textContent).toMatch(/ok/));
  });

  it('tests a connection and shows the result', async () => {
    render(App);
    const row = (await screen.findByText('fra-pve')).closest('tr')!;
    await fireEvent.click(within(row).getByRole('button', { name: 'Test' }));
    expect(await within(row).findByText(/Connected: pve-manager\/8\.3\.0/)).toBeTruthy();
    expect(bridge.callsTo('connections:test')).toEqual([{ id: 'c1' }]);
  });

  it('removes only after the name is typed', async () => {
    render(App);
    const row = (await screen.findByText('fra-pve')).closest('tr')!;
    await fireEvent.click(within(row).getByRole('button', { name: 'Remove fra-pve' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove connection' });
    const confirm = within(dialog).getByRole('button', { name: /Remove connection/ }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(within(dialog).getByLabelText(/Type fra-pve to confirm/), { target: { value: 'fra-pv' } });
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(within(dialog).getByLabelText(/Type fra-pve to confirm/), { target: { value: 'fra-pve' } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(bridge.callsTo('connections:remove')).toEqual([{ id: 'c1' }]));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
  });

  it('offers re-pin only when a sync error mentions a fingerprint change, with a separate confirmation', async () => {
    render(App);
    const fra = (await screen.findByText('fra-pve')).closest('tr')!;
    const ams = (await screen.findByText('ams-pve')).closest('tr')!;
    await waitFor(() => expect(within(ams).queryByRole('button', { name: /Re-pin/ })).not.toBeNull());
    expect(within(fra).queryByRole('button', { name: /Re-pin/ })).toBeNull();

    await fireEvent.click(within(ams).getByRole('button', { name: /Re-pin/ }));
    const dialog = await screen.findByRole('alertdialog', { name: /Re-pin certificate of ams-pve/ });
    await within(dialog).findByText('Presented now');
    expect(bridge.callsTo('connections:probe')).toEqual([{ url: 'https://ams-pve.example.net:8006' }]);
    const cont = within(dialog).getByRole('button', { name: 'Continue' }) as HTMLButtonElement;
    expect(cont.disabled).toBe(true);
    await fireEvent.click(within(dialog).getByRole('checkbox', { name: /verified this fingerprint out of band/ }));
    await fireEvent.click(cont);
    // Nothing is changed until the explicit second confirmation.
    expect(bridge.callsTo('connections:repin')).toEqual([]);
    await fireEvent.click(within(dialog).getByRole('button', { name: /Yes, re-pin/ }));
    await waitFor(() => expect(bridge.callsTo('connections:repin')).toEqual([{ id: 'c2', fingerprint: FP2 }]));
  });
  it('Escape still closes a dialog after the focused control was removed by a step change', async () => {
    render(App);
    const ams = (await screen.findByText('ams-pve')).closest('tr')!;
    await fireEvent.click(await within(ams).findByRole('button', { name: /Re-pin/ }));
    const dialog = await screen.findByRole('alertdialog', { name: /Re-pin certificate/ });
    await within(dialog).findByText('Presented now');
    await fireEvent.click(within(dialog).getByRole('checkbox'));
    const cont = within(dialog).getByRole('button', { name: 'Continue' });
    cont.focus();
    await fireEvent.click(cont);
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    expect(bridge.callsTo('connections:repin')).toEqual([]);
  });
});

describe('add connection', () => {
  it('probes the certificate, requires out-of-band confirmation, then adds with that fingerprint', async () => {
    const dialog = await openAddDialog();
    await fillDetails(dialog);
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: verify certificate/ }));

    const confirmStep = await screen.findByRole('dialog', { name: 'Verify the server certificate' });
    expect(bridge.callsTo('connections:probe')).toEqual([{ url: 'https://lyon-pve.example.net:8006' }]);
    expect(confirmStep.textContent).toContain('CN=pve-new.example.net');
    expect(confirmStep.textContent).toContain('PVE Cluster Manager CA');
    // The fingerprint is grouped for reading aloud: 8 groups of 4 bytes.
    const groups = within(confirmStep).getByRole('list', { name: /SHA-256 fingerprint, in 8 groups/ });
    expect(within(groups).getAllByRole('listitem').map((li) => li.querySelector('code')?.textContent)).toEqual([
      '11:22:33:44',
      '55:66:77:88',
      '99:AA:BB:CC',
      'DD:EE:FF:00',
      '11:22:33:44',
      '55:66:77:88',
      '99:AA:BB:CC',
      'DD:EE:FF:00',
    ]);

    const add = within(confirmStep).getByRole('button', { name: /Pin and add connection/ }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    await fireEvent.click(within(confirmStep).getByRole('checkbox', { name: 'I have verified this fingerprint out of band' }));
    expect(add.disabled).toBe(false);
    await fireEvent.click(add);

    await waitFor(() => expect(bridge.callsTo('connections:add')).toHaveLength(1));
    expect(bridge.callsTo('connections:add')[0]).toEqual({
      name: 'lyon-pve',
      kind: 'pve',
      url: 'https://lyon-pve.example.net:8006',
      fingerprint: FP2,
      tokenId: 'ops@pve!console',
      secret: 's3cret-token',
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(await screen.findByText(/Added lyon-pve/)).toBeTruthy();
    // The secret never shows up anywhere in the page afterwards.
    expect(document.body.innerHTML).not.toContain('s3cret-token');
    expect(bridge.contractViolations).toEqual([]);
  });

  it('shows a field error from the main process next to that field', async () => {
    bridge.handle({ 'connections:add': () => fail('conflict', 'A connection named "lyon-pve" already exists', 'name') });
    const dialog = await openAddDialog();
    await fillDetails(dialog);
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: verify certificate/ }));
    const confirmStep = await screen.findByRole('dialog', { name: 'Verify the server certificate' });
    await fireEvent.click(within(confirmStep).getByRole('checkbox'));
    await fireEvent.click(within(confirmStep).getByRole('button', { name: /Pin and add connection/ }));

    // Back on the details step, with the error under Name.
    const details = await screen.findByRole('dialog', { name: 'Add connection' });
    const name = within(details).getByLabelText('Name');
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    const errId = name.getAttribute('aria-describedby')!;
    expect(document.getElementById(errId)!.textContent).toBe('A connection named "lyon-pve" already exists');
    // The secret is still in its field, so the operator only fixes the name.
    expect((within(details).getByLabelText('Secret') as HTMLInputElement).value).toBe('s3cret-token');
  });

  it('shows a probe failure on the URL field', async () => {
    bridge.handle({ 'connections:probe': () => fail('unreachable', 'connect ECONNREFUSED 192.0.2.1:8006', 'url') });
    const dialog = await openAddDialog();
    await fillDetails(dialog);
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: verify certificate/ }));
    const url = within(dialog).getByLabelText('URL');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(dialog.textContent).toContain('connect ECONNREFUSED 192.0.2.1:8006');
  });

  it('catches a contract violation before it is sent (http URL)', async () => {
    const dialog = await openAddDialog();
    await fillDetails(dialog, { url: 'http://lyon-pve.example.net:8006' });
    await fireEvent.click(within(dialog).getByRole('button', { name: /Next: verify certificate/ }));
    expect(within(dialog).getByText('Use an https:// URL')).toBeTruthy();
    expect(bridge.callsTo('connections:probe')).toEqual([]);
  });

  it('Escape closes the dialog and clears the secret', async () => {
    const dialog = await openAddDialog();
    await fillDetails(dialog);
    await fireEvent.keyDown(within(dialog).getByLabelText('Secret'), { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.innerHTML).not.toContain('s3cret-token');
  });
});

describe('settings', () => {
  it('shows the secret store fix prominently when unavailable', async () => {
    bridge.handle({
      'app:info': () => ({
        ...appInfo,
        secretStore: { available: false, kind: 'none', fix: 'Install gnome-keyring and log in again, or start with --ephemeral-secrets.' },
      }),
    });
    render(App);
    const alert = await screen.findByText(/Install gnome-keyring/);
    expect(alert.closest('[role="alert"]')).not.toBeNull();
  });

  it('saves the sync interval within the contract range', async () => {
    render(App);
    const input = await screen.findByLabelText(/Inventory sync interval/);
    await waitFor(() => expect((input as HTMLInputElement).value).toBe('30'));
    await fireEvent.input(input, { target: { value: '2' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Between 5 and 3600 seconds')).toBeTruthy();
    await fireEvent.input(input, { target: { value: '60' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bridge.callsTo('settings:set')).toEqual([{ syncIntervalSeconds: 60 }]));
  });

  it('shows version, data dir and transport', async () => {
    render(App);
    const about = (await screen.findByRole('heading', { name: 'About' })).closest('section')!;
    await waitFor(() => expect(about.textContent).toContain('/tmp/cairn-test'));
    expect(about.textContent).toContain('0.1.0');
    expect(about.textContent).toContain('Browser mode');
  });
});
