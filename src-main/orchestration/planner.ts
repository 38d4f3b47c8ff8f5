/**
 * Turns an operation request into a plan against a view of the cluster:
 * the steps, the target, the expected effect and the resource delta the
 * quota is checked against — or the reasons it cannot be done. Pure: the
 * same function plans at request time and re-checks a queued operation
 * against the fresh inventory when its cluster returns.
 */
import type { OperationPlan, OperationRequest, QuotaDelta } from '../../src-preload/contract';
import { isGuestResource, isNodeResource, splitTags, type ClusterResource } from '../pve';
import type { MoveAdvice } from '../capacity';
import { summarize, type StepSpec } from './steps';

export interface GuestFacts {
  vmid: number;
  type: 'qemu' | 'lxc';
  node: string;
  name: string;
  status: string;
  tags: string[];
  template: boolean;
  cpus: number;
  memMiB: number;
  diskGiB: number;
  ha: boolean;
}

export interface ClusterView {
  basis: 'live' | 'cache';
  guests: GuestFacts[];
  /** `maxcpu`/`maxmem` as PVE reports them; absent when the view comes from the cache. */
  nodes: { node: string; online: boolean; memFree: number; maxcpu?: number; maxmem?: number }[];
}

export function viewFromResources(resources: readonly ClusterResource[]): ClusterView {
  const guests: GuestFacts[] = [];
  const nodes: ClusterView['nodes'] = [];
  for (const r of resources) {
    if (isGuestResource(r)) {
      guests.push({
        vmid: r.vmid,
        type: r.type,
        node: r.node,
        name: r.name ?? `${r.type === 'lxc' ? 'CT' : 'VM'}${r.vmid}`,
        status: r.status ?? 'unknown',
        tags: splitTags(r.tags),
        template: r.template ?? false,
        cpus: r.maxcpu ?? 0,
        memMiB: Math.round((r.maxmem ?? 0) / 2 ** 20),
        diskGiB: Math.round((r.maxdisk ?? 0) / 2 ** 30),
        ha: (r.hastate ?? '') !== '',
      });
    } else if (isNodeResource(r)) {
      nodes.push({
        node: r.node,
        online: r.status === 'online',
        memFree: (r.maxmem ?? 0) - (r.mem ?? 0),
        ...(r.maxcpu !== undefined ? { maxcpu: r.maxcpu } : {}),
        ...(r.maxmem !== undefined ? { maxmem: r.maxmem } : {}),
      });
    }
  }
  return { basis: 'live', guests, nodes };
}

export interface PlanContext {
  clusterId: string;
  sizeOf: (size: string) => { vcpu: number; memMiB: number };
  /** VMIDs claimed by other operations not yet applied, so two creates never pick the same one. */
  reservedVmids: ReadonlySet<number>;
  /** Protected environment (second confirmation on delete), from the gatekeeper. */
  isProtectedEnvironment: (g: GuestFacts) => boolean;
  /** Migrations: the placement advisor's answer for the guest (absent when planning from the cache). */
  moveAdvice?: MoveAdvice;
}

export type Planned =
  | { ok: true; request: OperationRequest; plan: OperationPlan; steps: StepSpec[] }
  /** `offline`: every reason is a node being offline — the operation waits rather than being refused. */
  | { ok: false; reasons: string[]; offline?: boolean };

const ZERO: QuotaDelta = { guests: 0, vcpu: 0, memoryMiB: 0, diskGiB: 0 };

function refOf(g: GuestFacts) {
  return { node: g.node, type: g.type, vmid: g.vmid };
}

/**
 * The migration target: the operator's choice, which must be a host the
 * placement advisor accepts, or else the advisor's proposal. Without advice
 * (planned from the cache) only a named target is taken; the advisor checks
 * it when the operation is re-checked against the live cluster.
 */
export function chooseTarget(req: { targetNode?: string | undefined }, g: GuestFacts, advice: MoveAdvice | undefined, online: ReadonlySet<string>): { target: string | null; reasons: string[]; placement?: OperationPlan['placement'] } {
  if (!advice) {
    return req.targetNode !== undefined
      ? { target: req.targetNode, reasons: [] }
      : { target: null, reasons: ['No placement advice while the cluster is unreachable: name the target node (it is checked when the cluster answers)'] };
  }
  const reasons: string[] = [];
  const target = req.targetNode ?? advice.proposed;
  if (target === null) {
    const why = advice.candidates.filter((c) => c.node !== g.node).map((c) => `${c.node}: ${c.reasons.join('; ')}`);
    return { target: null, reasons: [`No host can take ${g.name}${why.length ? ` (${why.join(' | ')})` : ''}`] };
  }
  const verdict = advice.candidates.find((c) => c.node === target);
  // An offline target waits for its node (the plan's offline reasons); a rejected one is refused with the advisor's reasons.
  if (target !== g.node && online.has(target)) {
    if (!verdict) reasons.push(`${target} is not a host of this cluster`);
    else if (!verdict.accepted) reasons.push(`${target} cannot take ${g.name}: ${verdict.reasons.join('; ')}`);
  }
  return {
    target,
    reasons,
    placement: {
      proposed: advice.proposed,
      chosen: target,
      overridden: req.targetNode !== undefined && req.targetNode !== advice.proposed,
      candidates: advice.candidates.map((c) => ({ node: c.node, accepted: c.accepted, rank: c.rank, reasons: c.reasons })),
      notes: advice.notes,
    },
  };
}

export function planFor(req: OperationRequest, view: ClusterView, ctx: PlanContext): Planned {
  const reasons: string[] = [];
  const offline: string[] = [];
  const online = new Set(view.nodes.filter((n) => n.online).map((n) => n.node));
  const byId = new Map(view.guests.map((g) => [g.vmid, g]));
  const done = (g: GuestFacts, steps: StepSpec[], effect: string, delta: QuotaDelta = ZERO, extra: Partial<OperationPlan> = {}, request: OperationRequest = req): Planned => {
    if (reasons.length || offline.length) return { ok: false, reasons: [...offline, ...reasons], offline: reasons.length === 0 };
    return {
      ok: true,
      request,
      steps,
      plan: {
        target: { clusterId: ctx.clusterId, node: g.node, vmid: g.vmid, type: g.type, name: g.name, tags: g.tags },
        steps: steps.map((s, index) => ({ index, kind: s.kind, summary: summarize(s) })),
        expectedEffect: effect,
        quotaDelta: delta,
        basis: view.basis,
        confirmName: null,
        needsSecondConfirmation: false,
        warnings: [],
        ...extra,
      },
    };
  };

  if (req.action === 'create') {
    const tpl = byId.get(req.templateVmid);
    if (!tpl) return { ok: false, reasons: [`Template ${req.templateVmid} does not exist on this cluster`] };
    if (!tpl.template) reasons.push(`${tpl.vmid} '${tpl.name}' is not a template`);
    if (tpl.type !== 'qemu') reasons.push('Cloud-init creation needs a qemu template');
    const node = req.node ?? tpl.node;
    if (!online.has(node)) offline.push(`Node ${node} is not online`);
    if (view.guests.some((g) => g.name === req.name)) reasons.push(`A guest named '${req.name}' already exists on this cluster`);
    let newid = req.newid;
    if (newid === undefined) {
      newid = 100;
      while (byId.has(newid) || ctx.reservedVmids.has(newid)) newid++;
    } else if (byId.has(newid)) reasons.push(`VMID ${newid} is already in use`);
    else if (ctx.reservedVmids.has(newid)) reasons.push(`VMID ${newid} is claimed by another pending operation`);
    const size = ctx.sizeOf(req.size);
    const ref = { node, type: 'qemu' as const, vmid: newid };
    // The operator's tags, else the template's (its tenant, say) without the marker that made it a template.
    const tags = req.tags ? [...new Set(req.tags)].sort() : tpl.tags.filter((t) => t !== 'template');
    const steps: StepSpec[] = [
      // Full clones: a linked clone cannot leave the template's node on local storage, and a
      // guest that outlives its template should not depend on it.
      { kind: 'clone', ref: refOf(tpl), newid, name: req.name, target: node, full: true },
      {
        kind: 'config',
        ref,
        set: {
          cores: size.vcpu,
          memory: size.memMiB,
          ciuser: req.cloudInit.user,
          // PVE wants the key list URL-encoded.
          sshkeys: encodeURIComponent(req.cloudInit.sshKey),
          ipconfig0: req.cloudInit.ipConfig,
          ...(tags.length ? { tags: tags.join(';') } : {}),
        },
      },
      ...(req.start ? [{ kind: 'power' as const, action: 'start' as const, ref }] : []),
    ];
    const target: GuestFacts = { ...tpl, vmid: newid, node, name: req.name, tags, template: false, status: 'stopped', ha: false };
    return done(target, steps, `New VM ${newid} '${req.name}' (${req.size}: ${size.vcpu} vCPU, ${size.memMiB} MiB) on ${node}, cloned from '${tpl.name}'${req.start ? ', running' : ''}`,
      { guests: 1, vcpu: size.vcpu, memoryMiB: size.memMiB, diskGiB: tpl.diskGiB }, {}, { ...req, newid, node });
  }

  if (req.action === 'createContainer') {
    const node = req.node;
    if (!view.nodes.some((n) => n.node === node)) return { ok: false, reasons: [`Node ${node} is not part of this cluster`] };
    if (!online.has(node)) offline.push(`Node ${node} is not online`);
    if (view.guests.some((g) => g.name === req.name)) reasons.push(`A guest named '${req.name}' already exists on this cluster`);
    let newid = req.newid;
    if (newid === undefined) {
      newid = 100;
      while (byId.has(newid) || ctx.reservedVmids.has(newid)) newid++;
    } else if (byId.has(newid)) reasons.push(`VMID ${newid} is already in use`);
    else if (ctx.reservedVmids.has(newid)) reasons.push(`VMID ${newid} is claimed by another pending operation`);
    const size = ctx.sizeOf(req.size);
    const ref = { node, type: 'lxc' as const, vmid: newid };
    const tags = [...new Set(req.tags)].sort();
    const steps: StepSpec[] = [
      {
        kind: 'create',
        ref,
        name: req.name,
        params: {
          ostemplate: req.ostemplate,
          hostname: req.name,
          cores: size.vcpu,
          memory: size.memMiB,
          rootfs: `${req.storage}:${req.diskGiB}`,
          net0: `name=eth0,bridge=${req.bridge},${req.ipConfig}`,
          'ssh-public-keys': req.sshKey,
          unprivileged: req.unprivileged,
          ...(tags.length ? { tags: tags.join(';') } : {}),
        },
      },
      ...(req.start ? [{ kind: 'power' as const, action: 'start' as const, ref }] : []),
    ];
    const target: GuestFacts = { vmid: newid, type: 'lxc', node, name: req.name, status: 'stopped', tags, template: false, cpus: size.vcpu, memMiB: size.memMiB, diskGiB: req.diskGiB, ha: false };
    return done(target, steps, `New container ${newid} '${req.name}' (${req.size}: ${size.vcpu} vCPU, ${size.memMiB} MiB, ${req.diskGiB} GiB on ${req.storage}) on ${node} from ${req.ostemplate}${req.start ? ', running' : ''}`,
      { guests: 1, vcpu: size.vcpu, memoryMiB: size.memMiB, diskGiB: req.diskGiB }, { warnings: req.unprivileged ? [] : ['A privileged container: root inside is root on the host.'] }, { ...req, newid });
  }

  if (req.action === 'restore') {
    if (byId.has(req.vmid)) reasons.push(`VMID ${req.vmid} is already in use: restore into a free VMID`);
    if (!online.has(req.node)) offline.push(`Node ${req.node} is not online`);
    const g: GuestFacts = { vmid: req.vmid, type: req.type, node: req.node, name: `restore-${req.vmid}`, status: 'stopped', tags: [], template: false, cpus: 0, memMiB: 0, diskGiB: 0, ha: false };
    return done(g, [{ kind: 'restore', ref: refOf(g), archive: req.archive, ...(req.storage ? { storage: req.storage } : {}) }],
      `Guest ${req.vmid} restored on ${req.node} from ${req.archive}`, { guests: 1, vcpu: 0, memoryMiB: 0, diskGiB: 0 },
      { warnings: ['The restored size is only known once the archive is read; the quota counts the guest, not its resources.'] });
  }

  const g = byId.get(req.vmid);
  if (!g) return { ok: false, reasons: [`Guest ${req.vmid} does not exist on this cluster`] };
  if (g.template) return { ok: false, reasons: [`${g.vmid} '${g.name}' is a template`] };
  if (!online.has(g.node)) offline.push(`Node ${g.node}, where ${g.name} runs, is not online`);
  const ref = refOf(g);

  switch (req.action) {
    case 'start':
      if (g.status === 'running') reasons.push(`${g.name} is already running`);
      return done(g, [{ kind: 'power', action: 'start', ref }], `${g.name} running`);
    case 'stop':
    case 'shutdown':
      if (g.status !== 'running') reasons.push(`${g.name} is not running (${g.status})`);
      return done(g, [{ kind: 'power', action: req.action, ref }], `${g.name} stopped`);
    case 'reboot':
      if (g.status !== 'running') reasons.push(`${g.name} is not running (${g.status})`);
      return done(g, [{ kind: 'power', action: 'reboot', ref }], `${g.name} rebooted`);
    case 'resize': {
      const size = ctx.sizeOf(req.size);
      if (size.vcpu === g.cpus && size.memMiB === g.memMiB) reasons.push(`${g.name} already has the ${req.size} size`);
      return done(g, [{ kind: 'config', ref, set: { cores: size.vcpu, memory: size.memMiB } }], `${g.name} at ${size.vcpu} vCPU, ${size.memMiB} MiB`,
        { guests: 0, vcpu: size.vcpu - g.cpus, memoryMiB: size.memMiB - g.memMiB, diskGiB: 0 },
        { warnings: g.status === 'running' ? ['A running guest picks up the new size at its next power cycle, unless CPU and memory hotplug are on.'] : [] });
    }
    case 'migrate': {
      const chosen = chooseTarget(req, g, ctx.moveAdvice, online);
      const target = chosen.target;
      if (!target) return { ok: false, reasons: chosen.reasons };
      reasons.push(...chosen.reasons);
      if (target === g.node) reasons.push(`${g.name} is already on ${target}`);
      if (!online.has(target)) offline.push(`Target node ${target} is not online`);
      const online_ = g.status === 'running';
      return done(g, [{ kind: 'migrate', ref, target, online: online_ }], `${g.name} on ${target}`, ZERO,
        {
          warnings: [
            ...(online_ && g.type === 'lxc' ? ['Containers cannot migrate live: the container is restarted on the target.'] : []),
            ...(g.type === 'qemu' ? ['Disks on local storage are copied to the target node, which takes longer than a shared-storage move.'] : []),
          ],
          ...(chosen.placement ? { placement: chosen.placement } : {}),
        },
        { ...req, targetNode: target });
    }
    case 'snapshot':
      return done(g, [{ kind: 'snapshot', ref, snapname: req.snapname, ...(req.description ? { description: req.description } : {}) }], `${g.name} has snapshot '${req.snapname}'`);
    case 'rollback':
      return done(g, [{ kind: 'rollback', ref, snapname: req.snapname }], `${g.name} as it was at '${req.snapname}'`, ZERO, { warnings: ['Changes since the snapshot are lost.'] });
    case 'deleteSnapshot':
      return done(g, [{ kind: 'delsnapshot', ref, snapname: req.snapname }], `Snapshot '${req.snapname}' of ${g.name} gone`);
    case 'backup':
      return done(g, [{ kind: 'vzdump', ref, storage: req.storage, mode: req.mode }], `A new backup of ${g.name} on ${req.storage}`);
    case 'delete': {
      const steps: StepSpec[] = [];
      if (g.status === 'running') steps.push({ kind: 'power', action: 'stop', ref });
      if (g.ha) steps.push({ kind: 'ha', ref, enable: false });
      steps.push({ kind: 'destroy', ref });
      const protectedGuest = g.tags.includes('protected') || ctx.isProtectedEnvironment(g);
      return done(g, steps, `${g.name} (${g.vmid}) and its disks gone`, { guests: -1, vcpu: -g.cpus, memoryMiB: -g.memMiB, diskGiB: -g.diskGiB },
        { confirmName: g.name, needsSecondConfirmation: protectedGuest, warnings: ['Irreversible: disks are purged.'] });
    }
    case 'ha':
      if (g.ha === req.enable) reasons.push(`HA is already ${req.enable ? 'enabled' : 'disabled'} for ${g.name}`);
      return done(g, [{ kind: 'ha', ref, enable: req.enable }], `${g.name} ${req.enable ? 'managed' : 'no longer managed'} by HA`);
    case 'tags': {
      const tags = [...new Set(req.tags)].sort();
      const step: StepSpec = tags.length ? { kind: 'config', ref, set: { tags: tags.join(';') } } : { kind: 'config', ref, set: {}, remove: ['tags'] };
      return done(g, [step], `${g.name} tagged ${tags.join(', ') || '(none)'}`);
    }
  }
}
