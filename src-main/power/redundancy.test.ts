import { describe, expect, it } from 'vitest';
import { generatorKw, modulesAfterFailure, modulesForLoad, recommendGenerator, runtimeMinutes, sizeUps, upsDesignLoad } from './redundancy';

describe('UPS sizing', () => {
  it('design load: growth, then ÷ target loading; VA from the load PF', () => {
    const d = upsDesignLoad({ loadW: 8000, powerFactor: 0.95, growthMarginPercent: 25, maxLoadPercent: 80 });
    expect(d.designW).toBe(12_500);
    expect(d.designVA).toBeCloseTo(12_500 / 0.95, 9);
  });

  it('N / N+1 / 2N module counts (White Paper 75 definitions)', () => {
    // 400 kW load in 100 kW modules at 100 % loading: N = 4, N+1 = 5, 2N = 8.
    const s = sizeUps({ loadW: 400_000, powerFactor: 1, maxLoadPercent: 100 }, { ratingVA: 100_000, ratingW: 100_000, batteryWh: 10_000 }, 'N+1', 5, 0);
    expect(s.modulesRequired).toEqual({ N: 4, 'N+1': 5, '2N': 8 });
    expect(s.usableW).toBe(400_000);
    expect(s.missingW).toBe(0);
    expect(modulesForLoad(400_000.0000000001, 0, { ratingW: 100_000, ratingVA: 1e9 })).toBe(4);
  });

  it('the kVA rating can be the binding one', () => {
    // 2700 W at PF 0.8 = 3375 VA: a 3000 VA / 2700 W unit is short on VA, not W.
    const s = sizeUps({ loadW: 2700, powerFactor: 0.8, maxLoadPercent: 100 }, { ratingVA: 3000, ratingW: 2700, batteryWh: 500 }, 'N', 1, 0);
    expect(s.missingW).toBe(0);
    expect(s.missingVA).toBeCloseTo(375, 9);
    expect(s.modulesRequired.N).toBe(2);
  });

  it('capacity after failure: N keeps all, N+1 loses one module, 2N loses a side', () => {
    expect(modulesAfterFailure('N', 3)).toBe(3);
    expect(modulesAfterFailure('N+1', 3)).toBe(2);
    expect(modulesAfterFailure('2N', 4)).toBe(2);
  });

  it('runtime: Wh × efficiency / W; normal vs degraded per scheme', () => {
    expect(runtimeMinutes(1000, 900, 0.9)).toBeCloseTo(60, 12);
    expect(runtimeMinutes(1000, 0)).toBe(Number.POSITIVE_INFINITY);
    const m = { ratingVA: 5000, ratingW: 4500, batteryWh: 1500, efficiency: 0.9 };
    const s = sizeUps({ loadW: 2700, powerFactor: 0.95 }, m, '2N', 2, 10);
    expect(s.runtime.normalMinutes).toBeCloseTo(60, 9); // 3000 Wh × 0.9 / 2700 W
    expect(s.runtime.degradedMinutes).toBeCloseTo(30, 9);
    expect(s.runtimeByRedundancy.N).toMatchObject({ modules: 1 });
    expect(s.runtimeByRedundancy['N+1'].degradedMinutes).toBeCloseTo(30, 9);
    expect(s.runtimeByRedundancy['2N'].normalMinutes).toBeCloseTo(60, 9);
    expect(s.runtimeMissingW).toBe(0);
  });

  it('runtime shortfall is the load to shed for the degraded runtime to reach the target', () => {
    const m = { ratingVA: 5000, ratingW: 4500, batteryWh: 500, efficiency: 1 };
    const s = sizeUps({ loadW: 4000, powerFactor: 1 }, m, 'N', 1, 10);
    // 500 Wh lasts 10 min at 3000 W.
    expect(s.runtimeMissingW).toBeCloseTo(1000, 9);
  });
});

describe('generator', () => {
  it('1.25 × the UPS-backed load plus direct loads; kVA at 0.8 PF', () => {
    const g = recommendGenerator(100_000, 20_000);
    expect(g.kw).toBeCloseTo(145, 9);
    expect(g.kva).toBeCloseTo(181.25, 9);
    expect(g.sizingFactor).toBe(1.25);
    expect(recommendGenerator(100_000, 0, false).kw).toBe(100);
  });

  it('rating from kW or from kVA × PF', () => {
    expect(generatorKw({ ratingKW: 8 })).toBe(8);
    expect(generatorKw({ ratingKVA: 10 })).toBe(8);
    expect(generatorKw({ ratingKVA: 10, powerFactor: 0.9 })).toBe(9);
  });
});
