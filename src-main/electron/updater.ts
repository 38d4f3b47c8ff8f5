/**
 * electron-updater behind Cairn's `UpdaterPort` — the thin, Electron-only
 * half of updates. It never decides anything: src-main/updates verifies the
 * signed metadata first, compares it with what electron-updater read,
 * checks the downloaded file's SHA-512, and calls `quitAndInstall` only on
 * the operator's confirmation. Generic provider; nothing downloads or
 * installs on its own (autoDownload and autoInstallOnAppQuit off).
 */
import electronUpdater from 'electron-updater';
import type { UpdaterPort } from '../updates';
import type { Logger } from '../util/log';

export function electronUpdaterPort(log: Pick<Logger, 'info' | 'warn' | 'error'>): UpdaterPort {
  const { autoUpdater } = electronUpdater;
  autoUpdater.autoDownload = false;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.allowDowngrade = false;
  autoUpdater.allowPrerelease = false;
  // Whole files only: the folder feed serves no byte ranges, and a stick saves nothing on deltas.
  autoUpdater.disableDifferentialDownload = true;
  autoUpdater.logger = {
    info: (m?: unknown) => log.info(String(m)),
    warn: (m?: unknown) => log.warn(String(m)),
    error: (m?: unknown) => log.error(String(m)),
    debug: () => undefined,
  };
  return {
    setFeed: (url) => autoUpdater.setFeedURL({ provider: 'generic', url, channel: 'latest' }),
    check: async () => {
      const r = await autoUpdater.checkForUpdates();
      if (!r || !r.isUpdateAvailable) return null;
      return { version: r.updateInfo.version, files: r.updateInfo.files.map((f) => ({ url: f.url, sha512: f.sha512, ...(f.size !== undefined ? { size: f.size } : {}) })) };
    },
    download: async (onProgress) => {
      const listener = (p: { percent: number }): void => onProgress(p.percent);
      autoUpdater.on('download-progress', listener);
      try {
        return await autoUpdater.downloadUpdate();
      } finally {
        autoUpdater.off('download-progress', listener);
      }
    },
    quitAndInstall: () => autoUpdater.quitAndInstall(false, true),
  };
}
