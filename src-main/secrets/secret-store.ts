/**
 * The SecretStore port. Secrets (Proxmox/SCMP tokens, SSH credentials) live
 * only behind this interface, only in the main process. Implementations:
 * KeytarSecretStore (the OS keychain — the real one), MemorySecretStore
 * (`--ephemeral-secrets`: this run only, and tests), and
 * UnavailableSecretStore (no keychain reachable: every write says how to fix it).
 */
import type { SecretStoreStatus } from '../../src-preload/contract';

export interface SecretStore {
  status(): Promise<SecretStoreStatus>;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

/** The keychain service name every Cairn secret is filed under. */
export const KEYCHAIN_SERVICE = 'cairn';

export const KEYCHAIN_FIX_LINUX =
  'No OS keychain is reachable. On Linux install and run a Secret Service (e.g. `apt-get install gnome-keyring libsecret-1-0` and run inside a desktop session or `dbus-run-session`), install keytar\'s build dependency `libsecret-1-dev` and run `npm rebuild keytar`, or start Cairn with --ephemeral-secrets to keep secrets in memory for this run only.';
