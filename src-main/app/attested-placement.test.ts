/**
 * Attested placement as the composition root wires it, on the demo fleet:
 * the operation engine and the capacity advisor both ask the attestation
 * module's FleetAttestedHosts about the host a confidential guest would
 * land on. Migrating to a host without an attestation, or with a stale one,
 * is refused naming the host, the verdict and its age; a fresh accepted
 * attestation (verified from corpus evidence) lets it through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationDto, PlaceResult } from '../../src-preload/contract';
import { caseById, corpusFile } from '../attestation/test-support';
import { MemoryLogSink } from '../util/log';
import { createApp, type App } from './create-app';

const CASE = caseById('virtee-milan-v2');
const b64 = (k: string) => corpusFile(CASE.files[k] as string).toString('base64');

describe('attested placement through the composition root', () => {
  let dir: string;
  let app: App;
  let guest: { clusterId: string; vmid: number; name: string; node: string };
  let target: { vmid: number; name: string; node: string };
  const call = async <T>(channel: string, payload: unknown): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string; details?: unknown }> => {
    const r = await app.router.dispatch(channel, payload, { transport: 'test' });
    return r.ok ? { ok: true, value: r.value as T } : { ok: false, code: r.error.code, message: r.error.message, details: r.error.details };
  };
  const migrate = () => call<OperationDto>('operations:plan', { request: { action: 'migrate', clusterId: guest.clusterId, vmid: guest.vmid, targetNode: target.node } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-attested-placement-'));
    app = await createApp({ dataDir: dir, version: 'test', transport: 'test', secrets: 'ephemeral', fleet: { mode: 'demo', sites: 1, seed: 5 }, sync: false, logSinks: [new MemoryLogSink()], attestation: { operator: 'ann' } });
    await app.sync.syncAll();
    const rows = app.fleet.guests({ query: '', limit: 1000 }).rows.filter((r) => !r.template && r.type === 'qemu' && r.tags.includes('confidential'));
    // A confidential guest, and another confidential guest on a different node of its cluster (whose attestation attests that node).
    for (const g of rows) {
      const other = rows.find((o) => o.clusterId === g.clusterId && o.node !== g.node && o.status === 'running');
      if (other && g.status === 'running') {
        guest = { clusterId: g.clusterId, vmid: g.vmid, name: g.name, node: g.node };
        target = { vmid: other.vmid, name: other.name, node: other.node };
        break;
      }
    }
    expect(guest, 'two confidential guests on different nodes of one demo cluster').toBeTruthy();
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to migrate a confidential guest to a host that was never attested, and the advisor rejects it for the same reason', async () => {
    const r = await migrate();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe('conflict');
    expect(r.message).toBe(`Confidential guest ${guest.name} may not be migrated to ${target.node}: ${target.node} has no attestation result: attest a confidential guest running on it first`);
    expect(r.details).toMatchObject({ reason: 'host-not-attested', host: target.node, verdict: 'none' });

    const place = await call<PlaceResult>('capacity:place', { size: 'small', tenant: 'acme', confidential: true, ha: false });
    if (!place.ok) throw new Error(place.message);
    const cand = place.value.candidates.find((c) => c.clusterId === guest.clusterId && c.node === target.node);
    expect(cand?.reasons).toContain(`confidential: ${target.node} has no attestation result: attest a confidential guest running on it first`);
  }, 60_000);

  it('refuses a stale attestation, with the verdict and its age', async () => {
    const at = new Date(Date.now() - 30 * 3600 * 1000).toISOString();
    const evidence = Buffer.from(`stale evidence ${target.vmid}`);
    const old = app.attestation.repo.insert({
      guest: { clusterId: guest.clusterId, vmid: target.vmid, name: target.name },
      host: null,
      source: 'files',
      at,
      operator: 'ann',
      verdict: 'accept',
      reasons: [],
      product: 'Milan',
      measurement: null,
      tcb: null,
      policyVersion: 0,
      nonce: null,
      verifiedAt: at,
      detail: { fields: [], checks: {}, chain: [] },
      evidence,
      evidenceSha256: '0'.repeat(63) + '1',
    });
    const r = await migrate();
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toBe(
      `Confidential guest ${guest.name} may not be migrated to ${target.node}: the newest attestation of ${target.node} (result ${old.id}, guest ${target.name}) was accepted 30 h ago, older than the 24 h limit`,
    );
    expect(r.details).toMatchObject({ verdict: 'accept', resultId: old.id });
  }, 60_000);

  it('allows it once the host has a fresh accepted attestation; the advisor no longer rejects the host for it', async () => {
    const fresh = await call<{ verdict: string }>('attestation:verifyFiles', {
      report: b64('report'),
      vek: b64('vek'),
      ark: b64('ark'),
      ask: b64('intermediate'),
      at: CASE.verify_at,
      guest: { clusterId: guest.clusterId, vmid: target.vmid, name: target.name },
    });
    expect(fresh.ok && fresh.value.verdict).toBe('accept');
    expect(app.attestation.repo.latestByGuest().get(`${guest.clusterId}/${target.vmid}`)?.verdict).toBe('accept');

    const r = await migrate();
    // Capacity may still refuse the host for room (the move advisor's business); attestation no longer does.
    if (r.ok) expect([r.value.state, r.value.plan.expectedEffect]).toEqual(['planned', `${guest.name} on ${target.node}`]);
    else expect(r.message).not.toMatch(/attest/i);

    const place = await call<PlaceResult>('capacity:place', { size: 'small', tenant: 'acme', confidential: true, ha: false });
    if (!place.ok) throw new Error(place.message);
    const cand = place.value.candidates.find((c) => c.clusterId === guest.clusterId && c.node === target.node);
    expect(cand?.reasons.filter((x) => x.startsWith('confidential'))).toEqual([]);
  }, 60_000);

  it('a guest that is not confidential is migrated without asking', async () => {
    const plain = app.fleet.guests({ query: '', limit: 1000 }).rows.find((r) => !r.template && r.type === 'qemu' && !r.tags.includes('confidential') && r.clusterId === guest.clusterId && r.node !== target.node);
    if (!plain) return;
    const r = await call<OperationDto>('operations:plan', { request: { action: 'migrate', clusterId: plain.clusterId, vmid: plain.vmid, targetNode: target.node } });
    if (!r.ok) expect(r.message).not.toMatch(/Confidential guest|attest/i);
  }, 60_000);
});
