/**
 * UpdateService: the whole update flow, free of Electron. It verifies the
 * feed's signed metadata itself, then drives the installer through the
 * `UpdaterPort` (electron-updater in the desktop shell, a fake in tests):
 * point it at the same feed, check that what it parsed is the release we
 * verified, download, check the downloaded file against the signed SHA-512,
 * and install only when the operator confirms. Without a port (browser
 * mode, CLI) verification works and installing is refused with the reason.
 */
import { promises as fs } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { UpdateStatus, UpdateVerdict } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { FeedError, FolderFeedReader, HttpFeedReader, isAcceptableFeedUrl, type FeedReader } from './feed';
import { startFolderServer, type FolderServer } from './folder-server';
import { MAX_METADATA_BYTES, metadataFileName, type UpdateMetadata } from './metadata';
import { MAX_SIGNATURE_BYTES, type PinnedKey } from './signature';
import { checkDownloadedFile, fileDigest, sameRelease, verifyRelease, type Refusal } from './verify';

/** What the installer (electron-updater) must offer; everything else is ours. */
export interface UpdaterPort {
  /** Point the installer at a generic feed. */
  setFeed(url: string): void;
  /** The installer's own reading of the feed's metadata, or null when it sees no update. */
  check(): Promise<{ version: string; files: { url: string; sha512: string; size?: number }[] } | null>;
  /** Download the release found by the last check; the downloaded files' paths. */
  download(onProgress: (percent: number) => void): Promise<string[]>;
  /** Quit the app and run the installer. */
  quitAndInstall(): void;
}

export interface UpdateServiceOptions {
  currentVersion: string;
  keys: readonly PinnedKey[];
  /** The online generic feed (https://), or null when none is configured. */
  feedUrl: string | null;
  /** The installer; null where there is none (browser mode, CLI, an unpackaged desktop run). */
  updater: UpdaterPort | null;
  /** Why there is no installer (default: browser mode's reason). */
  noInstallerNote?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  now?: () => Date;
  onStatus?: (s: UpdateStatus) => void;
  /** Reads an online feed (tests substitute one). */
  onlineReader?: (url: string) => FeedReader;
}

export const BROWSER_INSTALL_NOTE = 'Updates are installed by the desktop app; here a feed or folder can be verified, not installed.';

export class UpdateService {
  private st: UpdateStatus;
  private signed: UpdateMetadata | null = null;
  private server: FolderServer | null = null;
  private busy = false;
  private readonly metadataName: string;

  constructor(private readonly o: UpdateServiceOptions) {
    if (o.feedUrl !== null && !isAcceptableFeedUrl(o.feedUrl)) throw new Error(`update feed ${o.feedUrl} is not an https:// URL`);
    this.metadataName = metadataFileName(o.platform ?? process.platform, o.arch ?? process.arch);
    this.st = {
      currentVersion: o.currentVersion,
      canInstall: o.updater !== null,
      installNote: o.updater ? null : (o.noInstallerNote ?? BROWSER_INSTALL_NOTE),
      trustedKeys: o.keys.map((k) => ({ keyId: k.keyId, name: k.name })),
      onlineFeed: o.feedUrl,
      feed: null,
      state: 'idle',
      lastCheckAt: null,
      verdict: null,
      progress: null,
      error: null,
    };
  }

  status(): UpdateStatus {
    return structuredClone(this.st);
  }

  /** Verify the online feed and, with an installer, download and check the release. */
  async check(): Promise<UpdateStatus> {
    const url = this.o.feedUrl;
    if (url === null) throw new AppException('not_found', 'No online update feed is configured; use "Update from folder…" with a signed release folder');
    return this.run({ kind: 'online', location: url }, async () => {
      const reader = (this.o.onlineReader ?? ((u: string) => new HttpFeedReader(u)))(url);
      const v = await this.verifyFeed(reader);
      return { verdict: v.verdict, metadata: v.metadata, feedUrl: url };
    });
  }

  /** Verify a folder (every listed file's SHA-512 too) and, with an installer, update from it over loopback. */
  async fromFolder(path: string): Promise<UpdateStatus> {
    if (!isAbsolute(path)) throw new AppException('invalid_request', 'Give the folder as an absolute path', { field: 'path' });
    // The turn is taken before the stat, not after: otherwise a second call whose stat came back first would take it.
    // It is handed to run() in the same synchronous step, so nothing can come between.
    if (this.busy) throw new AppException('conflict', 'An update check is already running');
    this.busy = true;
    const st = await fs.stat(path)
      .catch(() => null)
      .finally(() => (this.busy = false));
    if (!st?.isDirectory()) throw new AppException('not_found', `${path} is not a folder`, { field: 'path' });
    return this.run({ kind: 'folder', location: path }, async () => {
      const v = await this.verifyFeed(new FolderFeedReader(path));
      if (!v.metadata) return { verdict: v.verdict, metadata: null, feedUrl: null };
      const refusals: Refusal[] = [];
      for (const f of v.metadata.files) {
        const d = await fileDigest(join(path, f.url)).catch(() => null);
        if (!d) refusals.push({ code: 'file-missing', message: `${f.url} is listed in the signed metadata but missing from the folder` });
        else if (d.sha512 !== f.sha512 || d.size !== f.size) refusals.push({ code: 'hash-mismatch', message: `${f.url} does not match the SHA-512 and size in the signed metadata` });
      }
      if (refusals.length) return { verdict: { ...v.verdict, ok: false, reasons: refusals }, metadata: null, feedUrl: null };
      v.verdict.checks.push(`${v.metadata.files.length} file(s) match their signed SHA-512 and size`);
      if (!this.o.updater || !v.verdict.newer) return { verdict: v.verdict, metadata: v.metadata, feedUrl: null };
      // Serve exactly the verified release: metadata, signature, listed files and their blockmaps if present.
      const names = [this.metadataName, `${this.metadataName}.sig`, ...v.metadata.files.map((f) => f.url)];
      for (const f of v.metadata.files) {
        const bm = await fs.lstat(join(path, `${f.url}.blockmap`)).catch(() => null);
        if (bm?.isFile()) names.push(`${f.url}.blockmap`);
      }
      await this.stopServer();
      this.server = await startFolderServer(path, names);
      return { verdict: v.verdict, metadata: v.metadata, feedUrl: this.server.url };
    });
  }

  /** Quit and install, only once a verified release is downloaded and checked. */
  install(): UpdateStatus {
    if (!this.o.updater) throw new AppException('conflict', this.o.noInstallerNote ?? BROWSER_INSTALL_NOTE);
    if (this.st.state !== 'ready' || !this.signed) throw new AppException('conflict', 'No verified update is ready to install; check for updates first');
    this.o.updater.quitAndInstall();
    return this.status();
  }

  async close(): Promise<void> {
    await this.stopServer();
  }

  private async stopServer(): Promise<void> {
    const s = this.server;
    this.server = null;
    await s?.close();
  }

  private set(patch: Partial<UpdateStatus>): void {
    this.st = { ...this.st, ...patch };
    this.o.onStatus?.(this.status());
  }

  private async verifyFeed(reader: FeedReader): Promise<{ verdict: UpdateVerdict; metadata: UpdateMetadata | null }> {
    const name = this.metadataName;
    const empty: UpdateVerdict = { ok: false, metadataFile: name, version: null, releaseDate: null, keyId: null, keyName: null, newer: false, files: [], checks: [], reasons: [] };
    let metadata: Uint8Array | null;
    let signature: Uint8Array | null;
    try {
      metadata = await reader.read(name, MAX_METADATA_BYTES);
      signature = await reader.read(`${name}.sig`, MAX_SIGNATURE_BYTES);
    } catch (err) {
      const message = err instanceof FeedError ? err.message : `the feed could not be read (${err instanceof Error ? err.message : String(err)})`;
      return { verdict: { ...empty, reasons: [{ code: 'feed-unreachable', message }] }, metadata: null };
    }
    if (metadata === null) {
      return { verdict: { ...empty, reasons: [{ code: 'file-missing', message: `${name} is not in ${reader.location}: it holds no release for this platform` }] }, metadata: null };
    }
    const v = verifyRelease({ metadataName: name, metadata, signature, keys: this.o.keys, currentVersion: this.o.currentVersion });
    if (!v.ok) return { verdict: { ...empty, reasons: v.reasons }, metadata: null };
    const m = v.metadata;
    return {
      verdict: {
        ...empty,
        ok: true,
        version: m.version,
        releaseDate: m.releaseDate,
        keyId: v.key.keyId,
        keyName: v.key.name,
        newer: v.newer,
        files: m.files.map((f) => ({ name: f.url, size: f.size })),
        checks: [`${name} signed by ${v.key.name} (${v.key.keyId})`, v.newer ? `${m.version} is newer than ${this.o.currentVersion}` : `${m.version} is the running version`],
      },
      metadata: m,
    };
  }

  /** One check at a time: verify, then (with an installer and a newer release) download and check. */
  private async run(feed: UpdateStatus['feed'], verify: () => Promise<{ verdict: UpdateVerdict; metadata: UpdateMetadata | null; feedUrl: string | null }>): Promise<UpdateStatus> {
    if (this.busy) throw new AppException('conflict', 'An update check is already running');
    this.busy = true;
    this.signed = null;
    const now = (this.o.now ?? (() => new Date()))().toISOString();
    this.set({ state: 'checking', feed, lastCheckAt: now, verdict: null, progress: null, error: null });
    try {
      const { verdict, metadata, feedUrl } = await verify();
      if (!verdict.ok || !metadata) {
        this.set({ state: 'refused', verdict });
        return this.status();
      }
      if (!verdict.newer) {
        this.set({ state: 'up-to-date', verdict });
        return this.status();
      }
      if (!this.o.updater || feedUrl === null) {
        this.set({ state: 'verified', verdict });
        return this.status();
      }
      const updater = this.o.updater;
      updater.setFeed(feedUrl);
      const seen = await updater.check();
      if (!seen || !sameRelease(metadata, seen)) {
        verdict.ok = false;
        verdict.reasons.push({ code: 'metadata-mismatch', message: 'the installer read different metadata from the feed than the signed metadata: refused' });
        this.set({ state: 'refused', verdict });
        return this.status();
      }
      this.set({ state: 'downloading', verdict, progress: 0 });
      const paths = await updater.download((p) => this.set({ progress: Math.max(0, Math.min(100, Math.round(p))) }));
      if (paths.length === 0) throw new Error('the installer downloaded nothing');
      for (const p of paths) {
        const c = await checkDownloadedFile(p, metadata);
        if (!c.ok) {
          verdict.ok = false;
          verdict.reasons.push(c.reason);
          this.set({ state: 'refused', verdict, progress: null });
          return this.status();
        }
      }
      verdict.checks.push('the downloaded file matches its signed SHA-512 and size');
      this.signed = metadata;
      this.set({ state: 'ready', verdict, progress: 100 });
      return this.status();
    } catch (err) {
      this.set({ state: 'error', progress: null, error: (err instanceof Error ? err.message : String(err)).slice(0, 500) });
      return this.status();
    } finally {
      this.busy = false;
      // The installer has the files now (or failed): the stick need not be served any longer.
      await this.stopServer();
    }
  }
}
