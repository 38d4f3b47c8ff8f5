/**
 * resources/hardware/example-site-plan.json stays a clean, current example:
 * it evaluates with no violations, its rack is exactly the Pool Small preset
 * (plus the two rack UPSes below it), and the CLI accepts it.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runPowerCli } from './cli';
import { evaluateSitePlanText } from './plan';
import type { SitePlanInput } from './plan-schema';
import { poolPreset } from './presets';
import { EXAMPLE_PLAN_FILE, shippedCatalogue } from './test-support';

const cat = shippedCatalogue();
const text = readFileSync(EXAMPLE_PLAN_FILE, 'utf8');
const plan = JSON.parse(text) as SitePlanInput;

describe('the example site plan', () => {
  it('evaluates cleanly', () => {
    const r = evaluateSitePlanText(text, cat);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.report.violations).toEqual([]);
    expect(r.report.ok).toBe(true);
  });

  it('is an edge site with one Pool Small rack, A/B feeds, a 2N UPS, a generator and cooling', () => {
    const r = evaluateSitePlanText(text, cat);
    if (!r.ok) throw new Error('invalid');
    const rep = r.report;
    expect(rep.racks).toHaveLength(1);
    expect(rep.devices.filter((d) => d.role === 'compute-host')).toHaveLength(3);
    expect(rep.feeds.map((f) => f.side)).toEqual(['A', 'B']);
    expect(rep.site.scenarios).toEqual(['normal', 'side-A-lost', 'side-B-lost']);
    expect(rep.ups).toMatchObject({ redundancy: '2N', modulesInstalled: 2 });
    expect(rep.generator.ratedKW).toBe(8);
    expect(rep.cooling!.inlet!.verdict).toBe('recommended');
  });

  it('its rack and feeds are the Pool Small preset, hosts raised above the two 3 U UPSes', () => {
    const rack = plan.racks[0]!;
    const preset = poolPreset(cat, 'small', { rackId: rack.id, firstHostU: 7, panels: { a: 'db-a', b: 'db-b' } });
    if (!preset.ok) throw new Error(preset.reason);
    expect({ ...rack, devices: rack.devices!.filter((d) => d.ref !== 'apc-srt5krmxli') }).toEqual(preset.preset.rack);
    expect(plan.feeds).toEqual(preset.preset.feeds);
    expect(rack.devices!.filter((d) => d.ref === 'apc-srt5krmxli').map((d) => d.position)).toEqual([1, 4]);
  });

  it('`cairn power plan` exits 0 on it', async () => {
    let out = '';
    const code = await runPowerCli(['plan', EXAMPLE_PLAN_FILE], { stdout: (s) => void (out += s), stderr: () => undefined, readFile: (p) => readFile(p, 'utf8') });
    expect(code).toBe(0);
    expect(out).toMatch(/Violations: none/);
  });
});
