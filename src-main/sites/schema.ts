/**
 * The site-plan tables (one numbered migration in store/migrations.ts).
 * `site_plans` holds the current head of each plan; `site_plan_revisions`
 * holds every saved version and is append-only: triggers refuse UPDATE and
 * DELETE, so a plan's history is never rewritten in place.
 */
export const SITES_MIGRATION_SQL = `
  CREATE TABLE site_plans (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE site_plan_revisions (
    site_id TEXT NOT NULL REFERENCES site_plans(id),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    name TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (site_id, revision)
  ) WITHOUT ROWID;
  CREATE TRIGGER site_plan_revisions_no_update BEFORE UPDATE ON site_plan_revisions
    BEGIN SELECT RAISE(ABORT, 'site plan history is append-only'); END;
  CREATE TRIGGER site_plan_revisions_no_delete BEFORE DELETE ON site_plan_revisions
    BEGIN SELECT RAISE(ABORT, 'site plan history is append-only'); END;
`;
