/**
 * The electron-updater adapter, with electron-updater replaced by a fake
 * (the real one needs the Electron runtime): it never downloads or installs
 * on its own, uses the generic provider, and maps check, progress and
 * download onto the port the update service drives.
 */
import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({ updater: null as unknown as FakeAutoUpdater }));

class FakeAutoUpdater extends EventEmitter {
  autoDownload = true;
  autoInstallOnAppQuit = true;
  allowDowngrade = true;
  allowPrerelease = true;
  disableDifferentialDownload = false;
  logger: unknown = null;
  feeds: unknown[] = [];
  installs: unknown[][] = [];
  result: unknown = null;
  setFeedURL(o: unknown) {
    this.feeds.push(o);
  }
  checkForUpdates() {
    return Promise.resolve(this.result);
  }
  downloadUpdate() {
    this.emit('download-progress', { percent: 12.5 });
    this.emit('download-progress', { percent: 100 });
    return Promise.resolve(['/cache/Cairn-1.5.0.AppImage']);
  }
  quitAndInstall(...args: unknown[]) {
    this.installs.push(args);
  }
}

vi.mock('electron-updater', () => ({
  default: {
    get autoUpdater() {
      return fake.updater;
    },
  },
}));

const { electronUpdaterPort } = await import('./updater');
const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

beforeEach(() => {
  fake.updater = new FakeAutoUpdater();
});

describe('electron-updater port', () => {
  it('turns off everything automatic and differential downloads', () => {
    electronUpdaterPort(log);
    expect(fake.updater).toMatchObject({ autoDownload: false, autoInstallOnAppQuit: false, allowDowngrade: false, allowPrerelease: false, disableDifferentialDownload: true });
  });

  it('points the generic provider at the feed and reports what electron-updater parsed', async () => {
    const port = electronUpdaterPort(log);
    port.setFeed('http://127.0.0.1:4711/');
    expect(fake.updater.feeds).toEqual([{ provider: 'generic', url: 'http://127.0.0.1:4711/', channel: 'latest' }]);
    fake.updater.result = { isUpdateAvailable: true, updateInfo: { version: '1.5.0', files: [{ url: 'Cairn-1.5.0.AppImage', sha512: 'abc', size: 3, blockMapSize: 9 }] } };
    expect(await port.check()).toEqual({ version: '1.5.0', files: [{ url: 'Cairn-1.5.0.AppImage', sha512: 'abc', size: 3 }] });
    fake.updater.result = { isUpdateAvailable: false, updateInfo: { version: '1.5.0', files: [] } };
    expect(await port.check()).toBeNull();
    fake.updater.result = null;
    expect(await port.check()).toBeNull();
  });

  it('forwards download progress only while downloading, and installs only when asked', async () => {
    const port = electronUpdaterPort(log);
    const seen: number[] = [];
    expect(await port.download((p) => seen.push(p))).toEqual(['/cache/Cairn-1.5.0.AppImage']);
    expect(seen).toEqual([12.5, 100]);
    expect(fake.updater.listenerCount('download-progress')).toBe(0);
    expect(fake.updater.installs).toEqual([]);
    port.quitAndInstall();
    expect(fake.updater.installs).toEqual([[false, true]]);
  });
});
