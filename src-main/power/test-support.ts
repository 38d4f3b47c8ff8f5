/**
 * Test support: the shared DCIM reference set (../shared/reference/dcim,
 * relative to the repository root where tests run; read in place, never
 * copied), the shipped catalogue, and a small builder for plans.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCatalogueText, type Catalogue } from './catalogue';
import type { PlanDeviceInput, PlanFeedInput, PlanRackInput, SitePlanInput } from './plan-schema';

export const DCIM_DIR = resolve(process.cwd(), '../shared/reference/dcim');
export const CATALOGUE_FILE = resolve(process.cwd(), 'resources/hardware/catalogue.json');
export const EXAMPLE_PLAN_FILE = resolve(process.cwd(), 'resources/hardware/example-site-plan.json');

export interface ReferenceCase {
  id: string;
  kind: string;
  input: Record<string, unknown>;
  expected: Record<string, unknown>;
  notes?: string;
}

export function loadCases(): ReferenceCase[] {
  const doc = JSON.parse(readFileSync(resolve(DCIM_DIR, 'cases.json'), 'utf8')) as { cases: ReferenceCase[] };
  return doc.cases;
}

export interface HardwareRow {
  model: string;
  role: string;
  u: number | null;
  typical_w: number | null;
  idle_w: number | null;
  max_w: number | null;
  nameplate_w: number | null;
  weight_kg: number | null;
  psu: string | null;
}

export function loadHardware(): HardwareRow[] {
  return (JSON.parse(readFileSync(resolve(DCIM_DIR, 'hardware.json'), 'utf8')) as { devices: HardwareRow[] }).devices;
}

export function shippedCatalogue(): Catalogue {
  const r = parseCatalogueText(readFileSync(CATALOGUE_FILE, 'utf8'));
  if (!r.ok) throw new Error(`shipped catalogue invalid: ${JSON.stringify(r.issues)}`);
  return r.catalogue;
}

/** A device that draws exactly `w` watts (typical = max) in a 1U slot. */
export function loadDevice(id: string, position: number | null, w: number, cords: PlanDeviceInput['power']): PlanDeviceInput {
  return { id, ref: 'arista-dcs-7050sx3-48yc8', position, face: 'front', power: cords, draw: { typicalW: w, maxW: w } };
}

export function singlePhaseFeed(id: string, rack: string, side: 'A' | 'B', amperage: number, extra: Partial<PlanFeedInput> = {}): PlanFeedInput {
  return { id, rack, side, phase: 'single', voltage: 230, amperage, ...extra };
}

/** A one-rack plan at PF 1 so W and VA are the same number and shortfalls are round. */
export function onePlan(devices: PlanDeviceInput[], feeds: PlanFeedInput[], extra: Partial<SitePlanInput> = {}, rack: Partial<PlanRackInput> = {}): SitePlanInput {
  return {
    schema: 'cairn-site-plan/v1',
    name: 'test',
    settings: { powerFactor: 1 },
    racks: [{ id: 'r1', model: 'conteg-ri7-42-60-100', devices, ...rack }],
    feeds,
    ...extra,
  };
}
