/**
 * TDX evidence collection end to end against a real OpenSSH sshd on
 * 127.0.0.1. The allowlisted collector is the production one except for its
 * quote step: instead of configfs-tsm (which needs a TDX guest kernel) it
 * calls a fake quote tool that the harness placed on the sshd side, which
 * records the REPORT_DATA it was given and prints a genuine corpus quote.
 * The collateral for the quote's FMSPC sits in the trust folder's tdx/
 * subfolder, as an operator would carry it in. Also the SSH target memory
 * (migration 17): remembered after a successful collection, reused,
 * edited and forgotten, never holding the key.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttestationDetail, AttestationResult, Result, SavedSshTarget } from '../../src-preload/contract';
import { createApp, type App } from '../app/create-app';
import type { EndpointGateway } from '../connections/connections-service';
import type { ClusterSource } from '../fleet/inventory-sync';
import { MemorySecretStore } from '../secrets';
import { CommandAllowlist } from '../ssh';
import { TestSshd, sshdUnavailable } from '../ssh/sshd-fixture';
import { AppException } from '../util/app-exception';
import { MemoryLogSink } from '../util/log';
import { TDX_TSM_COLLECT, TSM_REPORT_ROOT, tdxCollector } from './collect-commands';
import { decodeTdxQuote } from './tdx-verify';
import { CORPUS, caseById } from './test-support';

const skip = sshdUnavailable();
const CASE = caseById('tdx-v4-phala-full-collateral');
const file = (k: string) => resolve(CORPUS, CASE.files[k] as string);
const QUOTE = readFileSync(file('quote'));
const REPORT_DATA = decodeTdxQuote(QUOTE).body.reportData;

describe('the production TDX collector (configfs-tsm)', () => {
  it('writes the nonce to inblob, checks the provider and the generation, and prints one quote line', () => {
    const nonceHex = 'a1'.repeat(64);
    const line = new CommandAllowlist([TDX_TSM_COLLECT]).build('tdx-tsm-report', { nonceHex }).line;
    expect(line).toContain(`printf '${'\\241'.repeat(64)}' > "$d/inblob"`);
    expect(line).toContain(`r='${TSM_REPORT_ROOT}'/cairn-$$`);
    expect(line).toContain('cat "$d/inblob" > "$r/inblob"');
    expect(line).toContain('[ "$p" = tdx_guest ]');
    expect(line.indexOf('g=$(cat "$r/generation")')).toBeLessThan(line.indexOf('cat "$r/outblob"'));
    expect(line).toMatch(/\[ "\$\(cat "\$r\/generation"\)" = "\$g" \]/);
    expect(line.endsWith(`printf 'quote '; base64 -w0 "$d/quote.bin"; echo`)).toBe(true);
    // Nothing but the hex-checked nonce is ever spliced in.
    expect(() => new CommandAllowlist([TDX_TSM_COLLECT]).build('tdx-tsm-report', { nonceHex: `'; rm -rf / #${'0'.repeat(100)}` })).toThrow(AppException);
  });
});

const unreachable = (): Promise<never> => Promise.reject(new AppException('unreachable', 'no network in tests'));
const gateway: EndpointGateway = { probe: unreachable, test: unreachable };
const clusterSource: ClusterSource = { snapshot: unreachable, siteOf: () => ({ id: 'site:x', name: 'x', region: 'x', kind: 'edge' }), rrd: unreachable };

describe.skipIf(skip !== null)(`TDX evidence collection against a real sshd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let app: App;
  let dataDir: string;
  let tool: string;
  let seen: string;
  const logs = new MemoryLogSink();
  const secrets = new MemorySecretStore();
  let nonce = Buffer.from(REPORT_DATA, 'hex');
  const guest = { clusterId: 'c1', vmid: 5151, name: 'conf-tdx-1' };
  const responses: unknown[] = [];

  async function call<T>(channel: string, payload: unknown): Promise<Result<T>> {
    const r = (await app.router.dispatch(channel, payload, { transport: 'test' })) as Result<T>;
    responses.push(r);
    return r;
  }
  async function must<T>(channel: string, payload: unknown): Promise<T> {
    const r = await call<T>(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value;
  }
  const target = () => ({ host: '127.0.0.1', port: sshd.port, user: sshd.user });
  const trustDir = () => join(dataDir, 'attestation-trust');

  function placeCollateral(): void {
    const tdx = join(trustDir(), 'tdx');
    mkdirSync(tdx, { recursive: true });
    copyFileSync(file('root'), join(trustDir(), 'intel-sgx-root-ca.pem'));
    copyFileSync(file('tcb_info'), join(tdx, 'tcb-info-phala.json'));
    copyFileSync(file('qe_identity'), join(tdx, 'qe-identity.json'));
    copyFileSync(file('tcb_signing_chain'), join(tdx, 'tcb-signing-chain.pem'));
    copyFileSync(file('pck_crl'), join(tdx, 'pck-crl.der'));
    copyFileSync(file('root_ca_crl'), join(tdx, 'root-ca-crl.der'));
    copyFileSync(file('pck_crl_issuer_chain'), join(tdx, 'pck-crl-issuer-chain.pem'));
  }

  beforeAll(async () => {
    sshd = new TestSshd();
    await sshd.start();
    // The fake quote tool on the guest side: records what it was asked to bind, answers with the corpus quote.
    tool = join(sshd.dir, 'fake-tdx-quote');
    seen = join(sshd.dir, 'inblob.hex');
    writeFileSync(tool, `#!/bin/sh\nset -eu\nod -An -tx1 -v "$1" | tr -d ' \\n' > '${seen}'\ncat '${file('quote')}'\n`, { mode: 0o755 });
    const fake = tdxCollector('fake-tdx-quote', 'TDX quote from a fake tool (tests only)', [`'${tool}' "$d/inblob" > "$d/quote.bin"`]);
    dataDir = mkdtempSync(join(tmpdir(), 'cairn-collect-tdx-'));
    placeCollateral();
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
      attestation: { collectors: [fake], tdxCollectCommand: 'fake-tdx-quote', nonce: () => nonce, verifyAt: () => new Date(CASE.verify_at as string), operator: 'alice' },
    });
    app.db.exec(`
      INSERT INTO connections (id, name, kind, url, fingerprint, token_id, site, simulated, created_at) VALUES ('c1', 'fra', 'pve', 'https://fra.invalid:8006', NULL, 't@pve!x', 'fra', 0, '2025-01-01T00:00:00Z');
      INSERT INTO fleet_sites (id, name, region, kind) VALUES ('site:fra', 'fra-edge-1', 'eu', 'edge');
      INSERT INTO fleet_clusters (id, name, site_id) VALUES ('c1', 'fra', 'site:fra');
      INSERT INTO fleet_guests (cluster_id, vmid, type, name, status, node, pool, tags, tenant, cpus, cpu, mem, maxmem, disk, maxdisk, uptime, template, hastate, hash)
        VALUES ('c1', 5151, 'qemu', 'conf-tdx-1', 'running', 'pve1', NULL, 'confidential;tenant-acme', 'acme', 4, 0.1, 1, 2, 0, 10, 100, 0, NULL, 'h');
    `);
    await must('ssh:addKey', { name: 'ops', privateKey: sshd.client.privateKey, passphrase: sshd.client.passphrase });
    await must('ssh:trustHostKey', { ...target(), fingerprint: sshd.hostKeyFingerprint });
  });

  afterAll(async () => {
    await app?.close();
    await sshd?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('nothing is remembered before the first successful collection', async () => {
    expect(await must('attestation:target:get', { clusterId: 'c1', vmid: 5151 })).toBeNull();
    // A collection that fails (no such key) remembers nothing either.
    const r = await call('attestation:attestNow', { guest, target: target(), keyName: 'nope', technology: 'tdx' });
    expect(!r.ok && r.error.code).toBe('not_found');
    expect(await must('attestation:target:get', { clusterId: 'c1', vmid: 5151 })).toBeNull();
  });

  it('collects a fresh quote bound to the nonce, verifies it with the trust-folder collateral and records it', async () => {
    const r = await must<AttestationResult>('attestation:attestNow', { guest, target: target(), keyName: 'ops', technology: 'tdx' });
    expect(r).toMatchObject({ verdict: 'accept', reasons: [], source: 'ssh', product: 'TDX', guest, host: `127.0.0.1:${sshd.port}`, tcb: null });
    expect(r.measurement).toBe(decodeTdxQuote(QUOTE).body.mrTd);
    // The nonce reached the quote tool as the 64 bytes of REPORT_DATA.
    expect(readFileSync(seen, 'utf8')).toBe(REPORT_DATA);
    const row = app.db.prepare('SELECT nonce, verified_at FROM attestation_results WHERE id = ?').get(r.id) as { nonce: string; verified_at: string };
    expect(row.nonce).toBe(REPORT_DATA);
    // The evidence stored is the exact quote that was verified.
    const ev = app.attestation.repo.evidence(r.evidenceSha256);
    expect(ev?.toString('latin1')).toBe(`cairn-evidence/1 tdx\nquote ${QUOTE.toString('base64')}\n`);

    const d = await must<AttestationDetail>('attestation:detail', { resultId: r.id });
    const field = (n: string) => d.fields.find((f) => f.name === n)?.value;
    expect(field('REPORTDATA')).toBe(REPORT_DATA);
    expect(field('MRTD')).toBe(r.measurement);
    expect(field('TCB status')).toBe('UpToDate');
    expect(field('RTMR3')).toMatch(/^[0-9a-f]{96}$/);
    expect(d.chain.map((c) => c.role)).toEqual(['PCK', 'PCK CA', 'Intel SGX Root CA']);
    expect(d.checks.tcbinfo_signature).toBe(true);
  });

  it('a quote whose REPORT_DATA is not the nonce is rejected for exactly that reason', async () => {
    nonce = Buffer.alloc(64, 0x5a);
    try {
      const r = await must<AttestationResult>('attestation:attestNow', { guest, target: target(), keyName: 'ops', technology: 'tdx' });
      expect(r.verdict).toBe('reject');
      expect(r.reasons.map((x) => x.code)).toEqual(['policy-report-data']);
      expect(readFileSync(seen, 'utf8')).toBe('5a'.repeat(64));
    } finally {
      nonce = Buffer.from(REPORT_DATA, 'hex');
    }
  });

  it('without collateral for the FMSPC the verdict is signature and chain only, and says so', async () => {
    rmSync(join(trustDir(), 'tdx'), { recursive: true, force: true });
    try {
      const r = await must<AttestationResult>('attestation:attestNow', { guest, target: target(), keyName: 'ops' });
      expect(r.verdict).toBe('accept-signature-and-chain');
      expect(r.reasons.map((x) => x.code)).toEqual(['collateral-missing']);
      const d = await must<AttestationDetail>('attestation:detail', { resultId: r.id });
      expect(d.fields.find((f) => f.name === 'TCB status')?.value).toMatch(/^unknown — signature and chain only \(no tdx\/ folder/);
    } finally {
      placeCollateral();
    }
  });

  it('the target that worked is remembered per guest — with the technology, the key by name only', async () => {
    const t = await must<SavedSshTarget>('attestation:target:get', { clusterId: 'c1', vmid: 5151 });
    expect(t).toMatchObject({ guest, host: '127.0.0.1', port: sshd.port, user: sshd.user, keyName: 'ops', technology: 'tdx', keyKnown: true });
    // The previous test omitted the technology: the remembered one (tdx) was used.
    const last = app.attestation.repo.history('c1', 5151, 2);
    expect(last.map((x) => x.product)).toEqual(['TDX', 'TDX']);
    const row = JSON.stringify(app.db.prepare('SELECT * FROM attestation_ssh_targets').all());
    expect(row).not.toContain(sshd.client.passphrase);
    expect(row).not.toContain('PRIVATE KEY');
  });

  it('the operator edits and forgets the remembered target; an unknown key is refused', async () => {
    const bad = await call('attestation:target:save', { guest, target: { host: 'conf-tdx-1.example', port: 2222, user: 'attest' }, keyName: 'missing', technology: 'tdx' });
    expect(!bad.ok && [bad.error.code, bad.error.field]).toEqual(['not_found', 'keyName']);
    const edited = await must<SavedSshTarget>('attestation:target:save', { guest, target: { host: 'Conf-TDX-1.example', port: 2222, user: 'attest' }, keyName: 'ops', technology: 'tdx' });
    expect(edited).toMatchObject({ host: 'conf-tdx-1.example', port: 2222, user: 'attest', keyName: 'ops' });
    expect(await must('attestation:target:get', { clusterId: 'c1', vmid: 5151 })).toMatchObject({ host: 'conf-tdx-1.example', port: 2222 });
    // Untrusted input is a typed error, not a crash.
    const junk = await call('attestation:target:save', { guest, target: { host: 'a b;rm', port: 0, user: '-x' }, keyName: 'ops' });
    expect(!junk.ok && junk.error.code).toBe('invalid_request');
    expect(await must('attestation:target:forget', { clusterId: 'c1', vmid: 5151 })).toEqual({ forgotten: true });
    expect(await must('attestation:target:forget', { clusterId: 'c1', vmid: 5151 })).toEqual({ forgotten: false });
    expect(await must('attestation:target:get', { clusterId: 'c1', vmid: 5151 })).toBeNull();
  });

  it('the key and passphrase appear in no response and no log line', () => {
    const text = JSON.stringify(responses) + logs.lines.join('\n');
    expect(text).not.toContain(sshd.client.passphrase);
    for (const l of sshd.client.privateKey.split('\n').filter((x) => x.length >= 16 && !x.startsWith('-----'))) expect(text).not.toContain(l);
  });
});
