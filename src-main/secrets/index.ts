export * from './secret-store';
export { MemorySecretStore } from './memory-secret-store';
export { KeytarSecretStore, UnavailableSecretStore, openKeychain } from './keytar-secret-store';
