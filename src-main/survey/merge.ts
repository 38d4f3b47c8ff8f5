/**
 * Three-way merge of two versions of a survey against their common ancestor.
 *
 * Objects merge key by key; lists of identified items (rooms, racks, feeds,
 * inlet readings, uplinks by `id`, photos by `sha256`) merge item by item, so
 * two engineers adding different racks never conflict. A field changed on one
 * side only takes that side's value; changed identically on both, it is
 * taken; changed differently on both, it is a conflict with base, mine and
 * theirs. Deleting an item one side changed is a conflict about the whole
 * item. Nothing is ever decided by "last writer wins": every conflict goes to
 * the operator, and `decide` applies their choices by re-running the merge.
 */
import type { SurveyConflict } from '../../src-preload/contract';
import { canonicalJson } from './canonical';

/** A key or item missing on one side (distinct from null, which is a value). */
export const ABSENT: unique symbol = Symbol('absent');
type V = unknown;

export type Choice = 'mine' | 'theirs' | 'base';

export interface MergeResult {
  /** The merged survey; an unresolved conflict keeps mine's value until decided. */
  merged: unknown;
  conflicts: SurveyConflict[];
  /** Paths where one side's change was taken without asking. */
  autoMerged: string[];
  /** Conflict paths that had a decision applied. */
  decided: string[];
}

/** Lists merged item by item, and the key naming an item. */
const KEYED_LISTS: Record<string, string> = {
  '$.rooms': 'id',
  '$.racks': 'id',
  '$.power.feeds': 'id',
  '$.cooling.inletReadings': 'id',
  '$.network.uplinks': 'id',
  '$.photos': 'sha256',
};

const eq = (a: V, b: V): boolean => (a === ABSENT || b === ABSENT ? a === b : canonicalJson(a) === canonicalJson(b));
const isObj = (x: V): x is Record<string, V> => typeof x === 'object' && x !== null && !Array.isArray(x);

const LABELS: Record<string, string> = {
  site: 'Site',
  name: 'Name',
  kind: 'Kind',
  address: 'Address',
  gps: 'GPS',
  lat: 'Latitude',
  lon: 'Longitude',
  planId: 'Linked site plan',
  rooms: 'Rooms',
  racks: 'Racks',
  floor: 'Floor',
  areaM2: 'Area (m²)',
  notes: 'Notes',
  roomId: 'Room',
  heightU: 'Height (U)',
  widthMm: 'Width (mm)',
  depthMm: 'Depth (mm)',
  maxLoadKg: 'Weight limit (kg)',
  clearanceFrontMm: 'Front clearance (mm)',
  clearanceRearMm: 'Rear clearance (mm)',
  expectedLoadKW: 'Expected load (kW)',
  power: 'Power',
  feeds: 'Feeds',
  rackId: 'Rack',
  side: 'Side',
  voltage: 'Voltage (V)',
  voltageType: 'Voltage stated as',
  amperage: 'Amperage (A)',
  phase: 'Phase',
  breakerA: 'Breaker (A)',
  onUps: 'On UPS',
  ups: 'UPS',
  present: 'Present',
  model: 'Model',
  capacityVA: 'Capacity (VA)',
  capacityW: 'Capacity (W)',
  runtimeMinutes: 'Runtime (min)',
  redundancy: 'Redundancy',
  generator: 'Generator',
  ratingKVA: 'Rating (kVA)',
  fuelHours: 'Fuel (h)',
  autoTransfer: 'Automatic transfer',
  monitoring: 'Energy monitoring',
  cooling: 'Cooling',
  capacity: 'Capacity',
  value: 'Value',
  unit: 'Unit',
  redundant: 'Redundant',
  inletReadings: 'Inlet readings',
  location: 'Location',
  celsius: 'Inlet (°C)',
  network: 'Network',
  uplinks: 'Uplinks',
  provider: 'Provider',
  medium: 'Medium',
  bandwidthMbps: 'Bandwidth (Mbit/s)',
  security: 'Physical security',
  locks: 'Locks',
  biometric: 'Biometric access',
  cctv: 'CCTV',
  cabling: 'Cabling',
  organised: 'Organised',
  labelled: 'Labelled',
  separated: 'Power/data separated',
  manual: 'Assessment',
  energyEfficiency: 'Energy efficiency',
  powerManagement: 'Power management',
  status: 'Status',
  note: 'Note',
  photos: 'Photos',
  caption: 'Caption',
  fileName: 'File name',
  schema: 'Schema',
};

function itemName(item: V): string | null {
  if (!isObj(item)) return null;
  for (const k of ['name', 'location', 'provider', 'fileName']) if (typeof item[k] === 'string' && item[k]) return item[k] as string;
  return null;
}

export interface Merger {
  decisions?: ReadonlyMap<string, Choice>;
}

/** Merges mine and theirs against base (ABSENT when the two share no ancestor). */
export function threeWayMerge(base: V, mine: V, theirs: V, opts: Merger = {}): MergeResult {
  const conflicts: SurveyConflict[] = [];
  const autoMerged: string[] = [];
  const decided: string[] = [];

  const conflict = (path: string, label: string, b: V, m: V, t: V): V => {
    const choice = opts.decisions?.get(path);
    if (choice) {
      decided.push(path);
      return choice === 'mine' ? m : choice === 'theirs' ? t : b;
    }
    const wire = (x: V) => (x === ABSENT ? null : x);
    conflicts.push({ path, label, base: wire(b), mine: wire(m), theirs: wire(t), baseAbsent: b === ABSENT, mineAbsent: m === ABSENT, theirsAbsent: t === ABSENT });
    return m;
  };

  const merge = (path: string, label: string, b: V, m: V, t: V): V => {
    if (eq(m, t)) return m;
    if (eq(m, b)) {
      autoMerged.push(path);
      return t;
    }
    if (eq(t, b)) {
      autoMerged.push(path);
      return m;
    }
    const key = KEYED_LISTS[path];
    if (key && Array.isArray(m) && Array.isArray(t) && (b === ABSENT || Array.isArray(b))) return mergeList(path, label, key, (b === ABSENT ? [] : b) as V[], m, t);
    if (isObj(m) && isObj(t) && (b === ABSENT || isObj(b))) {
      const out: Record<string, V> = {};
      const keys = [...Object.keys(m), ...Object.keys(t).filter((k) => !(k in m))];
      for (const k of keys) {
        const v = merge(`${path}.${k}`, `${label ? `${label} › ` : ''}${LABELS[k] ?? k}`, isObj(b) && k in b ? b[k] : ABSENT, k in m ? m[k] : ABSENT, k in t ? t[k] : ABSENT);
        if (v !== ABSENT) out[k] = v;
      }
      return out;
    }
    return conflict(path, label, b, m, t);
  };

  const mergeList = (path: string, label: string, key: string, b: V[], m: V[], t: V[]): V[] => {
    const idOf = (x: V) => (isObj(x) ? String(x[key]) : canonicalJson(x));
    const index = (xs: V[]) => new Map(xs.map((x) => [idOf(x), x]));
    const B = index(b);
    const M = index(m);
    const T = index(t);
    const order = [...M.keys(), ...[...T.keys()].filter((k) => !M.has(k))];
    const out: V[] = [];
    for (const id of order) {
      const bi = B.has(id) ? B.get(id) : ABSENT;
      const mi = M.has(id) ? M.get(id) : ABSENT;
      const ti = T.has(id) ? T.get(id) : ABSENT;
      const name = itemName(mi !== ABSENT ? mi : ti) ?? id;
      const itemPath = `${path}[${key}=${id}]`;
      const itemLabel = `${label} › ${name}`;
      let v: V;
      if (mi === ABSENT || ti === ABSENT) {
        // Added on one side, or deleted on one side: fine unless the other side changed it.
        const present = mi === ABSENT ? ti : mi;
        if (bi === ABSENT) {
          autoMerged.push(itemPath);
          v = present;
        } else if (eq(present, bi)) {
          autoMerged.push(itemPath);
          v = ABSENT;
        } else v = conflict(itemPath, `${itemLabel} (deleted on one side, changed on the other)`, bi, mi, ti);
      } else v = merge(itemPath, itemLabel, bi, mi, ti);
      if (v !== ABSENT) out.push(v);
    }
    return out;
  };

  const merged = merge('$', '', base, mine, theirs);
  return { merged, conflicts, autoMerged, decided };
}
