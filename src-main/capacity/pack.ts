/**
 * The packing engine: place items (guests) on hosts without exceeding any
 * host's vCPU or memory limit, honouring HA constraints — strict node
 * affinity (allowed hosts), non-strict node affinity (preferred hosts),
 * negative resource affinity (keep apart) and positive resource affinity
 * (keep together) — and explaining every item it could not place.
 *
 * Heuristic: largest first (by memory, then vCPU), each onto the allowed
 * host with the highest preference and then the most free memory. Largest
 * first is what makes first-fit-decreasing good; choosing the emptiest host
 * (worst fit) instead of the first one spreads restarted guests the way
 * Proxmox VE's static-load CRM scheduler does, so the answer resembles
 * what HA would actually do. When the heuristic leaves something out on a
 * small instance, an exact backtracking search (bounded) either finds a
 * complete placement or proves there is none, so a verdict on a small pool
 * never depends on the heuristic's luck.
 */

export interface PackHost {
  id: string;
  /** Most vCPUs the host may carry (threads × overcommit). */
  vcpuLimit: number;
  /** Most guest memory the host may carry (bytes). */
  memLimit: number;
  /** Already allocated by guests that stay. */
  vcpu: number;
  mem: number;
}

export interface PackItem {
  id: string;
  vcpu: number;
  mem: number;
}

export interface ApartRule {
  rule: string;
  /** Items of this pack that must not share a host with each other… */
  items: string[];
  /** …nor with members that stay, on these hosts. */
  occupied: string[];
}

export interface TogetherRule {
  rule: string;
  items: string[];
  /** Hosts where members that stay run (more than one distinct host = contradiction). */
  anchored: string[];
}

export interface PackConstraints {
  /** Strict node affinity: the only hosts an item may go to (absent = any). */
  allowed?: ReadonlyMap<string, { hosts: ReadonlySet<string>; rule: string }>;
  /** Non-strict node affinity: host → priority (higher preferred) per item. */
  preferred?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  apart?: readonly ApartRule[];
  together?: readonly TogetherRule[];
  /** Anything else that rules a host out for an item (tenant isolation …): a reason or null. */
  veto?: (item: PackItem, host: PackHost) => string | null;
}

export interface PackOptions {
  /** Nodes the exact search may visit before giving up (default 200 000). */
  exactBudget?: number;
  /** Largest instance (units) the exact search is tried on (default 14). */
  exactMaxUnits?: number;
  /** Describe sizes in reasons (default: GiB with one decimal). */
  formatMem?: (bytes: number) => string;
}

export interface PackResult {
  /** item id → host id */
  placed: Map<string, string>;
  /** item id → why it could not be placed */
  failed: Map<string, string>;
  /** True when the outcome is proven: everything placed, or an exhaustive search found no complete placement. */
  exact: boolean;
  /** Load per host after placement. */
  load: Map<string, { vcpu: number; mem: number }>;
}

interface Unit {
  items: PackItem[];
  vcpu: number;
  mem: number;
  /** Hosts this unit may go to before capacity and apart rules (null = contradiction). */
  candidates: PackHost[];
  /** Why candidates were removed, per host id. */
  excluded: Map<string, string>;
  fatal: string | null;
  pref: Map<string, number>;
}

const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(1)} GiB`;

export function pack(hosts: readonly PackHost[], items: readonly PackItem[], c: PackConstraints = {}, o: PackOptions = {}): PackResult {
  const fmt = o.formatMem ?? gib;
  const units = buildUnits(hosts, items, c);
  const order = [...units].sort((a, b) => b.mem - a.mem || b.vcpu - a.vcpu || (a.items[0]?.id ?? '').localeCompare(b.items[0]?.id ?? ''));
  const apartOf = new Map<string, ApartRule[]>();
  for (const r of c.apart ?? []) for (const id of r.items) apartOf.set(id, [...(apartOf.get(id) ?? []), r]);

  const heuristic = greedy(hosts, order, apartOf);
  const complete = heuristic.unplaced.length === 0;
  let best = heuristic;
  let exact = complete;
  const fatal = order.some((u) => u.fatal !== null || u.candidates.length === 0);
  if (!complete && !fatal && order.length <= (o.exactMaxUnits ?? 14)) {
    const ex = exactSearch(hosts, order, apartOf, o.exactBudget ?? 200_000);
    if (ex.result) {
      best = ex.result;
      exact = true;
    } else exact = ex.exhausted;
  } else if (!complete && fatal) {
    // Something has no host at all: no search can place everything; the verdict is proven.
    exact = true;
  }

  const placed = new Map<string, string>();
  for (const [u, h] of best.assign) for (const it of u.items) placed.set(it.id, h);
  const failed = new Map<string, string>();
  for (const u of best.unplaced) {
    const why = explain(u, hosts, best.load, best.assign, apartOf, fmt);
    for (const it of u.items) failed.set(it.id, u.items.length > 1 ? `${why} (kept together with ${u.items.filter((x) => x !== it).map((x) => x.id).join(', ')})` : why);
  }
  return { placed, failed, exact, load: best.load };
}

function buildUnits(hosts: readonly PackHost[], items: readonly PackItem[], c: PackConstraints): Unit[] {
  // Union-find over positive affinity: members are placed as one unit.
  const parent = new Map<string, string>(items.map((i) => [i.id, i.id]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(x, r);
    return r;
  };
  const anchors = new Map<string, { hosts: Set<string>; rules: Set<string> }>();
  for (const t of c.together ?? []) {
    const present = t.items.filter((id) => parent.has(id));
    for (let i = 1; i < present.length; i++) parent.set(find(present[i] as string), find(present[0] as string));
    if (present.length && t.anchored.length) {
      const root = find(present[0] as string);
      const a = anchors.get(root) ?? { hosts: new Set<string>(), rules: new Set<string>() };
      for (const h of t.anchored) a.hosts.add(h);
      a.rules.add(t.rule);
      anchors.set(root, a);
    }
  }
  const groups = new Map<string, PackItem[]>();
  for (const it of items) groups.set(find(it.id), [...(groups.get(find(it.id)) ?? []), it]);
  // Anchors were keyed by a root that later unions may have re-rooted.
  const anchorOf = new Map<string, { hosts: Set<string>; rules: Set<string> }>();
  for (const [k, v] of anchors) {
    const r = find(k);
    const a = anchorOf.get(r) ?? { hosts: new Set<string>(), rules: new Set<string>() };
    for (const h of v.hosts) a.hosts.add(h);
    for (const x of v.rules) a.rules.add(x);
    anchorOf.set(r, a);
  }

  const units: Unit[] = [];
  for (const [root, members] of groups) {
    const ids = new Set(members.map((m) => m.id));
    const u: Unit = { items: members, vcpu: 0, mem: 0, candidates: [], excluded: new Map(), fatal: null, pref: new Map() };
    for (const m of members) {
      u.vcpu += m.vcpu;
      u.mem += m.mem;
    }
    for (const r of c.apart ?? []) {
      const inside = r.items.filter((id) => ids.has(id));
      if (inside.length > 1) u.fatal = `contradictory HA rules: ${[...(anchorOf.get(root)?.rules ?? new Set(['a positive resource-affinity rule']))].join(', ')} keeps ${inside.join(', ')} together but rule ${r.rule} keeps them apart`;
    }
    const anchor = anchorOf.get(root);
    if (anchor && anchor.hosts.size > 1) u.fatal = `resource-affinity rule ${[...anchor.rules].join(', ')} keeps it with members already running on different hosts (${[...anchor.hosts].join(', ')})`;
    for (const h of hosts) {
      let why: string | null = null;
      if (anchor && anchor.hosts.size === 1 && !anchor.hosts.has(h.id)) why = `resource-affinity rule ${[...anchor.rules].join(', ')} keeps it with members on ${[...anchor.hosts][0]}`;
      for (const m of members) {
        if (why) break;
        const a = c.allowed?.get(m.id);
        if (a && !a.hosts.has(h.id))
          why = a.hosts.size === 0 ? `strict node-affinity rule ${a.rule}: none of its nodes is available` : `strict node-affinity rule ${a.rule} allows only ${[...a.hosts].map((x) => x.split('/').pop()).join(', ')}`;
        else why = c.veto?.(m, h) ?? null;
      }
      if (why) u.excluded.set(h.id, why);
      else u.candidates.push(h);
      let p = 0;
      for (const m of members) p += c.preferred?.get(m.id)?.get(h.id) ?? 0;
      u.pref.set(h.id, p);
    }
    units.push(u);
  }
  return units;
}

interface Attempt {
  assign: Map<Unit, string>;
  unplaced: Unit[];
  load: Map<string, { vcpu: number; mem: number }>;
}

function freshLoad(hosts: readonly PackHost[]): Map<string, { vcpu: number; mem: number }> {
  return new Map(hosts.map((h) => [h.id, { vcpu: h.vcpu, mem: h.mem }]));
}

/** Hosts (by id) that hold a member of an apart rule, per rule, given the current assignment. */
function blockedByApart(u: Unit, hostId: string, apartOf: Map<string, ApartRule[]>, holders: Map<ApartRule, Set<string>>): ApartRule | null {
  for (const it of u.items)
    for (const r of apartOf.get(it.id) ?? []) {
      if (r.occupied.includes(hostId)) return r;
      if (holders.get(r)?.has(hostId)) return r;
    }
  return null;
}

function fits(h: PackHost, l: { vcpu: number; mem: number }, u: Unit): boolean {
  // A tiny tolerance so that sums of float GiB never refuse an exact fit.
  return l.mem + u.mem <= h.memLimit + 1e-6 && l.vcpu + u.vcpu <= h.vcpuLimit + 1e-9;
}

function greedy(hosts: readonly PackHost[], order: Unit[], apartOf: Map<string, ApartRule[]>): Attempt {
  const load = freshLoad(hosts);
  const assign = new Map<Unit, string>();
  const unplaced: Unit[] = [];
  const holders = new Map<ApartRule, Set<string>>();
  for (const u of order) {
    if (u.fatal) {
      unplaced.push(u);
      continue;
    }
    let best: PackHost | null = null;
    let bestKey: [number, number] = [-Infinity, -Infinity];
    for (const h of u.candidates) {
      const l = load.get(h.id) as { vcpu: number; mem: number };
      if (!fits(h, l, u) || blockedByApart(u, h.id, apartOf, holders)) continue;
      const key: [number, number] = [u.pref.get(h.id) ?? 0, h.memLimit - l.mem];
      if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) {
        best = h;
        bestKey = key;
      }
    }
    if (!best) {
      unplaced.push(u);
      continue;
    }
    place(u, best.id, load, assign, apartOf, holders);
  }
  return { assign, unplaced, load };
}

function place(u: Unit, hostId: string, load: Map<string, { vcpu: number; mem: number }>, assign: Map<Unit, string>, apartOf: Map<string, ApartRule[]>, holders: Map<ApartRule, Set<string>>): void {
  const l = load.get(hostId) as { vcpu: number; mem: number };
  l.vcpu += u.vcpu;
  l.mem += u.mem;
  assign.set(u, hostId);
  for (const it of u.items)
    for (const r of apartOf.get(it.id) ?? []) {
      const s = holders.get(r) ?? new Set<string>();
      s.add(hostId);
      holders.set(r, s);
    }
}

/** Depth-first search for a complete placement; `exhausted` = the whole space was searched. */
function exactSearch(hosts: readonly PackHost[], order: Unit[], apartOf: Map<string, ApartRule[]>, budget: number): { result: Attempt | null; exhausted: boolean } {
  const load = freshLoad(hosts);
  const assign = new Map<Unit, string>();
  const holdCount = new Map<ApartRule, Map<string, number>>();
  let visits = 0;
  let gaveUp = false;
  const blocked = (u: Unit, hostId: string): boolean => {
    for (const it of u.items)
      for (const r of apartOf.get(it.id) ?? []) if (r.occupied.includes(hostId) || (holdCount.get(r)?.get(hostId) ?? 0) > 0) return true;
    return false;
  };
  const mark = (u: Unit, hostId: string, d: number) => {
    for (const it of u.items)
      for (const r of apartOf.get(it.id) ?? []) {
        const m = holdCount.get(r) ?? new Map<string, number>();
        m.set(hostId, (m.get(hostId) ?? 0) + d);
        holdCount.set(r, m);
      }
  };
  // Whether hosts with equal limits and load are interchangeable from depth i on (no apart rule and no
  // host restriction among the remaining units): then trying one of them is enough.
  const symmetric: boolean[] = [];
  let clean = true;
  for (let i = order.length - 1; i >= 0; i--) {
    const u = order[i] as Unit;
    const here: boolean = clean && !u.items.some((it) => (apartOf.get(it.id) ?? []).length > 0);
    symmetric[i] = here;
    clean = here && u.candidates.length === hosts.length;
  }
  const dfs = (i: number): boolean => {
    if (i === order.length) return true;
    if (++visits > budget) {
      gaveUp = true;
      return false;
    }
    const u = order[i] as Unit;
    // Symmetry: hosts in the same (limits, load) state give identical subtrees; try one of them.
    const tried = new Set<string>();
    for (const h of u.candidates) {
      const l = load.get(h.id) as { vcpu: number; mem: number };
      if (!fits(h, l, u) || blocked(u, h.id)) continue;
      if (symmetric[i]) {
        const sig = `${h.vcpuLimit}|${h.memLimit}|${l.vcpu}|${l.mem}`;
        if (tried.has(sig)) continue;
        tried.add(sig);
      }
      l.vcpu += u.vcpu;
      l.mem += u.mem;
      mark(u, h.id, 1);
      assign.set(u, h.id);
      if (dfs(i + 1)) return true;
      assign.delete(u);
      mark(u, h.id, -1);
      l.vcpu -= u.vcpu;
      l.mem -= u.mem;
      if (gaveUp) return false;
    }
    return false;
  };
  const ok = dfs(0);
  if (ok) return { result: { assign: new Map(assign), unplaced: [], load }, exhausted: true };
  return { result: null, exhausted: !gaveUp };
}

/** Why a unit has no host: the blocking reason on every host, summarised. */
function explain(
  u: Unit,
  hosts: readonly PackHost[],
  load: Map<string, { vcpu: number; mem: number }>,
  assign: Map<Unit, string>,
  apartOf: Map<string, ApartRule[]>,
  fmt: (b: number) => string,
): string {
  if (u.fatal) return u.fatal;
  if (hosts.length === 0) return 'no surviving host';
  const holders = new Map<ApartRule, Set<string>>();
  for (const [v, h] of assign)
    for (const it of v.items)
      for (const r of apartOf.get(it.id) ?? []) {
        const s = holders.get(r) ?? new Set<string>();
        s.add(h);
        holders.set(r, s);
      }
  const tally = new Map<string, string[]>();
  const add = (why: string, host: string) => tally.set(why, [...(tally.get(why) ?? []), host]);
  let mostFree = -Infinity;
  let mostFreeHost = '';
  for (const h of hosts) {
    const excluded = u.excluded.get(h.id);
    if (excluded) {
      add(excluded, h.id);
      continue;
    }
    const l = load.get(h.id) as { vcpu: number; mem: number };
    const apart = blockedByApart(u, h.id, apartOf, holders);
    if (apart) add(`anti-affinity rule ${apart.rule} (a member already runs there)`, h.id);
    else if (l.mem + u.mem > h.memLimit + 1e-6) {
      if (h.memLimit - l.mem > mostFree) {
        mostFree = h.memLimit - l.mem;
        mostFreeHost = h.id;
      }
      add('memory', h.id);
    } else if (l.vcpu + u.vcpu > h.vcpuLimit + 1e-9) add(`vCPU limit (needs ${u.vcpu}, the overcommit limit leaves less)`, h.id);
    else add('no room left once larger guests were placed', h.id);
  }
  const parts: string[] = [];
  for (const [why, hs] of [...tally].sort((a, b) => b[1].length - a[1].length)) {
    const n = hs.length === 1 ? `${hs[0]}` : `${hs.length} hosts`;
    if (why === 'memory') parts.push(`${n}: not enough memory (needs ${fmt(u.mem)}, most free ${fmt(Math.max(0, mostFree))} on ${mostFreeHost.split('/').pop()})`);
    else parts.push(`${n}: ${why}`);
  }
  return `no host can take it — ${parts.join('; ')}`;
}
