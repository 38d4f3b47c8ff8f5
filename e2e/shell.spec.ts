/**
 * The console shell in browser mode: every page is reachable through the
 * sidebar and through the command palette (Ctrl+K), renders without a
 * single console error or warning, page error or CSP violation, and is
 * captured as a full-page screenshot under test-results/screenshots/.
 */
import { expect, test } from '@playwright/test';
import { appUrl, expectOnPage, guardConsole, openConsole, PAGES, screenshot, settle, sidebarItem, slug } from './support';

test.describe('every page through the sidebar', () => {
  for (const [i, label] of PAGES.entries()) {
    test(label, async ({ page }) => {
      const guard = await guardConsole(page);
      await openConsole(page);
      await sidebarItem(page, label).click();
      await expectOnPage(page, label);
      await settle(page);
      await screenshot(page, `sidebar-${String(i + 1).padStart(2, '0')}-${slug(label)}`);
      await guard.expectClean();
    });
  }
});

test.describe('every page through the command palette', () => {
  for (const [i, label] of PAGES.entries()) {
    test(label, async ({ page }) => {
      const guard = await guardConsole(page);
      await openConsole(page);
      // Start somewhere else, so arriving is the palette's doing.
      const start = label === 'Audit' ? 'Fleet' : 'Audit';
      await sidebarItem(page, start).click();
      await expectOnPage(page, start);

      await page.keyboard.press('Control+K');
      const palette = page.getByRole('dialog', { name: /command palette/i });
      await expect(palette).toBeVisible();
      const input = palette.getByRole('combobox').or(palette.getByRole('textbox')).or(palette.getByRole('searchbox')).first();
      await expect(input).toBeFocused();
      await input.fill(label);
      // The page's own command (tagged "Go to"), not another command that mentions it.
      const option = palette.getByRole('option').filter({ hasText: label }).filter({ hasText: /go to/i }).first();
      await expect(option).toBeVisible();
      await option.click();

      await expect(palette).toBeHidden();
      await expectOnPage(page, label);
      await settle(page);
      await screenshot(page, `palette-${String(i + 1).padStart(2, '0')}-${slug(label)}`);
      await guard.expectClean();
    });
  }

  test('Escape closes the palette', async ({ page }) => {
    const guard = await guardConsole(page);
    await openConsole(page);
    await page.keyboard.press('Control+K');
    const palette = page.getByRole('dialog', { name: /command palette/i });
    await expect(palette).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(palette).toBeHidden();
    await guard.expectClean();
  });
});

test.describe('language', () => {
  // The data folder is shared by the specs that follow: leave it in English whatever happened in the test.
  test.afterEach(async ({ page }) => {
    await page.goto(appUrl());
    await page.getByRole('navigation').first().getByRole('button').last().click();
    const english = page.locator('[data-language-id="en"]');
    if ((await english.getAttribute('aria-checked')) !== 'true') await english.click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  });

  test('switching to Italian in Settings re-renders the shell, survives a reload, and switches back', async ({ page }) => {
    const guard = await guardConsole(page);
    await openConsole(page);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await sidebarItem(page, 'Settings').click();
    await expectOnPage(page, 'Settings');

    await page.getByRole('radiogroup', { name: 'Language' }).getByRole('radio', { name: 'Italiano' }).click();
    // No reload: the same page now speaks Italian.
    await expectOnPage(page, 'Impostazioni');
    for (const label of ['Flotta', 'Topologia', 'Capacità', 'Siti ed energia']) await expect(sidebarItem(page, label)).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Aree' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'it');
    await screenshot(page, 'language-it-settings');

    // Persisted per operator: a reload comes back in Italian.
    await page.reload();
    await expect(sidebarItem(page, 'Flotta')).toBeVisible();
    await sidebarItem(page, 'Flotta').click();
    await expectOnPage(page, 'Flotta');

    await sidebarItem(page, 'Impostazioni').click();
    await page.getByRole('radiogroup', { name: 'Lingua' }).getByRole('radio', { name: 'English' }).click();
    await expectOnPage(page, 'Settings');
    await expect(sidebarItem(page, 'Fleet')).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await guard.expectClean();
  });
});
