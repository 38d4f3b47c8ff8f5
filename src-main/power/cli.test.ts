import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATALOGUE_PATH } from './catalogue';
import { runPowerCli } from './cli';
import { loadDevice, onePlan, singlePhaseFeed } from './test-support';

const CATALOGUE_TEXT = readFileSync(DEFAULT_CATALOGUE_PATH, 'utf8');

async function run(argv: string[], files: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const all: Record<string, string> = { [DEFAULT_CATALOGUE_PATH]: CATALOGUE_TEXT, ...files };
  const code = await runPowerCli(argv, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    readFile: async (path) => {
      const f = all[path];
      if (f === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return f;
    },
  });
  return { code, out, err };
}

const oneJsonLine = (out: string): Record<string, unknown> => {
  expect(out.endsWith('\n')).toBe(true);
  expect(out.trimEnd().includes('\n')).toBe(false);
  return JSON.parse(out) as Record<string, unknown>;
};

describe('cairn power feed', () => {
  it('--json: one line, NetBox numbers by default (line-to-line, 1.732, half-to-even)', async () => {
    const r = await run(['feed', '--voltage', '208', '--amperage', '30', '--phase', 'three', '--max-utilization', '80', '--json']);
    expect(r.code).toBe(0);
    const j = oneJsonLine(r.out);
    expect(j).toMatchObject({ availableVA: 8646, availableW: 8214, voltageType: 'line-to-line', mode: 'netbox', continuousAmps: 24 });
    expect(Object.keys(j).slice(0, 2)).toEqual(['availableVA', 'availableW']);
  });

  it('reproduces the half-to-even case and DC', async () => {
    expect(oneJsonLine((await run(['feed', '--voltage', '125', '--amperage', '1', '--phase', 'three', '--max-utilization', '100', '--json'])).out).availableVA).toBe(216);
    const dc = oneJsonLine((await run(['feed', '--voltage', '-48', '--amperage', '60', '--phase', 'single', '--max-utilization', '80', '--supply', 'dc', '--json'])).out);
    expect(dc).toMatchObject({ availableVA: 2304, availableW: 2304, powerFactor: 1, voltageType: null });
  });

  it('line-to-neutral and exact mode', async () => {
    const j = oneJsonLine(
      (await run(['feed', '--voltage', '230', '--amperage', '32', '--phase', 'three', '--max-utilization', '80', '--voltage-type', 'line-to-neutral', '--power-factor', '1', '--mode', 'exact', '--json'])).out,
    );
    expect(j).toMatchObject({ availableVA: 17664, availableW: 17664, voltageLineToNeutral: 230, voltageLineToLine: 398.37 });
    expect(oneJsonLine((await run(['feed', '--voltage', '208', '--amperage', '30', '--phase', 'three', '--mode', 'exact', '--json'])).out).availableVA).toBe(8646.4);
  });

  it('accepts NetBox spellings and defaults utilisation to 80 %', async () => {
    const j = oneJsonLine((await run(['feed', '--voltage', '120', '--amperage', '15', '--phase', 'single-phase', '--json'])).out);
    expect(j).toMatchObject({ availableVA: 1440, maxUtilizationPercent: 80 });
  });

  it('human output', async () => {
    const r = await run(['feed', '--voltage', '208', '--amperage', '30', '--phase', 'three']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/available {2}8646 VA {2}8214 W/);
  });

  it.each([
    [['feed', '--amperage', '30', '--phase', 'three']],
    [['feed', '--voltage', '208', '--amperage', '30']],
    [['feed', '--voltage', '208', '--amperage', '30', '--phase', 'two']],
    [['feed', '--voltage', '208', '--amperage', 'many', '--phase', 'three']],
    [['feed', '--voltage', '-230', '--amperage', '30', '--phase', 'single']],
    [['feed', '--voltage', '48', '--amperage', '30', '--phase', 'three', '--supply', 'dc']],
    [['feed', '--voltage', '208', '--amperage', '30', '--phase', 'three', '--max-utilization', '120']],
    [['feed', '--voltage', '208', '--amperage', '30', '--phase', 'three', '--power-factor', '0']],
    [['feed', '--voltage', '208', '--amperage', '30', '--phase', 'three', '--bogus']],
    [['feed', 'extra', '--voltage', '208', '--amperage', '30', '--phase', 'three']],
  ])('usage errors exit 2: %j', async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^cairn power: /);
  });
});

describe('cairn power heat', () => {
  it('--json: exactly {btuPerHour, coolingTons}', async () => {
    const r = await run(['heat', '--watts', '800', '--json']);
    expect(r.code).toBe(0);
    expect(oneJsonLine(r.out)).toEqual({ btuPerHour: 2729.71, coolingTons: 0.227 });
    expect(oneJsonLine((await run(['heat', '--watts', '9600', '--json'])).out)).toEqual({ btuPerHour: 32756.56, coolingTons: 2.73 });
  });

  it('text, and usage errors', async () => {
    expect((await run(['heat', '--watts', '0'])).out).toBe('0 W → 0 BTU/hr → 0 tons of cooling\n');
    expect((await run(['heat'])).code).toBe(2);
    expect((await run(['heat', '--watts', '-1'])).code).toBe(2);
  });
});

describe('cairn power plan', () => {
  const failing = JSON.stringify(onePlan([loadDevice('d1', 1, 3000, [{ feed: 'fa' }, { feed: 'fb' }])], [singlePhaseFeed('fa', 'r1', 'A', 16), singlePhaseFeed('fb', 'r1', 'B', 16)]));
  const passing = JSON.stringify(onePlan([loadDevice('d1', 1, 2000, [{ feed: 'fa' }, { feed: 'fb' }])], [singlePhaseFeed('fa', 'r1', 'A', 16), singlePhaseFeed('fb', 'r1', 'B', 16)]));

  it('exit 0 and a report when clean', async () => {
    const r = await run(['plan', 'ok.json'], { 'ok.json': passing });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Violations: none/);
    const j = oneJsonLine((await run(['plan', 'ok.json', '--json'], { 'ok.json': passing })).out);
    expect(j).toMatchObject({ schema: 'cairn-power-report/v1', ok: true, violations: [] });
  });

  it('exit 1 with every violation and what is missing', async () => {
    const r = await run(['plan', 'bad.json'], { 'bad.json': failing });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ERROR failover-overload at \$\.feeds\[0\]: .* \[missing 56 W, 56 VA, 0\.24 A\]/);
    const j = oneJsonLine((await run(['plan', 'bad.json', '--json'], { 'bad.json': failing })).out) as { ok: boolean; violations: unknown[] };
    expect(j.ok).toBe(false);
    expect(j.violations).toContainEqual({
      code: 'failover-overload',
      severity: 'error',
      message: expect.any(String),
      missing: { w: 56, va: 56, a: 0.24 },
      path: '$.feeds[1]',
    });
  });

  it('exit 2 for unreadable, non-JSON or invalid plans, with the JSON path', async () => {
    const missing = await run(['plan', 'nope.json']);
    expect(missing).toMatchObject({ code: 2, out: '' });
    expect(missing.err).toMatch(/cannot read nope\.json: ENOENT/);

    expect((await run(['plan', 'x.json'], { 'x.json': '{"schema":' })).code).toBe(2);

    const invalid = await run(['plan', 'x.json'], { 'x.json': failing.replace('"position":1', '"position":1.25') });
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/\$\.racks\[0\]\.devices\[0\]\.position: must be a multiple of 0\.5 U/);

    const asJson = await run(['plan', 'x.json', '--json'], { 'x.json': failing.replace('"ref":"arista-dcs-7050sx3-48yc8"', '"ref":"nope"') });
    expect(asJson.code).toBe(2);
    expect(oneJsonLine(asJson.out)).toMatchObject({ ok: false, error: { code: 'invalid-plan', issues: [{ path: '$.racks[0].devices[0].ref' }] } });
  });

  it('exit 2 for a bad catalogue', async () => {
    const r = await run(['plan', 'ok.json', '--catalogue', 'cat.json'], { 'ok.json': passing, 'cat.json': '{"schema":"cairn-hardware-catalogue/v1"}' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/catalogue cat\.json is not valid/);
  });

  it('usage: no file, two files', async () => {
    expect((await run(['plan'])).code).toBe(2);
    expect((await run(['plan', 'a.json', 'b.json'])).code).toBe(2);
  });
});

describe('cairn power (top level)', () => {
  it('help exits 0 on stdout; no command exits 2 on stderr; unknown command exits 2', async () => {
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toMatch(/^usage: cairn power/);
    expect((await run(['feed', '--help'])).code).toBe(0);
    const none = await run([]);
    expect(none).toMatchObject({ code: 2, out: '' });
    expect((await run(['watts'])).code).toBe(2);
  });

  it('catalogue lists and validates', async () => {
    const r = await run(['catalogue', '--json']);
    expect(r.code).toBe(0);
    const j = oneJsonLine(r.out) as { devices: { id: string }[]; racks: unknown[] };
    expect(j.devices.map((d) => d.id)).toContain('pool-host-epyc-9254');
    expect((await run(['catalogue'])).out).toMatch(/pool-host-epyc-9254/);
  });
});
