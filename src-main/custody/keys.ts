/**
 * The two custody signing keys, both Ed25519 and both generated on first
 * use with their private halves only in the SecretStore (OS keychain):
 *
 * - the operator key (account `custody-signing-key`) signs every custody
 *   event; it belongs to the OS user, so it is shared by that user's
 *   installations;
 * - the log key (account `custody-log-key/<install-id>`) signs the
 *   custody log's checkpoints and export statements; its name is the log's
 *   origin `cairn.custody/<install-id>`.
 *
 * Public halves (verifier keys in C2SP note form) and key ids are kept in
 * `custody_keys` so bundles can carry them; private halves never touch
 * SQLite, logs or the renderer.
 */
import { userInfo } from 'node:os';
import { generateNoteKey, parseSignerKey, verifierKeyId, type NoteSigner } from '../ledger';
import type { SecretStore } from '../secrets';
import type { Db } from '../store/database';

export const OPERATOR_KEY_ACCOUNT = 'custody-signing-key';
export const logKeyAccount = (installId: string): string => `custody-log-key/${installId}`;

/** `name+keyid` of a verifier key: how events and bundles name a key. */
/** `name+keyid` of a verifier key (the ledger's one definition). */
export const keyIdOf = verifierKeyId;

export const fieldLogKeyAccount = (installId: string): string => `custody-field-log-key/${installId}`;

export interface LoadedKeys {
  operator: { signer: NoteSigner; id: string; vkey: string; user: string };
  log: { signer: NoteSigner; id: string; vkey: string };
}

export function osUser(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

const keyName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) || 'operator';

export class CustodyKeys {
  private cached: LoadedKeys | null = null;
  private field: Promise<{ signer: NoteSigner; id: string; vkey: string }> | null = null;
  private loading: Promise<LoadedKeys> | null = null;

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretStore,
    private readonly installId: string,
    private readonly user: string = osUser(),
  ) {}

  get origin(): string {
    return `cairn.custody/${this.installId}`;
  }

  /** The origin of this installation's offline field log (field-log.ts), also its log key's name. */
  get fieldOrigin(): string {
    return `cairn.custody.field/${this.installId}`;
  }

  /** The field log's key: signs the field log's checkpoints (account `custody-field-log-key/<install-id>`). */
  fieldLog(): Promise<{ signer: NoteSigner; id: string; vkey: string }> {
    this.field ??= this.signer(fieldLogKeyAccount(this.installId), this.fieldOrigin, 'log').catch((err: unknown) => {
      this.field = null;
      throw err;
    });
    return this.field;
  }

  /** Loads (or, the first time, generates and stores) both keys. */
  load(): Promise<LoadedKeys> {
    if (this.cached) return Promise.resolve(this.cached);
    this.loading ??= this.loadOnce().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadOnce(): Promise<LoadedKeys> {
    const op = await this.signer(OPERATOR_KEY_ACCOUNT, `cairn.custody.operator.${keyName(this.user)}`, 'event');
    const log = await this.signer(logKeyAccount(this.installId), this.origin, 'log');
    this.cached = { operator: { ...op, user: this.user }, log };
    return this.cached;
  }

  private async signer(account: string, name: string, purpose: 'event' | 'log'): Promise<{ signer: NoteSigner; id: string; vkey: string }> {
    let skey = await this.secrets.get(account);
    if (!skey) {
      skey = generateNoteKey(name).skey;
      await this.secrets.set(account, skey);
    }
    const signer = parseSignerKey(skey);
    const id = keyIdOf(signer.vkey);
    // The public half, so exports can carry it; a key seen before is not inserted again.
    const known = this.db.prepare('SELECT vkey FROM custody_keys WHERE key_id = ?').pluck().get(id) as string | undefined;
    if (known === undefined) this.db.prepare('INSERT INTO custody_keys (key_id, purpose, vkey, created_at) VALUES (?, ?, ?, ?)').run(id, purpose, signer.vkey, new Date().toISOString());
    else if (known !== signer.vkey) throw new Error(`custody key ${id} in the keychain differs from the public key recorded for it`);
    return { signer, id, vkey: signer.vkey };
  }
}
