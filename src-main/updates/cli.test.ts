import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run';
import { runUpdatesCli } from './cli';
import { testKey, writeRelease } from './test-support';

const root = mkdtempSync(join(tmpdir(), 'cairn-updates-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const key = testKey();
const exe = { name: 'Cairn-Setup-1.5.0.exe', bytes: Buffer.from('an NSIS installer') };

async function run(args: string[]) {
  let out = '';
  let err = '';
  const code = await runUpdatesCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), version: '1.4.0', keys: [key.pinned] });
  return { code, out, err };
}

describe('cairn updates verify', () => {
  it('verifies a signed Windows release folder from any platform', async () => {
    const dir = join(root, 'win');
    writeRelease(dir, { version: '1.5.0', files: [exe], privatePem: key.privatePem, metadataName: 'latest.yml' });
    const r = await run(['verify', dir, '--platform', 'win32', '--arch', 'x64']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/latest\.yml: release 1\.5\.0 VERIFIED/);
    expect(r.out).toContain('Cairn-Setup-1.5.0.exe');
    const j = await run(['verify', dir, '--platform', 'win32', '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ state: 'verified', verdict: { ok: true, version: '1.5.0', keyId: key.pinned.keyId } });
  });

  it('exits 1 with the reason for a tampered stick, 2 for usage and a missing folder', async () => {
    const dir = join(root, 'bad');
    writeRelease(dir, { version: '1.5.0', files: [exe], privatePem: key.privatePem, metadataName: 'latest.yml' });
    writeFileSync(join(dir, exe.name), 'swapped');
    const r = await run(['verify', dir, '--platform', 'win32']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/REFUSED\n {2}hash-mismatch: Cairn-Setup-1\.5\.0\.exe does not match/);
    expect((await run(['verify', join(root, 'nope'), '--platform', 'win32'])).code).toBe(2);
    await expect(run(['verify'])).rejects.toThrow(/one FOLDER/);
    await expect(run(['verify', dir, '--platform', 'beos'])).rejects.toThrow(/--platform/);
  });

  it('is wired into the cairn command line with the pinned release keys', async () => {
    const dir = join(root, 'unsigned');
    writeRelease(dir, { version: '9.0.0', files: [exe], metadataName: 'latest.yml' });
    let out = '';
    const code = await runCli(['updates', 'verify', dir, '--platform', 'win32'], { stdout: (s) => (out += s), stderr: () => undefined, stdin: async () => '' });
    expect(code).toBe(1);
    expect(out).toContain('signature-missing');
    let help = '';
    await runCli(['--help'], { stdout: (s) => (help += s), stderr: () => undefined, stdin: async () => '' });
    expect(help).toContain('updates verify FOLDER');
  });
});
