// Creating VMs and containers, and restoring them from backups.

import { CT_IMAGES } from '../catalogue';
import { fail, paramError } from '../errors';
import { MODELLED_LXC_KEYS, MODELLED_QEMU_KEYS, normaliseTags, parseDiskSpec, parseMemory } from '../guest-config';
import { generatedBackups } from '../history';
import type { BackupVolume, ClusterState, Guest } from '../model';
import { haSid } from '../model';
import type { Params } from '../params';
import { createLog } from '../task-logs';
import type { LogLine, Task } from '../tasks';
import { assertQuorate, injected, newProfile, scaled, seconds, start, tenantOf, type OpContext } from './context';
import { power } from './power';

const QEMU_DISK_KEY = /^(scsi|virtio|sata|ide)\d+$/;
const NON_CONFIG_CREATE = new Set(['node', 'vmid', 'start', 'pool', 'storage', 'archive', 'unique', 'force', 'bwlimit', 'live-restore', 'ha-managed', 'import-working-storage', 'ostemplate', 'password', 'ssh-public-keys', 'restore', 'ignore-unpack-errors']);

export function create(ctx: OpContext, node: string, type: 'qemu' | 'lxc', p: Params): Task {
  const c = ctx.cluster;
  const vmid = p.int('vmid') ?? 0;
  const existing = c.guests.get(vmid);
  const kind = type === 'qemu' ? 'VM' : 'CT';
  if (existing && !p.bool('force')) throw fail(`unable to create ${kind} ${vmid} - ${kind} ${vmid} already exists on node '${existing.node}'`);
  const pool = p.str('pool');
  if (pool !== undefined && !c.pools.some((x) => x.poolid === pool)) throw fail(`pool '${pool}' does not exist`);
  assertQuorate(ctx);

  let storage = p.str('storage') ?? 'local-zfs';
  let diskGiB = 0;
  const extra: Record<string, string> = {};
  for (const key of p.names()) {
    const value = p.str(key) ?? '';
    if (NON_CONFIG_CREATE.has(key)) continue;
    if ((type === 'qemu' && QEMU_DISK_KEY.test(key)) || (type === 'lxc' && key === 'rootfs')) {
      const disk = parseDiskSpec(value);
      if (!disk) throw paramError({ [key]: `invalid format - unable to parse volume ID '${value}'\n` });
      if (!c.storages.some((s) => s.id === disk.storage)) throw fail(`storage '${disk.storage}' does not exist`);
      if (diskGiB === 0) {
        diskGiB = disk.sizeGiB;
        storage = disk.storage;
      }
      continue;
    }
    const modelled = type === 'qemu' ? MODELLED_QEMU_KEYS : MODELLED_LXC_KEYS;
    if (!modelled.has(key) && !key.startsWith('net')) extra[key] = value;
  }
  if (type === 'lxc' && diskGiB === 0) diskGiB = 4;

  const archive = p.str('archive');
  const restoreFrom = archive !== undefined ? findBackup(c, archive) : undefined;
  const original = restoreFrom ? c.guests.get(restoreFrom.vmid) : undefined;
  const tags = normaliseTags(p.str('tags') ?? original?.tags ?? '');
  const name = (type === 'qemu' ? p.str('name') : p.str('hostname')) ?? original?.name ?? (type === 'qemu' ? `VM ${vmid}` : `CT${vmid}`);
  const memory = p.str('memory');
  const net0 = p.str('net0') ?? '';
  const ostemplate = p.str('ostemplate');
  const guest: Guest = {
    vmid, type, name, node, status: 'stopped', startedAt: 0,
    cores: p.int('cores') ?? original?.cores ?? 1,
    sockets: p.int('sockets') ?? 1,
    memoryMiB: (memory !== undefined ? parseMemory(memory) : undefined) ?? original?.memoryMiB ?? 512,
    diskGiB: diskGiB || original?.diskGiB || 0,
    storage, template: false, tags, pool, lock: 'create',
    image: type === 'qemu' ? original?.image ?? 'other' : CT_IMAGES.find((i) => i.volid === ostemplate)?.ostype ?? 'unmanaged',
    ostype: p.str('ostype') ?? original?.ostype ?? (type === 'qemu' ? 'other' : CT_IMAGES.find((i) => i.volid === ostemplate)?.ostype ?? 'unmanaged'),
    tenant: tenantOf(tags),
    confidential: p.has('amd-sev') ? 'sev-snp' : p.has('intel-tdx') ? 'tdx' : undefined,
    protection: p.bool('protection') ?? false,
    onboot: p.bool('onboot') ?? false,
    agent: /^(?:enabled=)?1/.test(p.str('agent') ?? ''),
    description: p.str('description') ?? '',
    vlan: Number(/tag=(\d+)/.exec(net0)?.[1] ?? 0),
    ctime: Math.floor(ctx.nowMs / 1000),
    profile: newProfile(c, vmid, name, ctx.nowMs),
    snapshots: undefined, parentSnap: undefined,
    extra: Object.keys(extra).length ? extra : undefined,
    version: 1, base: undefined,
  };
  if (existing) c.guests.delete(vmid);
  c.guests.set(vmid, guest);

  const taskType = archive !== undefined ? (type === 'qemu' ? 'qmrestore' : 'vzrestore') : type === 'qemu' ? 'qmcreate' : 'vzcreate';
  const id = String(vmid);
  let error = injected(ctx, taskType, id);
  if (archive !== undefined && !restoreFrom) error = `unable to restore ${kind} ${vmid} - volume '${archive}' does not exist`;
  if (type === 'lxc' && archive === undefined && ostemplate !== undefined && !CT_IMAGES.some((i) => i.volid === ostemplate)) {
    error = `unable to create CT ${vmid} - volume '${ostemplate}' does not exist`;
  }
  const base = archive !== undefined ? 10 + guest.diskGiB * 0.3 : type === 'qemu' ? seconds(ctx, taskType, 2, 4) : seconds(ctx, taskType, 15, 35);
  const startAfter = p.bool('start') ?? false;
  const haManaged = p.bool('ha-managed') ?? false;
  const lines: LogLine[] = archive !== undefined
    ? [{ at: 0.02, text: `restore vma archive: ${archive}` }, { at: 0.95, text: `rescan volumes...` }]
    : createLog(guest);
  return start(ctx, {
    node, type: taskType, id, durationMs: scaled(ctx, base), lines, error, failAt: error?.includes('does not exist') ? 0.05 : 0.6,
    onFinish: (ok, at) => {
      if (c.guests.get(vmid) !== guest) return;
      if (!ok) {
        c.guests.delete(vmid);
        return;
      }
      guest.lock = undefined;
      guest.version++;
      if (haManaged) {
        const sid = haSid(guest);
        c.haResources.set(sid, { sid, type: type === 'qemu' ? 'vm' : 'ct', vmid, state: 'started', failback: true, maxRestart: 1, maxRelocate: 1, comment: undefined });
      }
      if (startAfter || haManaged) power({ ...ctx, nowMs: at }, guest, 'start');
    },
  });
}

function findBackup(c: ClusterState, volid: string): BackupVolume | undefined {
  return c.backups.find((b) => b.volid === volid) ?? generatedBackups(c).find((b) => b.volid === volid);
}
