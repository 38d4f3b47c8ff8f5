/**
 * Operations on the demo fleet: plan and apply a start from a guest's host
 * page and see it succeed in the task centre; a bulk snapshot of two guests
 * from the guest list with aggregated progress.
 */
import { expect, test, type Page } from '@playwright/test';
import { expectOnPage, guardConsole, openConsole, screenshot, settle, sidebarItem } from './support';

async function guests(page: Page, query: string) {
  await sidebarItem(page, 'Fleet').click();
  await page.getByRole('navigation', { name: 'Fleet views' }).getByRole('button', { name: 'Guests' }).click();
  await expect(page.locator('.guest-list .count')).toContainText(/\d+ guests/, { timeout: 30_000 });
  const filter = page.getByLabel('Filter guests');
  await filter.fill(query);
  await filter.press('Enter');
  await expect(page.locator('.guest-list .count')).toContainText(/match/);
}

test('plan and apply a start from the host page, see it succeed in the task centre', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await guests(page, 'status:stopped type:vm');
  await page.getByRole('table', { name: 'Guests' }).getByRole('cell').getByRole('button').first().click();
  await expect(page.getByRole('heading', { name: /^Guests on / })).toBeVisible({ timeout: 15_000 });

  const row = page.locator('tbody tr').filter({ hasText: /stopped/i }).filter({ has: page.getByRole('button', { name: /^Actions for / }) }).first();
  const actions = row.getByRole('button', { name: /^Actions for / });
  const name = ((await actions.getAttribute('aria-label')) ?? '').replace(/^Actions for /, '');
  expect(name).not.toBe('');
  // The menu closes on any scroll (it is positioned against the window): bring the row into view
  // and let the scroll event pass before clicking, as a person's click would not scroll.
  await actions.scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await actions.click();
  await expect(page.getByRole('menu', { name: `Actions for ${name}` })).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/operations-actions-menu.png' });
  await page.getByRole('menu', { name: `Actions for ${name}` }).getByRole('menuitem', { name: 'Start' }).click();
  const dialog = page.getByRole('dialog', { name: `Start ${name}` });
  await expect(dialog.getByText('Expected effect')).toBeVisible({ timeout: 15_000 });
  await expect(dialog.getByRole('heading', { name: 'Steps' })).toBeVisible();
  await screenshot(page, 'operations-plan-review');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Start ${name}: succeeded`)).toBeVisible({ timeout: 30_000 });

  await sidebarItem(page, 'Operations').click();
  await expectOnPage(page, 'Operations');
  const op = page.locator('tbody tr').filter({ hasText: name }).filter({ hasText: 'Start' }).first();
  await expect(op).toContainText('succeeded', { timeout: 30_000 });
  await op.getByRole('button', { name: /^Details of Start/ }).click();
  const drawer = page.getByRole('complementary', { name: `Start ${name}` });
  await expect(drawer.getByText(/^UPID:/).first()).toBeVisible();
  await settle(page);
  await screenshot(page, 'operations-task-centre');
  await guard.expectClean();
});

test('bulk snapshot of two guests with aggregated progress', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await guests(page, 'status:running type:vm');
  const boxes = page.getByRole('table', { name: 'Guests' }).getByRole('checkbox');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  const bar = page.getByRole('group', { name: 'Selected guests' });
  await expect(bar).toContainText('2 selected');
  // The viewport, not the full page: the virtualised list would stretch a full-page shot to thousands of rows.
  await page.screenshot({ path: 'test-results/screenshots/operations-bulk-selection.png' });
  await bar.getByRole('button', { name: 'Snapshot…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Snapshot 2 guests' });
  await dialog.getByLabel('Snapshot name').fill(`e2e-${Date.now().toString(36)}`);
  await dialog.getByRole('button', { name: 'Review plan' }).click();
  const status = dialog.getByRole('status', { name: 'Batch progress' });
  await expect(status).toContainText('2 planned', { timeout: 15_000 });
  // The dialog alone: a full-page shot would stretch to the whole virtualised guest list.
  await dialog.screenshot({ path: 'test-results/screenshots/operations-bulk-review.png' });
  await dialog.getByRole('button', { name: 'Apply 2 of 2' }).click();
  await expect(status).toContainText('2 succeeded', { timeout: 30_000 });
  await expect(status.getByRole('progressbar', { name: 'Items finished' })).toHaveAttribute('aria-valuetext', '2 of 2');
  await expect(page.getByText('Snapshot 2 guests: 2 succeeded')).toBeVisible({ timeout: 10_000 });
  await dialog.screenshot({ path: 'test-results/screenshots/operations-bulk-done.png' });
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await guard.expectClean();
});

test('PVE tasks of the whole fleet, any origin, filtered, with a log on demand', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await sidebarItem(page, 'Operations').click();
  await expectOnPage(page, 'Operations');
  await page.getByRole('tab', { name: 'PVE tasks' }).click();
  const table = page.getByRole('table', { name: 'PVE tasks' });
  // The demo clusters carry a week of task history (backups, HA, the PVE UI) besides Cairn's own.
  await expect(table.locator('tbody tr').first()).toBeVisible({ timeout: 30_000 });
  expect(await table.locator('tbody tr').count()).toBeGreaterThan(10);
  await page.getByRole('combobox', { name: 'Task status' }).selectOption('ok');
  await page.getByRole('textbox', { name: 'Task type' }).fill('vzdump');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const first = table.locator('tbody tr').first();
  await expect(first.getByRole('cell').first()).toHaveText('vzdump', { timeout: 30_000 });
  await first.getByRole('button', { name: /^Log of vzdump/ }).click();
  await expect(table.getByText(/INFO|TASK OK|vzdump|backup/i).first()).toBeVisible({ timeout: 15_000 });
  await settle(page);
  await screenshot(page, 'operations-pve-tasks');
  await guard.expectClean();
});
