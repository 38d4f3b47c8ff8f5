// Guest config edits (PUT synchronous, POST asynchronous), with lock and digest checks.

import { fail, paramError } from '../errors';
import { MODELLED_LXC_KEYS, MODELLED_QEMU_KEYS, configDigest, normaliseTags, parseMemory } from '../guest-config';
import type { Guest } from '../model';
import type { Params } from '../params';
import { splitList } from '../params';
import type { Task } from '../tasks';
import { assertGuestWritable, lockText, scaled, start, tenantOf, type OpContext } from './context';

const NON_CONFIG_UPDATE = new Set(['node', 'vmid', 'digest', 'delete', 'revert', 'skiplock', 'force', 'background_delay']);

/** PUT/POST .../config: validates locks and digest, then applies the change synchronously. */
export function updateConfig(ctx: OpContext, g: Guest, p: Params): void {
  assertGuestWritable(ctx, g);
  if (g.lock && !p.bool('skiplock')) throw fail(lockText(g));
  const digest = p.str('digest');
  if (digest !== undefined && digest !== configDigest(g)) throw fail('detected modified configuration - file changed by other user? Try again.');
  const modelled = g.type === 'qemu' ? MODELLED_QEMU_KEYS : MODELLED_LXC_KEYS;
  const deletes = splitList(p.str('delete') ?? '');
  for (const key of deletes) {
    if (p.has(key)) throw paramError({ delete: `cannot set and delete '${key}' at the same time` });
  }

  for (const key of p.names()) {
    if (NON_CONFIG_UPDATE.has(key)) continue;
    const value = p.str(key) ?? '';
    switch (key) {
      case 'name':
      case 'hostname':
        g.name = value;
        break;
      case 'cores':
        g.cores = p.int(key) ?? g.cores;
        break;
      case 'sockets':
        g.sockets = p.int(key) ?? g.sockets;
        break;
      case 'memory': {
        const mib = g.type === 'qemu' ? parseMemory(value) : p.int(key);
        if (mib === undefined) throw paramError({ memory: `invalid format - value '${value}' does not look like a valid memory size\n` });
        g.memoryMiB = mib;
        break;
      }
      case 'tags':
        g.tags = normaliseTags(value);
        g.tenant = tenantOf(g.tags) ?? g.tenant;
        break;
      case 'description':
        g.description = value;
        break;
      case 'onboot':
        g.onboot = p.bool(key) ?? g.onboot;
        break;
      case 'protection':
        g.protection = p.bool(key) ?? g.protection;
        break;
      case 'agent':
        g.agent = /^(?:enabled=)?1/.test(value);
        break;
      case 'ostype':
        g.ostype = value;
        break;
      default:
        if (modelled.has(key)) break;
        (g.extra ??= {})[key] = value;
    }
  }
  for (const key of deletes) {
    if (key === 'tags') g.tags = '';
    else if (key === 'description') g.description = '';
    else if (key === 'onboot') g.onboot = false;
    else if (key === 'protection') g.protection = false;
    else if (key === 'agent') g.agent = false;
    else if (g.extra) delete g.extra[key];
  }
  if (g.extra && Object.keys(g.extra).length === 0) g.extra = undefined;
  g.version++;
}

/** POST .../config: the asynchronous variant, a short qmconfig worker. */
export function updateConfigAsync(ctx: OpContext, g: Guest, p: Params): Task {
  updateConfig(ctx, g, p);
  return start(ctx, { node: g.node, type: 'qmconfig', id: String(g.vmid), durationMs: scaled(ctx, 0.8), lines: [] });
}
