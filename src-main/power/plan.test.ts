import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateSitePlan, evaluateSitePlanText, type PlanReport } from './plan';
import type { PlanFeedInput, SitePlanInput } from './plan-schema';
import { loadDevice, onePlan, shippedCatalogue, singlePhaseFeed } from './test-support';
import type { Violation } from './validation';

const cat = shippedCatalogue();

function report(plan: SitePlanInput): PlanReport {
  const r = evaluateSitePlan(plan, cat);
  if (!r.ok) throw new Error(`plan rejected: ${JSON.stringify(r.error)}`);
  return r.report;
}
const codes = (r: PlanReport): string[] => r.violations.map((v) => v.code);
const only = (r: PlanReport, code: string): Violation[] => r.violations.filter((v) => v.code === code);

const AB = (amperage: number, extra: Partial<PlanFeedInput> = {}) => [singlePhaseFeed('fa', 'r1', 'A', amperage, extra), singlePhaseFeed('fb', 'r1', 'B', amperage, extra)];
const cordsAB = [{ feed: 'fa' }, { feed: 'fb' }];

describe('A/B failover (the check NetBox never makes)', () => {
  // Two 230 V 16 A feeds at 80 %: 2944 VA each, 5888 VA together. 3000 W at PF 1.
  const plan = onePlan([loadDevice('d1', 1, 1800, cordsAB), loadDevice('d2', 2, 1200, cordsAB)], AB(16));

  it('a rack that fits on A+B but not on one feed is flagged, both directions, with the exact missing W', () => {
    const r = report(plan);
    expect(r.racks[0]!.power).toMatchObject({ basisW: 3000, availableVA: 5888, availableVAOneSide: 2944, redundant: true, shortfallVA: 56, headroomVA: 0 });
    // NetBox's rack utilisation sums A and B and would show a comfortable 51 %.
    expect(r.racks[0]!.power.netboxUtilisationPercent).toBe(51);
    expect(codes(r)).toEqual(['failover-overload', 'failover-overload']);
    const [whenBLost, whenALost] = only(r, 'failover-overload'); // in feed order: fa, then fb
    expect(whenALost).toMatchObject({ severity: 'error', path: '$.feeds[1]', missing: { w: 56, va: 56, a: 0.24 } });
    expect(whenALost!.message).toMatch(/feed fb .* when side A is lost/);
    expect(whenBLost).toMatchObject({ path: '$.feeds[0]', missing: { w: 56, va: 56, a: 0.24 } });
    expect(whenBLost!.message).toMatch(/feed fa .* when side B is lost/);
    expect(r.feeds[0]!.normal).toMatchObject({ w: 1500, va: 1500, utilisationPercent: 51 });
    expect(r.feeds[0]!.worstFailover).toMatchObject({ scenario: 'side-B-lost', w: 3000, shortfallVA: 56 });
    expect(r.ok).toBe(false);
  });

  it('the same rack on 20 A feeds passes', () => {
    const r = report(onePlan(plan.racks[0]!.devices!, AB(20)));
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.racks[0]!.power.headroomVA).toBe(680); // 3680 − 3000
  });

  it('missing W follows the power factor: VA short × PF', () => {
    const r = report({ ...plan, settings: { powerFactor: 0.95 } });
    // 3000 W / 0.95 = 3157.89 VA on one feed of 2944 VA.
    expect(only(r, 'failover-overload')[0]!.missing).toEqual({ w: 203.2, va: 213.89, a: 0.93 });
  });

  it('NetBox capacity mode gives the same integers for this single-phase case', () => {
    const r = report({ ...plan, settings: { powerFactor: 1, capacityMode: 'netbox' } });
    expect(r.feeds[0]!.availableVA).toBe(2944);
    expect(only(r, 'failover-overload')[0]!.missing!.w).toBe(56);
  });

  it('a device corded to one side only is flagged and drops out when that side is lost', () => {
    const r = report(onePlan([loadDevice('d1', 1, 1000, cordsAB), loadDevice('d2', 2, 500, [{ feed: 'fa' }, { feed: 'fa' }])], AB(16)));
    expect(only(r, 'single-path-device')).toEqual([
      expect.objectContaining({ severity: 'warning', path: '$.racks[0].devices[1].power', message: expect.stringMatching(/side A only/) }),
    ]);
    expect(r.feeds[1]!.worstFailover).toMatchObject({ scenario: 'side-A-lost', w: 1000 });
    expect(r.feeds[0]!.worstFailover).toMatchObject({ scenario: 'side-B-lost', w: 1500 });
  });

  it('a rack on one side only gets a note, not a failover check', () => {
    const r = report(onePlan([loadDevice('d1', 1, 1000, [{ feed: 'fa' }])], [singlePhaseFeed('fa', 'r1', 'A', 16)]));
    expect(r.violations).toEqual([]);
    expect(r.site.scenarios).toEqual(['normal']);
    expect(r.notes.join('\n')).toMatch(/one side: no A\/B failover check/);
  });
});

describe('feed and panel budgets', () => {
  it('normal-operation overload reports W, VA and A short', () => {
    const r = report(onePlan([loadDevice('d1', 1, 3000, [{ feed: 'fa' }])], [singlePhaseFeed('fa', 'r1', 'A', 16)]));
    expect(only(r, 'feed-overload')).toEqual([expect.objectContaining({ path: '$.feeds[0]', missing: { w: 56, va: 56, a: 0.24 } })]);
  });

  it('a device with draw and no cord is an error (its load would go uncounted)', () => {
    const r = report(onePlan([loadDevice('d1', 1, 250, [])], AB(16)));
    expect(only(r, 'unpowered-device')).toEqual([expect.objectContaining({ path: '$.racks[0].devices[0].power', missing: { w: 250 } })]);
  });

  it('a breaker above the circuit rating is refused; below it, it limits the feed', () => {
    const over = report(onePlan([loadDevice('d1', 1, 100, cordsAB)], AB(16, { breaker: { ratingA: 20, poles: 1 } })));
    expect(only(over, 'breaker-mismatch')[0]).toMatchObject({ path: '$.feeds[0].breaker.ratingA', missing: { a: 4 } });
    const under = report(onePlan([loadDevice('d1', 1, 100, cordsAB)], AB(32, { breaker: { ratingA: 16, poles: 2 } })));
    expect(under.feeds[0]).toMatchObject({ effectiveAmperage: 16, limitedBy: 'breaker', availableVA: 2944 });
  });

  it('a PDU limits the feed it sits on, and a PDU of the wrong phase is refused', () => {
    const devices = [loadDevice('d1', 1, 100, cordsAB), { id: 'pdu-a', ref: 'apc-ap8853', position: null, power: [] }, { id: 'pdu-3ph', ref: 'apc-ap8886', position: null, power: [] }];
    const r = report(onePlan(devices, [singlePhaseFeed('fa', 'r1', 'A', 63, { pdu: 'pdu-a' }), singlePhaseFeed('fb', 'r1', 'B', 32, { pdu: 'pdu-3ph' })]));
    expect(r.feeds[0]).toMatchObject({ effectiveAmperage: 32, limitedBy: 'pdu' });
    expect(only(r, 'pdu-mismatch')).toEqual([expect.objectContaining({ path: '$.feeds[1].pdu', message: expect.stringMatching(/three-phase PDU on a single-phase feed/) })]);
  });

  it('panels: the surviving panel carries both sides when one is lost', () => {
    const panels = [
      { id: 'pa', phase: 'single' as const, voltage: 230, mainBreakerA: 20 },
      { id: 'pb', phase: 'single' as const, voltage: 230, mainBreakerA: 20 },
    ];
    const feeds = [singlePhaseFeed('fa', 'r1', 'A', 32, { panel: 'pa' }), singlePhaseFeed('fb', 'r1', 'B', 32, { panel: 'pb' })];
    const r = report({ ...onePlan([loadDevice('d1', 1, 4000, cordsAB)], feeds), panels });
    // 230 × 20 × 0.8 = 3680 VA per panel: 2000 normally, 4000 when the other side is lost.
    expect(r.panels[0]).toMatchObject({ availableVA: 3680, normal: { va: 2000 }, worst: { scenario: 'side-B-lost', va: 4000 }, shortfallVA: 320 });
    expect(only(r, 'panel-overload').map((v) => [v.path, v.missing])).toEqual([
      ['$.panels[0]', { w: 320, va: 320, a: 1.39 }],
      ['$.panels[1]', { w: 320, va: 320, a: 1.39 }],
    ]);
  });

  it('DC feeds: |V|, and W = VA', () => {
    const feeds = [singlePhaseFeed('fa', 'r1', 'A', 60, { supply: 'dc', voltage: -48 }), singlePhaseFeed('fb', 'r1', 'B', 60, { supply: 'dc', voltage: -48 })];
    const r = report({ ...onePlan([loadDevice('d1', 1, 2400, cordsAB)], feeds), settings: { powerFactor: 0.9 } });
    expect(r.feeds[0]).toMatchObject({ availableVA: 2304, availableW: 2304 });
    expect(only(r, 'failover-overload')[0]!.missing).toEqual({ w: 96, va: 96, a: 2 });
  });

  it('budget basis typical uses the typical draw', () => {
    const d = { ...loadDevice('d1', 1, 0, cordsAB), draw: { typicalW: 1000, maxW: 3000 } };
    const r = report({ ...onePlan([d], AB(16)), settings: { powerFactor: 1, budgetBasis: 'typical' } });
    expect(r.violations).toEqual([]);
    expect(r.racks[0]!.power).toMatchObject({ typicalW: 1000, maxW: 3000, basisW: 1000 });
    expect(codes(report({ ...onePlan([d], AB(16)), settings: { powerFactor: 1, budgetBasis: 'max' } }))).toContain('failover-overload');
  });
});

describe('three-phase legs', () => {
  // 400 V line-to-line, so outlets are line-to-neutral (230.9 V); 16 A × 80 % = 12.8 A continuous per line.
  const feeds = [
    { id: 'fa', rack: 'r1', side: 'A' as const, phase: 'three' as const, voltage: 400, amperage: 16 },
    { id: 'fb', rack: 'r1', side: 'B' as const, phase: 'three' as const, voltage: 400, amperage: 16 },
  ];

  it('balanced legs pass; imbalance over the limit warns; an unassigned cord warns', () => {
    const balanced = ['A', 'B', 'C'].map((leg, i) =>
      loadDevice(`d${i}`, i + 1, 1000, [
        { feed: 'fa', leg: leg as 'A' },
        { feed: 'fb', leg: leg as 'A' },
      ]),
    );
    const ok = report(onePlan(balanced, feeds));
    expect(ok.violations).toEqual([]);
    expect(ok.feeds[0]!.normal.imbalancePercent).toBe(0);
    expect(ok.feeds[0]!.normal.lines!.map((l) => l.amps)).toEqual([2.17, 2.17, 2.17]);
    expect(ok.feeds[0]!.normal.legs).toEqual(['A', 'B', 'C'].map((leg) => ({ leg, va: 500, amps: 2.17 })));
    expect(ok.feeds[0]!.normal.lines![0]!.capacityAmps).toBe(12.8);

    const lopsided = report(onePlan([loadDevice('d0', 1, 1000, [{ feed: 'fa', leg: 'A' }, { feed: 'fb', leg: 'A' }])], feeds));
    expect(only(lopsided, 'phase-imbalance').map((v) => v.path)).toEqual(['$.feeds[0]', '$.feeds[1]']);
    expect(only(lopsided, 'phase-imbalance')[0]!.severity).toBe('warning');

    const unassigned = report(onePlan([loadDevice('d0', 1, 900, [{ feed: 'fa' }, { feed: 'fb', leg: 'B' }])], feeds));
    expect(only(unassigned, 'leg-unassigned')).toEqual([expect.objectContaining({ path: '$.racks[0].devices[0].power[0].leg' })]);
  });

  it('one overloaded line is an error with the amps and watts to move, though the feed total fits', () => {
    // 3 kW on leg A at PF 1: 12.99 A on L1 (limit 12.8 A); the feed (8.87 kVA) is far from full.
    const r = report(onePlan([loadDevice('d0', 1, 3000, [{ feed: 'fa', leg: 'A' }, { feed: 'fb', leg: 'A' }])], feeds));
    const lines = only(r, 'line-overload');
    expect(lines.map((v) => [v.path, v.message.match(/when side . is lost/)?.[0]])).toEqual([
      ['$.feeds[0]', 'when side B is lost'],
      ['$.feeds[1]', 'when side A is lost'],
    ]);
    const vln = 400 / Math.sqrt(3);
    expect(lines[0]!.missing!.a).toBe(Math.round((3000 / vln - 12.8) * 100) / 100);
    expect(lines[0]!.missing!.w).toBe(Math.round((3000 - 12.8 * vln) * 100) / 100);
    expect(codes(r)).not.toContain('failover-overload');
  });
});

describe('rack space and weight in a plan', () => {
  it('overlap, out of range, zero-U with a position, unplaced: each a violation with the path and missing U', () => {
    const devices = [
      loadDevice('a', 10, 100, cordsAB),
      loadDevice('b', 10, 100, cordsAB),
      { ...loadDevice('c', 42, 100, cordsAB), ref: 'pool-host-epyc-9254', draw: { typicalW: 100, maxW: 100 } },
      { id: 'pdu', ref: 'apc-ap8853', position: 3, power: [] },
      loadDevice('e', null, 100, cordsAB),
    ];
    const r = report(onePlan(devices, AB(32)));
    expect(r.violations.map((v) => [v.code, v.path, v.missing])).toEqual([
      ['rack-overlap', '$.racks[0].devices[1].position', { u: 1 }],
      ['rack-out-of-range', '$.racks[0].devices[2].position', { u: 1 }],
      ['rack-placement', '$.racks[0].devices[3].position', undefined],
      ['rack-placement', '$.racks[0].devices[4].position', undefined],
    ]);
  });

  it('overweight reports the kilograms over the rack rating', () => {
    const devices = Array.from({ length: 4 }, (_, i) => ({ ...loadDevice(`d${i}`, 1 + i, 10, cordsAB), weightKg: 60 }));
    const r = report(onePlan(devices, AB(32), {}, { maxLoadKg: 200 }));
    expect(only(r, 'rack-overweight')).toEqual([expect.objectContaining({ path: '$.racks[0]', missing: { kg: 40 } })]);
    expect(r.racks[0]!.weight).toMatchObject({ installedKg: 240, maxLoadKg: 200, shortfallKg: 40, rackKg: 108, totalKg: 348 });
  });
});

describe('UPS, generator, cooling', () => {
  const base = onePlan([loadDevice('d1', 1, 3000, cordsAB)], AB(32));

  it('an undersized UPS reports the W and VA missing after its redundancy is spent', () => {
    const r = report({ ...base, ups: { id: 'u', ratingVA: 3000, ratingW: 2700, modules: 2, redundancy: 'N+1', batteryWhPerModule: 2000 } });
    // 3000 W at 80 % loading → 3750 W / 3750 VA needed; one module (2700 W / 3000 VA) left after N+1.
    expect(only(r, 'ups-undersized')[0]).toMatchObject({ path: '$.ups.modules', missing: { w: 1050, va: 750 } });
    expect(r.ups!.modulesRequired).toEqual({ N: 2, 'N+1': 3, '2N': 4 });
  });

  it('short runtime reports the load to shed', () => {
    const r = report({ ...base, ups: { id: 'u', ratingVA: 10_000, ratingW: 10_000, modules: 1, redundancy: 'N', batteryWhPerModule: 400, efficiency: 1, targetRuntimeMinutes: 10 } });
    // 400 Wh lasts 10 min at 2400 W: 600 W too many.
    expect(only(r, 'ups-runtime-short')[0]).toMatchObject({ missing: { w: 600 } });
    expect(r.ups!.runtime.degradedMinutes).toBe(8);
  });

  it('a catalogue UPS brings its ratings and says when the W rating is unverified', () => {
    const r = report({ ...base, ups: { id: 'u', ref: 'apc-srt5krmxli', modules: 2, redundancy: '2N', batteryWhPerModule: 3000 } });
    expect(r.ups).toMatchObject({ moduleVA: 5000, moduleW: 4500, ratingEstimated: true, usableW: 4500, designW: 3750 });
    expect(r.notes.join('\n')).toMatch(/unverified/);
    expect(r.violations).toEqual([]);
  });

  it('the generator must cover 1.25 × the UPS-backed load', () => {
    const r = report({ ...base, ups: { id: 'u', ratingVA: 10_000, ratingW: 10_000, modules: 1, redundancy: 'N', batteryWhPerModule: 5000 }, generator: { ratingKVA: 4 } });
    expect(r.generator).toMatchObject({ recommendedKW: 3.75, recommendedKVA: 4.69, ratedKW: 3.2 });
    expect(only(r, 'generator-undersized')[0]).toMatchObject({ path: '$.generator', missing: { w: 550 } });
  });

  it('cooling: missing BTU/hr and W; UPS losses count as heat in the room', () => {
    const r = report({ ...base, cooling: { capacityKW: 2.5 } });
    expect(only(r, 'cooling-insufficient')[0]).toMatchObject({ path: '$.cooling', missing: { btuPerHour: 1706.07, w: 500 } });
    const withUps = report({ ...base, ups: { id: 'u', ratingVA: 10_000, ratingW: 10_000, modules: 1, redundancy: 'N', batteryWhPerModule: 5000, efficiency: 0.75 }, cooling: { capacityKW: 5 } });
    expect(withUps.cooling!.heatW).toBe(4000);
  });

  it('inlet temperature: outside recommended warns, outside allowable is an error', () => {
    expect(only(report({ ...base, cooling: { capacityKW: 10, designInletC: 29 } }), 'inlet-temperature')[0]!.severity).toBe('warning');
    expect(only(report({ ...base, cooling: { capacityKW: 10, designInletC: 33 } }), 'inlet-temperature')[0]!.severity).toBe('error');
    expect(only(report({ ...base, cooling: { capacityKW: 10, designInletC: 33, ashraeClass: 'A2' } }), 'inlet-temperature')[0]!.severity).toBe('warning');
    expect(report({ ...base, cooling: { capacityKW: 10, designInletC: 24 } }).violations).toEqual([]);
  });
});

describe('bad input comes back as a typed validation error with the JSON path', () => {
  const good = onePlan([loadDevice('d1', 1, 100, cordsAB)], AB(16));
  const errorOf = (plan: unknown) => {
    const r = evaluateSitePlan(plan, cat);
    if (r.ok) throw new Error('accepted');
    return r.error;
  };

  const BAD: [unknown, string, RegExp][] = [
    [{ ...good, racks: [{ ...good.racks[0]!, devices: [{ ...good.racks[0]!.devices![0]!, ref: 'nope' }] }] }, '$.racks[0].devices[0].ref', /no device "nope"/],
    [{ ...good, racks: [{ ...good.racks[0]!, devices: [{ ...good.racks[0]!.devices![0]!, position: 1.25 }] }] }, '$.racks[0].devices[0].position', /0\.5 U/],
    [{ ...good, racks: [{ ...good.racks[0]!, model: 'rack-99u' }] }, '$.racks[0].model', /no rack model/],
    [{ ...good, feeds: [...good.feeds!, singlePhaseFeed('fa', 'r1', 'B', 16)] }, '$.feeds[2].id', /duplicate feed id/],
    [{ ...good, feeds: [singlePhaseFeed('fa', 'r2', 'A', 16), good.feeds![1]!] }, '$.feeds[0].rack', /no rack "r2"/],
    [{ ...good, racks: [{ ...good.racks[0]!, devices: [loadDevice('d1', 1, 1, [{ feed: 'fa', leg: 'A' }])] }] }, '$.racks[0].devices[0].power[0].leg', /single-phase/],
    [{ ...good, racks: [{ ...good.racks[0]!, devices: [loadDevice('d1', 1, 1, [{ feed: 'fz' }])] }] }, '$.racks[0].devices[0].power[0].feed', /no feed "fz"/],
    [{ ...good, feeds: [singlePhaseFeed('fa', 'r1', 'A', 16, { voltage: -230 }), good.feeds![1]!] }, '$.feeds[0].voltage', /negative voltage/],
    [{ ...good, feeds: [singlePhaseFeed('fa', 'r1', 'A', 16, { supply: 'dc', phase: 'three' }), good.feeds![1]!] }, '$.feeds[0].phase', /DC/],
    [{ ...good, feeds: [singlePhaseFeed('fa', 'r1', 'A', 16, { breaker: { ratingA: 16, poles: 3 } }), good.feeds![1]!] }, '$.feeds[0].breaker.poles', /1 or 2-pole/],
    [{ ...good, ups: { id: 'u', ref: 'apc-ap8853', modules: 1, redundancy: 'N', batteryWhPerModule: 1 } }, '$.ups.ref', /not a UPS/],
    [{ ...good, ups: { id: 'u', ratingVA: 1, ratingW: 1, modules: 3, redundancy: '2N', batteryWhPerModule: 1 } }, '$.ups.modules', /even/],
    [{ ...good, cooling: { capacityKW: 1, capacityBtuPerHour: 3412 } }, '$.cooling.capacityKW', /exactly one/],
    [{ ...good, schema: 'cairn-site-plan/v2' }, '$.schema', /.+/],
    [{ ...good, extra: true }, '$', /extra/],
    [{ ...good, racks: [] }, '$.racks', /.+/],
  ];

  it.each(BAD.map(([plan, path, message]) => [path, plan, message] as const))('%s', (path, plan, message) => {
    const e = errorOf(plan);
    expect(e.code).toBe('invalid-plan');
    expect(e.issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('text that is not JSON', () => {
    const r = evaluateSitePlanText('{"schema":', cat);
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid-json', issues: [{ path: '$' }] } });
  });

  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = evaluateSitePlan(v, cat);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on mutations of a valid plan (property)', () => {
    const text = JSON.stringify(good);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.constantFrom('0', '-', '"', '9', '.', 'e', ']', 'null', 'true', '{}'), (at, s) => {
        const mutated = text.slice(0, at) + s + text.slice(at + 1);
        const r = evaluateSitePlanText(mutated, cat);
        if (!r.ok) expect(['invalid-json', 'invalid-plan']).toContain(r.error.code);
      }),
      { numRuns: 1000 },
    );
  });
});
