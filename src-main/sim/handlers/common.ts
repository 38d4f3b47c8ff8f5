// Helpers shared by the route handlers: resolving guests and nodes with PVE's error texts, the
// operation context of a request, and small formatting helpers.

import { taskUser } from '../auth';
import { fail } from '../errors';
import type { ClusterState, Guest, GuestType, NodeState } from '../model';
import type { OpContext } from '../operations';
import type { RequestContext } from '../routes';

export function opContext(ctx: RequestContext): OpContext {
  return {
    rt: ctx.rt,
    cluster: ctx.cluster,
    nowMs: ctx.now,
    faults: ctx.faults,
    user: ctx.auth ? taskUser(ctx.auth) : 'root@pam',
  };
}

export function requireNode(cluster: ClusterState, name: string): NodeState {
  const node = cluster.nodeByName.get(name);
  if (!node) throw fail(`no such cluster node '${name}'`);
  return node;
}

/** The guest's config file must exist on that node, as PVE loads it from /etc/pve/nodes/<node>/. */
export function requireGuest(ctx: RequestContext, type: GuestType): Guest {
  const node = ctx.params.str('node') ?? '';
  const vmid = ctx.params.int('vmid') ?? 0;
  const g = ctx.cluster.guests.get(vmid);
  if (!g || g.type !== type || g.node !== node) {
    const dir = type === 'qemu' ? 'qemu-server' : 'lxc';
    throw fail(`Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`);
  }
  return g;
}

export function bit(v: boolean): 0 | 1 {
  return v ? 1 : 0;
}

/** Perl's scalar(localtime): "Wed Jun 12 10:15:31 2025" (node time is UTC here). */
export function ctimeString(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The node answering on the cluster's address: the first one that is up. */
export function localNode(ctx: RequestContext): NodeState | undefined {
  return ctx.cluster.nodes.find((n) => !ctx.faults.nodesDown.includes(n.name));
}

export function isDown(ctx: RequestContext, node: string): boolean {
  return ctx.faults.nodesDown.includes(node);
}
