/**
 * Every case of ../shared/reference/dcim/cases.json: the ones this engine
 * covers must reproduce NetBox's numbers exactly; the rest are skipped by
 * id, with the reason, and the test fails if the case file grows a kind
 * nobody has decided about.
 */
import { describe, expect, it } from 'vitest';
import { getPowerDraw, type PowerPortNode } from './draw';
import { feedCapacity, netboxPercentage, type Phase } from './feed';
import { heatReport } from './heat';
import { RackLayout } from './rack';
import { loadCases, type ReferenceCase } from './test-support';
import { toGrams, type WeightUnit } from './units';

const CASES = loadCases();

/** Cases that do not apply to a power/rack budget engine, and why. */
const SKIPPED: Record<string, string> = {
  'elevation-search-42u':
    "NetBox REST API filter (`q` on /api/dcim/racks/{id}/elevation/): a search feature of NetBox's API, not a power, heat or rack-budget rule; the rack editor's search belongs to the renderer.",
  'svg-42u-default-geometry':
    "NetBox's SVG elevation drawing geometry (pixel sizes and offsets): rendering belongs to the renderer's rack editor, which has its own layout, not to this engine.",
};

const COVERED_KINDS = new Set([
  'powerfeed.available_power',
  'powerfeed.utilization_percent',
  'powerport.get_power_draw',
  'rack.units',
  'rack.get_utilization',
  'rack.get_available_units',
  'weight.to_grams',
  'heat.from_watts',
]);

describe('cases.json bookkeeping', () => {
  it('every case is either covered by kind or skipped by id with a reason', () => {
    const undecided = CASES.filter((c) => !COVERED_KINDS.has(c.kind) && !(c.id in SKIPPED)).map((c) => c.id);
    expect(undecided).toEqual([]);
  });

  it('the skip list names only cases that exist (and exactly these two)', () => {
    expect(Object.keys(SKIPPED).sort()).toEqual(['elevation-search-42u', 'svg-42u-default-geometry']);
    for (const id of Object.keys(SKIPPED)) expect(CASES.some((c) => c.id === id)).toBe(true);
  });
});

const byKind = (kind: string): ReferenceCase[] => CASES.filter((c) => c.kind === kind && !(c.id in SKIPPED));

describe('powerfeed.available_power (NetBox mode)', () => {
  const cases = byKind('powerfeed.available_power');
  it('has the six feed cases', () => expect(cases.length).toBe(6));
  it.each(cases)('$id', (c) => {
    const i = c.input as { voltage: number; amperage: number; max_utilization: number; phase: string; supply: 'ac' | 'dc' };
    const phase: Phase = i.phase === 'three-phase' ? 'three' : 'single';
    // NetBox assumes the entered voltage is line-to-line (its only interpretation).
    const cap = feedCapacity({ voltage: i.voltage, amperage: i.amperage, maxUtilizationPercent: i.max_utilization, phase, supply: i.supply, voltageType: 'line-to-line' }, 'netbox');
    expect(cap.availableVA).toBe((c.expected as { available_power: number }).available_power);
  });

  it('Math.round would get the half-to-even case wrong (the reason roundHalfEven exists)', () => {
    expect(125 * 1 * (100 / 100) * 1.732).toBe(216.5);
    expect(Math.round(216.5)).toBe(217);
  });
});

describe('powerfeed.utilization_percent', () => {
  it.each(byKind('powerfeed.utilization_percent'))('$id', (c) => {
    const i = c.input as { allocated_draw_total: number; available_power: number };
    expect(netboxPercentage(i.allocated_draw_total, i.available_power)).toBe((c.expected as { percent: number }).percent);
  });
});

interface CaseNode {
  port: string;
  allocated_draw: number | null;
  maximum_draw: number | null;
  outlets?: { feed_leg?: 'A' | 'B' | 'C'; cabled_to: CaseNode }[];
}

function toNode(n: CaseNode, index: Map<string, PowerPortNode>): PowerPortNode {
  const node: PowerPortNode = {
    port: n.port,
    allocatedDraw: n.allocated_draw,
    maximumDraw: n.maximum_draw,
    outlets: (n.outlets ?? []).map((o) => ({ feedLeg: o.feed_leg ?? null, cabledTo: toNode(o.cabled_to, index) })),
  };
  index.set(n.port, node);
  return node;
}

describe('powerport.get_power_draw', () => {
  it.each(byKind('powerport.get_power_draw'))('$id', (c) => {
    const input = c.input as { tree: CaseNode; upstream_feed_phase?: string };
    const index = new Map<string, PowerPortNode>();
    const root = toNode(input.tree, index);
    const expected = c.expected as Record<string, { allocated: number; maximum: number; outlet_count?: number; legs?: { name: string; allocated: number; maximum: number; outlet_count: number }[] }>;
    for (const [port, want] of Object.entries(expected)) {
      const node = index.get(port)!;
      const got = getPowerDraw(node, node === root && input.upstream_feed_phase === 'three-phase' ? 'three' : null);
      expect({ allocated: got.allocated, maximum: got.maximum }).toEqual({ allocated: want.allocated, maximum: want.maximum });
      if (want.outlet_count !== undefined) expect(got.outletCount).toBe(want.outlet_count);
      if (want.legs !== undefined) {
        expect(got.legs.map((l) => ({ name: l.name, allocated: l.allocated, maximum: l.maximum, outlet_count: l.outletCount }))).toEqual(want.legs);
      }
    }
  });

  it('a port with only a maximum draw contributes 0 to the allocated total, as in NetBox', () => {
    const psu: PowerPortNode = { port: 'psu', allocatedDraw: null, maximumDraw: 500 };
    expect(getPowerDraw({ port: 'main', allocatedDraw: null, maximumDraw: null, outlets: [{ cabledTo: psu }] })).toMatchObject({ allocated: 0, maximum: 500 });
  });

  it('a cycle is followed once', () => {
    const a: PowerPortNode = { port: 'a', allocatedDraw: null, maximumDraw: null, outlets: [] };
    const b: PowerPortNode = { port: 'b', allocatedDraw: null, maximumDraw: null, outlets: [{ cabledTo: a }, { cabledTo: { port: 'psu', allocatedDraw: 10, maximumDraw: 20 } }] };
    a.outlets!.push({ cabledTo: b });
    expect(getPowerDraw(a)).toMatchObject({ allocated: 10, maximum: 20 });
  });
});

describe('rack cases', () => {
  it.each(byKind('rack.units'))('$id', (c) => {
    const i = c.input as { u_height: number; starting_unit: number; desc_units: boolean };
    const e = c.expected as { count: number; first: string; second: string; last: string; first_name: string; second_name: string };
    const units = new RackLayout({ uHeight: i.u_height, startingUnit: i.starting_unit, descUnits: i.desc_units, maxLoadKg: null, mountingDepthMm: null }).units();
    expect(units.length).toBe(e.count);
    expect(units[0]!.id).toBe(Number(e.first));
    expect(units[1]!.id).toBe(Number(e.second));
    expect(units.at(-1)!.id).toBe(Number(e.last));
    expect(units[0]!.name).toBe(e.first_name);
    expect(units[1]!.name).toBe(e.second_name);
  });

  it.each(byKind('rack.get_utilization'))('$id', (c) => {
    const i = c.input as { u_height: number; devices: { position: number; u_height: number }[] };
    const rack = new RackLayout({ uHeight: i.u_height, maxLoadKg: null, mountingDepthMm: null });
    i.devices.forEach((d, k) => expect(rack.place({ id: `d${k}`, uHeight: d.u_height, fullDepth: true, weightKg: 0, position: d.position, face: 'front' }).ok).toBe(true));
    expect(rack.utilisationPercent()).toBe((c.expected as { percent: number }).percent);
  });

  it.each(byKind('rack.get_available_units'))('$id', (c) => {
    const i = c.input as { u_height: number; devices: { position: number; u_height: number; face: 'front' | 'rear'; full_depth: boolean }[]; required_u_height: number };
    const rack = new RackLayout({ uHeight: i.u_height, maxLoadKg: null, mountingDepthMm: null });
    i.devices.forEach((d, k) => expect(rack.place({ id: `d${k}`, uHeight: d.u_height, fullDepth: d.full_depth, weightKg: 0, position: d.position, face: d.face }).ok).toBe(true));
    expect(rack.availablePositions(i.required_u_height).length).toBe((c.expected as { count: number }).count);
  });
});

describe('weight.to_grams', () => {
  it.each(byKind('weight.to_grams'))('$id', (c) => {
    const i = c.input as { weight: number; unit: WeightUnit };
    expect(toGrams(i.weight, i.unit)).toBe((c.expected as { grams: number }).grams);
  });
});

describe('heat.from_watts', () => {
  it.each(byKind('heat.from_watts'))('$id', (c) => {
    const e = c.expected as { btu_per_hr: number; tons: number };
    const h = heatReport((c.input as { watts: number }).watts);
    expect(h.btuPerHour).toBe(e.btu_per_hr);
    expect(h.coolingTons).toBe(e.tons);
  });
});
