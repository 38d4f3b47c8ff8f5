/**
 * Makes a scroll box reachable by keyboard while its content overflows
 * (WCAG 2.1.1: a region that scrolls must be scrollable without a mouse):
 * it joins the tab order only then, so a box that fits adds no useless tab
 * stop. Give the box a role and a name (`role="region" aria-label=…`) so a
 * screen reader says what it is when it gets focus. Used as a Svelte
 * attachment: {@attach scrollFocus}.
 */
export function overflows(node: HTMLElement): boolean {
  return node.scrollWidth > node.clientWidth || node.scrollHeight > node.clientHeight;
}

export function scrollFocus(node: HTMLElement) {
  const update = () => {
    if (overflows(node)) node.tabIndex = 0;
    else node.removeAttribute('tabindex');
  };
  update();
  if (typeof ResizeObserver === 'undefined') return;
  const observer = new ResizeObserver(update);
  observer.observe(node);
  for (const child of node.children) observer.observe(child);
  return () => observer.disconnect();
}
