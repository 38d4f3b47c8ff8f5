import { describe, expect, it } from 'vitest';
import { formatUnit, RackLayout, type Mountable } from './rack';

const rack42 = (maxLoadKg: number | null = 800, mountingDepthMm: number | null = null): RackLayout => new RackLayout({ uHeight: 42, maxLoadKg, mountingDepthMm });
const dev = (id: string, position: number | null, uHeight = 1, extra: Partial<Mountable> = {}): Mountable => ({
  id,
  uHeight,
  position,
  fullDepth: true,
  weightKg: 10,
  face: 'front',
  ...extra,
});

describe('placement', () => {
  it('places a device and counts its U and weight', () => {
    const r = rack42();
    expect(r.place(dev('h1', 1, 2)).ok).toBe(true);
    expect(r.usedU()).toBe(2);
    expect(r.weightKg()).toBe(10);
    expect(r.largestFreeBlockU()).toBe(40);
  });

  it('half-U devices stack exactly', () => {
    const r = rack42();
    expect(r.place(dev('a', 1, 0.5)).ok).toBe(true);
    expect(r.place(dev('b', 1.5, 0.5)).ok).toBe(true);
    expect(r.place(dev('c', 2, 1.5)).ok).toBe(true);
    expect(r.usedU()).toBe(2.5);
    expect(r.availablePositions(1)[0]).toBe(3.5);
  });

  it('refuses a position that is not a half step', () => {
    expect(rack42().place(dev('x', 1.25))).toMatchObject({ ok: false, refusal: { code: 'bad-position' } });
  });

  it('refuses out of range with the U that stick out', () => {
    const r = rack42();
    expect(r.place(dev('top', 42, 2))).toMatchObject({ ok: false, refusal: { code: 'out-of-range', missingU: 1 } });
    expect(r.place(dev('top', 41.5, 2))).toMatchObject({ ok: false, refusal: { code: 'out-of-range', missingU: 0.5 } });
    expect(r.place(dev('low', 0.5, 1))).toMatchObject({ ok: false, refusal: { code: 'out-of-range', missingU: 0.5 } });
    expect(r.place(dev('fits', 41, 2)).ok).toBe(true);
  });

  it('refuses an overlap, naming the device and the overlapping U', () => {
    const r = rack42();
    r.place(dev('h1', 10, 2));
    const res = r.place(dev('h2', 11, 2));
    expect(res).toMatchObject({ ok: false, refusal: { code: 'overlap', conflictsWith: 'h1', missingU: 1 } });
    if (!res.ok) expect(res.refusal.reason).toMatch(/overlaps "h1" by 1 U/);
  });

  it('shallow devices share a unit front and rear; full depth blocks both faces', () => {
    const r = rack42();
    expect(r.place(dev('front-sw', 20, 1, { fullDepth: false, face: 'front' })).ok).toBe(true);
    expect(r.place(dev('rear-pp', 20, 1, { fullDepth: false, face: 'rear' })).ok).toBe(true);
    expect(r.place(dev('deep', 20, 1))).toMatchObject({ ok: false, refusal: { code: 'overlap' } });
    expect(r.place(dev('front-2', 20, 1, { fullDepth: false, face: 'front' }))).toMatchObject({ ok: false, refusal: { code: 'overlap', conflictsWith: 'front-sw' } });
    expect(r.usedU()).toBe(1);
  });

  it('zero-U devices take no position; others need one', () => {
    const r = rack42();
    expect(r.place(dev('pdu', null, 0)).ok).toBe(true);
    expect(r.place(dev('pdu2', 5, 0))).toMatchObject({ ok: false, refusal: { code: 'zero-u-position' } });
    expect(r.place(dev('loose', null, 1))).toMatchObject({ ok: false, refusal: { code: 'unplaced' } });
    expect(r.usedU()).toBe(0);
  });

  it('refuses overweight with the kilograms over, unless told not to check', () => {
    const r = rack42(25);
    expect(r.place(dev('a', 1, 1, { weightKg: 20 })).ok).toBe(true);
    const res = r.place(dev('b', 2, 1, { weightKg: 7.5 }));
    expect(res).toMatchObject({ ok: false, refusal: { code: 'overweight', missingKg: 2.5 } });
    expect(r.place(dev('b', 2, 1, { weightKg: 7.5 }), { checkWeight: false }).ok).toBe(true);
  });

  it('refuses a device deeper than the rails', () => {
    expect(rack42(800, 700).place(dev('deep', 1, 2, { depthMm: 760 }))).toMatchObject({ ok: false, refusal: { code: 'too-deep' } });
  });

  it('refuses a duplicate id and frees units on removal', () => {
    const r = rack42();
    r.place(dev('a', 1));
    expect(r.place(dev('a', 5))).toMatchObject({ ok: false, refusal: { code: 'duplicate-id' } });
    expect(r.remove('a')).toBe(true);
    expect(r.usedU()).toBe(0);
    expect(r.remove('a')).toBe(false);
  });
});

describe('NetBox-compatible views', () => {
  it('unit names', () => {
    expect(formatUnit(42)).toBe('U42');
    expect(formatUnit(42.5)).toBe('U42.5');
  });

  it('descending units run bottom-up from the starting unit', () => {
    const u = new RackLayout({ uHeight: 42, descUnits: true, maxLoadKg: null, mountingDepthMm: null }).units();
    expect(u[0]).toEqual({ id: 1, name: 'U1' });
    expect(u.at(-1)).toEqual({ id: 42.5, name: 'U42.5' });
  });

  it('empty 42U: 83 positions for 1U, 81 for 2U (NETBOX_POWER §6)', () => {
    expect(rack42().availablePositions(1).length).toBe(83);
    expect(rack42().availablePositions(2).length).toBe(81);
  });

  it('available positions for a shallow device on one face ignore the other face', () => {
    const r = rack42();
    r.place(dev('rear', 1, 1, { fullDepth: false, face: 'rear' }));
    expect(r.availablePositions(1, 'front', false)).toContain(1);
    expect(r.availablePositions(1, 'front', true)).not.toContain(1);
  });

  it('racks of 45 and 48 U', () => {
    expect(new RackLayout({ uHeight: 45, maxLoadKg: null, mountingDepthMm: null }).units().length).toBe(90);
    expect(new RackLayout({ uHeight: 48, maxLoadKg: null, mountingDepthMm: null }).availablePositions(2).length).toBe(93);
  });
});
