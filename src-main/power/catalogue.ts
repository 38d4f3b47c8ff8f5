/**
 * Cairn's hardware catalogue: the devices and rack models the rack editor
 * offers (resources/hardware/catalogue.json), its zod schema, and the loader.
 * Every figure carries a source note; figures that are planning estimates
 * rather than datasheet or library values are listed in the entry's
 * `estimated` array so the UI and reports can say so.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { formatIssuePath, type ValidationIssue } from './validation';

/** Where the catalogue lives in the source tree (and, relative to out/main, in a build). */
export const DEFAULT_CATALOGUE_PATH = fileURLToPath(new URL('../../resources/hardware/catalogue.json', import.meta.url));

export const CATALOGUE_SCHEMA_ID = 'cairn-hardware-catalogue/v1';

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes');
const Watts = z.number().finite().nonnegative();
const HalfU = z
  .number()
  .min(0)
  .max(20)
  .refine((u) => Number.isInteger(u * 2), 'must be a multiple of 0.5 U');

export const DEVICE_ROLES = ['compute-host', 'tor-switch', 'management-switch', 'patch-panel', 'pdu', 'ups'] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];

/** Fields an entry may flag as a planning estimate. */
export const ESTIMABLE_FIELDS = ['weightKg', 'depthMm', 'fullDepth', 'draw', 'draw.idleW', 'draw.typicalW', 'psu', 'ups.ratingW', 'ups.batteryWh'] as const;

const DrawSchema = z
  .object({
    idleW: Watts.nullable(),
    typicalW: Watts,
    maxW: Watts,
  })
  .strict()
  .refine((d) => d.typicalW <= d.maxW, { message: 'typicalW must not exceed maxW', path: ['typicalW'] })
  .refine((d) => d.idleW === null || d.idleW <= d.typicalW, { message: 'idleW must not exceed typicalW', path: ['idleW'] });

const PsuSchema = z
  .object({
    count: z.number().int().min(1).max(8),
    /** One PSU's rating, W (DC output, as vendors rate them). */
    ratingW: Watts.nullable(),
    /** "1+1": either PSU alone carries the device; "none": all are needed. */
    redundancy: z.enum(['1+1', 'n+1', 'none']),
  })
  .strict();

const PduInletSchema = z
  .object({
    voltage: z.number().finite().positive(),
    voltageType: z.enum(['line-to-line', 'line-to-neutral']),
    phase: z.enum(['single', 'three']),
    amperage: z.number().finite().positive(),
    plug: z.string().min(1),
    outlets: z.object({ c13: z.number().int().nonnegative(), c19: z.number().int().nonnegative() }).strict(),
  })
  .strict();

const UpsRatingSchema = z
  .object({
    ratingVA: z.number().finite().positive(),
    ratingW: z.number().finite().positive(),
    /** Internal battery energy, Wh, when known. */
    batteryWh: z.number().finite().positive().nullable(),
  })
  .strict()
  .refine((u) => u.ratingW <= u.ratingVA, { message: 'a UPS cannot deliver more W than VA', path: ['ratingW'] });

export const CatalogueDeviceSchema = z
  .object({
    id: Id,
    manufacturer: z.string().min(1),
    model: z.string().min(1),
    role: z.enum(DEVICE_ROLES),
    uHeight: HalfU,
    fullDepth: z.boolean(),
    depthMm: z.number().finite().positive().nullable(),
    weightKg: z.number().finite().nonnegative(),
    /** AC input watts. null for the power path itself (PDU, UPS): their losses are not IT load. */
    draw: DrawSchema.nullable(),
    psu: PsuSchema.nullable(),
    pdu: PduInletSchema.optional(),
    ups: UpsRatingSchema.optional(),
    spec: z.string().optional(),
    estimated: z.array(z.enum(ESTIMABLE_FIELDS)).default([]),
    source: z.string().min(1),
  })
  .strict()
  .superRefine((d, ctx) => {
    const need = (ok: boolean, path: string, message: string): void => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [path], message });
    };
    need((d.role === 'pdu') === (d.pdu !== undefined), 'pdu', 'a PDU, and only a PDU, has a pdu inlet block');
    need((d.role === 'ups') === (d.ups !== undefined), 'ups', 'a UPS, and only a UPS, has a ups rating block');
    need(d.role === 'pdu' || d.role === 'ups' || d.draw !== null, 'draw', 'only PDUs and UPSes may have no draw');
    need(d.uHeight > 0 || d.role === 'pdu', 'uHeight', 'only PDUs mount at zero U');
    if (d.psu && d.psu.ratingW !== null && d.draw && d.psu.redundancy === '1+1') {
      need(d.draw.maxW <= d.psu.ratingW, 'psu', `with 1+1 PSUs one ${d.psu.ratingW} W PSU must carry the ${d.draw.maxW} W maximum`);
    }
  });
export type CatalogueDevice = z.infer<typeof CatalogueDeviceSchema>;

export const CatalogueRackSchema = z
  .object({
    id: Id,
    manufacturer: z.string().min(1),
    model: z.string().min(1),
    uHeight: z.number().int().min(1).max(100),
    /** Rated equipment load, kg. */
    maxLoadKg: z.number().finite().positive(),
    emptyWeightKg: z.number().finite().nonnegative(),
    mountingDepthMm: z.number().finite().positive().nullable(),
    outerMm: z.object({ width: z.number().positive(), depth: z.number().positive(), height: z.number().positive().nullable() }).strict(),
    source: z.string().min(1),
  })
  .strict();
export type CatalogueRack = z.infer<typeof CatalogueRackSchema>;

export const CatalogueSchema = z
  .object({
    schema: z.literal(CATALOGUE_SCHEMA_ID),
    note: z.string().optional(),
    /** The entries the pool presets use. */
    defaults: z
      .object({
        poolHost: Id,
        torSwitch: Id,
        managementSwitch: Id,
        patchPanel: Id,
        pdu: Id,
        racks: z.object({ '42': Id, '45': Id, '48': Id }).strict(),
      })
      .strict(),
    devices: z.array(CatalogueDeviceSchema).min(1),
    racks: z.array(CatalogueRackSchema).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.devices.forEach((d, i) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate id "${d.id}"` });
      seen.add(d.id);
    });
    c.racks.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['racks', i, 'id'], message: `duplicate id "${r.id}"` });
      seen.add(r.id);
    });
    const role = (id: string): DeviceRole | undefined => c.devices.find((d) => d.id === id)?.role;
    const want: [keyof typeof c.defaults, DeviceRole][] = [
      ['poolHost', 'compute-host'],
      ['torSwitch', 'tor-switch'],
      ['managementSwitch', 'management-switch'],
      ['patchPanel', 'patch-panel'],
      ['pdu', 'pdu'],
    ];
    for (const [key, r] of want) {
      const id = c.defaults[key] as string;
      if (role(id) !== r) ctx.addIssue({ code: 'custom', path: ['defaults', key], message: `"${id}" is not a ${r} in this catalogue` });
    }
    for (const h of ['42', '45', '48'] as const) {
      const rack = c.racks.find((r) => r.id === c.defaults.racks[h]);
      if (!rack || rack.uHeight !== Number(h)) ctx.addIssue({ code: 'custom', path: ['defaults', 'racks', h], message: `no ${h} U rack "${c.defaults.racks[h]}"` });
    }
  });
export type CatalogueData = z.infer<typeof CatalogueSchema>;

/** A parsed catalogue with lookups. */
export class Catalogue {
  readonly data: CatalogueData;
  private readonly devicesById: Map<string, CatalogueDevice>;
  private readonly racksById: Map<string, CatalogueRack>;

  constructor(data: CatalogueData) {
    this.data = data;
    this.devicesById = new Map(data.devices.map((d) => [d.id, d]));
    this.racksById = new Map(data.racks.map((r) => [r.id, r]));
  }

  device(id: string): CatalogueDevice | undefined {
    return this.devicesById.get(id);
  }

  rack(id: string): CatalogueRack | undefined {
    return this.racksById.get(id);
  }

  get devices(): readonly CatalogueDevice[] {
    return this.data.devices;
  }

  get racks(): readonly CatalogueRack[] {
    return this.data.racks;
  }
}

export type CatalogueResult = { ok: true; catalogue: Catalogue } | { ok: false; issues: ValidationIssue[] };

/** Validate parsed JSON as a catalogue. Never throws. */
export function parseCatalogue(json: unknown): CatalogueResult {
  const r = CatalogueSchema.safeParse(json);
  if (!r.success) return { ok: false, issues: r.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message })) };
  return { ok: true, catalogue: new Catalogue(r.data) };
}

/** Parse catalogue JSON text. Never throws. */
export function parseCatalogueText(text: string): CatalogueResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, issues: [{ path: '$', message: `not JSON: ${(err as Error).message}` }] };
  }
  return parseCatalogue(json);
}

/** Read and validate a catalogue file through `readFile` (so the CLI and tests choose the file system). */
export async function loadCatalogue(readFile: (path: string) => Promise<string>, path: string = DEFAULT_CATALOGUE_PATH): Promise<CatalogueResult> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (err) {
    return { ok: false, issues: [{ path: '$', message: `cannot read ${path}: ${(err as Error).message}` }] };
  }
  return parseCatalogueText(text);
}
