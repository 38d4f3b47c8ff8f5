/**
 * The guest list's data: one filtered, sorted result of any size, read in
 * pages of PAGE_SIZE through `fleet:guests` (offset/limit) as the view
 * scrolls. Only a few pages around the visible range stay cached; a new
 * filter or sort starts over. A fleet change refetches the visible pages
 * in place, so the list does not jump.
 */
import type { GuestQuery, GuestRow } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { debounce, throttle } from '../../lib/debounce';
import { errorMessage } from '../../lib/errors';

export const PAGE_SIZE = 200;
export const MAX_CACHED_PAGES = 8;
export const FILTER_DEBOUNCE_MS = 250;

export type GuestSortField = NonNullable<GuestQuery['sort']>['field'];
export type GuestSort = { field: GuestSortField; dir: 'asc' | 'desc' };

export class GuestListModel {
  /** The filter as typed. */
  query = $state('');
  /** The filter the current result answers (debounced). */
  applied = $state('');
  sort = $state.raw<GuestSort>({ field: 'name', dir: 'asc' });
  total = $state<number | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);

  #pages = $state.raw<Map<number, GuestRow[]>>(new Map());
  #inflight = new Set<number>();
  #generation = 0;
  #visible: [number, number] = [0, 0];
  #applyDebounced = debounce((q: string) => this.apply(q), FILTER_DEBOUNCE_MS);
  /** While scrolling, fetch what is visible at most every 80 ms (not only once scrolling stops). */
  #ensureThrottled = throttle(() => this.#ensureVisible(), 80);

  constructor(initialQuery = '') {
    this.query = initialQuery;
    this.applied = initialQuery;
  }

  get cachedPages(): number[] {
    return [...this.#pages.keys()].sort((a, b) => a - b);
  }

  rowAt(index: number): GuestRow | undefined {
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Typing: apply after a pause. */
  type(q: string): void {
    this.query = q;
    this.#applyDebounced(q);
  }

  /** Apply a filter now (Enter, chip removal). */
  apply(q: string = this.query): void {
    this.#applyDebounced.cancel();
    this.query = q;
    if (q === this.applied && this.total !== null) return;
    this.applied = q;
    this.reload();
  }

  sortBy(field: GuestSortField): void {
    const dir = this.sort.field === field && this.sort.dir === 'asc' ? 'desc' : 'asc';
    this.sort = { field, dir };
    this.reload();
  }

  /** Start over: new filter or sort. The view scrolls back to the top. */
  reload(): void {
    this.#generation++;
    this.#inflight.clear();
    this.#pages = new Map();
    this.#visible = [0, Math.min(this.#visible[1] - this.#visible[0], PAGE_SIZE)];
    this.total = null;
    void this.#fetch(0, this.#generation);
  }

  /** The data changed upstream: refetch what is on screen, drop the rest. */
  refresh(): void {
    this.#generation++;
    this.#inflight.clear();
    const gen = this.#generation;
    const wanted = this.#pagesFor(this.#visible);
    if (wanted.length === 0) wanted.push(0);
    const keep = new Map<number, GuestRow[]>();
    for (const p of wanted) {
      const rows = this.#pages.get(p);
      if (rows) keep.set(p, rows);
    }
    this.#pages = keep;
    for (const p of wanted) void this.#fetch(p, gen);
  }

  /** The view reports its visible rows [start, end). */
  setVisible(start: number, end: number): void {
    this.#visible = [start, end];
    this.#ensureThrottled();
  }

  dispose(): void {
    this.#applyDebounced.cancel();
    this.#ensureThrottled.cancel();
    this.#generation++;
  }

  #pagesFor([start, end]: [number, number]): number[] {
    if (end <= start) return [];
    const out: number[] = [];
    for (let p = Math.floor(start / PAGE_SIZE); p <= Math.floor((end - 1) / PAGE_SIZE); p++) out.push(p);
    return out;
  }

  #ensureVisible(): void {
    if (this.total === null) return;
    for (const p of this.#pagesFor(this.#visible)) {
      if (p * PAGE_SIZE >= this.total) continue;
      if (!this.#pages.has(p) && !this.#inflight.has(p)) void this.#fetch(p, this.#generation);
    }
  }

  async #fetch(page: number, gen: number): Promise<void> {
    this.#inflight.add(page);
    this.loading = true;
    try {
      const res = await api().call('fleet:guests', { query: this.applied, sort: this.sort, offset: page * PAGE_SIZE, limit: PAGE_SIZE });
      if (gen !== this.#generation) return;
      const first = this.total === null;
      this.total = res.total;
      this.error = null;
      const next = new Map(this.#pages);
      next.set(page, res.rows);
      this.#pages = this.#evict(next);
      // The first page tells us the total; the view may already show more than one page.
      if (first) this.#ensureVisible();
    } catch (err) {
      if (gen !== this.#generation) return;
      this.error = errorMessage(err);
      if (this.total === null) this.total = 0;
    } finally {
      if (gen === this.#generation) {
        this.#inflight.delete(page);
        this.loading = this.#inflight.size > 0;
      }
    }
  }

  /** Keep the pages nearest the visible range. */
  #evict(pages: Map<number, GuestRow[]>): Map<number, GuestRow[]> {
    if (pages.size <= MAX_CACHED_PAGES) return pages;
    const centre = (this.#visible[0] + this.#visible[1]) / 2 / PAGE_SIZE;
    const keep = [...pages.keys()].sort((a, b) => Math.abs(a + 0.5 - centre) - Math.abs(b + 0.5 - centre)).slice(0, MAX_CACHED_PAGES);
    return new Map(keep.map((p) => [p, pages.get(p)!]));
  }
}
