/**
 * Three-way merge: one-sided changes are taken, equal changes agree, and
 * every field changed differently on both sides is a conflict carrying base,
 * mine and theirs — never a silent last-writer-wins. Properties over random
 * edits of a real survey.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical';
import { ABSENT, threeWayMerge } from './merge';
import { sampleSurvey } from './samples';

const base = sampleSurvey();
const clone = () => structuredClone(base);

describe('threeWayMerge', () => {
  it('takes one-sided changes and items added on either side', () => {
    const mine = clone();
    const theirs = clone();
    mine.notes = 'mine';
    theirs.racks.push({ ...theirs.racks[0]!, id: 'r3', name: 'Rack R3' });
    theirs.security.cctv = true;
    const r = threeWayMerge(base, mine, theirs);
    expect(r.conflicts).toEqual([]);
    expect(r.merged).toMatchObject({ notes: 'mine', security: { cctv: true } });
    expect((r.merged as typeof base).racks.map((x) => x.id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('reports each field changed on both sides, with labels, and applies decisions', () => {
    const mine = clone();
    const theirs = clone();
    mine.racks[0]!.heightU = 45;
    theirs.racks[0]!.heightU = 48;
    mine.site.gps = null;
    theirs.site.gps = { lat: 1, lon: 2 };
    const r = threeWayMerge(base, mine, theirs);
    expect(r.conflicts.map((c) => [c.path, c.label, c.base, c.mine, c.theirs])).toEqual([
      ['$.site.gps', 'Site › GPS', base.site.gps, null, { lat: 1, lon: 2 }],
      ['$.racks[id=r1].heightU', 'Racks › Rack R1 › Height (U)', 42, 45, 48],
    ]);
    const d = threeWayMerge(base, mine, theirs, { decisions: new Map([['$.site.gps', 'theirs'], ['$.racks[id=r1].heightU', 'base']]) });
    expect(d.conflicts).toEqual([]);
    expect(d.merged).toMatchObject({ site: { gps: { lat: 1, lon: 2 } }, racks: [{ heightU: 42 }, {}] });
  });

  it('treats deleting an item the other side changed as a conflict about the whole item', () => {
    const mine = clone();
    const theirs = clone();
    mine.rooms = [];
    theirs.rooms[0]!.areaM2 = 20;
    const r = threeWayMerge(base, mine, theirs);
    expect(r.conflicts).toEqual([expect.objectContaining({ path: '$.rooms[id=room-1]', mineAbsent: true, theirsAbsent: false })]);
    const keep = threeWayMerge(base, mine, theirs, { decisions: new Map([['$.rooms[id=room-1]', 'theirs']]) });
    expect((keep.merged as typeof base).rooms[0]!.areaM2).toBe(20);
    const drop = threeWayMerge(base, mine, theirs, { decisions: new Map([['$.rooms[id=room-1]', 'mine']]) });
    expect((drop.merged as typeof base).rooms).toEqual([]);
  });

  it('with no common ancestor, every difference is a conflict', () => {
    const theirs = clone();
    theirs.notes = 'other';
    theirs.racks[1]!.name = 'Other name';
    const r = threeWayMerge(ABSENT, base, theirs);
    expect(r.conflicts.map((c) => c.path)).toEqual(['$.racks[id=r2].name', '$.notes']);
    expect(r.conflicts[0]!.baseAbsent).toBe(true);
  });

  it('properties: identical sides never conflict; one-sided edits merge to that side; conflicts are exactly the two-sided differences', () => {
    const edit = fc.record({
      notes: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
      height: fc.option(fc.constantFrom(42, 45, 48), { nil: undefined }),
      cctv: fc.option(fc.boolean(), { nil: undefined }),
      celsius: fc.option(fc.integer({ min: 10, max: 35 }), { nil: undefined }),
      dropRoom: fc.boolean(),
    });
    const apply = (e: { notes?: string | undefined; height?: number | undefined; cctv?: boolean | undefined; celsius?: number | undefined; dropRoom: boolean }) => {
      const x = clone();
      if (e.notes !== undefined) x.notes = e.notes;
      if (e.height !== undefined) x.racks[0]!.heightU = e.height;
      if (e.cctv !== undefined) x.security.cctv = e.cctv;
      if (e.celsius !== undefined) x.cooling.inletReadings[0]!.celsius = e.celsius;
      if (e.dropRoom) x.rooms = [];
      return x;
    };
    fc.assert(
      fc.property(edit, edit, (a, b) => {
        const mine = apply(a);
        const theirs = apply(b);
        expect(threeWayMerge(base, mine, mine).conflicts).toEqual([]);
        expect(canonicalJson(threeWayMerge(base, mine, base).merged)).toBe(canonicalJson(mine));
        expect(canonicalJson(threeWayMerge(base, base, theirs).merged)).toBe(canonicalJson(theirs));
        const r = threeWayMerge(base, mine, theirs);
        const both = (m: unknown, t: unknown, b0: unknown) => canonicalJson(m) !== canonicalJson(t) && canonicalJson(m) !== canonicalJson(b0) && canonicalJson(t) !== canonicalJson(b0);
        const expected = [
          both(mine.notes, theirs.notes, base.notes) ? '$.notes' : null,
          both(mine.racks[0]!.heightU, theirs.racks[0]!.heightU, 42) ? '$.racks[id=r1].heightU' : null,
          both(mine.security.cctv, theirs.security.cctv, base.security.cctv) ? '$.security.cctv' : null,
          both(mine.cooling.inletReadings[0]!.celsius, theirs.cooling.inletReadings[0]!.celsius, 24.5) ? '$.cooling.inletReadings[id=in-1].celsius' : null,
        ].filter(Boolean);
        expect(r.conflicts.map((c) => c.path).sort()).toEqual((expected as string[]).sort());
        // Choosing mine for every conflict gives mine wherever theirs did not change alone.
        const all = threeWayMerge(base, mine, theirs, { decisions: new Map(r.conflicts.map((c) => [c.path, 'mine'])) });
        expect(all.conflicts).toEqual([]);
        return true;
      }),
      { numRuns: 200 },
    );
  });
});
