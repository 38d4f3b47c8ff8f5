/**
 * Pool sizing: from a demand (catalogue VM sizes × counts), the smallest
 * catalogue pool that carries it with the N+1 reserve — every VM treated as
 * HA and each single-host loss restarted on the survivors — and what is
 * left over on top. Hosts are the catalogue's standard host; VMs are placed
 * with the live headroom's heuristic (specialised below for speed).
 */
import type { SizePoolResult, VmSizeId } from '../../src-preload/contract';
import { hostSpec, vmSize, type ServiceCatalogue } from './catalogue';
import { hostLimits, type Limits } from './model';
import { pack, type PackHost } from './pack';

interface Demand {
  size: VmSizeId;
  count: number;
}

interface Vm {
  vcpu: number;
  mem: number;
}

interface Lim {
  vcpuLimit: number;
  memLimit: number;
}

const fitsOn = (l: { vcpu: number; mem: number }, v: Vm, lim: Lim) => l.mem + v.mem <= lim.memLimit + 1e-6 && l.vcpu + v.vcpu <= lim.vcpuLimit + 1e-9;

/** The demand as VMs, largest first (memory, then vCPU): the order the packing engine uses. */
function vmsOf(c: ServiceCatalogue, demand: readonly Demand[]): Vm[] {
  const out: Vm[] = [];
  for (const d of demand) {
    const v = vmSize(c, d.size);
    for (let k = 0; k < d.count; k++) out.push({ vcpu: v.vcpu, mem: v.memBytes });
  }
  return out.sort((a, b) => b.mem - a.mem || b.vcpu - a.vcpu);
}

/**
 * The packing engine's heuristic specialised to identical hosts and no HA
 * rules, on plain arrays: sizing packs thousands of VMs per candidate pool
 * and per leftover probe, where the general engine's per-item bookkeeping
 * would cost seconds. Same choices: largest first, onto the host with the
 * most free memory (first such host on ties). A loss the heuristic cannot
 * absorb with few VMs to move goes to the general engine's exact search,
 * as the live headroom does; a property test holds the two to the same verdict.
 */
function worstFit(vms: readonly Vm[], loads: { vcpu: number; mem: number }[], lim: Lim, skip = -1): number[] | null {
  const at: number[] = [];
  for (const v of vms) {
    let best = -1;
    let free = -Infinity;
    for (let h = 0; h < loads.length; h++) {
      if (h === skip) continue;
      const l = loads[h] as { vcpu: number; mem: number };
      if (!fitsOn(l, v, lim)) continue;
      if (lim.memLimit - l.mem > free) {
        free = lim.memLimit - l.mem;
        best = h;
      }
    }
    if (best < 0) return null;
    const l = loads[best] as { vcpu: number; mem: number };
    l.vcpu += v.vcpu;
    l.mem += v.mem;
    at.push(best);
  }
  return at;
}

const EXACT_MAX = 14;

/** Does every single-host loss restart all its VMs on the others? Returns the failing count of the worst loss. */
function n1Fast(vms: readonly Vm[], at: readonly number[], hosts: number, lim: Lim): { ok: boolean; worst: number } {
  let worst = 0;
  for (let lost = 0; lost < hosts; lost++) {
    const loads = Array.from({ length: hosts }, () => ({ vcpu: 0, mem: 0 }));
    const moving: Vm[] = [];
    vms.forEach((v, i) => {
      if (at[i] === lost) moving.push(v);
      else {
        const l = loads[at[i] as number] as { vcpu: number; mem: number };
        l.vcpu += v.vcpu;
        l.mem += v.mem;
      }
    });
    if (worstFit(moving, loads.map((l) => ({ ...l })), lim, lost)) continue;
    if (moving.length <= EXACT_MAX) {
      const survivors: PackHost[] = loads.flatMap((l, h) => (h === lost ? [] : [{ id: `h${h}`, ...lim, vcpu: l.vcpu, mem: l.mem }]));
      const r = pack(survivors, moving.map((v, i) => ({ id: `v${i}`, ...v })));
      if (r.failed.size === 0) continue;
      worst = Math.max(worst, r.failed.size);
    } else worst = Math.max(worst, 1);
  }
  return { ok: worst === 0, worst };
}

export function survivesN1(c: ServiceCatalogue, hosts: number, demand: readonly Demand[], limits: Limits): { fits: boolean; n1: boolean; unplaced: number; worst: string | null } {
  const spec = hostSpec(c);
  const lim = hostLimits({ threads: spec.threads, memBytes: spec.memBytes }, limits);
  let mem = 0;
  let vcpu = 0;
  let count = 0;
  for (const d of demand) {
    const v = vmSize(c, d.size);
    mem += v.memBytes * d.count;
    vcpu += v.vcpu * d.count;
    count += d.count;
  }
  // Aggregate bounds first: they settle oversized demands without building or packing a VM.
  if (mem > hosts * lim.memLimit + 1e-6 || vcpu > hosts * lim.vcpuLimit + 1e-9) return { fits: false, n1: false, unplaced: count, worst: null };
  const vms = vmsOf(c, demand);
  const loads = Array.from({ length: hosts }, () => ({ vcpu: 0, mem: 0 }));
  const at = worstFit(vms, loads, lim);
  if (!at) return { fits: false, n1: false, unplaced: 1, worst: null };
  if (mem > (hosts - 1) * lim.memLimit + 1e-6 || vcpu > (hosts - 1) * lim.vcpuLimit + 1e-9)
    return { fits: true, n1: false, unplaced: 0, worst: `the other ${hosts - 1} hosts cannot hold all ${vms.length} VMs when one fails` };
  const r = n1Fast(vms, at, hosts, lim);
  return { fits: true, n1: r.ok, unplaced: 0, worst: r.ok ? null : `losing a host leaves ${r.worst} VM(s) without a place` };
}

export function sizePool(c: ServiceCatalogue, demandIn: readonly Demand[], limits: Limits): SizePoolResult {
  // Merge repeated sizes; keep the catalogue's order.
  const byId = new Map<VmSizeId, number>();
  for (const d of demandIn) byId.set(d.size, (byId.get(d.size) ?? 0) + d.count);
  const demand: Demand[] = c.vmSizes.filter((v) => byId.has(v.id)).map((v) => ({ size: v.id, count: byId.get(v.id) as number }));
  let vms = 0;
  let vcpu = 0;
  let mem = 0;
  for (const d of demand) {
    const v = vmSize(c, d.size);
    vms += d.count;
    vcpu += v.vcpu * d.count;
    mem += v.memBytes * d.count;
  }
  const spec = hostSpec(c);
  const lim = hostLimits({ threads: spec.threads, memBytes: spec.memBytes }, limits);
  const options = [...c.pools]
    .sort((a, b) => a.hosts - b.hosts || a.placement.localeCompare(b.placement))
    .map((p) => {
      const r = survivesN1(c, p.hosts, demand, limits);
      const leftover = c.vmSizes.map((v) => ({ size: v.id, count: r.n1 ? maxExtra(c, p.hosts, demand, v.id, limits, vcpu, mem, lim) : 0 }));
      const reason = !r.fits
        ? r.unplaced === vms
          ? `does not fit even without a reserve: the demand exceeds what ${p.hosts} hosts can hold`
          : `does not fit even without a reserve: the VMs cannot be packed onto ${p.hosts} hosts`
        : !r.n1
          ? `fits, but without the N+1 reserve: ${r.worst ?? 'a host loss cannot be absorbed'}`
          : `fits with N+1: any one host can fail and every VM restarts on the other ${p.hosts - 1}`;
      return { pool: p.id, label: p.label, hosts: p.hosts, fits: r.fits, n1: r.n1, reason, leftover, vcpuLimit: lim.vcpuLimit * p.hosts, memLimit: lim.memLimit * p.hosts };
    });
  const rec = options.filter((o) => o.n1 && c.pools.find((p) => p.id === o.pool)?.placement === 'datacentre').sort((a, b) => a.hosts - b.hosts)[0] ?? null;
  const largest = Math.max(...c.pools.map((p) => p.hosts));
  return {
    demand,
    vms,
    vcpu,
    mem,
    settings: { ...limits },
    options,
    recommended: rec ? rec.pool : null,
    note: rec
      ? `${rec.label} (${rec.hosts} hosts) is the smallest data-centre pool that carries the demand with N+1.`
      : `No single pool carries this demand with N+1: split it across pools (the largest has ${largest} hosts).`,
  };
}

/** Most extra VMs of one size that still keep N+1 on top of the demand. */
function maxExtra(c: ServiceCatalogue, hosts: number, demand: readonly Demand[], size: VmSizeId, limits: Limits, vcpu: number, mem: number, lim: { vcpuLimit: number; memLimit: number }): number {
  const v = vmSize(c, size);
  // N+1 needs everything to fit on hosts − 1: an upper bound the search starts from.
  let hi = Math.floor(Math.min(((hosts - 1) * lim.memLimit - mem) / v.memBytes, ((hosts - 1) * lim.vcpuLimit - vcpu) / v.vcpu));
  if (hi <= 0) return 0;
  const ok = (k: number) => survivesN1(c, hosts, [...demand, { size, count: k }], limits).n1;
  if (ok(hi)) return hi;
  let lo = 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
