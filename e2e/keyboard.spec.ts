/**
 * Every action reachable by keyboard: the sidebar by Tab and Enter, the
 * command palette (Ctrl+K) and global search (Ctrl+Shift+F) driven and
 * closed from the keyboard, dialogs that trap focus and give it back to
 * their opener, the virtualised guest list walked row by row, a guest's
 * actions menu and plan dialog, an operation's drawer, keyboard placement
 * in a rack elevation, and a visible focus indicator wherever focus lands.
 * Nothing here clicks: every step is a key press.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { expectOnPage, guardConsole, openConsole, PAGES, sidebarItem } from './support';

test.describe.configure({ timeout: 120_000 });

/** Presses Tab (or Shift+Tab) until the target has focus; fails when it is not reached within `max` presses. */
async function tabTo(page: Page, target: Locator, max = 120, key = 'Tab'): Promise<number> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return i;
    await page.keyboard.press(key);
  }
  await expect(target, `not reached with ${max} × ${key}`).toBeFocused({ timeout: 1 });
  return max;
}

/** Whether the focused element is drawn with a visible focus indicator (outline, ring or, for SVG, a stroke). */
async function focusIndicator(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) return `outline ${s.outlineWidth} ${s.outlineStyle} ${s.outlineColor}`;
    if (s.boxShadow && s.boxShadow !== 'none') return `box-shadow ${s.boxShadow}`;
    const shape = el instanceof SVGGElement ? el.querySelector('rect') : null;
    if (shape && parseFloat(getComputedStyle(shape).strokeWidth) >= 2) return `stroke ${getComputedStyle(shape).stroke}`;
    // A wrapper that draws its ring on its content (the topology map's nodes).
    const inner = el.firstElementChild ? getComputedStyle(el.firstElementChild) : null;
    if (inner && inner.outlineStyle !== 'none' && parseFloat(inner.outlineWidth) >= 1) return `outline on content ${inner.outlineWidth}`;
    return null;
  });
}

async function expectFocusVisible(page: Page, what: string): Promise<void> {
  expect(await focusIndicator(page), `no visible focus indicator on ${what}`).not.toBeNull();
}

/** Whether focus is inside the given element. */
const focusWithin = (box: Locator): Promise<boolean> => box.evaluate((el) => el.contains(document.activeElement));

/** Tabs forward and backward many times; focus must never leave the dialog. */
async function expectTrapped(page: Page, dialog: Locator): Promise<void> {
  expect(await focusWithin(dialog), 'focus is not inside the dialog when it opens').toBe(true);
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press(key);
      expect(await focusWithin(dialog), `focus left the dialog after ${i + 1} × ${key}`).toBe(true);
    }
  }
}

test('Tab reaches the sidebar, Enter opens each area, arrows move between areas', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  // The skip link comes first and takes focus to the page content.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await expectFocusVisible(page, 'the skip link');

  await tabTo(page, sidebarItem(page, 'Fleet'), 5);
  await expectFocusVisible(page, 'a sidebar item');
  for (const [i, label] of PAGES.entries()) {
    if (i > 0) {
      await page.keyboard.press('Tab');
      await expect(sidebarItem(page, label)).toBeFocused();
    }
    await page.keyboard.press('Enter');
    await expectOnPage(page, label);
    await expect(sidebarItem(page, label)).toBeFocused();
  }
  // Arrow keys wrap around the list; Home and End jump.
  await page.keyboard.press('ArrowDown');
  await expect(sidebarItem(page, 'Fleet')).toBeFocused();
  await page.keyboard.press('End');
  await expect(sidebarItem(page, 'Settings')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(sidebarItem(page, 'Audit')).toBeFocused();
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await expectOnPage(page, 'Fleet');

  // The skip link lands in the main region.
  await page.keyboard.press('Shift+Tab');
  await tabTo(page, page.getByRole('link', { name: 'Skip to content' }), 5, 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('#main-content')).toBeFocused();
  await guard.expectClean();
});

test('Ctrl+K palette and Ctrl+Shift+F search: driven by keys, Escape closes and gives focus back', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await tabTo(page, sidebarItem(page, 'Fleet'), 5);
  const opener = sidebarItem(page, 'Fleet');

  await page.keyboard.press('Control+K');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  const input = palette.getByRole('combobox');
  await expect(input).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(palette).toBeHidden();
  await expect(opener).toBeFocused();

  // Find "Go to Audit" with the arrows and run it with Enter.
  await page.keyboard.press('Control+K');
  await expect(input).toBeFocused();
  await page.keyboard.type('Audit');
  const goToAudit = palette.getByRole('option').filter({ hasText: 'Audit' }).filter({ hasText: /go to/i }).first();
  await expect(goToAudit).toBeVisible();
  for (let i = 0; i < 20 && (await goToAudit.getAttribute('aria-selected')) !== 'true'; i++) await page.keyboard.press('ArrowDown');
  await expect(goToAudit).toHaveAttribute('aria-selected', 'true');
  await expect(input).toHaveAttribute('aria-activedescendant', (await goToAudit.getAttribute('id')) ?? '');
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();
  await expectOnPage(page, 'Audit');

  // Global search: a host found by name opens its page.
  await page.keyboard.press('Control+Shift+F');
  const search = page.getByRole('dialog', { name: 'Search the fleet' });
  await expect(search.getByRole('combobox')).toBeFocused();
  await expectTrapped(page, search);
  await search.getByRole('combobox').focus();
  await page.keyboard.type('pve1');
  const host = search.getByRole('option').filter({ hasText: /host/ }).first();
  await expect(host).toBeVisible({ timeout: 15_000 });
  const hostName = (await host.locator('.text').innerText()).trim();
  for (let i = 0; i < 30 && (await host.getAttribute('aria-selected')) !== 'true'; i++) await page.keyboard.press('ArrowDown');
  await expect(host).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(search).toBeHidden();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(hostName);

  await page.keyboard.press('Control+Shift+F');
  await expect(search).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(search).toBeHidden();
  await guard.expectClean();
});

test('a dialog traps focus and returns it to its opener (add connection)', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await tabTo(page, sidebarItem(page, 'Settings'), 20);
  await page.keyboard.press('Enter');
  await expectOnPage(page, 'Settings');
  const add = page.getByRole('button', { name: 'Add connection' });
  await tabTo(page, add);
  await expectFocusVisible(page, 'a primary button');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: /connection/i });
  await expect(dialog).toBeVisible();
  await expectTrapped(page, dialog);
  // Fields take typing and show focus.
  const first = dialog.getByRole('textbox').first();
  await tabTo(page, first, 30);
  await expectFocusVisible(page, 'a text field');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(add).toBeFocused();

  // The theme radios are one tab stop; arrows choose.
  const group = page.getByRole('radiogroup', { name: 'Theme' });
  const checked = group.locator('[aria-checked="true"]');
  await tabTo(page, checked, 60, 'Shift+Tab');
  await expectFocusVisible(page, 'a radio button');
  await guard.expectClean();
});

test('guest list rows by Tab, Enter opens the host; actions menu and plan dialog by keys', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await tabTo(page, sidebarItem(page, 'Fleet'), 5);
  await page.keyboard.press('Enter');
  const guests = page.getByRole('navigation', { name: 'Fleet views' }).getByRole('button', { name: 'Guests' });
  await tabTo(page, guests, 60);
  await expectFocusVisible(page, 'a tab');
  await page.keyboard.press('Enter');
  const count = page.locator('.guest-list .count');
  await expect(count).toContainText(/\d+ guests/, { timeout: 30_000 });
  const filter = page.getByLabel('Filter guests');
  await tabTo(page, filter, 40);
  await page.keyboard.type('type:vm status:stopped');
  await page.keyboard.press('Enter');
  await expect(count).toContainText(/match/);

  // Walk the virtualised rows: focus moves down the list past the first screenful, which scrolls and renders more.
  const table = page.getByRole('table', { name: 'Guests' });
  const rowOfFocus = (): Promise<number> => page.evaluate(() => Number(document.activeElement?.closest('[role="row"]')?.getAttribute('aria-rowindex') ?? 0));
  const rows = Number((await count.innerText()).replace(/[^\d]/g, ''));
  const target = Math.min(rows + 1, 30);
  let deepest = 0;
  for (let i = 0; i < 200 && deepest < target; i++) {
    await page.keyboard.press('Tab');
    deepest = Math.max(deepest, await rowOfFocus());
  }
  expect(deepest, 'Tab did not walk the guest rows').toBeGreaterThanOrEqual(target);
  await expectFocusVisible(page, 'a guest row control');
  if (rows > 25) expect(await table.locator('[role="rowgroup"][tabindex]').evaluate((el) => el.scrollTop)).toBeGreaterThan(0);

  // Back to a guest's name button, and Enter opens its host.
  const name = table.locator('[role="row"] .name button').first();
  await tabTo(page, name, 200, 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: /^Guests on / })).toBeVisible({ timeout: 15_000 });

  // The actions menu of a stopped guest: Enter opens it on its first item, arrows move, Escape closes back to the button.
  const actions = page.locator('tbody tr').filter({ hasText: /stopped/i }).getByRole('button', { name: /^Actions for / }).first();
  const guest = ((await actions.getAttribute('aria-label')) ?? '').replace(/^Actions for /, '');
  await tabTo(page, actions, 200);
  await expectFocusVisible(page, 'an icon button');
  await page.keyboard.press('Enter');
  const menu = page.getByRole('menu', { name: `Actions for ${guest}` });
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'Start' })).toBeFocused();
  await expectFocusVisible(page, 'a menu item');
  await page.keyboard.press('ArrowDown');
  await expect(menu.getByRole('menuitem', { name: 'Start' })).not.toBeFocused();
  expect(await focusWithin(menu)).toBe(true);
  await page.keyboard.press('ArrowUp');
  await expect(menu.getByRole('menuitem', { name: 'Start' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(actions).toBeFocused();

  // Enter on Start plans it: the dialog traps focus, Escape closes it and focus is back on the actions button.
  await page.keyboard.press('Enter');
  await expect(menu.getByRole('menuitem', { name: 'Start' })).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Start ${guest}` });
  await expect(dialog.getByText('Expected effect')).toBeVisible({ timeout: 15_000 });
  await expectTrapped(page, dialog);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(actions).toBeFocused();
  await guard.expectClean();
});

test('operation drawer: Enter opens it with focus inside, Escape closes it back to the row', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await tabTo(page, sidebarItem(page, 'Operations'), 10);
  await page.keyboard.press('Enter');
  await expectOnPage(page, 'Operations');
  // Plans are journalled even when not applied: the previous test left at least one.
  const details = page.getByRole('button', { name: /^Details of / }).first();
  await expect(details).toBeVisible({ timeout: 30_000 });
  await tabTo(page, details, 60);
  await page.keyboard.press('Enter');
  const drawer = page.getByRole('complementary').filter({ has: page.getByRole('button', { name: 'Close operation detail' }) });
  await expect(drawer).toBeVisible();
  await expect.poll(() => focusWithin(drawer)).toBe(true);
  await page.keyboard.press('Tab');
  expect(await focusWithin(drawer)).toBe(true);
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(details).toBeFocused();

  // Tabs of the task centre by keyboard.
  const pve = page.getByRole('tab', { name: 'PVE tasks' });
  await tabTo(page, pve, 60, 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(pve).toHaveAttribute('aria-selected', 'true');
  await guard.expectClean();
});

test('rack elevation: a device is reached by Tab, selected with Enter and moved with the arrows', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await tabTo(page, sidebarItem(page, 'Sites & Power'), 15);
  await page.keyboard.press('Enter');
  await expectOnPage(page, 'Sites & Power');
  await expect(page.getByRole('article', { name: /^Rack / }).first()).toBeVisible({ timeout: 30_000 });

  // A device with a free unit right above it, so one ArrowUp is a legal move.
  const id = await page.evaluate(() => {
    for (const svg of document.querySelectorAll<SVGSVGElement>('svg[data-rack]')) {
      const free = new Set([...svg.querySelectorAll('rect.slot')].map((r) => Number(r.getAttribute('data-u'))));
      for (const g of svg.querySelectorAll<SVGGElement>('g.device[role="button"]')) {
        const top = Number(g.dataset.position) + Number(g.dataset.height);
        if (free.has(top)) return g.dataset.device ?? null;
      }
    }
    return null;
  });
  expect(id, 'no device with a free unit above it in the demo site plan').not.toBeNull();
  const device = page.locator(`g.device[data-device="${id}"]`).first();
  const before = Number(await device.getAttribute('data-position'));
  await tabTo(page, device, 300);
  await expectFocusVisible(page, 'a rack device');
  await page.keyboard.press('Enter');
  await expect(device).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('heading', { name: /^Selected: / })).toBeVisible();

  // Focus stays on the device while it moves, so it can be moved again.
  await expect(device).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(device).toHaveAttribute('data-position', String(before + 1));
  await expect(device).toBeFocused();
  // Put it back for the other specs.
  await page.keyboard.press('ArrowDown');
  await expect(device).toHaveAttribute('data-position', String(before));
  await expect(device).toBeFocused();
  await guard.expectClean();
});

test('topology: Enter opens a region and drills into a site, the breadcrumb climbs back', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await tabTo(page, sidebarItem(page, 'Topology'), 10);
  await page.keyboard.press('Enter');
  await expectOnPage(page, 'Topology');
  const regions = page.locator('.svelte-flow__node-region');
  await expect(regions.first()).toContainText(/\d+ sites?/, { timeout: 30_000 });
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });

  const openRegion = regions.first().getByRole('button', { name: /^Open region/ });
  await tabTo(page, openRegion, 80);
  await page.keyboard.press('Enter');
  const site = page.locator('.svelte-flow__node').filter({ has: page.locator('.label', { hasText: /^edge-/ }) }).first();
  await expect(site).toBeVisible();
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });
  const siteName = (await site.locator('.label').innerText()).trim();
  await tabTo(page, site, 250);
  await expectFocusVisible(page, 'a map node');
  await page.keyboard.press('Enter');
  const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs).toContainText(siteName);

  await tabTo(page, crumbs.getByRole('button', { name: 'Fleet' }), 80, 'Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(regions.first()).toBeVisible();
  await guard.expectClean();
});
