/**
 * Migration planning with the placement advisor: the advisor's proposal is
 * the target when the operator names none; the operator may override with
 * any host the advisor accepts; a rejected host is refused with the
 * advisor's reasons; the plan carries every host's verdict.
 */
import { describe, expect, it } from 'vitest';
import { createPlacementAdvisor, NO_PLACEMENT_CONTEXT, poolFromView } from './placement';
import { planFor, type ClusterView, type GuestFacts } from './planner';

const GiB = 2 ** 30;
const g = (vmid: number, node: string, memMiB: number, extra: Partial<GuestFacts> = {}): GuestFacts => ({
  vmid, type: 'qemu', node, name: `vm${vmid}`, status: 'running', tags: [], template: false, cpus: 4, memMiB, diskGiB: 32, ha: false, ...extra,
});
const node = (name: string, usedGiB: number, online = true) => ({ node: name, online, memFree: (64 - usedGiB) * GiB, maxcpu: 32, maxmem: 64 * GiB });

// a: runs vm100 (16 GiB); b: nearly full; c: roomy; d: offline.
const view: ClusterView = {
  basis: 'live',
  guests: [g(100, 'a', 16384), g(101, 'b', 51200), g(102, 'c', 8192)],
  nodes: [node('a', 16), node('b', 50), node('c', 8), node('d', 0, false)],
};
const ctx = { clusterId: 'c1', sizeOf: () => ({ vcpu: 2, memMiB: 4096 }), reservedVmids: new Set<number>(), isProtectedEnvironment: () => false };
const advisor = createPlacementAdvisor(NO_PLACEMENT_CONTEXT);

describe('migration target from the placement advisor', () => {
  it('proposes the advisor’s best host and records every host’s verdict in the plan', async () => {
    const moveAdvice = await advisor.adviseMove('c1', view, view.guests[0]!);
    const p = planFor({ action: 'migrate', clusterId: 'c1', vmid: 100 }, view, { ...ctx, moveAdvice });
    if (!p.ok) throw new Error(p.reasons.join());
    expect(p.steps[0]).toMatchObject({ kind: 'migrate', target: 'c', online: true });
    expect(p.request).toMatchObject({ targetNode: 'c' });
    const pl = p.plan.placement!;
    expect(pl).toMatchObject({ proposed: 'c', chosen: 'c', overridden: false });
    expect(pl.candidates.find((x) => x.node === 'b')!.reasons.join()).toMatch(/^memory/);
    expect(pl.candidates.find((x) => x.node === 'd')!.reasons).toContain('host is offline');
    expect(pl.notes.join(' ')).toMatch(/HA rules/);
  });

  it('the operator overrides with an allowed host; a rejected host is refused with the advisor’s reasons', async () => {
    const extra: ClusterView = { ...view, guests: [...view.guests, g(103, 'e', 20480)], nodes: [...view.nodes, node('e', 20)] };
    const moveAdvice = await advisor.adviseMove('c1', extra, extra.guests[0]!);
    const over = planFor({ action: 'migrate', clusterId: 'c1', vmid: 100, targetNode: 'e' }, extra, { ...ctx, moveAdvice });
    expect(over.ok && over.plan.placement).toMatchObject({ proposed: 'c', chosen: 'e', overridden: true });
    const bad = planFor({ action: 'migrate', clusterId: 'c1', vmid: 100, targetNode: 'b' }, extra, { ...ctx, moveAdvice });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reasons.join()).toMatch(/b cannot take vm100: memory: needs 16.0 GiB/);
    // An offline target waits for its node instead of being refused.
    const off = planFor({ action: 'migrate', clusterId: 'c1', vmid: 100, targetNode: 'd' }, extra, { ...ctx, moveAdvice });
    expect(!off.ok && off.offline).toBe(true);
  });

  it('no host can take the guest: refused with each host’s reasons', async () => {
    const full: ClusterView = { basis: 'live', guests: [g(100, 'a', 40960), g(101, 'b', 40960)], nodes: [node('a', 40), node('b', 40)] };
    const moveAdvice = await advisor.adviseMove('c1', full, full.guests[0]!);
    const p = planFor({ action: 'migrate', clusterId: 'c1', vmid: 100 }, full, { ...ctx, moveAdvice });
    expect(!p.ok && p.reasons[0]).toMatch(/No host can take vm100 \(b: memory/);
  });

  it('from the cache (no advice) only a named target is planned', () => {
    const cached: ClusterView = { ...view, basis: 'cache' };
    const p = planFor({ action: 'migrate', clusterId: 'c1', vmid: 100 }, cached, ctx);
    expect(!p.ok && p.reasons[0]).toMatch(/name the target node/);
    const named = planFor({ action: 'migrate', clusterId: 'c1', vmid: 100, targetNode: 'c' }, cached, ctx);
    expect(named.ok).toBe(true);
  });

  it('a cached pool (host sizes unknown) is stale to the advisor', () => {
    expect(poolFromView('c1', { basis: 'cache', guests: [], nodes: [{ node: 'a', online: true, memFree: 0 }] }).stale).toBe(true);
    expect(poolFromView('c1', view).stale).toBe(false);
  });
});

describe('VM create tags', () => {
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlannerTestKeyPlannerTestKey00 ops';
  const withTemplate: ClusterView = { ...view, guests: [...view.guests, g(9000, 'a', 2048, { template: true, name: 'tpl', status: 'stopped', tags: ['template', 'tenant-acme'] })] };
  const create = (tags?: string[]) =>
    planFor(
      { action: 'create', clusterId: 'c1', templateVmid: 9000, name: 'web-1', size: 'small', node: 'c', cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, start: false, ...(tags ? { tags } : {}) },
      withTemplate,
      ctx,
    );

  it('inherits the template’s tags without its template marker', () => {
    const p = create();
    if (!p.ok) throw new Error(p.reasons.join());
    expect(p.steps[1]).toMatchObject({ kind: 'config', set: { tags: 'tenant-acme' } });
    expect(p.plan.target.tags).toEqual(['tenant-acme']);
  });

  it('takes the operator’s tags instead (the tenant whose quota it counts against), sorted and unique', () => {
    const p = create(['tenant-globex', 'prod', 'prod']);
    if (!p.ok) throw new Error(p.reasons.join());
    expect(p.steps[1]).toMatchObject({ kind: 'config', set: { tags: 'prod;tenant-globex' } });
    expect(p.plan.target.tags).toEqual(['prod', 'tenant-globex']);
  });
});
