/**
 * One piece of remote data with its loading and error state. The newest
 * load wins; a refresh keeps showing the old data until the new arrives,
 * so a slow or failing refresh never blanks a page an operator is reading.
 */
export class Resource<T> {
  data = $state.raw<T | null>(null);
  error = $state.raw<unknown>(null);
  loading = $state(false);
  #seq = 0;

  constructor(private readonly fetcher: () => Promise<T>) {}

  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    try {
      const value = await this.fetcher();
      if (seq !== this.#seq) return;
      this.data = value;
      this.error = null;
    } catch (err) {
      if (seq !== this.#seq) return;
      this.error = err;
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  /** Forget in-flight loads (component teardown). */
  cancel(): void {
    this.#seq++;
  }
}
