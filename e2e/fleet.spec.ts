/**
 * The fleet on the built-in demo fleet: filter the guest list, open a host
 * from it, and see its performance chart drawn from live RRD data.
 */
import { expect, test } from '@playwright/test';
import { guardConsole, openConsole, screenshot, settle, sidebarItem } from './support';

test('filter the guest list, open a host, see its chart', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await sidebarItem(page, 'Fleet').click();
  // The demo fleet syncs at start; wait for sites to appear.
  await expect(page.getByRole('link', { name: /^edge-/ }).or(page.getByRole('button', { name: /^edge-/ })).first()).toBeVisible({ timeout: 30_000 });

  await page.getByRole('navigation', { name: 'Fleet views' }).getByRole('button', { name: 'Guests' }).click();
  const filter = page.getByLabel('Filter guests');
  await expect(filter).toBeVisible();
  const count = page.locator('.guest-list .count');
  await expect(count).toContainText(/\d+ guests/, { timeout: 30_000 });
  const all = Number((await count.innerText()).replace(/[^\d]/g, ''));

  await filter.fill('status:running type:vm');
  await filter.press('Enter');
  await expect(page.getByRole('list', { name: 'Active filters' })).toContainText('status');
  await expect(count).toContainText(/match/);
  const running = Number((await count.innerText()).replace(/[^\d]/g, ''));
  expect(running).toBeGreaterThan(0);
  expect(running).toBeLessThan(all);
  // Every visible row matches the filter.
  const rows = page.getByRole('table', { name: 'Guests' }).getByRole('row');
  await expect(rows.nth(1)).toBeVisible();
  for (const cell of await page.getByRole('table', { name: 'Guests' }).getByRole('cell').filter({ hasText: /^(VM|CT)$/ }).all()) {
    await expect(cell).toHaveText('VM');
  }
  await settle(page);
  await screenshot(page, 'fleet-guests-filtered');

  // Open the first guest: it lands on its host's page.
  await page.getByRole('table', { name: 'Guests' }).getByRole('cell').getByRole('button').first().click();
  await expect(page.getByRole('heading', { name: 'Performance' })).toBeVisible({ timeout: 15_000 });
  const cpuChart = page.getByRole('img', { name: /^CPU use of / });
  await expect(cpuChart).toBeVisible();
  await expect(cpuChart.locator('canvas').first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('heading', { name: /^Guests on / })).toBeVisible();
  await settle(page);
  await screenshot(page, 'fleet-host');
  await guard.expectClean();
});
