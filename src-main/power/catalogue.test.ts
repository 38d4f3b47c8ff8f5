import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE_PATH, loadCatalogue, parseCatalogue, parseCatalogueText, type CatalogueData } from './catalogue';
import { CATALOGUE_FILE, DCIM_DIR, loadHardware, shippedCatalogue } from './test-support';

const raw = (): CatalogueData => JSON.parse(readFileSync(CATALOGUE_FILE, 'utf8')) as CatalogueData;

describe('the shipped catalogue', () => {
  const cat = shippedCatalogue();

  it('is where the loader looks by default, and validates', async () => {
    expect(DEFAULT_CATALOGUE_PATH).toBe(CATALOGUE_FILE);
    const r = await loadCatalogue((p) => readFile(p, 'utf8'));
    expect(r.ok).toBe(true);
  });

  it('offers the pool host of the service description: 2 × 24 cores, 512 GB, ~32 TB SSD, 2U', () => {
    const host = cat.device(cat.data.defaults.poolHost)!;
    expect(host.role).toBe('compute-host');
    expect(host.model).toMatch(/2× AMD EPYC 9254 \(24 cores each\), 512 GB/);
    expect(host.spec).toMatch(/48 cores, 512 GB, 4× 7\.68 TB NVMe/);
    expect(host.uHeight).toBe(2);
    expect(host.psu).toEqual({ count: 2, ratingW: 1100, redundancy: '1+1' });
  });

  it('has switches, PDUs, UPSes and 42/45/48 U racks', () => {
    const roles = new Set(cat.devices.map((d) => d.role));
    for (const r of ['compute-host', 'tor-switch', 'management-switch', 'patch-panel', 'pdu', 'ups'] as const) expect(roles.has(r)).toBe(true);
    expect(cat.racks.map((r) => r.uHeight).sort()).toEqual([42, 42, 45, 48, 48]);
  });

  // The catalogue's figures must stay those of the reference set they cite.
  const FROM_HARDWARE: [string, string][] = [
    ['pool-host-epyc-9254', 'Pool host estimate: 2x AMD EPYC 9254 '],
    ['pool-host-epyc-9274f', 'Pool host estimate: 2x AMD EPYC 9274F '],
    ['pool-host-xeon-6442y', 'Pool host estimate: 2x Intel Xeon Gold 6442Y '],
    ['pool-host-xeon-5418y', 'Pool host estimate: 2x Intel Xeon Gold 5418Y '],
    ['arista-dcs-7050sx3-48yc8', 'Arista DCS-7050SX3-48YC8'],
    ['dell-s5248f-on', 'Dell EMC S5248F-ON'],
    ['cisco-n9k-c93180yc-fx', 'Cisco Nexus 93180YC-FX'],
    ['juniper-qfx5120-48y', 'Juniper QFX5120-48Y'],
    ['apc-smt3000rmi2u', 'APC Smart-UPS SMT3000RMI2U'],
    ['apc-srt5krmxli', 'APC Smart-UPS SRT 5000VA'],
    ['apc-ap8841', 'APC AP8841'],
    ['apc-ap8853', 'APC AP8853'],
    ['apc-ap8886', 'APC AP8886'],
  ];
  const hardware = loadHardware();

  it.each(FROM_HARDWARE)('%s agrees with hardware.json', (id, prefix) => {
    const row = hardware.find((h) => h.model.startsWith(prefix));
    expect(row, `hardware.json row "${prefix}"`).toBeDefined();
    const d = cat.device(id)!;
    expect(d.uHeight).toBe(row!.u);
    if (d.draw) {
      expect(d.draw.maxW).toBe(row!.max_w);
      if (row!.typical_w !== null) expect(d.draw.typicalW).toBe(row!.typical_w);
      else expect(d.estimated).toContain('draw.typicalW');
      if (row!.idle_w !== null) expect(d.draw.idleW).toBe(row!.idle_w);
    }
    if (d.role === 'compute-host') expect(d.psu?.ratingW).toBe(row!.nameplate_w);
    if (row!.weight_kg === null) expect(d.estimated).toContain('weightKg');
    else expect(d.weightKg).toBe(row!.weight_kg);
  });

  it('pool totals match the reference estimate for 3/6/9/12 hosts', () => {
    const est = JSON.parse(readFileSync(`${DCIM_DIR}/hardware.json`, 'utf8')).estimate_method.pool_totals_for_typical_9254_host as Record<string, { idle_w: number; typical_w: number; max_w: number }>;
    const host = cat.device('pool-host-epyc-9254')!.draw!;
    for (const [n, t] of Object.entries(est)) {
      expect({ idle_w: host.idleW! * Number(n), typical_w: host.typicalW * Number(n), max_w: host.maxW * Number(n) }).toEqual(t);
    }
  });

  it('every entry names its source and every estimate is flagged', () => {
    for (const d of cat.devices) expect(d.source.length).toBeGreaterThan(20);
    for (const r of cat.racks) expect(r.source).toMatch(/devicetype-library rack-types\//);
  });
});

describe('catalogue schema', () => {
  const issuesOf = (mutate: (c: CatalogueData) => void): { path: string; message: string }[] => {
    const c = raw();
    mutate(c);
    const r = parseCatalogue(c);
    return r.ok ? [] : r.issues;
  };

  it('refuses typical above max with the JSON path', () => {
    expect(issuesOf((c) => (c.devices[0]!.draw!.typicalW = 5000))).toContainEqual({ path: '$.devices[0].draw.typicalW', message: 'typicalW must not exceed maxW' });
  });

  it('refuses a height that is not a multiple of 0.5 U', () => {
    expect(issuesOf((c) => (c.devices[0]!.uHeight = 2.3)).map((i) => i.path)).toContain('$.devices[0].uHeight');
  });

  it('a half-U device is fine', () => {
    expect(issuesOf((c) => (c.devices[4]!.uHeight = 0.5))).toEqual([]);
  });

  it('refuses a PDU without its inlet, a UPS rating on a switch, zero U for a host', () => {
    expect(issuesOf((c) => delete c.devices.find((d) => d.role === 'pdu')!.pdu).map((i) => i.message)).toContain('a PDU, and only a PDU, has a pdu inlet block');
    expect(issuesOf((c) => (c.devices[4]!.ups = { ratingVA: 1, ratingW: 1, batteryWh: null })).length).toBeGreaterThan(0);
    expect(issuesOf((c) => (c.devices[0]!.uHeight = 0)).map((i) => i.path)).toContain('$.devices[0].uHeight');
  });

  it('refuses 1+1 PSUs that cannot carry the maximum alone', () => {
    expect(issuesOf((c) => (c.devices[0]!.draw!.maxW = 1200)).map((i) => i.path)).toContain('$.devices[0].psu');
  });

  it('refuses duplicate ids and defaults of the wrong role', () => {
    expect(issuesOf((c) => (c.devices[1]!.id = c.devices[0]!.id)).map((i) => i.path)).toContain('$.devices[1].id');
    expect(issuesOf((c) => (c.defaults.poolHost = 'apc-ap8853')).map((i) => i.path)).toContain('$.defaults.poolHost');
    expect(issuesOf((c) => (c.defaults.racks['45'] = 'conteg-ri7-42-60-100')).map((i) => i.path)).toContain('$.defaults.racks["45"]');
  });

  it('refuses unknown fields (strict)', () => {
    expect(issuesOf((c) => ((c.devices[0] as unknown as Record<string, unknown>).colour = 'black')).length).toBeGreaterThan(0);
  });

  it('reports invalid JSON and unreadable files as issues, never by throwing', async () => {
    expect(parseCatalogueText('{')).toMatchObject({ ok: false, issues: [{ path: '$' }] });
    expect(parseCatalogue(null)).toMatchObject({ ok: false });
    const r = await loadCatalogue(async () => {
      throw new Error('ENOENT');
    }, '/nope.json');
    expect(r).toMatchObject({ ok: false, issues: [{ path: '$', message: expect.stringMatching(/cannot read \/nope\.json: ENOENT/) }] });
  });
});
