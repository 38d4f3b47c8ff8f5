/**
 * Alert tables (migration 8). `alerts` is the current state, one row per
 * alert (a recurrence after resolution is a new row); at most one row per
 * key is unresolved, which the partial unique index enforces whatever the
 * code does. `alert_events` is the append-only history of every transition.
 */
export const ALERTS_MIGRATION_SQL = `
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
    state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    subject TEXT NOT NULL,
    -- Denormalised from subject for filtering and search.
    site_name TEXT,
    cluster_name TEXT,
    node TEXT,
    message TEXT NOT NULL,
    value REAL,
    threshold REAL,
    unit TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    occurrences INTEGER NOT NULL DEFAULT 1,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    ack_note TEXT,
    resolved_at TEXT
  );
  CREATE UNIQUE INDEX alerts_one_unresolved_per_key ON alerts(key) WHERE state <> 'resolved';
  CREATE INDEX alerts_state ON alerts(state, severity, raised_at);
  CREATE INDEX alerts_resolved_at ON alerts(resolved_at) WHERE state = 'resolved';

  CREATE TABLE alert_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    at TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('raised', 'escalated', 'deescalated', 'acknowledged', 'resolved')),
    severity TEXT NOT NULL,
    value REAL,
    actor TEXT,
    note TEXT
  );
  CREATE INDEX alert_events_alert ON alert_events(alert_id, seq);
  CREATE TRIGGER alert_events_append_only_update BEFORE UPDATE ON alert_events
    BEGIN SELECT RAISE(ABORT, 'alert_events is append-only'); END;
  CREATE TRIGGER alert_events_append_only_delete BEFORE DELETE ON alert_events
    BEGIN SELECT RAISE(ABORT, 'alert_events is append-only'); END;
`;
