/**
 * CapacityService over a real SQLite fleet cache filled through the
 * inventory repo with real-shaped clusters (96-thread, 506 GiB hosts as
 * PVE reports the catalogue host), HA rules from a fake policy source in
 * both PVE models, fake RRD and attestation history.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttestationResult, RrdPoint } from '../../src-preload/contract';
import { InventoryRepo } from '../fleet/inventory-repo';
import { guest, node, snapshot } from '../fleet/test-fixtures';
import { ConnectionsRepo } from '../store/connections-repo';
import { openDatabase, type Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { loadServiceCatalogue, type ServiceCatalogue } from './catalogue';
import type { RawHaPolicy } from './ha-policy';
import { CapacityService } from './service';

const GiB = 1024 ** 3;
const MEM = 506 * GiB;
const NOW = new Date('2026-03-01T12:00:00Z');

let db: Db;
let catalogue: ServiceCatalogue;
let ids: Record<string, string>;
let policies: Map<string, RawHaPolicy | Error>;
let attested: Map<string, AttestationResult>;
let rrd: Map<string, RrdPoint[]>;
let clock: Date;
let fetches: number;

const site = (name: string, region = 'south', kind: 'edge' | 'datacentre' = 'datacentre') => ({ id: `site:${name}`, name, region, kind });
const host = (n: string) => node(n, { maxcpu: 96, maxmem: MEM, mem: 40 * GiB, cpu: 0.2 });
const vm = (vmid: number, n: string, memGiB: number, over: Parameters<typeof guest>[2] = {}) =>
  guest(vmid, n, { maxmem: memGiB * GiB, cpus: memGiB / 2, tags: ['tenant-acme'], hastate: 'started', ...over });

function service(): CapacityService {
  return new CapacityService({
    db,
    catalogue,
    haPolicies: {
      fetch: async (clusterId) => {
        fetches++;
        const p = policies.get(clusterId);
        if (p instanceof Error) throw p;
        return p ?? { model: 'rules', rules: [] };
      },
    },
    rrd: async (clusterId, n) => {
      const pts = rrd.get(`${clusterId}/${n}`);
      if (!pts) throw new AppException('unreachable', 'no rrd');
      return { points: pts, cached: false };
    },
    attestation: { latestByGuest: () => attested },
    staleClusters: () => new Set(),
    now: () => clock,
  });
}

beforeEach(async () => {
  db = openDatabase(':memory:');
  catalogue = await loadServiceCatalogue();
  const conns = new ConnectionsRepo(db);
  const repo = new InventoryRepo(db);
  ids = {};
  for (const name of ['tight', 'roomy', 'edge']) ids[name] = conns.insert({ name, kind: 'pve', url: `https://${name}:8006`, fingerprint: null, tokenId: 't@pve!x', site: name, simulated: false }).id;
  // "tight": three hosts, each carrying 300 GiB of HA guests: losing any one leaves 300 GiB for ~155 GiB of room.
  repo.apply(
    ids.tight as string,
    site('dc-south'),
    snapshot(
      'tight',
      [host('t1'), host('t2'), host('t3')],
      [
        vm(100, 't1', 160, { name: 'acme-db-01' }),
        vm(101, 't1', 140),
        vm(102, 't2', 160, { name: 'acme-db-02' }),
        vm(103, 't2', 140),
        vm(104, 't3', 150),
        vm(105, 't3', 150),
        vm(106, 't1', 8, { hastate: null, name: 'scratch' }),
        vm(107, 't2', 64, { status: 'stopped', hastate: null }),
      ],
    ),
  );
  repo.apply(
    ids.roomy as string,
    site('dc-south'),
    snapshot(
      'roomy',
      [host('r1'), host('r2'), host('r3')],
      [
        vm(200, 'r1', 16, { name: 'acme-db-01', tags: ['tenant-acme', 'confidential'] }),
        vm(201, 'r2', 16, { name: 'acme-db-02' }),
        vm(202, 'r3', 8, { tags: ['tenant-zeta'] }),
      ],
    ),
  );
  repo.apply(ids.edge as string, site('edge-ath-001', 'south', 'edge'), snapshot('edge', [host('e1'), host('e2'), host('e3')], [vm(300, 'e1', 32), vm(301, 'e2', 8, { tags: ['tenant-other'] })]));
  policies = new Map();
  attested = new Map();
  rrd = new Map();
  clock = NOW;
  fetches = 0;
});
afterEach(() => db.close());

describe('capacity figures', () => {
  it('counts allocated vs physical per host and pool, stopped guests apart, shared storage once', async () => {
    const ov = await service().overview();
    const tight = ov.pools.find((p) => p.name === 'tight')!;
    expect(tight.hosts.map((h) => h.node)).toEqual(['t1', 't2', 't3']);
    expect(tight.figures.mem.physical).toBe(3 * MEM);
    expect(tight.figures.mem.allocated).toBe((160 + 140 + 160 + 140 + 150 + 150 + 8) * GiB);
    expect(tight.figures.mem.ratio).toBeCloseTo((908 * GiB) / (3 * MEM), 9);
    expect(tight.figures.stopped).toEqual({ guests: 1, vcpu: 32, mem: 64 * GiB });
    expect(tight.figures.cpu.physical).toBe(288);
    expect(tight.figures.cpu.used).toBeCloseTo(0.2 * 288, 9);
    // One local-zfs of 32 TB per host (fixture), no shared storage.
    expect(tight.figures.disk.physical).toBe(3 * 32e12);
    expect(tight.tenants).toEqual(['acme']);
    expect(tight.catalogueSize).toBe('small');
    const edge = ov.pools.find((p) => p.name === 'edge')!;
    expect(edge.catalogueSize).toBe('edge-small');
    const dc = ov.sites.find((s) => s.id === 'site:dc-south')!;
    expect(dc.pools).toHaveLength(2);
    expect(dc.figures.mem.physical).toBe(6 * MEM);
    expect(ov.fleet.mem.physical).toBe(9 * MEM);
    expect(ov.topConsumers[0]).toMatchObject({ name: 'acme-db-01', mem: 160 * GiB });
    expect(ov.quota.available).toBe(false);
    // Per tenant: running allocation; quotas unknown until orchestration.
    const acme = ov.tenants.find((t) => t.tenant === 'acme')!;
    expect(acme).toMatchObject({ pools: 3, guests: 11, running: 10, quota: null });
    expect(acme.mem).toBe((908 + 32 + 32) * GiB);
    expect(ov.tenants[0]!.tenant).toBe('acme');
  });

  it('says when the overview ran without HA rules, and uses the rules once fetched', async () => {
    const s = service();
    let ov = await s.overview();
    expect(ov.pools[0]!.headroom.rules.source).toBe('none');
    expect(ov.pools[0]!.headroom.rules.note).toMatch(/not fetched yet/);
    await s.pool(ids.tight as string);
    ov = await s.overview();
    expect(ov.pools.find((p) => p.name === 'tight')!.headroom.rules.source).toBe('cached');
  });
});

describe('N+1 headroom', () => {
  it('a pool whose hosts are each 300 GiB full fails N+1 and says why, guest by guest', async () => {
    const r = await service().pool(ids.tight as string);
    expect(r.pool.headroom.verdict).toBe('fails');
    expect(r.losses).toHaveLength(3);
    expect(r.losses.every((l) => !l.survives && l.exact)).toBe(true);
    const notFit = r.worst.filter((o) => o.outcome === 'does-not-fit');
    expect(notFit.length).toBeGreaterThan(0);
    expect(notFit[0]!.reason).toMatch(/not enough memory \(needs \d+\.\d GiB, most free/);
    // Non-HA guests on the lost host are listed as down, not restarted.
    const lostT1 = await service().whatIf({ lose: { kind: 'host', clusterId: ids.tight as string, node: 't1' } });
    expect(lostT1.outcomes.find((o) => o.name === 'scratch')).toMatchObject({ outcome: 'down', to: null });
    expect(lostT1.counts.down).toBe(1);
  });

  it('a roomy pool survives; a negative resource-affinity rule (PVE 9) keeps the databases apart', async () => {
    policies.set(ids.roomy as string, { model: 'rules', rules: [{ rule: 'spread-acme-db', type: 'resource-affinity', resources: 'vm:200,vm:201', affinity: 'negative' }] });
    const r = await service().whatIf({ lose: { kind: 'host', clusterId: ids.roomy as string, node: 'r1' } });
    const db1 = r.outcomes.find((o) => o.vmid === 200)!;
    expect(db1.outcome).toBe('restarted');
    expect(db1.to!.node).toBe('r3');
    expect(r.rules[0]!.info).toMatchObject({ source: 'live', model: 'rules', resourceAffinity: 1 });
    // Confidential guest restarted on a host without a passing attestation: a warning, not a refusal.
    expect(db1.warnings.join(' ')).toMatch(/no passing attestation/);
    const pool = await service().pool(ids.roomy as string);
    expect(pool.pool.headroom.verdict).toBe('ok');
  });

  it('a strict node-affinity group (PVE 8 restricted group) leaves its guest without a place when its nodes are gone', async () => {
    policies.set(ids.roomy as string, {
      model: 'groups',
      groups: [
        { group: 'only-r1', nodes: 'r1', restricted: true },
        { group: 'r1-r2', nodes: 'r1:2,r2:1', restricted: true },
      ],
      resources: [{ sid: 'vm:200', group: 'only-r1' }, { sid: 'vm:201', group: 'r1-r2' }],
    });
    const svc = service();
    const r2 = await svc.whatIf({ lose: { kind: 'host', clusterId: ids.roomy as string, node: 'r2' } });
    expect(r2.outcomes.find((o) => o.vmid === 201)).toMatchObject({ outcome: 'restarted', to: { node: 'r1' } });
    const r1 = await svc.whatIf({ lose: { kind: 'host', clusterId: ids.roomy as string, node: 'r1' } });
    const g200 = r1.outcomes.find((o) => o.vmid === 200)!;
    expect(g200.outcome).toBe('does-not-fit');
    expect(g200.reason).toMatch(/strict node-affinity rule group only-r1: none of its nodes is available/);
    const pool = await svc.pool(ids.roomy as string);
    expect(pool.pool.headroom).toMatchObject({ verdict: 'fails', worstHost: 'r1', notFitting: 1 });
    expect(pool.pool.headroom.rules).toMatchObject({ model: 'groups', nodeAffinity: 2 });
  });

  it('falls back to the last rules when the cluster is unreachable, and to none when never fetched', async () => {
    const s = service();
    policies.set(ids.roomy as string, new AppException('unreachable', 'connect ECONNREFUSED'));
    const offline = await s.pool(ids.roomy as string);
    expect(offline.pool.headroom.rules.source).toBe('none');
    expect(offline.pool.headroom.rules.note).toMatch(/could not be fetched \(connect ECONNREFUSED\): computed without rules/);
    policies.set(ids.roomy as string, { model: 'rules', rules: [{ rule: 'spread', type: 'resource-affinity', resources: 'vm:200,vm:201', affinity: 'negative' }] });
    // Within a minute of a failure the cluster is not asked again (dead clusters must not stall every call).
    expect((await s.pool(ids.roomy as string)).pool.headroom.rules.source).toBe('none');
    expect(fetches).toBe(1);
    clock = new Date(NOW.getTime() + 61_000);
    expect((await s.pool(ids.roomy as string)).pool.headroom.rules.source).toBe('live');
    expect(fetches).toBe(2);
    policies.set(ids.roomy as string, new AppException('unreachable', 'timeout'));
    const cached = await s.pool(ids.roomy as string);
    expect(cached.pool.headroom.rules).toMatchObject({ source: 'cached', resourceAffinity: 1 });
    expect(cached.pool.headroom.rules.note).toMatch(/Cluster unreachable \(timeout\)/);
  });

  it('a whole-site loss is a recovery plan into same-region pools that serve the tenant', async () => {
    const r = await service().whatIf({ lose: { kind: 'site', siteId: 'site:edge-ath-001' } });
    expect(r.kind).toBe('site');
    const acme = r.outcomes.find((o) => o.vmid === 300)!;
    expect(acme.outcome).toBe('recoverable');
    expect(['tight', 'roomy']).toContain(acme.to!.pool);
    // tenant-other is served nowhere else in the region.
    expect(r.outcomes.find((o) => o.vmid === 301)).toMatchObject({ outcome: 'unrecoverable' });
    expect(r.outcomes.find((o) => o.vmid === 301)!.reason).toMatch(/does not serve tenant other/);
    expect(r.notes[0]).toMatch(/HA restarts guests only within their own cluster/);
  });

  it('refuses unknown pools, hosts and sites with not_found', async () => {
    await expect(service().pool('nope')).rejects.toMatchObject({ code: 'not_found', field: 'clusterId' });
    await expect(service().whatIf({ lose: { kind: 'host', clusterId: ids.tight as string, node: 'x' } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service().whatIf({ lose: { kind: 'site', siteId: 'site:none' } })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('placement advisor', () => {
  it('ranks hosts with room, prefers pools serving the tenant, and explains every rejection', async () => {
    const r = await service().place({ size: 'x-large', tenant: 'acme', confidential: false, ha: true });
    expect(r.vm).toMatchObject({ vcpu: 16, mem: 32 * GiB });
    const tight = r.candidates.filter((c) => c.pool === 'tight');
    expect(tight.every((c) => !c.accepted && c.reasons.some((x) => x.startsWith('HA reserve: the pool already fails N+1')))).toBe(true);
    const accepted = r.candidates.filter((c) => c.accepted);
    expect(accepted.length).toBe(6);
    expect(accepted.map((c) => c.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(accepted[0]!.servesTenant).toBe(true);
    expect(r.rejections).toEqual([{ reason: 'HA reserve', hosts: 3 }]);
  });

  it('confidential placement needs a host whose newest attestation passed within 24 h', async () => {
    const result = (vmid: number, at: string, verdict: AttestationResult['verdict']): AttestationResult => ({
      id: vmid,
      guest: { clusterId: ids.roomy as string, vmid, name: 'x' },
      host: null,
      source: 'ssh',
      at,
      operator: 'op',
      verdict,
      reasons: [],
      product: 'Genoa',
      measurement: null,
      tcb: null,
      policyVersion: 0,
      evidenceSha256: 'a'.repeat(64),
    });
    attested.set(`${ids.roomy}/200`, result(200, '2026-03-01T08:00:00Z', 'accept'));
    attested.set(`${ids.roomy}/201`, result(201, '2026-02-20T08:00:00Z', 'accept'));
    attested.set(`${ids.roomy}/202`, result(202, '2026-03-01T08:00:00Z', 'reject'));
    const r = await service().place({ size: 'small', tenant: 'acme', confidential: true, ha: false });
    expect(r.candidates.filter((c) => c.accepted).map((c) => c.node)).toEqual(['r1']);
    const why = (n: string) => r.candidates.find((c) => c.node === n)!.reasons.join(' ');
    expect(why('r2')).toMatch(/older than 24 h/);
    expect(why('r3')).toMatch(/did not pass/);
    expect(why('e1')).toMatch(/no attestation result/);
    const ov = await service().overview();
    expect(ov.pools.find((p) => p.name === 'roomy')!.hosts.map((h) => h.attestation)).toEqual(['pass', 'stale', 'fail']);
  });

  it('rejects on memory and vCPU with the figures', async () => {
    const r = await service().place({ size: 'x-large', tenant: 'acme', confidential: false, ha: false, settings: { cpuOvercommit: 0.5, memCeiling: 0.1 } });
    const reasons = r.candidates.find((c) => c.node === 't1')!.reasons.join(' | ');
    expect(reasons).toMatch(/memory: needs 32\.0 GiB, 0\.0 GiB free under the 10 % ceiling/);
    expect(reasons).toMatch(/vCPU: .*exceed the 0.5:1 overcommit limit/);
    // 10 % of 506 GiB = 50.6 GiB: hosts already carrying more than 18.6 GiB cannot take 32 GiB more.
    expect(r.candidates.find((c) => c.node === 'e1')!.reasons).toEqual([expect.stringMatching(/^memory: needs 32\.0 GiB, 18\.6 GiB free/)]);
    expect(r.candidates.filter((c) => c.accepted).map((c) => c.node).sort()).toEqual(['e2', 'e3', 'r1', 'r2', 'r3']);
  });
});

describe('history and forecast', () => {
  const series = (f: (i: number) => number, maxmem = MEM): RrdPoint[] =>
    Array.from({ length: 70 }, (_, i) => ({ time: 1_700_000_000 + i * 43_200, cpu: 0.2, mem: f(i) * maxmem, maxmem, netin: 0, netout: 0 }));

  it('sums hosts into a pool series and forecasts a steady climb', async () => {
    // Each host grows 0.5 points of memory per 12 h step: 1 point a day; from 40 % to ~75 % over 35 days.
    for (const n of ['r1', 'r2', 'r3']) rrd.set(`${ids.roomy}/${n}`, series((i) => 0.4 + 0.005 * i));
    const h = await service().history({ clusterId: ids.roomy as string, timeframe: 'month', threshold: 0.8 });
    expect(h.points).toHaveLength(70);
    expect(h.points[0]!.mem).toBeCloseTo(0.4, 9);
    expect(h.points[0]!.time).toBe(1_700_000_000_000);
    expect(h.mem.status).toBe('crosses');
    expect(h.mem.slopePerDay!).toBeCloseTo(0.01, 6);
    expect(h.mem.days!).toBeCloseTo((0.8 - (0.4 + 0.005 * 69)) / 0.01, 3);
    expect(h.cpu.status).toBe('not-significant');
    expect(h.trend.mem).toHaveLength(2);
    expect(h.missing).toEqual([]);
  });

  it('sums a whole site across its pools, and refuses an unknown site', async () => {
    for (const n of ['t1', 't2', 't3']) rrd.set(`${ids.tight}/${n}`, series(() => 0.6));
    for (const n of ['r1', 'r2', 'r3']) rrd.set(`${ids.roomy}/${n}`, series(() => 0.2));
    const h = await service().history({ siteId: 'site:dc-south', timeframe: 'month', threshold: 0.8 });
    expect(h.points[10]!.mem).toBeCloseTo(0.4, 9);
    expect(h.missing).toEqual([]);
    await expect(service().history({ siteId: 'site:nope', timeframe: 'month', threshold: 0.8 })).rejects.toMatchObject({ code: 'not_found', field: 'siteId' });
  });

  it('feeds the alert engine pool forecasts from memory, refreshed in the background at most hourly', async () => {
    for (const n of ['r1', 'r2', 'r3']) rrd.set(`${ids.roomy}/${n}`, series((i) => 0.4 + 0.005 * i));
    for (const n of ['t1', 't2', 't3']) rrd.set(`${ids.tight}/${n}`, series(() => 0.5));
    const s = service();
    expect(s.forecasts(NOW)).toEqual([]);
    await s.refreshForecasts(NOW);
    const f = s.forecasts(NOW);
    const roomyMem = f.find((x) => x.subject.clusterId === ids.roomy && x.resource === 'memory')!;
    expect(roomyMem).toMatchObject({ limitPercent: 80, subject: { kind: 'cluster', clusterName: 'roomy', siteName: 'dc-south', node: null } });
    expect(roomyMem.daysUntilLimit).toBeCloseTo((0.8 - (0.4 + 0.005 * 69)) / 0.01, 3);
    // A flat pool projects nothing; the edge pool has no history at all and is left out until it has.
    expect(f.find((x) => x.subject.clusterId === ids.tight && x.resource === 'memory')!.daysUntilLimit).toBeNull();
    expect(f.some((x) => x.subject.clusterId === ids.edge)).toBe(false);
    // Within the hour nothing is fetched again.
    rrd.clear();
    await s.refreshForecasts(new Date(NOW.getTime() + 600_000));
    expect(s.forecasts(NOW)).toHaveLength(4);
  });

  it('reports hosts without history and still forecasts from the others', async () => {
    rrd.set(`${ids.roomy}/r1`, series(() => 0.3));
    const h = await service().history({ clusterId: ids.roomy as string, timeframe: 'month', threshold: 0.8 });
    expect(h.missing).toEqual(['r2', 'r3']);
    expect(h.mem.status).toBe('not-significant');
  });
});

describe('pool sizing', () => {
  it('medium=40,large=10 fits a Pool Small with N+1; leftover respects the reserve', () => {
    const r = service().sizePool({ demand: [{ size: 'medium', count: 40 }, { size: 'large', count: 10 }] });
    expect(r.vms).toBe(50);
    expect(r.mem).toBe(480 * GiB);
    expect(r.recommended).toBe('small');
    const small = r.options.find((o) => o.pool === 'small')!;
    // Two survivors × 0.9 × 512 GiB = 921.6 GiB; 921.6 − 480 = 441.6 GiB → 110 more VM Small (4 GiB).
    expect(small.leftover.find((l) => l.size === 'small')!.count).toBe(110);
    expect(small.leftover.find((l) => l.size === 'x-large')!.count).toBe(13);
  });

  it('picks a bigger pool when the small one has no N+1 reserve, and none when nothing fits', () => {
    const mid = service().sizePool({ demand: [{ size: 'x-large', count: 40 }] });
    // 40 × 32 GiB = 1280 GiB: more than two survivors' 921.6 GiB, within five survivors' 2304 GiB.
    expect(mid.options.find((o) => o.pool === 'small')).toMatchObject({ fits: true, n1: false });
    expect(mid.recommended).toBe('medium');
    const huge = service().sizePool({ demand: [{ size: 'x-large', count: 400 }] });
    expect(huge.recommended).toBeNull();
    expect(huge.note).toMatch(/No single pool/);
  });
});
