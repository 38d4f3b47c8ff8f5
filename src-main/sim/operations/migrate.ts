// Migration of guests between the nodes of a cluster (online, offline, restart mode, via HA).

import { fail } from '../errors';
import { diskFill } from '../metrics';
import type { Guest } from '../model';
import { haSid } from '../model';
import { nodeAddresses } from '../network';
import { haRequestLog, migrateLog } from '../task-logs';
import type { Task } from '../tasks';
import { assertGuestWritable, failedTask, injected, lockText, scaled, seconds, start, type OpContext } from './context';

export interface MigrateOptions {
  online?: boolean | undefined;
  restart?: boolean | undefined;
  withLocalDisks?: boolean | undefined;
}

export function migrate(ctx: OpContext, g: Guest, target: string, opts: MigrateOptions): Task {
  if (target === g.node) throw fail('target is local node.');
  if (!ctx.cluster.nodeByName.has(target)) throw fail(`no such cluster node '${target}'`);
  if (g.type === 'qemu' && g.status === 'running' && !opts.online) throw fail("can't migrate running VM without --online");
  if (g.type === 'lxc' && g.status === 'running') {
    if (!opts.restart && !opts.online) throw fail("can't migrate running container without --online or --restart");
    // PVE refuses online LXC migration with exactly this text (pve-container); the simulator does the same.
    if (opts.online && !opts.restart) throw fail('lxc live migration is currently not implemented');
  }
  assertGuestWritable(ctx, g);
  const ha = ctx.cluster.haResources.get(haSid(g));
  if (ha && ha.state !== 'ignored') {
    return start(ctx, {
      node: g.node, type: 'hamigrate', id: String(g.vmid), durationMs: scaled(ctx, 1), lines: haRequestLog('migrate', g, target),
      onFinish: (ok, at) => {
        if (!ok || ctx.cluster.guests.get(g.vmid) !== g) return;
        const running = g.status === 'running';
        directMigrate({ ...ctx, nowMs: at, user: 'root@pam' }, g, target, { online: running && g.type === 'qemu', restart: running && g.type === 'lxc', withLocalDisks: true });
      },
    });
  }
  return directMigrate(ctx, g, target, opts);
}

function directMigrate(ctx: OpContext, g: Guest, target: string, opts: MigrateOptions): Task {
  const type = g.type === 'qemu' ? 'qmigrate' : 'vzmigrate';
  const id = String(g.vmid);
  const from = g.node;
  if (g.lock) return failedTask(ctx, from, type, id, `migration aborted (duration 00:00:00): ${lockText(g)}`);
  const local = g.storage === 'local-zfs';
  const running = g.status === 'running';
  if (g.type === 'qemu' && running && local && !opts.withLocalDisks) {
    return failedTask(ctx, from, type, id, `can't migrate local disk '${g.storage}:vm-${g.vmid}-disk-0': can't live migrate attached local disks without with-local-disks option`);
  }
  const targetNode = ctx.cluster.nodeByName.get(target);
  if (!targetNode) throw fail(`no such cluster node '${target}'`);
  if (ctx.faults.nodesDown.includes(target)) {
    return failedTask(ctx, from, type, id, "migration aborted (duration 00:00:01): Can't connect to destination address using public key");
  }
  const diskS = local ? 3 + (g.diskGiB * diskFill(g)) * 0.8 : 0;
  const base = g.type === 'qemu'
    ? (running ? 6 + (g.memoryMiB / 1024) * 0.9 + diskS : 2 + diskS + seconds(ctx, type, 0, 2))
    : (running ? 8 + seconds(ctx, type, 0, 4) + diskS : 2 + diskS);
  const durationMs = scaled(ctx, base);
  const ip = nodeAddresses(ctx.cluster, targetNode).private;
  const lines = migrateLog(g, target, ip, running, local, ctx.nowMs, durationMs, base);
  g.lock = 'migrate';
  g.version++;
  return start(ctx, {
    node: from, type, id, durationMs, lines, error: injected(ctx, type, id), failAt: 0.7,
    onFinish: (ok, at) => {
      if (g.lock === 'migrate') g.lock = undefined;
      g.version++;
      if (!ok) return;
      g.node = target;
      if (g.type === 'lxc' && running) g.startedAt = at;
    },
  });
}
