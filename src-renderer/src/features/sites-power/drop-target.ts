/**
 * Drag and drop onto a rack elevation: a Svelte action on the SVG that
 * accepts a palette device dropped on an empty slot (`data-u`). The
 * keyboard path (pick device, pick U, Add) does the same without a mouse.
 */
export const DEVICE_MIME = 'application/x-cairn-device';

export function dropTarget(node: Element, onDrop: (u: number, ref: string) => void) {
  let handler = onDrop;
  const slotOf = (e: Event): number | null => {
    const el = e.target instanceof Element ? e.target.closest('[data-u]') : null;
    const u = el ? Number(el.getAttribute('data-u')) : NaN;
    return Number.isFinite(u) ? u : null;
  };
  const over = (e: Event) => {
    const de = e as DragEvent;
    if (slotOf(de) === null) return;
    de.preventDefault();
    if (de.dataTransfer) de.dataTransfer.dropEffect = 'copy';
  };
  const drop = (e: Event) => {
    const de = e as DragEvent;
    const u = slotOf(de);
    const ref = de.dataTransfer?.getData(DEVICE_MIME) || de.dataTransfer?.getData('text/plain') || '';
    if (u === null || !ref) return;
    de.preventDefault();
    handler(u, ref);
  };
  node.addEventListener('dragover', over);
  node.addEventListener('drop', drop);
  return {
    update(next: (u: number, ref: string) => void) {
      handler = next;
    },
    destroy() {
      node.removeEventListener('dragover', over);
      node.removeEventListener('drop', drop);
    },
  };
}
