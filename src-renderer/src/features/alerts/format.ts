/** How alerts read in the console: kind labels, subjects and their pages, values. */
import type { AlertDto, AlertSubject } from '../../../../src-preload/contract';
import { route, type Route } from '../../lib/pages';

const KIND_LABELS: Record<string, string> = {
  'sync-failing': 'Sync failing',
  stale: 'Stale cluster',
  'host-offline': 'Host offline',
  'host-cpu': 'Host CPU',
  'host-memory': 'Host memory',
  'host-disk': 'Host root disk',
  storage: 'Storage',
  'pool-cpu': 'Pool CPU',
  'pool-memory': 'Pool memory',
  'pool-storage': 'Pool storage',
  forecast: 'Capacity forecast',
};

export const KNOWN_KINDS = Object.keys(KIND_LABELS);

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function subjectLabel(s: AlertSubject): string {
  const site = s.siteName ?? s.siteId?.replace(/^site:/, '') ?? null;
  switch (s.kind) {
    case 'host':
      return [s.node, s.clusterName, site].filter(Boolean).join(' · ');
    case 'storage':
      return [s.storage, s.node ?? 'shared', s.clusterName].filter(Boolean).join(' · ');
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
