// Destroying guests, with PVE's refusals (running, protected, locked, HA without purge, base
// volumes still used by linked clones).

import { fail } from '../errors';
import type { Guest } from '../model';
import { haSid } from '../model';
import { destroyLog } from '../task-logs';
import type { Task } from '../tasks';
import { assertGuestWritable, failedTask, injected, kindOf, lockText, scaled, seconds, start, type OpContext } from './context';

export function destroy(ctx: OpContext, g: Guest, opts: { purge?: boolean | undefined; skiplock?: boolean | undefined; force?: boolean | undefined }): Task {
  const c = ctx.cluster;
  const kind = kindOf(g);
  assertGuestWritable(ctx, g);
  if (g.lock && !opts.skiplock) throw fail(lockText(g));
  if (g.status === 'running') {
    if (g.type === 'lxc' && !opts.force) throw fail(`unable to destroy CT ${g.vmid} - container is running`);
    if (g.type === 'qemu') throw fail(`VM ${g.vmid} is running - destroy failed`);
  }
  if (g.protection) throw fail(`can't remove ${kind} ${g.vmid} - protection mode enabled`);
  const sid = haSid(g);
  if (c.haResources.has(sid) && !opts.purge) throw fail(`unable to remove ${kind} ${g.vmid} - used in HA resources and purge parameter not set.`);
  const type = g.type === 'qemu' ? 'qmdestroy' : 'vzdestroy';
  const id = String(g.vmid);
  const clones = [...c.guests.values()].filter((x) => x.base === g.vmid);
  if (g.template && clones.length > 0) {
    return failedTask(ctx, g.node, type, id, `base volume '${g.storage}:base-${g.vmid}-disk-0' is still in use by linked cloned`);
  }
  if (g.type === 'lxc') g.lock = 'destroyed';
  return start(ctx, {
    node: g.node, type, id, durationMs: scaled(ctx, seconds(ctx, type, 2, 5)), lines: destroyLog(g, opts.purge ?? false),
    error: injected(ctx, type, id), failAt: 0.5,
    onFinish: (ok) => {
      if (g.lock === 'destroyed') g.lock = undefined;
      if (!ok || c.guests.get(g.vmid) !== g) return;
      c.guests.delete(g.vmid);
      if (opts.purge) {
        c.haResources.delete(sid);
        for (const rule of c.haRules) rule.resources = rule.resources.split(',').filter((r) => r !== sid).join(',');
        c.haRules = c.haRules.filter((r) => r.resources !== '');
      }
    },
  });
}
