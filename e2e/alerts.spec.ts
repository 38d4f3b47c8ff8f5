/**
 * Alerts on the demo fleet, end to end: an operator tightens the sync
 * thresholds in Settings, one simulated cluster starts failing its syncs
 * (its pinned fingerprint no longer matches, exactly what a rotated PVE
 * certificate does), the alert appears in the status bar and escalates to
 * a critical in-app notification, the operator acknowledges it with a note
 * on the alert list, and once the pin is restored the alert resolves into
 * history. Setup and cleanup go through the contract over the console's own
 * WebSocket (the same calls the UI makes), so the shared demo fleet is left
 * as it was for the other specs.
 */
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { appOrigin, appToken, guardConsole, openConsole, screenshot, settle } from './support';

interface Conn {
  id: string;
  name: string;
  fingerprint: string | null;
  simulated: boolean;
}

/** One contract call over a fresh WebSocket, as the renderer makes it. */
async function call<T>(channel: string, payload: unknown): Promise<T> {
  const ws = new WebSocket(`${appOrigin().replace(/^http/, 'ws')}/api?token=${encodeURIComponent(appToken())}`, { headers: { Origin: appOrigin() } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answer = new Promise<{ ok: boolean; value?: T; error?: { message: string } }>((resolve) => {
      ws.on('message', (d) => {
        const frame = JSON.parse(String(d)) as { id?: number; result?: { ok: boolean; value?: T; error?: { message: string } } };
        if (frame.id === 1 && frame.result) resolve(frame.result);
      });
    });
    ws.send(JSON.stringify({ id: 1, channel, payload }));
    const r = await answer;
    if (!r.ok) throw new Error(`${channel}: ${r.error?.message}`);
    return r.value as T;
  } finally {
    ws.close();
  }
}

const WRONG_FP = Array.from({ length: 32 }, () => 'AB').join(':');

test('a failing cluster raises an alert, notifies when critical, is acknowledged and resolves', async ({ page }) => {
  const guard = await guardConsole(page);
  const original = await call<Record<string, unknown>>('alerts:thresholds', {});
  const victim = (await call<Conn[]>('connections:list', {})).filter((c) => c.simulated).sort((a, b) => a.name.localeCompare(b.name))[0]!;
  expect(victim?.fingerprint).toBeTruthy();
  // Alerts name a cluster as Proxmox VE does (the connection name is the operator's label for it).
  const cluster = (await call<{ clusterId: string; name: string }[]>('fleet:syncState', {})).find((s) => s.clusterId === victim.id)!.name;

  await openConsole(page);
  // The demo fleet is calm at the default thresholds.
  const badge = page.getByRole('contentinfo', { name: 'Status' }).getByRole('button', { name: /alerts/i });
  await expect(badge).toHaveAccessibleName('No active alerts', { timeout: 30_000 });

  try {
    // Settings › Alert thresholds: page on the first failed sync, critical on the second.
    await page.getByRole('navigation', { name: 'Areas' }).getByRole('button', { name: 'Settings' }).click();
    const section = page.getByRole('region', { name: 'Alert thresholds' });
    await section.getByLabel('Sync failing warning (failures)').fill('1');
    await section.getByLabel('Sync failing critical (failures)').fill('2');
    await section.getByRole('button', { name: 'Save thresholds' }).click();
    await expect(page.getByText('Alert thresholds saved and applied')).toBeVisible();
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: 'test-results/screenshots/alerts-thresholds.png' });

    // The cluster's certificate "changes": every sync now fails on the pin.
    await call('connections:repin', { id: victim.id, fingerprint: WRONG_FP });
    await call('fleet:syncNow', { clusterId: victim.id });
    await expect(badge).toHaveAccessibleName(/Alerts: \d+ critical, [1-9]\d* warning|Alerts: [1-9]\d* critical/, { timeout: 20_000 });

    // A second failure escalates it: a critical notification, once.
    await call('fleet:syncNow', { clusterId: victim.id });
    const notice = page.getByRole('region', { name: 'Notifications' }).getByRole('alert').filter({ hasText: `Critical alert: Sync of ${cluster} failed` });
    await expect(notice).toBeVisible({ timeout: 20_000 });
    await expect(notice).toHaveCount(1);
    await expect(badge).toHaveAccessibleName(/Alerts: [1-9]\d* critical/);

    await badge.click();
    await expect(page.getByRole('heading', { level: 1, name: 'Alerts' })).toBeVisible();
    const table = page.getByRole('table', { name: 'Alerts' });
    const row = table.getByRole('row').filter({ hasText: `Sync of ${cluster} failed` });
    await expect(row).toBeVisible();
    await expect(row).toContainText('critical');
    await expect(row).toContainText(/fingerprint|certificate/i);
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await settle(page);
    await screenshot(page, 'alerts-raised');

    await row.getByRole('button', { name: /^Acknowledge / }).click();
    const dialog = page.getByRole('dialog', { name: 'Acknowledge alert' });
    await dialog.getByLabel('Note (optional)').fill('Certificate rotated on purpose? Asked the site team (NOC-4711)');
    await dialog.getByRole('button', { name: 'Acknowledge' }).click();
    await expect(dialog).toBeHidden();
    await expect(row).toContainText('Ack’d by');
    await expect(row).toContainText('NOC-4711');
    await expect(row.getByRole('button', { name: /^Acknowledge / })).toHaveCount(0);

    // Unfold it: the full error and the alert's own history (raised, escalated, acknowledged).
    const toggle = row.getByRole('button', { name: new RegExp(`^Sync of ${cluster} failed`) });
    await toggle.click();
    const history = page.getByRole('list', { name: 'History of this alert' });
    await expect(history.getByRole('listitem')).toHaveCount(3);
    await expect(history.getByRole('listitem').nth(0)).toContainText('Raised');
    await expect(history.getByRole('listitem').nth(1)).toContainText('Escalated to critical');
    await expect(history.getByRole('listitem').nth(2)).toContainText('NOC-4711');
    await settle(page);
    await screenshot(page, 'alerts-acknowledged');
    await toggle.click();
    await expect(history).toHaveCount(0);

    // The right pin again: the next sync succeeds and the alert moves to history.
    await call('connections:repin', { id: victim.id, fingerprint: victim.fingerprint });
    await call('fleet:syncNow', { clusterId: victim.id });
    await expect(row).toHaveCount(0, { timeout: 20_000 });
    await page.getByRole('group', { name: 'Alert state' }).getByRole('button', { name: 'History' }).click();
    const resolved = table.getByRole('row').filter({ hasText: `Sync of ${cluster} failed` }).first();
    await expect(resolved).toContainText('Resolved');
    await expect(resolved).toContainText('ack’d by');
    await settle(page);
    await screenshot(page, 'alerts-history');
  } finally {
    await call('connections:repin', { id: victim.id, fingerprint: victim.fingerprint });
    await call('fleet:syncNow', { clusterId: victim.id }).catch(() => undefined);
    await call('alerts:setThresholds', original);
  }
  await guard.expectClean();
});
