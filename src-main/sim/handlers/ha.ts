// /cluster/ha as on PVE 9: resources, rules (node-affinity / resource-affinity), the manager
// status, and the deprecated groups endpoint that fails once groups were migrated to rules.

import { createHash } from 'node:crypto';
import { fail } from '../errors';
import type { Guest, HaResource, HaRule } from '../model';
import { assertQuorate } from '../operations/context';
import { defineParams } from '../params';
import type { RequestContext, RouteDef } from '../routes';
import { bit, ctimeString, isDown, localNode } from './common';

/** The CRM's view of a service, as /cluster/resources `hastate` and the status list show it. */
export function crmState(ctx: RequestContext, g: Guest | undefined, ha: HaResource): string {
  if (ha.state === 'ignored') return 'ignored';
  if (ha.state === 'disabled') return 'disabled';
  if (!g) return 'error';
  if (isDown(ctx, g.node)) return 'fence';
  if (g.lock === 'migrate') return 'migrate';
  const wanted = ha.state === 'started' || ha.state === 'enabled';
  if (wanted) return g.status === 'running' ? 'started' : 'request_start';
  return g.status === 'running' ? 'request_stop' : 'stopped';
}

function resourceEntry(r: HaResource, digest: string): Record<string, unknown> {
  const e: Record<string, unknown> = {
    sid: r.sid,
    type: r.type,
    state: r.state,
    failback: bit(r.failback),
    max_restart: r.maxRestart,
    max_relocate: r.maxRelocate,
    digest,
  };
  if (r.comment) e.comment = r.comment;
  return e;
}

function ruleEntry(r: HaRule, digest: string, order: number): Record<string, unknown> {
  const e: Record<string, unknown> = { rule: r.rule, type: r.type, resources: r.resources, order, digest };
  if (r.nodes !== undefined) e.nodes = r.nodes;
  if (r.strict !== undefined) e.strict = bit(r.strict);
  if (r.affinity !== undefined) e.affinity = r.affinity;
  if (r.disable !== undefined) e.disable = bit(r.disable);
  if (r.comment !== undefined) e.comment = r.comment;
  return e;
}

function configDigest(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('hex');
}

/** "vm:100", "ct:101" or a bare VMID (resolved like PVE's pve-ha-resource-or-vm-id). */
function resolveSid(ctx: RequestContext, sid: string): string {
  if (/^\d+$/.test(sid)) {
    const g = ctx.cluster.guests.get(Number(sid));
    return g?.type === 'lxc' ? `ct:${sid}` : `vm:${sid}`;
  }
  return sid;
}

export function haRoutes(): RouteDef[] {
  const sysAudit = { path: '/', privs: ['Sys.Audit'] };
  return [
    {
      method: 'GET',
      path: '/cluster/ha/resources',
      params: defineParams('type?:ct|vm'),
      perm: sysAudit,
      handler: (ctx) => {
        const type = ctx.params.str('type');
        const digest = configDigest([...ctx.cluster.haResources.values()]);
        return [...ctx.cluster.haResources.values()]
          .filter((r) => type === undefined || r.type === type)
          .sort((a, b) => a.vmid - b.vmid)
          .map((r) => resourceEntry(r, digest));
      },
    },
    {
      method: 'POST',
      path: '/cluster/ha/resources',
      params: defineParams(
        'comment?:str(<=4096) failback?:bool group?:configid max_relocate?:int(0..) max_restart?:int(0..) sid:str',
        'state?:started|stopped|enabled|disabled|ignored type?:ct|vm',
      ),
      perm: { path: '/', privs: ['Sys.Console'] },
      handler: (ctx) => {
        const p = ctx.params;
        const sid = resolveSid(ctx, p.str('sid') ?? '');
        const m = /^(vm|ct):(\d+)$/.exec(sid);
        if (!m) throw fail(`unable to parse service id '${sid}'`);
        const g = ctx.cluster.guests.get(Number(m[2]));
        if (!g || (g.type === 'qemu') !== (m[1] === 'vm')) throw fail(`no such ${m[1] === 'vm' ? 'VM' : 'CT'} ${m[2]}`);
        if (ctx.cluster.haResources.has(sid)) throw fail(`resource ID '${sid}' already defined`);
        assertQuorate(ctx);
        const state = (p.str('state') ?? 'started') as HaResource['state'];
        ctx.cluster.haResources.set(sid, {
          sid, type: m[1] as 'vm' | 'ct', vmid: g.vmid, state,
          failback: p.bool('failback') ?? true, maxRestart: p.int('max_restart') ?? 1, maxRelocate: p.int('max_relocate') ?? 1, comment: p.str('comment'),
        });
        return null;
      },
    },
    {
      method: 'DELETE',
      path: '/cluster/ha/resources/{sid}',
      params: defineParams('purge?:bool sid:str'),
      perm: { path: '/', privs: ['Sys.Console'] },
      handler: (ctx) => {
        const sid = resolveSid(ctx, ctx.params.str('sid') ?? '');
        if (!ctx.cluster.haResources.has(sid)) throw fail(`no such resource '${sid}'`);
        assertQuorate(ctx);
        ctx.cluster.haResources.delete(sid);
        return null;
      },
    },
    {
      method: 'GET',
      path: '/cluster/ha/resources/{sid}',
      params: defineParams('sid:str'),
      perm: sysAudit,
      handler: (ctx) => {
        const sid = resolveSid(ctx, ctx.params.str('sid') ?? '');
        const r = ctx.cluster.haResources.get(sid);
        if (!r) throw fail(`no such resource '${sid}'`);
        return resourceEntry(r, configDigest([...ctx.cluster.haResources.values()]));
      },
    },
    {
      method: 'GET',
      path: '/cluster/ha/groups',
      params: defineParams(''),
      perm: sysAudit,
      handler: () => {
        throw fail('cannot index groups: ha groups have been migrated to rules');
      },
    },
    {
      method: 'GET',
      path: '/cluster/ha/rules',
      params: defineParams('resource?:str type?:node-affinity|resource-affinity'),
      perm: sysAudit,
      handler: (ctx) => {
        const type = ctx.params.str('type');
        const resource = ctx.params.str('resource');
        const sid = resource !== undefined ? resolveSid(ctx, resource) : undefined;
        const digest = configDigest(ctx.cluster.haRules);
        return ctx.cluster.haRules
          .map((r, i) => ({ r, i }))
          .filter(({ r }) => type === undefined || r.type === type)
          .filter(({ r }) => sid === undefined || r.resources.split(',').includes(sid))
          .map(({ r, i }) => ruleEntry(r, digest, i + 1));
      },
    },
    {
      method: 'GET',
      path: '/cluster/ha/rules/{rule}',
      params: defineParams('rule:configid'),
      perm: sysAudit,
      handler: (ctx) => {
        const name = ctx.params.str('rule');
        const i = ctx.cluster.haRules.findIndex((r) => r.rule === name);
        const r = ctx.cluster.haRules[i];
        if (!r) throw fail(`no such ha rule '${name ?? ''}'`);
        return ruleEntry(r, configDigest(ctx.cluster.haRules), i + 1);
      },
    },
    {
      method: 'GET',
      path: '/cluster/ha/status/current',
      params: defineParams(''),
      perm: sysAudit,
      handler: (ctx) => haStatus(ctx),
    },
  ];
}

function haStatus(ctx: RequestContext): unknown[] {
  const c = ctx.cluster;
  const master = localNode(ctx)?.name ?? c.nodes[0]?.name ?? '';
  const online = c.nodes.filter((n) => !isDown(ctx, n.name)).length;
  const quorate = online * 2 > c.nodes.length;
  const now = Math.floor(ctx.now / 1000);
  const active = c.haResources.size > 0;
  const out: unknown[] = [
    quorate
      ? { id: 'quorum', type: 'quorum', node: master, status: 'OK', quorate: 1 }
      : { id: 'quorum', type: 'quorum', node: master, status: `No quorum on node '${master}'!`, quorate: 0 },
  ];
  if (!quorate) return out;
  out.push({ id: 'master', type: 'master', node: master, status: `${master} (${active ? 'active' : 'idle'}, ${ctimeString(ctx.now)})`, timestamp: now });
  if (active) out.push({ id: 'fencing', type: 'fencing', node: master, status: 'armed', 'armed-state': 'armed', resource_mode: 'freeze' });
  for (const n of c.nodes) {
    const down = isDown(ctx, n.name);
    const hasServices = [...c.haResources.values()].some((r) => c.guests.get(r.vmid)?.node === n.name);
    // A dead node's LRM stops updating its timestamp; the CRM reports it as such.
    const ts = down ? now - 130 : now - (n.index % 5);
    const state = down ? 'old timestamp - dead?' : hasServices ? 'active' : 'idle';
    out.push({ id: `lrm:${n.name}`, type: 'lrm', node: n.name, status: `${n.name} (${state}, ${ctimeString(ts * 1000)})`, timestamp: ts });
  }
  for (const r of [...c.haResources.values()].sort((a, b) => a.vmid - b.vmid)) {
    const g = c.guests.get(r.vmid);
    const state = crmState(ctx, g, r);
    const node = g?.node ?? master;
    out.push({
      id: `service:${r.sid}`,
      type: 'service',
      sid: r.sid,
      node,
      state,
      crm_state: state,
      request_state: r.state,
      max_restart: r.maxRestart,
      max_relocate: r.maxRelocate,
      failback: bit(r.failback),
      status: `${r.sid} (${node}, ${state})`,
    });
  }
  return out;
}
