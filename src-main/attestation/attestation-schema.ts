/**
 * SQL for migration 4: SSH host-key pins and client-key names (the keys
 * themselves live in the OS keychain), and the attestation history. The
 * policy, the evidence blobs and the results are append-only: triggers
 * RAISE on every UPDATE or DELETE, so history cannot be rewritten even by
 * a bug in Cairn, only by someone editing the file outside it.
 */

function appendOnly(table: string): string {
  return `
      CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} is append-only: rows are never updated'); END;
      CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} is append-only: rows are never deleted'); END;`;
}

export const ATTESTATION_MIGRATION_SQL = `
      -- One pin per SSH endpoint, confirmed by an operator on first use.
      CREATE TABLE ssh_hosts (
        host TEXT NOT NULL,
        port INTEGER NOT NULL,
        user TEXT NOT NULL,
        key_type TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        PRIMARY KEY (host, port)
      ) WITHOUT ROWID;
      -- Names of client keys; the private key and passphrase are in the keychain (account 'ssh-key:<name>').
      CREATE TABLE ssh_keys (
        name TEXT PRIMARY KEY,
        key_type TEXT NOT NULL,
        public_fingerprint TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Relying-party policy: each change is a new version.
      CREATE TABLE attestation_policy (
        version INTEGER PRIMARY KEY AUTOINCREMENT,
        body TEXT NOT NULL,
        operator TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      -- Evidence bundles (report, VEK, intermediates) by SHA-256 of the bundle bytes.
      CREATE TABLE attestation_evidence (
        sha256 TEXT PRIMARY KEY,
        bytes BLOB NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE attestation_results (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cluster_id TEXT,
        vmid INTEGER,
        guest_name TEXT,
        host TEXT,
        source TEXT NOT NULL CHECK (source IN ('ssh', 'files')),
        at TEXT NOT NULL,
        operator TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'reject', 'accept-signature-and-chain')),
        reasons TEXT NOT NULL,
        product TEXT,
        measurement TEXT,
        tcb TEXT,
        policy_version INTEGER NOT NULL,
        nonce TEXT,
        verified_at TEXT NOT NULL,
        detail TEXT NOT NULL,
        evidence_sha256 TEXT NOT NULL REFERENCES attestation_evidence(sha256)
      );
      CREATE INDEX attestation_results_guest ON attestation_results(cluster_id, vmid, id);
      ${appendOnly('attestation_policy')}
      ${appendOnly('attestation_evidence')}
      ${appendOnly('attestation_results')}
`;

/**
 * SQL for migration 17: the SSH target an operator used for each guest,
 * remembered after a successful collection so the next "attest now" is
 * pre-filled. Current state, not history (editable and forgettable); the
 * key is a name in the keychain index, never the key.
 */
export const SSH_TARGETS_MIGRATION_SQL = `
      CREATE TABLE attestation_ssh_targets (
        cluster_id TEXT NOT NULL,
        vmid INTEGER NOT NULL,
        guest_name TEXT NOT NULL,
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        user TEXT NOT NULL,
        key_name TEXT NOT NULL,
        technology TEXT NOT NULL CHECK (technology IN ('sev-snp', 'tdx')),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (cluster_id, vmid)
      ) WITHOUT ROWID;
`;
