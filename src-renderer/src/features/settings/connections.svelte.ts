/**
 * Settings › Connections: the registry joined with each cluster's sync
 * state, and the outcome of the last test per connection.
 */
import type { ClusterSync, Connection, ConnectionTest } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { errorCode, errorMessage } from '../../lib/errors';
import { Resource } from '../../lib/resource.svelte';

export interface TestState {
  pending: boolean;
  result?: ConnectionTest;
  error?: string;
  code?: string | null;
}

export interface ConnectionRow {
  connection: Connection;
  sync: ClusterSync | null;
  test: TestState | null;
}

/** A sync error or test failure that says the server's certificate no longer matches the pin. */
export function mentionsFingerprintChange(text: string | null | undefined): boolean {
  if (!text) return false;
  return /fingerprint|certificate/i.test(text) && /chang|mismatch|differ|no longer/i.test(text);
}

export function needsRepin(row: ConnectionRow): boolean {
  if (row.test?.code === 'tls_pin_mismatch') return true;
  return mentionsFingerprintChange(row.sync?.lastError) || (row.test?.result?.ok === false && mentionsFingerprintChange(row.test.result.message));
}

export class ConnectionsModel {
  readonly list = new Resource(() => api().call('connections:list', {}));
  readonly sync = new Resource(() => api().call('fleet:syncState', {}));
  tests = $state.raw<Record<string, TestState>>({});

  load(): Promise<unknown> {
    return Promise.all([this.list.load(), this.sync.load()]);
  }

  get rows(): ConnectionRow[] {
    const syncById = new Map((this.sync.data ?? []).map((s) => [s.clusterId, s]));
    return (this.list.data ?? []).map((connection) => ({
      connection,
      sync: syncById.get(connection.id) ?? null,
      test: this.tests[connection.id] ?? null,
    }));
  }

  async test(id: string): Promise<void> {
    this.tests = { ...this.tests, [id]: { pending: true } };
    try {
      const result = await api().call('connections:test', { id });
      this.tests = { ...this.tests, [id]: { pending: false, result } };
    } catch (err) {
      this.tests = { ...this.tests, [id]: { pending: false, error: errorMessage(err), code: errorCode(err) } };
    }
  }

  forgetTest(id: string): void {
    const next = { ...this.tests };
    delete next[id];
    this.tests = next;
  }

  cancel(): void {
    this.list.cancel();
    this.sync.cancel();
  }
}
