/** Which app-wide overlays are open; opened by shortcuts, the palette and buttons. */
export class UiState {
  paletteOpen = $state(false);
  searchOpen = $state(false);

  openPalette(): void {
    this.searchOpen = false;
    this.paletteOpen = true;
  }

  openSearch(): void {
    this.paletteOpen = false;
    this.searchOpen = true;
  }

  closeAll(): void {
    this.paletteOpen = false;
    this.searchOpen = false;
  }
}

export const ui = new UiState();
