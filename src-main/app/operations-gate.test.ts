/**
 * The operation engine gated by tenancy, as the composition root wires it:
 * a Viewer's start is refused before any call reaches PVE, and a create
 * that would exceed the tenant's pool quota is refused with the numbers
 * (MiB and GiB from the engine converted to bytes on the way).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationDto } from '../../src-preload/contract';
import { MemoryLogSink } from '../util/log';
import { createApp, type App } from './create-app';

describe('operations gated by roles and quotas', () => {
  let dir: string;
  let admin: App;
  const open = (operator: string) =>
    createApp({
      dataDir: dir,
      version: 'test',
      transport: 'test',
      secrets: 'ephemeral',
      fleet: { mode: 'demo', sites: 1, seed: 5 },
      sync: false,
      logSinks: [new MemoryLogSink()],
      attestation: { operator },
    });
  const call = async <T>(app: App, channel: string, payload: unknown): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> => {
    const r = await app.router.dispatch(channel, payload, { transport: 'test' });
    return r.ok ? { ok: true, value: r.value as T } : { ok: false, code: r.error.code, message: r.error.message };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-ops-gate-'));
    // The first operator of a fresh install is its Administrator.
    admin = await open('ann');
    await admin.sync.syncAll();
    expect((await call(admin, 'tenancy:saveOperator', { name: 'bob', roles: ['viewer'], tenants: null })).ok).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a Viewer may look but not start a guest; the refusal names the role', async () => {
    await admin.close();
    const bob = await open('bob');
    try {
      await bob.sync.syncAll();
      const g = bob.fleet.guests({ query: 'status:stopped', limit: 50 }).rows.find((r) => !r.template && r.type === 'qemu')!;
      const r = await call<OperationDto>(bob, 'operations:plan', { request: { action: 'start', clusterId: g.clusterId, vmid: g.vmid } });
      const refused = r.ok ? r.value.state === 'refused' && /viewer|role|may not|not allowed/i.test(r.value.reason ?? '') : r.code === 'forbidden';
      expect(refused, JSON.stringify(r)).toBe(true);
    } finally {
      await bob.close();
      admin = await open('ann');
    }
  }, 60_000);

  it('a resize over the tenant’s pool quota is refused with the numbers', async () => {
    await admin.sync.syncAll();
    const g = admin.fleet.guests({ query: '', limit: 1000 }).rows.find((r) => r.tenant && !r.template && r.type === 'qemu' && r.cpus < 16)!;
    expect(g, 'a tenant guest below X-Large').toBeTruthy();
    // Memory at this pool capped at 1 GiB: the tenant is already over it, so growing is refused (shrinking would not be).
    const set = await call(admin, 'tenancy:setQuota', { tenantId: g.tenant, scope: { kind: 'pool', id: g.clusterId }, limits: { vcpu: null, memBytes: 2 ** 30, storageBytes: null, guests: null } });
    expect(set.ok, JSON.stringify(set)).toBe(true);
    const planned = await call<OperationDto>(admin, 'operations:plan', { request: { action: 'resize', clusterId: g.clusterId, vmid: g.vmid, size: 'x-large' } });
    if (!planned.ok) throw new Error(planned.message);
    // The plan states its quota impact; applying it checks the quota before any call to PVE.
    expect(planned.value.plan.quotaDelta.memoryMiB).toBeGreaterThan(0);
    const r = await call<OperationDto>(admin, 'operations:apply', { id: planned.value.id });
    const text = r.ok ? `${r.value.state} ${r.value.reason ?? ''}` : `${r.code} ${r.message}`;
    expect(text).toMatch(/refused|conflict|forbidden/);
    // The numbers, in bytes converted from the engine's MiB: a 32 GiB X-Large is the target.
    expect(text).toMatch(/memory/i);
    expect(text).toMatch(/GiB|TiB/);
  }, 60_000);
});

describe('the role model covers every operation', () => {
  it('maps each action of the operations contract to an action roles grant', async () => {
    const { ACTIONS, OperationRequestSchema } = await import('../../src-preload/contract');
    const { ENGINE_ACTION_ALIASES } = await import('../tenancy');
    const offered = OperationRequestSchema.options.map((o) => o.shape.action.value);
    for (const a of offered) {
      const name = `guest.${a}`;
      expect((ACTIONS as readonly string[]).includes(ENGINE_ACTION_ALIASES[name] ?? name), name).toBe(true);
    }
  });
});
