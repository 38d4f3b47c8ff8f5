/**
 * The topology map on the demo fleet in browser mode: the fleet level
 * (regions, then a region's sites with WAN links), drill-down by
 * double-click to a site and a host, the breadcrumb back, the site's
 * network view read live from the simulated PVE network and SDN endpoints,
 * search-to-focus, a dragged layout that survives a reload and resets, and
 * the dark theme. Screenshots of each level; no console error anywhere.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectOnPage, guardConsole, openConsole, screenshot, settle, sidebarItem } from './support';

const mapNode = (page: Page, label: string | RegExp): Locator =>
  page.locator('.svelte-flow__node').filter({ has: page.locator('.label', { hasText: label }) }).first();
const crumbs = (page: Page): Locator => page.getByRole('navigation', { name: 'Breadcrumb' });
/** The map is aria-busy while it loads and until the view has been fitted to the new level: clicks before that land on moving nodes. */
const mapReady = (page: Page): Promise<void> => expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });

async function openTopology(page: Page): Promise<void> {
  await openConsole(page);
  await sidebarItem(page, 'Topology').click();
  await expectOnPage(page, 'Topology');
  // The demo fleet syncs at start: wait until regions carry sites.
  await expect(page.locator('.svelte-flow__node-region').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.svelte-flow__node-region').first()).toContainText(/\d+ sites?/);
}

test('fleet → site → host, breadcrumb back, network view, search-to-focus', async ({ page }) => {
  test.setTimeout(120_000);
  const guard = await guardConsole(page);
  // The layout runs off the main thread.
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await openTopology(page);
  expect(workers.some((u) => /layout\.worker/.test(u))).toBe(true);
  const regions = page.locator('.svelte-flow__node-region');
  expect(await regions.count()).toBeGreaterThan(1);
  // Aggregated: no site is drawn until its region opens.
  await expect(page.locator('.svelte-flow__node-entity')).toHaveCount(0);
  await settle(page);
  await screenshot(page, 'topology-01-fleet-regions');

  // Open the first region: its hub, its edge sites and their WAN links.
  const first = regions.first();
  const region = (await first.locator('.label').innerText()).trim();
  await mapReady(page);
  await first.getByRole('button', { name: `Open region ${region}` }).click();
  await expect(page.locator('.svelte-flow__node-entity').first()).toBeVisible();
  await expect(page.locator('.svelte-flow__edge.edge-wan').first()).toBeAttached();
  await settle(page);
  await screenshot(page, 'topology-02-fleet-region-open');

  // Drill into an edge site by double-click.
  await mapReady(page);
  const site = mapNode(page, /^edge-/);
  const siteName = (await site.locator('.label').innerText()).trim();
  await site.dblclick();
  await expect(crumbs(page)).toContainText(siteName);
  await expect(page.locator('.svelte-flow__node-entity.st-up, .svelte-flow__node-entity').filter({ hasText: /pve\d/ }).first()).toBeVisible();
  await expect(page.locator('.svelte-flow__node-guest').first()).toBeAttached();
  await settle(page);
  await screenshot(page, 'topology-03-site');

  // What if this site lost its first host: the capacity engine's answer drawn on the map.
  await page.getByLabel('What if we lose').selectOption({ label: `host ${siteName}-pve1` });
  await page.getByRole('button', { name: 'Simulate' }).click();
  await expect(page.getByRole('status').filter({ hasText: /restarted/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.svelte-flow__node.wi-lost')).toHaveCount(1);
  await expect(page.locator('.svelte-flow__node[class*="wi-"]').nth(1)).toBeAttached();
  await settle(page);
  await screenshot(page, 'topology-03b-site-what-if');
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect(page.locator('.svelte-flow__node.wi-lost')).toHaveCount(0);

  // …and into a host.
  const host = mapNode(page, new RegExp(`^${siteName}-pve1$`));
  await mapReady(page);
  await host.dblclick();
  await expect(crumbs(page)).toContainText(`${siteName}-pve1`);
  await expect(page.locator('.svelte-flow__node-guest').first()).toBeVisible();
  await expect(page.locator('.svelte-flow__node-entity').filter({ hasText: 'storage' }).first()).toBeVisible();
  await settle(page);
  await screenshot(page, 'topology-04-host');

  // Breadcrumb back to the site, then its network view, read live from PVE's network and SDN endpoints.
  await crumbs(page).getByRole('button', { name: siteName }).click();
  await expect(page.getByRole('button', { name: /Network view/ })).toBeVisible();
  await page.getByRole('button', { name: /Network view/ }).click();
  await expect(mapNode(page, 'vmbr1')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.svelte-flow__node-entity').filter({ hasText: 'SDN vnet' }).first()).toBeAttached();
  await expect(page.locator('.svelte-flow__node-entity').filter({ hasText: /VLAN \d+/ }).first()).toBeAttached();
  await expect(page.getByRole('status').filter({ hasText: /Networks read/ })).toBeVisible();
  await settle(page);
  await screenshot(page, 'topology-05-network');

  // Search-to-focus: a guest NIC on this site's networks, centred and selected.
  const guestName = (await page.locator('.svelte-flow__node-guest .label').first().innerText()).trim();
  const search = page.getByRole('combobox', { name: 'Find on the map' });
  await mapReady(page);
  await search.fill(guestName);
  await expect(page.getByRole('listbox', { name: 'Matches' })).toBeVisible();
  await search.press('Enter');
  const focused = page.locator('.svelte-flow__node.selected');
  await expect(focused.first()).toContainText(guestName);
  await expect(focused.first()).toBeInViewport();

  // Breadcrumb all the way back; the fleet again, then search-to-focus a site hidden in a closed region.
  await crumbs(page).getByRole('button', { name: 'Fleet' }).click();
  await expect(regions.first()).toBeVisible();
  await mapReady(page);
  await search.fill(siteName);
  await search.press('Enter');
  await expect(page.locator('.svelte-flow__node.selected').first()).toContainText(siteName);
  await expect(page.locator('.svelte-flow__node.selected').first()).toBeInViewport();
  await settle(page);
  await screenshot(page, 'topology-06-fleet-search-focus');
  await guard.expectClean();
});

test('a dragged layout is saved per view, comes back after a reload, and resets', async ({ page }) => {
  const guard = await guardConsole(page);
  await openTopology(page);
  const reset = page.getByRole('button', { name: 'Reset layout' });
  await mapReady(page);
  const node = page.locator('.svelte-flow__node-region').nth(1);
  const original = await node.getAttribute('style');
  const before = await node.boundingBox();
  if (!before) throw new Error('region node has no box');
  await page.mouse.move(before.x + 40, before.y + 20);
  await page.mouse.down();
  await page.mouse.move(before.x + 40, before.y + 180, { steps: 8 });
  await page.mouse.up();
  await expect(reset).toBeEnabled();
  const moved = await node.getAttribute('style');
  // Give the debounced save its moment, then come back.
  await page.waitForTimeout(800);
  await page.reload();
  await sidebarItem(page, 'Topology').click();
  await expect(page.locator('.svelte-flow__node-region').nth(1)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Reset layout' })).toBeEnabled();
  // Saved positions are kept to a tenth of a pixel.
  const xy = (style: string | null | undefined): number[] => (/translate\(([-\d.]+)px, ([-\d.]+)px\)/.exec(style ?? '') ?? []).slice(1).map(Number);
  const [x0, y0] = xy(moved);
  const [x1, y1] = xy(await page.locator('.svelte-flow__node-region').nth(1).getAttribute('style'));
  expect(Math.abs((x1 ?? NaN) - (x0 ?? NaN))).toBeLessThan(0.5);
  expect(Math.abs((y1 ?? NaN) - (y0 ?? NaN))).toBeLessThan(0.5);
  // It really moved (down by the drag), and that is what came back.
  expect(y0! - (xy(original)[1] ?? NaN)).toBeGreaterThan(50);
  await page.getByRole('button', { name: 'Reset layout' }).click();
  await expect(page.getByRole('button', { name: 'Reset layout' })).toBeDisabled();
  await guard.expectClean();
});

test('dark theme: site map and network view stay readable', async ({ page }) => {
  const guard = await guardConsole(page);
  await openTopology(page);
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const region = page.locator('.svelte-flow__node-region').first();
  await region.getByRole('button', { name: /^Open region/ }).click();
  await expect(mapNode(page, /^edge-/)).toBeVisible();
  await mapReady(page);
  await mapNode(page, /^edge-/).dblclick();
  await expect(page.locator('.svelte-flow__node-guest').first()).toBeAttached();
  await settle(page);
  await screenshot(page, 'topology-07-site-dark');
  await page.getByRole('button', { name: /Network view/ }).click();
  await expect(mapNode(page, 'vmbr1')).toBeVisible({ timeout: 30_000 });
  await settle(page);
  await screenshot(page, 'topology-08-network-dark');
  // Leave the theme as we found it for the other specs (settings persist in the data dir).
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await guard.expectClean();
});
