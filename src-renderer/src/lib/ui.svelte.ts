/** Which app-wide overlays are open; opened by shortcuts, the palette and buttons. */
export class UiState {
  paletteOpen = $state(false);
  searchOpen = $state(false);
  /**
   * What had focus before an overlay opened. The shell is inert while one is
   * open, so the dialog's own focus restore lands on an inert element and is
   * lost; App gives focus back here once the shell is live again.
   */
  #returnFocus: HTMLElement | null = null;

  openPalette(): void {
    this.#remember();
    this.searchOpen = false;
    this.paletteOpen = true;
  }

  openSearch(): void {
    this.#remember();
    this.paletteOpen = false;
    this.searchOpen = true;
  }

  /** Gives focus back to what had it before the overlays opened (call once they are closed and the shell is no longer inert). */
  restoreFocus(): void {
    const el = this.#returnFocus;
    this.#returnFocus = null;
    const active = typeof document === 'undefined' ? null : document.activeElement;
    if (el?.isConnected && (!active || active === document.body)) el.focus();
  }

  #remember(): void {
    if (this.paletteOpen || this.searchOpen || typeof document === 'undefined') return;
    const active = document.activeElement;
    this.#returnFocus = active instanceof HTMLElement && active !== document.body ? active : null;
  }

  closeAll(): void {
    this.paletteOpen = false;
    this.searchOpen = false;
  }
}

export const ui = new UiState();
