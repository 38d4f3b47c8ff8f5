/**
 * Alerts in SQLite: the current-state rows and their append-only event
 * history. Every method that changes state writes the row and its event in
 * one transaction (the caller may wrap several in a larger one).
 */
import type { AlertCounts, AlertDto, AlertList, AlertSeverity, AlertState, AlertSubject } from '../../src-preload/contract';
import { AlertSubjectSchema, AlertListQuerySchema } from '../../src-preload/contract';
import type { Db } from '../store/database';
import type { ActiveAlert } from './lifecycle';
import type { Finding } from './types';
import type { z } from 'zod';

interface AlertRow {
  id: number;
  key: string;
  source: string;
  kind: string;
  severity: AlertSeverity;
  state: AlertState;
  subject: string;
  message: string;
  value: number | null;
  threshold: number | null;
  unit: string;
  raised_at: string;
  last_seen_at: string;
  occurrences: number;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  ack_note: string | null;
  resolved_at: string | null;
}

export type AlertEventType = 'raised' | 'escalated' | 'deescalated' | 'acknowledged' | 'resolved';

export interface AlertEvent {
  seq: number;
  alertId: number;
  at: string;
  type: AlertEventType;
  severity: AlertSeverity;
  value: number | null;
  actor: string | null;
  note: string | null;
}

const UNKNOWN_SUBJECT: AlertSubject = { kind: 'cluster', siteId: null, siteName: null, clusterId: null, clusterName: null, node: null, storage: null };

function toDto(r: AlertRow): AlertDto {
  let subject = UNKNOWN_SUBJECT;
  try {
    const parsed = AlertSubjectSchema.safeParse(JSON.parse(r.subject));
    if (parsed.success) subject = parsed.data;
  } catch {
    // A damaged subject still lists the alert (its message names the subject).
  }
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    severity: r.severity,
    state: r.state,
    subject,
    message: r.message,
    value: r.value,
    threshold: r.threshold,
    unit: r.unit,
    raisedAt: r.raised_at,
    lastSeenAt: r.last_seen_at,
    occurrences: r.occurrences,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    ackNote: r.ack_note,
    resolvedAt: r.resolved_at,
  };
}

export function thresholdOf(f: Finding, severity: AlertSeverity): number | null {
  return f.levels ? f.levels[severity] : null;
}

type ListQuery = z.output<typeof AlertListQuerySchema>;

export class AlertRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      active: db.prepare(`SELECT id, key, source, severity FROM alerts WHERE state <> 'resolved'`),
      get: db.prepare(`SELECT * FROM alerts WHERE id = ?`),
      insert: db.prepare(
        `INSERT INTO alerts (key, source, kind, severity, state, subject, site_name, cluster_name, node, message, value, threshold, unit, raised_at, last_seen_at)
         VALUES (@key, @source, @kind, @severity, 'open', @subject, @siteName, @clusterName, @node, @message, @value, @threshold, @unit, @at, @at)`,
      ),
      update: db.prepare(
        `UPDATE alerts SET severity = @severity, message = @message, value = @value, threshold = @threshold, subject = @subject,
                site_name = @siteName, cluster_name = @clusterName, node = @node, last_seen_at = @at, occurrences = occurrences + 1
         WHERE id = @id AND state <> 'resolved'`,
      ),
      resolve: db.prepare(`UPDATE alerts SET state = 'resolved', resolved_at = ? WHERE id = ? AND state <> 'resolved'`),
      acknowledge: db.prepare(
        `UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, ack_note = ? WHERE id = ? AND state = 'open'`,
      ),
      event: db.prepare(`INSERT INTO alert_events (alert_id, at, type, severity, value, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      events: db.prepare(`SELECT seq, alert_id AS alertId, at, type, severity, value, actor, note FROM alert_events WHERE alert_id = ? ORDER BY seq`),
      counts: db.prepare(
        `SELECT COALESCE(SUM(state = 'open'), 0) AS open, COALESCE(SUM(state = 'acknowledged'), 0) AS acknowledged,
                COALESCE(SUM(severity = 'critical'), 0) AS critical, COALESCE(SUM(severity = 'warning'), 0) AS warning,
                COALESCE(SUM(severity = 'critical' AND state = 'open'), 0) AS openCritical
         FROM alerts WHERE state <> 'resolved'`,
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  active(): ActiveAlert[] {
    return this.s.active.all() as ActiveAlert[];
  }

  get(id: number): AlertDto | null {
    const r = this.s.get.get(id) as AlertRow | undefined;
    return r ? toDto(r) : null;
  }

  raise(source: string, f: Finding, severity: AlertSeverity, at: string): number {
    const info = this.s.insert.run({
      key: f.key,
      source,
      kind: f.kind,
      severity,
      subject: JSON.stringify(f.subject),
      siteName: f.subject.siteName,
      clusterName: f.subject.clusterName,
      node: f.subject.node,
      message: f.message,
      value: f.value,
      threshold: thresholdOf(f, severity),
      unit: f.unit,
      at,
    });
    const id = Number(info.lastInsertRowid);
    this.s.event.run(id, at, 'raised', severity, f.value, null, null);
    return id;
  }

  update(id: number, f: Finding, severity: AlertSeverity, previous: AlertSeverity, at: string): void {
    this.s.update.run({
      id,
      severity,
      message: f.message,
      value: f.value,
      threshold: thresholdOf(f, severity),
      subject: JSON.stringify(f.subject),
      siteName: f.subject.siteName,
      clusterName: f.subject.clusterName,
      node: f.subject.node,
      at,
    });
    // Value changes are not history (they would write a row per alert per evaluation); level changes are.
    if (severity !== previous) this.s.event.run(id, at, severity === 'critical' ? 'escalated' : 'deescalated', severity, f.value, null, null);
  }

  resolve(id: number, at: string): void {
    const before = this.s.get.get(id) as AlertRow | undefined;
    if (!before || before.state === 'resolved') return;
    this.s.resolve.run(at, id);
    this.s.event.run(id, at, 'resolved', before.severity, before.value, null, null);
  }

  /** Returns false when the alert is not open (already acknowledged, or resolved). */
  acknowledge(id: number, by: string, note: string | null, at: string): boolean {
    return this.transaction(() => {
      const changed = this.s.acknowledge.run(at, by, note, id).changes > 0;
      if (changed) {
        const r = this.s.get.get(id) as AlertRow;
        this.s.event.run(id, at, 'acknowledged', r.severity, r.value, by, note);
      }
      return changed;
    });
  }

  events(id: number): AlertEvent[] {
    return this.s.events.all(id) as AlertEvent[];
  }

  counts(): AlertCounts {
    return this.s.counts.get() as AlertCounts;
  }

  list(q: ListQuery): AlertList {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.state === 'active') where.push(`state <> 'resolved'`);
    else if (q.state !== 'all') {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.severity) {
      where.push('severity = ?');
      params.push(q.severity);
    }
    if (q.kind) {
      where.push('kind = ?');
      params.push(q.kind);
    }
    const text = q.query.trim();
    if (text) {
      const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(`(message LIKE ? ESCAPE '\\' OR key LIKE ? ESCAPE '\\' OR site_name LIKE ? ESCAPE '\\' OR cluster_name LIKE ? ESCAPE '\\' OR node LIKE ? ESCAPE '\\')`);
      params.push(like, like, like, like, like);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // Unresolved first, worst first, newest first; history by when it ended.
    const order =
      q.state === 'resolved'
        ? 'ORDER BY resolved_at DESC, id DESC'
        : `ORDER BY state = 'resolved', severity = 'critical' DESC, state = 'open' DESC, raised_at DESC, id DESC`;
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM alerts ${clause}`).get(...params) as { n: number }).n;
    const rows =
      q.limit === 0 ? [] : (this.db.prepare(`SELECT * FROM alerts ${clause} ${order} LIMIT ? OFFSET ?`).all(...params, q.limit, q.offset) as AlertRow[]);
    return { total, rows: rows.map(toDto), counts: this.counts() };
  }
}
