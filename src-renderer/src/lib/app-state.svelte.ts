/**
 * What the whole window knows about the main process and the estate:
 * app info (version, demo, secret store), the live status (cluster sync
 * states, running tasks), whether the transport is up and whether this
 * machine thinks it is online. The status bar and the settings page read it.
 */
import type { AppInfo, AppStatus } from '../../../src-preload/contract';
import { api } from './api';
import { errorMessage } from './errors';
import { i18n, t } from './i18n';
import { theme } from './theme.svelte';

export class AppState {
  info = $state.raw<AppInfo | null>(null);
  status = $state.raw<AppStatus | null>(null);
  syncIntervalSeconds = $state<number | null>(null);
  /** The transport to the main process (WebSocket in browser mode). */
  transportUp = $state(true);
  /** `navigator.onLine`: the OS's view of this machine's network. */
  networkUp = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** A failure to load the basics (e.g. no session token). */
  fatal = $state<string | null>(null);
  /** Ticks every 15 s so "n min ago" labels stay current. */
  now = $state(Date.now());

  get offline(): boolean {
    return this.offlineReason !== null;
  }

  get offlineReason(): string | null {
    if (this.fatal) return t('offline.fatal');
    if (!this.transportUp) return t('offline.transport');
    if (!this.networkUp) return t('offline.network');
    if (this.status && !this.status.online) return t('offline.noCluster');
    return null;
  }

  /** Bumped by every pushed status, so a slower poll answer never overwrites a newer push. */
  #statusVersion = 0;

  async refreshStatus(): Promise<void> {
    const version = this.#statusVersion;
    try {
      const status = await api().call('app:status', {});
      if (version === this.#statusVersion) this.status = status;
    } catch {
      // The status bar keeps the last known status; transport loss is reported separately.
    }
  }

  async refreshInfo(): Promise<void> {
    this.info = await api().call('app:info', {});
  }

  /** Load the basics and subscribe to changes. Returns the teardown. */
  start(): () => void {
    const offs: (() => void)[] = [];
    let client;
    try {
      client = api();
    } catch (err) {
      this.fatal = errorMessage(err);
      return () => undefined;
    }
    offs.push(
      client.on('app:onStatus', (s) => {
        this.#statusVersion++;
        this.status = s;
      }),
    );
    offs.push(
      client.on('settings:onChanged', (s) => {
        theme.adopt(s.theme);
        i18n.adopt(s.language);
        this.syncIntervalSeconds = s.syncIntervalSeconds;
      }),
    );
    offs.push(
      client.onTransportChange((up) => {
        this.transportUp = up;
        if (up) void this.refreshStatus();
      }),
    );
    const onOnline = () => (this.networkUp = true);
    const onOffline = () => (this.networkUp = false);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    offs.push(() => window.removeEventListener('online', onOnline));
    offs.push(() => window.removeEventListener('offline', onOffline));
    const tick = setInterval(() => (this.now = Date.now()), 15_000);
    offs.push(() => clearInterval(tick));

    void this.refreshInfo().catch((err: unknown) => (this.fatal = errorMessage(err)));
    void this.refreshStatus();
    void client
      .call('settings:get', {})
      .then((s) => {
        theme.adopt(s.theme);
        i18n.adopt(s.language);
        this.syncIntervalSeconds = s.syncIntervalSeconds;
      })
      .catch(() => undefined);
    return () => {
      for (const off of offs) off();
    };
  }

  reset(): void {
    this.info = null;
    this.status = null;
    this.syncIntervalSeconds = null;
    this.transportUp = true;
    this.networkUp = true;
    this.fatal = null;
  }
}

export const appState = new AppState();
