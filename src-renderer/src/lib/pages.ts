/**
 * Every page of the console: its route id, label, sidebar area and icon.
 * The sidebar, the command palette and the router all read this one list.
 */
import type { AlertFilterState } from '../../../src-preload/contract';
import type { IconName } from '../components/icons';

export interface RouteParams {
  fleet: Record<string, never>;
  guests: { query?: string };
  site: { siteId: string };
  host: { clusterId: string; node: string; vmid?: number };
  /** Optionally open a site's map with a capacity what-if drawn on it. */
  topology: { siteId?: string; lose?: { kind: 'host'; clusterId: string; node: string } | { kind: 'site'; siteId: string } };
  capacity: { tab?: CapacityTab };
  operations: Record<string, never>;
  attestation: Record<string, never>;
  custody: Record<string, never>;
  'sites-power': Record<string, never>;
  audit: Record<string, never>;
  settings: { dialog?: 'add-connection' };
  /** Fleet-wide alerts (reached from the status bar and the palette, not the sidebar). */
  alerts: { state?: AlertFilterState };
}

/** The views of the Capacity page (the catalogue is reachable from the command palette). */
export type CapacityTab = 'overview' | 'what-if' | 'advisor' | 'sizing' | 'catalogue';

export type PageId = keyof RouteParams;
export type Route<P extends PageId = PageId> = { [K in P]: { page: K; params: RouteParams[K] } }[P];

/** Sidebar areas, in order. */
export type AreaId = 'fleet' | 'topology' | 'capacity' | 'operations' | 'attestation' | 'custody' | 'sites-power' | 'audit' | 'settings';

export interface Area {
  id: AreaId;
  label: string;
  icon: IconName;
  /** One line for the command palette. */
  summary: string;
}

export const AREAS: readonly Area[] = [
  { id: 'fleet', label: 'Fleet', icon: 'fleet', summary: 'Sites, clusters, hosts and guests' },
  { id: 'topology', label: 'Topology', icon: 'topology', summary: 'How sites, clusters and networks connect' },
  { id: 'capacity', label: 'Capacity', icon: 'capacity', summary: 'Headroom and quotas per pool and tenant' },
  { id: 'operations', label: 'Operations', icon: 'operations', summary: 'Tasks, migrations, backups' },
  { id: 'attestation', label: 'Attestation', icon: 'attestation', summary: 'Remote attestation of confidential hosts and guests' },
  { id: 'custody', label: 'Custody', icon: 'custody', summary: 'Bulk data transfer appliances and chain of custody' },
  { id: 'sites-power', label: 'Sites & Power', icon: 'power', summary: 'Racks, power draw and cooling at each site' },
  { id: 'audit', label: 'Audit', icon: 'audit', summary: 'Append-only audit trail and reports' },
  { id: 'settings', label: 'Settings', icon: 'settings', summary: 'Connections, theme, sync, secret store' },
];

/** Which sidebar area a page belongs to. */
export function areaOf(page: PageId): AreaId {
  switch (page) {
    case 'guests':
    case 'site':
    case 'host':
    case 'alerts':
      return 'fleet';
    default:
      return page;
  }
}

export function route<P extends PageId>(page: P, ...params: Record<string, never> extends RouteParams[P] ? [RouteParams[P]?] : [RouteParams[P]]): Route<P> {
  return { page, params: (params[0] ?? {}) as RouteParams[P] } as Route<P>;
}

export function routeTitle(r: Route): string {
  switch (r.page) {
    case 'guests':
      return 'Guests';
    case 'site':
      return `Site ${r.params.siteId.replace(/^site:/, '')}`;
    case 'host':
      return `Host ${r.params.node}`;
    case 'alerts':
      return 'Alerts';
    default:
      return AREAS.find((a) => a.id === r.page)?.label ?? r.page;
  }
}
