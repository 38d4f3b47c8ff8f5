/**
 * Migration 11: the operation journal. `ops_operations` and `ops_steps` hold
 * the current state (what the executor resumes from); `ops_events` is the
 * append-only history of every transition, never updated in place.
 */
export const OPERATIONS_MIGRATION_SQL = `
  CREATE TABLE ops_operations (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    batch_id TEXT,
    action TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    request TEXT NOT NULL,
    plan TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('planned','queued','running','succeeded','failed','cancelled','refused')),
    reason TEXT,
    waiting TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX ops_operations_state ON ops_operations(state, cluster_id, seq);
  CREATE INDEX ops_operations_batch ON ops_operations(batch_id) WHERE batch_id IS NOT NULL;
  CREATE TABLE ops_steps (
    op_id TEXT NOT NULL REFERENCES ops_operations(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','intent','submitted','done','failed','skipped')),
    upid TEXT,
    intent_at TEXT,
    finished_at TEXT,
    detail TEXT,
    PRIMARY KEY (op_id, idx)
  ) WITHOUT ROWID;
  CREATE TABLE ops_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id TEXT NOT NULL,
    idx INTEGER,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    data TEXT
  );
  CREATE INDEX ops_events_op ON ops_events(op_id, seq);
`;
