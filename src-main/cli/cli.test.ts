/**
 * The `cairn` command line as an operator runs it (`npm run --silent cairn
 * -- …`, a real child process): usage and exit codes, the first-contact
 * fingerprint check against a real TLS server, and the connection registry
 * on a throwaway data dir. Adding a connection stores its secret in the OS
 * keychain, so that part needs one (CAIRN_KEYRING=1, which `npm test` sets).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert, type TestCert } from '../pve/test-support';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const KEYRING = process.env.CAIRN_KEYRING === '1';
const NO_KEYRING = 'no Secret Service in this session: run `npm test` (it starts gnome-keyring in dbus-run-session and sets CAIRN_KEYRING=1)';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dataDir: string;

function cairn(args: string[], opts: { stdin?: string; dataDir?: string } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npm', ['run', '--silent', 'cairn', '--', ...args], {
      cwd: ROOT,
      // A data dir is passed explicitly where a command takes one; this keeps anything else away from the operator's.
      env: { ...process.env, CAIRN_DATA_DIR: opts.dataDir ?? dataDir, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('usage', () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await cairn(['--help']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('usage: cairn <command> [options]');
    expect(r.stdout).toContain('connections add');
    expect(r.stdout).toMatch(/exit codes: 0 ok, 1 .*, 2 usage/);
  });

  it('no command prints the usage and exits 2', async () => {
    const r = await cairn([]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout).toContain('usage: cairn');
  });

  it('version --json prints the package version as JSON', async () => {
    const r = await cairn(['version', '--json']);
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'cairn', version: VERSION });
  });

  it('version prints one line', async () => {
    const r = await cairn(['version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe(`cairn ${VERSION}\n`);
  });

  it('an unknown command exits 2 and says so', async () => {
    const r = await cairn(['frobnicate']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });

  it('an unknown option exits 2', async () => {
    const r = await cairn(['connections', 'list', '--colour']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('unknown option --colour');
  });

  it('a missing required option exits 2', async () => {
    const r = await cairn(['connections', 'add', '--name', 'x', '--data-dir', dataDir]);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('--url is required');
  });
});

describe('connections on an empty data dir', () => {
  it('list --json prints []', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cairn-cli-empty-'));
    try {
      const r = await cairn(['connections', 'list', '--json', '--data-dir', empty], { dataDir: empty });
      expect(r.code, show(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('list without --json says there are none', async () => {
    const r = await cairn(['connections', 'list', '--data-dir', dataDir]);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('No connections');
  });

  it('remove of an unknown connection exits 1', async () => {
    const r = await cairn(['connections', 'remove', '--name', 'nope', '--data-dir', dataDir]);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toContain('no such connection');
  });
});

describe('connections add: first contact', () => {
  let cert: TestCert;
  let server: Server;
  let url: string;
  let requests = 0;

  beforeAll(async () => {
    cert = await selfSignedCert({ cn: 'pve-cli-test.local' });
    server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
  });

  it('without --fingerprint shows the server certificate fingerprint, sends nothing, and exits 2', async () => {
    const secret = `never-sent-${randomBytes(8).toString('hex')}`;
    const r = await cairn(['connections', 'add', '--name', 'lab', '--url', url, '--token-id', 'ops@pve!console', '--data-dir', dataDir], { stdin: secret });
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain(cert.fingerprint);
    expect(r.stderr).toContain('pve-cli-test.local');
    expect(r.stderr).toContain(`--fingerprint ${cert.fingerprint}`);
    expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    // Only the TLS handshake happened: no HTTP request, so no token could have been sent.
    expect(requests).toBe(0);
    // And nothing was registered.
    const list = await cairn(['connections', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('refuses an http:// URL with exit 2', async () => {
    const r = await cairn(
      ['connections', 'add', '--name', 'plain', '--url', 'http://127.0.0.1:8006', '--token-id', 'ops@pve!console', '--fingerprint', cert.fingerprint, '--data-dir', dataDir],
      { stdin: 'secret-value' },
    );
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/url: expected an https:\/\/ URL/);
  });

  it('refuses a malformed fingerprint with exit 2', async () => {
    const r = await cairn(
      ['connections', 'add', '--name', 'badfp', '--url', url, '--token-id', 'ops@pve!console', '--fingerprint', 'AB:CD', '--data-dir', dataDir],
      { stdin: 'secret-value' },
    );
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('fingerprint');
  });

  it('refuses an empty secret on stdin with exit 2', async () => {
    const r = await cairn(
      ['connections', 'add', '--name', 'nosecret', '--url', url, '--token-id', 'ops@pve!console', '--fingerprint', cert.fingerprint, '--data-dir', dataDir],
      { stdin: '' },
    );
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toContain('read from stdin');
  });

  it('adds with the secret on stdin, lists it without the secret, and removes it', async (ctx) => {
    if (!KEYRING) ctx.skip(NO_KEYRING);
    const secret = `0b1f${randomBytes(14).toString('hex')}`;
    const add = await cairn(
      ['connections', 'add', '--name', 'lab-1', '--url', url, '--token-id', 'ops@pve!console', '--fingerprint', cert.fingerprint.toLowerCase(), '--site', 'Lab', '--json', '--data-dir', dataDir],
      { stdin: `${secret}\n` },
    );
    expect(add.code, show(add)).toBe(0);
    const added = JSON.parse(add.stdout) as Record<string, unknown>;
    expect(added).toMatchObject({ name: 'lab-1', kind: 'pve', url, fingerprint: cert.fingerprint, tokenId: 'ops@pve!console', site: 'Lab', hasSecret: true, simulated: false });
    expect(add.stdout + add.stderr).not.toContain(secret);

    const list = await cairn(['connections', 'list', '--json', '--data-dir', dataDir]);
    expect(list.code, show(list)).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([added]);
    expect(list.stdout).not.toContain(secret);

    const dup = await cairn(
      ['connections', 'add', '--name', 'lab-1', '--url', url, '--token-id', 'ops@pve!console', '--fingerprint', cert.fingerprint, '--data-dir', dataDir],
      { stdin: secret },
    );
    expect(dup.code, show(dup)).toBe(1);
    expect(dup.stderr).toContain('already exists');

    const text = await cairn(['connections', 'list', '--data-dir', dataDir]);
    expect(text.stdout).toContain(`lab-1\tpve\t${url}\tops@pve!console\t${cert.fingerprint}`);

    const rm = await cairn(['connections', 'remove', '--name', 'lab-1', '--data-dir', dataDir]);
    expect(rm.code, show(rm)).toBe(0);
    expect(rm.stdout).toContain('Removed lab-1');
    const after = await cairn(['connections', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(after.stdout)).toEqual([]);
    expect(requests).toBe(0);
  });
});
