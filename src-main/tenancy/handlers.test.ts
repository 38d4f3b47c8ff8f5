/** The tenancy channels through the real router: the handlers check the current operator's role before any change. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/create-app';
import { MemoryLogSink } from '../util/log';

const apps: App[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dataDir: string, operator: string): Promise<App> {
  const app = await createApp({ dataDir, version: 't', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'configured' }, sync: false, logSinks: [new MemoryLogSink()], attestation: { operator } });
  apps.push(app);
  return app;
}

describe('tenancy handlers', () => {
  it('let the bootstrapped Administrator manage, and refuse everyone else with forbidden', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-tenancy-'));
    dirs.push(dir);
    const admin = await open(dir, 'alice');
    const call = (ch: string, req: unknown) => admin.router.dispatch(ch, req, { transport: 'test' });
    expect(await call('tenancy:whoami', {})).toMatchObject({ ok: true, value: { name: 'alice', roles: ['administrator'], known: true } });
    expect(await call('tenancy:saveTenant', { id: 'acme', name: 'ACME', description: '' })).toMatchObject({ ok: true, value: { id: 'acme', source: 'local' } });
    expect(await call('tenancy:setQuota', { tenantId: 'acme', scope: { kind: 'fleet' }, limits: { vcpu: 8, memBytes: null, storageBytes: null, guests: 4 } })).toMatchObject({
      ok: true,
      value: { tenantId: 'acme', scopeLabel: 'fleet', updatedBy: 'alice' },
    });
    expect(await call('tenancy:saveOperator', { name: 'kim', roles: ['tenant_admin'], tenants: ['acme'] })).toMatchObject({ ok: true });
    expect(await call('tenancy:removeOperator', { name: 'alice' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await admin.close();
    apps.length = 0;

    // The same installation opened by the Tenant admin: reads work, management is refused before anything changes.
    const kim = await open(dir, 'kim');
    const k = (ch: string, req: unknown) => kim.router.dispatch(ch, req, { transport: 'test' });
    expect(await k('tenancy:whoami', {})).toMatchObject({ ok: true, value: { name: 'kim', roles: ['tenant_admin'], tenants: ['acme'] } });
    expect(await k('tenancy:setQuota', { tenantId: 'acme', scope: { kind: 'fleet' }, limits: { vcpu: 800, memBytes: null, storageBytes: null, guests: null } })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: 'kim (Tenant admin) is not allowed to quota.manage' },
    });
    expect(await k('tenancy:saveTenant', { id: 'acme', name: 'Mine now', description: '' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await k('tenancy:saveOperator', { name: 'kim', roles: ['administrator'], tenants: null })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await k('tenancy:quotas', { tenantId: 'acme' })).toMatchObject({ ok: true, value: [{ limits: { vcpu: 8 } }] });
    // Other modules' actions are checked too: a Tenant admin signs no custody events and changes no fleet-wide settings.
    expect(await k('custody:record', { applianceId: 'apl-x', expectedSeq: 0, to: 'provisioning', operator: { name: 'Kim', role: 'hub_technician' }, site: { name: 'hub' }, reason: 'r', fields: {} })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: 'kim (Tenant admin) is not allowed to custody.record' },
    });
    expect(await k('survey:sign', { id: 'no-such-survey', engineer: 'Kim' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await k('connections:remove', { id: 'no-such-id' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const history = await k('tenancy:history', { limit: 10 });
    expect(history.ok && (history.value as { actor: string }[]).every((e) => e.actor !== 'kim')).toBe(true);
  });
});
