/**
 * Automatic layout of a topology graph, framework-free (it also runs in a
 * Web Worker): dagre ranks the structural nodes top to bottom (regions,
 * sites, clusters, hosts, bridges …), while the members of a group (the
 * guests of a host, the edge sites of a region, the NICs on a VLAN) are
 * packed in a grid inside their group, whose size dagre then treats as one
 * node. Dagre on a thousand leaves of one parent would give a single row a
 * hundred thousand pixels wide, and cost seconds; the grid costs nothing.
 */
import dagre from '@dagrejs/dagre';
import type { TopoEdge, TopoKind, TopoNode } from '../../../../src-preload/contract';

export interface Size {
  w: number;
  h: number;
}

/** Rendered sizes: node components use exactly these, so culling and the minimap need no measuring. */
export const NODE_SIZE: Record<Exclude<TopoKind, 'group'>, Size> = {
  region: { w: 300, h: 72 },
  site: { w: 220, h: 60 },
  cluster: { w: 220, h: 60 },
  pool: { w: 190, h: 52 },
  host: { w: 210, h: 60 },
  storage: { w: 200, h: 52 },
  network: { w: 200, h: 52 },
  guest: { w: 200, h: 48 },
  bridge: { w: 220, h: 56 },
  bond: { w: 200, h: 52 },
  vlan: { w: 220, h: 56 },
  zone: { w: 200, h: 52 },
  vnet: { w: 200, h: 52 },
};
export const GROUP_PAD = 12;
export const GROUP_HEADER = 30;
export const MEMBER_GAP = 8;

export interface LayoutInput {
  nodes: Pick<TopoNode, 'id' | 'kind' | 'group' | 'members'>[];
  edges: Pick<TopoEdge, 'source' | 'target'>[];
}

export interface LayoutResult {
  /** Top-left positions; members are relative to their group (xyflow's parentId convention). */
  positions: Record<string, { x: number; y: number }>;
  sizes: Record<string, Size>;
  ms: number;
}

/** Columns of a group's grid: a little wider than tall (cards are wide), never more than 10 across. */
export function gridColumns(count: number): number {
  return Math.max(1, Math.min(10, count, Math.ceil(Math.sqrt(count * 1.2))));
}

export function layoutGraph(input: LayoutInput): LayoutResult {
  const t0 = performance.now();
  const positions: LayoutResult['positions'] = {};
  const sizes: LayoutResult['sizes'] = {};
  const members = new Map<string, LayoutInput['nodes']>();
  for (const n of input.nodes) {
    if (n.group === null) continue;
    const list = members.get(n.group);
    if (list) list.push(n);
    else members.set(n.group, [n]);
  }

  // Groups first: their size follows from their members' grid.
  for (const n of input.nodes) {
    if (n.kind !== 'group') continue;
    const list = members.get(n.id) ?? [];
    const member = list[0] ? NODE_SIZE[list[0].kind as Exclude<TopoKind, 'group'>] ?? NODE_SIZE.guest : NODE_SIZE.guest;
    const cols = gridColumns(list.length);
    const rows = Math.ceil(list.length / cols);
    sizes[n.id] = {
      w: Math.max(240, GROUP_PAD * 2 + cols * member.w + (cols - 1) * MEMBER_GAP),
      h: GROUP_HEADER + GROUP_PAD + Math.max(1, rows) * member.h + Math.max(0, rows - 1) * MEMBER_GAP,
    };
    list.forEach((m, i) => {
      positions[m.id] = { x: GROUP_PAD + (i % cols) * (member.w + MEMBER_GAP), y: GROUP_HEADER + Math.floor(i / cols) * (member.h + MEMBER_GAP) };
      sizes[m.id] = member;
    });
  }

  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const top = new Set<string>();
  for (const n of input.nodes) {
    if (n.group !== null) continue;
    const size = sizes[n.id] ?? NODE_SIZE[n.kind as Exclude<TopoKind, 'group'>] ?? NODE_SIZE.guest;
    sizes[n.id] = size;
    g.setNode(n.id, { width: size.w, height: size.h });
    top.add(n.id);
  }
  // Edges into group members (WAN links to sites, …) are drawn but do not shape the layout.
  for (const e of input.edges) if (top.has(e.source) && top.has(e.target) && e.source !== e.target) g.setEdge(e.source, e.target);
  dagre.layout(g);
  for (const id of top) {
    const p = g.node(id) as { x: number; y: number };
    const s = sizes[id] as Size;
    positions[id] = { x: Math.round(p.x - s.w / 2), y: Math.round(p.y - s.h / 2) };
  }
  return { positions, sizes, ms: performance.now() - t0 };
}
