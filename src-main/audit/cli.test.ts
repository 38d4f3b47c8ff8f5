/**
 * `cairn audit verify`: in process over runAuditCli and runCli, and once as
 * an operator runs it (`npm run --silent cairn -- audit verify FILE`, a real
 * child process). Exit codes: 0 valid, 1 invalid (malformed included), 2
 * usage, unreadable file or unusable --vkey. Also: a state-changing CLI
 * command is recorded in the audit trail with source CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP, runCli } from '../cli/run';
import { generateNoteKey } from '../ledger';
import { MemorySecretStore } from '../secrets';
import { openDatabase } from '../store/database';
import { verifyAuditBundle } from './bundle';
import { runAuditCli } from './cli';
import { AuditService } from './service';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let good: string;
let vkey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-audit-cli-'));
  const svc = new AuditService({ db: openDatabase(':memory:'), secrets: new MemorySecretStore(), installId: 'cli00001' });
  for (let i = 0; i < 5; i++) svc.record({ actor: 'alice', roles: ['administrator'], source: 'cli', action: 'settings.set', target: null, outcome: 'ok', details: { n: i } });
  const out = await svc.exportBundle();
  vkey = out.bundle.verifierKeys[0] as string;
  good = join(dir, 'good.json');
  writeFileSync(good, out.text);
  writeFileSync(join(dir, 'tampered.json'), out.text.replace('"n": 3', '"n": 4'));
  writeFileSync(join(dir, 'junk.json'), 'not json');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAuditCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), readFile: (p) => readFile(p, 'utf8') });
  return { code, out, err };
}

describe('cairn audit verify', () => {
  it('exits 0 for a valid bundle, 1 for a tampered or malformed one, 2 for usage and unreadable input', async () => {
    const ok = await run(['verify', good, '--vkey', vkey]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/VALID \(5 entries\)/);
    const tampered = await run(['verify', join(dir, 'tampered.json'), '--vkey', vkey]);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toMatch(/^FAIL inclusion: /m);
    expect((await run(['verify', join(dir, 'junk.json')])).code).toBe(1);
    expect((await run(['verify', good, '--vkey', generateNoteKey('someone.else').vkey])).code).toBe(1);
    expect((await run(['verify', join(dir, 'missing.json')])).code).toBe(2);
    expect((await run(['verify'])).code).toBe(2);
    expect((await run(['verify', good, '--vkey', 'not a key'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    const json = await run(['verify', good, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, entries: 5 });
  });

  it('exports a range to a file (bundle, CSV, PDF) through the injected service; usage errors exit 2', async () => {
    const svc = new AuditService({ db: openDatabase(':memory:'), secrets: new MemorySecretStore(), installId: 'cli00002' });
    for (let i = 0; i < 3; i++) svc.record({ actor: 'bob', roles: [], source: 'cli', action: 'connections.add', target: `c${i}`, outcome: 'ok', details: {} });
    const written = new Map<string, string | Uint8Array>();
    const io = {
      stdout: () => undefined,
      stderr: () => undefined,
      readFile: (p: string) => readFile(p, 'utf8'),
      writeFile: async (p: string, d: string | Uint8Array) => void written.set(p, d),
      withAudit: <T>(_flags: Record<string, unknown>, fn: (a: AuditService) => Promise<T>) => fn(svc),
    };
    expect(await runAuditCli(['export', '--format', 'bundle', '--out', 'b.json'], io)).toBe(0);
    expect(await runAuditCli(['export', '--format', 'csv', '--out', 'a.csv', '--from', '2000-01-01T00:00:00Z'], io)).toBe(0);
    expect(await runAuditCli(['export', '--format', 'pdf', '--out', 'a.pdf'], io)).toBe(0);
    const vk = await svc.verifierKey();
    expect(verifyAuditBundle(written.get('b.json') as string, { vkey: vk })).toMatchObject({ valid: true, entries: 3 });
    expect(String(written.get('a.csv')).split('\r\n')[0]).toBe('seq,at,actor,roles,source,action,target,outcome,error,details');
    expect(Buffer.from(written.get('a.pdf') as Uint8Array).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await runAuditCli(['export', '--format', 'xml', '--out', 'x'], io)).toBe(2);
    expect(await runAuditCli(['export', '--format', 'csv'], io)).toBe(2);
    expect(await runAuditCli(['export', '--format', 'csv', '--out', 'x', '--from', 'yesterday'], io)).toBe(2);
  });

  it('records CLI connection changes in the audit trail of the data directory with source CLI (keychain or not)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-audit-cli-data-'));
    const secret = `PLANTED-${Date.now().toString(36)}-cli-secret`;
    const io = { stdout: () => undefined, stderr: () => undefined, stdin: async () => secret };
    const fp = Array.from({ length: 32 }, () => 'AB').join(':');
    try {
      const added = await runCli(['connections', 'add', '--name', 'audit-cli-1', '--url', 'https://127.0.0.1:9', '--token-id', 'ops@pve!cli', '--fingerprint', fp, '--data-dir', dataDir], io);
      // With an OS keychain the add succeeds (and is removed again); without one it fails: either way it is recorded.
      if (added === 0) expect(await runCli(['connections', 'remove', '--name', 'audit-cli-1', '--data-dir', dataDir], io)).toBe(0);
      const db = openDatabase(join(dataDir, 'cairn.db'));
      try {
        const rows = db.prepare('SELECT action, source, outcome, error, target, details FROM audit_entries ORDER BY seq').all() as { action: string; source: string; outcome: string; error: string | null; target: string; details: string }[];
        expect(rows[0]).toMatchObject({ action: 'connections.add', source: 'cli', target: 'audit-cli-1', ...(added === 0 ? { outcome: 'ok' } : { outcome: 'failed', error: 'secret_store_unavailable' }) });
        if (added === 0) expect(rows[1]).toMatchObject({ action: 'connections.remove', source: 'cli', outcome: 'ok' });
        expect(JSON.stringify(rows)).not.toContain(secret);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is dispatched by the cairn CLI and listed in its help', async () => {
    expect(HELP).toMatch(/audit verify FILE \[--vkey VKEY\] \[--json\]/);
    let out = '';
    const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (out += s), stdin: async () => '' };
    expect(await runCli(['audit', 'verify', good, '--json'], io)).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ valid: true });
  });

  it('runs as an operator runs it: npm run --silent cairn -- audit verify', async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((res, rej) => {
      const child = spawn('npm', ['run', '--silent', 'cairn', '--', 'audit', 'verify', join(dir, 'tampered.json'), '--vkey', vkey], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', rej);
      child.on('close', (code) => res({ code, stdout }));
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/INVALID/);
  }, 60_000);
});
