/**
 * Chain of custody on the demo data (seeded at start through the real,
 * signed record path): open Custody, record one legal event for an
 * appliance, export its bundle (a real download) and verify that file in
 * the verification panel — every check passes, with no console error,
 * page error or CSP violation along the way.
 */
import { expect, test } from '@playwright/test';
import { expectOnPage, guardConsole, openConsole, screenshot, settle, sidebarItem } from './support';

test('record a custody event, export the bundle and verify it', async ({ page }) => {
  const guard = await guardConsole(page);
  await openConsole(page);
  await sidebarItem(page, 'Custody').click();
  await expectOnPage(page, 'Custody');

  // The demo has an appliance delivered to the customer; its next legal step is loading.
  const delivered = page.getByRole('region', { name: /^Delivered/ });
  await expect(delivered).toBeVisible({ timeout: 30_000 });
  await delivered.getByRole('button', { name: /CBX-120-00023/ }).click();
  const serial = 'CBX-120-00023';
  await expect(page.getByRole('heading', { name: `Appliance ${serial}` })).toBeVisible();

  const form = page.getByRole('form', { name: 'Record the next event' });
  const next = form.getByLabel('Next state');
  await expect(next.locator('option')).toHaveText(['Choose…', 'Loading at customer', 'Lost', 'Damaged', 'Tamper suspected']);
  await next.selectOption({ label: 'Loading at customer' });
  await form.getByLabel('Operator').fill('Ines Duarte');
  await form.getByLabel('Role').selectOption('customer_representative');
  await form.getByLabel('Site', { exact: true }).fill('Customer site, Porto');
  await form.getByLabel('Why').fill('Customer starts copying the dataset');
  await form.getByRole('button', { name: 'Sign and record Loading at customer' }).click();

  const timeline = page.getByRole('region', { name: 'Timeline' });
  await expect(timeline.getByRole('listitem').first()).toContainText('Loading at customer');
  await expect(timeline.getByRole('listitem').first()).toContainText('Customer starts copying the dataset');
  await expect(page.getByRole('region', { name: /^Loading at customer/ }).getByRole('button', { name: new RegExp(serial) })).toBeVisible();

  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export appliance bundle' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`custody-appliance-${serial}.json`);
  const file = await download.path();

  await page.getByLabel('Bundle file').setInputFiles(file);
  const checks = page.getByRole('list', { name: 'Verification checks' });
  await expect(checks.getByRole('listitem')).toHaveCount(11);
  await expect(checks.getByText('failed')).toHaveCount(0);
  await expect(checks.getByRole('listitem').filter({ hasText: 'transitions' })).toContainText('Loading at customer');
  await expect(page.getByText('valid', { exact: true })).toBeVisible();

  await settle(page);
  await screenshot(page, 'custody-verified');
  await guard.expectClean();
});
