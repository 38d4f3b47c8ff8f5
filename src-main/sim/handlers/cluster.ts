// Cluster-wide views: /version, /cluster/status, /cluster/resources, /cluster/tasks,
// /cluster/nextid, /cluster/backup, /storage, /pools and SDN zones/vnets. These are served from
// the cluster's shared state (pmxcfs in PVE), so they keep working when nodes are down.

import { createHash } from 'node:crypto';
import { hasPrivilege } from '../auth';
import { PVE_VERSION } from '../catalogue';
import { fail, paramError } from '../errors';
import { guestLive, nodeLive, nodeLoads, type NodeLoad } from '../metrics';
import type { ClusterState, Guest } from '../model';
import { haSid } from '../model';
import { defineParams } from '../params';
import type { RequestContext, RouteDef } from '../routes';
import { bit, isDown, localNode } from './common';
import { crmState } from './ha';
import { usageView } from './nodes';
import { taskEntry } from './tasks';

function digest(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex');
}

/** Subscription level shown for every node (Standard). */
const SUPPORT_LEVEL = 's';

// Entries are built as plain literals: V8 takes a slow path for `{ ...base, many: props }`,
// which made /cluster/resources of a 200-guest site ten times slower.
export function guestResource(ctx: RequestContext, g: Guest): Record<string, unknown> {
  const id = `${g.type}/${g.vmid}`;
  // A guest on a dead node has no fresh RRD data: PVE reports it as 'unknown' without figures.
  if (isDown(ctx, g.node)) return { id, vmid: g.vmid, node: g.node, type: g.type, status: 'unknown' };
  const live = guestLive(g, ctx.now);
  const e: Record<string, unknown> = {
    id,
    vmid: g.vmid,
    node: g.node,
    type: g.type,
    name: g.name,
    status: live.status,
    uptime: live.uptime,
    template: bit(g.template),
    maxcpu: live.maxcpu,
    cpu: live.cpu,
    maxmem: live.maxmem,
    mem: live.mem,
    maxdisk: live.maxdisk,
    disk: live.disk,
    netin: live.netin,
    netout: live.netout,
    diskread: live.diskread,
    diskwrite: live.diskwrite,
    memhost: live.memhost,
  };
  if (g.tags) e.tags = g.tags;
  if (g.lock) e.lock = g.lock;
  if (g.pool) e.pool = g.pool;
  const ha = ctx.cluster.haResources.get(haSid(g));
  if (ha) e.hastate = crmState(ctx, g, ha);
  return e;
}

function nodeResource(ctx: RequestContext, name: string, load: NodeLoad | undefined): Record<string, unknown> {
  const node = ctx.cluster.nodeByName.get(name);
  const id = `node/${name}`;
  if (!node) return { id, node: name, type: 'node', level: SUPPORT_LEVEL, 'cgroup-mode': 2, status: 'unknown' };
  const live = nodeLive(ctx.cluster, node, ctx.now, load);
  if (isDown(ctx, name)) {
    return {
      id, node: name, type: 'node', level: SUPPORT_LEVEL, 'cgroup-mode': 2, status: 'offline',
      maxcpu: live.maxcpu, maxmem: live.maxmem, maxdisk: live.maxdisk, hastate: 'unknown',
    };
  }
  const e: Record<string, unknown> = {
    id,
    node: name,
    type: 'node',
    level: SUPPORT_LEVEL,
    'cgroup-mode': 2,
    status: 'online',
    uptime: live.uptime,
    cpu: live.cpu,
    maxcpu: live.maxcpu,
    mem: live.mem,
    maxmem: live.maxmem,
    disk: live.disk,
    maxdisk: live.maxdisk,
  };
  if (ctx.cluster.haResources.size > 0) e.hastate = 'online';
  return e;
}

function storageResources(ctx: RequestContext): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const usage = usageView(ctx.cluster);
  for (const s of ctx.cluster.storages) {
    for (const node of ctx.cluster.nodes) {
      const e: Record<string, unknown> = {
        id: `storage/${node.name}/${s.id}`,
        storage: s.id,
        node: node.name,
        type: 'storage',
        plugintype: s.type,
        status: 'unknown',
        shared: bit(s.shared),
        content: s.content,
      };
      if (!isDown(ctx, node.name)) {
        const u = usage(s, node.name);
        e.maxdisk = u.total;
        e.disk = u.used;
        e.status = 'available';
      }
      out.push(e);
    }
  }
  return out;
}

function sdnResources(ctx: RequestContext): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const node of ctx.cluster.nodes) {
    if (isDown(ctx, node.name)) continue;
    for (const z of ctx.cluster.sdnZones) {
      out.push({ id: `sdn/${node.name}/${z.zone}`, sdn: z.zone, node: node.name, type: 'sdn', status: 'ok', 'zone-type': z.type });
    }
  }
  return out;
}

export function clusterResources(ctx: RequestContext, type: string | undefined): unknown[] {
  const res: unknown[] = [];
  const me = ctx.auth;
  const can = (priv: string): boolean => !me || hasPrivilege(me, priv);
  if (!type && can('Pool.Audit')) {
    for (const pool of ctx.cluster.pools) res.push({ id: `/pool/${pool.poolid}`, pool: pool.poolid, type: 'pool' });
  }
  if ((!type || type === 'vm') && can('VM.Audit')) {
    const guests = [...ctx.cluster.guests.values()].sort((a, b) => a.vmid - b.vmid);
    for (const g of guests) res.push(guestResource(ctx, g));
  }
  if (!type || type === 'node') {
    const loads = nodeLoads(ctx.cluster, ctx.now);
    for (const n of ctx.cluster.nodes) res.push(nodeResource(ctx, n.name, loads.get(n.name)));
  }
  if ((!type || type === 'storage') && can('Datastore.Audit')) res.push(...storageResources(ctx));
  if ((!type || type === 'sdn') && can('SDN.Audit')) res.push(...sdnResources(ctx));
  return res;
}

function nextFreeVmid(cluster: ClusterState): number {
  for (let i = 100; i < 1_000_000; i++) if (!cluster.guests.has(i)) return i;
  throw fail('unable to get any free VMID');
}

function poolMembers(ctx: RequestContext, poolid: string, type: string | undefined): Record<string, unknown>[] {
  const members: Record<string, unknown>[] = [];
  if (type !== 'storage') {
    for (const g of [...ctx.cluster.guests.values()].sort((a, b) => a.vmid - b.vmid)) {
      if (g.pool !== poolid || (type !== undefined && g.type !== type)) continue;
      members.push(guestResource(ctx, g));
    }
  }
  return members;
}

export function clusterRoutes(): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/version',
      params: defineParams(''),
      handler: (ctx) => ({ version: PVE_VERSION.version, release: PVE_VERSION.release, repoid: ctx.cluster.repoid, console: 'html5' }),
    },
    {
      method: 'GET',
      path: '/cluster/status',
      params: defineParams(''),
      perm: { path: '/', privs: ['Sys.Audit'] },
      handler: (ctx) => {
        const c = ctx.cluster;
        const online = c.nodes.filter((n) => !isDown(ctx, n.name)).length;
        const local = localNode(ctx);
        return [
          { type: 'cluster', id: 'cluster', name: c.info.name, nodes: c.nodes.length, quorate: bit(online * 2 > c.nodes.length), version: c.configVersion },
          ...c.nodes.map((n) => ({
            type: 'node',
            id: `node/${n.name}`,
            name: n.name,
            nodeid: n.nodeid,
            ip: n.ip,
            local: bit(n === local),
            online: bit(!isDown(ctx, n.name)),
            level: SUPPORT_LEVEL,
          })),
        ];
      },
    },
    {
      method: 'GET',
      path: '/cluster/resources',
      params: defineParams('type?:vm|storage|node|sdn'),
      handler: (ctx) => clusterResources(ctx, ctx.params.str('type')),
    },
    {
      method: 'GET',
      path: '/cluster/tasks',
      params: defineParams(''),
      handler: (ctx) => {
        const all = !ctx.auth || hasPrivilege(ctx.auth, 'Sys.Audit');
        const up = ctx.cluster.nodes.filter((n) => !isDown(ctx, n.name)).map((n) => n.name);
        return ctx.cluster.tasks
          .recent(up, 50)
          .filter((t) => all || t.user.split('!')[0] === ctx.auth?.userid)
          .map((t) => taskEntry(t, ctx.now, false));
      },
    },
    {
      method: 'GET',
      path: '/cluster/nextid',
      params: defineParams('vmid?:vmid'),
      handler: (ctx) => {
        const vmid = ctx.params.int('vmid');
        if (vmid === undefined) return nextFreeVmid(ctx.cluster);
        if (ctx.cluster.guests.has(vmid)) throw paramError({ vmid: `VM ${vmid} already exists` });
        // PVE echoes the parameter back, which JSON-encodes as a string.
        return String(vmid);
      },
    },
    {
      method: 'GET',
      path: '/cluster/backup',
      params: defineParams(''),
      perm: { path: '/', privs: ['Sys.Audit'] },
      handler: (ctx) => ctx.cluster.backupJobs.map((j) => {
        const next = nextRun(ctx.now, j.schedule);
        return {
          id: j.id, type: 'vzdump', schedule: j.schedule, storage: j.storage, mode: j.mode, all: bit(j.all), enabled: bit(j.enabled),
          comment: j.comment, compress: 'zstd', 'notes-template': '{{guestname}}', 'prune-backups': { 'keep-daily': 3, 'keep-weekly': 2 },
          'next-run': next, 'repeat-missed': 0, mailnotification: 'failure',
        };
      }),
    },
    {
      method: 'GET',
      path: '/storage',
      params: defineParams('type?:btrfs|cephfs|cifs|dir|esxi|iscsi|iscsidirect|lvm|lvmthin|nfs|pbs|rbd|zfs|zfspool'),
      handler: (ctx) => {
        const type = ctx.params.str('type');
        return ctx.cluster.storages
          .filter((s) => type === undefined || s.type === type)
          .map((s) => {
            const e: Record<string, unknown> = { storage: s.id, type: s.type, content: s.content, ...s.config };
            if (s.shared && (s.type === 'dir' || s.type === 'rbd')) e.shared = 1;
            e.digest = digest(ctx.cluster.storages.map((x) => [x.id, x.type, x.content, x.config]));
            return e;
          });
      },
    },
    {
      method: 'GET',
      path: '/pools',
      params: defineParams('poolid?:poolid type?:qemu|lxc|storage'),
      handler: (ctx) => {
        const poolid = ctx.params.str('poolid');
        const type = ctx.params.str('type');
        if (poolid !== undefined) {
          const pool = ctx.cluster.pools.find((p) => p.poolid === poolid);
          if (!pool) throw fail(`pool '${poolid}' does not exist`);
          return [{ poolid: pool.poolid, comment: pool.comment, members: poolMembers(ctx, pool.poolid, type) }];
        }
        return ctx.cluster.pools.map((p) => ({ poolid: p.poolid, comment: p.comment }));
      },
    },
    {
      method: 'GET',
      path: '/cluster/sdn/zones',
      params: defineParams('pending?:bool running?:bool type?:evpn|faucet|qinq|simple|vlan|vxlan'),
      handler: (ctx) => {
        if (ctx.auth && !hasPrivilege(ctx.auth, 'SDN.Audit')) return [];
        const type = ctx.params.str('type');
        return ctx.cluster.sdnZones
          .filter((z) => type === undefined || z.type === type)
          .map((z) => {
            const e: Record<string, unknown> = { zone: z.zone, type: z.type, ipam: z.ipam, digest: digest(z) };
            if (z.bridge) e.bridge = z.bridge;
            if (z.mtu) e.mtu = z.mtu;
            return e;
          });
      },
    },
    {
      method: 'GET',
      path: '/cluster/sdn/vnets',
      params: defineParams('pending?:bool running?:bool'),
      handler: (ctx) => {
        if (ctx.auth && !hasPrivilege(ctx.auth, 'SDN.Audit')) return [];
        return ctx.cluster.sdnVnets.map((v) => {
          const e: Record<string, unknown> = { vnet: v.vnet, zone: v.zone, type: 'vnet', digest: digest(v) };
          if (v.tag !== undefined) e.tag = v.tag;
          if (v.alias) e.alias = v.alias;
          return e;
        });
      },
    },
  ];
}

/** Next run of a daily "HH:MM" schedule (the only form the generated jobs use). */
function nextRun(nowMs: number, schedule: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(schedule);
  if (!m) return Math.floor(nowMs / 1000) + 86_400;
  // Schedules are CET; the simulator keeps node clocks in UTC.
  const minutes = (Number(m[1]) - 1) * 60 + Number(m[2]);
  const day = Math.floor(nowMs / 86_400_000) * 86_400_000;
  let t = day + minutes * 60_000;
  if (t <= nowMs) t += 86_400_000;
  return Math.floor(t / 1000);
}

