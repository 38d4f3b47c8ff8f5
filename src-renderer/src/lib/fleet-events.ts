/**
 * `fleet:onChanged`, throttled: a sync of many clusters emits in bursts and
 * a page should reload at most once a second. The callback receives every
 * cluster id that changed since its last call.
 */
import { api } from './api';

export function onFleetChanged(callback: (clusterIds: string[]) => void, throttleMs = 1000): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  let pending = new Set<string>();
  const fire = () => {
    timer = null;
    last = Date.now();
    const ids = [...pending];
    pending = new Set();
    callback(ids);
  };
  const off = api().on('fleet:onChanged', ({ clusterIds }) => {
    for (const id of clusterIds) pending.add(id);
    if (timer) return;
    const wait = Math.max(0, last + throttleMs - Date.now());
    timer = setTimeout(fire, wait);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}
