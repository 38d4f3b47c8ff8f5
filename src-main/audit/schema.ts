/**
 * The audit tables (migration 15 in store/migrations.ts). The entries
 * themselves are the leaves of the `ledger_audit` Merkle log (migration 3);
 * `audit_entries` mirrors each leaf's fields for filtering and search and is
 * append-only like the log. Checkpoints are signed by the installation's
 * audit key, whose private half lives in the OS keychain only.
 */
export const AUDIT_MIGRATION_SQL = `
  -- One row per ledger_audit leaf, seq = leaf index; written in the same transaction as the leaf.
  CREATE TABLE audit_entries (
    seq INTEGER PRIMARY KEY CHECK (seq >= 0),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    roles TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('desktop', 'browser', 'cli', 'test')),
    action TEXT NOT NULL,
    target TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    error TEXT,
    details TEXT NOT NULL
  );
  CREATE INDEX audit_entries_at ON audit_entries(at);
  CREATE TRIGGER audit_entries_in_order BEFORE INSERT ON audit_entries
    WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entries)
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: entries are added at the next index'); END;
  CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: rows are never updated'); END;
  CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only: rows are never deleted'); END;

  -- Public halves of the audit log keys (C2SP verifier keys).
  CREATE TABLE audit_keys (
    key_id TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  -- Signed checkpoints, one per log size that was exported or asked for.
  CREATE TABLE audit_checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
  CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
`;
