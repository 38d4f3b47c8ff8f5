/**
 * The topology map's state: which level is shown (fleet, a site, a host, a
 * site's networks), which fleet regions are open, the graph from the main
 * process, and the xyflow nodes and edges laid out from it (`$state.raw`,
 * replaced whole, never mutated). A module singleton with `reset()`, like
 * the router, so node components reach it without context.
 */
import type { Edge, Node } from '@xyflow/svelte';
import type { TopoGraph, TopoNode, TopoPosition, TopoSearchEntry, TopoTarget, WhatIfRequest, WhatIfResult } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { LayoutEngine } from './layout-engine';
import type { LayoutResult } from './layout';

export type MapNodeData = { node: TopoNode };
export type MapNode = Node<MapNodeData>;
export type MapEdge = Edge<{ title: string }>;

/** Past this many nodes only what is on screen is rendered (xyflow culls the rest). */
export const CULL_FROM = 150;
/** Below this zoom nodes are drawn without text (see TopologyMap). */
export const FAR_ZOOM = 0.4;

function nodeType(n: TopoNode): string {
  if (n.kind === 'region' || n.kind === 'group' || n.kind === 'guest') return n.kind;
  return 'entity';
}

/** xyflow nodes and edges from a graph, its computed layout and the operator's saved positions. */
export function toFlow(g: TopoGraph, laid: LayoutResult, saved: Record<string, TopoPosition>, selected: string | null): { nodes: MapNode[]; edges: MapEdge[] } {
  // xyflow wants parents before their children.
  const ordered = [...g.nodes.filter((n) => n.group === null), ...g.nodes.filter((n) => n.group !== null)];
  const nodes: MapNode[] = ordered.map((n) => {
    const size = laid.sizes[n.id] ?? { w: 200, h: 50 };
    const node: MapNode = {
      id: n.id,
      type: nodeType(n),
      position: saved[n.id] ?? laid.positions[n.id] ?? { x: 0, y: 0 },
      data: { node: n },
      width: size.w,
      height: size.h,
      class: `st-${n.status}`,
      selected: n.id === selected,
      ariaLabel: `${n.kind} ${n.label}, ${n.status}`,
      // Groups sit under their members; members stay inside their group.
      zIndex: n.kind === 'group' ? -1 : 0,
    };
    if (n.group !== null) {
      node.parentId = n.group;
      node.extent = 'parent';
    }
    return node;
  });
  const edges: MapEdge[] = g.edges.map((e) => ({
    id: e.id,
    source: e.source,
    target: e.target,
    class: `edge-${e.kind} st-${e.status}`,
    selectable: false,
    focusable: false,
    data: { title: e.label },
    ariaLabel: e.label || `${e.kind} link, ${e.status}`,
  }));
  return { nodes, edges };
}

/** What a guest's what-if outcome is called on the map. */
const OUTCOME_TEXT: Record<WhatIfResult['outcomes'][number]['outcome'], string> = {
  restarted: 'HA restarts it on',
  recoverable: 'restore would fit on',
  'does-not-fit': 'does not fit anywhere',
  unrecoverable: 'nothing can take it',
  down: 'not HA: stays down',
};

/**
 * The capacity engine's what-if drawn on the map: the lost hosts crossed
 * out, each displaced guest marked with its outcome (and a dashed edge to
 * the host that would take it), receiving hosts outlined with what they
 * gain. Nodes outside the scenario are left as they are.
 */
export function overlayWhatIf(flow: { nodes: MapNode[]; edges: MapEdge[] }, r: WhatIfResult | null): { nodes: MapNode[]; edges: MapEdge[] } {
  if (!r) return flow;
  const hosts = new Map(r.hosts.map((h) => [`host:${h.clusterId}/${h.node}`, h]));
  const guests = new Map(r.outcomes.map((o) => [`guest:${o.clusterId}/${o.vmid}`, o]));
  const present = new Set(flow.nodes.map((n) => n.id));
  const nodes = flow.nodes.map((n) => {
    const h = hosts.get(n.id);
    const o = guests.get(n.id);
    if (h && (h.lost || h.received > 0)) {
      const note = h.lost ? 'lost in this what-if' : `what-if: +${h.received} guest${h.received === 1 ? '' : 's'}`;
      return { ...n, class: `${n.class} ${h.lost ? 'wi-lost' : 'wi-receives'}`, data: { node: { ...n.data.node, detail: `${note} · ${n.data.node.detail}` } } };
    }
    if (o) {
      const text = o.to ? `${OUTCOME_TEXT[o.outcome]} ${o.to.node}` : OUTCOME_TEXT[o.outcome];
      return { ...n, class: `${n.class} wi-${o.outcome}`, data: { node: { ...n.data.node, detail: text, title: `${n.data.node.title ? `${n.data.node.title} · ` : ''}what-if: ${text}` } } };
    }
    return n;
  });
  const edges = [...flow.edges];
  for (const o of r.outcomes) {
    const from = `guest:${o.clusterId}/${o.vmid}`;
    const to = o.to ? `host:${o.to.clusterId}/${o.to.node}` : null;
    if (!to || !present.has(from) || !present.has(to)) continue;
    edges.push({ id: `whatif:${from}`, source: from, target: to, class: `edge-whatif wi-${o.outcome}`, selectable: false, focusable: false, data: { title: OUTCOME_TEXT[o.outcome] }, ariaLabel: `${o.name} ${OUTCOME_TEXT[o.outcome]} ${o.to?.node ?? ''}` });
  }
  return { nodes, edges };
}

/**
 * Keeps the previous object for every node or edge that did not change, so
 * a refresh every sync (statuses of a few guests out of a thousand) makes
 * xyflow and Svelte touch only what changed, not every node on the map.
 */
export function reuseUnchanged<T extends { id: string }>(prev: readonly T[], next: T[], same: (a: T, b: T) => boolean): T[] {
  if (prev.length === 0) return next;
  const old = new Map(prev.map((x) => [x.id, x]));
  let reused = 0;
  const out = next.map((x) => {
    const o = old.get(x.id);
    if (o && same(o, x)) {
      reused++;
      return o;
    }
    return x;
  });
  return reused === prev.length && prev.length === next.length && out.every((x, i) => x === prev[i]) ? (prev as T[]) : out;
}

function sameNode(a: MapNode, b: MapNode): boolean {
  const x = a.data.node;
  const y = b.data.node;
  return (
    a.position.x === b.position.x &&
    a.position.y === b.position.y &&
    a.width === b.width &&
    a.height === b.height &&
    a.selected === b.selected &&
    a.parentId === b.parentId &&
    a.class === b.class &&
    x.status === y.status &&
    x.label === y.label &&
    x.detail === y.detail &&
    x.title === y.title &&
    x.members === y.members &&
    x.badges.join() === y.badges.join() &&
    JSON.stringify(x.drill) === JSON.stringify(y.drill)
  );
}

function sameEdge(a: MapEdge, b: MapEdge): boolean {
  return a.source === b.source && a.target === b.target && a.class === b.class && a.data?.title === b.data?.title;
}

function afterRender(fn: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(fn));
}

export function sameTarget(a: TopoTarget, b: TopoTarget): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class TopologyState {
  target = $state.raw<TopoTarget>({ level: 'fleet' });
  expanded = $state.raw<string[]>([]);
  graph = $state.raw<TopoGraph | null>(null);
  nodes = $state.raw<MapNode[]>([]);
  edges = $state.raw<MapEdge[]>([]);
  loading = $state(false);
  error = $state.raw<unknown>(null);
  /** The node the last search focused (kept selected). */
  selected = $state<string | null>(null);
  /** Milliseconds of the last layout (0 when memoised); shown for the curious, used by the bench. */
  layoutMs = $state(0);
  /** True from new nodes until the view has been fitted or focused on them (the canvas is aria-busy meanwhile). */
  fitting = $state(false);
  /** Set by the map once xyflow is ready: centres the view on a node. */
  focuser: ((id: string) => Promise<unknown>) | null = null;
  /** Set by the map: fits the whole graph after a level change. */
  fitter: (() => Promise<unknown>) | null = null;
  /** A capacity what-if drawn over the site map (cleared when the view changes). */
  whatIf = $state.raw<WhatIfResult | null>(null);
  whatIfError = $state.raw<unknown>(null);
  simulating = $state(false);

  #seq = 0;
  #engine: LayoutEngine | null = null;
  #laid: LayoutResult | null = null;
  #saveTimer: ReturnType<typeof setTimeout> | null = null;
  #pendingFocus: string | null = null;

  private get engine(): LayoutEngine {
    this.#engine ??= new LayoutEngine();
    return this.#engine;
  }

  private fetch(refresh: boolean): Promise<TopoGraph> {
    const t = this.target;
    switch (t.level) {
      case 'fleet':
        return api().call('topology:fleet', { expanded: this.expanded });
      case 'site':
        return api().call('topology:site', { siteId: t.siteId });
      case 'host':
        return api().call('topology:host', { clusterId: t.clusterId, node: t.node });
      case 'network':
        return api().call('topology:network', { siteId: t.siteId, refresh });
    }
  }

  /** Loads the current level; the newest load wins, and a failed reload keeps the map on screen. */
  async load(opts: { refresh?: boolean; fit?: boolean } = {}): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    try {
      let g = await this.fetch(opts.refresh ?? false);
      if (seq !== this.#seq) return;
      // A drag whose save is still pending must not snap back when a refresh lands.
      if (this.#saveTimer && this.graph?.view === g.view) g = { ...g, layout: { ...g.layout, ...this.graph.layout } };
      const t0 = performance.now();
      const laid = await this.engine.layout(g);
      if (seq !== this.#seq) return;
      this.layoutMs = Math.round(performance.now() - t0);
      this.#laid = laid;
      this.graph = g;
      const flow = overlayWhatIf(toFlow(g, laid, g.layout, this.selected), this.whatIf);
      this.nodes = reuseUnchanged(this.nodes, flow.nodes, sameNode);
      this.edges = reuseUnchanged(this.edges, flow.edges, sameEdge);
      this.error = null;
      const focus = this.#pendingFocus;
      this.#pendingFocus = null;
      // Once xyflow has taken the new nodes into its lookup (after the next render).
      if (focus || opts.fit) this.settleView(() => (focus && this.nodes.some((n) => n.id === focus) ? this.focuser?.(focus) : opts.fit ? this.fitter?.() : undefined));
    } catch (err) {
      if (seq !== this.#seq) return;
      this.error = err;
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  drill(target: TopoTarget | null): void {
    if (!target || sameTarget(target, this.target)) return;
    this.flushSave();
    this.target = target;
    this.selected = null;
    this.whatIf = null;
    this.whatIfError = null;
    this.graph = null;
    this.nodes = [];
    this.edges = [];
    void this.load({ fit: true });
  }

  toggleRegion(region: string): void {
    this.flushSave();
    this.expanded = this.expanded.includes(region) ? this.expanded.filter((r) => r !== region) : [...this.expanded, region];
    void this.load({ fit: true });
  }

  /** Ask the capacity engine what losing a host or the site would do, and draw it on this map. */
  async simulate(lose: WhatIfRequest['lose']): Promise<void> {
    this.simulating = true;
    this.whatIfError = null;
    try {
      this.whatIf = await api().call('capacity:whatIf', { lose });
      this.redraw();
    } catch (err) {
      this.whatIfError = err;
    } finally {
      this.simulating = false;
    }
  }

  clearWhatIf(): void {
    this.whatIf = null;
    this.whatIfError = null;
    this.redraw();
  }

  /** Nodes and edges again from the graph in hand (no fetch, no layout). */
  private redraw(): void {
    const g = this.graph;
    if (!g || !this.#laid) return;
    const flow = overlayWhatIf(toFlow(g, this.#laid, g.layout, this.selected), this.whatIf);
    this.nodes = reuseUnchanged(this.nodes, flow.nodes, sameNode);
    this.edges = reuseUnchanged(this.edges, flow.edges, sameEdge);
  }

  /** Matches at this level, best first: label prefix, then label substring, then detail. */
  find(query: string, limit = 8): TopoSearchEntry[] {
    const q = query.trim().toLowerCase();
    if (!q || !this.graph) return [];
    const scored: [number, TopoSearchEntry][] = [];
    for (const e of this.graph.search) {
      const l = e.label.toLowerCase();
      const s = l.startsWith(q) ? 0 : l.includes(q) ? 1 : e.detail.toLowerCase().includes(q) ? 2 : -1;
      if (s >= 0) scored.push([s, e]);
    }
    return scored
      .sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label, 'en', { numeric: true }))
      .slice(0, limit)
      .map(([, e]) => e);
  }

  /** Search-to-focus: open the region that hides the match if need be, then centre on it, selected. */
  async focus(entry: TopoSearchEntry): Promise<void> {
    this.selected = entry.id;
    if (entry.expand !== null && !this.expanded.includes(entry.expand)) {
      this.#pendingFocus = entry.id;
      this.expanded = [...this.expanded, entry.expand];
      await this.load();
      return;
    }
    this.nodes = this.nodes.map((n) => (n.selected === (n.id === entry.id) ? n : { ...n, selected: n.id === entry.id }));
    this.settleView(() => this.focuser?.(entry.id));
  }

  private settleView(move: () => Promise<unknown> | undefined): void {
    this.fitting = true;
    afterRender(() => {
      void Promise.resolve(move())
        .catch(() => undefined)
        .finally(() => (this.fitting = false));
    });
  }

  /** Positions the operator dragged, merged into the view's saved layout and written shortly after. */
  moved(nodes: readonly { id: string; position: { x: number; y: number } }[]): void {
    const g = this.graph;
    if (!g || nodes.length === 0) return;
    const layout = { ...g.layout };
    for (const n of nodes) layout[n.id] = { x: n.position.x, y: n.position.y };
    this.graph = { ...g, layout };
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => this.flushSave(), 400);
  }

  private flushSave(): void {
    if (!this.#saveTimer) return;
    clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    const g = this.graph;
    if (g) void api().call('topology:saveLayout', { view: g.view, positions: g.layout }).catch(() => undefined);
  }

  /** Back to the automatic layout: forget this view's saved positions. */
  async resetLayout(): Promise<void> {
    const g = this.graph;
    if (!g) return;
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    await api().call('topology:resetLayout', { view: g.view });
    const next = { ...g, layout: {} };
    this.graph = next;
    if (this.#laid) {
      const flow = toFlow(next, this.#laid, {}, this.selected);
      this.nodes = flow.nodes;
      this.edges = flow.edges;
    }
    this.settleView(() => this.fitter?.());
  }

  reset(): void {
    this.#seq++;
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    this.#engine?.dispose();
    this.#engine = null;
    this.#laid = null;
    this.#pendingFocus = null;
    this.target = { level: 'fleet' };
    this.expanded = [];
    this.graph = null;
    this.nodes = [];
    this.edges = [];
    this.loading = false;
    this.fitting = false;
    this.error = null;
    this.selected = null;
    this.whatIf = null;
    this.whatIfError = null;
    this.simulating = false;
    this.layoutMs = 0;
    this.focuser = null;
    this.fitter = null;
  }
}

export const topology = new TopologyState();
