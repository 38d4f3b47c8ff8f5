/**
 * Every page of the console: its route id, label, sidebar area and icon.
 * The sidebar, the command palette and the router all read this one list.
 */
import type { AlertFilterState } from '../../../src-preload/contract';
import type { IconName } from '../components/icons';
import { t } from './i18n';

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

/** An area whose label and summary follow the current language (read them in a template or `$derived`). */
function area(id: AreaId, icon: IconName): Area {
  return {
    id,
    icon,
    get label() {
      return t(`area.${id}`);
    },
    get summary() {
      return t(`area.${id}.summary`);
    },
  };
}

export const AREAS: readonly Area[] = [
  area('fleet', 'fleet'),
  area('topology', 'topology'),
  area('capacity', 'capacity'),
  area('operations', 'operations'),
  area('attestation', 'attestation'),
  area('custody', 'custody'),
  area('sites-power', 'power'),
  area('audit', 'audit'),
  area('settings', 'settings'),
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
      return t('page.guests');
    case 'site':
      return t('page.site', { name: r.params.siteId.replace(/^site:/, '') });
    case 'host':
      return t('page.host', { name: r.params.node });
    case 'alerts':
      return t('page.alerts');
    default:
      return AREAS.find((a) => a.id === r.page)?.label ?? r.page;
  }
}
