/** Runs the layout off the main thread: one message in (nodes, edges), one out (positions, sizes). */
import { layoutGraph, type LayoutInput } from './layout';

self.onmessage = (ev: MessageEvent<{ id: number; input: LayoutInput }>) => {
  const { id, input } = ev.data;
  try {
    self.postMessage({ id, result: layoutGraph(input) });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
