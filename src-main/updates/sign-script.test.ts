/**
 * scripts/sign-update.mjs, run as release engineers run it, produces
 * signatures the app's verifier accepts — and refuses to sign metadata that
 * does not match the files beside it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyIdOf } from './signature';
import { testKey, writeRelease } from './test-support';
import { verifyRelease } from './verify';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/sign-update.mjs');
const root = mkdtempSync(join(tmpdir(), 'cairn-sign-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const key = testKey();
const file = { name: 'Cairn-2.0.0.AppImage', bytes: Buffer.from('release bytes') };

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
}
function verdict(dir: string) {
  return verifyRelease({
    metadataName: 'latest-linux.yml',
    metadata: readFileSync(join(dir, 'latest-linux.yml')),
    signature: readFileSync(join(dir, 'latest-linux.yml.sig')),
    keys: [key.pinned],
    currentVersion: '1.0.0',
  });
}

describe('sign-update.mjs', () => {
  it('signs with a key file, and the app verifies the signature', () => {
    const dir = join(root, 'a');
    writeRelease(dir, { version: '2.0.0', files: [file] });
    const pem = join(root, 'key.pem');
    writeFileSync(pem, key.privatePem);
    const r = run(['--key', pem, join(dir, 'latest-linux.yml')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(key.pinned.keyId);
    expect(verdict(dir)).toMatchObject({ ok: true, metadata: { version: '2.0.0' } });
  });

  it('signs with a key from the environment', () => {
    const dir = join(root, 'b');
    writeRelease(dir, { version: '2.0.0', files: [file] });
    expect(run([join(dir, 'latest-linux.yml')], { CAIRN_UPDATE_SIGNING_KEY: key.privatePem }).status).toBe(0);
    expect(verdict(dir).ok).toBe(true);
    expect(run(['--key-env', 'MY_KEY', join(dir, 'latest-linux.yml')], { MY_KEY: key.privatePem }).status).toBe(0);
  });

  it('refuses to sign metadata that does not match its files, and usage errors', () => {
    const dir = join(root, 'c');
    writeRelease(dir, { version: '2.0.0', files: [file] });
    writeFileSync(join(dir, file.name), 'swapped after the build');
    const r = run([join(dir, 'latest-linux.yml')], { CAIRN_UPDATE_SIGNING_KEY: key.privatePem });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/NOT signed.*does not match/);
    expect(existsSync(join(dir, 'latest-linux.yml.sig'))).toBe(false);
    expect(run([join(dir, 'latest-linux.yml')]).status).toBe(2);
    expect(run([]).status).toBe(2);
    expect(run([join(dir, 'latest-linux.yml')], { CAIRN_UPDATE_SIGNING_KEY: 'not a key' }).status).toBe(2);
  });

  it('generates a key pair: a private key file only the owner can read, and the pin to paste', () => {
    const out = join(root, 'new-release.pem');
    const r = run(['--generate-key', out]);
    expect(r.status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const m = /keyId: '([0-9a-f]{16})'.*publicKey: '([^']+)'/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(keyIdOf(Buffer.from(m![2]!, 'base64'))).toBe(m![1]);
    expect(run(['--generate-key', out]).status).toBe(2);
  });
});
