/**
 * The audit log key: Ed25519, generated on first use, its private half only
 * in the SecretStore (account `audit-log-key/<install-id>`), named after the
 * log's origin `cairn.audit/<install-id>`. It signs checkpoints and export
 * statements. The public half is kept in `audit_keys` so a key change is
 * noticed; private halves never touch SQLite, logs or the renderer.
 */
import { generateNoteKey, parseSignerKey, verifierKeyId, type NoteSigner } from '../ledger';
import type { SecretStore } from '../secrets';
import type { Db } from '../store/database';

export const auditKeyAccount = (installId: string): string => `audit-log-key/${installId}`;

/** `name+keyid` of a verifier key. */
/** `name+keyid` of a verifier key (the ledger's one definition). */
export const keyIdOf = verifierKeyId;

export interface AuditKey {
  signer: NoteSigner;
  id: string;
  vkey: string;
}

export class AuditKeys {
  private cached: AuditKey | null = null;
  private loading: Promise<AuditKey> | null = null;

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretStore,
    readonly origin: string,
    private readonly account: string,
  ) {}

  /** Loads (or, the first time, generates and stores) the key. */
  load(): Promise<AuditKey> {
    if (this.cached) return Promise.resolve(this.cached);
    this.loading ??= this.loadOnce().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadOnce(): Promise<AuditKey> {
    let skey = await this.secrets.get(this.account);
    if (!skey) {
      skey = generateNoteKey(this.origin).skey;
      await this.secrets.set(this.account, skey);
    }
    const signer = parseSignerKey(skey);
    const id = keyIdOf(signer.vkey);
    const known = this.db.prepare('SELECT vkey FROM audit_keys WHERE key_id = ?').pluck().get(id) as string | undefined;
    if (known === undefined) this.db.prepare('INSERT INTO audit_keys (key_id, vkey, created_at) VALUES (?, ?, ?)').run(id, signer.vkey, new Date().toISOString());
    else if (known !== signer.vkey) throw new Error(`audit key ${id} in the keychain differs from the public key recorded for it`);
    this.cached = { signer, id, vkey: signer.vkey };
    return this.cached;
  }
}
