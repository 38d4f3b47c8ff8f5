import { mkdtempSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpdateStatus } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { HttpFeedReader } from './feed';
import { parseUpdateMetadata } from './metadata';
import { BROWSER_INSTALL_NOTE, UpdateService, type UpdaterPort } from './service';
import { signMetadata } from './signature';
import { testKey, writeRelease } from './test-support';

const root = mkdtempSync(join(tmpdir(), 'cairn-updates-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const key = testKey();
const stranger = testKey('stranger');
const appImage = { name: 'Cairn-1.5.0.AppImage', bytes: Buffer.alloc(200_000, 0x41) };
let n = 0;
const fresh = () => join(root, `case-${++n}`);

/**
 * A stand-in for electron-updater that behaves like it over the real feed:
 * reads the metadata from the URL it was given, downloads the file over
 * HTTP into its cache, and records what it was asked to do.
 */
class FakeUpdater implements UpdaterPort {
  feed: string | null = null;
  installed = 0;
  /** Tamper with the bytes "downloaded" (a compromised mirror or cache). */
  corrupt = false;
  /** Report different metadata than the feed's signed file. */
  lie = false;
  private info: { version: string; files: { url: string; sha512: string; size: number }[] } | null = null;
  constructor(private readonly cache: string) {
    mkdirSync(cache, { recursive: true });
  }
  setFeed(url: string): void {
    this.feed = url;
  }
  async check() {
    const bytes = await new HttpFeedReader(this.feed!).read('latest-linux.yml', 65536);
    const m = parseUpdateMetadata(bytes!);
    if (!m.ok) return null;
    this.info = this.lie ? { ...m.value, version: '9.9.9' } : m.value;
    return this.info;
  }
  async download(onProgress: (p: number) => void): Promise<string[]> {
    const f = this.info!.files[0]!;
    const bytes = Buffer.from((await new HttpFeedReader(this.feed!).read(f.url, 10_000_000))!);
    onProgress(50);
    if (this.corrupt) bytes[10] = 0x42;
    const out = join(this.cache, f.url);
    writeFileSync(out, bytes);
    onProgress(100);
    return [out];
  }
  quitAndInstall(): void {
    this.installed++;
  }
}

function service(updater: UpdaterPort | null, over: { feedUrl?: string | null; currentVersion?: string } = {}) {
  const seen: UpdateStatus['state'][] = [];
  const s = new UpdateService({
    currentVersion: over.currentVersion ?? '1.4.2',
    keys: [key.pinned],
    feedUrl: over.feedUrl ?? null,
    updater,
    platform: 'linux',
    arch: 'x64',
    now: () => new Date('2026-11-22T09:00:00Z'),
    onStatus: (st) => { seen.push(st.state); if (process.env.UPD_DEBUG) console.log('STATE', st.state, st.progress, st.error); },
  });
  return { s, seen };
}

let updater: FakeUpdater;
beforeEach(() => {
  updater = new FakeUpdater(join(fresh(), 'cache'));
});

describe('update from a folder (USB stick)', () => {
  it('verifies, serves the stick on loopback, downloads, checks the file and installs only on confirmation', async () => {
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    const { s, seen } = service(updater);
    const st = await s.fromFolder(stick);
    expect(st.state).toBe('ready');
    expect(st.verdict).toMatchObject({ ok: true, version: '1.5.0', keyId: key.pinned.keyId, newer: true, reasons: [] });
    expect(st.verdict?.checks.join('\n')).toMatch(/signed by test release key[\s\S]*match their signed SHA-512[\s\S]*downloaded file matches/);
    expect(st.feed).toEqual({ kind: 'folder', location: stick });
    expect(st.lastCheckAt).toBe('2026-11-22T09:00:00.000Z');
    expect(updater.feed).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(seen).toEqual(['checking', 'downloading', 'downloading', 'downloading', 'ready']);
    expect(updater.installed).toBe(0);
    // The stick is no longer served once the installer has the file.
    await expect(new HttpFeedReader(updater.feed!, 2000).read('latest-linux.yml', 1000)).rejects.toThrow();
    s.install();
    expect(updater.installed).toBe(1);
  });

  it('refuses an unsigned folder before serving anything', async () => {
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage] });
    const { s } = service(updater);
    const st = await s.fromFolder(stick);
    expect(st.state).toBe('refused');
    expect(st.verdict?.reasons.map((r) => r.code)).toEqual(['signature-missing']);
    expect(updater.feed).toBeNull();
    expect(() => s.install()).toThrow(AppException);
  });

  it('refuses a folder signed by an unknown key, or with tampered metadata', async () => {
    const a = fresh();
    writeRelease(a, { version: '1.5.0', files: [appImage], privatePem: stranger.privatePem });
    expect((await service(updater).s.fromFolder(a)).verdict?.reasons.map((r) => r.code)).toEqual(['unknown-key']);
    const b = fresh();
    const { metadata } = writeRelease(b, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    writeFileSync(join(b, 'latest-linux.yml'), metadata.replace('1.5.0', '1.6.0'));
    expect((await service(updater).s.fromFolder(b)).verdict?.reasons.map((r) => r.code)).toEqual(['bad-signature']);
    expect(updater.feed).toBeNull();
  });

  it('refuses a stick whose installer was swapped or is missing, though the metadata is genuine', async () => {
    const a = fresh();
    writeRelease(a, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    writeFileSync(join(a, appImage.name), Buffer.alloc(200_000, 0x42));
    expect((await service(updater).s.fromFolder(a)).verdict?.reasons.map((r) => r.code)).toEqual(['hash-mismatch']);
    unlinkSync(join(a, appImage.name));
    expect((await service(updater).s.fromFolder(a)).verdict?.reasons.map((r) => r.code)).toEqual(['file-missing']);
    expect(updater.feed).toBeNull();
  });

  it('refuses a downgrade and reports the same version as up to date', async () => {
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    expect((await service(updater, { currentVersion: '2.0.0' }).s.fromFolder(stick)).verdict?.reasons.map((r) => r.code)).toEqual(['downgrade']);
    expect((await service(updater, { currentVersion: '1.5.0' }).s.fromFolder(stick)).state).toBe('up-to-date');
    expect(updater.feed).toBeNull();
  });

  it('refuses when the downloaded file differs from the signed SHA-512', async () => {
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    updater.corrupt = true;
    const { s } = service(updater);
    const st = await s.fromFolder(stick);
    expect(st.state).toBe('refused');
    expect(st.verdict?.reasons.map((r) => r.code)).toEqual(['hash-mismatch']);
    expect(() => s.install()).toThrow(/No verified update/);
    expect(updater.installed).toBe(0);
  });

  it('refuses when the installer read other metadata than the signed one', async () => {
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    updater.lie = true;
    const st = await service(updater).s.fromFolder(stick);
    expect(st.verdict?.reasons.map((r) => r.code)).toEqual(['metadata-mismatch']);
  });

  it('in browser mode verifies the stick but leaves installing to the desktop app', async () => {
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    const { s } = service(null);
    const st = await s.fromFolder(stick);
    expect(st).toMatchObject({ state: 'verified', canInstall: false, installNote: BROWSER_INSTALL_NOTE, trustedKeys: [{ keyId: key.pinned.keyId, name: 'test release key' }], verdict: { ok: true, version: '1.5.0' } });
    expect(() => s.install()).toThrow(BROWSER_INSTALL_NOTE);
  });

  it('answers typed errors for a path that is not a folder', async () => {
    const { s } = service(null);
    await expect(s.fromFolder('relative/path')).rejects.toMatchObject({ code: 'invalid_request', field: 'path' });
    await expect(s.fromFolder(join(root, 'nope'))).rejects.toMatchObject({ code: 'not_found', field: 'path' });
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(s.fromFolder(file)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('runs one check at a time', async () => {
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    const { s } = service(updater);
    const first = s.fromFolder(stick);
    await expect(s.fromFolder(stick)).rejects.toMatchObject({ code: 'conflict' });
    expect((await first).state).toBe('ready');
  });
});

describe('update from the online feed', () => {
  it('verifies the feed, then downloads through the installer from the same feed', async () => {
    // The folder server stands in for the https feed: same generic layout, real HTTP.
    const stick = fresh();
    writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    const { startFolderServer } = await import('./folder-server');
    const feed = await startFolderServer(stick, ['latest-linux.yml', 'latest-linux.yml.sig', appImage.name]);
    try {
      const { s } = service(updater, { feedUrl: feed.url });
      const st = await s.check();
      expect(st).toMatchObject({ state: 'ready', feed: { kind: 'online', location: feed.url }, onlineFeed: feed.url });
      expect(updater.feed).toBe(feed.url);
    } finally {
      await feed.close();
    }
  });

  it('reports an unreachable feed as a verdict, and no feed as a typed error', async () => {
    const { s } = service(updater, { feedUrl: 'http://127.0.0.1:1/' });
    const st = await s.check();
    expect(st.state).toBe('refused');
    expect(st.verdict?.reasons[0]?.code).toBe('feed-unreachable');
    await expect(service(updater).s.check()).rejects.toMatchObject({ code: 'not_found' });
    expect(() => service(null, { feedUrl: 'http://updates.example/' })).toThrow(/https/);
  });

  it('refuses a feed whose signature was made for another platform', async () => {
    const stick = fresh();
    const { metadata } = writeRelease(stick, { version: '1.5.0', files: [appImage], privatePem: key.privatePem });
    writeFileSync(join(stick, 'latest-linux.yml.sig'), signMetadata('latest.yml', Buffer.from(metadata), key.privatePem));
    const st = await service(updater).s.fromFolder(stick);
    expect(st.verdict?.reasons.map((r) => r.code)).toEqual(['bad-signature']);
  });
});
