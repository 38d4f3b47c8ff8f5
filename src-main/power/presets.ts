/**
 * Pool presets: the rack layout of each pool size of the service catalogue
 * (Pool Small/Medium/Large/X-Large = 3/6/9/12 hosts) with its switches,
 * patch panel and A/B PDUs, as plan fragments the rack editor and the
 * example plan start from.
 *
 * Layout: hosts from the bottom up (heaviest low, POWER_FACTS §8 pool
 * arithmetic), network at the top (patch panel, two ToR switches, the
 * management switch), one zero-U PDU per side. Every host and switch has one
 * cord on the A PDU and one on the B PDU, so either side alone can carry it.
 */
import type { Catalogue } from './catalogue';
import type { Leg } from './feed';
import type { PlanDeviceInput, PlanFeedInput, PlanRackInput } from './plan-schema';
import { RackLayout } from './rack';

export type PoolSize = 'small' | 'medium' | 'large' | 'x-large';
export const POOL_SIZES: readonly PoolSize[] = ['small', 'medium', 'large', 'x-large'];
export const POOL_HOSTS: Record<PoolSize, number> = { small: 3, medium: 6, large: 9, 'x-large': 12 };
export const POOL_NAMES: Record<PoolSize, string> = { small: 'Pool Small', medium: 'Pool Medium', large: 'Pool Large', 'x-large': 'Pool X-Large' };

export interface PoolPresetOptions {
  rackId?: string;
  rackHeight?: 42 | 45 | 48;
  /** Catalogue ids; default to the catalogue's defaults. */
  hostRef?: string;
  torRef?: string;
  managementRef?: string;
  patchPanelRef?: string;
  pduRef?: string;
  /** Lowest unit for the first host; raise it to leave room for a rack UPS below. */
  firstHostU?: number;
  /** Panels the A and B feeds come from, if any. */
  panels?: { a?: string; b?: string };
}

export interface PoolPreset {
  rack: PlanRackInput;
  feeds: PlanFeedInput[];
  hosts: number;
}

export type PoolPresetResult = { ok: true; preset: PoolPreset } | { ok: false; reason: string };

export function poolPreset(catalogue: Catalogue, size: PoolSize, opts: PoolPresetOptions = {}): PoolPresetResult {
  const defaults = catalogue.data.defaults;
  const rackId = opts.rackId ?? `pool-${size}`;
  const rackModelId = defaults.racks[String(opts.rackHeight ?? 42) as '42' | '45' | '48'];
  const rackModel = catalogue.rack(rackModelId);
  const refs = {
    host: opts.hostRef ?? defaults.poolHost,
    tor: opts.torRef ?? defaults.torSwitch,
    mgmt: opts.managementRef ?? defaults.managementSwitch,
    patch: opts.patchPanelRef ?? defaults.patchPanel,
    pdu: opts.pduRef ?? defaults.pdu,
  };
  for (const [what, id] of Object.entries(refs)) if (!catalogue.device(id)) return { ok: false, reason: `no ${what} "${id}" in the catalogue` };
  if (!rackModel) return { ok: false, reason: `no rack "${rackModelId}" in the catalogue` };
  const host = catalogue.device(refs.host)!;
  const pdu = catalogue.device(refs.pdu)!;
  if (!pdu.pdu) return { ok: false, reason: `"${refs.pdu}" is not a PDU` };

  const feedA = `${rackId}-feed-a`;
  const feedB = `${rackId}-feed-b`;
  const threePhase = pdu.pdu.phase === 'three';
  const legs: Leg[] = ['A', 'B', 'C'];
  let nextLeg = 0;
  // On three-phase PDUs devices go round-robin over the legs so the lines stay balanced.
  const cords = (): PlanDeviceInput['power'] => {
    if (!threePhase) return [{ feed: feedA }, { feed: feedB }];
    const leg = legs[nextLeg++ % 3]!;
    return [
      { feed: feedA, leg },
      { feed: feedB, leg },
    ];
  };

  const top = rackModel.uHeight;
  const devices: PlanDeviceInput[] = [];
  const n = POOL_HOSTS[size];
  const first = opts.firstHostU ?? 1;
  for (let i = 0; i < n; i++) {
    devices.push({ id: `${rackId}-host-${i + 1}`, ref: refs.host, position: first + i * host.uHeight, face: 'front', power: cords() });
  }
  devices.push(
    { id: `${rackId}-patch`, ref: refs.patch, position: top, face: 'front', power: [] },
    { id: `${rackId}-tor-1`, ref: refs.tor, position: top - 1, face: 'front', power: cords() },
    { id: `${rackId}-tor-2`, ref: refs.tor, position: top - 2, face: 'front', power: cords() },
    { id: `${rackId}-mgmt`, ref: refs.mgmt, position: top - 3, face: 'front', power: cords() },
    { id: `${rackId}-pdu-a`, ref: refs.pdu, position: null, face: 'rear', power: [] },
    { id: `${rackId}-pdu-b`, ref: refs.pdu, position: null, face: 'rear', power: [] },
  );

  // Refuse a layout that does not fit rather than hand back a plan with overlaps.
  const layout = new RackLayout({ uHeight: rackModel.uHeight, maxLoadKg: rackModel.maxLoadKg, mountingDepthMm: rackModel.mountingDepthMm });
  for (const d of devices) {
    const cat = catalogue.device(d.ref)!;
    const r = layout.place({
      id: d.id,
      uHeight: cat.uHeight,
      fullDepth: cat.fullDepth,
      depthMm: cat.depthMm,
      weightKg: cat.weightKg,
      position: d.position,
      face: d.face ?? 'front',
    });
    if (!r.ok) return { ok: false, reason: `${POOL_NAMES[size]} does not fit a ${top} U rack from U${first}: ${d.id}: ${r.refusal.reason}` };
  }

  const feed = (id: string, side: 'A' | 'B', pduId: string, panel: string | undefined): PlanFeedInput => ({
    id,
    rack: rackId,
    ...(panel ? { panel } : {}),
    side,
    supply: 'ac',
    phase: pdu.pdu!.phase,
    voltage: pdu.pdu!.voltage,
    voltageType: pdu.pdu!.voltageType,
    amperage: pdu.pdu!.amperage,
    pdu: pduId,
  });
  return {
    ok: true,
    preset: {
      hosts: n,
      rack: { id: rackId, name: POOL_NAMES[size], model: rackModelId, devices },
      feeds: [feed(feedA, 'A', `${rackId}-pdu-a`, opts.panels?.a), feed(feedB, 'B', `${rackId}-pdu-b`, opts.panels?.b)],
    },
  };
}
