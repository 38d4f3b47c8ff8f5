/**
 * The guest list's data: the filter as typed and as applied (debounced),
 * the sort, and one filtered, sorted result of any size read through
 * `fleet:guests` in pages as the view scrolls (PagedRows).
 */
import type { GuestQuery, GuestRow } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { debounce } from '../../lib/debounce';
import { PagedRows } from '../../lib/paged-rows.svelte';

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

  readonly #rows = new PagedRows<GuestRow>({
    pageSize: PAGE_SIZE,
    maxCachedPages: MAX_CACHED_PAGES,
    fetch: (offset, limit) => api().call('fleet:guests', { query: this.applied, sort: this.sort, offset, limit }),
  });
  #applyDebounced = debounce((q: string) => this.apply(q), FILTER_DEBOUNCE_MS);

  constructor(initialQuery = '') {
    this.query = initialQuery;
    this.applied = initialQuery;
  }

  get total(): number | null {
    return this.#rows.total;
  }

  get error(): string | null {
    return this.#rows.error;
  }

  get loading(): boolean {
    return this.#rows.loading;
  }

  get cachedPages(): number[] {
    return this.#rows.cachedPages;
  }

  rowAt(index: number): GuestRow | undefined {
    return this.#rows.rowAt(index);
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
    this.#rows.reload();
  }

  /** The data changed upstream: refetch what is on screen, drop the rest. */
  refresh(): void {
    this.#rows.refresh();
  }

  /** The view reports its visible rows [start, end). */
  setVisible(start: number, end: number): void {
    this.#rows.setVisible(start, end);
  }

  dispose(): void {
    this.#applyDebounced.cancel();
    this.#rows.dispose();
  }
}
