/**
 * Demo site plans: the example plan shipped with the catalogue (one Pool
 * Small rack, 2N UPS) and a small edge site whose 16 A feeds carry the rack
 * in normal operation but not after losing a side: the A/B failover
 * shortfall the Sites & Power page exists to show.
 */
import { dirname, join } from 'node:path';
import { DEFAULT_CATALOGUE_PATH, type SitePlanInput } from '../power';
import type { SitesService } from './service';

export const EXAMPLE_PLAN_PATH = join(dirname(DEFAULT_CATALOGUE_PATH), 'example-site-plan.json');

const cords = (rack: string) => [{ feed: `${rack}-feed-a` }, { feed: `${rack}-feed-b` }];

/** An edge rack on two 230 V 16 A circuits: 4 kW of maximum draw is fine on A+B and ~1.2 kW short on one side. */
export function edgeFailoverPlan(): SitePlanInput {
  const rack = 'edge-2-r1';
  const feed = (side: 'A' | 'B') => ({
    id: `${rack}-feed-${side.toLowerCase()}`,
    rack,
    side,
    supply: 'ac' as const,
    phase: 'single' as const,
    voltage: 230,
    voltageType: 'line-to-neutral' as const,
    amperage: 16,
    pdu: `${rack}-pdu-${side.toLowerCase()}`,
  });
  return {
    schema: 'cairn-site-plan/v1',
    name: 'Edge site Lyon: compact rack on 16 A circuits',
    note: 'Demo plan: 16 A circuits per side. Normal operation fits; losing either side does not.',
    racks: [
      {
        id: rack,
        name: 'Edge rack',
        model: 'conteg-ri7-42-60-100',
        devices: [
          { id: `${rack}-host-1`, ref: 'pool-host-epyc-9274f', position: 1, face: 'front', power: cords(rack) },
          { id: `${rack}-host-2`, ref: 'pool-host-epyc-9274f', position: 3, face: 'front', power: cords(rack) },
          { id: `${rack}-host-3`, ref: 'pool-host-epyc-9274f', position: 5, face: 'front', power: cords(rack) },
          { id: `${rack}-patch`, ref: 'patch-panel-24-1u', position: 42, face: 'front', power: [] },
          { id: `${rack}-tor-1`, ref: 'arista-dcs-7050sx3-48yc8', position: 41, face: 'front', power: cords(rack) },
          { id: `${rack}-tor-2`, ref: 'arista-dcs-7050sx3-48yc8', position: 40, face: 'front', power: cords(rack) },
          { id: `${rack}-mgmt`, ref: 'arista-dcs-7010tx-48-f', position: 39, face: 'rear', power: cords(rack) },
          { id: `${rack}-pdu-a`, ref: 'apc-ap8853', position: null, face: 'rear', power: [] },
          { id: `${rack}-pdu-b`, ref: 'apc-ap8853', position: null, face: 'rear', power: [] },
        ],
      },
    ],
    feeds: [feed('A'), feed('B')],
    ups: { id: 'ups-n1', ref: 'apc-srt5krmxli', modules: 3, redundancy: 'N+1', batteryWhPerModule: 1500 },
    generator: { ratingKVA: 10 },
    cooling: { capacityKW: 4, designInletC: 24 },
  };
}

/** Seed the demo plans through the normal save path (validated, with a first revision each). */
export async function seedDemoSites(sites: SitesService, readFile: (path: string) => Promise<string>): Promise<void> {
  const example = JSON.parse(await readFile(EXAMPLE_PLAN_PATH)) as unknown;
  sites.save({ plan: example }, { newId: 'edge-1', reason: 'demo seed' });
  sites.save({ plan: edgeFailoverPlan() }, { newId: 'edge-2', reason: 'demo seed' });
}
