/**
 * Security policy of the desktop shell, kept free of `electron` imports so
 * it is unit-tested in Node: the CSP, which senders may call the IPC
 * server, which URLs may open externally, and where the app's files are.
 */
export const APP_SCHEME = 'cairn';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Hosts operators may be sent to from inside the app (documentation, vendor advisories). */
export const EXTERNAL_ALLOWLIST: readonly string[] = [
  'pve.proxmox.com',
  'www.proxmox.com',
  'forum.proxmox.com',
  'www.amd.com',
  'kdsintf.amd.com',
  'www.intel.com',
  'csrc.nist.gov',
];

export function isAllowedExternal(url: string, allowlist: readonly string[] = EXTERNAL_ALLOWLIST): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.password && allowlist.includes(u.hostname);
}

/** Only the app's own top frame, loaded from the app protocol, may call the main process. */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean): boolean {
  if (!isMainFrame || !frameUrl) return false;
  try {
    const u = new URL(frameUrl);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Map an app:// request path onto a file inside the renderer folder, refusing escapes. */
export function resolveAppPath(rendererDir: string, requestUrl: string, sep: string, join: (...p: string[]) => string, normalize: (p: string) => string): string | null {
  let pathname: string;
  try {
    const u = new URL(requestUrl);
    if (u.host !== APP_HOST) return null;
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  const rel = pathname === '/' || pathname === '' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
  const file = join(rendererDir, rel);
  return file.startsWith(rendererDir + sep) ? file : null;
}
