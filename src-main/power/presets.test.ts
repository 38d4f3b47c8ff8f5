import { describe, expect, it } from 'vitest';
import { evaluateSitePlan } from './plan';
import type { SitePlanInput } from './plan-schema';
import { poolPreset, POOL_SIZES, type PoolSize } from './presets';
import { shippedCatalogue } from './test-support';

const cat = shippedCatalogue();

function presetOrThrow(size: PoolSize, opts: Parameters<typeof poolPreset>[2] = {}) {
  const r = poolPreset(cat, size, opts);
  if (!r.ok) throw new Error(r.reason);
  return r.preset;
}

function planOf(size: PoolSize, opts: Parameters<typeof poolPreset>[2] = {}, feedOverride: Record<string, unknown> = {}): SitePlanInput {
  const p = presetOrThrow(size, opts);
  return { schema: 'cairn-site-plan/v1', name: `preset ${size}`, racks: [p.rack], feeds: p.feeds.map((f) => ({ ...f, ...feedOverride })) };
}

describe('pool presets', () => {
  it.each([
    ['small', 3],
    ['medium', 6],
    ['large', 9],
    ['x-large', 12],
  ] as const)('Pool %s: %d hosts, two ToR switches, a management switch, a patch panel, A and B PDUs', (size, hosts) => {
    const p = presetOrThrow(size);
    expect(p.hosts).toBe(hosts);
    const refs = p.rack.devices!.map((d) => d.ref);
    expect(refs.filter((r) => r === 'pool-host-epyc-9254')).toHaveLength(hosts);
    expect(refs.filter((r) => r === 'arista-dcs-7050sx3-48yc8')).toHaveLength(2);
    expect(refs.filter((r) => r === 'arista-dcs-7010tx-48-f')).toHaveLength(1);
    expect(refs.filter((r) => r === 'patch-panel-24-1u')).toHaveLength(1);
    expect(refs.filter((r) => r === 'apc-ap8853')).toHaveLength(2);
    expect(p.feeds.map((f) => f.side)).toEqual(['A', 'B']);
    // Every powered device is corded to both sides.
    for (const d of p.rack.devices!) if (d.power!.length) expect(d.power!.map((c) => c.feed)).toEqual([p.feeds[0]!.id, p.feeds[1]!.id]);
  });

  it('a 12-host pool uses 28 U of a 42 U rack (POWER_FACTS §8 pool arithmetic)', () => {
    const r = evaluateSitePlan(planOf('x-large'), cat);
    expect(r.ok && r.report.racks[0]!.space).toMatchObject({ totalU: 42, usedU: 28, freeU: 14 });
  });

  it('refuses a layout that does not fit, with the reason', () => {
    const r = poolPreset(cat, 'x-large', { firstHostU: 20 });
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^Pool X-Large does not fit a 42 U rack from U20: .*reaches U43, 1 U above the top/) });
    expect(poolPreset(cat, 'small', { hostRef: 'nope' })).toMatchObject({ ok: false, reason: 'no host "nope" in the catalogue' });
  });

  it('45 U and 48 U racks put the network at their top', () => {
    const p = presetOrThrow('small', { rackHeight: 48 });
    expect(p.rack.model).toBe('conteg-ri7-48-60-100');
    expect(p.rack.devices!.find((d) => d.ref === 'patch-panel-24-1u')!.position).toBe(48);
  });

  it('on single-phase 230 V 32 A A/B feeds at maximum draw, Small survives losing a side and Medium does not', () => {
    const small = evaluateSitePlan(planOf('small'), cat);
    expect(small.ok && small.report.violations).toEqual([]);
    const medium = evaluateSitePlan(planOf('medium'), cat);
    expect(medium.ok && medium.report.violations.map((v) => v.code)).toEqual(['failover-overload', 'failover-overload']);
  });

  it('every size fits on three-phase 400 V 32 A A/B feeds with AP8886 PDUs, legs balanced round-robin', () => {
    for (const size of POOL_SIZES) {
      const r = evaluateSitePlan(planOf(size, { pduRef: 'apc-ap8886' }, { voltage: 400, voltageType: 'line-to-line' }), cat);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      expect(r.report.violations, size).toEqual([]);
      expect(r.report.feeds[0]!.outletWiring).toBe('line-to-neutral');
      expect(r.report.feeds[0]!.normal.imbalancePercent!).toBeLessThan(10);
    }
  });
});
