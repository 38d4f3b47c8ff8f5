import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ScmpStatus } from '../../../../src-preload/contract';
import { fail, type FakeBridge } from '../../test/fake-bridge';
import { cert, scmpNotConnected, setupApp } from '../../test/fixtures';
import ScmpPanel from './ScmpPanel.svelte';

const SHA = 'ab'.repeat(32);
const connected: ScmpStatus = {
  connected: true,
  endpoint: { id: 's1', name: 'SCMP scmp.example.eu', url: 'https://scmp.example.eu', fingerprint: cert.fingerprint, tokenId: 'cairn-console' },
  syncing: false,
  lastPullAt: '2026-11-22T10:00:00.000Z',
  lastError: null,
  lastErrorCode: null,
  collections: [
    { collection: 'tenants', count: 2, lastSuccessAt: '2026-11-22T10:00:00.000Z', lastAttemptAt: '2026-11-22T10:00:00.000Z', lastError: null },
    { collection: 'quotas', count: 5, lastSuccessAt: '2026-11-22T10:00:00.000Z', lastAttemptAt: '2026-11-22T10:00:00.000Z', lastError: null },
    { collection: 'role-bindings', count: 3, lastSuccessAt: '2026-11-22T10:00:00.000Z', lastAttemptAt: '2026-11-22T10:00:00.000Z', lastError: null },
    { collection: 'policies', count: 1, lastSuccessAt: '2026-11-22T10:00:00.000Z', lastAttemptAt: '2026-11-22T10:00:00.000Z', lastError: null },
  ],
  outbox: { pending: 1, pushed: 0, failing: 1 },
};

let bridge: FakeBridge;
beforeEach(() => {
  bridge = setupApp();
});

async function fillAndProbe() {
  render(ScmpPanel);
  const form = await screen.findByRole('form', { name: 'Connect the SCMP' });
  await fireEvent.input(within(form).getByLabelText('SCMP URL'), { target: { value: 'https://scmp.example.eu' } });
  await fireEvent.input(within(form).getByLabelText('Token'), { target: { value: 'scmp-token-value' } });
  await fireEvent.click(within(form).getByRole('button', { name: 'Check certificate' }));
}

describe('SCMP panel', () => {
  it('says Cairn works locally when no SCMP is connected', async () => {
    render(ScmpPanel);
    expect(await screen.findByText(/Not connected\. Cairn works fully without/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Sync now/ })).toBeNull();
  });

  it('connects only after the fingerprint is confirmed, sending the token once', async () => {
    bridge.handle({ 'scmp:connect': () => connected });
    await fillAndProbe();
    expect(bridge.callsTo('connections:probe')).toEqual([{ url: 'https://scmp.example.eu' }]);
    const connect = (await screen.findByRole('button', { name: 'Connect' })) as HTMLButtonElement;
    expect(connect.disabled).toBe(true);
    expect(bridge.callsTo('scmp:connect')).toEqual([]);
    await fireEvent.click(screen.getByLabelText('The fingerprint matches'));
    expect(connect.disabled).toBe(false);
    await fireEvent.click(connect);
    await waitFor(() => expect(bridge.callsTo('scmp:connect')).toHaveLength(1));
    expect(bridge.callsTo('scmp:connect')[0]).toEqual({ url: 'https://scmp.example.eu', fingerprint: cert.fingerprint, tokenId: 'cairn-console', token: 'scmp-token-value' });
    const table = await screen.findByRole('table', { name: 'Pulled from the SCMP' });
    expect(within(table).getByText('Quotas').closest('tr')!.textContent).toContain('5');
    expect(bridge.contractViolations).toEqual([]);
  });

  it('shows the SCMP refusing the token and stays disconnected', async () => {
    bridge.handle({ 'scmp:connect': () => fail('unauthenticated', 'SCMP at scmp.example.eu: the SCMP refused the token') });
    await fillAndProbe();
    await fireEvent.click(await screen.findByLabelText('The fingerprint matches'));
    await fireEvent.click(screen.getByRole('button', { name: 'Connect' }));
    expect((await screen.findByRole('alert')).textContent).toContain('refused the token');
    expect(screen.queryByRole('table', { name: 'Pulled from the SCMP' })).toBeNull();
  });

  it('follows background syncs and says how to recover from a changed certificate', async () => {
    bridge.handle({ 'scmp:status': () => connected });
    render(ScmpPanel);
    await screen.findByRole('table', { name: 'Pulled from the SCMP' });
    expect(screen.queryByRole('alert')).toBeNull();
    bridge.emit('scmp:onChanged', { ...connected, lastError: 'Certificate of 10.0.0.5:443 changed', lastErrorCode: 'tls_pin_mismatch' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('changed');
    expect(alert.textContent).toContain('re-pin the SCMP connection');
  });

  it('connected: errors, outbox, sync now, and disconnect behind a confirmation', async () => {
    bridge.handle({
      'scmp:status': () => ({ ...connected, lastError: 'Pull of tenants: the SCMP is rate limiting', lastErrorCode: 'rate_limited' }),
      'scmp:outbox': () => [
        { kind: 'custody', sha256: SHA, size: 2048, queuedAt: '2026-11-22T09:00:00.000Z', attempts: 2, lastAttemptAt: '2026-11-22T09:05:00.000Z', lastError: 'SCMP error 500', pushedAt: null },
      ],
      'scmp:syncNow': () => connected,
      'scmp:disconnect': () => scmpNotConnected,
    });
    render(ScmpPanel);
    expect((await screen.findByRole('alert')).textContent).toContain('rate limiting');
    const outbox = screen.getByRole('table', { name: 'SCMP outbox' });
    expect(within(outbox).getByText('failing (2)')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(bridge.callsTo('scmp:syncNow')).toHaveLength(1));
    await waitFor(() => expect(screen.queryByText(/rate limiting/)).toBeNull());
    await fireEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    expect(bridge.callsTo('scmp:disconnect')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Confirm disconnect' }));
    expect(await screen.findByText(/Not connected\./)).toBeTruthy();
    expect(bridge.callsTo('scmp:disconnect')).toHaveLength(1);
  });
});
