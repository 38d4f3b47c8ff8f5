import { afterEach, describe, expect, it, vi } from 'vitest';
import { drawerFocus } from './drawer-focus';
import { overflows, scrollFocus } from './scroll-focus';
import { UiState } from './ui.svelte';

const flush = () => new Promise<void>((r) => queueMicrotask(r));

afterEach(() => {
  document.body.innerHTML = '';
});

describe('drawerFocus', () => {
  function setup() {
    const opener = document.createElement('button');
    const drawer = document.createElement('aside');
    const inside = document.createElement('button');
    drawer.append(inside);
    document.body.append(opener, drawer);
    opener.focus();
    const onclose = vi.fn();
    const detach = drawerFocus(onclose)(drawer);
    return { opener, drawer, inside, onclose, detach: detach as () => void };
  }

  it('moves focus into the drawer and gives it back to the opener on close', async () => {
    const { opener, drawer, inside, detach } = setup();
    await flush();
    expect(document.activeElement).toBe(drawer);
    expect(drawer.tabIndex).toBe(-1);
    inside.focus();
    detach();
    expect(document.activeElement).toBe(opener);
  });

  it('closes on Escape from inside, unless something inside handled it', async () => {
    const { inside, onclose } = setup();
    await flush();
    inside.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(onclose).not.toHaveBeenCalled();
    const handled = new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true });
    handled.preventDefault();
    inside.dispatchEvent(handled);
    expect(onclose).not.toHaveBeenCalled();
    inside.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
    expect(onclose).toHaveBeenCalledTimes(1);
  });

  it('leaves focus alone when the operator already moved elsewhere', async () => {
    const { detach } = setup();
    await flush();
    const elsewhere = document.createElement('input');
    document.body.append(elsewhere);
    elsewhere.focus();
    detach();
    expect(document.activeElement).toBe(elsewhere);
  });
});

describe('scrollFocus', () => {
  function box(scroll: number, client: number): HTMLElement {
    const el = document.createElement('div');
    Object.defineProperty(el, 'scrollWidth', { value: scroll });
    Object.defineProperty(el, 'clientWidth', { value: client });
    Object.defineProperty(el, 'scrollHeight', { value: 10 });
    Object.defineProperty(el, 'clientHeight', { value: 10 });
    document.body.append(el);
    return el;
  }

  it('puts an overflowing box in the tab order and keeps a fitting one out', () => {
    const wide = box(900, 400);
    const fits = box(400, 400);
    fits.tabIndex = 0;
    expect(overflows(wide)).toBe(true);
    expect(overflows(fits)).toBe(false);
    scrollFocus(wide);
    scrollFocus(fits);
    expect(wide.getAttribute('tabindex')).toBe('0');
    expect(fits.hasAttribute('tabindex')).toBe(false);
  });
});

describe('UiState focus return', () => {
  it('gives focus back to what had it before the palette or search opened', () => {
    const opener = document.createElement('button');
    document.body.append(opener);
    opener.focus();
    const ui = new UiState();
    ui.openPalette();
    // Switching overlays keeps the first opener.
    ui.openSearch();
    opener.blur();
    ui.closeAll();
    ui.restoreFocus();
    expect(document.activeElement).toBe(opener);
  });

  it('does not take focus from where it went meanwhile', () => {
    const opener = document.createElement('button');
    const other = document.createElement('input');
    document.body.append(opener, other);
    opener.focus();
    const ui = new UiState();
    ui.openPalette();
    other.focus();
    ui.closeAll();
    ui.restoreFocus();
    expect(document.activeElement).toBe(other);
  });
});
