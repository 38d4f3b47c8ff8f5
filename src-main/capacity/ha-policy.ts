/**
 * HA placement policy of one pool, normalised from either model Proxmox VE
 * has used: 9.x rules (`/cluster/ha/rules`: node-affinity with optional
 * priorities and `strict`, resource-affinity positive/negative) or 8.x
 * groups (`/cluster/ha/groups` + each resource's `group`; `restricted`
 * behaves like a strict node-affinity rule). The engine sees only this
 * normalised form; where it comes from is a port.
 */

export interface RawHaRule {
  rule: string;
  type?: string | undefined;
  resources?: string | undefined;
  nodes?: string | undefined;
  strict?: boolean | undefined;
  affinity?: string | undefined;
  disable?: boolean | undefined;
}
export interface RawHaGroup {
  group: string;
  nodes?: string | undefined;
  restricted?: boolean | undefined;
}
export interface RawHaResource {
  sid: string;
  group?: string | undefined;
}

export type RawHaPolicy = { model: 'rules'; rules: RawHaRule[] } | { model: 'groups'; groups: RawHaGroup[]; resources: RawHaResource[] };

/** Where HA policies come from: the live cluster (the PVE client) or a fake in tests. */
export interface HaPolicySource {
  fetch(clusterId: string, signal: AbortSignal): Promise<RawHaPolicy>;
}

export interface NodeAffinity {
  rule: string;
  vmids: number[];
  /** node → priority (higher preferred; PVE's default is 0). */
  nodes: Map<string, number>;
  strict: boolean;
}
export interface ResourceAffinity {
  rule: string;
  vmids: number[];
  affinity: 'positive' | 'negative';
}

export interface HaPolicy {
  model: 'rules' | 'groups' | 'none';
  nodeAffinity: NodeAffinity[];
  resourceAffinity: ResourceAffinity[];
}

export const NO_HA_POLICY: HaPolicy = { model: 'none', nodeAffinity: [], resourceAffinity: [] };

/** `vm:100,ct:101,102` → [100, 101, 102]. */
export function parseResources(s: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (s ?? '').split(',')) {
    const m = /^(?:(?:vm|ct):)?(\d+)$/.exec(part.trim());
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/** `node1:2,node2` → {node1: 2, node2: 0}. */
export function parseNodes(s: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (s ?? '').split(',')) {
    const [name, prio] = part.trim().split(':');
    if (!name) continue;
    const p = prio === undefined ? 0 : Number(prio);
    out.set(name, Number.isFinite(p) ? p : 0);
  }
  return out;
}

export function normaliseHaPolicy(raw: RawHaPolicy): HaPolicy {
  const nodeAffinity: NodeAffinity[] = [];
  const resourceAffinity: ResourceAffinity[] = [];
  if (raw.model === 'rules') {
    for (const r of raw.rules) {
      if (r.disable) continue;
      const vmids = parseResources(r.resources);
      if (vmids.length === 0) continue;
      if (r.type === 'node-affinity') nodeAffinity.push({ rule: r.rule, vmids, nodes: parseNodes(r.nodes), strict: r.strict === true });
      else if (r.type === 'resource-affinity' && (r.affinity === 'positive' || r.affinity === 'negative')) resourceAffinity.push({ rule: r.rule, vmids, affinity: r.affinity });
    }
  } else {
    const members = new Map<string, number[]>();
    for (const res of raw.resources) {
      if (!res.group) continue;
      members.set(res.group, [...(members.get(res.group) ?? []), ...parseResources(res.sid)]);
    }
    for (const g of raw.groups) {
      const vmids = members.get(g.group) ?? [];
      if (vmids.length) nodeAffinity.push({ rule: `group ${g.group}`, vmids, nodes: parseNodes(g.nodes), strict: g.restricted === true });
    }
  }
  return { model: raw.model, nodeAffinity, resourceAffinity };
}
