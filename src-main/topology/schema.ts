/**
 * Migration 9: what the map keeps between runs. Network pictures per
 * cluster (fetched live from PVE's network and SDN endpoints and guest
 * configs) so the network view works offline with its age shown, and the
 * node positions each operator dragged, per view.
 */
export const TOPOLOGY_MIGRATION_SQL = `
  CREATE TABLE topology_network_cache (
    cluster_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    fetched_at TEXT NOT NULL,
    body TEXT NOT NULL
  );
  -- The last failed refresh, kept beside the last good picture rather than replacing it.
  CREATE TABLE topology_network_attempts (
    cluster_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    attempted_at TEXT NOT NULL,
    error TEXT
  );
  CREATE TABLE topology_layouts (
    operator TEXT NOT NULL,
    view TEXT NOT NULL,
    positions TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (operator, view)
  ) WITHOUT ROWID;
`;
