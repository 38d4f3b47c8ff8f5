/**
 * Numbered schema migrations. Append only: a released migration is never
 * edited, a change is a new number.
 */
import { ALERTS_MIGRATION_SQL } from '../alerts/schema';
import { ATTESTATION_MIGRATION_SQL, SSH_TARGETS_MIGRATION_SQL } from '../attestation/attestation-schema';
import { AUDIT_MIGRATION_SQL } from '../audit/schema';
import { CUSTODY_EVENTS_IN_LOG_ORDER_SQL, CUSTODY_MIGRATION_SQL } from '../custody/schema';
import { CUSTODY_FIELD_MIGRATION_SQL } from '../custody/field-schema';
import { LEDGER_MIGRATION_SQL } from '../ledger/merkle-log';
import { OPERATIONS_MIGRATION_SQL } from '../orchestration/schema';
import { LEASE_MIGRATION_SQL } from '../orchestration/lease';
import { FLEET_TASKS_MIGRATION_SQL } from '../orchestration/fleet-tasks';
import { SCMP_MIGRATION_SQL } from '../scmp/schema';
import { SITES_MIGRATION_SQL } from '../sites/schema';
import { SURVEY_MIGRATION_SQL } from '../survey/schema';
import { TENANCY_GROUPS_MIGRATION_SQL, TENANCY_MIGRATION_SQL } from '../tenancy/schema';
import { TOPOLOGY_MIGRATION_SQL } from '../topology/schema';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings and connection registry',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      -- The registry of endpoints Cairn talks to. The secret itself lives in
      -- the OS keychain under (service 'cairn', account = id); never here.
      CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('pve', 'scmp')),
        url TEXT NOT NULL,
        fingerprint TEXT,
        token_id TEXT NOT NULL,
        site TEXT,
        simulated INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'fleet inventory cache',
    sql: `
      CREATE TABLE fleet_sites (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        region TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('edge', 'datacentre'))
      );
      -- One row per Proxmox VE cluster; id is the connection id.
      CREATE TABLE fleet_clusters (
        id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        site_id TEXT NOT NULL REFERENCES fleet_sites(id),
        version TEXT,
        quorate INTEGER,
        hash TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX fleet_clusters_site ON fleet_clusters(site_id);
      CREATE TABLE fleet_nodes (
        cluster_id TEXT NOT NULL REFERENCES fleet_clusters(id) ON DELETE CASCADE,
        node TEXT NOT NULL,
        status TEXT NOT NULL,
        cpu REAL NOT NULL, maxcpu REAL NOT NULL,
        mem REAL NOT NULL, maxmem REAL NOT NULL,
        disk REAL NOT NULL, maxdisk REAL NOT NULL,
        uptime REAL NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (cluster_id, node)
      ) WITHOUT ROWID;
      CREATE TABLE fleet_guests (
        cluster_id TEXT NOT NULL REFERENCES fleet_clusters(id) ON DELETE CASCADE,
        vmid INTEGER NOT NULL,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        node TEXT NOT NULL,
        pool TEXT,
        tags TEXT NOT NULL,
        tenant TEXT,
        cpus REAL NOT NULL, cpu REAL NOT NULL,
        mem REAL NOT NULL, maxmem REAL NOT NULL,
        disk REAL NOT NULL, maxdisk REAL NOT NULL,
        uptime REAL NOT NULL,
        template INTEGER NOT NULL,
        hastate TEXT,
        hash TEXT NOT NULL,
        PRIMARY KEY (cluster_id, vmid)
      );
      CREATE INDEX fleet_guests_name ON fleet_guests(name);
      CREATE INDEX fleet_guests_node ON fleet_guests(cluster_id, node);
      CREATE TABLE fleet_storage (
        cluster_id TEXT NOT NULL REFERENCES fleet_clusters(id) ON DELETE CASCADE,
        node TEXT NOT NULL,
        storage TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        shared INTEGER NOT NULL,
        content TEXT NOT NULL,
        disk REAL NOT NULL, maxdisk REAL NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (cluster_id, node, storage)
      ) WITHOUT ROWID;
      CREATE TABLE fleet_sync (
        cluster_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
        last_success_at TEXT,
        last_attempt_at TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0
      );
      -- Last RRD answer per series, so charts still show something offline.
      CREATE TABLE fleet_rrd_cache (
        cluster_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
        node TEXT NOT NULL,
        vmid INTEGER NOT NULL,
        timeframe TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (cluster_id, node, vmid, timeframe)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'tamper-evident logs (custody, audit)',
    sql: LEDGER_MIGRATION_SQL,
  },
  {
    version: 4,
    name: 'ssh host pins and keys; attestation policy, evidence and results (append-only)',
    sql: ATTESTATION_MIGRATION_SQL,
  },
  {
    version: 5,
    name: 'bulk data transfer custody: jobs, appliances, signed events, keys, checkpoints (append-only)',
    sql: CUSTODY_MIGRATION_SQL,
  },
  {
    version: 6,
    name: 'site plans and their revision history (append-only)',
    sql: SITES_MIGRATION_SQL,
  },
  {
    version: 7,
    name: 'drop the unused guest-name index (the guest list sorts in memory; the index only slowed every sync)',
    sql: 'DROP INDEX IF EXISTS fleet_guests_name;',
  },
  {
    version: 8,
    name: 'alerts: current state (one unresolved alert per key) and append-only event history',
    sql: ALERTS_MIGRATION_SQL,
  },
  {
    version: 9,
    name: 'topology: cached network pictures per cluster, map layouts per operator',
    sql: TOPOLOGY_MIGRATION_SQL,
  },
  {
    version: 10,
    name: 'site surveys: content-addressed revisions, signatures (append-only), photos by SHA-256, open merges',
    sql: SURVEY_MIGRATION_SQL,
  },
  {
    version: 11,
    name: 'operation journal: operations and steps (current state) and their append-only events',
    sql: OPERATIONS_MIGRATION_SQL,
  },
  {
    version: 12,
    name: 'tenancy: tenants, quotas per scope, operator identities and roles, append-only change history',
    sql: TENANCY_MIGRATION_SQL,
  },
  {
    version: 13,
    name: 'scmp: pulled tenants, quotas, role bindings and policies (cache), pull state, outbox of bundles to push',
    sql: SCMP_MIGRATION_SQL,
  },
  {
    version: 14,
    name: 'orchestration: the lease that lets one process at a time execute the operation journal',
    sql: LEASE_MIGRATION_SQL,
  },
  {
    version: 15,
    name: 'audit trail: entries mirrored from the ledger_audit log for search (append-only), audit keys, signed checkpoints',
    sql: AUDIT_MIGRATION_SQL,
  },
  {
    version: 16,
    name: 'custody: the offline field log (ledger_custody_field, events, checkpoints) and the central merge record (pinned field logs, seen checkpoints, merges, merged events)',
    sql: CUSTODY_FIELD_MIGRATION_SQL,
  },
  {
    version: 17,
    name: 'attestation: the SSH target remembered per confidential guest (host, port, user, keychain key name, technology)',
    sql: SSH_TARGETS_MIGRATION_SQL,
  },
  {
    version: 18,
    name: 'orchestration: failed PVE tasks of other origins already noticed (one notification per UPID); operation steps indexed by UPID',
    sql: FLEET_TASKS_MIGRATION_SQL,
  },
  {
    version: 19,
    name: 'tenancy: SCMP role bindings to directory groups',
    sql: TENANCY_GROUPS_MIGRATION_SQL,
  },
  {
    version: 20,
    name: 'custody: events stored in log order (leaf_index as the rowid, appliance and seq unique), not clustered on random appliance ids; the signed body kept once, in the log leaf',
    sql: CUSTODY_EVENTS_IN_LOG_ORDER_SQL,
  },
];
