/**
 * The SCMP connector end to end: this Playwright process runs the loopback
 * SCMP (the server implementing Cairn's published SCMP contract) on
 * 127.0.0.1; the operator adds it in Settings → SCMP, compares the
 * certificate's fingerprint with the one the SCMP operators gave out of band,
 * connects, syncs, and the central tenant appears in Settings → Tenants &
 * roles marked `central`. Disconnecting at the end leaves browser mode
 * unconnected for the other specs (the central tenant, named to sort last,
 * stays: tenants are history).
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';
import { guardConsole, openConsole, screenshot, settle, sidebarItem } from './support';

const ROOT = resolve(import.meta.dirname, '..');

interface Loopback {
  url: string;
  fingerprint: string;
  upsert(collection: 'tenants', item: { id: string; name: string }): void;
  close(): Promise<void>;
}

test('Settings › SCMP: connect with fingerprint confirmation, pull, central tenants in Tenants & roles', async ({ page }) => {
  const guard = await guardConsole(page);
  // Loaded at run time so the spec's type check does not pull the main process's sources in.
  const mod = (await import(pathToFileURL(join(ROOT, 'src-main/scmp/loopback-server.ts')).href)) as { LoopbackScmpServer: { start(o: { token: string }): Promise<Loopback> } };
  const token = `scmp-e2e-${randomBytes(12).toString('hex')}`;
  const scmp = await mod.LoopbackScmpServer.start({ token });
  try {
    // Lower case, so it sorts after the demo tenants (other specs take the first one).
    scmp.upsert('tenants', { id: 'zephyr-central', name: 'zephyr-central' });

    await openConsole(page);
    await sidebarItem(page, 'Settings').click();
    const section = page.getByRole('region', { name: 'SCMP' });
    const form = section.getByRole('form', { name: 'Connect the SCMP' });
    await form.getByLabel('SCMP URL').fill(scmp.url);
    await form.getByLabel('Token id').fill('cairn-e2e');
    await form.getByLabel('Token', { exact: true }).fill(token);
    await form.getByRole('button', { name: 'Check certificate' }).click();

    // The fingerprint the console read from the certificate is the SCMP's, group by group.
    const groups = section.getByRole('list', { name: /groups$/ }).first();
    await expect(groups).toBeVisible();
    const shown = (await groups.locator('code').allTextContents()).join(':');
    expect(shown.toUpperCase()).toBe(scmp.fingerprint.toUpperCase());
    const connect = section.getByRole('button', { name: 'Connect', exact: true });
    await expect(connect).toBeDisabled();
    await section.getByLabel('The fingerprint matches').check();
    await connect.click();

    const pulled = section.getByRole('table', { name: 'Pulled from the SCMP' });
    await expect(pulled).toBeVisible({ timeout: 15_000 });
    await section.getByRole('button', { name: 'Sync now' }).click();
    await expect(pulled.getByRole('row').filter({ hasText: /tenants/i })).toContainText('1', { timeout: 15_000 });
    await settle(page);
    await screenshot(page, 'scmp-connected');

    // Tenants & roles reads tenancy afresh when Settings opens.
    await page.reload();
    await sidebarItem(page, 'Settings').click();
    const tenancy = page.getByRole('region', { name: 'Tenants & roles' });
    const select = tenancy.getByLabel('Tenant', { exact: true });
    await expect(select.locator('option', { hasText: 'zephyr-central' })).toHaveCount(1, { timeout: 15_000 });
    await select.selectOption('zephyr-central');
    await expect(tenancy.getByText('central', { exact: true }).first()).toBeVisible();

    // Leave browser mode without an SCMP for the other specs.
    const panel = page.getByRole('region', { name: 'SCMP' });
    await panel.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await panel.getByRole('button', { name: 'Confirm disconnect' }).click();
    await expect(panel.getByRole('form', { name: 'Connect the SCMP' })).toBeVisible({ timeout: 15_000 });
    await guard.expectClean();
  } finally {
    await scmp.close();
  }
});
