/**
 * Property-based tests of the packing engine and the N+1 verdict against
 * independent brute-force oracles on small instances (≤ 4 hosts, ≤ 7
 * guests): the packer never exceeds a limit or breaks a rule, finds a
 * placement whenever one exists (in particular the trivial one), and the
 * N+1 verdict equals an exhaustive search of every single-host loss under
 * the pool's HA rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HaPolicy } from './ha-policy';
import { n1, simulateLoss } from './headroom';
import type { GuestModel, HostModel, Limits, PoolModel } from './model';
import { pack, type ApartRule, type PackConstraints, type PackHost, type PackItem, type TogetherRule } from './pack';

const RUNS = { numRuns: 300 };

// ---- plain packing --------------------------------------------------------------------

interface Instance {
  hosts: PackHost[];
  items: PackItem[];
  c: PackConstraints;
}

const instanceArb: fc.Arbitrary<Instance> = fc
  .record({
    hosts: fc.array(
      fc.record({ vcpuLimit: fc.integer({ min: 2, max: 16 }), memLimit: fc.integer({ min: 4, max: 32 }), vcpuPre: fc.nat(8), memPre: fc.nat(16) }),
      { minLength: 1, maxLength: 4 },
    ),
    items: fc.array(fc.record({ vcpu: fc.integer({ min: 1, max: 8 }), mem: fc.integer({ min: 1, max: 16 }) }), { minLength: 0, maxLength: 7 }),
    apart: fc.array(fc.record({ members: fc.uniqueArray(fc.nat(6), { minLength: 2, maxLength: 3 }), occ: fc.uniqueArray(fc.nat(3), { maxLength: 2 }) }), { maxLength: 2 }),
    together: fc.array(fc.record({ members: fc.uniqueArray(fc.nat(6), { minLength: 2, maxLength: 2 }), anchor: fc.option(fc.nat(3), { nil: undefined }) }), { maxLength: 1 }),
    allowed: fc.array(fc.record({ item: fc.nat(6), hosts: fc.uniqueArray(fc.nat(3), { maxLength: 3 }) }), { maxLength: 2 }),
  })
  .map((r) => {
    const hosts: PackHost[] = r.hosts.map((h, i) => ({ id: `h${i}`, vcpuLimit: h.vcpuLimit, memLimit: h.memLimit, vcpu: Math.min(h.vcpuPre, h.vcpuLimit), mem: Math.min(h.memPre, h.memLimit) }));
    const items: PackItem[] = r.items.map((it, i) => ({ id: `g${i}`, ...it }));
    const ids = new Set(items.map((i) => i.id));
    const hid = new Set(hosts.map((h) => h.id));
    const apart: ApartRule[] = r.apart
      .map((a, k) => ({ rule: `apart${k}`, items: a.members.map((m) => `g${m}`).filter((x) => ids.has(x)), occupied: a.occ.map((o) => `h${o}`).filter((x) => hid.has(x)) }))
      .filter((a) => a.items.length >= 1);
    const together: TogetherRule[] = r.together
      .map((t, k) => ({ rule: `together${k}`, items: t.members.map((m) => `g${m}`).filter((x) => ids.has(x)), anchored: t.anchor !== undefined && hid.has(`h${t.anchor}`) ? [`h${t.anchor}`] : [] }))
      .filter((t) => t.items.length >= 1);
    const allowed = new Map<string, { hosts: Set<string>; rule: string }>();
    for (const a of r.allowed) if (ids.has(`g${a.item}`)) allowed.set(`g${a.item}`, { hosts: new Set(a.hosts.map((h) => `h${h}`).filter((x) => hid.has(x))), rule: `strict${a.item}` });
    return { hosts, items, c: { apart, together, allowed } };
  });

/** Is this assignment (item → host, every item) valid? The oracle's own reading of the rules. */
function valid(inst: Instance, assign: Map<string, string>): boolean {
  const load = new Map(inst.hosts.map((h) => [h.id, { vcpu: h.vcpu, mem: h.mem }]));
  for (const it of inst.items) {
    const h = assign.get(it.id);
    if (!h) continue;
    const l = load.get(h)!;
    l.vcpu += it.vcpu;
    l.mem += it.mem;
    const a = inst.c.allowed?.get(it.id);
    if (a && !a.hosts.has(h)) return false;
  }
  for (const h of inst.hosts) {
    const l = load.get(h.id)!;
    if (l.vcpu > h.vcpuLimit || l.mem > h.memLimit) return false;
  }
  for (const r of inst.c.apart ?? []) {
    const at = r.items.map((i) => assign.get(i)).filter((x): x is string => x !== undefined);
    if (new Set(at).size !== at.length) return false;
    if (at.some((h) => r.occupied.includes(h))) return false;
  }
  for (const r of inst.c.together ?? []) {
    const at = [...r.items.map((i) => assign.get(i)).filter((x): x is string => x !== undefined), ...r.anchored];
    if (new Set(at).size > 1) return false;
  }
  return true;
}

/** Exhaustive: does a complete valid assignment exist? */
function bruteFeasible(inst: Instance): boolean {
  const assign = new Map<string, string>();
  const rec = (i: number): boolean => {
    if (i === inst.items.length) return valid(inst, assign);
    for (const h of inst.hosts) {
      assign.set((inst.items[i] as PackItem).id, h.id);
      if (rec(i + 1)) return true;
    }
    assign.delete((inst.items[i] as PackItem).id);
    return false;
  };
  return rec(0);
}

describe('pack (properties)', () => {
  it('never places beyond a host limit and never breaks a rule', () => {
    fc.assert(
      fc.property(instanceArb, (inst) => {
        const r = pack(inst.hosts, inst.items, inst.c);
        expect(valid(inst, r.placed)).toBe(true);
        // Every item is either placed or explained, never both.
        for (const it of inst.items) expect(r.placed.has(it.id) !== r.failed.has(it.id)).toBe(true);
        for (const [, why] of r.failed) expect(why.length).toBeGreaterThan(10);
        // Reported load = pre-load + what was placed.
        for (const h of inst.hosts) {
          const placedHere = inst.items.filter((i) => r.placed.get(i.id) === h.id);
          expect(r.load.get(h.id)).toEqual({ vcpu: h.vcpu + placedHere.reduce((s, i) => s + i.vcpu, 0), mem: h.mem + placedHere.reduce((s, i) => s + i.mem, 0) });
        }
      }),
      RUNS,
    );
  });

  it('places everything whenever a complete placement exists (and says so exactly)', () => {
    fc.assert(
      fc.property(instanceArb, (inst) => {
        const r = pack(inst.hosts, inst.items, inst.c);
        const feasible = bruteFeasible(inst);
        expect(r.failed.size === 0).toBe(feasible);
        expect(r.exact).toBe(true);
      }),
      RUNS,
    );
  });

  it('finds the trivial placement: each guest alone on its own empty host', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ vcpu: fc.integer({ min: 1, max: 8 }), mem: fc.integer({ min: 1, max: 16 }) }), { minLength: 1, maxLength: 7 }),
        fc.nat(3),
        (items, extra) => {
          const hosts: PackHost[] = Array.from({ length: items.length + extra }, (_, i) => ({ id: `h${i}`, vcpuLimit: 8, memLimit: 16, vcpu: 0, mem: 0 }));
          // Worst case for a greedy packer: every pair of guests is kept apart.
          const ids = items.map((_, i) => `g${i}`);
          const r = pack(hosts, items.map((it, i) => ({ id: `g${i}`, ...it })), { apart: [{ rule: 'all-apart', items: ids, occupied: [] }] });
          expect(r.failed.size).toBe(0);
        },
      ),
      RUNS,
    );
  });
});

// ---- N+1 on pools ------------------------------------------------------------------------------

const LIMITS: Limits = { cpuOvercommit: 1, memCeiling: 1 };

const poolArb: fc.Arbitrary<{ pool: PoolModel; policy: HaPolicy }> = fc
  .record({
    hosts: fc.array(fc.record({ threads: fc.integer({ min: 4, max: 16 }), mem: fc.integer({ min: 8, max: 32 }), online: fc.boolean() }), { minLength: 2, maxLength: 4 }),
    guests: fc.array(
      fc.record({ host: fc.nat(3), vcpu: fc.integer({ min: 1, max: 6 }), mem: fc.integer({ min: 1, max: 12 }), running: fc.boolean(), ha: fc.boolean() }),
      { maxLength: 7 },
    ),
    nodeRules: fc.array(fc.record({ members: fc.uniqueArray(fc.nat(6), { minLength: 1, maxLength: 3 }), nodes: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 3 }), strict: fc.boolean() }), { maxLength: 2 }),
    resRules: fc.array(fc.record({ members: fc.uniqueArray(fc.nat(6), { minLength: 2, maxLength: 3 }), negative: fc.boolean() }), { maxLength: 2 }),
  })
  .map((r) => {
    const hosts: HostModel[] = r.hosts.map((h, i) => ({ clusterId: 'c', node: `n${i}`, online: i === 0 ? true : h.online, threads: h.threads, memBytes: h.mem, cpuUsed: 0, memUsed: 0, diskPhysical: 0, diskUsed: 0 }));
    const online = hosts.filter((h) => h.online);
    // Guests on offline hosts are not running (PVE shows them there, stopped or unknown).
    const guests: GuestModel[] = r.guests.map((g, i) => {
      const host = hosts[g.host % hosts.length] as HostModel;
      return { clusterId: 'c', vmid: 100 + i, name: `g${i}`, node: host.node, running: g.running && host.online, ha: g.ha, tenant: 't', confidential: false, vcpu: g.vcpu, mem: g.mem, disk: 0, cpuUsed: 0, memUsed: 0 };
    });
    // Pools as they exist are within their limits: drop running guests that overflow their host.
    for (const h of online) {
      let v = 0;
      let m = 0;
      for (const g of guests.filter((x) => x.node === h.node && x.running)) {
        if (v + g.vcpu > h.threads || m + g.mem > h.memBytes) g.running = false;
        else {
          v += g.vcpu;
          m += g.mem;
        }
      }
    }
    const vm = (k: number) => 100 + k;
    const policy: HaPolicy = {
      model: 'rules',
      nodeAffinity: r.nodeRules.map((x, k) => ({ rule: `na${k}`, vmids: x.members.map(vm), nodes: new Map(x.nodes.map((n) => [`n${n}`, n])), strict: x.strict })),
      resourceAffinity: r.resRules.map((x, k) => ({ rule: `ra${k}`, vmids: x.members.map(vm), affinity: x.negative ? ('negative' as const) : ('positive' as const) })),
    };
    return { pool: { clusterId: 'c', name: 'c', siteId: 's', siteName: 's', region: 'r', kind: 'edge' as const, stale: false, hosts, guests, sharedDiskPhysical: 0, sharedDiskUsed: 0 }, policy };
  });

/** The oracle: can every running HA guest of the lost host restart on the survivors under the rules? */
function bruteSurvives(pool: PoolModel, policy: HaPolicy, lost: string): boolean {
  const survivors = pool.hosts.filter((h) => h.online && h.node !== lost);
  const moving = pool.guests.filter((g) => g.running && g.ha && g.node === lost);
  const staying = pool.guests.filter((g) => g.running && survivors.some((h) => h.node === g.node));
  const at = new Map<number, string>(staying.map((g) => [g.vmid, g.node]));
  const ok = (): boolean => {
    for (const h of survivors) {
      const here = [...staying, ...moving].filter((g) => at.get(g.vmid) === h.node);
      if (here.reduce((s, g) => s + g.vcpu, 0) > h.threads * LIMITS.cpuOvercommit || here.reduce((s, g) => s + g.mem, 0) > h.memBytes * LIMITS.memCeiling) return false;
    }
    for (const g of moving) {
      const node = at.get(g.vmid) as string;
      for (const r of policy.nodeAffinity) if (r.strict && r.vmids.includes(g.vmid) && !r.nodes.has(node)) return false;
      for (const r of policy.resourceAffinity) {
        if (!r.vmids.includes(g.vmid)) continue;
        const others = r.vmids.filter((v) => v !== g.vmid && at.has(v)).map((v) => at.get(v));
        if (r.affinity === 'negative' && others.includes(node)) return false;
        if (r.affinity === 'positive' && others.some((o) => o !== node)) return false;
      }
    }
    return true;
  };
  const rec = (i: number): boolean => {
    if (i === moving.length) return ok();
    for (const h of survivors) {
      at.set((moving[i] as GuestModel).vmid, h.node);
      if (rec(i + 1)) return true;
    }
    at.delete((moving[i] as GuestModel).vmid);
    return false;
  };
  return rec(0);
}

describe('N+1 (properties)', () => {
  it('the verdict matches a brute-force search of every single-host loss', () => {
    fc.assert(
      fc.property(poolArb, ({ pool, policy }) => {
        const r = n1(pool, policy, LIMITS);
        const online = pool.hosts.filter((h) => h.online);
        const brute = online.every((h) => bruteSurvives(pool, policy, h.node));
        expect(r.verdict).toBe(brute ? 'ok' : 'fails');
        expect(r.exact).toBe(true);
        for (const l of r.losses) expect(l.survives).toBe(bruteSurvives(pool, policy, l.lost[0] as string));
      }),
      RUNS,
    );
  });

  it('after a loss, anti-affinity holds, no host is over its limit, and only HA guests move', () => {
    fc.assert(
      fc.property(poolArb, ({ pool, policy }) => {
        for (const h of pool.hosts.filter((x) => x.online)) {
          const r = simulateLoss(pool, new Set([h.node]), policy, LIMITS);
          const where = new Map<number, string>();
          for (const g of pool.guests) if (g.running && g.node !== h.node) where.set(g.vmid, g.node);
          for (const o of r.outcomes) {
            if (o.outcome === 'restarted') {
              expect(o.ha).toBe(true);
              where.set(o.vmid, o.to!.node);
            } else if (o.outcome === 'down') expect(o.ha).toBe(false);
          }
          for (const rule of policy.resourceAffinity.filter((x) => x.affinity === 'negative')) {
            // Moved members never join another member (staying members may already share a host; that is not ours to fix).
            const moved = r.outcomes.filter((o) => o.outcome === 'restarted' && rule.vmids.includes(o.vmid));
            for (const m of moved) {
              const others = rule.vmids.filter((v) => v !== m.vmid && where.has(v)).map((v) => where.get(v));
              expect(others).not.toContain(m.to!.node);
            }
          }
          for (const a of r.hosts) {
            expect(a.vcpuAfter).toBeLessThanOrEqual(Math.max(a.vcpuLimit, a.vcpuBefore));
            expect(a.memAfter).toBeLessThanOrEqual(Math.max(a.memLimit, a.memBefore));
            if (a.received > 0) {
              expect(a.vcpuAfter).toBeLessThanOrEqual(a.vcpuLimit);
              expect(a.memAfter).toBeLessThanOrEqual(a.memLimit);
            }
          }
        }
      }),
      RUNS,
    );
  });
});

// ---- pool sizing's fast path against the general engine ----------------------------------------

describe('pool sizing (properties)', () => {
  it('the array-based sizing verdict equals placing with the packing engine and judging with n1()', async () => {
    const { loadServiceCatalogue, hostSpec } = await import('./catalogue');
    const { survivesN1 } = await import('./sizing');
    const base = await loadServiceCatalogue();
    // A small host so that small demands stress it: 1 × 4 cores, 1 thread each, 24 GB.
    const c = { ...base, host: { ...base.host, sockets: 1, coresPerSocket: 4, threadsPerCore: 1, memoryGB: 24 } };
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 4 }),
        fc.record({ small: fc.nat(6), medium: fc.nat(4), large: fc.nat(3), 'x-large': fc.nat(1) }),
        fc.record({ cpuOvercommit: fc.constantFrom(1, 2, 4), memCeiling: fc.constantFrom(0.5, 0.9, 1) }),
        (hosts, counts, limits) => {
          const demand = (['small', 'medium', 'large', 'x-large'] as const).map((size) => ({ size, count: counts[size] }));
          const fast = survivesN1(c, hosts, demand, limits);
          // Reference: the general engine, as the live headroom runs it.
          const spec = hostSpec(c);
          const hs: HostModel[] = Array.from({ length: hosts }, (_, i) => ({ clusterId: 'p', node: `h${i}`, online: true, threads: spec.threads, memBytes: spec.memBytes, cpuUsed: 0, memUsed: 0, diskPhysical: 0, diskUsed: 0 }));
          const items: PackItem[] = [];
          for (const d of demand) {
            const v = c.vmSizes.find((x) => x.id === d.size)!;
            for (let k = 0; k < d.count; k++) items.push({ id: `p/${items.length + 1}`, vcpu: v.vcpu, mem: v.memoryGB * 1024 ** 3 });
          }
          const placed = pack(hs.map((h) => ({ id: `p/${h.node}`, vcpuLimit: h.threads * limits.cpuOvercommit, memLimit: h.memBytes * limits.memCeiling, vcpu: 0, mem: 0 })), items, {}, { exactMaxUnits: 0 });
          expect(fast.fits).toBe(placed.failed.size === 0);
          if (!fast.fits) return;
          const guests: GuestModel[] = items.map((it) => ({ clusterId: 'p', vmid: Number(it.id.slice(2)), name: it.id, node: placed.placed.get(it.id)!.slice(2), running: true, ha: true, tenant: null, confidential: false, vcpu: it.vcpu, mem: it.mem, disk: 0, cpuUsed: 0, memUsed: 0 }));
          const pool: PoolModel = { clusterId: 'p', name: 'p', siteId: 's', siteName: 's', region: 'r', kind: 'datacentre', stale: false, hosts: hs, guests, sharedDiskPhysical: 0, sharedDiskUsed: 0 };
          expect(fast.n1).toBe(n1(pool, { model: 'none', nodeAffinity: [], resourceAffinity: [] }, limits).verdict === 'ok');
        },
      ),
      RUNS,
    );
  });
});
