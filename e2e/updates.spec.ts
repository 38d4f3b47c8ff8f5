/**
 * Settings › Updates in browser mode, end to end: the panel shows the
 * running version and that installing is the desktop app's job, and
 * verifying a release folder (a USB stick) through the form reaches the
 * main process over the WebSocket and shows its verdict — an unsigned
 * folder and one signed by a key this build does not pin are refused with
 * their reasons.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { guardConsole, openConsole, screenshot, settle } from './support';

const NAME = process.platform === 'win32' ? 'latest.yml' : process.platform === 'darwin' ? 'latest-mac.yml' : process.arch === 'x64' ? 'latest-linux.yml' : `latest-linux-${process.arch}.yml`;
const root = mkdtempSync(join(tmpdir(), 'cairn-e2e-updates-'));
test.afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A release folder as electron-builder writes it, optionally signed with a throwaway key. */
function release(dir: string, signed: boolean): void {
  mkdirSync(dir, { recursive: true });
  const file = Buffer.from('not really an installer');
  writeFileSync(join(dir, 'Cairn-99.0.0.AppImage'), file);
  const sha512 = createHash('sha512').update(file).digest('base64');
  const metadata = `version: 99.0.0\nfiles:\n  - url: Cairn-99.0.0.AppImage\n    sha512: ${sha512}\n    size: ${file.length}\npath: Cairn-99.0.0.AppImage\nsha512: ${sha512}\nreleaseDate: '2026-11-20T10:00:00.000Z'\n`;
  writeFileSync(join(dir, NAME), metadata);
  if (signed) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' }).subarray(12)).digest('hex').slice(0, 16);
    const signature = sign(null, Buffer.concat([Buffer.from(`cairn-update-signature/1\n${NAME}\n`), Buffer.from(metadata)]), privateKey).toString('base64');
    writeFileSync(join(dir, `${NAME}.sig`), JSON.stringify({ format: 'cairn-update-signature/1', keyId, signature }));
  }
}

test('Settings › Updates: verify a USB stick in browser mode, refused with reasons', async ({ page }) => {
  const guard = await guardConsole(page);
  release(join(root, 'unsigned'), false);
  release(join(root, 'foreign'), true);

  await openConsole(page);
  await page.getByRole('navigation', { name: 'Areas' }).getByRole('button', { name: 'Settings' }).click();
  const section = page.getByRole('region', { name: 'Updates' });
  await expect(section.getByText(/Updates are installed by the desktop app/)).toBeVisible();
  await expect(section.getByText(/^Cairn \d+\.\d+\.\d+/)).toBeVisible();

  const form = section.getByRole('form', { name: 'Update from folder' });
  await form.getByLabel('Verify a release folder').fill(join(root, 'unsigned'));
  await form.getByRole('button', { name: 'Verify folder' }).click();
  await expect(section.getByRole('list', { name: 'Reasons' })).toContainText('signature-missing');
  await expect(section.getByText('refused', { exact: true })).toBeVisible();

  await form.getByLabel('Verify a release folder').fill(join(root, 'foreign'));
  await form.getByRole('button', { name: 'Verify folder' }).click();
  await expect(section.getByRole('list', { name: 'Reasons' })).toContainText('unknown-key');
  await expect(section.getByRole('list', { name: 'Reasons' })).toContainText('does not trust');

  await form.getByLabel('Verify a release folder').fill(join(root, 'no-such-folder'));
  await form.getByRole('button', { name: 'Verify folder' }).click();
  await expect(form.getByText(/is not a folder/)).toBeVisible();

  await section.scrollIntoViewIfNeeded();
  await settle(page);
  await screenshot(page, 'updates');
  await guard.expectClean();
});
