/**
 * Migration 16: the offline field log and the central merge record.
 *
 * On a field laptop, events recorded while offline go into their own Merkle
 * log (`ledger_custody_field`, its own origin and log key) with the event
 * rows and signed checkpoints beside it. On the central console, every field
 * log ever merged is pinned to its log key, every field checkpoint seen is
 * kept (the next import must be consistent with all of them), and every
 * merge and merged event is recorded. All append-only, like the rest of
 * custody.
 */
import { ledgerMigrationSql } from '../ledger';

export const FIELD_LOG_PREFIX = 'ledger_custody_field';

const appendOnly = (table: string) => `
  CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only: rows are never updated'); END;
  CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only: rows are never deleted'); END;`;

export const CUSTODY_FIELD_MIGRATION_SQL = `${ledgerMigrationSql(FIELD_LOG_PREFIX)}
  -- Field side: one row per event recorded offline; leaf_index is its place in ledger_custody_field.
  CREATE TABLE custody_field_events (
    leaf_index INTEGER PRIMARY KEY CHECK (leaf_index >= 0),
    appliance_id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 0),
    body TEXT NOT NULL,
    event_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key_id TEXT NOT NULL REFERENCES custody_keys(key_id),
    UNIQUE (appliance_id, seq)
  );
  CREATE TRIGGER custody_field_events_in_order BEFORE INSERT ON custody_field_events
    WHEN NEW.leaf_index IS NOT (SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM custody_field_events)
    BEGIN SELECT RAISE(ABORT, 'custody_field_events is append-only: events are added at the next index'); END;
  CREATE TABLE custody_field_checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 1),
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TRIGGER custody_field_checkpoints_write_once BEFORE INSERT ON custody_field_checkpoints WHEN EXISTS (SELECT 1 FROM custody_field_checkpoints WHERE size = NEW.size)
    BEGIN SELECT RAISE(ABORT, 'custody_field_checkpoints is append-only: a checkpoint is recorded once'); END;

  -- Central side: each field log is pinned to the log key it was first merged with.
  CREATE TABLE custody_field_logs (
    origin TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    first_merged_at TEXT NOT NULL
  );
  CREATE TRIGGER custody_field_logs_write_once BEFORE INSERT ON custody_field_logs WHEN EXISTS (SELECT 1 FROM custody_field_logs WHERE origin = NEW.origin)
    BEGIN SELECT RAISE(ABORT, 'custody_field_logs is append-only: a field log is pinned once'); END;
  -- Every field checkpoint accepted; a later import must be consistent with each.
  CREATE TABLE custody_field_seen (
    origin TEXT NOT NULL REFERENCES custody_field_logs(origin),
    size INTEGER NOT NULL CHECK (size >= 1),
    root_hash TEXT NOT NULL,
    note TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (origin, size)
  ) WITHOUT ROWID;
  CREATE TRIGGER custody_field_seen_write_once BEFORE INSERT ON custody_field_seen WHEN EXISTS (SELECT 1 FROM custody_field_seen WHERE origin = NEW.origin AND size = NEW.size)
    BEGIN SELECT RAISE(ABORT, 'custody_field_seen is append-only: a checkpoint is recorded once'); END;
  -- Every merge attempt, accepted or refused, with the report the operator was shown.
  CREATE TABLE custody_merges (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    field_size INTEGER NOT NULL,
    accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    appended INTEGER NOT NULL,
    merged_at TEXT NOT NULL,
    merged_by TEXT NOT NULL,
    report TEXT NOT NULL
  );
  CREATE TRIGGER custody_merges_in_order BEFORE INSERT ON custody_merges
    WHEN NEW.id IS NOT (SELECT COALESCE(MAX(id) + 1, 1) FROM custody_merges)
    BEGIN SELECT RAISE(ABORT, 'custody_merges is append-only: merges are added at the next id'); END;
  -- Which field event became which central event: a field event is merged once.
  CREATE TABLE custody_merged_events (
    origin TEXT NOT NULL,
    field_leaf_index INTEGER NOT NULL CHECK (field_leaf_index >= 0),
    field_event_sha256 TEXT NOT NULL,
    appliance_id TEXT NOT NULL REFERENCES custody_appliances(id),
    central_seq INTEGER NOT NULL,
    central_leaf_index INTEGER NOT NULL UNIQUE,
    merge_id INTEGER NOT NULL REFERENCES custody_merges(id),
    PRIMARY KEY (origin, field_leaf_index)
  ) WITHOUT ROWID;
  CREATE TRIGGER custody_merged_events_write_once BEFORE INSERT ON custody_merged_events
    WHEN EXISTS (SELECT 1 FROM custody_merged_events WHERE origin = NEW.origin AND field_leaf_index = NEW.field_leaf_index)
    BEGIN SELECT RAISE(ABORT, 'custody_merged_events is append-only: a field event is merged once'); END;
${['custody_field_events', 'custody_field_checkpoints', 'custody_field_logs', 'custody_field_seen', 'custody_merges', 'custody_merged_events'].map(appendOnly).join('')}
`;
