import { describe, expect, it } from 'vitest';
import { centralSnapshot } from './scmp-tenancy';

describe('SCMP pull → central tenancy snapshot', () => {
  it('maps roles, merges bindings per identity, scopes quotas and skips what cannot apply', () => {
    const snap = centralSnapshot({
      tenants: [
        { id: 'acme', name: 'ACME' },
        { id: 'globex', name: 'Globex' },
      ],
      quotas: [
        { id: 'q1', tenant: 'acme', scope: { kind: 'fleet', ref: null }, vcpu: 10, memoryBytes: 20, storageBytes: 30, guests: 4 },
        { id: 'q2', tenant: 'globex', scope: { kind: 'site', ref: 'fra' }, vcpu: 1, memoryBytes: 2, storageBytes: 3, guests: 1 },
        { id: 'q3', tenant: 'globex', scope: { kind: 'pool', ref: null }, vcpu: 1, memoryBytes: 2, storageBytes: 3, guests: 1 },
        { id: 'q4', tenant: 'initech', scope: { kind: 'fleet', ref: null }, vcpu: 1, memoryBytes: 2, storageBytes: 3, guests: 1 },
      ],
      roleBindings: [
        { id: 'b1', identity: 'alice@acme.example', role: 'Tenant admin', tenant: 'acme' },
        { id: 'b2', identity: 'alice@acme.example', role: 'Operator', tenant: 'globex' },
        { id: 'b3', identity: 'bob', role: 'Field engineer', tenant: null },
        { id: 'b4', identity: 'bob', role: 'Viewer', tenant: 'acme' },
        { id: 'b5', identity: 'CN=NOC,OU=Groups,DC=cairn,DC=eu', role: 'Administrator', tenant: null },
      ],
    });
    expect(snap.tenants).toEqual([
      { id: 'acme', name: 'ACME' },
      { id: 'globex', name: 'Globex' },
    ]);
    expect(snap.operators).toEqual([
      { name: 'alice@acme.example', roles: ['operator', 'tenant_admin'], tenants: ['acme', 'globex'] },
      // One fleet-wide binding makes the identity fleet-wide.
      { name: 'bob', roles: ['field_engineer', 'viewer'], tenants: null },
    ]);
    // A pool quota without its pool, or for a tenant the SCMP did not send, is not guessed at.
    expect(snap.quotas).toEqual([
      { tenantId: 'acme', scope: { kind: 'fleet' }, limits: { vcpu: 10, memBytes: 20, storageBytes: 30, guests: 4 } },
      { tenantId: 'globex', scope: { kind: 'site', id: 'fra' }, limits: { vcpu: 1, memBytes: 2, storageBytes: 3, guests: 1 } },
    ]);
    // A binding that names no operator is a directory-group binding, resolved per user by tenancy.
    expect(snap.groupBindings).toEqual([{ group: 'CN=NOC,OU=Groups,DC=cairn,DC=eu', role: 'administrator', tenant: null }]);
    expect(snap.skipped).toEqual([]);
  });
});
