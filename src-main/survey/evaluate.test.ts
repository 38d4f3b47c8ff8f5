/**
 * The readiness checks: ASHRAE A1 inlet bands, feed capacity from the
 * surveyed voltage (L-L vs L-N), breaker limits, one-side capacity for A/B
 * racks, heat against cooling in kW or BTU/hr, and each checklist item's
 * status with its reason.
 */
import { describe, expect, it } from 'vitest';
import { emptySurvey } from '../../src-preload/contract';
import { evaluateSurvey, feedBudget } from './evaluate';
import { sampleSurvey } from './samples';

const status = (s = sampleSurvey()) => Object.fromEntries(evaluateSurvey(s).checklist.map((c) => [c.id, c]));

describe('evaluateSurvey', () => {
  it('checks every inlet reading against ASHRAE A1', () => {
    const s = sampleSurvey();
    s.cooling.inletReadings = [17.9, 18, 27, 27.1, 32, 32.5, 14.9].map((c, i) => ({ id: `i${i}`, location: `p${i}`, rackId: null, celsius: c }));
    expect(evaluateSurvey(s).inlets.map((i) => i.verdict)).toEqual(['allowable', 'recommended', 'recommended', 'allowable', 'allowable', 'out-of-range', 'out-of-range']);
    const c = status(s).cooling!;
    expect(c.status).toBe('fail');
    expect(c.reasons).toContain('p5: 32.5 °C inlet is outside the ASHRAE A1 allowable 15–32 °C');
  });

  it('computes feed capacity from the stated voltage type and the breaker', () => {
    const f = { id: 'f', name: 'f', rackId: null, side: 'A' as const, voltage: 400, amperage: 32, phase: 'three' as const, breakerA: null, onUps: null };
    // 400 V line-to-line: √3 × 400 × 32 × 0.8 VA; the same figure stated line-to-neutral is 3 × 400 × 32 × 0.8.
    expect(feedBudget({ ...f, voltageType: 'line-to-line' }).availableVA).toBeCloseTo(Math.sqrt(3) * 400 * 32 * 0.8, 1);
    expect(feedBudget({ ...f, voltageType: 'line-to-neutral' }).availableVA).toBeCloseTo(3 * 400 * 32 * 0.8, 1);
    expect(feedBudget({ ...f, voltageType: 'line-to-line', breakerA: 16 })).toMatchObject({ effectiveA: 16 });
  });

  it('uses one side of an A/B rack as its capacity and fails a rack that needs both', () => {
    const s = sampleSurvey();
    s.racks[0]!.expectedLoadKW = 6;
    const ev = evaluateSurvey(s);
    const r1 = ev.racks.find((r) => r.id === 'r1')!;
    expect(r1.redundant).toBe(true);
    expect(r1.capacityW).toBeCloseTo(230 * 32 * 0.8 * 0.95, 1);
    const pc = ev.checklist.find((c) => c.id === 'power-capacity')!;
    expect(pc.status).toBe('fail');
    expect(pc.reasons[0]).toMatch(/Rack R1: expected 6 kW exceeds the 5\.59 kW one side can carry/);
    expect(ev.checklist.find((c) => c.id === 'redundant-power')!.reasons).toContain('Rack R2: fed from one side only (no A/B)');
  });

  it('compares heat with cooling given in BTU/hr', () => {
    const s = sampleSurvey();
    s.cooling.capacity = { value: 12_000, unit: 'BTU/hr' };
    const c = status(s).cooling!;
    expect(c.status).toBe('fail');
    expect(c.reasons[0]).toMatch(/^Expected heat 18766\.78 BTU\/hr exceeds the cooling capacity 12000 BTU\/hr by 6766\.78 BTU\/hr$/);
  });

  it('says "not surveyed" for an empty survey and passes a complete one item by item', () => {
    const empty = evaluateSurvey(emptySurvey('x')).checklist;
    expect(empty.every((c) => c.status === 'unknown')).toBe(true);
    const s = sampleSurvey();
    s.racks[1]!.clearanceFrontMm = 1000;
    s.security.cctv = true;
    s.cooling.inletReadings[1]!.celsius = 22;
    s.manual.energyEfficiency.status = 'yes';
    s.power.feeds.push({ ...s.power.feeds[2]!, id: 'r2-b', side: 'B' });
    expect(evaluateSurvey(s).checklist.map((c) => [c.id, c.status])).toEqual([
      ['rack-space', 'pass'],
      ['cabling', 'pass'],
      ['cooling', 'pass'],
      ['physical-security', 'pass'],
      ['power-capacity', 'pass'],
      ['redundant-power', 'pass'],
      ['power-management', 'pass'],
      ['energy-efficiency', 'pass'],
    ]);
  });
});
