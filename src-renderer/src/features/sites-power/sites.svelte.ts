/**
 * The Sites & Power page's state: the list of site plans, the selected
 * plan with its evaluated report, the hardware catalogue, and the rack
 * editor's actions (add a device at a U, place a pool preset). Edits go to
 * main as a whole plan through `sites:save`; main validates it and refuses
 * placements the engine refuses, and the refusal's words are shown as-is.
 */
import type { CatalogueDeviceDto, CatalogueDto, PlanDeviceDto, SiteDetailResult, SitePlanDto, SiteSummary } from '../../../../src-preload/contract';
import { POOL_PRESET_SIZES } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { Resource } from '../../lib/resource.svelte';

export type Face = 'front' | 'rear';
export type PresetSize = (typeof POOL_PRESET_SIZES)[number];

/** Roles whose devices draw IT load and so get one cord on each side. */
const POWERED = new Set(['compute-host', 'tor-switch', 'management-switch']);

/** A device id that is unique in the plan: `<rack>-<ref>-<n>`. */
export function newDeviceId(plan: SitePlanDto, rackId: string, ref: string): string {
  const taken = new Set(plan.racks.flatMap((r) => r.devices.map((d) => d.id)));
  const base = `${rackId}-${ref}`.slice(0, 56);
  for (let n = 1; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * The plan with one more device: at `position` (null for zero-U) on `face`,
 * corded to the rack's first A and first B feed when it draws IT load.
 */
export function planWithDevice(plan: SitePlanDto, rackId: string, device: CatalogueDeviceDto, position: number | null, face: Face): SitePlanDto {
  const next = structuredClone(plan);
  const rack = next.racks.find((r) => r.id === rackId);
  if (!rack) throw new Error(`No rack "${rackId}" in this plan`);
  const feeds = ['A', 'B'].map((side) => next.feeds.find((f) => f.rack === rackId && f.side === side)).filter((f) => f !== undefined);
  const added: PlanDeviceDto = {
    id: newDeviceId(plan, rackId, device.id),
    ref: device.id,
    position: device.uHeight === 0 ? null : position,
    face,
    power: device.draw && POWERED.has(device.role) ? feeds.map((f) => ({ feed: f.id })) : [],
  };
  rack.devices.push(added);
  return next;
}

/** Cords to the rack's first A and first B feed (for a device that draws IT load), or none. */
function cordsFor(plan: SitePlanDto, rackId: string): { feed: string }[] {
  return ['A', 'B']
    .map((side) => plan.feeds.find((f) => f.rack === rackId && f.side === side))
    .filter((f) => f !== undefined)
    .map((f) => ({ feed: f.id }));
}

/**
 * The plan with a device moved to `position` on `face` of `rackId`. Moving
 * into another rack re-cords it to that rack's feeds (a cord cannot reach
 * another rack's PDU), keeping its cord count where the rack has the feeds.
 */
export function planWithMove(plan: SitePlanDto, deviceId: string, rackId: string, face: Face, position: number | null): SitePlanDto {
  const next = structuredClone(plan);
  const from = next.racks.find((r) => r.devices.some((d) => d.id === deviceId));
  const to = next.racks.find((r) => r.id === rackId);
  if (!from) throw new Error(`No device "${deviceId}" in this plan`);
  if (!to) throw new Error(`No rack "${rackId}" in this plan`);
  const index = from.devices.findIndex((d) => d.id === deviceId);
  const device = from.devices[index] as PlanDeviceDto;
  const moved: PlanDeviceDto = { ...device, position, face };
  if (from === to) {
    from.devices[index] = moved;
    return next;
  }
  from.devices.splice(index, 1);
  if (device.power.length > 0) moved.power = cordsFor(next, rackId).slice(0, Math.max(1, device.power.length));
  to.devices.push(moved);
  // A PDU that moves leaves the feeds of its old rack without a PDU rather than pointing across racks.
  next.feeds = next.feeds.map((f) => (f.pdu === deviceId ? Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'pdu')) : f)) as SitePlanDto['feeds'];
  return next;
}

/** The plan without a device, and without the references to it (a feed's PDU, the UPS's module list). */
export function planWithoutDevice(plan: SitePlanDto, deviceId: string): SitePlanDto {
  const next = structuredClone(plan);
  const rack = next.racks.find((r) => r.devices.some((d) => d.id === deviceId));
  if (!rack) throw new Error(`No device "${deviceId}" in this plan`);
  rack.devices = rack.devices.filter((d) => d.id !== deviceId);
  next.feeds = next.feeds.map((f) => (f.pdu === deviceId ? Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'pdu')) : f)) as SitePlanDto['feeds'];
  const ups = (next as { ups?: { devices?: string[] } }).ups;
  if (ups?.devices) ups.devices = ups.devices.filter((d) => d !== deviceId);
  return next;
}

export class SitesModel {
  readonly list = new Resource<SiteSummary[]>(() => api().call('sites:list', {}));
  readonly catalogue = new Resource<CatalogueDto>(() => api().call('sites:catalogue', {}));
  selectedId = $state<string | null>(null);
  readonly detail = new Resource<SiteDetailResult>(() => api().call('sites:get', { id: this.selectedId ?? '' }));
  /** The last refusal or failure of an edit, shown next to the editor. */
  editError = $state<string | null>(null);
  busy = $state(false);

  async start(): Promise<void> {
    void this.catalogue.load();
    await this.list.load();
    const first = this.list.data?.[0];
    if (first && this.selectedId === null) this.select(first.id);
  }

  select(id: string): void {
    this.selectedId = id;
    this.selectedDevice = null;
    this.editError = null;
    this.detail.data = null;
    void this.detail.load();
  }

  deviceSpec(ref: string): CatalogueDeviceDto | undefined {
    return this.catalogue.data?.devices.find((d) => d.id === ref);
  }

  /** Add a catalogue device to a rack at a U. Resolves true when saved. */
  async addDevice(rackId: string, ref: string, position: number | null, face: Face): Promise<boolean> {
    const d = this.detail.data;
    const spec = this.deviceSpec(ref);
    if (!d || !spec) return false;
    return this.run(() => api().call('sites:save', { id: d.site.id, expectedRevision: d.site.revision, plan: planWithDevice(d.plan, rackId, spec, position, face) }));
  }

  /** The device picked in an elevation (for the move and remove controls). */
  selectedDevice = $state<string | null>(null);

  /** Move a device to a U (and face, and rack). Resolves true when saved; a refusal keeps the plan and says why. */
  async moveDevice(deviceId: string, rackId: string, face: Face, position: number | null): Promise<boolean> {
    const d = this.detail.data;
    if (!d) return false;
    let plan: SitePlanDto;
    try {
      plan = planWithMove(d.plan, deviceId, rackId, face, position);
    } catch (err) {
      this.editError = errorMessage(err);
      return false;
    }
    return this.run(() => api().call('sites:save', { id: d.site.id, expectedRevision: d.site.revision, plan }));
  }

  async removeDevice(deviceId: string): Promise<boolean> {
    const d = this.detail.data;
    if (!d) return false;
    let plan: SitePlanDto;
    try {
      plan = planWithoutDevice(d.plan, deviceId);
    } catch (err) {
      this.editError = errorMessage(err);
      return false;
    }
    const ok = await this.run(() => api().call('sites:save', { id: d.site.id, expectedRevision: d.site.revision, plan }));
    if (ok && this.selectedDevice === deviceId) this.selectedDevice = null;
    return ok;
  }

  async applyPreset(size: PresetSize): Promise<boolean> {
    const d = this.detail.data;
    if (!d) return false;
    return this.run(() => api().call('sites:applyPreset', { id: d.site.id, size, expectedRevision: d.site.revision }));
  }

  private async run(call: () => Promise<SiteDetailResult>): Promise<boolean> {
    this.busy = true;
    this.editError = null;
    try {
      this.detail.data = await call();
      void this.list.load();
      return true;
    } catch (err) {
      this.editError = errorMessage(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  cancel(): void {
    this.list.cancel();
    this.catalogue.cancel();
    this.detail.cancel();
  }
}
