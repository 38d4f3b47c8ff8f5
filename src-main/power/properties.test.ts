/**
 * Property tests over random site plans: budgets add up, nothing in a report
 * is negative, and more load (watts, kilograms) never makes a capacity
 * verdict better. (Half-to-even rounding against a reference is in
 * rounding.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateSitePlan, type PlanReport } from './plan';
import type { PlanDeviceInput, PlanFeedInput, SitePlanInput } from './plan-schema';
import { shippedCatalogue } from './test-support';
import { CAPACITY_CODES, type Violation } from './validation';

const cat = shippedCatalogue();

const feedArb = (rack: string, side: 'A' | 'B', n: number): fc.Arbitrary<PlanFeedInput> =>
  fc.oneof(
    fc.record({ amperage: fc.constantFrom(10, 16, 20, 32) }).map(({ amperage }) => ({ id: `${rack}-${side}${n}`, rack, side, phase: 'single' as const, voltage: 230, amperage })),
    fc.record({ amperage: fc.constantFrom(16, 32), voltage: fc.constantFrom(208, 400) }).map(({ amperage, voltage }) => ({ id: `${rack}-${side}${n}`, rack, side, phase: 'three' as const, voltage, amperage })),
  );

const rackArb = (r: number): fc.Arbitrary<{ rack: SitePlanInput['racks'][number]; feeds: PlanFeedInput[] }> =>
  fc
    .tuple(fc.array(feedArb(`r${r}`, 'A', 0), { minLength: 1, maxLength: 1 }), fc.array(feedArb(`r${r}`, 'B', 0), { maxLength: 1 }), fc.integer({ min: 0, max: 8 }))
    .chain(([a, b, n]) => {
      const feeds = [...a, ...b];
      const device = (i: number): fc.Arbitrary<PlanDeviceInput> =>
        fc
          .record({
            typ: fc.integer({ min: 0, max: 1500 }),
            extra: fc.integer({ min: 0, max: 800 }),
            kg: fc.integer({ min: 0, max: 120 }),
            cords: fc.subarray(feeds, { maxLength: Math.min(2, feeds.length) }),
            legs: fc.array(fc.constantFrom(undefined, 'A' as const, 'B' as const, 'C' as const), { minLength: 2, maxLength: 2 }),
          })
          .map(({ typ, extra, kg, cords, legs }) => ({
            id: `r${r}-d${i}`,
            ref: 'arista-dcs-7050sx3-48yc8',
            position: i + 1,
            weightKg: kg,
            draw: { typicalW: typ, maxW: typ + extra },
            power: cords.map((f, k) => (f.phase === 'three' && legs[k] ? { feed: f.id, leg: legs[k] } : { feed: f.id })),
          }));
      return fc.tuple(...Array.from({ length: n }, (_, i) => device(i))).map((devices) => ({
        rack: { id: `r${r}`, model: 'conteg-ri7-42-60-100', maxLoadKg: 400, devices },
        feeds,
      }));
    });

const planArb: fc.Arbitrary<SitePlanInput> = fc
  .record({
    racks: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }).chain((xs) => fc.tuple(...xs.map((_, r) => rackArb(r)))),
    pf: fc.constantFrom(0.8, 0.9, 0.95, 1),
    basis: fc.constantFrom('max' as const, 'typical' as const),
    mode: fc.constantFrom('exact' as const, 'netbox' as const),
    ups: fc.option(
      fc.record({
        redundancy: fc.constantFrom('N' as const, 'N+1' as const, '2N' as const),
        n: fc.integer({ min: 1, max: 3 }),
        wh: fc.integer({ min: 100, max: 5000 }),
      }),
      { nil: undefined },
    ),
    generatorKW: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    coolingKW: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    panel: fc.boolean(),
    panelA: fc.constantFrom(10, 16, 32),
  })
  .map(({ racks, pf, basis, mode, ups, generatorKW, coolingKW, panel, panelA }) => {
    const feeds = racks.flatMap((r) => r.feeds).map((f) => (panel ? { ...f, panel: `p-${f.side}` } : f));
    return {
      schema: 'cairn-site-plan/v1' as const,
      name: 'random',
      settings: { powerFactor: pf, budgetBasis: basis, capacityMode: mode },
      racks: racks.map((r) => r.rack),
      feeds,
      panels: panel
        ? [
            { id: 'p-A', phase: 'three' as const, voltage: 400, mainBreakerA: panelA },
            { id: 'p-B', phase: 'three' as const, voltage: 400, mainBreakerA: panelA },
          ]
        : [],
      ...(ups
        ? {
            ups: {
              id: 'u',
              ratingVA: 5000,
              ratingW: 4500,
              redundancy: ups.redundancy,
              modules: ups.redundancy === 'N' ? ups.n : ups.redundancy === 'N+1' ? ups.n + 1 : 2 * ups.n,
              batteryWhPerModule: ups.wh,
            },
          }
        : {}),
      ...(generatorKW ? { generator: { ratingKW: generatorKW } } : {}),
      ...(coolingKW ? { cooling: { capacityKW: coolingKW } } : {}),
    };
  });

function evaluate(plan: SitePlanInput): PlanReport {
  const r = evaluateSitePlan(plan, cat);
  if (!r.ok) throw new Error(`generated plan rejected: ${JSON.stringify(r.error)}`);
  return r.report;
}

const close = (a: number, b: number, terms: number): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(0.005 * (terms + 1) + 1e-9);

describe('budgets (properties)', () => {
  it('add up: devices → racks → site, and feed loads → powered devices, in normal operation', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const r = evaluate(plan);
        for (const rack of r.racks) {
          const mine = r.devices.filter((d) => d.rack === rack.id);
          close(rack.power.basisW, mine.reduce((a, d) => a + d.basisW, 0), mine.length);
          close(rack.power.typicalW, mine.reduce((a, d) => a + d.typicalW, 0), mine.length);
          close(rack.power.maxW, mine.reduce((a, d) => a + d.maxW, 0), mine.length);
          close(rack.weight.installedKg, mine.reduce((a, d) => a + d.weightKg, 0), mine.length);
          expect(rack.power.typicalW).toBeLessThanOrEqual(rack.power.maxW);
          close(rack.space.usedU + rack.space.freeU, rack.space.totalU, 0);
        }
        close(r.site.basisW, r.racks.reduce((a, k) => a + k.power.basisW, 0), r.racks.length);
        const powered = r.devices.filter((d) => d.inputs.length > 0);
        close(
          r.feeds.reduce((a, f) => a + f.normal.w, 0),
          powered.reduce((a, d) => a + d.basisW, 0),
          r.feeds.length + powered.length,
        );
        for (const f of r.feeds) {
          // headroom − shortfall = available − load, and exactly one of them is non-zero (or both zero).
          close(f.normal.headroomVA - f.normal.shortfallVA, f.availableVA - f.normal.va, 3);
          expect(f.normal.headroomVA === 0 || f.normal.shortfallVA === 0).toBe(true);
        }
        for (const p of r.panels) {
          const mine = r.feeds.filter((f) => f.panel === p.id);
          close(p.normal.va, mine.reduce((a, f) => a + f.normal.va, 0), mine.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('are never negative, and every shortfall reported is positive', () => {
    const walk = (x: unknown, key: string, bad: string[]): void => {
      if (typeof x === 'number') {
        if (!['voltage', 'inletC'].includes(key) && !(x >= 0)) bad.push(`${key}=${x}`);
      } else if (Array.isArray(x)) x.forEach((v) => walk(v, key, bad));
      else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) walk(v, k, bad);
    };
    fc.assert(
      fc.property(planArb, (plan) => {
        const r = evaluate(plan);
        const bad: string[] = [];
        walk(r, '$', bad);
        expect(bad).toEqual([]);
        for (const v of r.violations) for (const m of Object.values(v.missing ?? {})) expect(m).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});

/** A violation's identity across two runs: code, path and message with the numbers taken out. */
const key = (v: Violation): string => `${v.code}|${v.path}|${v.message.replace(/\d[\d,.]*/g, '#')}`;

describe('more load never makes a verdict better (property)', () => {
  it('raising one device’s draw and weight keeps every capacity violation, with at least the same shortfall', () => {
    fc.assert(
      fc.property(
        planArb.filter((p) => p.racks.some((r) => (r.devices ?? []).length > 0)),
        fc.nat(),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 200 }),
        (plan, pick, dw, dkg) => {
          const all = plan.racks.flatMap((r, ri) => (r.devices ?? []).map((_, di) => [ri, di] as const));
          const [ri, di] = all[pick % all.length]!;
          const heavier: SitePlanInput = structuredClone(plan);
          const d = heavier.racks[ri]!.devices![di]!;
          d.draw = { typicalW: (d.draw!.typicalW ?? 0) + dw, maxW: (d.draw!.maxW ?? 0) + dw };
          d.weightKg = (d.weightKg ?? 0) + dkg;

          const before = evaluate(plan).violations.filter((v) => CAPACITY_CODES.includes(v.code));
          const afterReport = evaluate(heavier);
          const after = new Map<string, Violation[]>();
          for (const v of afterReport.violations) after.set(key(v), [...(after.get(key(v)) ?? []), v]);
          for (const v of before) {
            const same = after.get(key(v));
            expect(same, `${key(v)} disappeared with more load`).toBeDefined();
            for (const [unit, was] of Object.entries(v.missing ?? {})) {
              const now = Math.max(...same!.map((s) => (s.missing as Record<string, number> | undefined)?.[unit] ?? 0));
              expect(now, `${key(v)} ${unit}`).toBeGreaterThanOrEqual(was);
            }
          }
          if (afterReport.violations.filter((v) => CAPACITY_CODES.includes(v.code)).length === 0) expect(before).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the plan generator', () => {
  it('produces clean plans and every kind of capacity violation, so the properties above are not vacuous', () => {
    const seen = new Map<string, number>();
    let clean = 0;
    for (const plan of fc.sample(planArb, { numRuns: 400, seed: 42 })) {
      const r = evaluate(plan);
      if (r.violations.length === 0) clean++;
      for (const v of r.violations) seen.set(v.code, (seen.get(v.code) ?? 0) + 1);
    }
    expect(clean).toBeGreaterThan(0);
    for (const code of ['feed-overload', 'failover-overload', 'line-overload', 'panel-overload', 'rack-overweight', 'ups-undersized', 'ups-runtime-short', 'generator-undersized', 'cooling-insufficient']) {
      expect(seen.get(code) ?? 0, code).toBeGreaterThan(0);
    }
  });
});
