/**
 * Keeps keyboard focus inside the topmost modal while it is open and gives
 * it back to whatever had it before. Listens on the document, not the
 * dialog, so Tab and Escape still work when the focused element inside was
 * just removed (a step of a wizard changed), and pulls focus back in when
 * that happens. Used as a Svelte attachment: {@attach trapFocus({...})}.
 */
const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',');

export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('[hidden]') && !el.closest('[inert]'));
}

/** Open traps, innermost last: only the topmost one reacts to keys. */
const stack: HTMLElement[] = [];

export interface TrapOptions {
  /** Selector of the element to focus first. */
  initial?: string;
  onEscape?: () => void;
}

export function trapFocus(opts: TrapOptions = {}) {
  return (node: HTMLElement) => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    stack.push(node);
    const first = (opts.initial ? node.querySelector<HTMLElement>(opts.initial) : null) ?? focusables(node)[0] ?? node;
    queueMicrotask(() => first.focus());

    const onKeydown = (e: KeyboardEvent) => {
      if (stack.at(-1) !== node) return;
      if (e.key === 'Escape' && opts.onEscape) {
        e.preventDefault();
        e.stopPropagation();
        opts.onEscape();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = focusables(node);
      if (items.length === 0) {
        e.preventDefault();
        node.focus();
        return;
      }
      const firstEl = items[0]!;
      const lastEl = items[items.length - 1]!;
      const active = document.activeElement;
      if (e.shiftKey && (active === firstEl || !node.contains(active))) {
        e.preventDefault();
        lastEl.focus();
      } else if (!e.shiftKey && (active === lastEl || !node.contains(active))) {
        e.preventDefault();
        firstEl.focus();
      }
    };

    // The focused element was removed (the dialog changed step): keep focus inside.
    const observer = new MutationObserver(() => {
      if (stack.at(-1) !== node) return;
      const active = document.activeElement;
      if (!active || active === document.body) node.focus();
    });
    observer.observe(node, { childList: true, subtree: true });

    document.addEventListener('keydown', onKeydown, true);
    return () => {
      document.removeEventListener('keydown', onKeydown, true);
      observer.disconnect();
      const i = stack.lastIndexOf(node);
      if (i >= 0) stack.splice(i, 1);
      if (previous && previous.isConnected) previous.focus();
    };
  };
}
