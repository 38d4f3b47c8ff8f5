/**
 * A new VM from a host page on the demo fleet: the template on that host,
 * a catalogue size and cloud-init, the plan reviewed, applied, and the
 * clone-resize-configure-start run to success against the simulator.
 */
import { expect, test } from '@playwright/test';
import { guardConsole, openConsole, screenshot, sidebarItem } from './support';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2eE2 e2e@cairn';

test('create a VM from a template on its host, reviewed then applied', async ({ page }) => {
  test.setTimeout(180_000);
  const guard = await guardConsole(page);
  await openConsole(page);
  await sidebarItem(page, 'Fleet').click();
  await page.getByRole('navigation', { name: 'Fleet views' }).getByRole('button', { name: 'Guests' }).click();
  await expect(page.locator('.guest-list .count')).toContainText(/\d+ guests/, { timeout: 30_000 });
  const filter = page.getByLabel('Filter guests');
  await filter.fill('tag:template type:vm');
  await filter.press('Enter');
  await expect(page.locator('.guest-list .count')).toContainText(/match/);
  // The node cell opens the host page where the template lives.
  await page.getByRole('table', { name: 'Guests' }).getByRole('cell').getByRole('button').first().click();
  const heading = page.getByRole('heading', { name: /^Guests on / });
  await expect(heading).toBeVisible({ timeout: 15_000 });
  const node = ((await heading.textContent()) ?? '').replace(/^Guests on /, '').trim();

  await page.getByRole('button', { name: 'New guest…' }).click();
  const dialog = page.getByRole('dialog', { name: `New guest on ${node}` });
  await expect(dialog.getByRole('combobox', { name: 'Template' })).toBeVisible();
  const name = `e2e-web-${Date.now() % 100000}`;
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  await dialog.getByRole('combobox', { name: 'Catalogue size' }).selectOption('medium');
  await dialog.getByRole('textbox', { name: 'SSH public key' }).fill(KEY);
  await dialog.getByRole('button', { name: 'Review plan' }).click();
  await expect(dialog.getByText('Expected effect')).toBeVisible({ timeout: 30_000 });
  await screenshot(page, 'create-guest-plan');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Create VM ${name} on ${node}: succeeded`)).toBeVisible({ timeout: 150_000 });
  await guard.expectClean();
});
