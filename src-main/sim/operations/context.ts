// Shared by all operations: the operation context of a request and PVE's common checks (quorum,
// config locks, the lockTimeout fault), task start helpers and duration scaling.

import { fail } from '../errors';
import type { ClusterState, Guest } from '../model';
import { hash32, unit } from '../rng';
import type { SimRuntime } from '../routes';
import { failureText } from '../task-logs';
import type { Task, TaskSpec } from '../tasks';
import type { FaultConfig } from '../types';

export interface OpContext {
  rt: SimRuntime;
  cluster: ClusterState;
  nowMs: number;
  faults: FaultConfig;
  /** Task owner as it appears in the UPID: user@realm or user@realm!token. */
  user: string;
}

export function kindOf(g: Guest): 'VM' | 'CT' {
  return g.type === 'qemu' ? 'VM' : 'CT';
}

export function lockText(g: Guest): string {
  return `${kindOf(g)} is locked (${g.lock ?? ''})`;
}

export function lockFile(g: Guest): string {
  return g.type === 'qemu' ? `/var/lock/qemu-server/lock-${g.vmid}.conf` : `/run/lock/lxc/pve-config-${g.vmid}.lock`;
}

export function lockTimeoutText(g: Guest): string {
  return `can't lock file '${lockFile(g)}' - got timeout`;
}

export function onlineNodes(cluster: ClusterState, faults: FaultConfig): number {
  return cluster.nodes.filter((n) => !faults.nodesDown.includes(n.name)).length;
}

/** pmxcfs is read-only without quorum: every config write dies. */
export function assertQuorate(ctx: Pick<OpContext, 'cluster' | 'faults'>): void {
  if (onlineNodes(ctx.cluster, ctx.faults) * 2 <= ctx.cluster.nodes.length) throw fail('cluster not ready - no quorum?');
}

/** The lockTimeout fault: every write on a guest fails to take its config lock. */
export function assertGuestWritable(ctx: OpContext, g: Guest): void {
  assertQuorate(ctx);
  if (ctx.faults.lockTimeout) throw fail(lockTimeoutText(g));
}

export function seconds(ctx: OpContext, key: string | number, min: number, max: number): number {
  return min + (max - min) * unit(ctx.cluster.seed, ctx.nowMs, key);
}

export function scaled(ctx: OpContext, s: number): number {
  return Math.round((s * 1000 * ctx.faults.slowTaskFactor) / ctx.rt.taskSpeed);
}

export function start(ctx: OpContext, spec: Omit<TaskSpec, 'user'> & { user?: string | undefined }): Task {
  return ctx.cluster.tasks.start({ ...spec, user: spec.user ?? ctx.user }, ctx.nowMs);
}

/** A task that fails its own precondition right away (as the worker would after forking). */
export function failedTask(ctx: OpContext, node: string, type: string, id: string, error: string): Task {
  return start(ctx, { node, type, id, durationMs: scaled(ctx, 0.4), lines: [], error, failAt: 1 });
}

export function injected(ctx: OpContext, type: string, id: string): string | undefined {
  return ctx.faults.taskFailure ? failureText(type, id) : undefined;
}

export function newProfile(cluster: ClusterState, vmid: number, name: string, nowMs: number): number {
  return hash32(cluster.seed, vmid, name, nowMs);
}

/** The tenant a guest belongs to, from its `tenant-<name>` tag. */
export function tenantOf(tags: string): string | undefined {
  const t = tags.split(';').find((x) => x.startsWith('tenant-'));
  return t?.slice('tenant-'.length);
}
