import { describe, expect, it } from 'vitest';
import { btuPerHourToWatts, checkCooling, checkInletTemperature, heatFromWatts, heatReport } from './heat';

describe('heat', () => {
  it('W × 3.412142 BTU/hr, ÷ 12,000 for tons (POWER_FACTS worked examples)', () => {
    expect(heatReport(800)).toEqual({ btuPerHour: 2729.71, coolingTons: 0.227 });
    expect(heatReport(9600)).toEqual({ btuPerHour: 32756.56, coolingTons: 2.73 });
    expect(heatReport(3517)).toEqual({ btuPerHour: 12000.5, coolingTons: 1 });
  });

  it('agrees with the Btu(IT) definition to the precision of the constant', () => {
    const exact = 3600 / 1055.05585262;
    expect(heatFromWatts(1).btuPerHour).toBeCloseTo(exact, 6);
    expect(btuPerHourToWatts(12_000) / 1000).toBeCloseTo(3.516853, 5); // one ton in kW
  });

  it('Lenovo SD650 cross-check: 12,000 W ≈ 40,946 BTU/hr', () => {
    expect(Math.round(heatFromWatts(12_000).btuPerHour)).toBe(40_946);
  });
});

describe('cooling capacity', () => {
  it('fits: headroom, no shortfall', () => {
    const c = checkCooling(3000, { kw: 5 });
    expect(c.ok).toBe(true);
    expect(c.missingBtuPerHour).toBe(0);
    expect(c.headroomBtuPerHour).toBeCloseTo(2000 * 3.412142, 6);
  });

  it('short: the missing BTU/hr and its watts', () => {
    const c = checkCooling(10_000, { btuPerHour: 24_000 });
    expect(c.ok).toBe(false);
    expect(c.missingBtuPerHour).toBeCloseTo(34_121.42 - 24_000, 6);
    expect(c.missingW).toBeCloseTo(10_000 - 24_000 / 3.412142, 6);
  });

  it('exactly at capacity passes', () => {
    expect(checkCooling(1000, { btuPerHour: 3412.142 }).ok).toBe(true);
  });
});

describe('ASHRAE inlet check', () => {
  it.each([
    [18, 'recommended'],
    [27, 'recommended'],
    [22, 'recommended'],
    [17.9, 'allowable'],
    [27.1, 'allowable'],
    [15, 'allowable'],
    [32, 'allowable'],
    [14.9, 'out-of-range'],
    [32.1, 'out-of-range'],
  ] as const)('A1: %d °C is %s', (c, verdict) => {
    expect(checkInletTemperature(c).verdict).toBe(verdict);
  });

  it('wider classes allow more', () => {
    expect(checkInletTemperature(35, 'A2').verdict).toBe('allowable');
    expect(checkInletTemperature(40, 'A3').verdict).toBe('allowable');
    expect(checkInletTemperature(45, 'A4').verdict).toBe('allowable');
    expect(checkInletTemperature(45.5, 'A4').verdict).toBe('out-of-range');
  });
});
