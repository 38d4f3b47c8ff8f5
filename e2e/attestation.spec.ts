/**
 * Attest now for a TDX guest, from the browser through the real SSH path:
 * a real OpenSSH sshd on 127.0.0.1 (own host key, a client key pasted into
 * the dialog and sent to the keychain), first-contact fingerprint checked
 * against the one ssh-keygen prints, then the production TDX collector
 * (configfs-tsm) runs on that host. This machine is not a TDX guest, so the
 * collector stops with its own explanation, which the dialog shows; a
 * failed collection remembers no target. Skipped without /usr/sbin/sshd.
 */
import { expect, test } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { guardConsole, openConsole, sidebarItem } from './support';

const SSHD = '/usr/sbin/sshd';

function keygen(file: string): { privateKey: string; fingerprint: string } {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cairn-e2e', '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr.toString()}`);
  const fp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]).stdout.toString().split(' ')[1] as string;
  return { privateKey: readFileSync(file, 'utf8'), fingerprint: fp };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

test.describe('attestation over SSH', () => {
  test.skip(!existsSync(SSHD), `${SSHD} is absent (openssh-server)`);
  let dir = '';
  let sshd: ChildProcess | null = null;
  let port = 0;
  let hostFp = '';
  let client = { privateKey: '', fingerprint: '' };

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-sshd-'));
    hostFp = keygen(join(dir, 'host_ed25519')).fingerprint;
    client = keygen(join(dir, 'client_ed25519'));
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519.pub')), { mode: 0o600 });
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_ed25519')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'AllowTcpForwarding no',
        'X11Forwarding no',
        '',
      ].join('\n'),
    );
    const proc = spawn(SSHD, ['-D', '-e', '-f', config, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd = proc;
    let log = '';
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    for (const deadline = Date.now() + 10_000; !/Server listening/.test(log); ) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`sshd did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  test.afterAll(() => {
    sshd?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('TDX attest now: host key confirmed, the production collector runs over SSH and its refusal is shown', async ({ page }) => {
    test.setTimeout(120_000);
    const guard = await guardConsole(page);
    await openConsole(page);
    await sidebarItem(page, 'Attestation').click();
    const table = page.getByRole('table', { name: 'Confidential guests and their last attestation' });
    const attest = table.getByRole('button', { name: /^Attest now / }).first();
    await expect(attest).toBeVisible({ timeout: 60_000 });
    const guestName = ((await attest.getAttribute('aria-label')) ?? '').replace(/^Attest now /, '');
    await attest.click();

    const dialog = page.getByRole('dialog', { name: `Attest ${guestName}` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('remembered-target')).toHaveCount(0);
    await dialog.getByLabel('SSH host').fill('127.0.0.1');
    await dialog.getByLabel('Port').fill(String(port));
    await dialog.getByLabel('User').fill(userInfo().username);
    await dialog.getByLabel(/Intel TDX/).check();
    await dialog.getByLabel('Key name').fill('e2e-ops');
    await dialog.getByLabel('Private key').fill(client.privateKey);
    await dialog.getByRole('button', { name: /Next: check host key/ }).click();

    // First contact: the fingerprint ssh-keygen printed for the host key, nothing run yet.
    await expect(dialog.getByTestId('host-fingerprint')).toHaveText(hostFp, { timeout: 20_000 });
    await expect(dialog.getByRole('button', { name: /Trust and attest/ })).toBeDisabled();
    await dialog.getByLabel(/verified this fingerprint/).check();
    await dialog.getByRole('button', { name: /Trust and attest/ }).click();

    // The production configfs-tsm collector ran on the host and explained why it could not quote.
    await expect(dialog.getByRole('alert')).toContainText(/The evidence collector exited with 3: configfs-tsm is not available|configfs-tsm provider is/, { timeout: 30_000 });
    // The key went to the keychain: the dialog now offers it by name, with no key text anywhere.
    await expect(dialog.getByLabel('Private key')).toHaveCount(0);

    // Nothing is remembered after a failed collection; the pin and the key are.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await attest.click();
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel(/SSH key/)).toHaveValue('e2e-ops');
    await expect(dialog.getByTestId('remembered-target')).toHaveCount(0);
    await expect(dialog.getByLabel('SSH host')).toHaveValue('');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await guard.expectClean();
  });
});
