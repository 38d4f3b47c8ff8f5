/**
 * The custody tables (one numbered migration in store/migrations.ts). All
 * are append-only: triggers refuse UPDATE and DELETE, so history is never
 * rewritten in place; an appliance's state is its latest event. The leaf
 * bytes themselves live in the `ledger_custody` Merkle log (migration 3).
 */
export const CUSTODY_MIGRATION_SQL = `
  -- This installation's custody log identity; origin = 'cairn.custody/' || install_id.
  CREATE TABLE custody_install (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    install_id TEXT NOT NULL
  );
  INSERT INTO custody_install (id, install_id) VALUES (1, lower(hex(randomblob(8))));

  -- Public halves of the signing keys (C2SP verifier keys). Private halves live in the OS keychain only.
  CREATE TABLE custody_keys (
    key_id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL CHECK (purpose IN ('event', 'log')),
    vkey TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  CREATE TABLE custody_jobs (
    id TEXT PRIMARY KEY,
    customer TEXT NOT NULL,
    tenant TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('import', 'export')),
    data_volume_bytes INTEGER NOT NULL CHECK (data_volume_bytes >= 0),
    origin_site TEXT NOT NULL,
    destination_site TEXT NOT NULL,
    reference TEXT,
    created_at TEXT NOT NULL
  );

  -- The registry: what the appliance is. Where it is and what happened to it is in custody_events.
  -- encryption_key_id and kms_key_ref identify the customer key; the key itself is never stored.
  CREATE TABLE custody_appliances (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES custody_jobs(id),
    serial TEXT NOT NULL,
    model TEXT NOT NULL,
    capacity_bytes INTEGER NOT NULL CHECK (capacity_bytes >= 0),
    firmware_version TEXT NOT NULL,
    security_module_id TEXT NOT NULL,
    encryption_key_id TEXT NOT NULL,
    kms_key_ref TEXT NOT NULL,
    registered_at TEXT NOT NULL
  );
  CREATE INDEX custody_appliances_job ON custody_appliances(job_id);
  CREATE INDEX custody_appliances_serial ON custody_appliances(serial);

  -- One row per signed event; body is the canonical JSON that was signed.
  CREATE TABLE custody_events (
    appliance_id TEXT NOT NULL REFERENCES custody_appliances(id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    to_state TEXT NOT NULL,
    at TEXT NOT NULL,
    body TEXT NOT NULL,
    event_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key_id TEXT NOT NULL REFERENCES custody_keys(key_id),
    leaf_index INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (appliance_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX custody_events_leaf ON custody_events(leaf_index);

  -- Every checkpoint signed after a batch, as the signed note text.
  CREATE TABLE custody_checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 1),
    note TEXT NOT NULL,
    created_at TEXT NOT NULL
  );

  -- Events arrive in order per appliance (this also stops INSERT OR REPLACE).
  CREATE TRIGGER custody_events_in_order BEFORE INSERT ON custody_events
    WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM custody_events WHERE appliance_id = NEW.appliance_id)
    BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: events are added at the next seq'); END;
  -- Write-once ids: INSERT OR REPLACE would otherwise delete the old row without firing a DELETE trigger.
  CREATE TRIGGER custody_keys_write_once BEFORE INSERT ON custody_keys WHEN EXISTS (SELECT 1 FROM custody_keys WHERE key_id = NEW.key_id)
    BEGIN SELECT RAISE(ABORT, 'custody_keys is append-only: a key is recorded once'); END;
  CREATE TRIGGER custody_jobs_write_once BEFORE INSERT ON custody_jobs WHEN EXISTS (SELECT 1 FROM custody_jobs WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'custody_jobs is append-only: a job is recorded once'); END;
  CREATE TRIGGER custody_appliances_write_once BEFORE INSERT ON custody_appliances WHEN EXISTS (SELECT 1 FROM custody_appliances WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'custody_appliances is append-only: an appliance is recorded once'); END;
  CREATE TRIGGER custody_checkpoints_write_once BEFORE INSERT ON custody_checkpoints WHEN EXISTS (SELECT 1 FROM custody_checkpoints WHERE size = NEW.size)
    BEGIN SELECT RAISE(ABORT, 'custody_checkpoints is append-only: a checkpoint is recorded once'); END;
  CREATE TRIGGER custody_install_write_once BEFORE INSERT ON custody_install WHEN EXISTS (SELECT 1 FROM custody_install)
    BEGIN SELECT RAISE(ABORT, 'custody_install is written once'); END;
  CREATE TRIGGER custody_install_no_update BEFORE UPDATE ON custody_install BEGIN SELECT RAISE(ABORT, 'custody_install is never updated'); END;
  CREATE TRIGGER custody_install_no_delete BEFORE DELETE ON custody_install BEGIN SELECT RAISE(ABORT, 'custody_install is never deleted'); END;
  CREATE TRIGGER custody_keys_no_update BEFORE UPDATE ON custody_keys BEGIN SELECT RAISE(ABORT, 'custody_keys is append-only: rows are never updated'); END;
  CREATE TRIGGER custody_keys_no_delete BEFORE DELETE ON custody_keys BEGIN SELECT RAISE(ABORT, 'custody_keys is append-only: rows are never deleted'); END;
  CREATE TRIGGER custody_jobs_no_update BEFORE UPDATE ON custody_jobs BEGIN SELECT RAISE(ABORT, 'custody_jobs is append-only: rows are never updated'); END;
  CREATE TRIGGER custody_jobs_no_delete BEFORE DELETE ON custody_jobs BEGIN SELECT RAISE(ABORT, 'custody_jobs is append-only: rows are never deleted'); END;
  CREATE TRIGGER custody_appliances_no_update BEFORE UPDATE ON custody_appliances BEGIN SELECT RAISE(ABORT, 'custody_appliances is append-only: rows are never updated'); END;
  CREATE TRIGGER custody_appliances_no_delete BEFORE DELETE ON custody_appliances BEGIN SELECT RAISE(ABORT, 'custody_appliances is append-only: rows are never deleted'); END;
  CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: rows are never updated'); END;
  CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: rows are never deleted'); END;
  CREATE TRIGGER custody_checkpoints_no_update BEFORE UPDATE ON custody_checkpoints BEGIN SELECT RAISE(ABORT, 'custody_checkpoints is append-only: rows are never updated'); END;
  CREATE TRIGGER custody_checkpoints_no_delete BEFORE DELETE ON custody_checkpoints BEGIN SELECT RAISE(ABORT, 'custody_checkpoints is append-only: rows are never deleted'); END;
`;

/**
 * Migration 20: custody_events as a rowid table in log order (leaf_index is
 * the rowid) with (appliance_id, seq) as a unique index, instead of a
 * WITHOUT ROWID table clustered on (appliance_id, seq). Rows are ~1 KB
 * (the signed body) and appliance ids are random, so each batch used to
 * insert into pages all over the tree, splitting them: ~40 µs per event of
 * insert and commit, against ~7 in log order. The duplicate index on
 * leaf_index goes too, and so does the body column: the signed body is
 * stored once, inside the event's leaf in ledger_custody_leaves (whose
 * bytes the log commits to), and read back from there. Same rows
 * otherwise, same append-only triggers.
 */
export const CUSTODY_EVENTS_IN_LOG_ORDER_SQL = `
  CREATE TABLE custody_events_in_log_order (
    leaf_index INTEGER PRIMARY KEY CHECK (leaf_index >= 0),
    appliance_id TEXT NOT NULL REFERENCES custody_appliances(id),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    to_state TEXT NOT NULL,
    at TEXT NOT NULL,
    event_sha256 TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key_id TEXT NOT NULL REFERENCES custody_keys(key_id),
    UNIQUE (appliance_id, seq)
  );
  INSERT INTO custody_events_in_log_order (leaf_index, appliance_id, seq, to_state, at, event_sha256, signature, public_key_id)
    SELECT leaf_index, appliance_id, seq, to_state, at, event_sha256, signature, public_key_id FROM custody_events ORDER BY leaf_index;
  DROP TABLE custody_events;
  ALTER TABLE custody_events_in_log_order RENAME TO custody_events;
  CREATE TRIGGER custody_events_in_order BEFORE INSERT ON custody_events
    WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM custody_events WHERE appliance_id = NEW.appliance_id)
    BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: events are added at the next seq'); END;
  CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: rows are never updated'); END;
  CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events BEGIN SELECT RAISE(ABORT, 'custody_events is append-only: rows are never deleted'); END;
`;
