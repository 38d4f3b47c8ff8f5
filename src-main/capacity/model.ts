/**
 * The capacity model the engine works on: pools (one Proxmox VE cluster
 * each) with their hosts and guests in engine units, and the figures —
 * physical, allocated, used, overcommit ratio — per host, pool, site and
 * fleet. Plain data, no I/O: `inventory.ts` fills it from the fleet cache,
 * tests build it by hand.
 */
import type { CapacityFigures, ResourceFigures } from '../../src-preload/contract';

export interface HostModel {
  clusterId: string;
  node: string;
  online: boolean;
  /** Logical CPUs as PVE reports them (maxcpu). */
  threads: number;
  memBytes: number;
  /** Fraction of threads busy now. */
  cpuUsed: number;
  memUsed: number;
  /** Local guest-image storage on this host (bytes). */
  diskPhysical: number;
  diskUsed: number;
}

export interface GuestModel {
  clusterId: string;
  vmid: number;
  name: string;
  node: string;
  running: boolean;
  /** HA-managed (hastate set and not ignored/disabled): restarted elsewhere when its host is lost. */
  ha: boolean;
  tenant: string | null;
  confidential: boolean;
  vcpu: number;
  mem: number;
  disk: number;
  /** Fraction of its vCPUs busy now. */
  cpuUsed: number;
  memUsed: number;
}

export interface PoolModel {
  clusterId: string;
  name: string;
  siteId: string;
  siteName: string;
  region: string;
  kind: 'edge' | 'datacentre';
  stale: boolean;
  hosts: HostModel[];
  guests: GuestModel[];
  /** Shared guest-image storage of the cluster, counted once. */
  sharedDiskPhysical: number;
  sharedDiskUsed: number;
}

export const hostKey = (clusterId: string, node: string): string => `${clusterId}/${node}`;
export const guestKey = (g: Pick<GuestModel, 'clusterId' | 'vmid'>): string => `${g.clusterId}/${g.vmid}`;

/** hastate values under which the CRM does not recover a service. */
const NOT_RECOVERED = new Set(['ignored', 'disabled']);
export function isHaManaged(hastate: string | null | undefined): boolean {
  return hastate !== null && hastate !== undefined && hastate !== '' && !NOT_RECOVERED.has(hastate);
}

function res(physical: number, allocated: number, used: number): ResourceFigures {
  return { physical, allocated, used, ratio: physical > 0 ? allocated / physical : 0 };
}

export function emptyFigures(): CapacityFigures {
  return { cpu: res(0, 0, 0), mem: res(0, 0, 0), disk: res(0, 0, 0), stopped: { guests: 0, vcpu: 0, mem: 0 } };
}

/** Figures of some hosts and the guests on them; shared storage is added by the caller once per pool. */
export function figuresOf(hosts: readonly HostModel[], guests: readonly GuestModel[], shared: { physical: number; used: number } = { physical: 0, used: 0 }): CapacityFigures {
  let threads = 0;
  let busy = 0;
  let mem = 0;
  let memUsed = 0;
  let disk = shared.physical;
  let diskUsed = shared.used;
  for (const h of hosts) {
    threads += h.threads;
    busy += h.cpuUsed * h.threads;
    mem += h.memBytes;
    memUsed += h.memUsed;
    disk += h.diskPhysical;
    diskUsed += h.diskUsed;
  }
  let vcpu = 0;
  let gmem = 0;
  let gdisk = 0;
  const stopped = { guests: 0, vcpu: 0, mem: 0 };
  for (const g of guests) {
    gdisk += g.disk;
    if (g.running) {
      vcpu += g.vcpu;
      gmem += g.mem;
    } else {
      stopped.guests++;
      stopped.vcpu += g.vcpu;
      stopped.mem += g.mem;
    }
  }
  return { cpu: res(threads, vcpu, busy), mem: res(mem, gmem, memUsed), disk: res(disk, gdisk, diskUsed), stopped };
}

export function addFigures(a: CapacityFigures, b: CapacityFigures): CapacityFigures {
  const sum = (x: ResourceFigures, y: ResourceFigures) => res(x.physical + y.physical, x.allocated + y.allocated, x.used + y.used);
  return {
    cpu: sum(a.cpu, b.cpu),
    mem: sum(a.mem, b.mem),
    disk: sum(a.disk, b.disk),
    stopped: { guests: a.stopped.guests + b.stopped.guests, vcpu: a.stopped.vcpu + b.stopped.vcpu, mem: a.stopped.mem + b.stopped.mem },
  };
}

export function poolFigures(p: PoolModel): CapacityFigures {
  return figuresOf(p.hosts, p.guests, { physical: p.sharedDiskPhysical, used: p.sharedDiskUsed });
}

export function tenantsOf(p: PoolModel): string[] {
  return [...new Set(p.guests.map((g) => g.tenant).filter((t): t is string => t !== null))].sort();
}

/** The engine's limits for a host under the planning settings. */
export interface Limits {
  cpuOvercommit: number;
  memCeiling: number;
}
export const DEFAULT_LIMITS: Limits = { cpuOvercommit: 4, memCeiling: 0.9 };

export function hostLimits(h: Pick<HostModel, 'threads' | 'memBytes'>, l: Limits): { vcpuLimit: number; memLimit: number } {
  return { vcpuLimit: h.threads * l.cpuOvercommit, memLimit: h.memBytes * l.memCeiling };
}
