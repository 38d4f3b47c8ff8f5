/**
 * The OS keychain through keytar: macOS Keychain, Windows Credential
 * Manager, Linux Secret Service. keytar is an optional native dependency;
 * when it is missing or no keychain answers, `openKeychain` returns an
 * UnavailableSecretStore whose errors say how to fix it.
 */
import { createRequire } from 'node:module';
import type { SecretStoreStatus } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { KEYCHAIN_FIX_LINUX, KEYCHAIN_SERVICE, type SecretStore } from './secret-store';

export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<{ account: string; password: string }[]>;
}

function fixFor(platform: NodeJS.Platform): string {
  if (platform === 'linux') return KEYCHAIN_FIX_LINUX;
  return 'The OS keychain did not answer. Reinstall Cairn (keytar is a native module) or start it with --ephemeral-secrets to keep secrets in memory for this run only.';
}

/** Keychain failures never carry the secret; keep only the first line of the library's message, minus the secret. */
function keychainError(op: string, err: unknown, secret?: string): AppException {
  let detail = err instanceof Error ? (err.message.split('\n')[0] ?? '') : 'unknown error';
  if (secret) detail = detail.split(secret).join('[redacted]');
  return new AppException('secret_store_unavailable', `The OS keychain refused to ${op}: ${detail}. ${fixFor(process.platform)}`);
}

export class KeytarSecretStore implements SecretStore {
  constructor(
    private readonly keytar: KeytarApi,
    private readonly service = KEYCHAIN_SERVICE,
  ) {}

  async status(): Promise<SecretStoreStatus> {
    try {
      await withTimeout(this.keytar.findCredentials(`${this.service}-probe`), 5000);
      return { available: true, kind: 'keychain' };
    } catch (err) {
      return { available: false, kind: 'none', fix: `${err instanceof Error ? err.message.split('\n')[0] : 'no answer'}. ${fixFor(process.platform)}` };
    }
  }
  async get(account: string): Promise<string | null> {
    try {
      return await withTimeout(this.keytar.getPassword(this.service, account), 10000);
    } catch (err) {
      throw keychainError('read a secret', err);
    }
  }
  async set(account: string, secret: string): Promise<void> {
    try {
      await withTimeout(this.keytar.setPassword(this.service, account, secret), 10000);
    } catch (err) {
      throw keychainError('save a secret', err, secret);
    }
  }
  async delete(account: string): Promise<boolean> {
    try {
      return await withTimeout(this.keytar.deletePassword(this.service, account), 10000);
    } catch (err) {
      throw keychainError('delete a secret', err);
    }
  }
}

export class UnavailableSecretStore implements SecretStore {
  constructor(private readonly reason: string) {}
  async status(): Promise<SecretStoreStatus> {
    return { available: false, kind: 'none', fix: this.reason };
  }
  async get(): Promise<string | null> {
    throw new AppException('secret_store_unavailable', this.reason);
  }
  async set(): Promise<void> {
    throw new AppException('secret_store_unavailable', this.reason);
  }
  async delete(): Promise<boolean> {
    throw new AppException('secret_store_unavailable', this.reason);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Load keytar if it was built; otherwise a store that explains the fix. */
export async function openKeychain(service = KEYCHAIN_SERVICE, load: () => KeytarApi = loadKeytar): Promise<SecretStore> {
  let keytar: KeytarApi;
  try {
    keytar = load();
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : 'not installed';
    return new UnavailableSecretStore(`The keychain module (keytar) could not be loaded (${why}). ${fixFor(process.platform)}`);
  }
  const store = new KeytarSecretStore(keytar, service);
  const s = await store.status();
  return s.available ? store : new UnavailableSecretStore(s.fix ?? fixFor(process.platform));
}

function loadKeytar(): KeytarApi {
  const require = createRequire(import.meta.url);
  const mod = require('keytar') as KeytarApi & { default?: KeytarApi };
  return mod.default ?? mod;
}
