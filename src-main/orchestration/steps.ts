/**
 * The steps an operation is made of, each one PVE call, and how each is
 * issued, followed and reconciled. A step is idempotent by construction:
 * before a write is sent its intent is journalled; the UPID is journalled
 * the moment PVE returns it; and a step found in `intent` with no UPID after
 * a crash or a lost connection is never simply re-sent: `reconcile` first
 * looks for the task PVE started (the node's task list) or for the step's
 * effect in the guest's actual state or config.
 */
import type { GuestRef, PveClient } from '../pve';
import { isGuestResource } from '../pve';

/** The part of PveClient the engine uses (the real client satisfies it; the property test fakes it). */
export type OpsClient = Pick<
  PveClient,
  | 'clusterResources'
  | 'clusterStatus'
  | 'nextId'
  | 'guestStatus'
  | 'guestConfig'
  | 'snapshots'
  | 'startGuest'
  | 'stopGuest'
  | 'shutdownGuest'
  | 'rebootGuest'
  | 'cloneGuest'
  | 'migrateGuest'
  | 'createSnapshot'
  | 'deleteSnapshot'
  | 'rollbackSnapshot'
  | 'deleteGuest'
  | 'vzdump'
  | 'createGuest'
  | 'updateGuestConfig'
  | 'haResources'
  | 'addHaResource'
  | 'removeHaResource'
  | 'nodeTasks'
  | 'taskStatus'
  | 'taskLog'
>;

export type StepSpec =
  | { kind: 'power'; action: 'start' | 'stop' | 'shutdown' | 'reboot'; ref: GuestRef }
  | { kind: 'clone'; ref: GuestRef; newid: number; name: string; target: string; full: boolean }
  /** A new guest from parameters (containers: ostemplate, rootfs, net0…); `ref` is the guest it creates. */
  | { kind: 'create'; ref: GuestRef; name: string; params: Record<string, string | number | boolean> }
  | { kind: 'config'; ref: GuestRef; set: Record<string, string | number>; remove?: string[] }
  | { kind: 'migrate'; ref: GuestRef; target: string; online: boolean }
  | { kind: 'snapshot'; ref: GuestRef; snapname: string; description?: string }
  | { kind: 'rollback'; ref: GuestRef; snapname: string }
  | { kind: 'delsnapshot'; ref: GuestRef; snapname: string }
  | { kind: 'vzdump'; ref: GuestRef; storage: string; mode: 'snapshot' | 'suspend' | 'stop' }
  | { kind: 'restore'; ref: GuestRef; archive: string; storage?: string }
  /** `undo`: the compensation of a failed create, appended to the operation when a later step failed. */
  | { kind: 'destroy'; ref: GuestRef; undo?: boolean }
  | { kind: 'ha'; ref: GuestRef; enable: boolean };

/** What a step's call returned: a task to follow, or a synchronous change already made. */
export type Issued = { upid: string } | { sync: true };

/** Outcome of looking at PVE for a step whose UPID was never recorded. */
export type Reconciled =
  | { found: 'task'; upid: string }
  | { found: 'effect' }
  | { found: 'underway' }
  | { found: 'nothing' };

export function summarize(s: StepSpec): string {
  const g = `${s.ref.type === 'qemu' ? 'VM' : 'CT'} ${s.ref.vmid}`;
  switch (s.kind) {
    case 'power':
      return `${s.action} ${g} on ${s.ref.node}`;
    case 'clone':
      return `clone template ${s.ref.vmid} to ${s.newid} '${s.name}' on ${s.target}${s.full ? ' (full)' : ' (linked)'}`;
    case 'config':
      return `set ${Object.entries(s.set).map(([k, v]) => `${k}=${k === 'sshkeys' ? '<key>' : String(v)}`).join(', ')}${s.remove?.length ? `; remove ${s.remove.join(', ')}` : ''} on ${g}`;
    case 'migrate':
      return `${s.online ? 'live-' : ''}migrate ${g} from ${s.ref.node} to ${s.target}`;
    case 'snapshot':
      return `snapshot ${g} as '${s.snapname}'`;
    case 'rollback':
      return `roll ${g} back to '${s.snapname}'`;
    case 'delsnapshot':
      return `delete snapshot '${s.snapname}' of ${g}`;
    case 'vzdump':
      return `back up ${g} to ${s.storage} (${s.mode})`;
    case 'restore':
      return `restore ${g} on ${s.ref.node} from ${s.archive}`;
    case 'create':
      return `create ${g} '${s.name}' on ${s.ref.node}${typeof s.params.ostemplate === 'string' ? ` from ${s.params.ostemplate}` : ''}`;
    case 'destroy':
      return s.undo ? `undo: destroy the half-made ${g} and purge its disks` : `destroy ${g} and purge its disks`;
    case 'ha':
      return `${s.enable ? 'enable' : 'disable'} HA for ${g}`;
  }
}

/** PVE's worker type for the task a step starts (as in the UPID), for finding it in the node's task list. */
export function taskType(s: StepSpec): string | null {
  const p = s.ref.type === 'qemu' ? 'qm' : 'vz';
  switch (s.kind) {
    case 'power':
      return `${p}${s.action}`;
    case 'migrate':
      return s.ref.type === 'qemu' ? 'qmigrate' : 'vzmigrate';
    case 'snapshot':
      return `${p}snapshot`;
    case 'rollback':
      return `${p}rollback`;
    case 'delsnapshot':
      return `${p}delsnapshot`;
    case 'vzdump':
      return 'vzdump';
    case 'restore':
      return `${p}restore`;
    case 'create':
      return `${p}create`;
    case 'destroy':
      return `${p}destroy`;
    // A clone's task carries the source vmid, shared by parallel clones of one template: the
    // task list cannot tell them apart, so clones reconcile by the target's existence and name.
    case 'clone':
    case 'config':
    case 'ha':
      return null;
  }
}

const sid = (ref: GuestRef): string => `${ref.type === 'qemu' ? 'vm' : 'ct'}:${ref.vmid}`;

export async function issue(c: OpsClient, s: StepSpec, signal?: AbortSignal): Promise<Issued> {
  const o = signal ? { signal } : undefined;
  switch (s.kind) {
    case 'power': {
      const call = { start: c.startGuest, stop: c.stopGuest, shutdown: c.shutdownGuest, reboot: c.rebootGuest }[s.action];
      return { upid: await call.call(c, s.ref, undefined, o) };
    }
    case 'clone':
      return { upid: await c.cloneGuest(s.ref, { newid: s.newid, name: s.name, target: s.target, full: s.full }, o) };
    case 'config': {
      const params: Record<string, string | number | string[]> = { ...s.set };
      if (s.remove?.length) params.delete = s.remove.join(',');
      await c.updateGuestConfig(s.ref, params, o);
      return { sync: true };
    }
    case 'migrate':
      // Containers cannot move live: a running one is migrated in restart mode. VMs on local
      // storage (local-zfs at edge sites) can only move with their disks; on shared storage the
      // flag changes nothing.
      return {
        upid: await c.migrateGuest(s.ref, s.ref.type === 'qemu' ? { target: s.target, online: s.online, 'with-local-disks': true } : { target: s.target, restart: s.online }, o),
      };
    case 'snapshot':
      return { upid: await c.createSnapshot(s.ref, { snapname: s.snapname, ...(s.description ? { description: s.description } : {}) }, o) };
    case 'rollback':
      return { upid: await c.rollbackSnapshot(s.ref, s.snapname, undefined, o) };
    case 'delsnapshot':
      return { upid: await c.deleteSnapshot(s.ref, s.snapname, undefined, o) };
    case 'vzdump':
      return { upid: await c.vzdump(s.ref.node, { vmid: s.ref.vmid, storage: s.storage, mode: s.mode }, o) };
    case 'restore':
      return { upid: await c.createGuest(s.ref.node, s.ref.type, { vmid: s.ref.vmid, archive: s.archive, ...(s.storage ? { storage: s.storage } : {}) }, o) };
    case 'create':
      return { upid: await c.createGuest(s.ref.node, s.ref.type, { ...s.params, vmid: s.ref.vmid }, o) };
    case 'destroy':
      return { upid: await c.deleteGuest(s.ref, { purge: true, 'destroy-unreferenced-disks': true }, o) };
    case 'ha':
      if (s.enable) await c.addHaResource({ sid: sid(s.ref), state: 'started' }, o);
      else await c.removeHaResource(sid(s.ref), o);
      return { sync: true };
  }
}

async function guestOf(c: OpsClient, vmid: number, signal?: AbortSignal) {
  const all = await c.clusterResources('vm', signal ? { signal } : undefined);
  return all.filter(isGuestResource).find((g) => g.vmid === vmid);
}

/**
 * Looks at PVE for what became of a step whose intent was journalled but
 * whose UPID was not (the app died, or the connection dropped, between
 * sending the call and recording the answer).
 */
export async function reconcile(c: OpsClient, s: StepSpec, intentAtMs: number, signal?: AbortSignal, claimed: ReadonlySet<string> = new Set()): Promise<Reconciled> {
  const o = signal ? { signal } : undefined;
  const type = taskType(s);
  if (type) {
    // A task PVE started for this guest after our intent is ours: nothing else in the
    // console issues work for a guest while an operation holds it. Start times are whole
    // seconds (and clocks differ), so the window reaches a second back, where the task of
    // the operation before this one on the same guest may sit: a task whose UPID the
    // journal already gave to another step is never taken.
    const page = await c.nodeTasks(s.ref.node, { vmid: s.ref.vmid, typefilter: type, since: Math.floor(intentAtMs / 1000) - 1, source: 'all', limit: 5 }, o);
    const mine = page.items.filter((t) => t.type === type && !claimed.has(t.upid)).sort((a, b) => (b.starttime ?? 0) - (a.starttime ?? 0))[0];
    if (mine) return { found: 'task', upid: mine.upid };
  }
  const g = await guestOf(c, s.kind === 'clone' ? s.newid : s.ref.vmid, signal);
  switch (s.kind) {
    case 'clone': {
      if (!g) return { found: 'nothing' };
      if (g.name !== s.name) throw new Error(`VMID ${s.newid} exists as '${g.name ?? '?'}', not the '${s.name}' this clone creates`);
      const cfg = await c.guestConfig({ node: g.node, type: g.type, vmid: g.vmid }, undefined, o);
      return (cfg as { lock?: unknown }).lock === 'clone' ? { found: 'underway' } : { found: 'effect' };
    }
    case 'create': {
      if (!g) return { found: 'nothing' };
      if (g.name !== s.name) throw new Error(`VMID ${s.ref.vmid} exists as '${g.name ?? '?'}', not the '${s.name}' this step creates`);
      const cfg = await c.guestConfig({ node: g.node, type: g.type, vmid: g.vmid }, undefined, o);
      return (cfg as { lock?: unknown }).lock === 'create' ? { found: 'underway' } : { found: 'effect' };
    }
    case 'config': {
      if (!g) return { found: 'nothing' };
      const cfg = (await c.guestConfig({ node: g.node, type: g.type, vmid: g.vmid }, undefined, o)) as Record<string, unknown>;
      const applied = Object.entries(s.set).every(([k, v]) => k === 'sshkeys' || String(cfg[k]) === String(v)) && (s.remove ?? []).every((k) => cfg[k] === undefined);
      return applied ? { found: 'effect' } : { found: 'nothing' };
    }
    case 'ha': {
      const present = (await c.haResources(undefined, o)).some((r) => r.sid === sid(s.ref));
      return present === s.enable ? { found: 'effect' } : { found: 'nothing' };
    }
    case 'power':
      if (!g) return { found: 'nothing' };
      if (s.action === 'start') return g.status === 'running' ? { found: 'effect' } : { found: 'nothing' };
      if (s.action === 'stop' || s.action === 'shutdown') return g.status === 'stopped' ? { found: 'effect' } : { found: 'nothing' };
      return { found: 'nothing' };
    case 'migrate':
      return g && g.node === s.target ? { found: 'effect' } : { found: 'nothing' };
    case 'destroy':
      return g ? { found: 'nothing' } : { found: 'effect' };
    case 'restore':
      return g ? { found: 'effect' } : { found: 'nothing' };
    case 'snapshot':
    case 'delsnapshot': {
      if (!g) return { found: 'nothing' };
      const has = (await c.snapshots(s.ref, o)).some((x) => x.name === s.snapname);
      return has === (s.kind === 'snapshot') ? { found: 'effect' } : { found: 'nothing' };
    }
    // A rollback or a backup leaves no trace but its task; with none found it did not start.
    case 'rollback':
    case 'vzdump':
      return { found: 'nothing' };
  }
}
