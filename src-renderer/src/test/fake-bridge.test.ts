import { describe, expect, it } from 'vitest';
import { api, ApiError } from '../lib/api';
import { fail, installFakeBridge } from './fake-bridge';

describe('FakeBridge', () => {
  it('rejects requests that drift from the contract, with the field at fault', async () => {
    const bridge = installFakeBridge({ 'fleet:guests': () => ({ total: 0, rows: [] }) });
    // A limit above the contract's maximum, as a drifting renderer might send.
    const err = await api()
      .call('fleet:guests', { limit: 5000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid_request');
    expect((err as ApiError).field).toBe('limit');
    expect(bridge.contractViolations).toHaveLength(1);
  });

  it('answers failures as ApiError envelopes', async () => {
    installFakeBridge({ 'connections:test': () => fail('not_found', 'No connection', 'id') });
    await expect(api().call('connections:test', { id: 'x' })).rejects.toMatchObject({ code: 'not_found', field: 'id' });
  });

  it('refuses canned responses outside the contract', async () => {
    installFakeBridge({ 'fleet:sites': () => [{ id: 'x' }] as never });
    await expect(api().call('fleet:sites', {})).rejects.toThrow(/does not match the contract/);
  });
});
