/** Small constructors shared by the graph builders, with the defaults every node and edge starts from. */
import type { TopoEdge, TopoNode, TopoStatus } from '../../src-preload/contract';

export function node(n: Partial<TopoNode> & Pick<TopoNode, 'id' | 'kind' | 'label'>): TopoNode {
  return { detail: '', status: 'unknown', badges: [], group: null, members: 0, drill: null, expand: null, title: '', ...n };
}

export function edge(source: string, target: string, kind: TopoEdge['kind'], status: TopoStatus = 'up', label = ''): TopoEdge {
  return { id: `${kind}:${source}->${target}`, source, target, kind, status, label };
}

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}
