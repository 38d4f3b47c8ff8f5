/**
 * The survey tables (migration 10 in store/migrations.ts).
 *
 * `surveys` is the mutable projection (name, head revision); the history is
 * `survey_revisions`, append-only and content-addressed: a revision id is
 * the SHA-256 of its survey id, parents and canonical content, so two
 * machines that hold the same version name it the same way and a bundle's
 * ancestry can be matched against the local history. Signatures and
 * attachments are append-only too. `survey_merges` holds a merge waiting
 * for the operator's decisions; only its resolution columns are ever set.
 */
export const SURVEY_MIGRATION_SQL = `
  CREATE TABLE surveys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    head TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE survey_revisions (
    survey_id TEXT NOT NULL REFERENCES surveys(id),
    revision_id TEXT NOT NULL CHECK (length(revision_id) = 64),
    seq INTEGER NOT NULL,
    parents_json TEXT NOT NULL,
    -- Ancestor ids this revision is known to descend from (from an imported bundle); [] for local saves.
    ancestry_json TEXT NOT NULL,
    data_json TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (survey_id, revision_id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX survey_revisions_seq ON survey_revisions(survey_id, seq);
  CREATE TRIGGER survey_revisions_no_update BEFORE UPDATE ON survey_revisions
    BEGIN SELECT RAISE(ABORT, 'survey history is append-only'); END;
  CREATE TRIGGER survey_revisions_no_delete BEFORE DELETE ON survey_revisions
    BEGIN SELECT RAISE(ABORT, 'survey history is append-only'); END;
  CREATE TABLE survey_signatures (
    survey_id TEXT NOT NULL REFERENCES surveys(id),
    revision_id TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    body_json TEXT NOT NULL,
    PRIMARY KEY (survey_id, revision_id, key_id, signed_at)
  ) WITHOUT ROWID;
  CREATE TRIGGER survey_signatures_no_update BEFORE UPDATE ON survey_signatures
    BEGIN SELECT RAISE(ABORT, 'survey signatures are append-only'); END;
  CREATE TRIGGER survey_signatures_no_delete BEFORE DELETE ON survey_signatures
    BEGIN SELECT RAISE(ABORT, 'survey signatures are append-only'); END;
  CREATE TABLE survey_attachments (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    media_type TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE survey_merges (
    id TEXT PRIMARY KEY,
    survey_id TEXT NOT NULL REFERENCES surveys(id),
    base_revision TEXT,
    mine_revision TEXT NOT NULL,
    theirs_revision TEXT NOT NULL,
    theirs_signer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution_revision TEXT
  );
  CREATE INDEX survey_merges_open ON survey_merges(survey_id) WHERE resolved_at IS NULL;
`;
