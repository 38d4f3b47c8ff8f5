/**
 * Light / dark / system theme. The chosen mode is persisted through
 * `settings:set`; the resolved theme is applied as `data-theme` on <html>
 * and follows `prefers-color-scheme` while the mode is 'system'.
 */
import { MediaQuery } from 'svelte/reactivity';
import type { Theme } from '../../../src-preload/contract';
import { api } from './api';
import { errorMessage } from './errors';
import { t } from './i18n';
import { toasts } from './toasts.svelte';

export type ResolvedTheme = 'light' | 'dark';

export class ThemeController {
  mode = $state<Theme>('system');
  #prefersDark: MediaQuery | null = null;

  get #dark(): MediaQuery {
    this.#prefersDark ??= new MediaQuery('(prefers-color-scheme: dark)');
    return this.#prefersDark;
  }

  get resolved(): ResolvedTheme {
    if (this.mode !== 'system') return this.mode;
    return this.#dark.current ? 'dark' : 'light';
  }

  /** Adopt a mode that came from settings (no write back). */
  adopt(mode: Theme): void {
    this.mode = mode;
  }

  async set(mode: Theme): Promise<void> {
    const previous = this.mode;
    this.mode = mode;
    try {
      await api().call('settings:set', { theme: mode });
    } catch (err) {
      this.mode = previous;
      toasts.error(t('settings.themeSaveFailed', { reason: errorMessage(err) }));
    }
  }

  toggle(): Promise<void> {
    return this.set(this.resolved === 'dark' ? 'light' : 'dark');
  }

  /** Write the resolved theme to <html>; call from an effect so it tracks. */
  apply(root: HTMLElement = document.documentElement): void {
    root.dataset.theme = this.resolved;
    root.dataset.themeMode = this.mode;
  }

  reset(): void {
    this.mode = 'system';
    this.#prefersDark = null;
  }
}

export const theme = new ThemeController();
