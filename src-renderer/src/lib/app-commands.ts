/** The global commands: every page, theme, search, sync and connections. */
import { api } from './api';
import { errorMessage } from './errors';
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
    toasts.success(started > 0 ? `Synced ${started} cluster${started === 1 ? '' : 's'}` : 'No clusters to sync');
  } catch (err) {
    toasts.error(`Sync failed: ${errorMessage(err)}`);
  }
}

export function appCommands(): Command[] {
  const pages: Command[] = AREAS.map((a) => ({
    id: `go:${a.id}`,
    label: a.label,
    group: 'Go to',
    icon: a.icon,
    keywords: a.summary,
    run: () => router.navigate(route(a.id)),
  }));
  pages.splice(1, 0, {
    id: 'go:guests',
    label: 'Guests',
    group: 'Go to',
    icon: 'guests',
    keywords: 'virtual machines containers VMs CTs list',
    run: () => router.navigate(route('guests')),
  });
  pages.push({
    id: 'go:alerts',
    label: 'Alerts',
    group: 'Go to',
    icon: 'bell',
    keywords: 'alarms notifications warnings critical acknowledge thresholds',
    run: () => router.navigate(route('alerts')),
  });
  return [
    ...pages,
    {
      id: 'capacity:catalogue',
      label: 'Service catalogue',
      group: 'Go to',
      icon: 'capacity',
      keywords: 'pool sizes vm sizes small medium large x-large edge host spec',
      run: () => router.navigate(route('capacity', { tab: 'catalogue' })),
    },
    { id: 'search:open', label: 'Search the fleet…', group: 'Search', icon: 'search', shortcut: `${MOD}Shift+F`, keywords: 'find site host guest vmid', run: () => ui.openSearch() },
    { id: 'fleet:sync', label: 'Sync all clusters now', group: 'Fleet', icon: 'refresh', keywords: 'refresh inventory', run: syncAll },
    {
      id: 'fleet:running',
      label: 'Show running guests',
      group: 'Fleet',
      icon: 'guests',
      run: () => router.navigate(route('guests', { query: 'status:running' })),
    },
    {
      id: 'fleet:stopped',
      label: 'Show stopped guests',
      group: 'Fleet',
      icon: 'guests',
      run: () => router.navigate(route('guests', { query: 'status:stopped' })),
    },
    {
      id: 'connections:add',
      label: 'Add connection…',
      group: 'Connections',
      icon: 'plus',
      keywords: 'cluster proxmox pve scmp token new',
      run: () => router.navigate(route('settings', { dialog: 'add-connection' })),
    },
    { id: 'theme:toggle', label: 'Toggle light / dark theme', group: 'View', icon: 'moon', keywords: 'dark mode colour', run: () => theme.toggle() },
    { id: 'theme:light', label: 'Theme: light', group: 'View', icon: 'sun', run: () => theme.set('light') },
    { id: 'theme:dark', label: 'Theme: dark', group: 'View', icon: 'moon', run: () => theme.set('dark') },
    { id: 'theme:system', label: 'Theme: follow system', group: 'View', icon: 'monitor', run: () => theme.set('system') },
    { id: 'nav:back', label: 'Go back', group: 'View', icon: 'back', shortcut: 'Alt+←', run: () => router.back() },
    { id: 'nav:forward', label: 'Go forward', group: 'View', icon: 'forward', shortcut: 'Alt+→', run: () => router.forward() },
  ];
}
