/** Secrets held in process memory for this run only (`--ephemeral-secrets`, tests). */
import type { SecretStoreStatus } from '../../src-preload/contract';
import type { SecretStore } from './secret-store';

export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();

  async status(): Promise<SecretStoreStatus> {
    return { available: true, kind: 'ephemeral' };
  }
  async get(account: string): Promise<string | null> {
    return this.values.get(account) ?? null;
  }
  async set(account: string, secret: string): Promise<void> {
    this.values.set(account, secret);
  }
  async delete(account: string): Promise<boolean> {
    return this.values.delete(account);
  }
}
