/**
 * The attestation history in SQLite: versioned policy rows, evidence blobs
 * by SHA-256 and verdict rows, all insert-only (the schema's triggers
 * refuse UPDATE and DELETE). One transaction stores evidence and verdict.
 */
import type { AttestationPolicy, AttestationResult, ChainEntry, GuestRef, TcbValues } from '../../src-preload/contract';
import type { Db } from '../store/database';

export interface StoredDetail {
  fields: { name: string; value: string }[];
  checks: Record<string, boolean>;
  chain: ChainEntry[];
}

export interface NewResult {
  guest: GuestRef | null;
  host: string | null;
  source: 'ssh' | 'files';
  at: string;
  operator: string;
  verdict: AttestationResult['verdict'];
  reasons: { code: string; message: string }[];
  product: string | null;
  measurement: string | null;
  tcb: TcbValues | null;
  policyVersion: number;
  nonce: string | null;
  verifiedAt: string;
  detail: StoredDetail;
  evidence: Uint8Array;
  evidenceSha256: string;
}

interface ResultRow {
  id: number;
  cluster_id: string | null;
  vmid: number | null;
  guest_name: string | null;
  host: string | null;
  source: 'ssh' | 'files';
  at: string;
  operator: string;
  verdict: AttestationResult['verdict'];
  reasons: string;
  product: string | null;
  measurement: string | null;
  tcb: string | null;
  policy_version: number;
  evidence_sha256: string;
}

const RESULT_COLUMNS = 'id, cluster_id, vmid, guest_name, host, source, at, operator, verdict, reasons, product, measurement, tcb, policy_version, evidence_sha256';

export const DEFAULT_POLICY: AttestationPolicy = { version: 0, minTcb: {}, measurements: [], allowDebug: false, createdAt: null, operator: null };

export class AttestationRepo {
  constructor(private readonly db: Db) {}

  policy(): AttestationPolicy {
    const r = this.db.prepare('SELECT version, body, operator, created_at FROM attestation_policy ORDER BY version DESC LIMIT 1').get() as
      | { version: number; body: string; operator: string; created_at: string }
      | undefined;
    if (!r) return DEFAULT_POLICY;
    const body = JSON.parse(r.body) as Pick<AttestationPolicy, 'minTcb' | 'measurements' | 'allowDebug'>;
    return { version: r.version, minTcb: body.minTcb, measurements: body.measurements, allowDebug: body.allowDebug, createdAt: r.created_at, operator: r.operator };
  }

  addPolicy(body: Pick<AttestationPolicy, 'minTcb' | 'measurements' | 'allowDebug'>, operator: string, at: string): AttestationPolicy {
    this.db.prepare('INSERT INTO attestation_policy (body, operator, created_at) VALUES (?, ?, ?)').run(JSON.stringify(body), operator, at);
    return this.policy();
  }

  insert(r: NewResult): AttestationResult {
    const id = this.db.transaction(() => {
      this.db.prepare('INSERT OR IGNORE INTO attestation_evidence (sha256, bytes, created_at) VALUES (?, ?, ?)').run(r.evidenceSha256, Buffer.from(r.evidence), r.at);
      const info = this.db
        .prepare(
          `INSERT INTO attestation_results (cluster_id, vmid, guest_name, host, source, at, operator, verdict, reasons, product, measurement, tcb, policy_version, nonce, verified_at, detail, evidence_sha256)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.guest?.clusterId ?? null,
          r.guest?.vmid ?? null,
          r.guest?.name ?? null,
          r.host,
          r.source,
          r.at,
          r.operator,
          r.verdict,
          JSON.stringify(r.reasons),
          r.product,
          r.measurement,
          r.tcb ? JSON.stringify(r.tcb) : null,
          r.policyVersion,
          r.nonce,
          r.verifiedAt,
          JSON.stringify(r.detail),
          r.evidenceSha256,
        );
      return Number(info.lastInsertRowid);
    })();
    return this.result(id) as AttestationResult;
  }

  result(id: number): AttestationResult | null {
    const r = this.db.prepare(`SELECT ${RESULT_COLUMNS} FROM attestation_results WHERE id = ?`).get(id) as ResultRow | undefined;
    return r ? toResult(r) : null;
  }

  detailOf(id: number): StoredDetail | null {
    const r = this.db.prepare('SELECT detail FROM attestation_results WHERE id = ?').get(id) as { detail: string } | undefined;
    return r ? (JSON.parse(r.detail) as StoredDetail) : null;
  }

  evidence(sha256: string): Buffer | null {
    const r = this.db.prepare('SELECT bytes FROM attestation_evidence WHERE sha256 = ?').get(sha256) as { bytes: Buffer } | undefined;
    return r?.bytes ?? null;
  }

  history(clusterId: string, vmid: number, limit = 100): AttestationResult[] {
    return (this.db.prepare(`SELECT ${RESULT_COLUMNS} FROM attestation_results WHERE cluster_id = ? AND vmid = ? ORDER BY id DESC LIMIT ?`).all(clusterId, vmid, limit) as ResultRow[]).map(toResult);
  }

  /** The newest result of every guest, keyed `${clusterId}/${vmid}`. */
  latestByGuest(): Map<string, AttestationResult> {
    const rows = this.db
      .prepare(
        `SELECT ${RESULT_COLUMNS} FROM attestation_results
         WHERE id IN (SELECT MAX(id) FROM attestation_results WHERE cluster_id IS NOT NULL GROUP BY cluster_id, vmid)`,
      )
      .all() as ResultRow[];
    return new Map(rows.map((r) => [`${r.cluster_id}/${r.vmid}`, toResult(r)]));
  }
}

function toResult(r: ResultRow): AttestationResult {
  return {
    id: r.id,
    guest: r.cluster_id !== null && r.vmid !== null ? { clusterId: r.cluster_id, vmid: r.vmid, name: r.guest_name ?? '' } : null,
    host: r.host,
    source: r.source,
    at: r.at,
    operator: r.operator,
    verdict: r.verdict,
    reasons: JSON.parse(r.reasons) as AttestationResult['reasons'],
    product: r.product,
    measurement: r.measurement,
    tcb: r.tcb ? (JSON.parse(r.tcb) as TcbValues) : null,
    policyVersion: r.policy_version,
    evidenceSha256: r.evidence_sha256,
  };
}
