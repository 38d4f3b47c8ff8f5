/**
 * Renderer test setup (jsdom): unmount after each test, and the few browser
 * APIs jsdom lacks that the UI uses — matchMedia (theme), ResizeObserver
 * (charts, lists), scrollIntoView, requestAnimationFrame, and a canvas
 * getContext that honestly reports "no canvas" instead of logging an error.
 * A Svelte runtime warning (ownership, stale derived, …) fails the test that
 * logged it, as the e2e console guard does in Chromium.
 */
import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';

class FakeMediaQueryList extends EventTarget implements MediaQueryList {
  onchange: ((this: MediaQueryList, ev: MediaQueryListEvent) => unknown) | null = null;
  constructor(
    readonly media: string,
    private readonly state: { dark: boolean },
  ) {
    super();
  }
  get matches(): boolean {
    return /prefers-color-scheme:\s*dark/.test(this.media) ? this.state.dark : false;
  }
  addListener(cb: (ev: MediaQueryListEvent) => void): void {
    this.addEventListener('change', cb as EventListener);
  }
  removeListener(cb: (ev: MediaQueryListEvent) => void): void {
    this.removeEventListener('change', cb as EventListener);
  }
}

const media = { dark: false, lists: new Set<FakeMediaQueryList>() };

Object.defineProperty(window, 'matchMedia', {
  configurable: true,
  writable: true,
  value: (query: string) => {
    const mql = new FakeMediaQueryList(query, media);
    media.lists.add(mql);
    return mql;
  },
});

/** Tests flip the OS colour scheme with this. */
(globalThis as { __setSystemDark?: (dark: boolean) => void }).__setSystemDark = (dark: boolean) => {
  media.dark = dark;
  for (const l of media.lists) l.dispatchEvent(new Event('change'));
};

if (!('ResizeObserver' in globalThis)) {
  class ResizeObserverStub {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  (globalThis as { ResizeObserver?: unknown }).ResizeObserver = ResizeObserverStub;
}

Element.prototype.scrollIntoView ??= function scrollIntoView() {};

HTMLCanvasElement.prototype.getContext = function getContext() {
  return null;
} as typeof HTMLCanvasElement.prototype.getContext;

if (!('clipboard' in navigator)) {
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async () => undefined } });
}

const svelteWarnings: string[] = [];
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  const first = String(args[0] ?? '');
  // Svelte's dev warnings are one styled string: `%c[svelte] code\n%cwhat happened\nhttps://svelte.dev/e/code`.
  if (first.includes('[svelte]')) svelteWarnings.push(first.replace(/%c/g, ''));
  warn(...args);
};

afterEach(() => {
  cleanup();
  media.dark = false;
  media.lists.clear();
  const logged = svelteWarnings.splice(0);
  if (logged.length) throw new Error(`Svelte runtime warning${logged.length === 1 ? '' : 's'} in this test:\n${logged.join('\n')}`);
});
