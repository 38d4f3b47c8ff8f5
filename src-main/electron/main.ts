/**
 * The Electron shell — the only code that imports `electron`. It owns the
 * window (context isolation, sandbox, no Node), the app:// protocol that
 * serves the renderer under a strict CSP, the IPC server that checks every
 * sender and hands calls to the shared router, and the single-instance lock.
 * Everything else is built by the composition root, as in browser mode.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session, shell, type IpcMainInvokeEvent } from 'electron';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IPC_EVENT, IPC_INVOKE } from '../../src-preload/contract';
import { createApp, type App } from '../app/create-app';
import { defaultDataDir } from '../app/paths';
import { createInvokeHandler } from './ipc-server';
import { electronUpdaterPort } from './updater';
import { DEFAULT_FEED_URL, updateFeedUrl } from '../updates';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, CSP, isAllowedExternal, resolveAppPath } from './security';

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const ephemeral = process.argv.includes('--ephemeral-secrets');
const dataDir = process.env.CAIRN_DATA_DIR ?? defaultDataDir();
let services: App | null = null;
let win: BrowserWindow | null = null;

interface Bounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}
const boundsFile = join(dataDir, 'window-bounds.json');
function loadBounds(): Bounds {
  try {
    const b = JSON.parse(readFileSync(boundsFile, 'utf8')) as Bounds;
    if (b.width >= 800 && b.height >= 500) return b;
  } catch {
    // First run or damaged file: defaults.
  }
  return { width: 1440, height: 900 };
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    ...loadBounds(),
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Cairn',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // Middle-click would open links in new windows; the window-open handler denies them anyway, but no path is better than a guarded one.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  w.once('ready-to-show', () => w.show());
  w.on('close', () => {
    try {
      writeFileSync(boundsFile, JSON.stringify(w.getBounds()));
    } catch {
      // Not worth failing a quit over.
    }
  });
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.on('will-redirect', (e) => e.preventDefault());
  void w.loadURL(`${APP_ORIGIN}/index.html`);
  return w;
}

async function start(): Promise<void> {
  const rendererDir = join(import.meta.dirname, '../renderer');
  protocol.handle(APP_SCHEME, (req) => {
    const file = resolveAppPath(rendererDir, req.url, sep, join, normalize);
    if (!file) return new Response('forbidden', { status: 403 });
    return net.fetch(pathToFileURL(file).toString()).then((res) => {
      const headers = new Headers(res.headers);
      headers.set('Content-Security-Policy', CSP);
      headers.set('X-Content-Type-Options', 'nosniff');
      return new Response(res.body, { status: res.status, headers });
    });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  services = await createApp({
    dataDir,
    version: app.getVersion(),
    transport: 'electron',
    secrets: ephemeral ? 'ephemeral' : 'keychain',
    fleet: { mode: 'auto' },
    syncInWorker: true,
    // electron-updater installs only into a packaged app; a development run still verifies feeds and sticks.
    updates: {
      updater: app.isPackaged
        ? electronUpdaterPort({
            info: (m) => services?.log.info(m),
            warn: (m) => services?.log.warn(m),
            error: (m) => services?.log.error(m),
          })
        : null,
      noInstallerNote: app.isPackaged ? undefined : 'This is an unpackaged development run: updates install only into a packaged Cairn.',
      feedUrl: updateFeedUrl(process.env, DEFAULT_FEED_URL),
    },
  });
  const invoke = createInvokeHandler(services.router, services.log);
  ipcMain.handle(IPC_INVOKE, (event: IpcMainInvokeEvent, channel: unknown, payload: unknown) => invoke(event, channel, payload));
  services.events.subscribe((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT, event, payload);
  });
  win = createWindow();
  services.recordSignIn('electron', { via: 'window' });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.whenReady().then(start, (err: unknown) => {
    console.error('Cairn could not start:', err);
    app.exit(1);
  });
  app.on('window-all-closed', () => {
    void services?.close().finally(() => app.quit());
  });
}

export { APP_HOST };
