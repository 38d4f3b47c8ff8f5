/**
 * The move advisor: the guest's own host and full hosts are rejected with
 * reasons, HA affinity rules that name the guest are honoured, non-strict
 * node priorities rank first, and (property) an accepted host always has
 * room for the guest and is never its current host.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HaPolicy } from './ha-policy';
import { NO_HA_POLICY } from './ha-policy';
import { DEFAULT_LIMITS, hostLimits, type GuestModel, type HostModel, type PoolModel } from './model';
import { adviseMove } from './move-advisor';

const GiB = 2 ** 30;

function host(node: string, memGiB = 64, online = true): HostModel {
  return { clusterId: 'c1', node, online, threads: 32, memBytes: memGiB * GiB, cpuUsed: 0, memUsed: 0, diskPhysical: 0, diskUsed: 0 };
}
function guest(vmid: number, node: string, memGiB: number, extra: Partial<GuestModel> = {}): GuestModel {
  return { clusterId: 'c1', vmid, name: `g${vmid}`, node, running: true, ha: false, tenant: 'acme', confidential: false, vcpu: 4, mem: memGiB * GiB, disk: 0, cpuUsed: 0, memUsed: 0, ...extra };
}
function pool(hosts: HostModel[], guests: GuestModel[]): PoolModel {
  return { clusterId: 'c1', name: 'pool-1', siteId: 's', siteName: 'S', region: 'r', kind: 'edge', stale: false, hosts, guests, sharedDiskPhysical: 0, sharedDiskUsed: 0 };
}
const pass = () => 'pass' as const;

describe('adviseMove', () => {
  it('proposes the host with most room and rejects its own host, a full host and an offline one, each with reasons', () => {
    const p = pool([host('a'), host('b'), host('c'), host('d', 64, false)], [guest(100, 'a', 16), guest(101, 'b', 50), guest(102, 'c', 8)]);
    const a = adviseMove({ pool: p, policy: NO_HA_POLICY, vmid: 100, limits: DEFAULT_LIMITS, attestation: pass });
    expect(a.proposed).toBe('c');
    expect(a.from).toBe('a');
    const by = new Map(a.candidates.map((c) => [c.node, c]));
    expect(by.get('a')!.reasons[0]).toMatch(/g100 runs here/);
    expect(by.get('b')!.accepted).toBe(false);
    expect(by.get('b')!.reasons.join()).toMatch(/^memory: needs 16.0 GiB/);
    expect(by.get('d')!.reasons).toContain('host is offline');
    expect(by.get('c')!.rank).toBe(1);
    expect(a.notes.join(' ')).toMatch(/usage unchanged/);
  });

  it('honours strict node affinity, negative and positive resource affinity, and ranks preferred nodes first', () => {
    const hosts = [host('a'), host('b'), host('c'), host('d')];
    const guests = [guest(100, 'a', 4, { ha: true }), guest(200, 'b', 4, { ha: true }), guest(300, 'a', 4)];
    const strict: HaPolicy = { model: 'rules', nodeAffinity: [{ rule: 'tenant-acme', vmids: [100], nodes: new Map([['a', 0], ['b', 0], ['c', 0]]), strict: true }], resourceAffinity: [] };
    const s = adviseMove({ pool: pool(hosts, guests), policy: strict, vmid: 100, limits: DEFAULT_LIMITS, attestation: pass });
    expect(s.candidates.find((c) => c.node === 'd')!.reasons.join()).toMatch(/strict node affinity allows only a, b, c/);

    const apart: HaPolicy = { model: 'rules', nodeAffinity: [], resourceAffinity: [{ rule: 'db-apart', vmids: [100, 200], affinity: 'negative' }] };
    const n = adviseMove({ pool: pool(hosts, guests), policy: apart, vmid: 100, limits: DEFAULT_LIMITS, attestation: pass });
    expect(n.candidates.find((c) => c.node === 'b')!.reasons.join()).toMatch(/kept apart from g200 \(200\)/);
    expect(n.proposed).not.toBe('b');

    const together: HaPolicy = { model: 'rules', nodeAffinity: [], resourceAffinity: [{ rule: 'pair', vmids: [100, 300], affinity: 'positive' }] };
    const t = adviseMove({ pool: pool(hosts, guests), policy: together, vmid: 100, limits: DEFAULT_LIMITS, attestation: pass });
    expect(t.proposed).toBeNull();
    expect(t.candidates.find((c) => c.node === 'c')!.reasons.join()).toMatch(/kept together with g300/);

    const prefer: HaPolicy = { model: 'rules', nodeAffinity: [{ rule: 'prefer-d', vmids: [100], nodes: new Map([['d', 2], ['c', 1]]), strict: false }], resourceAffinity: [] };
    const pr = adviseMove({ pool: pool(hosts, guests), policy: prefer, vmid: 100, limits: DEFAULT_LIMITS, attestation: pass });
    expect(pr.candidates.filter((c) => c.accepted).map((c) => c.node).slice(0, 2)).toEqual(['d', 'c']);
  });

  it('a confidential guest only goes to a host whose attestation passed', () => {
    const p = pool([host('a'), host('b'), host('c')], [guest(100, 'a', 4, { confidential: true })]);
    const a = adviseMove({ pool: p, policy: NO_HA_POLICY, vmid: 100, limits: DEFAULT_LIMITS, attestation: (_c, n) => (n === 'c' ? 'pass' : 'stale') });
    expect(a.proposed).toBe('c');
    expect(a.candidates.find((c) => c.node === 'b')!.reasons.join()).toMatch(/confidential: newest attestation is older than 24 h/);
  });

  it('an unknown guest is a programming error, not a silent empty answer', () => {
    expect(() => adviseMove({ pool: pool([host('a')], []), policy: NO_HA_POLICY, vmid: 1, limits: DEFAULT_LIMITS, attestation: pass })).toThrow(RangeError);
  });

  it('property: an accepted host is never the current one and has room for the guest', () => {
    const arb = fc.record({
      hosts: fc.array(fc.record({ mem: fc.integer({ min: 8, max: 128 }), online: fc.boolean() }), { minLength: 1, maxLength: 5 }),
      guests: fc.array(fc.record({ host: fc.nat(4), mem: fc.integer({ min: 1, max: 64 }), running: fc.boolean() }), { minLength: 1, maxLength: 10 }),
      pick: fc.nat(9),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const hosts = r.hosts.map((h, i) => host(`h${i}`, h.mem, h.online));
        const guests = r.guests.map((g, i) => guest(100 + i, `h${g.host % hosts.length}`, g.mem, { running: g.running }));
        const me = guests[r.pick % guests.length]!;
        const a = adviseMove({ pool: pool(hosts, guests), policy: NO_HA_POLICY, vmid: me.vmid, limits: DEFAULT_LIMITS, attestation: pass });
        expect(a.candidates).toHaveLength(hosts.length);
        for (const c of a.candidates.filter((x) => x.accepted)) {
          expect(c.node).not.toBe(me.node);
          const h = hosts.find((x) => x.node === c.node)!;
          const load = guests.filter((g) => g.node === c.node && g.running && g.vmid !== me.vmid).reduce((s, g) => s + g.mem, 0);
          expect(load + me.mem).toBeLessThanOrEqual(hostLimits(h, DEFAULT_LIMITS).memLimit);
        }
        for (const c of a.candidates.filter((x) => !x.accepted)) expect(c.reasons.length).toBeGreaterThan(0);
        expect(a.proposed).toBe(a.candidates.find((c) => c.rank === 1)?.node ?? null);
      }),
      { numRuns: 200 },
    );
  });
});
