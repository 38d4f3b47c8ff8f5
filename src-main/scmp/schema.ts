/**
 * Migration 13: what Cairn keeps of the SCMP locally. The cache holds the
 * last pulled tenants, quotas, role bindings and policies (each row the
 * validated JSON of one item), the pull state per collection (ETag, cursor,
 * outcome), and the outbox of bundles waiting to be pushed. No token is ever
 * stored here: it lives in the OS keychain.
 */
export const SCMP_MIGRATION_SQL = `
  CREATE TABLE scmp_cache (
    collection TEXT NOT NULL CHECK (collection IN ('tenants', 'quotas', 'role-bindings', 'policies')),
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    pulled_at TEXT NOT NULL,
    PRIMARY KEY (collection, id)
  ) WITHOUT ROWID;
  CREATE TABLE scmp_pull_state (
    collection TEXT PRIMARY KEY CHECK (collection IN ('tenants', 'quotas', 'role-bindings', 'policies')),
    etag TEXT,
    cursor TEXT,
    last_success_at TEXT,
    last_attempt_at TEXT,
    last_error TEXT
  );
  -- Bundles to push, by content address: the primary key makes queueing the same bytes twice a no-op.
  CREATE TABLE scmp_outbox (
    kind TEXT NOT NULL CHECK (kind IN ('audit', 'custody', 'survey')),
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error TEXT,
    pushed_at TEXT,
    PRIMARY KEY (kind, sha256)
  ) WITHOUT ROWID;
`;
