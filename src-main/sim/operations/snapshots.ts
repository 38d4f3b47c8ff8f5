// Guest snapshots: create (optionally with RAM), delete, rollback.

import { fail } from '../errors';
import type { Guest } from '../model';
import { deleteSnapshotLog, rollbackLog, snapshotLog } from '../task-logs';
import type { Task, TaskSpec } from '../tasks';
import { assertGuestWritable, failedTask, injected, lockText, scaled, seconds, start, type OpContext } from './context';

const RESERVED_SNAPNAMES = new Set(['current', 'vzdump']);

export function snapshotCreate(ctx: OpContext, g: Guest, name: string, description: string, vmstate: boolean): Task {
  if (RESERVED_SNAPNAMES.has(name)) throw fail(`unable to use snapshot name '${name}' (reserved name)`);
  assertGuestWritable(ctx, g);
  const type = g.type === 'qemu' ? 'qmsnapshot' : 'vzsnapshot';
  const id = String(g.vmid);
  if (g.template) return failedTask(ctx, g.node, type, id, "you can't take a snapshot if it's a template");
  if (g.lock) return failedTask(ctx, g.node, type, id, lockText(g));
  if (g.snapshots?.some((s) => s.name === name)) return failedTask(ctx, g.node, type, id, `snapshot name '${name}' already used`);
  const withState = vmstate && g.type === 'qemu' && g.status === 'running';
  const base = seconds(ctx, type, 2, 5) + (withState ? (g.memoryMiB / 1024) * 0.5 : 0);
  return locked(ctx, g, 'snapshot', {
    node: g.node, type, id, durationMs: scaled(ctx, base), lines: snapshotLog(g, withState),
    error: injected(ctx, type, id), failAt: 0.6,
  }, () => {
    (g.snapshots ??= []).push({
      name, description, snaptime: Math.floor(ctx.nowMs / 1000), vmstate: withState, parent: g.parentSnap,
      cores: g.cores, memoryMiB: g.memoryMiB, running: g.status === 'running',
    });
    g.parentSnap = name;
  });
}

export function snapshotDelete(ctx: OpContext, g: Guest, name: string, force: boolean): Task {
  assertGuestWritable(ctx, g);
  const type = g.type === 'qemu' ? 'qmdelsnapshot' : 'vzdelsnapshot';
  const id = String(g.vmid);
  const snap = g.snapshots?.find((s) => s.name === name);
  if (!snap) return failedTask(ctx, g.node, type, id, `snapshot '${name}' does not exist`);
  if (g.lock && !force) return failedTask(ctx, g.node, type, id, lockText(g));
  return locked(ctx, g, 'snapshot-delete', {
    node: g.node, type, id, durationMs: scaled(ctx, seconds(ctx, type, 2, 6)), lines: deleteSnapshotLog(g),
    error: injected(ctx, type, id), failAt: 0.5,
  }, () => {
    g.snapshots = (g.snapshots ?? []).filter((s) => s !== snap);
    for (const s of g.snapshots) if (s.parent === name) s.parent = snap.parent;
    if (g.parentSnap === name) g.parentSnap = snap.parent;
    if (g.snapshots.length === 0) g.snapshots = undefined;
  });
}

export function snapshotRollback(ctx: OpContext, g: Guest, name: string, startAfter: boolean): Task {
  assertGuestWritable(ctx, g);
  const type = g.type === 'qemu' ? 'qmrollback' : 'vzrollback';
  const id = String(g.vmid);
  const snap = g.snapshots?.find((s) => s.name === name);
  if (!snap) return failedTask(ctx, g.node, type, id, `snapshot '${name}' does not exist`);
  if (g.lock) return failedTask(ctx, g.node, type, id, lockText(g));
  return locked(ctx, g, 'rollback', {
    node: g.node, type, id, durationMs: scaled(ctx, seconds(ctx, type, 3, 8)), lines: rollbackLog(g),
    error: injected(ctx, type, id), failAt: 0.6,
  }, (at) => {
    g.cores = snap.cores;
    g.memoryMiB = snap.memoryMiB;
    g.parentSnap = name;
    const run = (snap.vmstate && snap.running) || startAfter;
    g.status = run ? 'running' : 'stopped';
    if (run) g.startedAt = at;
  });
}

/** Runs a task with the guest's config `lock` set, clearing it when the task ends. */
function locked(ctx: OpContext, g: Guest, lock: string, spec: Omit<TaskSpec, 'user' | 'onFinish'>, effect: (atMs: number) => void): Task {
  g.lock = lock;
  g.version++;
  return start(ctx, {
    ...spec,
    onFinish: (ok, at) => {
      if (g.lock === lock) g.lock = undefined;
      g.version++;
      if (ok) effect(at);
    },
  });
}
