/**
 * Evidence collection end to end against a real OpenSSH sshd on 127.0.0.1
 * (own host key, own client key, run as the current user). The allowlisted
 * test collector prints a genuine corpus report and its certificates, so
 * the verifier runs on real bytes at the case's verify_at. Everything goes
 * through the composition root and the router, as the renderer would.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttestationDetail, AttestationList, AttestationResult, Result, SshHostKey } from '../../src-preload/contract';
import { createApp, type App } from '../app/create-app';
import type { EndpointGateway } from '../connections/connections-service';
import type { ClusterSource } from '../fleet/inventory-sync';
import { MemorySecretStore } from '../secrets';
import { CommandAllowlist, NodeSshRunner, type CommandTemplate } from '../ssh';
import { TestSshd, sshdUnavailable } from '../ssh/sshd-fixture';
import { AppException } from '../util/app-exception';
import { MemoryLogSink } from '../util/log';
import { decodeSnpReport } from './snp-report';
import { CORPUS, caseById, corpusFile } from './test-support';

const skip = sshdUnavailable();
const CASE = caseById('virtee-milan-v2');
const file = (k: string) => resolve(CORPUS, CASE.files[k] as string);
const REPORT_DATA = decodeSnpReport(corpusFile(CASE.files.report as string)).reportData;

/** The test collector: the operator nonce goes out, a genuine corpus report comes back. */
const CORPUS_COLLECTOR: CommandTemplate = {
  id: 'corpus-report',
  description: 'print a corpus SEV-SNP report and its certificates (tests only)',
  build: ({ nonceHex }) =>
    [
      `printf 'nonce %s\\n' ${nonceHex}`,
      `printf 'report '; base64 -w0 '${file('report')}'; echo`,
      `printf 'vcek '; base64 -w0 '${file('vek')}'; echo`,
      `printf 'ask '; base64 -w0 '${file('intermediate')}'; echo`,
      `printf 'ark '; base64 -w0 '${file('ark')}'; echo`,
    ].join('; '),
};

const unreachable = (): Promise<never> => Promise.reject(new AppException('unreachable', 'no network in tests'));
const gateway: EndpointGateway = { probe: unreachable, test: unreachable };
const clusterSource: ClusterSource = { snapshot: unreachable, siteOf: () => ({ id: 'site:x', name: 'x', region: 'x', kind: 'edge' }), rrd: unreachable };

describe.skipIf(skip !== null)(`SSH evidence collection against a real sshd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let app: App;
  let dataDir: string;
  const logs = new MemoryLogSink();
  const secrets = new MemorySecretStore();
  let nonce = Buffer.from(REPORT_DATA, 'hex');
  const responses: unknown[] = [];
  const guest = { clusterId: 'c1', vmid: 4242, name: 'conf-db-1' };

  async function call<T>(channel: string, payload: unknown): Promise<Result<T>> {
    const r = (await app.router.dispatch(channel, payload, { transport: 'test' })) as Result<T>;
    responses.push(r);
    return r;
  }
  const target = () => ({ host: '127.0.0.1', port: sshd.port, user: sshd.user });
  const connections = () => (sshd.log.match(/Connection from 127\.0\.0\.1/g) ?? []).length;
  const accepted = () => (sshd.log.match(/Accepted publickey/g) ?? []).length;

  beforeAll(async () => {
    sshd = new TestSshd();
    await sshd.start();
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-collect-'));
    app = await createApp({
      dataDir,
      version: '0.0.0-test',
      transport: 'test',
      secrets,
      fleet: { mode: 'configured' },
      sync: false,
      logSinks: [logs],
      gateway,
      clusterSource,
      attestation: { collectors: [CORPUS_COLLECTOR], collectCommand: 'corpus-report', nonce: () => nonce, verifyAt: () => new Date(CASE.verify_at as string), operator: 'alice' },
    });
    // One confidential guest and one ordinary guest in the fleet cache.
    app.db.exec(`
      INSERT INTO connections (id, name, kind, url, fingerprint, token_id, site, simulated, created_at) VALUES ('c1', 'fra', 'pve', 'https://fra.invalid:8006', NULL, 't@pve!x', 'fra', 0, '2025-01-01T00:00:00Z');
      INSERT INTO fleet_sites (id, name, region, kind) VALUES ('site:fra', 'fra-edge-1', 'eu', 'edge');
      INSERT INTO fleet_clusters (id, name, site_id) VALUES ('c1', 'fra', 'site:fra');
      INSERT INTO fleet_guests (cluster_id, vmid, type, name, status, node, pool, tags, tenant, cpus, cpu, mem, maxmem, disk, maxdisk, uptime, template, hastate, hash)
        VALUES ('c1', 4242, 'qemu', 'conf-db-1', 'running', 'pve1', NULL, 'confidential;tenant-acme', 'acme', 4, 0.1, 1, 2, 0, 10, 100, 0, NULL, 'h'),
               ('c1', 4243, 'qemu', 'plain-web', 'running', 'pve1', NULL, 'prod', NULL, 2, 0.1, 1, 2, 0, 10, 100, 0, NULL, 'h2');
    `);
  });

  afterAll(async () => {
    await app?.close();
    await sshd?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('first contact: shows the fingerprint without authenticating, and nothing runs until it is trusted', async () => {
    const added = await call<{ publicFingerprint: string }>('ssh:addKey', { name: 'ops', privateKey: sshd.client.privateKey, passphrase: sshd.client.passphrase });
    expect(added.ok && added.value.publicFingerprint).toBe(sshd.client.fingerprint);

    const probe = await call<SshHostKey>('ssh:probeHostKey', { host: '127.0.0.1', port: sshd.port });
    expect(probe.ok).toBe(true);
    if (!probe.ok) return;
    expect(probe.value).toMatchObject({ fingerprint: sshd.hostKeyFingerprint, keyType: 'ssh-ed25519', pin: 'new', pinnedFingerprint: null });
    // The probe never sent a user name, let alone a key.
    expect(sshd.log).not.toMatch(/cairn-probe|userauth|Accepted|Failed/);

    const before = connections();
    const r = await call('attestation:attestNow', { guest, target: target(), keyName: 'ops' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('tls_unpinned');
    expect(connections()).toBe(before);
    expect(accepted()).toBe(0);
  });

  it('trusting a fingerprint the host does not present is refused', async () => {
    const r = await call('ssh:trustHostKey', { ...target(), fingerprint: `SHA256:${'B'.repeat(43)}` });
    expect(!r.ok && r.error.code).toBe('tls_pin_mismatch');
    expect(app.ssh.repo.pin('127.0.0.1', sshd.port)).toBeNull();
  });

  it('after trust, collects a fresh report with the nonce as REPORT_DATA, verifies it and records it', async () => {
    const t = await call<{ fingerprint: string }>('ssh:trustHostKey', { ...target(), fingerprint: sshd.hostKeyFingerprint });
    expect(t.ok && t.value.fingerprint).toBe(sshd.hostKeyFingerprint);
    const pinRow = app.db.prepare('SELECT host, port, user, key_type, fingerprint, confirmed_at FROM ssh_hosts').all();
    expect(pinRow).toEqual([{ host: '127.0.0.1', port: sshd.port, user: sshd.user, key_type: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint, confirmed_at: expect.any(String) }]);

    const r = await call<AttestationResult>('attestation:attestNow', { guest, target: target(), keyName: 'ops' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({ verdict: 'accept', reasons: [], source: 'ssh', operator: 'alice', product: 'Milan', guest, host: `127.0.0.1:${sshd.port}` });
    expect(r.value.measurement).toBe(decodeSnpReport(corpusFile(CASE.files.report as string)).measurement);
    expect(r.value.tcb).toMatchObject({ bootloader: expect.any(Number), snp: expect.any(Number) });
    expect(accepted()).toBe(1);
    // The command that ran carried the nonce (sshd logs the exec request at VERBOSE).
    const row = app.db.prepare('SELECT nonce, verified_at FROM attestation_results WHERE id = ?').get(r.value.id) as { nonce: string; verified_at: string };
    expect(row.nonce).toBe(REPORT_DATA);
    expect(row.verified_at).toBe(new Date(CASE.verify_at as string).toISOString());
  });

  it('a random nonce that is not the report REPORT_DATA is rejected by policy (freshness is enforced)', async () => {
    nonce = Buffer.alloc(64, 0x5a);
    try {
      const r = await call<AttestationResult>('attestation:attestNow', { guest, target: target(), keyName: 'ops' });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.verdict).toBe('reject');
      expect(r.value.reasons.map((x) => x.code)).toEqual(['policy-report-data']);
    } finally {
      nonce = Buffer.from(REPORT_DATA, 'hex');
    }
  });

  it('the policy (minimum TCB, measurements) is versioned and applied', async () => {
    const p = await call<{ version: number }>('attestation:policy:set', { minTcb: { snp: 250 }, measurements: ['ab'.repeat(48)], allowDebug: false });
    expect(p.ok && p.value.version).toBe(1);
    const r = await call<AttestationResult>('attestation:attestNow', { guest, target: target(), keyName: 'ops' });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.verdict).toBe('reject');
    expect(r.value.reasons.map((x) => x.code).sort()).toEqual(['policy-measurement', 'policy-tcb']);
    expect(r.value.policyVersion).toBe(1);
    const p2 = await call<{ version: number }>('attestation:policy:set', { minTcb: {}, measurements: [], allowDebug: false });
    expect(p2.ok && p2.value.version).toBe(2);
    expect((app.db.prepare('SELECT COUNT(*) AS n FROM attestation_policy').get() as { n: number }).n).toBe(2);
  });

  it('lists confidential guests with their last verdict, and shows detail and history', async () => {
    const l = await call<AttestationList>('attestation:list', {});
    if (!l.ok) throw new Error(l.error.message);
    expect(l.value.total).toBe(1);
    expect(l.value.rows.map((x) => x.guest.name)).toEqual(['conf-db-1']);
    expect(l.value.rows[0]).toMatchObject({ measurementMatch: 'any', site: 'fra-edge-1', last: { verdict: 'reject', policyVersion: 1 } });
    expect((await call<AttestationList>('attestation:list', { filter: 'never' })).ok).toBe(true);
    const never = await call<AttestationList>('attestation:list', { filter: 'never' });
    expect(never.ok && never.value.rows).toEqual([]);
    expect(never.ok && [never.value.matched, never.value.total]).toEqual([0, 1]);
    // Pages: the counts stay whole while the rows are the requested slice.
    const past = await call<AttestationList>('attestation:list', { offset: 1, limit: 10 });
    expect(past.ok && [past.value.rows.length, past.value.matched, past.value.total]).toEqual([0, 1, 1]);
    expect((await call<AttestationList>('attestation:list', { limit: 5000 })).ok).toBe(false);

    const d = await call<AttestationDetail>('attestation:detail', { clusterId: 'c1', vmid: 4242 });
    if (!d.ok) throw new Error(d.error.message);
    expect(d.value.history.map((h) => h.verdict)).toEqual(['reject', 'reject', 'accept']);
    expect(d.value.chain.map((c) => c.role)).toEqual(['VCEK', 'ASK', 'ARK']);
    expect(d.value.fields.find((f) => f.name === 'REPORT_DATA')?.value).toBe(REPORT_DATA);
    expect(d.value.checks.report_signature).toBe(true);
  });

  it('refuses a command that is not allowlisted before anything is sent', async () => {
    const allowlist = new CommandAllowlist([CORPUS_COLLECTOR]);
    const runner = new NodeSshRunner(allowlist);
    const marker = join(sshd.dir, 'pwned');
    const creds = { user: sshd.user, privateKey: sshd.client.privateKey, passphrase: sshd.client.passphrase };
    const before = connections();
    for (const command of [`touch ${marker}`, { id: 'corpus-report', line: `touch ${marker}` }, { id: 'rm', line: 'rm -rf /' }]) {
      const err = await runner.exec({ host: '127.0.0.1', port: sshd.port }, sshd.hostKeyFingerprint, creds, command as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppException);
      expect((err as AppException).code).toBe('forbidden');
      expect((err as AppException).details?.reason).toBe('command-not-allowlisted');
    }
    // A genuine command object altered after it was issued is refused too.
    const issued = allowlist.build('corpus-report', { nonceHex: REPORT_DATA });
    const altered = Object.assign(Object.create(null) as object, issued, { line: `touch ${marker}` });
    await expect(runner.exec({ host: '127.0.0.1', port: sshd.port }, sshd.hostKeyFingerprint, creds, altered as never)).rejects.toMatchObject({ code: 'forbidden' });
    expect(connections()).toBe(before);
    expect(existsSync(marker)).toBe(false);
  });

  it('results, evidence and policy are append-only: UPDATE and DELETE raise', () => {
    const stmts = [
      "UPDATE attestation_results SET verdict = 'accept'",
      'DELETE FROM attestation_results',
      "UPDATE attestation_evidence SET bytes = x'00'",
      'DELETE FROM attestation_evidence',
      "UPDATE attestation_policy SET operator = 'mallory'",
      'DELETE FROM attestation_policy',
    ];
    for (const sql of stmts) expect(() => app.db.exec(sql), sql).toThrow(/append-only/);
    expect((app.db.prepare('SELECT COUNT(*) AS n FROM attestation_results').get() as { n: number }).n).toBe(3);
    // The stored evidence is the exact bytes that were verified.
    const ev = app.db.prepare('SELECT e.bytes FROM attestation_results r JOIN attestation_evidence e ON e.sha256 = r.evidence_sha256 LIMIT 1').get() as { bytes: Buffer };
    expect(ev.bytes.toString('latin1')).toContain(corpusFile(CASE.files.report as string).toString('base64'));
  });

  it('a changed host key is refused, naming both fingerprints, before authenticating', async () => {
    const pinned = sshd.hostKeyFingerprint;
    await sshd.stop();
    await sshd.start({ newHostKey: true });
    const presented = sshd.hostKeyFingerprint;
    expect(presented).not.toBe(pinned);
    const acceptedBefore = accepted();

    const r = await call('attestation:attestNow', { guest, target: target(), keyName: 'ops' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('tls_pin_mismatch');
    expect(r.error.message).toContain(pinned);
    expect(r.error.message).toContain(presented);
    expect(r.error.details).toMatchObject({ pinnedFingerprint: pinned, presentedFingerprint: presented, kind: 'ssh-host-key' });
    expect(accepted()).toBe(acceptedBefore);
    expect(sshd.log.slice(sshd.log.lastIndexOf('Server listening'))).not.toMatch(/Accepted|Failed publickey|userauth/);

    const probe = await call<SshHostKey>('ssh:probeHostKey', { host: '127.0.0.1', port: sshd.port });
    expect(probe.ok && probe.value).toMatchObject({ pin: 'mismatch', fingerprint: presented, pinnedFingerprint: pinned });
  });

  it('the key and passphrase appear nowhere: not in the database, the logs or any response', async () => {
    const secretsToFind = [sshd.client.passphrase, ...sshd.client.privateKey.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))];
    const haystacks: [string, string][] = [
      ['logs', logs.lines.join('\n')],
      ['responses', JSON.stringify(responses)],
    ];
    for (const f of readdirSync(dataDir, { recursive: true }) as string[]) {
      const p = join(dataDir, f);
      try {
        haystacks.push([f, readFileSync(p).toString('latin1')]);
      } catch {
        // directories
      }
    }
    expect(haystacks.some(([name]) => name === 'cairn.db')).toBe(true);
    for (const [name, text] of haystacks) for (const s of secretsToFind) expect(text.includes(s), `secret found in ${name}`).toBe(false);
    // It is in the secret store, and only there.
    expect(await secrets.get('ssh-key:ops')).toContain(sshd.client.passphrase);
  });
});
