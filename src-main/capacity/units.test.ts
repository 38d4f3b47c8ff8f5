/**
 * The small pieces: the trend/forecast's honesty on flat, falling, noisy and
 * short series; HA policy normalisation from both PVE models; the service
 * catalogue file against SERVICE.md and its validation; the CLI.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_CATALOGUE_PATH, hostSpec, loadServiceCatalogue, parseServiceCatalogue, poolSizeFor } from './catalogue';
import { parseDemand, runCapacityCli } from './cli';
import { forecast, linearFit } from './forecast';
import { normaliseHaPolicy, parseNodes, parseResources } from './ha-policy';

const DAY = 86_400_000;
const days = (n: number, f: (i: number) => number | null) => Array.from({ length: n }, (_, i) => [1_750_000_000_000 + i * DAY, f(i)] as [number, number | null]);

describe('forecast', () => {
  it('fits a line exactly and predicts the crossing day', () => {
    const fit = linearFit(days(10, (i) => 0.1 + 0.02 * i) as [number, number][])!;
    expect(fit.slope * DAY).toBeCloseTo(0.02, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    const f = forecast(days(30, (i) => 0.2 + 0.01 * i), 0.8);
    expect(f.forecast.status).toBe('crosses');
    // Last value 0.49 at day 29; 0.31 more at 0.01/day = 31 days.
    expect(f.forecast.days).toBeCloseTo(31, 6);
    expect(Date.parse(f.forecast.at!)).toBeCloseTo(1_750_000_000_000 + 60 * DAY, -3);
  });
  it('is honest about flat, decreasing, noisy, short, gappy and already-full series', () => {
    expect(forecast(days(30, () => 0.5), 0.8).forecast.status).toBe('not-significant');
    expect(forecast(days(30, (i) => 0.7 - 0.01 * i), 0.8).forecast.status).toBe('no-crossing');
    // Zig-zag noise of ±0.2 around a tiny slope: the t-statistic is far under 2.
    expect(forecast(days(30, (i) => 0.4 + (i % 2 ? 0.2 : -0.2) + 0.0001 * i), 0.8).forecast.status).toBe('not-significant');
    expect(forecast(days(5, (i) => 0.1 * i), 0.8).forecast.status).toBe('insufficient-data');
    expect(forecast(days(30, (i) => (i % 3 === 0 ? null : 0.1)), 0.8).forecast.status).toBe('not-significant');
    expect(forecast(days(30, (i) => 0.85 + 0.001 * i), 0.8).forecast.status).toBe('already-above');
    // A slow climb that would need decades: no crossing within the horizon.
    const slow = forecast(days(60, (i) => 0.2 + 0.0001 * i), 0.8, 365).forecast;
    expect(slow.status).toBe('no-crossing');
    expect(slow.message).toMatch(/within 365 days/);
  });
});

describe('HA policy normalisation', () => {
  it('reads PVE 9 rules, skipping disabled ones', () => {
    expect(parseResources('vm:100,ct:101, 102,bogus')).toEqual([100, 101, 102]);
    expect([...parseNodes('n1:2,n2')]).toEqual([['n1', 2], ['n2', 0]]);
    const p = normaliseHaPolicy({
      model: 'rules',
      rules: [
        { rule: 'a', type: 'node-affinity', resources: 'vm:1,vm:2', nodes: 'n1:2,n2', strict: true },
        { rule: 'b', type: 'resource-affinity', resources: 'vm:1,vm:3', affinity: 'negative' },
        { rule: 'c', type: 'resource-affinity', resources: 'vm:4,vm:5', affinity: 'positive', disable: true },
      ],
    });
    expect(p.nodeAffinity).toEqual([{ rule: 'a', vmids: [1, 2], nodes: new Map([['n1', 2], ['n2', 0]]), strict: true }]);
    expect(p.resourceAffinity).toEqual([{ rule: 'b', vmids: [1, 3], affinity: 'negative' }]);
  });
  it('turns PVE 8 groups into node-affinity rules (restricted = strict)', () => {
    const p = normaliseHaPolicy({ model: 'groups', groups: [{ group: 'g', nodes: 'n1,n2:1', restricted: false }, { group: 'empty', nodes: 'n3' }], resources: [{ sid: 'vm:7', group: 'g' }, { sid: 'ct:8', group: 'g' }, { sid: 'vm:9' }] });
    expect(p.nodeAffinity).toEqual([{ rule: 'group g', vmids: [7, 8], nodes: new Map([['n1', 0], ['n2', 1]]), strict: false }]);
    expect(p.resourceAffinity).toEqual([]);
  });
});

describe('service catalogue', () => {
  it('carries SERVICE.md: pools of 3/6/9/12 hosts, the edge pool, 2×24-core 512 GB 32 TB hosts, VM sizes', async () => {
    const c = await loadServiceCatalogue();
    expect(c.pools.map((p) => [p.id, p.hosts])).toEqual([['small', 3], ['medium', 6], ['large', 9], ['x-large', 12], ['edge-small', 3]]);
    expect(c.vmSizes.map((v) => [v.id, v.vcpu, v.memoryGB])).toEqual([['small', 2, 4], ['medium', 4, 8], ['large', 8, 16], ['x-large', 16, 32]]);
    expect(hostSpec(c)).toEqual({ threads: 96, memBytes: 512 * 1024 ** 3, ssdBytes: 32e12 });
    expect(poolSizeFor(c, 3, 'edge')).toBe('edge-small');
    expect(poolSizeFor(c, 12, 'datacentre')).toBe('x-large');
    expect(poolSizeFor(c, 5, 'datacentre')).toBeNull();
  });
  it('refuses broken catalogues with the JSON path of the fault', () => {
    const good = JSON.parse(readFileSync(DEFAULT_SERVICE_CATALOGUE_PATH, 'utf8')) as { pools: { id: string; hosts: number }[]; vmSizes: { vcpu: number }[] };
    expect(() => parseServiceCatalogue('{')).toThrow(/not JSON/);
    const dup = structuredClone(good);
    dup.pools[1]!.id = 'small';
    expect(() => parseServiceCatalogue(JSON.stringify(dup))).toThrow(/\$\.pools\[1\]\.id: duplicate id "small"/);
    const tiny = structuredClone(good);
    tiny.pools[0]!.hosts = 2;
    expect(() => parseServiceCatalogue(JSON.stringify(tiny))).toThrow(/\$\.pools\[0\]\.hosts: a pool needs at least 3 hosts/);
    expect(() => parseServiceCatalogue(JSON.stringify({ ...good, schema: 'other' }))).toThrow(/\$\.schema/);
  });
});

describe('cairn capacity', () => {
  const run = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runCapacityCli(argv, {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      withService: () => Promise.reject(new Error('no service in this test')),
    });
    return { code, out, err };
  };
  it('sizes a pool from a demand, as text and as one line of JSON', async () => {
    const t = await run('size-pool', '--demand', 'medium=40,large=10');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/Demand: 50 VMs, 240 vCPU, 480 GiB/);
    expect(t.out).toMatch(/Pool Small \(3 hosts\) is the smallest/);
    const j = await run('size-pool', '--demand', 'xlarge=400', '--json');
    expect(j.code).toBe(1);
    const parsed = JSON.parse(j.out) as { recommended: string | null; vms: number };
    expect(parsed).toMatchObject({ recommended: null, vms: 400 });
    expect(j.out.trim().split('\n')).toHaveLength(1);
  });
  it('lists the catalogue and refuses bad usage', async () => {
    expect((await run('catalogue')).out).toMatch(/Pool X-Large\s+12 hosts/);
    expect(() => parseDemand('huge=3')).toThrow(/unknown VM size/);
    await expect(run('size-pool')).rejects.toThrow(/--demand is required/);
    await expect(run('what-if', '--host', 'a/b', '--site', 'x')).rejects.toThrow(/exactly one/);
    await expect(run('bogus')).rejects.toThrow(/unknown capacity command/);
    expect((await run()).code).toBe(2);
  });
});
