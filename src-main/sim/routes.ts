// Route table types and matching. Each handler module exports its routes; the router matches a
// request path against `/api2/json` path templates the way PVE's RESTHandler does (one placeholder
// per segment, segments URL-decoded, so UPIDs with colons work in either form).

import type { AuthInfo } from './auth';
import type { Clock } from './clock';
import type { FaultStore } from './faults';
import type { ClusterState } from './model';
import type { MethodParams, Params } from './params';
import type { FaultConfig } from './types';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Permission {
  /** ACL path, may contain {placeholders} filled from the parameters, e.g. '/vms/{vmid}'. */
  path: string;
  privs: readonly string[];
  /** Any of the privileges suffices (PVE's `any => 1`). */
  any?: boolean;
}

export interface RouteDef {
  method: HttpMethod;
  /** Path template under /api2/json, e.g. '/nodes/{node}/qemu/{vmid}/status/current'. */
  path: string;
  params: MethodParams;
  /** The schema says `proxyto => 'node'`: served by that node, 595 when it is unreachable. */
  proxied?: boolean;
  /** Callable without authentication (PVE's `user => 'world'`). */
  world?: boolean;
  perm?: Permission;
  handler: (ctx: RequestContext) => unknown;
}

/** Everything shared by all listeners. */
export interface SimRuntime {
  clock: Clock;
  seed: number;
  clusters: readonly ClusterState[];
  byId: ReadonlyMap<string, ClusterState>;
  faults: FaultStore;
  /** Divides task durations. */
  taskSpeed: number;
}

export interface RequestContext {
  rt: SimRuntime;
  cluster: ClusterState;
  params: Params;
  /** undefined only for world-callable routes reached without credentials */
  auth: AuthInfo | undefined;
  now: number;
  faults: FaultConfig;
  /** Extra top-level members of the response envelope, e.g. total. */
  extra: Record<string, unknown>;
}

interface CompiledRoute {
  def: RouteDef;
  segments: string[];
}

export interface RouteMatch {
  def: RouteDef;
  pathParams: Record<string, string>;
}

export class Router {
  private readonly byMethod = new Map<string, CompiledRoute[]>();
  private readonly all: RouteDef[] = [];

  constructor(routes: readonly RouteDef[]) {
    for (const def of routes) {
      const list = this.byMethod.get(def.method) ?? [];
      if (list.some((r) => r.def.path === def.path)) throw new Error(`duplicate route ${def.method} ${def.path}`);
      list.push({ def, segments: def.path.split('/').filter(Boolean) });
      this.byMethod.set(def.method, list);
      this.all.push(def);
    }
  }

  routes(): readonly RouteDef[] {
    return this.all;
  }

  match(method: string, path: string): RouteMatch | undefined {
    const list = this.byMethod.get(method);
    if (!list) return undefined;
    const parts = path.split('/').filter(Boolean);
    let decoded: string[];
    try {
      decoded = parts.map((p) => decodeURIComponent(p));
    } catch {
      return undefined;
    }
    // Literal segments beat placeholders, as in RESTHandler's lookup.
    let best: RouteMatch | undefined;
    let bestLiterals = -1;
    for (const route of list) {
      if (route.segments.length !== decoded.length) continue;
      const pathParams: Record<string, string> = {};
      let literals = 0;
      let ok = true;
      for (let i = 0; i < route.segments.length && ok; i++) {
        const seg = route.segments[i] ?? '';
        const value = decoded[i] ?? '';
        if (seg.startsWith('{')) pathParams[seg.slice(1, -1)] = value;
        else if (seg === value) literals++;
        else ok = false;
      }
      if (ok && literals > bestLiterals) {
        best = { def: route.def, pathParams };
        bestLiterals = literals;
      }
    }
    return best;
  }
}
