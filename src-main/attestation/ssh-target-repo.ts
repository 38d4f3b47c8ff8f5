/**
 * The SSH target remembered per guest (migration 17): host, port, user, the
 * name of the client key in the keychain index and the technology. Current
 * state, one row per guest, replaced on every successful collection or
 * edit and deleted when the operator forgets it. The key itself stays in
 * the SecretStore; this table only names it.
 */
import type { AttestTechnology, GuestRef, SavedSshTarget } from '../../src-preload/contract';
import type { Db } from '../store/database';

interface TargetRow {
  cluster_id: string;
  vmid: number;
  guest_name: string;
  host: string;
  port: number;
  user: string;
  key_name: string;
  technology: AttestTechnology;
  updated_at: string;
  key_known: number;
}

export interface NewSshTarget {
  guest: GuestRef;
  host: string;
  port: number;
  user: string;
  keyName: string;
  technology: AttestTechnology;
  updatedAt: string;
}

export class SshTargetRepo {
  constructor(private readonly db: Db) {}

  get(clusterId: string, vmid: number): SavedSshTarget | null {
    const r = this.db
      .prepare(
        `SELECT t.*, EXISTS (SELECT 1 FROM ssh_keys k WHERE k.name = t.key_name) AS key_known
         FROM attestation_ssh_targets t WHERE t.cluster_id = ? AND t.vmid = ?`,
      )
      .get(clusterId, vmid) as TargetRow | undefined;
    return r ? toTarget(r) : null;
  }

  save(t: NewSshTarget): SavedSshTarget {
    this.db
      .prepare(
        `INSERT INTO attestation_ssh_targets (cluster_id, vmid, guest_name, host, port, user, key_name, technology, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (cluster_id, vmid) DO UPDATE SET guest_name = excluded.guest_name, host = excluded.host, port = excluded.port,
           user = excluded.user, key_name = excluded.key_name, technology = excluded.technology, updated_at = excluded.updated_at`,
      )
      .run(t.guest.clusterId, t.guest.vmid, t.guest.name, t.host.toLowerCase(), t.port, t.user, t.keyName, t.technology, t.updatedAt);
    return this.get(t.guest.clusterId, t.guest.vmid) as SavedSshTarget;
  }

  forget(clusterId: string, vmid: number): boolean {
    return this.db.prepare('DELETE FROM attestation_ssh_targets WHERE cluster_id = ? AND vmid = ?').run(clusterId, vmid).changes > 0;
  }
}

function toTarget(r: TargetRow): SavedSshTarget {
  return {
    guest: { clusterId: r.cluster_id, vmid: r.vmid, name: r.guest_name },
    host: r.host,
    port: r.port,
    user: r.user,
    keyName: r.key_name,
    technology: r.technology,
    keyKnown: r.key_known === 1,
    updatedAt: r.updated_at,
  };
}
