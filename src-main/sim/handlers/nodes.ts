// /nodes and per-node views: node list and status, RRD data, host network, storages and their
// content, and starting a vzdump job on a node.

import { CPU_MODELS, GiB, HOST, PVE_VERSION, VM_IMAGES } from '../catalogue';
import { fail } from '../errors';
import { diskVolume } from '../guest-config';
import { generatedBackups } from '../history';
import { diskFill, guestDiskBytes, nodeLive, nodeLoads, nodeRrd, storageUsage, type StorageUsage, type Timeframe } from '../metrics';
import type { BackupVolume, ClusterState, StorageDef } from '../model';
import { nodeNetwork } from '../network';
import { vzdump } from '../operations';
import { defineParams } from '../params';
import { unit } from '../rng';
import type { RequestContext, RouteDef } from '../routes';
import { bit, isDown, opContext, requireNode } from './common';

/** All backups on a storage: generated nightly history plus those made through the API. */
export function backupsOn(cluster: ClusterState, storage: string, node: string): BackupVolume[] {
  const all = [...generatedBackups(cluster), ...cluster.backups];
  return all.filter((b) => b.storage === storage && (b.node === undefined || b.node === node));
}

/**
 * Storage usage as seen from each node, computing the per-storage sums once per request: views
 * such as /cluster/resources ask for every storage on every node.
 */
export function usageView(cluster: ClusterState): (s: StorageDef, node: string) => StorageUsage {
  let disks: Map<string, number> | undefined;
  let backups: Map<string, number> | undefined;
  return (s, node) => {
    disks ??= guestDiskBytes(cluster);
    if (!backups) {
      backups = new Map();
      for (const b of [...generatedBackups(cluster), ...cluster.backups]) {
        const k = b.node === undefined ? b.storage : `${b.storage}/${b.node}`;
        backups.set(k, (backups.get(k) ?? 0) + b.size);
      }
    }
    const backupBytes = (backups.get(s.id) ?? 0) + (backups.get(`${s.id}/${node}`) ?? 0);
    return storageUsage(s, node, disks, backupBytes);
  };
}

const ISO_IMAGES = [
  { name: 'ubuntu-24.04.2-live-server-amd64.iso', size: 3_213_064_192 },
  { name: 'debian-13.1.0-amd64-netinst.iso', size: 783_286_272 },
  { name: 'virtio-win-0.1.271.iso', size: 737_257_472 },
  { name: 'SERVER_EVAL_x64FRE_en-us.iso', size: 5_037_662_208 },
];

const TEMPLATE_FILES = [
  { volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', size: 126_853_275, format: 'tzst' },
  { volid: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', size: 141_866_745, format: 'tzst' },
  { volid: 'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz', size: 3_110_912, format: 'txz' },
];

function storageContent(ctx: RequestContext, s: StorageDef, node: string, content: string | undefined, vmid: number | undefined): Record<string, unknown>[] {
  const c = ctx.cluster;
  const epoch = Math.floor(c.epochMs / 1000);
  const out: Record<string, unknown>[] = [];
  const want = (kind: string): boolean => content === undefined || content === kind;
  if (s.type === 'dir') {
    if (want('iso') && vmid === undefined) {
      ISO_IMAGES.forEach((iso, i) => out.push({ volid: `local:iso/${iso.name}`, content: 'iso', format: 'iso', size: iso.size, ctime: epoch - (40 + i * 17) * 86_400 }));
    }
    if (want('vztmpl') && vmid === undefined) {
      TEMPLATE_FILES.forEach((t, i) => out.push({ volid: t.volid, content: 'vztmpl', format: t.format, size: t.size, ctime: epoch - (30 + i * 11) * 86_400 }));
    }
  }
  if (s.content.includes('images') || s.content.includes('rootdir')) {
    for (const g of [...c.guests.values()].sort((a, b) => a.vmid - b.vmid)) {
      if (g.storage !== s.id || (!s.shared && g.node !== node) || (vmid !== undefined && g.vmid !== vmid)) continue;
      const kind = g.type === 'qemu' ? 'images' : 'rootdir';
      if (!want(kind)) continue;
      const volid = diskVolume(g);
      const e: Record<string, unknown> = {
        volid,
        content: kind,
        format: g.type === 'lxc' && s.type === 'zfspool' ? 'subvol' : 'raw',
        size: g.diskGiB * GiB,
        used: Math.round(g.diskGiB * GiB * (g.template || g.base !== undefined ? 0.1 : diskFill(g))),
        vmid: g.vmid,
        ctime: g.ctime,
      };
      if (g.base !== undefined) e.parent = `base-${g.base}-disk-0@__base__`;
      out.push(e);
      const win = VM_IMAGES.find((i) => i.key === g.image)?.windows ?? false;
      if (g.type === 'qemu' && (win || g.confidential === 'tdx')) {
        out.push({ volid: diskVolume(g, 1), content: 'images', format: 'raw', size: 1024 * 1024, used: 1024 * 1024, vmid: g.vmid, ctime: g.ctime });
      }
    }
  }
  if (s.content.includes('backup') && want('backup')) {
    for (const b of backupsOn(c, s.id, node)) {
      if (vmid !== undefined && b.vmid !== vmid) continue;
      const guest = c.guests.get(b.vmid);
      const e: Record<string, unknown> = {
        volid: b.volid,
        content: 'backup',
        format: s.type === 'pbs' ? `pbs-${b.type === 'qemu' ? 'vm' : 'ct'}` : b.type === 'qemu' ? 'vma.zst' : 'tar.zst',
        size: b.size,
        ctime: b.ctime,
        vmid: b.vmid,
        notes: b.notes,
      };
      if (b.protected) e.protected = 1;
      if (s.type === 'pbs') {
        e.verification = { state: 'ok', upid: `UPID:pbs:0000A1B2:00C0FFEE:${b.ctime.toString(16).toUpperCase().padStart(8, '0')}:verificationjob:${s.config.datastore ?? 'edge'}\\x3av\\x2d${b.vmid}:root@pam:` };
        // Confidential tenants' backups are client-side encrypted; PBS lists the key fingerprint.
        if (guest?.confidential) e.encrypted = keyFingerprint(guest.tenant ?? 'x');
      }
      out.push(e);
    }
  }
  return out;
}

function keyFingerprint(tenant: string): string {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += Math.floor(unit('key', tenant, i) * 256).toString(16).padStart(2, '0');
  return hex.replace(/(..)(?!$)/g, '$1:');
}

function storageEntry(s: StorageDef, u: StorageUsage, withFormats: boolean): Record<string, unknown> {
  const e: Record<string, unknown> = {
    storage: s.id,
    type: s.type,
    content: s.content,
    active: 1,
    enabled: 1,
    shared: bit(s.shared),
    total: u.total,
    used: u.used,
    avail: u.avail,
    used_fraction: u.total ? Math.round((u.used / u.total) * 1e6) / 1e6 : 0,
  };
  if (withFormats && (s.content.includes('images') || s.content.includes('rootdir'))) {
    e.formats = s.type === 'zfspool' ? { default: 'raw', supported: ['raw', 'subvol'] } : { default: 'raw', supported: ['raw'] };
  }
  return e;
}

function findStorage(ctx: RequestContext, id: string): StorageDef {
  const s = ctx.cluster.storages.find((x) => x.id === id);
  if (!s) throw fail(`storage '${id}' does not exist`);
  return s;
}

const NETWORK_TYPES: Record<string, string[]> = {
  any_bridge: ['bridge', 'OVSBridge'],
  any_local_bridge: ['bridge', 'OVSBridge'],
  include_sdn: ['bridge', 'OVSBridge', 'vnet'],
};

export function nodeRoutes(): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/nodes',
      params: defineParams(''),
      handler: (ctx) => {
        const loads = nodeLoads(ctx.cluster, ctx.now);
        return ctx.cluster.nodes.map((n) => {
          const live = nodeLive(ctx.cluster, n, ctx.now, loads.get(n.name));
          const base = { id: `node/${n.name}`, type: 'node', node: n.name, level: 's', ssl_fingerprint: ctx.cluster.info.fingerprint };
          if (isDown(ctx, n.name)) return { ...base, status: 'offline', maxcpu: live.maxcpu, maxmem: live.maxmem, maxdisk: live.maxdisk };
          return {
            ...base, status: 'online', uptime: live.uptime, cpu: live.cpu, maxcpu: live.maxcpu, mem: live.mem, maxmem: live.maxmem,
            disk: live.disk, maxdisk: live.maxdisk,
          };
        });
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/status',
      proxied: true,
      params: defineParams('node:node'),
      perm: { path: '/nodes/{node}', privs: ['Sys.Audit'] },
      handler: (ctx) => {
        const n = requireNode(ctx.cluster, ctx.params.str('node') ?? '');
        const live = nodeLive(ctx.cluster, n, ctx.now);
        const cpu = CPU_MODELS[ctx.cluster.vendor];
        return {
          uptime: live.uptime,
          cpu: live.cpu,
          wait: live.iowait,
          idle: 0,
          loadavg: live.loadavg,
          kversion: `Linux ${PVE_VERSION.kernel} ${PVE_VERSION.kernelBuild}`,
          pveversion: `pve-manager/${PVE_VERSION.version}/${ctx.cluster.repoid}`,
          'current-kernel': { sysname: 'Linux', release: PVE_VERSION.kernel, version: PVE_VERSION.kernelBuild, machine: 'x86_64' },
          'boot-info': { mode: 'efi', secureboot: 1 },
          cpuinfo: {
            cpus: HOST.threads, cores: HOST.coresPerSocket, sockets: HOST.sockets, model: cpu.model, mhz: cpu.mhz, hvm: '1',
            user_hz: 100, flags: `fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov sse sse2 ht syscall nx lm constant_tsc avx avx2 avx512f aes ${cpu.flagsNote}`,
          },
          memory: { total: live.maxmem, used: live.mem, free: live.maxmem - live.mem, available: live.maxmem - live.mem },
          swap: { total: HOST.swapBytes, used: live.swapUsed, free: HOST.swapBytes - live.swapUsed },
          rootfs: { total: live.maxdisk, used: live.disk, avail: live.maxdisk - live.disk, free: live.maxdisk - live.disk },
          ksm: { shared: live.ksmShared },
        };
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/rrddata',
      params: defineParams('cf?:AVERAGE|MAX node:node timeframe:hour|day|week|month|year|decade'),
      perm: { path: '/nodes/{node}', privs: ['Sys.Audit'] },
      handler: (ctx) => {
        const n = requireNode(ctx.cluster, ctx.params.str('node') ?? '');
        return nodeRrd(ctx.cluster, n, ctx.params.str('timeframe') as Timeframe, (ctx.params.str('cf') ?? 'AVERAGE') as 'AVERAGE' | 'MAX', ctx.now);
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/network',
      proxied: true,
      params: defineParams(
        'node:node type?:bridge|bond|eth|alias|vlan|fabric|OVSBridge|OVSBond|OVSPort|OVSIntPort|vnet|any_bridge|any_local_bridge|include_sdn',
      ),
      handler: (ctx) => {
        const n = requireNode(ctx.cluster, ctx.params.str('node') ?? '');
        const type = ctx.params.str('type');
        const types = type === undefined ? undefined : NETWORK_TYPES[type] ?? [type];
        return nodeNetwork(ctx.cluster, n).filter((e) => !types || types.includes(String(e.type)));
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/storage',
      proxied: true,
      params: defineParams('content?:str enabled?:bool format?:bool node:node storage?:storage target?:node'),
      handler: (ctx) => {
        const p = ctx.params;
        const node = requireNode(ctx.cluster, p.str('node') ?? '').name;
        const content = p.str('content')?.split(',');
        const only = p.str('storage');
        const target = p.str('target');
        const usage = usageView(ctx.cluster);
        return ctx.cluster.storages
          .filter((s) => only === undefined || s.id === only)
          .filter((s) => !content || content.some((c) => s.content.split(',').includes(c)))
          .filter((s) => target === undefined || target === node || s.shared)
          .map((s) => storageEntry(s, usage(s, node), p.bool('format') ?? false));
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/storage/{storage}/status',
      proxied: true,
      params: defineParams('node:node storage:storage'),
      perm: { path: '/storage/{storage}', privs: ['Datastore.Audit', 'Datastore.AllocateSpace'], any: true },
      handler: (ctx) => {
        const node = requireNode(ctx.cluster, ctx.params.str('node') ?? '').name;
        const s = findStorage(ctx, ctx.params.str('storage') ?? '');
        const e = storageEntry(s, usageView(ctx.cluster)(s, node), false);
        delete e.storage;
        delete e.used_fraction;
        return e;
      },
    },
    {
      method: 'GET',
      path: '/nodes/{node}/storage/{storage}/content',
      proxied: true,
      params: defineParams('content?:str node:node storage:storage vmid?:vmid'),
      perm: { path: '/storage/{storage}', privs: ['Datastore.Audit', 'Datastore.AllocateSpace'], any: true },
      handler: (ctx) => {
        const node = requireNode(ctx.cluster, ctx.params.str('node') ?? '').name;
        const s = findStorage(ctx, ctx.params.str('storage') ?? '');
        return storageContent(ctx, s, node, ctx.params.str('content'), ctx.params.int('vmid'));
      },
    },
    {
      method: 'POST',
      path: '/nodes/{node}/vzdump',
      proxied: true,
      perm: { path: '/vms', privs: ['VM.Backup'] },
      params: defineParams(
        'all?:bool bwlimit?:int(0..) compress?:0|1|gzip|lzo|zstd dumpdir?:str exclude?:vmidlist',
        'exclude-path?:array fleecing?:str ionice?:int(0..8) job-id?:str(<=50) lockwait?:int(0..)',
        'mailnotification?:always|failure mailto?:str maxfiles?:int(1..) mode?:snapshot|suspend|stop',
        'node?:node notes-template?:str(<=1024) notification-mode?:auto|legacy-sendmail|notification-system',
        'pbs-change-detection-mode?:legacy|data|metadata performance?:str pigz?:int pool?:str protected?:bool',
        'prune-backups?:str quiet?:bool remove?:bool script?:str stdexcludes?:bool stdout?:bool stop?:bool',
        'stopwait?:int(0..) storage?:storage tmpdir?:str vmid?:vmidlist zstd?:int',
      ),
      handler: (ctx) => {
        const node = requireNode(ctx.cluster, ctx.params.str('node') ?? '').name;
        return vzdump(opContext(ctx), node, ctx.params).upid;
      },
    },
  ];
}
