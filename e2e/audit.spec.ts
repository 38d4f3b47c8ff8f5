/**
 * The audit trail end to end in browser mode: the operator changes a
 * setting, finds it (and the browser-mode sign-in) on the Audit page with
 * who, where from and the outcome, exports the trail as a bundle, and
 * verifies the downloaded file in the page's verify panel. The setting is
 * put back through the contract so the shared demo fleet stays as it was.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { appOrigin, appToken, expectOnPage, guardConsole, openConsole, sidebarItem } from './support';

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

test('a changed setting shows on the Audit page; the exported bundle verifies', async ({ page }) => {
  const guard = await guardConsole(page);
  const before = (await call<{ syncIntervalSeconds: number }>('settings:get', {})).syncIntervalSeconds;
  const next = before === 37 ? 38 : 37;
  try {
    await openConsole(page);
    await sidebarItem(page, 'Settings').click();
    const input = page.getByLabel('Inventory sync interval (seconds)');
    await input.fill(String(next));
    await page.locator('form').filter({ has: input }).getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText(new RegExp(`${next}`)).first()).toBeVisible();

    await sidebarItem(page, 'Audit').click();
    await expectOnPage(page, 'Audit');
    const changed = page.getByTestId('audit-entry').filter({ hasText: 'settings.set' }).filter({ hasText: `syncIntervalSeconds ${next}` }).first();
    await expect(changed).toBeVisible();
    await expect(changed).toContainText('Browser mode');
    await expect(changed).toContainText('ok');
    await expect(page.getByTestId('audit-entry').filter({ hasText: 'session.signIn' }).first()).toBeVisible();

    // Only the changes' family, then back to everything.
    await page.getByLabel('Action').selectOption('settings');
    await expect(page.getByTestId('audit-entry').filter({ hasText: 'session.signIn' })).toHaveCount(0);
    await page.getByLabel('Action').selectOption('');

    await page.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export the audit trail' });
    const downloading = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const file = await downloading;
    expect(file.suggestedFilename()).toMatch(/^cairn-audit-.*\.json$/);
    const path = await file.path();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ format: 'cairn.audit/bundle' });

    await page.getByLabel('Bundle file').setInputFiles(path);
    const checks = page.getByRole('list', { name: 'Verification checks' });
    await expect(checks.getByRole('listitem')).toHaveCount(8);
    await expect(page.getByText('valid', { exact: true })).toBeVisible();
  } finally {
    await call('settings:set', { syncIntervalSeconds: before });
  }
  await guard.expectClean();
});
