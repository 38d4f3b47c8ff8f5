/**
 * Tenants & roles on the demo fleet, end to end: the operator running the
 * console is its bootstrapped Administrator, the tenants discovered from
 * the inventory's `tenant-*` tags show usage against their (demo) quotas,
 * and setting a quota at a site through the form shows it as a meter. The
 * quota is removed again through the contract, so the shared demo fleet is
 * left as it was for the other specs.
 */
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { appOrigin, appToken, guardConsole, openConsole, screenshot, settle } from './support';

async function call<T>(channel: string, payload: unknown): Promise<T> {
  const ws = new WebSocket(`${appOrigin().replace(/^http/, 'ws')}/api?token=${encodeURIComponent(appToken())}`, { headers: { Origin: appOrigin() } });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answer = new Promise<{ ok: boolean; value?: T; error?: { message: string } }>((resolve) => {
      ws.on('message', (d) => {
        const frame = JSON.parse(String(d)) as { id?: number; result?: { ok: boolean; value?: T; error?: { message: string } } };
        if (frame.id === 1 && frame.result) resolve(frame.result);
      });
    });
    ws.send(JSON.stringify({ id: 1, channel, payload }));
    const r = await answer;
    if (!r.ok) throw new Error(`${channel}: ${r.error?.message}`);
    return r.value as T;
  } finally {
    ws.close();
  }
}

interface UsageRow {
  tenantId: string;
  scope: { kind: 'fleet' } | { kind: 'site' | 'pool'; id: string };
  scopeLabel: string;
  quota: { source: string } | null;
}

test('Settings › Tenants & roles: who I am, usage against quota, set a quota', async ({ page }) => {
  const guard = await guardConsole(page);
  // Demo quotas are seeded once every simulated cluster has synced: wait for them.
  let rows: UsageRow[] = [];
  await expect
    .poll(async () => {
      rows = (await call<{ rows: UsageRow[] }>('tenancy:usage', {})).rows;
      return rows.some((r) => r.quota?.source === 'demo');
    }, { timeout: 60_000 })
    .toBe(true);
  const tenant = (await call<{ id: string }[]>('tenancy:tenants', {}))[0]!.id;
  const site = rows.find((r) => r.tenantId === tenant && r.scope.kind === 'site' && r.quota === null)!;
  expect(site).toBeTruthy();

  await openConsole(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('button', { name: 'Settings' }).click();
  const section = page.getByRole('region', { name: 'Tenants & roles' });
  await expect(section.getByTestId('whoami')).toContainText('(Administrator)');
  await section.getByLabel('Tenant', { exact: true }).selectOption(tenant);
  const grid = section.getByRole('group', { name: `Usage and quota of ${tenant}` });
  await expect(grid.getByRole('meter', { name: `vCPU of ${tenant} at fleet` })).toBeVisible();
  await expect(grid.getByText('demo quota').first()).toBeVisible();

  await grid.getByRole('button', { name: `Edit quota at ${site.scopeLabel}` }).click();
  const form = section.getByRole('form', { name: `Quota at ${site.scopeLabel}` });
  await form.getByLabel('vCPU').fill('512');
  await form.getByLabel('Memory', { exact: true }).fill('2');
  await form.getByLabel('Memory unit').selectOption('TiB');
  await form.getByLabel('Guests').fill('40');
  await form.getByRole('button', { name: 'Save quota' }).click();
  await expect(form).toBeHidden();
  await expect(grid.getByRole('meter', { name: `vCPU of ${tenant} at ${site.scopeLabel}` })).toHaveAttribute('aria-valuetext', /\/ 512$/);
  await expect(grid.getByRole('meter', { name: `Memory of ${tenant} at ${site.scopeLabel}` })).toHaveAttribute('aria-valuetext', /\/ 2 TiB$/);
  await section.scrollIntoViewIfNeeded();
  await settle(page);
  await screenshot(page, 'tenancy');

  // Leave the shared demo fleet as it was.
  await call('tenancy:setQuota', { tenantId: tenant, scope: site.scope, limits: { vcpu: null, memBytes: null, storageBytes: null, guests: null } });
  await guard.expectClean();
});
