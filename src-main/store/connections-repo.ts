/**
 * The connection registry: Proxmox VE clusters and SCMP endpoints with their
 * pinned TLS fingerprint and token id. Holds no secret (see secrets/).
 */
import { randomUUID } from 'node:crypto';
import type { ConnectionKind } from '../../src-preload/contract';
import type { Db } from './database';

export interface ConnectionRecord {
  id: string;
  name: string;
  kind: ConnectionKind;
  url: string;
  fingerprint: string | null;
  tokenId: string;
  site: string | null;
  simulated: boolean;
  createdAt: string;
}

interface Row {
  id: string;
  name: string;
  kind: ConnectionKind;
  url: string;
  fingerprint: string | null;
  token_id: string;
  site: string | null;
  simulated: number;
  created_at: string;
}

const toRecord = (r: Row): ConnectionRecord => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  url: r.url,
  fingerprint: r.fingerprint,
  tokenId: r.token_id,
  site: r.site,
  simulated: r.simulated === 1,
  createdAt: r.created_at,
});

export class ConnectionsRepo {
  constructor(private readonly db: Db) {}

  list(): ConnectionRecord[] {
    return (this.db.prepare('SELECT * FROM connections ORDER BY name').all() as Row[]).map(toRecord);
  }

  get(id: string): ConnectionRecord | undefined {
    const r = this.db.prepare('SELECT * FROM connections WHERE id = ?').get(id) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  findByName(name: string): ConnectionRecord | undefined {
    const r = this.db.prepare('SELECT * FROM connections WHERE name = ?').get(name) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  insert(input: Omit<ConnectionRecord, 'id' | 'createdAt'> & { id?: string }): ConnectionRecord {
    const rec: ConnectionRecord = { ...input, id: input.id ?? randomUUID(), createdAt: new Date().toISOString() };
    this.db
      .prepare(
        'INSERT INTO connections (id, name, kind, url, fingerprint, token_id, site, simulated, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(rec.id, rec.name, rec.kind, rec.url, rec.fingerprint, rec.tokenId, rec.site, rec.simulated ? 1 : 0, rec.createdAt);
    return rec;
  }

  setFingerprint(id: string, fingerprint: string): void {
    this.db.prepare('UPDATE connections SET fingerprint = ? WHERE id = ?').run(fingerprint, id);
  }

  /** Demo mode re-points simulated connections at this run's simulator. */
  updateEndpoint(id: string, url: string, fingerprint: string): void {
    this.db.prepare('UPDATE connections SET url = ?, fingerprint = ? WHERE id = ?').run(url, fingerprint, id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM connections WHERE id = ?').run(id).changes > 0;
  }
}
