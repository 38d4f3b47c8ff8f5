/**
 * In-memory routing with back/forward history. Deliberately not the URL:
 * in browser mode the fragment carries the session token, and a desktop
 * console has no use for shareable URLs.
 */
import { route, type Route } from './pages';

const MAX_HISTORY = 100;

function sameRoute(a: Route, b: Route): boolean {
  return a.page === b.page && JSON.stringify(a.params) === JSON.stringify(b.params);
}

export class Router {
  current = $state.raw<Route>(route('fleet'));
  #back = $state.raw<Route[]>([]);
  #forward = $state.raw<Route[]>([]);

  get canBack(): boolean {
    return this.#back.length > 0;
  }

  get canForward(): boolean {
    return this.#forward.length > 0;
  }

  navigate(next: Route): void {
    if (sameRoute(next, this.current)) return;
    this.#back = [...this.#back, this.current].slice(-MAX_HISTORY);
    this.#forward = [];
    this.current = next;
  }

  /** Change the current entry without adding history (e.g. closing a dialog that had its own route param). */
  replace(next: Route): void {
    this.current = next;
  }

  back(): void {
    const prev = this.#back.at(-1);
    if (!prev) return;
    this.#back = this.#back.slice(0, -1);
    this.#forward = [this.current, ...this.#forward];
    this.current = prev;
  }

  forward(): void {
    const next = this.#forward[0];
    if (!next) return;
    this.#forward = this.#forward.slice(1);
    this.#back = [...this.#back, this.current];
    this.current = next;
  }

  reset(start: Route = route('fleet')): void {
    this.current = start;
    this.#back = [];
    this.#forward = [];
  }
}

export const router = new Router();
