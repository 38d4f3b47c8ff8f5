// /nodes/{node}/qemu and /nodes/{node}/lxc: guest lists, status, config, power actions, create,
// clone, migrate, snapshots, destroy and RRD data. Both guest types share one implementation
// with the per-type differences PVE has (parameter sets, texts, field names).

import { fail } from '../errors';
import { guestConfig } from '../guest-config';
import { guestLive, guestRrd, type Timeframe } from '../metrics';
import type { Guest, GuestType } from '../model';
import { haSid } from '../model';
import {
  clone, create, destroy, migrate, power, snapshotCreate, snapshotDelete, snapshotRollback, updateConfig, updateConfigAsync,
  type PowerAction,
} from '../operations';
import { defineParams, type MethodParams } from '../params';
import { PVE_VERSION } from '../catalogue';
import { hash32 } from '../rng';
import type { Permission, RequestContext, RouteDef } from '../routes';
import { bit, opContext, requireGuest, requireNode } from './common';
import { crmState } from './ha';

const QEMU_CONFIG = [
  'acpi?:bool affinity?:str agent?:str allow-ksm?:bool amd-sev?:str arch?:x86_64|aarch64 args?:str',
  'audio0?:str autostart?:bool balloon?:int(0..) bios?:seabios|ovmf boot?:str bootdisk?:str cdrom?:str',
  'cicustom?:str cipassword?:str citype?:configdrive2|nocloud|opennebula ciupgrade?:bool ciuser?:str',
  'cores?:int(1..) cpu?:str cpulimit?:num(0..128) cpuunits?:int(1..262144) description?:str(<=8192)',
  'efidisk0?:str force?:bool freeze?:bool hookscript?:str hostpci[n]?:str hotplug?:str hugepages?:any|2|1024',
  'ide[n]?:str intel-tdx?:str ipconfig[n]?:str ivshmem?:str keephugepages?:bool',
  'keyboard?:de|de-ch|da|en-gb|en-us|es|fi|fr|fr-be|fr-ca|fr-ch|hu|is|it|ja|lt|mk|nl|no|pl|pt|pt-br|sv|sl|tr',
  'kvm?:bool localtime?:bool lock?:backup|clone|create|migrate|rollback|snapshot|snapshot-delete|suspending|suspended',
  'machine?:str memory?:str migrate_downtime?:num(0..) migrate_speed?:int(0..) name?:dns nameserver?:str',
  'net[n]?:str numa?:bool numa[n]?:str onboot?:bool',
  'ostype?:other|wxp|w2k|w2k3|w2k8|wvista|win7|win8|win10|win11|l24|l26|solaris parallel[n]?:str',
  'protection?:bool reboot?:bool rng0?:str sata[n]?:str scsi[n]?:str',
  'scsihw?:lsi|lsi53c810|virtio-scsi-pci|virtio-scsi-single|megasas|pvscsi searchdomain?:str serial[n]?:str',
  'shares?:int(0..50000) smbios1?:str(<=512) smp?:int(1..) sockets?:int(1..) spice_enhancements?:str sshkeys?:str',
  'startdate?:str startup?:str tablet?:bool tags?:tags tdf?:bool template?:bool tpmstate0?:str unused[n]?:str',
  'usb[n]?:str vcpus?:int(1..) vga?:str virtio[n]?:str virtiofs[n]?:str vmgenid?:str vmstatestorage?:storage watchdog?:str',
].join(' ');

const LXC_CONFIG = [
  'arch?:amd64|i386|arm64|armhf|riscv32|riscv64 cmode?:shell|console|tty console?:bool cores?:int(1..8192)',
  'cpulimit?:num(0..8192) cpuunits?:int(0..500000) debug?:bool description?:str(<=8192) dev[n]?:str entrypoint?:str',
  'env?:str features?:str hookscript?:str hostname?:dns(<=255)',
  'lock?:backup|create|destroyed|disk|fstrim|migrate|mounted|rollback|snapshot|snapshot-delete memory?:int(16..)',
  'mp[n]?:str nameserver?:str net[n]?:str onboot?:bool',
  'ostype?:debian|devuan|ubuntu|centos|fedora|opensuse|archlinux|alpine|gentoo|nixos|unmanaged',
  'protection?:bool rootfs?:str searchdomain?:str startup?:str swap?:int(0..) tags?:tags template?:bool',
  'timezone?:str tty?:int(0..6) unprivileged?:bool unused[n]?:str',
].join(' ');

interface TypeSpec {
  type: GuestType;
  /** Any of these allows a config write (the schema's `any => 1` check). */
  configPrivs: string[];
  list: MethodParams;
  create: MethodParams;
  destroy: MethodParams;
  start: MethodParams;
  stop: MethodParams;
  shutdown: MethodParams;
  reboot: MethodParams;
  configPut: MethodParams;
  configPost: MethodParams | undefined;
  clone: MethodParams;
  migrate: MethodParams;
  snapshot: MethodParams;
  rrd: MethodParams;
}

const QEMU: TypeSpec = {
  type: 'qemu',
  configPrivs: ['VM.Config.Disk', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.HWType', 'VM.Config.Options', 'VM.Config.Cloudinit'],
  list: defineParams('full?:bool node:node'),
  create: defineParams(QEMU_CONFIG, 'archive?:str(<=255) bwlimit?:int(0..) ha-managed?:bool import-working-storage?:storage',
    'live-restore?:bool pool?:poolid start?:bool storage?:storage unique?:bool node:node vmid:vmid'),
  destroy: defineParams('destroy-unreferenced-disks?:bool node:node purge?:bool skiplock?:bool vmid:vmid'),
  start: defineParams('force-cpu?:str machine?:str migratedfrom?:node migration_network?:str migration_type?:secure|insecure',
    'nets-host-mtu?:str node:node skiplock?:bool stateuri?:str(<=128) targetstorage?:str timeout?:int(0..) vmid:vmid',
    'with-conntrack-state?:bool'),
  stop: defineParams('keepActive?:bool migratedfrom?:node node:node overrule-shutdown?:bool skiplock?:bool timeout?:int(0..) vmid:vmid'),
  shutdown: defineParams('forceStop?:bool keepActive?:bool node:node skiplock?:bool timeout?:int(0..) vmid:vmid'),
  reboot: defineParams('node:node timeout?:int(0..) vmid:vmid'),
  configPut: defineParams(QEMU_CONFIG, 'delete?:str digest?:str(<=40) revert?:str skiplock?:bool node:node vmid:vmid'),
  configPost: defineParams(QEMU_CONFIG, 'delete?:str digest?:str(<=40) revert?:str skiplock?:bool node:node vmid:vmid',
    'background_delay?:int(1..30) import-working-storage?:storage'),
  clone: defineParams('bwlimit?:int(0..) description?:str format?:raw|qcow2|vmdk full?:bool name?:dns newid:vmid node:node',
    'pool?:poolid snapname?:snapname storage?:storage target?:node vmid:vmid'),
  migrate: defineParams('bwlimit?:int(0..) force?:bool migration_network?:str migration_type?:secure|insecure node:node',
    'online?:bool target:node targetstorage?:str vmid:vmid with-conntrack-state?:bool with-local-disks?:bool'),
  snapshot: defineParams('description?:str node:node snapname:snapname vmid:vmid vmstate?:bool'),
  rrd: defineParams('cf?:AVERAGE|MAX node:node timeframe:hour|day|week|month|year vmid:vmid'),
};

const LXC: TypeSpec = {
  type: 'lxc',
  configPrivs: ['VM.Config.Disk', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options'],
  list: defineParams('node:node'),
  create: defineParams(LXC_CONFIG, 'bwlimit?:num(0..) force?:bool ha-managed?:bool ignore-unpack-errors?:bool ostemplate:str(<=255)',
    'password?:str pool?:poolid restore?:bool ssh-public-keys?:str start?:bool storage?:storage unique?:bool node:node vmid:vmid'),
  destroy: defineParams('destroy-unreferenced-disks?:bool force?:bool node:node purge?:bool vmid:vmid'),
  start: defineParams('debug?:bool node:node skiplock?:bool vmid:vmid'),
  stop: defineParams('node:node overrule-shutdown?:bool skiplock?:bool vmid:vmid'),
  shutdown: defineParams('forceStop?:bool node:node timeout?:int(0..) vmid:vmid'),
  reboot: defineParams('node:node timeout?:int(0..) vmid:vmid'),
  configPut: defineParams(LXC_CONFIG, 'delete?:str digest?:str(<=40) revert?:str node:node vmid:vmid'),
  configPost: undefined,
  clone: defineParams('bwlimit?:num(0..) description?:str full?:bool hostname?:dns newid:vmid node:node pool?:poolid',
    'snapname?:snapname storage?:storage target?:node vmid:vmid'),
  migrate: defineParams('bwlimit?:num(0..) node:node online?:bool restart?:bool target:node target-storage?:str timeout?:int vmid:vmid'),
  snapshot: defineParams('description?:str node:node snapname:snapname vmid:vmid'),
  rrd: defineParams('cf?:AVERAGE|MAX node:node timeframe:hour|day|week|month|year vmid:vmid'),
};

const GUEST_PARAMS = defineParams('node:node vmid:vmid');
const CONFIG_GET = defineParams('current?:bool node:node snapshot?:snapname vmid:vmid');
const MIGRATE_GET = defineParams('node:node target?:node vmid:vmid');
const SNAP_DELETE = defineParams('force?:bool node:node snapname:snapname vmid:vmid');
const SNAP_ROLLBACK = defineParams('node:node snapname:snapname start?:bool vmid:vmid');

function pidOf(g: Guest): number {
  return 1000 + (hash32(g.profile, g.startedAt) % 3_000_000);
}

function listEntry(g: Guest, nowMs: number, full: boolean): Record<string, unknown> {
  const live = guestLive(g, nowMs);
  const e: Record<string, unknown> = {
    vmid: g.vmid,
    name: g.name,
    status: live.status,
    cpus: live.maxcpu,
    cpu: live.cpu,
    maxmem: live.maxmem,
    mem: live.mem,
    maxdisk: live.maxdisk,
    netin: live.netin,
    netout: live.netout,
    diskread: live.diskread,
    diskwrite: live.diskwrite,
    uptime: live.uptime,
  };
  if (live.status === 'running') {
    // Pressure stall information (PVE 9): share of time tasks waited on CPU, I/O and memory.
    e.pressurecpusome = Math.round(live.cpu * 500) / 10_000;
    if (g.type === 'qemu') e.pressurecpufull = 0;
    e.pressureiosome = 0.0012;
    e.pressureiofull = 0.0008;
    e.pressurememorysome = 0;
    e.pressurememoryfull = 0;
  }
  if (g.type === 'qemu') {
    if (live.status === 'running') {
      e.pid = pidOf(g);
      e.memhost = live.memhost;
    }
    if (full) {
      e.qmpstatus = live.status;
      if (live.status === 'running') {
        e['running-qemu'] = PVE_VERSION.qemu;
        e['running-machine'] = PVE_VERSION.machine;
      }
    }
  } else {
    e.disk = live.disk;
    e.maxswap = 512 * 1024 * 1024;
  }
  if (g.tags) e.tags = g.tags;
  if (g.template) e.template = 1;
  if (g.lock) e.lock = g.lock;
  return e;
}

function statusEntry(ctx: RequestContext, g: Guest): Record<string, unknown> {
  const e = listEntry(g, ctx.now, true);
  const ha = ctx.cluster.haResources.get(haSid(g));
  e.ha = ha ? { managed: 1, state: ha.state, crm_state: crmState(ctx, g, ha) } : { managed: 0 };
  if (g.type === 'qemu' && g.agent) e.agent = 1;
  return e;
}

function perm(privs: string[], any = false): Permission {
  return { path: '/vms/{vmid}', privs, any };
}

export function guestRoutes(): RouteDef[] {
  return [...routesFor(QEMU), ...routesFor(LXC)];
}

function routesFor(t: TypeSpec): RouteDef[] {
  const base = `/nodes/{node}/${t.type}`;
  const g = (ctx: RequestContext): Guest => requireGuest(ctx, t.type);
  const powerRoute = (action: PowerAction, params: MethodParams): RouteDef => ({
    method: 'POST',
    path: `${base}/{vmid}/status/${action}`,
    proxied: true,
    params,
    perm: perm(['VM.PowerMgmt']),
    handler: (ctx) => power(opContext(ctx), g(ctx), action, {
      skiplock: ctx.params.bool('skiplock'),
      forceStop: ctx.params.bool('forceStop'),
    }).upid,
  });

  const routes: RouteDef[] = [
    {
      method: 'GET',
      path: base,
      proxied: true,
      params: t.list,
      handler: (ctx) => {
        const node = requireNode(ctx.cluster, ctx.params.str('node') ?? '').name;
        const full = ctx.params.bool('full') ?? false;
        return [...ctx.cluster.guests.values()]
          .filter((x) => x.type === t.type && x.node === node)
          .sort((a, b) => a.vmid - b.vmid)
          .map((x) => listEntry(x, ctx.now, full));
      },
    },
    {
      method: 'POST',
      path: base,
      proxied: true,
      params: t.create,
      perm: perm(['VM.Allocate']),
      handler: (ctx) => {
        const node = requireNode(ctx.cluster, ctx.params.str('node') ?? '').name;
        return create(opContext(ctx), node, t.type, ctx.params).upid;
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{vmid}`,
      proxied: true,
      params: t.destroy,
      perm: perm(['VM.Allocate']),
      handler: (ctx) => destroy(opContext(ctx), g(ctx), {
        purge: ctx.params.bool('purge'),
        skiplock: ctx.params.bool('skiplock'),
        force: ctx.params.bool('force'),
      }).upid,
    },
    {
      method: 'GET',
      path: `${base}/{vmid}/status/current`,
      proxied: true,
      params: GUEST_PARAMS,
      perm: perm(['VM.Audit']),
      handler: (ctx) => statusEntry(ctx, g(ctx)),
    },
    powerRoute('start', t.start),
    powerRoute('stop', t.stop),
    powerRoute('shutdown', t.shutdown),
    powerRoute('reboot', t.reboot),
    {
      method: 'GET',
      path: `${base}/{vmid}/config`,
      proxied: true,
      params: CONFIG_GET,
      perm: perm(['VM.Audit']),
      handler: (ctx) => {
        const guest = g(ctx);
        const name = ctx.params.str('snapshot');
        if (name === undefined) return guestConfig(guest);
        const snap = guest.snapshots?.find((s) => s.name === name);
        if (!snap) throw fail(`snapshot '${name}' does not exist`);
        return guestConfig(guest, snap);
      },
    },
    {
      method: 'PUT',
      path: `${base}/{vmid}/config`,
      proxied: true,
      params: t.configPut,
      perm: perm(t.configPrivs, true),
      handler: (ctx) => {
        updateConfig(opContext(ctx), g(ctx), ctx.params);
        return null;
      },
    },
    {
      method: 'POST',
      path: `${base}/{vmid}/clone`,
      proxied: true,
      params: t.clone,
      perm: perm(['VM.Clone']),
      handler: (ctx) => {
        const p = ctx.params;
        return clone(opContext(ctx), g(ctx), {
          newid: p.int('newid') ?? 0,
          name: t.type === 'qemu' ? p.str('name') : p.str('hostname'),
          target: p.str('target'),
          full: p.bool('full'),
          storage: p.str('storage'),
          pool: p.str('pool'),
          description: p.str('description'),
        }).upid;
      },
    },
    {
      method: 'GET',
      path: `${base}/{vmid}/migrate`,
      proxied: true,
      params: MIGRATE_GET,
      perm: perm(['VM.Migrate']),
      handler: (ctx) => {
        const guest = g(ctx);
        const others = ctx.cluster.nodes.map((n) => n.name).filter((n) => n !== guest.node);
        if (t.type === 'lxc') {
          return { running: bit(guest.status === 'running'), 'allowed-nodes': others, 'not-allowed-nodes': {}, 'dependent-ha-resources': [] };
        }
        const local = guest.storage === 'local-zfs';
        return {
          running: bit(guest.status === 'running'),
          allowed_nodes: others,
          not_allowed_nodes: {},
          local_disks: local ? [{ volid: `${guest.storage}:vm-${guest.vmid}-disk-0`, size: guest.diskGiB * 1024 ** 3, cdrom: 0, is_unused: 0 }] : [],
          local_resources: [],
          'mapped-resources': [],
          'mapped-resource-info': {},
          'has-dbus-vmstate': 0,
          'dependent-ha-resources': [],
        };
      },
    },
    {
      method: 'POST',
      path: `${base}/{vmid}/migrate`,
      proxied: true,
      params: t.migrate,
      perm: perm(['VM.Migrate']),
      handler: (ctx) => migrate(opContext(ctx), g(ctx), ctx.params.str('target') ?? '', {
        online: ctx.params.bool('online'),
        restart: ctx.params.bool('restart'),
        withLocalDisks: ctx.params.bool('with-local-disks'),
      }).upid,
    },
    {
      method: 'GET',
      path: `${base}/{vmid}/snapshot`,
      proxied: true,
      params: GUEST_PARAMS,
      perm: perm(['VM.Audit']),
      handler: (ctx) => {
        const guest = g(ctx);
        const list: Record<string, unknown>[] = (guest.snapshots ?? []).map((s) => {
          const e: Record<string, unknown> = { name: s.name, description: s.description, snaptime: s.snaptime };
          if (guest.type === 'qemu') e.vmstate = bit(s.vmstate);
          if (s.parent) e.parent = s.parent;
          return e;
        });
        const current: Record<string, unknown> = {
          name: 'current',
          description: 'You are here!',
          running: bit(guest.status === 'running'),
          digest: guestConfig(guest).digest,
        };
        if (guest.parentSnap) current.parent = guest.parentSnap;
        list.push(current);
        return list;
      },
    },
    {
      method: 'POST',
      path: `${base}/{vmid}/snapshot`,
      proxied: true,
      params: t.snapshot,
      perm: perm(['VM.Snapshot']),
      handler: (ctx) => snapshotCreate(
        opContext(ctx), g(ctx), ctx.params.str('snapname') ?? '', ctx.params.str('description') ?? '', ctx.params.bool('vmstate') ?? false,
      ).upid,
    },
    {
      method: 'DELETE',
      path: `${base}/{vmid}/snapshot/{snapname}`,
      proxied: true,
      params: SNAP_DELETE,
      perm: perm(['VM.Snapshot']),
      handler: (ctx) => snapshotDelete(opContext(ctx), g(ctx), ctx.params.str('snapname') ?? '', ctx.params.bool('force') ?? false).upid,
    },
    {
      method: 'POST',
      path: `${base}/{vmid}/snapshot/{snapname}/rollback`,
      proxied: true,
      params: SNAP_ROLLBACK,
      perm: perm(['VM.Snapshot', 'VM.Snapshot.Rollback'], true),
      handler: (ctx) => snapshotRollback(opContext(ctx), g(ctx), ctx.params.str('snapname') ?? '', ctx.params.bool('start') ?? false).upid,
    },
    {
      method: 'GET',
      path: `${base}/{vmid}/rrddata`,
      params: t.rrd,
      perm: perm(['VM.Audit']),
      handler: (ctx) => guestRrd(g(ctx), ctx.params.str('timeframe') as Timeframe, (ctx.params.str('cf') ?? 'AVERAGE') as 'AVERAGE' | 'MAX', ctx.now),
    },
  ];
  const configPost = t.configPost;
  if (configPost) {
    routes.push({
      method: 'POST',
      path: `${base}/{vmid}/config`,
      proxied: true,
      params: configPost,
      perm: perm(t.configPrivs, true),
      handler: (ctx) => updateConfigAsync(opContext(ctx), g(ctx), ctx.params).upid,
    });
  }
  return routes;
}
