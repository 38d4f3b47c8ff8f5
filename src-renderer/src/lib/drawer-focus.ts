/**
 * Keyboard behaviour of a non-modal drawer (an `<aside>` beside a list):
 * opening it moves focus into it, so a keyboard user lands on what they
 * opened; Escape inside it closes it; closing gives focus back to the
 * element that opened it. Unlike a dialog it traps nothing: Tab may leave
 * it for the list, which stays usable. Used as a Svelte attachment:
 * {@attach drawerFocus(() => onclose())}.
 */
export function drawerFocus(onclose: () => void) {
  return (node: HTMLElement) => {
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    if (!node.hasAttribute('tabindex')) node.tabIndex = -1;
    queueMicrotask(() => node.focus({ preventScroll: true }));

    const onKeydown = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      onclose();
    };
    node.addEventListener('keydown', onKeydown);
    return () => {
      node.removeEventListener('keydown', onKeydown);
      // Only when focus was in the drawer (or went nowhere): never steal it from where the operator moved on to.
      const active = document.activeElement;
      const lost = !active || active === document.body || node.contains(active);
      if (lost && opener?.isConnected) opener.focus({ preventScroll: true });
    };
  };
}
