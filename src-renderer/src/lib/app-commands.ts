/** The global commands: every page, theme, search, sync and connections. */
import { api } from './api';
import { errorMessage } from './errors';
import { i18n, LANGUAGES, t } from './i18n';
import type { Command } from './commands.svelte';
import { AREAS, route } from './pages';
import { router } from './router.svelte';
import { theme } from './theme.svelte';
import { toasts } from './toasts.svelte';
import { ui } from './ui.svelte';

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
export const MOD = isMac ? '⌘' : 'Ctrl+';

export async function syncAll(): Promise<void> {
  try {
    const { started } = await api().call('fleet:syncNow', {});
    toasts.success(started > 0 ? t('cmd.synced', { count: started }) : t('cmd.nothingToSync'));
  } catch (err) {
    toasts.error(t('cmd.syncFailed', { reason: errorMessage(err) }));
  }
}

/** A label that follows the current language: a getter, so the palette re-reads it when rendering. */
function cmd(key: 'cmd.guests' | 'cmd.alerts' | 'cmd.catalogue' | 'cmd.search' | 'cmd.sync' | 'cmd.running' | 'cmd.stopped' | 'cmd.addConnection' | 'cmd.themeToggle' | 'cmd.themeLight' | 'cmd.themeDark' | 'cmd.themeSystem' | 'cmd.back' | 'cmd.forward', rest: Omit<Command, 'label'>): Command {
  return Object.defineProperty(rest, 'label', { get: () => t(key), enumerable: true }) as Command;
}

export function appCommands(): Command[] {
  const pages: Command[] = AREAS.map((a) => ({
    id: `go:${a.id}`,
    get label() {
      return a.label;
    },
    group: 'Go to',
    icon: a.icon,
    get keywords() {
      return `${a.summary} ${a.id}`;
    },
    run: () => router.navigate(route(a.id)),
  }));
  pages.splice(
    1,
    0,
    cmd('cmd.guests', { id: 'go:guests', group: 'Go to', icon: 'guests', keywords: 'virtual machines containers VMs CTs list', run: () => router.navigate(route('guests')) }),
  );
  pages.push(
    cmd('cmd.alerts', {
      id: 'go:alerts',
      group: 'Go to',
      icon: 'bell',
      keywords: 'alarms notifications warnings critical acknowledge thresholds allarmi',
      run: () => router.navigate(route('alerts')),
    }),
  );
  return [
    ...pages,
    cmd('cmd.catalogue', {
      id: 'capacity:catalogue',
      group: 'Go to',
      icon: 'capacity',
      keywords: 'pool sizes vm sizes small medium large x-large edge host spec',
      run: () => router.navigate(route('capacity', { tab: 'catalogue' })),
    }),
    cmd('cmd.search', { id: 'search:open', group: 'Search', icon: 'search', shortcut: `${MOD}Shift+F`, keywords: 'find site host guest vmid', run: () => ui.openSearch() }),
    cmd('cmd.sync', { id: 'fleet:sync', group: 'Fleet', icon: 'refresh', keywords: 'refresh inventory', run: syncAll }),
    cmd('cmd.running', { id: 'fleet:running', group: 'Fleet', icon: 'guests', run: () => router.navigate(route('guests', { query: 'status:running' })) }),
    cmd('cmd.stopped', { id: 'fleet:stopped', group: 'Fleet', icon: 'guests', run: () => router.navigate(route('guests', { query: 'status:stopped' })) }),
    cmd('cmd.addConnection', {
      id: 'connections:add',
      group: 'Connections',
      icon: 'plus',
      keywords: 'cluster proxmox pve scmp token new',
      run: () => router.navigate(route('settings', { dialog: 'add-connection' })),
    }),
    cmd('cmd.themeToggle', { id: 'theme:toggle', group: 'View', icon: 'moon', keywords: 'dark mode colour', run: () => theme.toggle() }),
    cmd('cmd.themeLight', { id: 'theme:light', group: 'View', icon: 'sun', run: () => theme.set('light') }),
    cmd('cmd.themeDark', { id: 'theme:dark', group: 'View', icon: 'moon', run: () => theme.set('dark') }),
    cmd('cmd.themeSystem', { id: 'theme:system', group: 'View', icon: 'monitor', run: () => theme.set('system') }),
    ...LANGUAGES.map(
      (l): Command => ({
        id: `language:${l.id}`,
        get label() {
          return t('cmd.language', { name: l.name });
        },
        group: 'View',
        icon: 'monitor',
        keywords: 'language lingua english italiano',
        run: () => i18n.set(l.id),
      }),
    ),
    cmd('cmd.back', { id: 'nav:back', group: 'View', icon: 'back', shortcut: 'Alt+←', run: () => router.back() }),
    cmd('cmd.forward', { id: 'nav:forward', group: 'View', icon: 'forward', shortcut: 'Alt+→', run: () => router.forward() }),
  ];
}
