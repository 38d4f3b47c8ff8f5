// Guest configuration as PVE shows it (GET .../config): the qemu-server / pct config keys with
// their option-string values, derived from the compact Guest record, plus the SHA-1 digest used
// for optimistic concurrency, volume ids, MAC addresses and SMBIOS UUIDs.

import { createHash } from 'node:crypto';
import { PVE_VERSION, VM_IMAGES } from './catalogue';
import type { Guest, Snapshot } from './model';
import { hash32, Rng } from './rng';

/** Keys the simulator models directly; anything else written through the API lands in `extra`. */
export const MODELLED_QEMU_KEYS = new Set([
  'name', 'cores', 'sockets', 'memory', 'tags', 'description', 'onboot', 'protection', 'agent', 'ostype',
]);
export const MODELLED_LXC_KEYS = new Set(['hostname', 'cores', 'memory', 'tags', 'description', 'onboot', 'protection', 'ostype']);

export function diskVolume(g: Guest, index = 0): string {
  if (g.type === 'lxc') {
    return g.storage === 'local-zfs' ? `${g.storage}:subvol-${g.vmid}-disk-${index}` : `${g.storage}:vm-${g.vmid}-disk-${index}`;
  }
  if (g.template) return `${g.storage}:base-${g.vmid}-disk-${index}`;
  if (g.base !== undefined && index === 0) return `${g.storage}:base-${g.base}-disk-0/vm-${g.vmid}-disk-0`;
  return `${g.storage}:vm-${g.vmid}-disk-${index}`;
}

export function macAddress(g: Guest): string {
  const h = hash32(g.profile, 'mac');
  const bytes = [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];
  return ['BC', '24', '11', ...bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0'))].join(':');
}

function uuidFor(g: Guest, what: string): string {
  return new Rng(hash32(g.profile, what)).uuid();
}

function isWindows(g: Guest): boolean {
  return VM_IMAGES.find((i) => i.key === g.image)?.windows ?? false;
}

export type ConfigValue = string | number;

/** Current config (or the config saved with a snapshot), keys sorted as `qm config` prints them. */
export function guestConfig(g: Guest, snapshot?: Snapshot): Record<string, ConfigValue> {
  const c: Record<string, ConfigValue> = g.type === 'qemu' ? qemuConfig(g) : lxcConfig(g);
  if (snapshot) {
    c.cores = snapshot.cores;
    c.memory = g.type === 'qemu' ? String(snapshot.memoryMiB) : snapshot.memoryMiB;
    c.snaptime = snapshot.snaptime;
    if (snapshot.vmstate) c.vmstate = `${g.storage}:vm-${g.vmid}-state-${snapshot.name}`;
    if (snapshot.parent) c.parent = snapshot.parent;
    else delete c.parent;
    delete c.lock;
  }
  const sorted: Record<string, ConfigValue> = {};
  for (const key of Object.keys(c).sort()) sorted[key] = c[key] as ConfigValue;
  sorted.digest = digestOf(sorted);
  return sorted;
}

function qemuConfig(g: Guest): Record<string, ConfigValue> {
  const win = isWindows(g);
  const c: Record<string, ConfigValue> = {
    boot: 'order=scsi0;net0',
    cores: g.cores,
    cpu: g.confidential === 'sev-snp' ? 'EPYC-Genoa' : 'host',
    memory: String(g.memoryMiB),
    meta: `creation-qemu=${PVE_VERSION.qemu},ctime=${g.ctime}`,
    name: g.name,
    net0: `virtio=${macAddress(g)},bridge=vmbr1,firewall=1${g.vlan ? `,tag=${g.vlan}` : ''}`,
    numa: 0,
    ostype: g.ostype,
    scsi0: `${diskVolume(g)},discard=on,iothread=1,size=${g.diskGiB}G`,
    scsihw: 'virtio-scsi-single',
    smbios1: `uuid=${uuidFor(g, 'smbios')}`,
    sockets: g.sockets,
    vmgenid: uuidFor(g, 'vmgenid'),
  };
  if (g.agent) c.agent = '1';
  if (g.confidential === 'sev-snp') c['amd-sev'] = 'type=snp,allow-smt=1';
  if (g.confidential === 'tdx') c['intel-tdx'] = 'type=tdx,attestation=1';
  if (g.confidential || win) {
    c.bios = 'ovmf';
    c.machine = 'q35';
  }
  // SEV-SNP boots a stateless OVMF build; other UEFI guests keep their variables on an EFI disk.
  if (c.bios === 'ovmf' && g.confidential !== 'sev-snp') c.efidisk0 = `${diskVolume(g, 1)},efitype=4m,ms-cert=2023,pre-enrolled-keys=1,size=1M`;
  if (win) c.tpmstate0 = `${diskVolume(g, 2)},size=4M,version=v2.0`;
  common(g, c);
  return c;
}

function lxcConfig(g: Guest): Record<string, ConfigValue> {
  const c: Record<string, ConfigValue> = {
    arch: 'amd64',
    cores: g.cores,
    features: 'nesting=1',
    hostname: g.name,
    memory: g.memoryMiB,
    net0: `name=eth0,bridge=vmbr1,firewall=1,hwaddr=${macAddress(g)},ip=dhcp${g.vlan ? `,tag=${g.vlan}` : ''},type=veth`,
    ostype: g.ostype,
    rootfs: `${diskVolume(g)},size=${g.diskGiB}G`,
    swap: 512,
    unprivileged: 1,
  };
  common(g, c);
  return c;
}

function common(g: Guest, c: Record<string, ConfigValue>): void {
  if (g.description) c.description = g.description;
  if (g.tags) c.tags = g.tags;
  if (g.onboot) c.onboot = 1;
  if (g.protection) c.protection = 1;
  if (g.template) c.template = 1;
  if (g.lock) c.lock = g.lock;
  if (g.parentSnap) c.parent = g.parentSnap;
  if (g.extra) for (const [k, v] of Object.entries(g.extra)) c[k] = v;
}

/** SHA-1 over the config file text, as PVE computes `digest`. */
export function digestOf(config: Record<string, ConfigValue>): string {
  const text = Object.entries(config)
    .filter(([k]) => k !== 'digest')
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  return createHash('sha1').update(text).digest('hex');
}

export function configDigest(g: Guest): string {
  return guestConfig(g).digest as string;
}

/** Parses "8192" or "current=8192" (PVE 9 memory property string). */
export function parseMemory(value: string): number | undefined {
  const m = /^(?:current=)?(\d+)(?:,.*)?$/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

/** Size in GiB from a disk spec: "STORAGE:32" allocates 32 GiB; "...,size=32G" declares it. */
export function parseDiskSpec(value: string): { storage: string; sizeGiB: number } | undefined {
  const [volume = '', ...opts] = value.split(',');
  const alloc = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?)$/i.exec(volume);
  if (alloc) return { storage: alloc[1] ?? '', sizeGiB: Math.max(1, Math.round(Number(alloc[2]))) };
  const existing = /^(?:file=)?([a-z][a-z0-9\-_.]*[a-z0-9]):/i.exec(volume);
  if (!existing) return undefined;
  const size = opts.map((o) => /^size=(\d+(?:\.\d+)?)([KMGT]?)$/.exec(o)).find(Boolean);
  const unit = { K: 1 / 1024 / 1024, M: 1 / 1024, G: 1, T: 1024, '': 1 / 1024 ** 3 }[size?.[2] ?? 'G'] ?? 1;
  return { storage: existing[1] ?? '', sizeGiB: size ? Math.max(1, Math.round(Number(size[1]) * unit)) : 32 };
}

/** Normalises a tag list the way PVE stores it: unique, sorted, ';'-joined. */
export function normaliseTags(value: string): string {
  return [...new Set(value.split(/[,;\s]+/).filter(Boolean).map((t) => t.toLowerCase()))].sort().join(';');
}
