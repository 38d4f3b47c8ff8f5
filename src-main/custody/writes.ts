/**
 * The custody record's writes, in one place for both writers: the service
 * on the main thread (small batches, field merges inside their own
 * transaction, in-memory databases) and the writer thread (large batches:
 * writer-thread.ts). Inside the caller's transaction a batch first runs its
 * guard, the checks that must hold at the moment of writing (an appliance
 * still at the event the batch was checked against; a serial not already in
 * custody), then appends its signed events to the `ledger_custody` log,
 * inserts their rows and signs one checkpoint at the new size.
 *
 * A guard is data, not a closure, so it can cross to the writer thread.
 */
import type { Statement } from 'better-sqlite3';
import type { CustodyState } from '../../src-preload/contract';
import { signCheckpoint, type MerkleLog, type NoteSigner } from '../ledger';
import { statementCache, type Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { leafBytesOfBody } from './event';

/** A new appliance row, in `custody_appliances` column order. */
export type ApplianceRowValues = [
  id: string,
  jobId: string,
  serial: string,
  model: string,
  capacityBytes: number,
  firmwareVersion: string,
  securityModuleId: string,
  encryptionKeyId: string,
  kmsKeyRef: string,
  registeredAt: string,
];

/** What must hold when a batch is written. */
export type BatchGuard =
  /** Registrations: each serial is not open in custody already; the appliance rows to insert. */
  | { kind: 'register'; appliances: ApplianceRowValues[] }
  /** Steps: each appliance's last event is still the one (seq and hash) the batch was checked against. */
  | { kind: 'record'; bases: { applianceId: string; seq: number; hash: string }[] };

/** A checked, signed event as it is written. */
export interface SignedEvent {
  applianceId: string;
  seq: number;
  to: CustodyState;
  at: string;
  /** SHA-256 hex of the canonical body. */
  hash: string;
  /** The canonical body's bytes, as signed (without the signing prefix). */
  body: Uint8Array;
  /** The operator's Ed25519 signature, base64. */
  signature: string;
}

export class CustodyWrites {
  private readonly sql: (text: string) => Statement;

  constructor(
    db: Db,
    readonly log: MerkleLog,
  ) {
    this.sql = statementCache(db);
  }

  /** The appliance still in custody (its record not closed) under this serial, if any. */
  openSerial(serial: string): string | undefined {
    return this.sql(
      `SELECT a.id FROM custody_appliances a JOIN custody_events e ON e.appliance_id = a.id
       WHERE a.serial = ? AND e.seq = (SELECT MAX(seq) FROM custody_events WHERE appliance_id = a.id) AND e.to_state != 'closed'`,
    )
      .pluck()
      .get(serial) as string | undefined;
  }

  /** In the writing transaction: throws the typed conflict when the batch no longer fits the record. */
  guard(g: BatchGuard): void {
    if (g.kind === 'register') {
      // Whether a serial is still open is decided here, in the writing transaction, so two imports cannot both take it.
      const insert = this.sql(
        'INSERT INTO custody_appliances (id, job_id, serial, model, capacity_bytes, firmware_version, security_module_id, encryption_key_id, kms_key_ref, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const row of g.appliances) {
        const taken = this.openSerial(row[2]);
        if (taken) throw new AppException('conflict', `Appliance serial ${row[2]} is already in custody (${taken}); close that record first`, { field: 'serial' });
        insert.run(...row);
      }
      return;
    }
    // The same seq is not enough: another writer may have taken it with a different event, and the batch's first
    // event names its predecessor by hash.
    const last = this.sql('SELECT seq, event_sha256 FROM custody_events WHERE appliance_id = ? ORDER BY seq DESC LIMIT 1');
    for (const base of g.bases) {
      const now = last.get(base.applianceId) as { seq: number; event_sha256: string } | undefined;
      if (now?.seq !== base.seq || now.event_sha256 !== base.hash) {
        throw new AppException('conflict', `Appliance ${base.applianceId} is no longer at the event this batch was checked against (an earlier batch for it failed or another writer came first); reload and try again`, {
          field: 'expectedSeq',
          details: { reason: 'stale', seq: now?.seq ?? -1 },
        });
      }
    }
  }

  /**
   * In the caller's transaction: appends the events' leaves to the log in one batch, inserts their rows and signs
   * one checkpoint at the new size with `logSigner`. Returns each event's leaf index.
   */
  append(events: readonly SignedEvent[], publicKeyId: string, origin: string, logSigner: NoteSigner, createdAt: string): number[] {
    if (events.length === 0) return [];
    const appended = this.log.appendBatch(events.map((e) => leafBytesOfBody(e.body, publicKeyId, e.signature)));
    const insert = this.sql(
      'INSERT INTO custody_events (appliance_id, seq, to_state, at, event_sha256, signature, public_key_id, leaf_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const indexes = events.map((e, i) => {
      const { index } = appended[i] as { index: number };
      insert.run(e.applianceId, e.seq, e.to, e.at, e.hash, e.signature, publicKeyId, index);
      return index;
    });
    const size = this.log.size;
    const note = signCheckpoint(this.log.checkpoint(origin, size), [logSigner]);
    this.sql('INSERT INTO custody_checkpoints (size, note, created_at) VALUES (?, ?, ?)').run(size, note, createdAt);
    return indexes;
  }
}
