/**
 * The window's view of alerting: the active counts (status-bar badge), a
 * change counter pages watch to reload, and the in-app notification of
 * alerts that became critical. Notifications come only from pushed
 * `alerts:onChanged` events, which the main process sends when something
 * was raised, escalated or resolved — never for a re-evaluation that
 * changed nothing — and never for alerts that were already open at start.
 */
import { t } from '../../lib/i18n';
import type { AlertChanged, AlertCounts, AlertDto } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { toasts } from '../../lib/toasts.svelte';
import { subjectLabel } from './format';

const EMPTY: AlertCounts = { open: 0, acknowledged: 0, critical: 0, warning: 0, openCritical: 0 };

export function criticalNotice(newlyCritical: AlertDto[], total: number): string | null {
  if (newlyCritical.length === 0) return null;
  const first = newlyCritical[0]!;
  const more = total - 1;
  // Sync errors can carry whole certificate fingerprints: a notice names the problem, the list has the rest.
  const message = first.message.length > 140 ? `${first.message.slice(0, 139)}…` : first.message;
  const subject = subjectLabel(first.subject);
  return more > 0 ? t('alerts.noticeMore', { message, subject, more }) : t('alerts.notice', { message, subject });
}

export class AlertsState {
  counts = $state.raw<AlertCounts | null>(null);
  /** Bumped by every pushed change; the alerts page reloads on it. */
  version = $state(0);

  get active(): number {
    const c = this.counts ?? EMPTY;
    return c.open + c.acknowledged;
  }

  async refresh(): Promise<void> {
    try {
      this.counts = (await api().call('alerts:list', { limit: 0 })).counts;
    } catch {
      // The badge keeps its last counts; the transport's loss is shown by the status bar.
    }
  }

  apply(change: AlertChanged): void {
    this.counts = change.counts;
    this.version++;
    const raisedCritical = change.raised.filter((a) => a.severity === 'critical');
    const newlyCritical = [...raisedCritical, ...change.escalated];
    // The event carries at most 20 raised alerts, critical first: when all it carries are critical, the rest may be too.
    const unseen = raisedCritical.length === change.raised.length ? change.raisedTotal - change.raised.length : 0;
    const notice = criticalNotice(newlyCritical, newlyCritical.length + unseen);
    if (notice) toasts.error(notice);
  }

  /** Subscribe and load the counts; returns the teardown. */
  start(): () => void {
    const client = api();
    const offs = [
      client.on('alerts:onChanged', (c) => this.apply(c)),
      client.onTransportChange((up) => {
        if (up) void this.refresh();
      }),
    ];
    void this.refresh();
    return () => {
      for (const off of offs) off();
    };
  }

  reset(): void {
    this.counts = null;
    this.version = 0;
  }
}

export const alertsState = new AlertsState();
