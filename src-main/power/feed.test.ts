import { describe, expect, it } from 'vitest';
import { defaultOutletWiring, feedCapacity, feedSpecProblem, legBalance } from './feed';

describe('feedCapacity', () => {
  it('single phase: V × A × utilisation; W = VA × PF', () => {
    const c = feedCapacity({ voltage: 230, amperage: 16, phase: 'single', maxUtilizationPercent: 80, powerFactor: 0.9 }, 'exact');
    expect(c.availableVA).toBeCloseTo(2944, 9);
    expect(c.availableW).toBeCloseTo(2649.6, 9);
    expect(c.nameplateVA).toBe(3680);
    expect(c.continuousAmps).toBeCloseTo(12.8, 12);
    expect(c.voltageLineToLine).toBeNull();
  });

  it('defaults to 80 % and PF 0.95', () => {
    const c = feedCapacity({ voltage: 120, amperage: 15, phase: 'single' });
    expect(c.maxUtilizationPercent).toBe(80);
    expect(c.availableVA).toBe(1440);
    expect(c.powerFactor).toBe(0.95);
    expect(c.availableW).toBe(1368);
  });

  it('three phase line-to-line: NetBox mode uses 1.732 and rounds; exact mode uses √3', () => {
    const spec = { voltage: 208, amperage: 30, phase: 'three' as const };
    expect(feedCapacity(spec, 'netbox').availableVA).toBe(8646);
    expect(feedCapacity(spec, 'exact').availableVA).toBeCloseTo(8646.398, 3);
    // POWER_FACTS §5: NEMA L21-30P 10.81 kVA nameplate, 8.65 at 80 %.
    expect(feedCapacity(spec, 'exact').nameplateVA / 1000).toBeCloseTo(10.81, 2);
  });

  it('three phase line-to-neutral: 3 × V_LN × A (issue #8738), the same circuit as √3 × V_LL', () => {
    const ln = feedCapacity({ voltage: 230, amperage: 32, phase: 'three', voltageType: 'line-to-neutral', maxUtilizationPercent: 100 }, 'exact');
    expect(ln.availableVA).toBe(22080); // POWER_FACTS §5: IEC 60309 3P+N+E 32 A = 22.08 kVA
    expect(ln.voltageLineToLine).toBeCloseTo(398.37, 2);
    const ll = feedCapacity({ voltage: 230 * Math.sqrt(3), amperage: 32, phase: 'three', maxUtilizationPercent: 100 }, 'exact');
    expect(ll.availableVA).toBeCloseTo(ln.availableVA, 6);
    // What NetBox stores when someone types the phase voltage: 230 × 32 × 1.732.
    expect(feedCapacity({ voltage: 230, amperage: 32, phase: 'three', maxUtilizationPercent: 100 }, 'netbox').availableVA).toBe(12748);
  });

  it('DC: |V|, power factor 1', () => {
    const c = feedCapacity({ voltage: -48, amperage: 60, phase: 'single', supply: 'dc', powerFactor: 0.5 });
    expect(c.availableVA).toBe(2304);
    expect(c.availableW).toBe(2304);
    expect(c.powerFactor).toBe(1);
  });

  it.each([
    [{ voltage: 0, amperage: 10, phase: 'single' as const }, /non-zero/],
    [{ voltage: -230, amperage: 10, phase: 'single' as const }, /negative voltage/],
    [{ voltage: 230, amperage: 0, phase: 'single' as const }, /amperage/],
    [{ voltage: 230, amperage: 10, phase: 'single' as const, maxUtilizationPercent: 0 }, /utilization/],
    [{ voltage: 230, amperage: 10, phase: 'single' as const, maxUtilizationPercent: 101 }, /utilization/],
    [{ voltage: 48, amperage: 10, phase: 'three' as const, supply: 'dc' as const }, /DC/],
    [{ voltage: 230, amperage: 10, phase: 'single' as const, powerFactor: 1.2 }, /power factor/],
  ])('refuses an impossible feed %#', (spec, why) => {
    expect(feedSpecProblem(spec)).toMatch(why);
    expect(() => feedCapacity(spec)).toThrow(RangeError);
  });
});

describe('outlet wiring and leg balance', () => {
  const nA208 = feedCapacity({ voltage: 208, amperage: 30, phase: 'three', powerFactor: 1 }, 'exact');
  const eu400 = feedCapacity({ voltage: 400, amperage: 32, phase: 'three', powerFactor: 1 }, 'exact');
  const eu230 = feedCapacity({ voltage: 230, amperage: 32, phase: 'three', voltageType: 'line-to-neutral', powerFactor: 1 }, 'exact');

  it('defaults: 208 V L-L is delta (outlets across lines), 400 V L-L and any L-N entry are wye', () => {
    expect(defaultOutletWiring(nA208)).toBe('line-to-line');
    expect(defaultOutletWiring(eu400)).toBe('line-to-neutral');
    expect(defaultOutletWiring(eu230)).toBe('line-to-neutral');
  });

  it('wye: each leg is one line; current = VA / V_LN', () => {
    const b = legBalance(eu230, { A: 2300, B: 4600, C: 0 });
    expect(b.lines.map((l) => l.amps)).toEqual([10, 20, 0]);
    expect(b.lines[0]!.capacityAmps).toBeCloseTo(25.6, 12);
    expect(b.imbalancePercent).toBeCloseTo(100, 9); // mean 10 A, max 20 A
  });

  it('delta: a balanced load draws √3 × the branch current on every line', () => {
    const b = legBalance(nA208, { A: 2080, B: 2080, C: 2080 }); // 10 A per branch
    for (const l of b.lines) expect(l.amps).toBeCloseTo(10 * Math.sqrt(3), 9);
    expect(b.imbalancePercent).toBeCloseTo(0, 9);
  });

  it('delta: one loaded branch shows on its two lines only (Raritan example shape)', () => {
    const b = legBalance(nA208, { A: 2080, B: 0, C: 0 });
    expect(b.lines.map((l) => l.amps)).toEqual([10, 10, 0]);
  });

  it('a line over its continuous limit reports the amps and the VA to move', () => {
    // Wye 230 V, 25.6 A continuous; 30 A on L1 → 4.4 A = 1012 VA over.
    const b = legBalance(eu230, { A: 6900, B: 0, C: 0 });
    expect(b.lines[0]!.missingAmps).toBeCloseTo(4.4, 9);
    expect(b.lines[0]!.missingVA).toBeCloseTo(1012, 6);
    expect(b.lines[1]!.missingAmps).toBe(0);
  });

  it('delta: the VA to shed brings the line exactly to its limit', () => {
    const cap = nA208; // 24 A continuous
    const b = legBalance(cap, { A: 208 * 20, B: 0, C: 208 * 10 }); // L1 = √(400 + 100 + 200) = 26.46 A
    const l1 = b.lines[0]!;
    expect(l1.amps).toBeCloseTo(Math.sqrt(700), 9);
    const after = legBalance(cap, { A: 208 * 20 - l1.missingVA, B: 0, C: 208 * 10 });
    expect(after.lines[0]!.amps).toBeCloseTo(24, 9);
  });

  it('refuses a single-phase feed', () => {
    expect(() => legBalance(feedCapacity({ voltage: 230, amperage: 16, phase: 'single' }), { A: 1, B: 0, C: 0 })).toThrow(RangeError);
  });
});
