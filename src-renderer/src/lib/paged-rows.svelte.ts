/**
 * One result of any size, read in pages (offset/limit) as a virtualised view
 * scrolls: only a few pages around the visible range stay cached, a new
 * query starts over (`reload`), and a change upstream refetches the visible
 * pages in place (`refresh`) so the view does not jump. Used by the guest
 * list and the attestation table; the caller supplies how a page is read.
 */
import { throttle } from './debounce';
import { errorMessage } from './errors';

export interface Page<Row> {
  /** Rows matching the query in all (not only this page). */
  total: number;
  rows: Row[];
}

export interface PagedRowsOptions<Row> {
  fetch: (offset: number, limit: number) => Promise<Page<Row>>;
  pageSize?: number;
  maxCachedPages?: number;
}

export class PagedRows<Row> {
  total = $state<number | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  readonly pageSize: number;
  readonly maxCachedPages: number;

  #pages = $state.raw<Map<number, Row[]>>(new Map());
  #inflight = new Set<number>();
  #generation = 0;
  #visible: [number, number] = [0, 0];
  /** While scrolling, fetch what is visible at most every 80 ms (not only once scrolling stops). */
  #ensureThrottled = throttle(() => this.#ensureVisible(), 80);

  constructor(private readonly opts: PagedRowsOptions<Row>) {
    this.pageSize = opts.pageSize ?? 200;
    this.maxCachedPages = opts.maxCachedPages ?? 8;
  }

  get cachedPages(): number[] {
    return [...this.#pages.keys()].sort((a, b) => a - b);
  }

  rowAt(index: number): Row | undefined {
    return this.#pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Start over (a new query or sort); the view scrolls back to the top. */
  reload(): void {
    this.#generation++;
    this.#inflight.clear();
    this.#pages = new Map();
    this.#visible = [0, Math.min(this.#visible[1] - this.#visible[0], this.pageSize)];
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
    const keep = new Map<number, Row[]>();
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
    this.#ensureThrottled.cancel();
    this.#generation++;
  }

  #pagesFor([start, end]: [number, number]): number[] {
    if (end <= start) return [];
    const out: number[] = [];
    for (let p = Math.floor(start / this.pageSize); p <= Math.floor((end - 1) / this.pageSize); p++) out.push(p);
    return out;
  }

  #ensureVisible(): void {
    if (this.total === null) return;
    for (const p of this.#pagesFor(this.#visible)) {
      if (p * this.pageSize >= this.total) continue;
      if (!this.#pages.has(p) && !this.#inflight.has(p)) void this.#fetch(p, this.#generation);
    }
  }

  async #fetch(page: number, gen: number): Promise<void> {
    this.#inflight.add(page);
    this.loading = true;
    try {
      const res = await this.opts.fetch(page * this.pageSize, this.pageSize);
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
  #evict(pages: Map<number, Row[]>): Map<number, Row[]> {
    if (pages.size <= this.maxCachedPages) return pages;
    const centre = (this.#visible[0] + this.#visible[1]) / 2 / this.pageSize;
    const keep = [...pages.keys()].sort((a, b) => Math.abs(a + 0.5 - centre) - Math.abs(b + 0.5 - centre)).slice(0, this.maxCachedPages);
    return new Map(keep.map((p) => [p, pages.get(p)!]));
  }
}
