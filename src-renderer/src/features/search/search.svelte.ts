/**
 * Global search over sites, hosts and guests through `fleet:search`,
 * debounced, newest answer wins. Also where a hit leads.
 */
import type { SearchHit } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { debounce } from '../../lib/debounce';
import { errorMessage } from '../../lib/errors';
import { route, type Route } from '../../lib/pages';

export const SEARCH_DEBOUNCE_MS = 180;

export class SearchModel {
  hits = $state.raw<SearchHit[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  /** The query the current hits answer. */
  answered = $state('');
  #seq = 0;
  #debounced = debounce((q: string) => void this.#run(q), SEARCH_DEBOUNCE_MS);

  schedule(q: string): void {
    if (!q.trim()) {
      this.#debounced.cancel();
      this.#seq++;
      this.hits = [];
      this.answered = '';
      this.loading = false;
      this.error = null;
      return;
    }
    this.loading = true;
    this.#debounced(q);
  }

  async #run(q: string): Promise<void> {
    const seq = ++this.#seq;
    try {
      const hits = await api().call('fleet:search', { q: q.trim().slice(0, 200), limit: 20 });
      if (seq !== this.#seq) return;
      this.hits = hits;
      this.answered = q;
      this.error = null;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.hits = [];
      this.error = errorMessage(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  dispose(): void {
    this.#debounced.cancel();
    this.#seq++;
  }
}

/** Sites open the site page; hosts their host page; guests their host page with the guest highlighted. */
export function hitRoute(hit: SearchHit): Route {
  if (hit.kind === 'site' || !hit.clusterId || !hit.node) return route('site', { siteId: hit.siteId });
  if (hit.kind === 'guest' && hit.vmid !== undefined) return route('host', { clusterId: hit.clusterId, node: hit.node, vmid: hit.vmid });
  return route('host', { clusterId: hit.clusterId, node: hit.node });
}
