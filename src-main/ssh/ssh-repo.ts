/** SQLite rows for SSH: host-key pins and the names of client keys (never the keys). */
import type { SshHostPin, SshKeyInfo } from '../../src-preload/contract';
import type { Db } from '../store/database';

interface PinRow {
  host: string;
  port: number;
  user: string;
  key_type: string;
  fingerprint: string;
  confirmed_at: string;
}
interface KeyRow {
  name: string;
  key_type: string;
  public_fingerprint: string;
  created_at: string;
}

export class SshRepo {
  constructor(private readonly db: Db) {}

  pin(host: string, port: number): SshHostPin | null {
    const r = this.db.prepare('SELECT host, port, user, key_type, fingerprint, confirmed_at FROM ssh_hosts WHERE host = ? AND port = ?').get(host.toLowerCase(), port) as PinRow | undefined;
    return r ? { host: r.host, port: r.port, user: r.user, keyType: r.key_type, fingerprint: r.fingerprint, confirmedAt: r.confirmed_at } : null;
  }

  savePin(p: SshHostPin): void {
    this.db
      .prepare(
        `INSERT INTO ssh_hosts (host, port, user, key_type, fingerprint, confirmed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (host, port) DO UPDATE SET user = excluded.user, key_type = excluded.key_type, fingerprint = excluded.fingerprint, confirmed_at = excluded.confirmed_at`,
      )
      .run(p.host.toLowerCase(), p.port, p.user, p.keyType, p.fingerprint, p.confirmedAt);
  }

  keys(): SshKeyInfo[] {
    return (this.db.prepare('SELECT name, key_type, public_fingerprint, created_at FROM ssh_keys ORDER BY name').all() as KeyRow[]).map(keyOf);
  }

  key(name: string): SshKeyInfo | null {
    const r = this.db.prepare('SELECT name, key_type, public_fingerprint, created_at FROM ssh_keys WHERE name = ?').get(name) as KeyRow | undefined;
    return r ? keyOf(r) : null;
  }

  addKey(k: SshKeyInfo): void {
    this.db.prepare('INSERT INTO ssh_keys (name, key_type, public_fingerprint, created_at) VALUES (?, ?, ?, ?)').run(k.name, k.keyType, k.publicFingerprint, k.createdAt);
  }
}

function keyOf(r: KeyRow): SshKeyInfo {
  return { name: r.name, keyType: r.key_type, publicFingerprint: r.public_fingerprint, createdAt: r.created_at };
}
