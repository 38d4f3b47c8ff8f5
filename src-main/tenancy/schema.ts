/**
 * Migration 12: tenants, quotas per scope, local operator identities, and
 * the append-only history of every change to them (who changed which
 * quota or role when). Current state is updated in place (it is small and
 * read on every authorisation); the history is what auditors read.
 */
export const TENANCY_MIGRATION_SQL = `
  CREATE TABLE tenancy_tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('local', 'inventory', 'demo', 'central')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- scope_id is '' for the whole fleet, a fleet_sites.id or a cluster (connection) id.
  -- No foreign key to the inventory: a quota outlives a cluster's removal and resync.
  CREATE TABLE tenancy_quotas (
    tenant_id TEXT NOT NULL REFERENCES tenancy_tenants(id) ON DELETE CASCADE,
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('fleet', 'site', 'pool')),
    scope_id TEXT NOT NULL,
    vcpu INTEGER CHECK (vcpu IS NULL OR vcpu >= 0),
    mem_bytes INTEGER CHECK (mem_bytes IS NULL OR mem_bytes >= 0),
    storage_bytes INTEGER CHECK (storage_bytes IS NULL OR storage_bytes >= 0),
    guests INTEGER CHECK (guests IS NULL OR guests >= 0),
    source TEXT NOT NULL CHECK (source IN ('local', 'inventory', 'demo', 'central')),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, scope_kind, scope_id),
    CHECK ((scope_kind = 'fleet') = (scope_id = ''))
  );
  CREATE TABLE tenancy_operators (
    name TEXT PRIMARY KEY,
    roles TEXT NOT NULL,            -- JSON array of role ids
    tenants TEXT,                   -- JSON array of tenant ids; NULL = every tenant
    source TEXT NOT NULL CHECK (source IN ('local', 'inventory', 'demo', 'central')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE tenancy_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('tenant', 'quota', 'operator')),
    subject TEXT NOT NULL,
    before TEXT,                    -- JSON of the record before, NULL when created
    after TEXT                      -- JSON of the record after, NULL when removed
  );
  CREATE INDEX tenancy_history_subject ON tenancy_history(kind, subject);
  CREATE TRIGGER tenancy_history_no_update BEFORE UPDATE ON tenancy_history
    BEGIN SELECT RAISE(ABORT, 'tenancy_history is append-only'); END;
  CREATE TRIGGER tenancy_history_no_delete BEFORE DELETE ON tenancy_history
    BEGIN SELECT RAISE(ABORT, 'tenancy_history is append-only'); END;
`;

/** Migration 19: role bindings to directory groups, as the SCMP sends them (source 'central'). */
export const TENANCY_GROUPS_MIGRATION_SQL = `
  CREATE TABLE tenancy_group_bindings (
    grp TEXT NOT NULL CHECK (length(grp) BETWEEN 1 AND 320),
    role TEXT NOT NULL,
    tenant TEXT,
    source TEXT NOT NULL CHECK (source IN ('central')),
    updated_at TEXT NOT NULL
  );
  CREATE INDEX tenancy_group_bindings_grp ON tenancy_group_bindings(grp);
`;
