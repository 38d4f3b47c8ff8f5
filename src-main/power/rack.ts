/**
 * Rack space: half-U aware placement of devices by position and face, the
 * refusals (out of range, overlap, overweight, too deep) with their reason and
 * shortfall, and NetBox-compatible views of the elevation (unit list,
 * available positions, space utilisation).
 *
 * Positions follow NetBox: a device's `position` is its lowest occupied unit,
 * in steps of 0.5; a U-n device at position p covers [p, p + n). Internally
 * everything is counted in half-units, so 0.5 U arithmetic is exact. A
 * full-depth device blocks both faces; a shallow one only its own. Zero-U
 * devices (vertical PDUs) take no position.
 */

export type Face = 'front' | 'rear';

export interface RackSpec {
  uHeight: number;
  /** Number of the lowest unit; NetBox's default 1. */
  startingUnit?: number;
  /** true = U1 at the top (NetBox desc_units). Only changes the unit list order. */
  descUnits?: boolean;
  /** Equipment load the rack is rated for, kg; null = unknown (not checked). */
  maxLoadKg: number | null;
  /** Usable rail-to-rail depth, mm; null = unknown (not checked). */
  mountingDepthMm: number | null;
}

export interface Mountable {
  id: string;
  uHeight: number;
  fullDepth: boolean;
  depthMm?: number | null;
  weightKg: number;
  /** Lowest occupied unit, or null for a zero-U device. */
  position: number | null;
  face: Face;
}

export type RefusalCode = 'bad-position' | 'zero-u-position' | 'unplaced' | 'out-of-range' | 'overlap' | 'overweight' | 'too-deep' | 'duplicate-id';

export interface Refusal {
  code: RefusalCode;
  reason: string;
  /** U that do not fit (out of range: beyond the rack; overlap: the overlapping span). */
  missingU?: number;
  /** Weight above the rack's rating. */
  missingKg?: number;
  conflictsWith?: string;
}

export type PlaceResult = { ok: true } | { ok: false; refusal: Refusal };

const isHalfStep = (x: number): boolean => Number.isFinite(x) && Number.isInteger(x * 2);

export function formatUnit(u: number): string {
  return Number.isInteger(u) ? `U${u}` : `U${u.toFixed(1)}`;
}

/** The highest unit a device reaches: U11 for a 2U device at U10; U10.5 names the upper half of U10. */
function topUnit(position: number, uHeight: number): string {
  return Number.isInteger(position) && Number.isInteger(uHeight) ? formatUnit(position + uHeight - 1) : formatUnit(position + uHeight - 0.5);
}

export class RackLayout {
  readonly spec: Required<RackSpec>;
  private readonly placed = new Map<string, Mountable>();
  /** Per half-unit (index 0 = lower half of the starting unit): occupant id per face. */
  private readonly front: (string | null)[];
  private readonly rear: (string | null)[];

  constructor(spec: RackSpec) {
    if (!Number.isInteger(spec.uHeight) || spec.uHeight < 1 || spec.uHeight > 100) throw new RangeError('rack height must be an integer 1..100');
    this.spec = { startingUnit: 1, descUnits: false, ...spec };
    this.front = new Array<string | null>(spec.uHeight * 2).fill(null);
    this.rear = new Array<string | null>(spec.uHeight * 2).fill(null);
  }

  get devices(): Mountable[] {
    return [...this.placed.values()];
  }

  /** Installed weight, kg (devices only; the rack's own weight is not part of its rated load). */
  weightKg(): number {
    let kg = 0;
    for (const d of this.placed.values()) kg += d.weightKg;
    return kg;
  }

  /** Check a placement without making it. */
  check(d: Mountable, opts: { checkWeight?: boolean } = {}): PlaceResult {
    const refuse = (refusal: Refusal): PlaceResult => ({ ok: false, refusal });
    if (this.placed.has(d.id)) return refuse({ code: 'duplicate-id', reason: `a device "${d.id}" is already in the rack` });
    if (!isHalfStep(d.uHeight) || d.uHeight < 0) return refuse({ code: 'bad-position', reason: `height ${d.uHeight} U is not a multiple of 0.5 U` });
    if (d.uHeight === 0) {
      if (d.position !== null) return refuse({ code: 'zero-u-position', reason: `a zero-U device mounts at the side and takes no position (got ${d.position})` });
    } else {
      if (d.position === null) return refuse({ code: 'unplaced', reason: `a ${d.uHeight} U device needs a position` });
      if (!isHalfStep(d.position)) return refuse({ code: 'bad-position', reason: `position ${d.position} is not a multiple of 0.5 U` });
      const bottom = this.spec.startingUnit;
      const top = bottom + this.spec.uHeight; // exclusive
      const below = bottom - d.position;
      const above = d.position + d.uHeight - top;
      if (below > 0 || above > 0) {
        const missingU = Math.max(below, above);
        return refuse({
          code: 'out-of-range',
          reason:
            below > 0
              ? `position ${formatUnit(d.position)} is below the rack's lowest unit ${formatUnit(bottom)}`
              : `a ${d.uHeight} U device at ${formatUnit(d.position)} reaches ${topUnit(d.position, d.uHeight)}, ${missingU} U above the top of this ${this.spec.uHeight} U rack`,
          missingU,
        });
      }
      const start = (d.position - bottom) * 2;
      const span = d.uHeight * 2;
      let overlapHalves = 0;
      let conflictsWith: string | undefined;
      for (let h = start; h < start + span; h++) {
        const hit = d.fullDepth ? (this.front[h] ?? this.rear[h]) : d.face === 'front' ? this.front[h] : this.rear[h];
        if (hit) {
          overlapHalves++;
          conflictsWith ??= hit;
        }
      }
      if (conflictsWith !== undefined) {
        return refuse({
          code: 'overlap',
          reason: `${formatUnit(d.position)}–${topUnit(d.position, d.uHeight)} (${d.fullDepth ? 'full depth' : d.face}) overlaps "${conflictsWith}" by ${overlapHalves / 2} U`,
          missingU: overlapHalves / 2,
          conflictsWith,
        });
      }
    }
    const depth = d.depthMm ?? null;
    if (depth !== null && this.spec.mountingDepthMm !== null && depth > this.spec.mountingDepthMm) {
      return refuse({ code: 'too-deep', reason: `the device is ${depth} mm deep; the rack's mounting depth is ${this.spec.mountingDepthMm} mm` });
    }
    if (opts.checkWeight !== false && this.spec.maxLoadKg !== null) {
      const total = this.weightKg() + d.weightKg;
      if (total > this.spec.maxLoadKg) {
        const missingKg = total - this.spec.maxLoadKg;
        return refuse({
          code: 'overweight',
          reason: `adding ${d.weightKg} kg brings the rack to ${total} kg, over its ${this.spec.maxLoadKg} kg rating by ${missingKg} kg`,
          missingKg,
        });
      }
    }
    return { ok: true };
  }

  /** Place a device, or refuse with the reason. Weight is checked unless `checkWeight: false`. */
  place(d: Mountable, opts: { checkWeight?: boolean } = {}): PlaceResult {
    const r = this.check(d, opts);
    if (!r.ok) return r;
    this.placed.set(d.id, { ...d });
    if (d.position !== null && d.uHeight > 0) {
      const start = (d.position - this.spec.startingUnit) * 2;
      for (let h = start; h < start + d.uHeight * 2; h++) {
        if (d.fullDepth || d.face === 'front') this.front[h] = d.id;
        if (d.fullDepth || d.face === 'rear') this.rear[h] = d.id;
      }
    }
    return r;
  }

  remove(id: string): boolean {
    if (!this.placed.delete(id)) return false;
    for (let h = 0; h < this.front.length; h++) {
      if (this.front[h] === id) this.front[h] = null;
      if (this.rear[h] === id) this.rear[h] = null;
    }
    return true;
  }

  /**
   * NetBox's Rack.units: every half-unit, top first (ascending racks) or
   * bottom first (descending). 42U ascending: 42.5, 42, 41.5, … 1.
   */
  units(): { id: number; name: string }[] {
    const { uHeight, startingUnit, descUnits } = this.spec;
    const out: { id: number; name: string }[] = [];
    for (let i = 0; i < uHeight * 2; i++) {
      const id = descUnits ? startingUnit + i / 2 : uHeight + startingUnit - 0.5 - i / 2;
      out.push({ id, name: formatUnit(id) });
    }
    return out;
  }

  /**
   * NetBox's get_available_units: positions (lowest unit) where a device of
   * `uHeight` fits. `face` null counts both faces as blocking; a full-depth
   * candidate also needs both faces free.
   */
  availablePositions(uHeight: number, face: Face | null = null, fullDepth = true): number[] {
    if (!isHalfStep(uHeight) || uHeight <= 0) return [];
    const span = uHeight * 2;
    const out: number[] = [];
    for (let start = 0; start + span <= this.front.length; start++) {
      let free = true;
      for (let h = start; h < start + span; h++) {
        const blocked = face === null || fullDepth ? this.front[h] !== null || this.rear[h] !== null : face === 'front' ? this.front[h] !== null : this.rear[h] !== null;
        if (blocked) {
          free = false;
          break;
        }
      }
      if (free) out.push(this.spec.startingUnit + start / 2);
    }
    return out;
  }

  /** Half-units occupied on either face. */
  occupiedHalfUnits(): number {
    let n = 0;
    for (let h = 0; h < this.front.length; h++) if (this.front[h] !== null || this.rear[h] !== null) n++;
    return n;
  }

  /** U occupied on either face (half-U aware). */
  usedU(): number {
    return this.occupiedHalfUnits() / 2;
  }

  /** NetBox's get_utilization: occupied half-units / all half-units × 100, unrounded. */
  utilisationPercent(): number {
    return (this.occupiedHalfUnits() / this.front.length) * 100;
  }

  /** Largest run of free units (both faces free), U: what the next full-depth device may be at most. */
  largestFreeBlockU(): number {
    let best = 0;
    let run = 0;
    for (let h = 0; h < this.front.length; h++) {
      if (this.front[h] === null && this.rear[h] === null) best = Math.max(best, ++run);
      else run = 0;
    }
    return best / 2;
  }
}
