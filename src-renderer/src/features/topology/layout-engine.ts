/**
 * Layouts off the render path, memoised. A layout runs in a Web Worker
 * where the page has one (Electron and browser mode), so dagre never blocks
 * panning; jsdom (component tests) has none and computes in-thread. Results
 * are kept per graph shape (node ids, groups, edges), so revisiting a level
 * or a data refresh that changes only statuses costs no layout at all.
 */
import { layoutGraph, type LayoutInput, type LayoutResult } from './layout';

const MAX_MEMO = 24;

/** A stable fingerprint of what the layout depends on (not statuses, labels or badges). */
export function shapeKey(input: LayoutInput): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x1234567;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
  };
  for (const n of input.nodes) mix(`${n.id}|${n.kind}|${n.group ?? ''}|${n.members};`);
  for (const e of input.edges) mix(`${e.source}>${e.target};`);
  return `${input.nodes.length}:${input.edges.length}:${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}`;
}

export class LayoutEngine {
  private worker: Worker | null = null;
  private workerFailed = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: LayoutResult) => void; reject: (e: Error) => void }>();
  private readonly memo = new Map<string, Promise<LayoutResult>>();

  constructor(private readonly useWorker = typeof Worker !== 'undefined') {}

  layout(input: LayoutInput): Promise<LayoutResult> {
    const key = shapeKey(input);
    const hit = this.memo.get(key);
    if (hit) {
      // Most recently used last.
      this.memo.delete(key);
      this.memo.set(key, hit);
      return hit;
    }
    const p = this.run(input);
    p.catch(() => this.memo.delete(key));
    this.memo.set(key, p);
    while (this.memo.size > MAX_MEMO) this.memo.delete(this.memo.keys().next().value as string);
    return p;
  }

  private run(input: LayoutInput): Promise<LayoutResult> {
    const w = this.ensureWorker();
    if (!w) return new Promise((resolve) => setTimeout(() => resolve(layoutGraph(input)), 0));
    const id = this.nextId++;
    const viaWorker = new Promise<LayoutResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Plain data only: the worker needs ids, kinds, groups and edges.
      w.postMessage({
        id,
        input: { nodes: input.nodes.map((n) => ({ id: n.id, kind: n.kind, group: n.group, members: n.members })), edges: input.edges.map((e) => ({ source: e.source, target: e.target })) },
      });
    });
    return viaWorker.catch((err: unknown) => {
      if (this.workerFailed) return layoutGraph(input);
      throw err;
    });
  }

  private ensureWorker(): Worker | null {
    if (!this.useWorker || this.workerFailed) return null;
    if (this.worker) return this.worker;
    try {
      const w = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
      w.onmessage = (ev: MessageEvent<{ id: number; result?: LayoutResult; error?: string }>) => {
        const p = this.pending.get(ev.data.id);
        this.pending.delete(ev.data.id);
        if (!p) return;
        if (ev.data.result) p.resolve(ev.data.result);
        else p.reject(new Error(ev.data.error ?? 'layout failed'));
      };
      w.onerror = (ev) => {
        ev.preventDefault();
        // A worker that cannot start (a policy, a packaging problem) must not leave the map empty: lay out in-thread from now on.
        this.workerFailed = true;
        this.worker = null;
        const stranded = [...this.pending.values()];
        this.pending.clear();
        for (const p of stranded) p.reject(new Error('layout worker failed'));
        this.memo.clear();
      };
      this.worker = w;
      return w;
    } catch {
      this.workerFailed = true;
      return null;
    }
  }

  dispose(): void {
    this.worker?.terminate();
    this.worker = null;
    this.memo.clear();
  }
}
