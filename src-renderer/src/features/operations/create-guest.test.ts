import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import App from '../../App.svelte';
import { route } from '../../lib/pages';
import { router } from '../../lib/router.svelte';
import type { FakeBridge } from '../../test/fake-bridge';
import { guest, hostDetail, setupApp, whoami } from '../../test/fixtures';

let bridge: FakeBridge;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBoE0ztemplatekeyforthetest ops@example';

beforeEach(() => {
  bridge = setupApp();
});

async function openDialog() {
  render(App);
  router.navigate(route('host', { clusterId: 'c1', node: 'pve1' }));
  const button = await screen.findByRole('button', { name: 'New guest…' });
  await waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
  await fireEvent.click(button);
  return screen.findByRole('dialog', { name: 'New guest on pve1' });
}

describe('new guest on a host', () => {
  it('plans a VM from the host’s template with a catalogue size and cloud-init, then applies the reviewed plan', async () => {
    bridge.handle({ 'fleet:host': () => ({ ...hostDetail, guests: [...hostDetail.guests, guest(3, { vmid: 9000, node: 'pve1', name: 'debian-12-cloud', template: true, type: 'qemu' })] }) });
    const dialog = await openDialog();
    expect((within(dialog).getByRole('combobox', { name: 'Template' }) as HTMLSelectElement).value).toBe('9000');
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'Name' }), { target: { value: 'web-07' } });
    await fireEvent.change(within(dialog).getByRole('combobox', { name: 'Catalogue size' }), { target: { value: 'large' } });
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'SSH public key' }), { target: { value: KEY } });
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'Tags (comma-separated)' }), { target: { value: 'tenant-acme, web' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Review plan' }));
    await waitFor(() => expect(bridge.callsTo('operations:plan')).toHaveLength(1));
    expect(bridge.callsTo('operations:plan')[0]).toEqual({
      request: { action: 'create', clusterId: 'c1', node: 'pve1', templateVmid: 9000, name: 'web-07', size: 'large', cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, tags: ['tenant-acme', 'web'], start: true },
    });
    await fireEvent.click(await within(dialog).findByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(bridge.callsTo('operations:apply')).toEqual([{ id: 'op-1' }]));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('plans a container from an OS template; going back to the form withdraws the reviewed plan', async () => {
    const dialog = await openDialog();
    await fireEvent.click(within(dialog).getByRole('radio', { name: 'Container from an OS template' }));
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'Name' }), { target: { value: 'ct-01' } });
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'SSH public key' }), { target: { value: KEY } });
    await fireEvent.input(within(dialog).getByRole('textbox', { name: 'Tags (comma-separated)' }), { target: { value: 'tenant-acme' } });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Review plan' }));
    await waitFor(() => expect(bridge.callsTo('operations:plan')).toHaveLength(1));
    expect(bridge.callsTo('operations:plan')[0]).toMatchObject({
      request: { action: 'createContainer', clusterId: 'c1', node: 'pve1', name: 'ct-01', size: 'small', storage: 'local-zfs', diskGiB: 8, tags: ['tenant-acme'], sshKey: KEY },
    });
    await fireEvent.click(await within(dialog).findByRole('button', { name: 'Back to the form' }));
    await waitFor(() => expect(bridge.callsTo('operations:cancel')).toEqual([{ id: 'op-1' }]));
    expect(within(dialog).getByRole('textbox', { name: 'Name' })).toBeTruthy();
  });

  it('is greyed out, with the reason, for a role that may not create guests', async () => {
    bridge.handle({ 'tenancy:whoami': () => ({ ...whoami, roles: ['viewer'], actions: ['fleet.view'] }) });
    render(App);
    router.navigate(route('host', { clusterId: 'c1', node: 'pve1' }));
    const button = (await screen.findByRole('button', { name: 'New guest…' })) as HTMLButtonElement;
    await waitFor(() => expect(button.title).toMatch(/guest create/));
    expect(button.disabled).toBe(true);
  });
});
