/**
 * Which hosts are attested: the newest result among the confidential
 * guests the fleet cache has on the host now, accepted and at most 24 h
 * old. Each refusal names the host, the verdict and its age.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AttestationResult } from '../../src-preload/contract';
import { openDatabase, type Db } from '../store/database';
import { AttestationRepo } from './attestation-repo';
import { FleetAttestedHosts, formatAge } from './attested-hosts';

const NOW = new Date('2026-03-01T12:00:00Z');
let db: Db;
let repo: AttestationRepo;
let hosts: FleetAttestedHosts;

function result(vmid: number, verdict: AttestationResult['verdict'], ageSeconds: number): number {
  const at = new Date(NOW.getTime() - ageSeconds * 1000).toISOString();
  const evidence = Buffer.from(`evidence ${vmid} ${verdict} ${ageSeconds}`);
  return repo.insert({
    guest: { clusterId: 'c1', vmid, name: `g${vmid}` },
    host: '10.0.0.1:22',
    source: 'ssh',
    at,
    operator: 'alice',
    verdict,
    reasons: [],
    product: 'Milan',
    measurement: null,
    tcb: null,
    policyVersion: 0,
    nonce: null,
    verifiedAt: at,
    detail: { fields: [], checks: {}, chain: [] },
    evidence,
    evidenceSha256: evidence.toString('hex').slice(0, 64).padEnd(64, '0'),
  }).id;
}

beforeEach(() => {
  db = openDatabase(':memory:');
  db.exec(`
    INSERT INTO connections (id, name, kind, url, fingerprint, token_id, site, simulated, created_at) VALUES ('c1', 'fra', 'pve', 'https://fra.invalid:8006', NULL, 't@pve!x', 'fra', 0, '2025-01-01T00:00:00Z');
    INSERT INTO fleet_sites (id, name, region, kind) VALUES ('site:fra', 'fra-edge-1', 'eu', 'edge');
    INSERT INTO fleet_clusters (id, name, site_id) VALUES ('c1', 'fra', 'site:fra');
    INSERT INTO fleet_guests (cluster_id, vmid, type, name, status, node, pool, tags, tenant, cpus, cpu, mem, maxmem, disk, maxdisk, uptime, template, hastate, hash) VALUES
      ('c1', 101, 'qemu', 'g101', 'running', 'pve1', NULL, 'confidential', NULL, 2, 0, 1, 2, 0, 10, 1, 0, NULL, 'a'),
      ('c1', 102, 'qemu', 'g102', 'running', 'pve1', NULL, 'tenant-acme;confidential', NULL, 2, 0, 1, 2, 0, 10, 1, 0, NULL, 'b'),
      ('c1', 201, 'qemu', 'g201', 'running', 'pve2', NULL, 'confidential', NULL, 2, 0, 1, 2, 0, 10, 1, 0, NULL, 'c'),
      ('c1', 301, 'qemu', 'g301', 'running', 'pve3', NULL, 'prod', NULL, 2, 0, 1, 2, 0, 10, 1, 0, NULL, 'd');
  `);
  repo = new AttestationRepo(db);
  hosts = new FleetAttestedHosts(db, () => NOW);
});

describe('attested hosts', () => {
  it('a host with no result is refused, saying so', () => {
    expect(hosts.check({ clusterId: 'c1', node: 'pve1' })).toEqual({
      ok: false,
      reason: 'pve1 has no attestation result: attest a confidential guest running on it first',
      details: { host: 'pve1', verdict: 'none', ageSeconds: -1, resultId: 0 },
    });
  });

  it('a fresh accept attests the host its guest runs on, and only that host', () => {
    const id = result(101, 'accept', 300);
    expect(hosts.check({ clusterId: 'c1', node: 'pve1' })).toEqual({ ok: true, by: `the newest attestation of pve1 (result ${id}, guest g101) was accepted 5 min ago` });
    expect(hosts.check({ clusterId: 'c1', node: 'pve2' }).ok).toBe(false);
    expect(hosts.check({ clusterId: 'c2', node: 'pve1' }).ok).toBe(false);
  });

  it('an accept older than 24 h is stale: refused with its age', () => {
    const id = result(201, 'accept', 25 * 3600);
    expect(hosts.check({ clusterId: 'c1', node: 'pve2' })).toEqual({
      ok: false,
      reason: `the newest attestation of pve2 (result ${id}, guest g201) was accepted 25 h ago, older than the 24 h limit`,
      details: { host: 'pve2', verdict: 'accept', ageSeconds: 90_000, resultId: id },
    });
  });

  it('the newest result of any confidential guest on the host decides: a later reject undoes an accept', () => {
    result(101, 'accept', 600);
    const rej = result(102, 'reject', 60);
    const c = hosts.check({ clusterId: 'c1', node: 'pve1' });
    expect(c).toMatchObject({ ok: false, details: { verdict: 'reject', ageSeconds: 60, resultId: rej } });
    expect(!c.ok && c.reason).toBe(`the newest attestation of pve1 (result ${rej}, guest g102) was rejected 60 s ago`);
    // A newer accept of the same guest that was rejected puts the host back.
    result(102, 'accept', 10);
    expect(hosts.check({ clusterId: 'c1', node: 'pve1' }).ok).toBe(true);
  });

  it('a TDX verdict without collateral does not attest a host', () => {
    result(201, 'accept-signature-and-chain', 120);
    const c = hosts.check({ clusterId: 'c1', node: 'pve2' });
    expect(!c.ok && c.reason).toMatch(/signature and chain only \(no TDX collateral: TCB status unknown\), 2 min ago$/);
  });

  it('results of guests that are not confidential do not count', () => {
    result(301, 'accept', 60);
    expect(hosts.check({ clusterId: 'c1', node: 'pve3' })).toMatchObject({ ok: false, details: { verdict: 'none' } });
  });

  it('a guest that moved takes its host attestation with it (the cache says where it runs now)', () => {
    result(101, 'accept', 60);
    db.prepare("UPDATE fleet_guests SET node = 'pve2' WHERE vmid = 101").run();
    expect(hosts.check({ clusterId: 'c1', node: 'pve1' }).ok).toBe(false);
    expect(hosts.check({ clusterId: 'c1', node: 'pve2' }).ok).toBe(true);
  });

  it('formats ages the way operators read them', () => {
    expect([0, 89, 90, 5399, 5400, 172_799, 172_800].map(formatAge)).toEqual(['0 s', '89 s', '2 min', '90 min', '2 h', '48 h', '2 d']);
  });
});
