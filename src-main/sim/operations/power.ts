// Power actions on guests: start, stop, shutdown, reboot, directly or through the HA stack.

import { VM_IMAGES } from '../catalogue';
import { fail } from '../errors';
import type { Guest, HaResource } from '../model';
import { haSid } from '../model';
import { haRequestLog } from '../task-logs';
import type { Task } from '../tasks';
import { assertGuestWritable, failedTask, injected, kindOf, lockText, lockTimeoutText, scaled, seconds, start, type OpContext } from './context';

export type PowerAction = 'start' | 'stop' | 'shutdown' | 'reboot';

export interface PowerOptions {
  skiplock?: boolean | undefined;
  forceStop?: boolean | undefined;
}

export function power(ctx: OpContext, g: Guest, action: PowerAction, opts: PowerOptions = {}): Task {
  if (action === 'reboot' && g.status !== 'running') throw fail(`${kindOf(g)} ${g.vmid} not running`);
  assertGuestWritable(ctx, g);
  const ha = ctx.cluster.haResources.get(haSid(g));
  if (ha && action !== 'reboot') return haPower(ctx, g, ha, action === 'start' ? 'start' : 'stop');
  return directPower(ctx, g, action, opts);
}

function directPower(ctx: OpContext, g: Guest, action: PowerAction, opts: PowerOptions): Task {
  const type = `${g.type === 'qemu' ? 'qm' : 'vz'}${action}`;
  const id = String(g.vmid);
  const kind = kindOf(g);
  if (ctx.cluster.flocks.has(g.vmid)) {
    // PVE waits up to 10 s (start) for the config lock, then gives up.
    return start(ctx, { node: g.node, type, id, durationMs: scaled(ctx, 10), lines: [], error: lockTimeoutText(g), failAt: 1 });
  }
  if (g.lock && !opts.skiplock) return failedTask(ctx, g.node, type, id, lockText(g));
  if (action === 'start' && g.template) return failedTask(ctx, g.node, type, id, "you can't start a vm if it's a template");
  if (action === 'start' && g.status === 'running') return failedTask(ctx, g.node, type, id, `${kind} ${g.vmid} already running`);

  const windows = VM_IMAGES.find((i) => i.key === g.image)?.windows ?? false;
  const noop = (action === 'stop' || action === 'shutdown') && g.status !== 'running';
  const base = noop ? 0.3
    : action === 'start' ? (g.type === 'qemu' ? seconds(ctx, type, 2, 5) + (g.confidential ? 2 : 0) : seconds(ctx, type, 1, 3))
    : action === 'stop' ? seconds(ctx, type, 1, 2)
    : action === 'shutdown' ? (g.type === 'lxc' ? seconds(ctx, type, 2, 6) : windows ? seconds(ctx, type, 15, 40) : seconds(ctx, type, 5, 20))
    : g.type === 'lxc' ? seconds(ctx, type, 4, 8) : seconds(ctx, type, 10, 30);
  const task = start(ctx, {
    node: g.node, type, id, durationMs: scaled(ctx, base), lines: [],
    error: noop ? undefined : injected(ctx, type, id),
    failAt: 0.8,
    onFinish: (ok, at) => {
      if (ctx.cluster.flocks.get(g.vmid) === task) ctx.cluster.flocks.delete(g.vmid);
      if (!ok || noop) return;
      if (action === 'start' || action === 'reboot') {
        g.status = 'running';
        g.startedAt = at;
      } else {
        g.status = 'stopped';
      }
    },
  });
  if (task.state === 'running') ctx.cluster.flocks.set(g.vmid, task);
  return task;
}

/** HA-managed guests are started/stopped by requesting a state from the CRM. */
function haPower(ctx: OpContext, g: Guest, ha: HaResource, what: 'start' | 'stop'): Task {
  const type = what === 'start' ? 'hastart' : 'hastop';
  return start(ctx, {
    node: g.node, type, id: String(g.vmid), durationMs: scaled(ctx, 1), lines: haRequestLog(what, g),
    onFinish: (ok, at) => {
      if (!ok) return;
      ha.state = what === 'start' ? 'started' : 'stopped';
      // The node's LRM then runs the real worker as root@pam.
      const want = what === 'start' ? 'running' : 'stopped';
      if (g.status !== want && ctx.cluster.guests.get(g.vmid) === g) {
        directPower({ ...ctx, nowMs: at, user: 'root@pam' }, g, what === 'start' ? 'start' : 'shutdown', {});
      }
    },
  });
}
