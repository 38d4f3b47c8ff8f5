/**
 * Accessibility: axe-core (WCAG 2.0/2.1 A and AA rules) on every page of
 * the console and on each of their views, drawers and dialogs, in the light
 * and the dark theme. A serious or critical violation fails the test; the
 * report lists each one as `view: rule (impact) target selectors` so the
 * fix is easy to find. Minor and moderate findings are printed, not failed.
 *
 * Every scan is soft: one test walks all the views of an area and reports
 * every problem at once. The theme is switched in Settings (it is stored
 * per operator in the data folder the specs share), and put back afterwards.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectOnPage, guardConsole, openConsole, settle, sidebarItem, type ConsoleGuard } from './support';

type ThemeId = 'light' | 'dark';
const THEMES: readonly ThemeId[] = ['light', 'dark'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const FAILING = new Set(['serious', 'critical']);

// Each test walks several views on a busy 2-core machine.
test.describe.configure({ timeout: 150_000 });

/** The theme mode found before the first switch, put back when the file is done. */
let originalMode: string | null = null;

/**
 * Runs axe on the page as it stands and records every serious or critical
 * violation as a soft failure naming the view, the rule and the targets.
 */
async function audit(page: Page, view: string): Promise<void> {
  // Let transitions (dialogs fade in) finish: axe measures the colours on screen.
  await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const lines = (impacts: (i: string) => boolean): string[] =>
    result.violations
      .filter((v) => impacts(v.impact ?? 'minor'))
      .map((v) => `${view}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 8).join(' | ')}${v.nodes.length > 8 ? ` … ${v.nodes.length} nodes` : ''}`);
  const minor = lines((i) => !FAILING.has(i));
  if (minor.length) console.log(`axe, not failing:\n${minor.join('\n')}`);
  const serious = lines((i) => FAILING.has(i));
  expect.soft(serious, `axe: serious or critical violations on ${view}:\n${serious.join('\n')}`).toEqual([]);
  // A scan that found nothing because nothing was there would prove nothing.
  expect(result.passes.length, `axe ran no passing rule on ${view}`).toBeGreaterThan(5);
}

/** Opens the console in the given theme (switched in Settings when needed). */
async function open(page: Page, theme: ThemeId): Promise<ConsoleGuard> {
  const guard = await guardConsole(page);
  await openConsole(page);
  const html = page.locator('html');
  originalMode ??= await html.getAttribute('data-theme-mode');
  if ((await html.getAttribute('data-theme')) !== theme || (await html.getAttribute('data-theme-mode')) !== theme) {
    await sidebarItem(page, 'Settings').click();
    await page.locator(`[data-theme-id="${theme}"]`).click();
    await expect(html).toHaveAttribute('data-theme-mode', theme);
  }
  await expect(html).toHaveAttribute('data-theme', theme);
  return guard;
}

async function go(page: Page, label: string): Promise<void> {
  await sidebarItem(page, label).click();
  await expectOnPage(page, label);
}

const fleetTab = (page: Page, name: string): Locator => page.getByRole('navigation', { name: 'Fleet views' }).getByRole('button', { name });
const capacityTab = (page: Page, name: string): Locator => page.getByRole('navigation', { name: 'Capacity views' }).getByRole('button', { name });
const mapReady = (page: Page): Promise<void> => expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });

test.afterAll(async ({ browser }) => {
  if (!originalMode) return;
  const page = await browser.newPage();
  await openConsole(page);
  if ((await page.locator('html').getAttribute('data-theme-mode')) !== originalMode) {
    await sidebarItem(page, 'Settings').click();
    await page.locator(`[data-theme-id="${originalMode}"]`).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme-mode', originalMode);
  }
  await page.close();
});

for (const theme of THEMES) {
  test.describe(`${theme} theme`, () => {
    test('fleet: overview, guest list, a site, a host, guest actions and a plan', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Fleet');
      const site = page.getByRole('link', { name: /^edge-/ }).or(page.getByRole('button', { name: /^edge-/ })).first();
      await expect(site).toBeVisible({ timeout: 30_000 });
      await settle(page);
      await audit(page, `${theme}/fleet overview`);

      await site.click();
      await expect(page.getByRole('heading', { level: 1, name: /^edge-/ })).toBeVisible();
      await settle(page);
      await audit(page, `${theme}/site page`);

      await go(page, 'Fleet');
      await fleetTab(page, 'Guests').click();
      await expect(page.locator('.guest-list .count')).toContainText(/\d+ guests/, { timeout: 30_000 });
      const filter = page.getByLabel('Filter guests');
      await filter.fill('status:stopped type:vm');
      await filter.press('Enter');
      await expect(page.locator('.guest-list .count')).toContainText(/match/);
      await settle(page);
      await audit(page, `${theme}/guest list`);

      await page.getByRole('table', { name: 'Guests' }).getByRole('cell').getByRole('button').first().click();
      await expect(page.getByRole('heading', { name: /^Guests on / })).toBeVisible({ timeout: 15_000 });
      await expect(page.getByRole('img', { name: /^CPU use of / }).locator('canvas').first()).toBeVisible({ timeout: 15_000 });
      await settle(page);
      await audit(page, `${theme}/host page`);

      const actions = page.locator('tbody tr').filter({ hasText: /stopped/i }).getByRole('button', { name: /^Actions for / }).first();
      const name = ((await actions.getAttribute('aria-label')) ?? '').replace(/^Actions for /, '');
      await actions.scrollIntoViewIfNeeded();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await actions.click();
      const menu = page.getByRole('menu', { name: `Actions for ${name}` });
      await expect(menu).toBeVisible();
      await audit(page, `${theme}/guest actions menu`);
      // Any scroll closes the fixed menu, and axe may scroll while it measures: open it again if so.
      if (!(await menu.isVisible())) await actions.click();

      await menu.getByRole('menuitem', { name: 'Start' }).click();
      const dialog = page.getByRole('dialog', { name: `Start ${name}` });
      await expect(dialog.getByText('Expected effect')).toBeVisible({ timeout: 15_000 });
      await audit(page, `${theme}/plan dialog`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toBeHidden();
      await guard.expectClean();
    });

    test('topology: fleet, a region, a site, a host, the network view', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Topology');
      const regions = page.locator('.svelte-flow__node-region');
      await expect(regions.first()).toContainText(/\d+ sites?/, { timeout: 30_000 });
      await mapReady(page);
      await audit(page, `${theme}/topology fleet`);

      const region = (await regions.first().locator('.label').innerText()).trim();
      await regions.first().getByRole('button', { name: `Open region ${region}` }).click();
      const site = page.locator('.svelte-flow__node').filter({ has: page.locator('.label', { hasText: /^edge-/ }) }).first();
      await expect(site).toBeVisible();
      await mapReady(page);
      await audit(page, `${theme}/topology region`);

      const siteName = (await site.locator('.label').innerText()).trim();
      await site.dblclick();
      await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText(siteName);
      await expect(page.locator('.svelte-flow__node-guest').first()).toBeAttached();
      await mapReady(page);
      await audit(page, `${theme}/topology site`);

      const host = page.locator('.svelte-flow__node').filter({ has: page.locator('.label', { hasText: new RegExp(`^${siteName}-pve1$`) }) }).first();
      await host.dblclick();
      await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText(`${siteName}-pve1`);
      await expect(page.locator('.svelte-flow__node-guest').first()).toBeVisible();
      await mapReady(page);
      await audit(page, `${theme}/topology host`);

      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('button', { name: siteName }).click();
      await page.getByRole('button', { name: /Network view/ }).click();
      await expect(page.getByRole('status').filter({ hasText: /Networks read/ })).toBeVisible({ timeout: 30_000 });
      await mapReady(page);
      await audit(page, `${theme}/topology network view`);
      await guard.expectClean();
    });

    test('capacity: overview, a pool, what-if, advisor, sizing, catalogue', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Capacity');
      const pools = page.getByRole('table', { name: 'Pools with allocated capacity and N+1 verdict' });
      await expect(pools.getByRole('button', { name: /^dc-/ }).first()).toBeVisible({ timeout: 60_000 });
      await settle(page);
      await audit(page, `${theme}/capacity overview`);

      await pools.getByRole('button', { name: /^dc-.*-xl$/ }).first().click();
      await expect(page.getByText('HA rules: live')).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole('img', { name: /with trend lines$/ }).locator('canvas').first()).toBeVisible({ timeout: 20_000 });
      await settle(page);
      await audit(page, `${theme}/capacity pool`);

      await capacityTab(page, 'What-if').click();
      await page.getByLabel('Pool').selectOption({ index: 0 });
      await page.getByRole('button', { name: /Simulate/ }).click();
      await expect(page.getByRole('table', { name: 'Where each guest goes' }).getByRole('row').nth(1)).toBeVisible({ timeout: 30_000 });
      await settle(page);
      await audit(page, `${theme}/capacity what-if`);

      await capacityTab(page, 'Placement advisor').click();
      await page.getByLabel('VM size').selectOption('large');
      await page.getByLabel('Tenant').fill('acme');
      await page.getByRole('button', { name: /Rank hosts/ }).click();
      await expect(page.getByRole('table', { name: 'Ranked hosts' }).getByRole('row').nth(1)).toBeVisible({ timeout: 30_000 });
      await audit(page, `${theme}/capacity advisor`);

      await capacityTab(page, 'Pool sizing').click();
      await page.getByRole('button', { name: /Size the pool/ }).click();
      await expect(page.getByText(/is the smallest data-centre pool/)).toBeVisible({ timeout: 30_000 });
      await audit(page, `${theme}/capacity sizing`);

      await capacityTab(page, 'Catalogue').click();
      await expect(page.getByText('Confidential Private IaaS — Pool X-Large')).toBeVisible();
      await audit(page, `${theme}/capacity catalogue`);
      await guard.expectClean();
    });

    test('sites & power: site plans with a rack elevation, surveys, a survey', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Sites & Power');
      await expect(page.getByRole('article', { name: /^Rack / }).first()).toBeVisible({ timeout: 30_000 });
      await settle(page);
      await audit(page, `${theme}/sites & power: plans and rack elevation`);

      await page.getByRole('tab', { name: 'Surveys' }).click();
      await expect(page.getByRole('heading', { name: 'Site surveys' })).toBeVisible();
      await settle(page);
      await audit(page, `${theme}/surveys`);

      // One survey of our own (created once, reused by the other theme).
      const mine = page.getByRole('button', { name: /Accessibility check site/ }).first();
      if ((await mine.count()) === 0) {
        await page.getByLabel('New survey: site name').fill('Accessibility check site');
        await page.getByRole('button', { name: 'Create survey' }).click();
      } else {
        await mine.click();
      }
      await expect(page.getByRole('heading', { name: 'Accessibility check site', level: 2 })).toBeVisible();
      if ((await page.getByRole('group', { name: /^Rack / }).count()) === 0) {
        await page.getByRole('button', { name: 'Add room' }).click();
        await page.getByRole('button', { name: 'Add rack' }).click();
        await page.getByRole('button', { name: 'Add feed' }).click();
        await page.getByRole('button', { name: 'Add inlet reading' }).click();
        await expect(page.locator('[data-state]', { hasText: /Saved locally at/ })).toBeVisible({ timeout: 15_000 });
      }
      await audit(page, `${theme}/a survey`);
      await guard.expectClean();
    });

    test('operations: task centre, an operation drawer, PVE tasks', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Operations');
      // The fleet test planned at least one operation (a plan is journalled even when it is not applied).
      const details = page.getByRole('button', { name: /^Details of / }).first();
      await expect(details).toBeVisible({ timeout: 30_000 });
      await settle(page);
      await audit(page, `${theme}/operations`);

      await details.click();
      const drawer = page.getByRole('complementary').filter({ has: page.getByRole('button', { name: 'Close operation detail' }) });
      await expect(drawer).toBeVisible();
      await settle(page);
      await audit(page, `${theme}/operation drawer`);

      await page.keyboard.press('Escape');
      await expect(drawer).toBeHidden();
      await page.getByRole('tab', { name: 'PVE tasks' }).click();
      await expect(page.getByRole('table', { name: 'PVE tasks' }).locator('tbody tr').first()).toBeVisible({ timeout: 30_000 });
      await settle(page);
      await audit(page, `${theme}/PVE tasks`);
      await guard.expectClean();
    });

    test('attestation: guests, evidence drawer, policy, verify files, attest now', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Attestation');
      const table = page.getByRole('table', { name: 'Confidential guests and their last attestation' });
      const evidence = table.getByRole('button', { name: /^Evidence for / }).first();
      await expect(evidence).toBeVisible({ timeout: 60_000 });
      await settle(page);
      await audit(page, `${theme}/attestation`);

      await evidence.click();
      const drawer = page.getByRole('complementary', { name: /^Evidence/ });
      await expect(drawer).toBeVisible();
      await settle(page);
      await audit(page, `${theme}/evidence drawer`);
      await page.keyboard.press('Escape');
      await expect(drawer).toBeHidden();

      for (const [button, dialogName] of [
        ['Policy', /policy/i],
        ['Verify files', /verify/i],
      ] as const) {
        await page.getByRole('button', { name: button, exact: true }).first().click();
        const dialog = page.getByRole('dialog', { name: dialogName });
        await expect(dialog).toBeVisible();
        await audit(page, `${theme}/attestation ${button} dialog`);
        await page.keyboard.press('Escape');
        await expect(dialog).toBeHidden();
      }

      await table.getByRole('button', { name: /^Attest now / }).first().click();
      const attest = page.getByRole('dialog', { name: /^Attest / });
      await expect(attest).toBeVisible();
      await audit(page, `${theme}/attest now dialog`);
      await page.keyboard.press('Escape');
      await guard.expectClean();
    });

    test('custody: board, an appliance timeline and record form, verify panel', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Custody');
      const delivered = page.getByRole('region', { name: /^Delivered/ });
      await expect(delivered.getByRole('button').first()).toBeVisible({ timeout: 30_000 });
      await settle(page);
      await audit(page, `${theme}/custody board and verify panel`);

      await delivered.getByRole('button').first().click();
      await expect(page.getByRole('heading', { name: /^Appliance / })).toBeVisible();
      await expect(page.getByRole('form', { name: 'Record the next event' })).toBeVisible();
      await expect(page.getByRole('region', { name: 'Timeline' }).getByRole('listitem').first()).toBeVisible();
      await settle(page);
      await audit(page, `${theme}/appliance timeline and record form`);
      await guard.expectClean();
    });

    test('audit, alerts and settings with the add-connection dialog', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Audit');
      await settle(page);
      await audit(page, `${theme}/audit`);
      await page.getByRole('button', { name: 'Export…' }).click();
      const exportDialog = page.getByRole('dialog', { name: 'Export the audit trail' });
      await expect(exportDialog).toBeVisible();
      await audit(page, `${theme}/audit export dialog`);
      await page.keyboard.press('Escape');
      await expect(exportDialog).toBeHidden();

      await page.getByRole('contentinfo', { name: 'Status' }).getByRole('button', { name: /alerts/i }).click();
      await expect(page.getByRole('heading', { level: 1, name: 'Alerts' })).toBeVisible();
      await settle(page);
      await audit(page, `${theme}/alerts`);

      await go(page, 'Settings');
      await settle(page);
      await audit(page, `${theme}/settings`);
      await page.getByRole('button', { name: 'Add connection' }).click();
      const add = page.getByRole('dialog', { name: /connection/i });
      await expect(add).toBeVisible();
      await audit(page, `${theme}/add-connection dialog`);
      await page.keyboard.press('Escape');
      await expect(add).toBeHidden();
      await guard.expectClean();
    });

    test('command palette and global search', async ({ page }) => {
      const guard = await open(page, theme);
      await go(page, 'Fleet');
      await page.keyboard.press('Control+K');
      const palette = page.getByRole('dialog', { name: 'Command palette' });
      await expect(palette.getByRole('option').first()).toBeVisible();
      await audit(page, `${theme}/command palette`);
      await page.keyboard.press('Escape');
      await expect(palette).toBeHidden();

      await page.keyboard.press('Control+Shift+F');
      const search = page.getByRole('dialog', { name: 'Search the fleet' });
      await expect(search).toBeVisible();
      await search.getByRole('combobox').fill('pve1');
      await expect(search.getByRole('option').first()).toBeVisible({ timeout: 15_000 });
      await audit(page, `${theme}/global search`);
      await page.keyboard.press('Escape');
      await expect(search).toBeHidden();
      await guard.expectClean();
    });
  });
}
