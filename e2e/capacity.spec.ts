/**
 * Capacity on the built-in demo fleet: pools with their N+1 verdicts, a
 * pool opened (HA rules fetched live, every single-host loss, history with
 * trend and forecast), a what-if host loss, the placement advisor, pool
 * sizing and the catalogue.
 */
import { expect, test } from '@playwright/test';
import { guardConsole, openConsole, screenshot, settle, sidebarItem } from './support';

test('capacity: N+1 per pool, a pool’s history and forecast, a what-if, the advisor', async ({ page }) => {
  test.setTimeout(120_000);
  const guard = await guardConsole(page);
  await openConsole(page);
  await sidebarItem(page, 'Capacity').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Capacity' })).toBeVisible();

  // The demo fleet syncs at start; wait for the pools.
  const pools = page.getByRole('table', { name: 'Pools with allocated capacity and N+1 verdict' });
  await expect(pools.getByRole('button', { name: /^dc-/ }).first()).toBeVisible({ timeout: 60_000 });
  await expect(pools.getByText(/^N\+1 (ok|fails)$/).first()).toBeVisible();

  // Open a data-centre X-Large pool: its rules are fetched live from the simulator.
  await pools.getByRole('button', { name: /^dc-.*-xl$/ }).first().click();
  await expect(page.getByText('HA rules: live')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('table', { name: /^Single-host losses of / }).getByRole('row')).toHaveCount(13);
  const chart = page.getByRole('img', { name: /with trend lines$/ });
  await expect(chart.locator('canvas').first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/^Memory:/).first()).toBeVisible();
  await settle(page);
  await screenshot(page, 'capacity-overview');

  // What-if: lose the first host of the first pool.
  await page.getByRole('navigation', { name: 'Capacity views' }).getByRole('button', { name: 'What-if' }).click();
  await page.getByLabel('Pool').selectOption({ index: 0 });
  await page.getByRole('button', { name: /Simulate/ }).click();
  const outcomes = page.getByRole('table', { name: 'Where each guest goes' });
  await expect(outcomes.getByRole('row').nth(1)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/^Lose host /)).toBeVisible();
  await expect(page.getByLabel('Hosts before and after')).toBeVisible();
  await settle(page);
  await screenshot(page, 'capacity-what-if');

  // The advisor: a VM Large for a demo tenant, HA, not confidential (no attestations exist in a fresh demo).
  await page.getByRole('navigation', { name: 'Capacity views' }).getByRole('button', { name: 'Placement advisor' }).click();
  await page.getByLabel('VM size').selectOption('large');
  await page.getByLabel('Tenant').fill('acme');
  await page.getByRole('button', { name: /Rank hosts/ }).click();
  const ranked = page.getByRole('table', { name: 'Ranked hosts' });
  await expect(ranked.getByRole('row').nth(1)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/host(s)? can take it$/)).toBeVisible();
  await settle(page);
  await screenshot(page, 'capacity-advisor');

  // Confidential: every host is refused with the attestation reason.
  await page.getByLabel(/Confidential/).check();
  await page.getByRole('button', { name: /Rank hosts/ }).click();
  await expect(page.getByText(/: 0 hosts can take it$/)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('table', { name: 'Rejected hosts and why' })).toContainText(/confidential: \S+ has no attestation result: attest a confidential guest running on it first/);

  // Pool sizing with the default demand (40 × VM Medium, 10 × VM Large) and the catalogue behind it.
  await page.getByRole('navigation', { name: 'Capacity views' }).getByRole('button', { name: 'Pool sizing' }).click();
  await page.getByRole('button', { name: /Size the pool/ }).click();
  await expect(page.getByText('Pool Small (3 hosts) is the smallest data-centre pool that carries the demand with N+1.')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('navigation', { name: 'Capacity views' }).getByRole('button', { name: 'Catalogue' }).click();
  await expect(page.getByText('Confidential Private IaaS — Pool X-Large')).toBeVisible();
  await guard.expectClean();
});
