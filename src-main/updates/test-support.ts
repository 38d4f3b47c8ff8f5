/**
 * Test helpers: a fresh Ed25519 key pair pinned for the test, update
 * metadata written by the same YAML writer electron-builder uses (js-yaml's
 * dump, with electron-builder's options), and a signed release folder.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pinnedKeyFrom, signMetadata, type PinnedKey } from './signature';

const require = createRequire(import.meta.url);
// electron-builder serialises UpdateInfo with js-yaml (a dependency of electron-builder and electron-updater).
const yaml = require('js-yaml') as { dump(o: unknown, opts: Record<string, unknown>): string; load(s: string): unknown };

export function testKey(name = 'test release key'): { privatePem: string; pinned: PinnedKey } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pinned: pinnedKeyFrom(name, publicKey) };
}

export function sha512b64(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest('base64');
}

export interface ReleaseFile {
  name: string;
  bytes: Uint8Array;
}

/** Metadata as electron-builder writes it for these files (the first is `path`). */
export function metadataYaml(version: string, files: ReleaseFile[], extra: Record<string, unknown> = {}): string {
  const list = files.map((f) => ({ url: f.name, sha512: sha512b64(f.bytes), size: f.bytes.length }));
  return dumpYaml({ version, files: list, path: list[0]?.url, sha512: list[0]?.sha512, releaseDate: '2026-11-20T10:00:00.000Z', ...extra });
}

export function dumpYaml(o: unknown): string {
  return yaml.dump(o, { lineWidth: 8000 });
}

export function loadYaml(s: string): unknown {
  return yaml.load(s);
}

/** Write a signed release folder: the files, the metadata and its `.sig`. */
export function writeRelease(
  dir: string,
  opts: { version: string; files: ReleaseFile[]; privatePem?: string; metadataName?: string },
): { metadata: string; metadataName: string } {
  mkdirSync(dir, { recursive: true });
  const metadataName = opts.metadataName ?? 'latest-linux.yml';
  for (const f of opts.files) writeFileSync(join(dir, f.name), f.bytes);
  const metadata = metadataYaml(opts.version, opts.files);
  writeFileSync(join(dir, metadataName), metadata);
  if (opts.privatePem) writeFileSync(join(dir, `${metadataName}.sig`), signMetadata(metadataName, Buffer.from(metadata), opts.privatePem));
  return { metadata, metadataName };
}
