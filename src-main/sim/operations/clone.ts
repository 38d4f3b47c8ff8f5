// Full and linked clones of guests and templates.

import { fail } from '../errors';
import { diskFill } from '../metrics';
import type { Guest } from '../model';
import { cloneLog } from '../task-logs';
import type { Task } from '../tasks';
import { assertGuestWritable, injected, kindOf, lockText, newProfile, scaled, seconds, start, type OpContext } from './context';

export interface CloneOptions {
  newid: number;
  name?: string | undefined;
  target?: string | undefined;
  full?: boolean | undefined;
  storage?: string | undefined;
  pool?: string | undefined;
  description?: string | undefined;
}

export function clone(ctx: OpContext, src: Guest, opts: CloneOptions): Task {
  const c = ctx.cluster;
  const existing = c.guests.get(opts.newid);
  if (existing) throw fail(`unable to create ${kindOf(src)} ${opts.newid}: config file already exists`);
  if (opts.pool !== undefined && !c.pools.some((p) => p.poolid === opts.pool)) throw fail(`pool '${opts.pool}' does not exist`);
  if (opts.target !== undefined && !c.nodeByName.has(opts.target)) throw fail(`no such cluster node '${opts.target}'`);
  if (opts.storage !== undefined && !c.storages.some((s) => s.id === opts.storage && s.content.includes('images'))) {
    throw fail(`storage '${opts.storage}' does not exist`);
  }
  const full = opts.full ?? !src.template;
  if (!full && !src.template) throw fail('Linked clone feature is not supported for drive \'scsi0\'');
  if (!full && opts.storage !== undefined) throw fail("parameter 'storage' not allowed for linked clones");
  const targetStorage = full ? opts.storage ?? src.storage : src.storage;
  if (opts.target !== undefined && opts.target !== src.node && targetStorage === 'local-zfs') {
    throw fail(`can't clone VM to node '${opts.target}' (VM uses local storage)`);
  }
  if (src.lock && !src.template) throw fail(lockText(src));
  assertGuestWritable(ctx, src);

  const name = opts.name ?? (src.type === 'qemu' ? `Copy-of-VM-${src.name}` : `CT${opts.newid}`);
  const target: Guest = {
    ...src,
    vmid: opts.newid,
    name,
    node: opts.target ?? src.node,
    status: 'stopped',
    startedAt: 0,
    storage: targetStorage,
    template: false,
    lock: 'clone',
    pool: opts.pool,
    protection: false,
    onboot: false,
    description: opts.description ?? src.description,
    ctime: Math.floor(ctx.nowMs / 1000),
    profile: newProfile(c, opts.newid, name, ctx.nowMs),
    snapshots: undefined,
    parentSnap: undefined,
    extra: src.extra ? { ...src.extra } : undefined,
    version: 1,
    base: full ? undefined : src.vmid,
  };
  c.guests.set(target.vmid, target);
  const type = src.type === 'qemu' ? 'qmclone' : 'vzclone';
  const id = String(src.vmid);
  const base = full ? 4 + src.diskGiB * diskFill(src) * 0.6 : seconds(ctx, type, 2, 4);
  return start(ctx, {
    node: src.node, type, id, durationMs: scaled(ctx, base), lines: cloneLog(src, target, full),
    error: injected(ctx, type, id), failAt: 0.5,
    onFinish: (ok) => {
      if (c.guests.get(target.vmid) !== target) return;
      if (ok) {
        target.lock = undefined;
        target.version++;
      } else {
        c.guests.delete(target.vmid);
      }
    },
  });
}
