/** How alerts read in the console: kind labels, subjects and their pages, values. */
import { t } from '../../lib/i18n';
import type { AlertDto, AlertSubject } from '../../../../src-preload/contract';
import { route, type Route } from '../../lib/pages';

/** The kinds the engine raises today; their labels are in the catalogues (`alerts.kind.*`). */
export const KNOWN_KINDS = ['sync-failing', 'stale', 'host-offline', 'host-cpu', 'host-memory', 'host-disk', 'storage', 'pool-cpu', 'pool-memory', 'pool-storage', 'forecast'] as const;
type KnownKind = (typeof KNOWN_KINDS)[number];

const isKnown = (kind: string): kind is KnownKind => (KNOWN_KINDS as readonly string[]).includes(kind);

export function kindLabel(kind: string): string {
  return isKnown(kind) ? t(`alerts.kind.${kind}`) : kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function subjectLabel(s: AlertSubject): string {
  const site = s.siteName ?? s.siteId?.replace(/^site:/, '') ?? null;
  switch (s.kind) {
    case 'host':
      return [s.node, s.clusterName, site].filter(Boolean).join(' · ');
    case 'storage':
      return [s.storage, s.node ?? t('alerts.shared'), s.clusterName].filter(Boolean).join(' · ');
    case 'site':
      return site ?? '—';
    default:
      return [s.clusterName, site].filter(Boolean).join(' · ');
  }
}

/** The page that shows the subject: a host's page, else its site's page (clusters and storage live there). */
export function subjectRoute(s: AlertSubject): Route | null {
  if (s.kind === 'host' && s.clusterId && s.node) return route('host', { clusterId: s.clusterId, node: s.node });
  if (s.siteId) return route('site', { siteId: s.siteId });
  return null;
}

export function valueText(a: Pick<AlertDto, 'value' | 'threshold' | 'unit'>): string {
  if (a.value === null) return '—';
  // Counted units read singular for one ("1 failure", "1 day").
  const unitFor = (n: number) => (a.unit === '%' ? ' %' : a.unit ? ` ${n === 1 ? a.unit.replace(/s$/, '') : a.unit}` : '');
  const v = `${Number.isInteger(a.value) ? a.value : a.value.toFixed(1)}${unitFor(a.value)}`;
  if (a.threshold === null) return v;
  const cmp = a.unit === 'days' ? '≤' : '≥';
  return `${v} (${cmp} ${a.threshold}${unitFor(a.threshold)})`;
}
