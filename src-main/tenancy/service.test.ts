/** TenancyService over a real SQLite database and inventory: bootstrap, lockout protection, history, usage, quota checks, central import. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InventoryRepo } from '../fleet/inventory-repo';
import { guest, node, snapshot } from '../fleet/test-fixtures';
import { ConnectionsRepo } from '../store/connections-repo';
import { openDatabase, type Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { createGatekeeper, enforce } from './gatekeeper';
import { createOrchestrationGatekeeper } from './orchestration-port';
import { TenancyQuotaSource } from './quota-source';
import { TenancyService } from './service';

const GiB = 1024 ** 3;
let db: Db;
let fra: string;
let rome: string;

function threw(fn: () => unknown): AppException {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppException) return e;
    throw e;
  }
  throw new Error('expected an AppException');
}

beforeEach(() => {
  db = openDatabase(':memory:');
  const conns = new ConnectionsRepo(db);
  fra = conns.insert({ name: 'fra-pve', kind: 'pve', url: 'https://fra:8006', fingerprint: null, tokenId: 't@pve!x', site: 'fra-edge-1', simulated: false }).id;
  rome = conns.insert({ name: 'rome-pve', kind: 'pve', url: 'https://rome:8006', fingerprint: null, tokenId: 't@pve!x', site: 'rome-dc', simulated: false }).id;
  const inv = new InventoryRepo(db);
  inv.apply(fra, { id: 'site:fra-edge-1', name: 'fra-edge-1', region: 'eu-central', kind: 'edge' }, snapshot('fra-pve', [node('n1')], [
    guest(100, 'n1', { tags: ['tenant-acme'], cpus: 4, maxmem: 8 * GiB, maxdisk: 100 * GiB }),
    guest(101, 'n1', { tags: ['tenant-acme'], status: 'stopped', cpus: 2, maxmem: 4 * GiB, maxdisk: 50 * GiB }),
    guest(102, 'n1', { tags: ['tenant-acme'], template: true, cpus: 8, maxmem: 64 * GiB }),
    guest(103, 'n1', { tags: ['tenant-globex'], cpus: 16, maxmem: 32 * GiB }),
    guest(104, 'n1', { tags: [] }),
  ]));
  inv.apply(rome, { id: 'site:rome-dc', name: 'rome-dc', region: 'eu-south', kind: 'datacentre' }, snapshot('rome-pve', [node('r1')], [
    guest(200, 'r1', { tags: ['tenant-acme'], cpus: 8, maxmem: 16 * GiB, maxdisk: 200 * GiB }),
  ]));
});
afterEach(() => db.close());

const svc = (o: { operator?: string; demoQuotas?: boolean } = {}) => new TenancyService({ db, operator: o.operator ?? 'alice', demoQuotas: o.demoQuotas ?? false });

describe('bootstrap and the last Administrator', () => {
  it('makes the first operator of a fresh install Administrator, once', () => {
    const t = svc();
    expect(t.whoami()).toMatchObject({ name: 'alice', roles: ['administrator'], known: true });
    // A second user on the same install is not promoted: they see the fleet until an administrator adds them.
    expect(svc({ operator: 'bob' }).whoami()).toMatchObject({ name: 'bob', roles: ['viewer'], known: false });
    expect(t.operators().map((o) => o.name)).toEqual(['alice']);
  });

  it('refuses removing or demoting the last Administrator, and allows it once there is another', () => {
    const t = svc();
    expect(threw(() => t.removeOperator('alice', 'alice'))).toMatchObject({ code: 'conflict', field: 'roles' });
    expect(threw(() => t.saveOperator('alice', { name: 'alice', roles: ['operator'], tenants: null })).code).toBe('conflict');
    expect(t.identity('alice').roles).toEqual(['administrator']);
    t.saveOperator('alice', { name: 'bob', roles: ['administrator'], tenants: null });
    t.saveOperator('bob', { name: 'alice', roles: ['operator'], tenants: null });
    expect(threw(() => t.removeOperator('bob', 'bob')).code).toBe('conflict');
    t.removeOperator('bob', 'alice');
    expect(t.operators().map((o) => [o.name, o.roles])).toEqual([['bob', ['administrator']]]);
  });

  it('a Tenant admin needs tenants that exist', () => {
    const t = svc();
    expect(threw(() => t.saveOperator('alice', { name: 'kim', roles: ['tenant_admin'], tenants: null })).field).toBe('tenants');
    expect(threw(() => t.saveOperator('alice', { name: 'kim', roles: ['tenant_admin'], tenants: ['nope'] })).code).toBe('not_found');
    t.discover();
    expect(t.saveOperator('alice', { name: 'kim', roles: ['tenant_admin'], tenants: ['acme'] })).toMatchObject({ roles: ['tenant_admin'], tenants: ['acme'] });
  });
});

describe('history', () => {
  it('records who changed what, and refuses updates and deletes', () => {
    const t = svc();
    t.discover();
    t.setQuota('alice', 'acme', { kind: 'fleet' }, { vcpu: 64, memBytes: null, storageBytes: null, guests: null });
    t.setQuota('alice', 'acme', { kind: 'fleet' }, { vcpu: null, memBytes: null, storageBytes: null, guests: null });
    const h = t.history();
    expect(h.map((e) => [e.actor, e.kind, e.subject])).toEqual([
      ['alice', 'quota', 'acme@fleet'],
      ['alice', 'quota', 'acme@fleet'],
      ['inventory', 'tenant', 'globex'],
      ['inventory', 'tenant', 'acme'],
      ['bootstrap', 'operator', 'alice'],
    ]);
    expect(h[0]?.after).toBeNull();
    expect(JSON.parse(h[1]!.after!)).toMatchObject({ limits: { vcpu: 64 } });
    expect(() => db.prepare("UPDATE tenancy_history SET actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM tenancy_history').run()).toThrow(/append-only/);
    expect(t.history()).toHaveLength(5);
  });
});

describe('tenants and usage', () => {
  it('discovers tenants from tags and counts running and stopped guests, not templates', () => {
    const t = svc();
    expect(t.tenants().map((x) => [x.id, x.source])).toEqual([['acme', 'inventory'], ['globex', 'inventory']]);
    expect(t.quotas()).toEqual([]); // no invented quotas outside the demo
    const u = t.usage('acme').rows.map((r) => [r.scopeLabel, r.usage]);
    expect(u).toEqual([
      ['fleet', { vcpu: 14, memBytes: 28 * GiB, storageBytes: 350 * GiB, guests: 3 }],
      ['site fra-edge-1', { vcpu: 6, memBytes: 12 * GiB, storageBytes: 150 * GiB, guests: 2 }],
      ['site rome-dc', { vcpu: 8, memBytes: 16 * GiB, storageBytes: 200 * GiB, guests: 1 }],
      ['pool fra-pve', { vcpu: 6, memBytes: 12 * GiB, storageBytes: 150 * GiB, guests: 2 }],
      ['pool rome-pve', { vcpu: 8, memBytes: 16 * GiB, storageBytes: 200 * GiB, guests: 1 }],
    ]);
  });

  it('demo installs seed plausible fleet quotas above usage, marked demo', () => {
    const t = svc({ demoQuotas: true });
    t.discover();
    const q = t.quotas('acme');
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({ source: 'demo', updatedBy: 'demo seeding', scope: { kind: 'fleet' }, limits: { vcpu: 24, memBytes: 64 * GiB, storageBytes: 1024 ** 4, guests: 5 } });
  });

  it('demo quotas wait until every cluster has synced, and are seeded once', () => {
    let complete = false;
    const t = new TenancyService({ db, operator: 'alice', demoQuotas: true, inventoryComplete: () => complete });
    t.discover();
    expect(t.quotas()).toEqual([]);
    complete = true;
    t.discover();
    expect(t.quotas().map((q) => q.tenantId)).toEqual(['acme', 'globex']);
    t.setQuota('alice', 'acme', { kind: 'fleet' }, { vcpu: null, memBytes: null, storageBytes: null, guests: null });
    t.discover();
    expect(t.quotas().map((q) => q.tenantId)).toEqual(['globex']);
  });

  it('validates the scope of a quota against the inventory', () => {
    const t = svc();
    expect(threw(() => t.setQuota('alice', 'acme', { kind: 'site', id: 'site:nowhere' }, { vcpu: 1, memBytes: null, storageBytes: null, guests: null })).code).toBe('not_found');
    expect(threw(() => t.setQuota('alice', 'nobody', { kind: 'fleet' }, { vcpu: 1, memBytes: null, storageBytes: null, guests: null })).code).toBe('not_found');
  });
});

describe('gatekeeper', () => {
  it('checks the fleet, the site and the pool a change lands in, with the numbers', () => {
    const t = svc();
    t.discover();
    t.setQuota('alice', 'acme', { kind: 'site', id: 'site:fra-edge-1' }, { vcpu: null, memBytes: 40 * GiB, storageBytes: null, guests: null });
    t.setQuota('alice', 'acme', { kind: 'fleet' }, { vcpu: 20, memBytes: null, storageBytes: null, guests: null });
    const g = createGatekeeper(t);
    const add = { vcpu: 4, memBytes: 32 * GiB, storageBytes: 0, guests: 1 };
    expect(g.quotaCheck('acme', add, { kind: 'pool', id: rome }).allowed).toBe(true);
    const d = g.quotaCheck('acme', { ...add, vcpu: 8 }, { kind: 'pool', id: fra });
    expect(d).toMatchObject({ allowed: false, code: 'conflict' });
    if (!d.allowed) expect(d.violations?.map((v) => v.text)).toEqual(['vCPU 14 + 8 > quota 20 at fleet', 'memory 12 GiB + 32 GiB > quota 40 GiB at site fra-edge-1']);
    const e = threw(() => enforce(d));
    expect(e.code).toBe('conflict');
    expect(e.details).toMatchObject({ 'violation0.usage': 14, 'violation0.delta': 8, 'violation0.limit': 20 });
    expect(threw(() => g.quotaCheck('acme', { ...add, vcpu: Number.NaN }, { kind: 'fleet' })).code).toBe('invalid_request');
  });

  it('resolves targets from the inventory so tenant scope holds for guests and pools', () => {
    const t = svc();
    t.discover();
    t.saveOperator('alice', { name: 'kim', roles: ['tenant_admin'], tenants: ['acme'] });
    const g = createGatekeeper(t);
    const kim = t.identity('kim');
    expect(g.authorize(kim, 'guest.delete', g.guestTarget(fra, 100)).allowed).toBe(true);
    expect(g.authorize(kim, 'guest.delete', g.guestTarget(fra, 103)).allowed).toBe(false); // globex's
    expect(g.authorize(kim, 'guest.start', g.guestTarget(fra, 104)).allowed).toBe(false); // nobody's
    expect(g.authorize(kim, 'snapshot.create', g.poolTarget(rome)).allowed).toBe(true); // acme only
    expect(g.authorize(kim, 'snapshot.create', g.poolTarget(fra)).allowed).toBe(false); // shared with globex
    expect(threw(() => g.guestTarget(fra, 999)).code).toBe('not_found');
  });

  it('serves the orchestration engine in its own shape, deny by default', () => {
    const t = svc();
    t.discover();
    t.saveOperator('alice', { name: 'kim', roles: ['tenant_admin'], tenants: ['acme'] });
    t.setQuota('alice', 'acme', { kind: 'pool', id: fra }, { vcpu: null, memBytes: null, storageBytes: null, guests: 2 });
    const o = createOrchestrationGatekeeper(t);
    const acmeGuest = { clusterId: fra, vmid: 100, name: 'vm-100', tags: ['tenant-acme', 'env-prod'] };
    expect(o.authorize('kim', 'guest.delete', acmeGuest)).toMatchObject({ allowed: true, by: 'tenancy (tenant_admin)' });
    expect(o.authorize('kim', 'guest.delete.confirmProtected', acmeGuest).allowed).toBe(false);
    expect(o.authorize('alice', 'guest.delete.confirmProtected', acmeGuest).allowed).toBe(true);
    expect(o.authorize('alice', 'guest.teleport', acmeGuest)).toMatchObject({ allowed: false, reason: expect.stringContaining('Unknown action') });
    expect(o.isProtectedEnvironment(acmeGuest)).toBe(true);
    expect(o.quotaCheck('acme', { guests: 1 }, { clusterId: fra })).toMatchObject({ allowed: false, reason: expect.stringContaining('guests 2 + 1 > quota 2 at pool fra-pve') });
    expect(o.quotaCheck(null, { guests: 1 }, { clusterId: fra }).allowed).toBe(true);
  });

  it('answers the capacity engine with the fleet quota and running + stopped usage', () => {
    const t = svc();
    t.discover();
    const qs = new TenancyQuotaSource(t);
    expect(qs.quota('acme')).toBeNull();
    t.setQuota('alice', 'acme', { kind: 'fleet' }, { vcpu: 32, memBytes: 64 * GiB, storageBytes: null, guests: null });
    expect(qs.quota('acme')).toEqual({ vcpu: 32, mem: 64 * GiB, usedVcpu: 14, usedMem: 28 * GiB });
  });
});

describe('importFromCentral', () => {
  it('upserts tenants, operators and quotas as central, all or nothing', () => {
    const t = svc();
    const r = t.importFromCentral({
      tenants: [{ id: 'initech', name: 'Initech', description: 'from SCMP' }],
      operators: [{ name: 'carol', roles: ['administrator'], tenants: null }],
      quotas: [{ tenantId: 'initech', scope: { kind: 'fleet' }, limits: { vcpu: 8, memBytes: null, storageBytes: null, guests: 2 } }],
    });
    expect(r).toEqual({ tenants: 1, operators: 1, quotas: 1 });
    expect(t.tenants().find((x) => x.id === 'initech')?.source).toBe('central');
    expect(t.operators().find((o) => o.name === 'carol')?.source).toBe('central');
    expect(t.quota('initech', { kind: 'fleet' })?.source).toBe('central');
    // One bad record rolls the whole snapshot back.
    expect(threw(() => t.importFromCentral({ tenants: [{ id: 'hooli', name: 'Hooli' }], operators: [], quotas: [{ tenantId: 'nope', scope: { kind: 'fleet' }, limits: { vcpu: 1, memBytes: null, storageBytes: null, guests: null } }] })).code).toBe('not_found');
    expect(t.tenants().some((x) => x.id === 'hooli')).toBe(false);
    expect(threw(() => t.importFromCentral({ tenants: [{ id: 'Bad Id', name: 'x' }], operators: [] })).code).toBe('invalid_request');
  });
});

describe('central role bindings to directory groups', () => {
  const NOC = 'CN=NOC,OU=Groups,DC=cairn,DC=eu';
  const groupsOf: Record<string, string[]> = { dave: ['dave', 'noc'], erin: ['erin', 'field@cairn.eu'], frank: ['frank'] };
  const withGroups = () => new TenancyService({ db, operator: 'alice', groups: { groupsOf: (u) => groupsOf[u] ?? [] } });

  it('gives a member of a bound group its roles and scope; roles add up with their own record; one fleet-wide grant is fleet-wide', () => {
    const t = withGroups();
    t.importFromCentral({ tenants: [{ id: 'acme', name: 'ACME' }, { id: 'globex', name: 'Globex' }], operators: [] });
    t.saveOperator('alice', { name: 'erin', roles: ['viewer'], tenants: ['acme'] });
    t.importFromCentral({
      tenants: [],
      operators: [],
      groupBindings: [
        { group: NOC, role: 'operator', tenant: null },
        { group: 'field@cairn.eu', role: 'field_engineer', tenant: 'globex' },
      ],
    });
    expect(t.identity('dave')).toEqual({ name: 'dave', roles: ['operator'], tenants: null, known: true });
    expect(t.identity('erin')).toEqual({ name: 'erin', roles: ['viewer', 'field_engineer'], tenants: ['acme', 'globex'], known: true });
    // Not a member of any bound group, no record: an unknown Viewer, as before.
    expect(t.identity('frank')).toEqual({ name: 'frank', roles: ['viewer'], tenants: null, known: false });
    // The grants reach the gatekeeper like any role.
    expect(createGatekeeper({ identity: () => t.identity('dave') } as unknown as TenancyService)).toBeDefined();
  });

  it('a new pull replaces the group bindings, and the change is in the history; without a group source nobody matches', () => {
    const t = withGroups();
    t.importFromCentral({ tenants: [], operators: [], groupBindings: [{ group: NOC, role: 'administrator', tenant: null }] });
    expect(t.identity('dave').roles).toEqual(['administrator']);
    t.importFromCentral({ tenants: [], operators: [], groupBindings: [{ group: 'ops', role: 'viewer', tenant: null }] });
    expect(t.identity('dave')).toMatchObject({ known: false, roles: ['viewer'] });
    expect(t.groupBindings()).toEqual([{ group: 'ops', role: 'viewer', tenant: null }]);
    expect(t.history(10).some((h) => h.subject === 'directory groups')).toBe(true);
    // A snapshot without groupBindings (an SCMP that sends none) leaves them alone.
    t.importFromCentral({ tenants: [], operators: [] });
    expect(t.groupBindings()).toHaveLength(1);
    const plain = svc();
    expect(plain.identity('dave').known).toBe(false);
  });
});
