// Time-varying figures: CPU, memory, traffic and disk I/O of guests and nodes, storage usage, and
// RRD series. Everything is a pure function of (seed-derived profile, time), so values are stable
// for a given instant, follow a plausible working-day curve, and never need storing. Current
// values are quantised to pvestatd's 10 s refresh, as on a real cluster.

import { HOST, GiB, MiB } from './catalogue';
import type { ClusterState, Guest, NodeState, StorageDef } from './model';
import { hashInts, unit } from './rng';

const STATUS_PERIOD_MS = 10_000;
const DAY_S = 86_400;

/** 0.15..1: office-hours peak around 14:00 CET, quiet nights, lighter weekends. */
export function diurnal(tMs: number): number {
  const t = tMs / 1000 + 3600; // CET
  const hour = (t % DAY_S) / 3600;
  const day = Math.floor(t / DAY_S + 4) % 7; // 0 = Sunday
  const weekend = day === 0 || day === 6 ? 0.55 : 1;
  const curve = 0.5 - 0.5 * Math.cos(((hour - 2) / 24) * 2 * Math.PI); // trough 02:00, peak 14:00
  return 0.15 + 0.85 * curve * weekend;
}

function quantise(tMs: number): number {
  return Math.floor(tMs / STATUS_PERIOD_MS) * STATUS_PERIOD_MS;
}

interface Rates {
  netin: number;
  netout: number;
  diskread: number;
  diskwrite: number;
}

/** The time-independent shape of a guest's load, derived once from its profile seed. */
interface Profile {
  seed: number;
  cores: number;
  cpuBase: number;
  swing: number;
  memLevel: number;
  memPhase: number;
  rss: number;
  rates: Rates;
  fill: number;
  diskUsed: number;
}

const profiles = new WeakMap<Guest, Profile>();

function profileOf(g: Guest): Profile {
  const cached = profiles.get(g);
  if (cached && cached.seed === g.profile && cached.cores === g.cores) return cached;
  const u = (k: string): number => unit(g.profile, k);
  const scale = g.cores / 4;
  const p: Profile = {
    seed: g.profile,
    cores: g.cores,
    cpuBase: 0.02 + 0.45 * u('cpu') ** 2,
    swing: 0.3 + 0.7 * u('swing'),
    memLevel: g.type === 'lxc' ? 0.12 + 0.35 * u('mem') : 0.35 + 0.5 * u('mem'),
    memPhase: u('ph') * 6.28,
    rss: 0.88 + 0.1 * u('rss'),
    rates: {
      netin: (20_000 + 2_000_000 * u('ni') ** 3) * scale,
      netout: (30_000 + 3_000_000 * u('no') ** 3) * scale,
      diskread: (10_000 + 4_000_000 * u('dr') ** 3) * scale,
      diskwrite: (20_000 + 3_000_000 * u('dw') ** 3) * scale,
    },
    fill: 0.25 + 0.55 * u('fill'),
    diskUsed: 0.15 + 0.5 * u('du'),
  };
  profiles.set(g, p);
  return p;
}

/** Guest CPU as a fraction of its vCPUs (0..1). */
export function guestCpuAt(g: Guest, tMs: number): number {
  const p = profileOf(g);
  const noise = hashInts(g.profile, Math.floor(tMs / STATUS_PERIOD_MS)) / 0x1_0000_0000 - 0.5;
  return clamp(p.cpuBase * (1 - p.swing + p.swing * 2 * diurnal(tMs)) + noise * 0.04, 0.001, 1);
}

/** Memory in use inside the guest, bytes. */
export function guestMemAt(g: Guest, tMs: number): number {
  const p = profileOf(g);
  const drift = 0.04 * Math.sin(tMs / 3_600_000 / 5 + p.memPhase);
  return Math.round(g.memoryMiB * MiB * clamp(p.memLevel + drift, 0.05, 0.97));
}

/** Memory the host spends on the guest (memhost): a VM's RAM is mostly resident. */
export function guestMemHostAt(g: Guest, tMs: number): number {
  if (g.type === 'lxc') return guestMemAt(g, tMs);
  return Math.round(g.memoryMiB * MiB * profileOf(g).rss + 48 * MiB);
}

/** Average byte rates of a guest. */
function guestRates(g: Guest): Rates {
  return profileOf(g).rates;
}

/** Cumulative counter since guest start; monotonic with a daily wobble. */
function counter(rate: number, startMs: number, tMs: number): number {
  const w = (2 * Math.PI) / (DAY_S * 1000);
  const k = 0.3 * 3600 * 1000; // amplitude keeps the derivative positive
  const v = rate * ((tMs - startMs) / 1000 + (k / 1000) * (Math.sin(w * tMs) - Math.sin(w * startMs)));
  return Math.max(0, Math.round(v));
}

export interface GuestLive {
  status: 'running' | 'stopped';
  uptime: number;
  cpu: number;
  maxcpu: number;
  mem: number;
  maxmem: number;
  memhost: number;
  disk: number;
  maxdisk: number;
  netin: number;
  netout: number;
  diskread: number;
  diskwrite: number;
}

export function guestLive(g: Guest, nowMs: number): GuestLive {
  const t = quantise(nowMs);
  const maxcpu = g.cores * g.sockets;
  const maxmem = g.memoryMiB * MiB;
  const maxdisk = g.diskGiB * GiB;
  // PVE only knows a container's used rootfs; for VMs `disk` stays 0 without the guest agent.
  const disk = g.type === 'lxc' ? Math.round(maxdisk * profileOf(g).diskUsed) : 0;
  if (g.status !== 'running') {
    return { status: 'stopped', uptime: 0, cpu: 0, maxcpu, mem: 0, maxmem, memhost: 0, disk, maxdisk, netin: 0, netout: 0, diskread: 0, diskwrite: 0 };
  }
  const r = guestRates(g);
  const start = Math.min(g.startedAt, t);
  return {
    status: 'running',
    uptime: Math.max(0, Math.floor((nowMs - g.startedAt) / 1000)),
    cpu: round(guestCpuAt(g, t), 6),
    maxcpu,
    mem: guestMemAt(g, t),
    maxmem,
    memhost: guestMemHostAt(g, t),
    disk,
    maxdisk,
    netin: counter(r.netin, start, t),
    netout: counter(r.netout, start, t),
    diskread: counter(r.diskread, start, t),
    diskwrite: counter(r.diskwrite, start, t),
  };
}

export interface NodeLive {
  uptime: number;
  cpu: number;
  maxcpu: number;
  mem: number;
  maxmem: number;
  disk: number;
  maxdisk: number;
  loadavg: [string, string, string];
  iowait: number;
  swapUsed: number;
  ksmShared: number;
}

/** Host overhead: kernel, pmxcfs, corosync, ceph OSD daemons, ZFS ARC. */
function nodeOverhead(node: NodeState): number {
  return 9 * GiB + Math.round(3 * GiB * unit(node.name, 'ovh'));
}

/** CPU threads busy and host memory used by the running guests of one node. */
export interface NodeLoad {
  threads: number;
  mem: number;
}

/** Loads of all nodes in one pass over the cluster's guests (what views of many nodes need). */
export function nodeLoads(cluster: ClusterState, nowMs: number): Map<string, NodeLoad> {
  const t = quantise(nowMs);
  const loads = new Map<string, NodeLoad>();
  for (const n of cluster.nodes) loads.set(n.name, { threads: 0, mem: 0 });
  for (const g of cluster.guests.values()) {
    if (g.status !== 'running') continue;
    const load = loads.get(g.node);
    if (!load) continue;
    load.threads += guestCpuAt(g, t) * g.cores * g.sockets;
    load.mem += guestMemHostAt(g, t);
  }
  return loads;
}

export function nodeLive(cluster: ClusterState, node: NodeState, nowMs: number, load?: NodeLoad): NodeLive {
  const t = quantise(nowMs);
  const l = load ?? nodeLoads(cluster, nowMs).get(node.name) ?? { threads: 0, mem: 0 };
  const mem = nodeOverhead(node) + l.mem;
  const cpu = clamp((l.threads + 0.6) / HOST.threads + (unit(node.name, 'n', Math.floor(t / STATUS_PERIOD_MS)) - 0.5) * 0.01, 0.002, 1);
  const loadavg = cpu * HOST.threads;
  return {
    uptime: Math.max(0, Math.floor((nowMs - node.bootMs) / 1000)),
    cpu: round(cpu, 6),
    maxcpu: HOST.threads,
    mem: Math.min(mem, HOST.memTotal - GiB),
    maxmem: HOST.memTotal,
    disk: Math.round(HOST.rootfsBytes * (0.08 + 0.05 * unit(node.name, 'root'))),
    maxdisk: HOST.rootfsBytes,
    loadavg: [loadavg.toFixed(2), (loadavg * 0.97).toFixed(2), (loadavg * 0.93).toFixed(2)],
    iowait: round(0.002 + 0.01 * cpu, 6),
    swapUsed: Math.round(64 * MiB * unit(node.name, 'swap')),
    ksmShared: Math.round(2 * GiB * unit(node.name, 'ksm')),
  };
}

/** Fraction of a guest disk's size actually written (thin provisioning). */
export function diskFill(g: Guest): number {
  return profileOf(g).fill;
}

export interface StorageUsage {
  total: number;
  used: number;
  avail: number;
}

/**
 * Bytes guest disks occupy, per storage (shared storages) or per "storage/node" (local ones),
 * in one pass over the cluster's guests.
 */
export function guestDiskBytes(cluster: ClusterState): Map<string, number> {
  const shared = new Set(cluster.storages.filter((s) => s.shared).map((s) => s.id));
  const out = new Map<string, number>();
  for (const g of cluster.guests.values()) {
    const key = shared.has(g.storage) ? g.storage : `${g.storage}/${g.node}`;
    const bytes = g.diskGiB * GiB * (g.template || g.base !== undefined ? 0.1 : diskFill(g));
    out.set(key, (out.get(key) ?? 0) + bytes);
  }
  return out;
}

/** Usage of a storage as seen from one node. Shared storages report cluster-wide figures. */
export function storageUsage(storage: StorageDef, node: string, diskBytes: ReadonlyMap<string, number>, backupBytes: number): StorageUsage {
  let used = storage.total * storage.baseUsed + backupBytes;
  if (storage.type !== 'dir' && storage.type !== 'pbs') used += diskBytes.get(storage.shared ? storage.id : `${storage.id}/${node}`) ?? 0;
  used = Math.min(Math.round(used), storage.total);
  return { total: storage.total, used, avail: storage.total - used };
}

// --- RRD -----------------------------------------------------------------------------------------

export type Timeframe = 'hour' | 'day' | 'week' | 'month' | 'year' | 'decade';

/**
 * Resolution per timeframe, 70 rows each (the classic PVE RRAs; decade is 9.x-only and coarser).
 */
export const RRD_STEP_S: Record<Timeframe, number> = {
  hour: 60,
  day: 1800,
  week: 10_800,
  month: 43_200,
  year: 604_800,
  decade: 4_838_400,
};
const RRD_ROWS = 70;

function rrdTimes(timeframe: Timeframe, nowMs: number): number[] {
  const step = RRD_STEP_S[timeframe];
  const last = Math.floor(nowMs / 1000 / step) * step;
  const out: number[] = [];
  for (let i = RRD_ROWS - 1; i >= 0; i--) out.push(last - i * step);
  return out;
}

type Row = Record<string, number>;

/** Peak-over-average factor a MAX consolidation shows for a bucket. */
function peak(seed: number | string, time: number, step: number): number {
  return step <= 60 ? 1 : 1.1 + 0.5 * unit(seed, 'peak', time);
}

export function guestRrd(g: Guest, timeframe: Timeframe, cf: 'AVERAGE' | 'MAX', nowMs: number): Row[] {
  const step = RRD_STEP_S[timeframe];
  const r = guestRates(g);
  const rows: Row[] = [];
  for (const time of rrdTimes(timeframe, nowMs)) {
    if (time < g.ctime) {
      rows.push({ time });
      continue;
    }
    const mid = (time + step / 2) * 1000;
    // Guests are drawn with their current power state over the whole window; the simulator keeps
    // no power history.
    const running = g.status === 'running' && !g.template;
    const f = cf === 'MAX' ? peak(g.profile, time, step) : 1;
    const d = diurnal(mid);
    const cpu = running ? Math.min(1, guestCpuAt(g, mid) * f) : 0;
    const mem = running ? guestMemAt(g, mid) : 0;
    rows.push({
      time,
      cpu: round(cpu, 8),
      maxcpu: g.cores * g.sockets,
      mem,
      maxmem: g.memoryMiB * MiB,
      memhost: running ? guestMemHostAt(g, mid) : 0,
      disk: 0,
      maxdisk: g.diskGiB * GiB,
      netin: running ? round(r.netin * 2 * d * f, 2) : 0,
      netout: running ? round(r.netout * 2 * d * f, 2) : 0,
      diskread: running ? round(r.diskread * 2 * d * f, 2) : 0,
      diskwrite: running ? round(r.diskwrite * 2 * d * f, 2) : 0,
      pressurecpusome: running ? round(cpu * 0.05, 4) : 0,
      pressurecpufull: 0,
      pressureiosome: running ? round(0.002 * f, 4) : 0,
      pressureiofull: running ? round(0.001 * f, 4) : 0,
      pressurememorysome: 0,
      pressurememoryfull: 0,
    });
  }
  return rows;
}

export function nodeRrd(cluster: ClusterState, node: NodeState, timeframe: Timeframe, cf: 'AVERAGE' | 'MAX', nowMs: number): Row[] {
  const step = RRD_STEP_S[timeframe];
  const guests = [...cluster.guests.values()].filter((g) => g.node === node.name && g.status === 'running');
  const rows: Row[] = [];
  const bootS = Math.floor(node.bootMs / 1000);
  for (const time of rrdTimes(timeframe, nowMs)) {
    if (time < bootS - 90 * DAY_S) {
      rows.push({ time });
      continue;
    }
    const mid = (time + step / 2) * 1000;
    const f = cf === 'MAX' ? peak(node.name, time, step) : 1;
    let threads = 0.6;
    let mem = nodeOverhead(node);
    let net = 0;
    for (const g of guests) {
      threads += guestCpuAt(g, mid) * g.cores * g.sockets;
      mem += guestMemHostAt(g, mid);
      net += guestRates(g).netin;
    }
    const cpu = Math.min(1, (threads / HOST.threads) * f);
    const memused = Math.min(mem, HOST.memTotal - GiB);
    const d = diurnal(mid);
    rows.push({
      time,
      cpu: round(cpu, 8),
      maxcpu: HOST.threads,
      iowait: round(0.002 + 0.01 * cpu, 8),
      loadavg: round(cpu * HOST.threads * 0.95, 2),
      memtotal: HOST.memTotal,
      memused,
      memavailable: HOST.memTotal - memused,
      arcsize: 8 * GiB,
      swaptotal: HOST.swapBytes,
      swapused: Math.round(64 * MiB * unit(node.name, 'swap')),
      roottotal: HOST.rootfsBytes,
      rootused: Math.round(HOST.rootfsBytes * (0.08 + 0.05 * unit(node.name, 'root'))),
      netin: round(net * 2 * d * f + 40_000, 2),
      netout: round(net * 2.4 * d * f + 60_000, 2),
      pressurecpusome: round(cpu * 0.04, 4),
      pressureiosome: round(0.003 * f, 4),
      pressureiofull: round(0.001 * f, 4),
      pressurememorysome: 0,
      pressurememoryfull: 0,
    });
  }
  return rows;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
