/**
 * The desktop shell's security policy, tested in Node (security.ts imports
 * no electron): which URLs may open externally, which frames may call the
 * main process, how app:// paths map into the renderer folder, and the CSP.
 */
import { posix, win32 } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../web/server';
import { APP_ORIGIN, CSP, EXTERNAL_ALLOWLIST, isAllowedExternal, isTrustedSender, resolveAppPath } from './security';

describe('isAllowedExternal', () => {
  it.each([
    'https://pve.proxmox.com/wiki/Main_Page',
    'https://pve.proxmox.com:443/pve-docs/',
    'HTTPS://PVE.PROXMOX.COM/pve-docs/',
    'https://www.amd.com/en/developer/sev.html?x=1#frag',
    ...EXTERNAL_ALLOWLIST.map((h) => `https://${h}/`),
  ])('allows %s', (url) => {
    expect(isAllowedExternal(url)).toBe(true);
  });

  it.each([
    ['plain http', 'http://pve.proxmox.com/'],
    ['credentials in the URL', 'https://user:pw@pve.proxmox.com/'],
    ['a user name alone', 'https://user@pve.proxmox.com/'],
    ['a look-alike suffix', 'https://pve.proxmox.com.evil.example/'],
    ['a look-alike prefix', 'https://evilpve.proxmox.com/'],
    ['the host only in the path', 'https://evil.example/pve.proxmox.com'],
    ['the host only in the query', 'https://evil.example/?u=https://pve.proxmox.com/'],
    ['a host not on the list', 'https://example.com/'],
    ['javascript:', 'javascript:alert(1)'],
    ['file:', 'file:///etc/passwd'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['the app itself', `${APP_ORIGIN}/index.html`],
    ['not a URL', 'pve.proxmox.com'],
    ['empty', ''],
    ['a loopback address', 'https://127.0.0.1/'],
  ])('refuses %s', (_why, url) => {
    expect(isAllowedExternal(url)).toBe(false);
  });

  it('uses the allowlist it is given', () => {
    expect(isAllowedExternal('https://docs.example.org/x', ['docs.example.org'])).toBe(true);
    expect(isAllowedExternal('https://pve.proxmox.com/', ['docs.example.org'])).toBe(false);
  });
});

describe('isTrustedSender', () => {
  it('trusts only the main frame of the app origin', () => {
    expect(isTrustedSender(`${APP_ORIGIN}/index.html`, true)).toBe(true);
    expect(isTrustedSender(`${APP_ORIGIN}/`, true)).toBe(true);
    expect(isTrustedSender(`${APP_ORIGIN}/index.html#/fleet?x=1`, true)).toBe(true);
  });

  it.each([
    ['a sub-frame of the app', `${APP_ORIGIN}/index.html`, false],
    ['no URL', undefined, true],
    ['an empty URL', '', true],
    ['a web page', 'https://evil.example/', true],
    ['a loopback page', 'http://127.0.0.1:5173/', true],
    ['a file:// page', 'file:///work/out/renderer/index.html', true],
    ['another host on the app scheme', 'cairn://evil/index.html', true],
    ['a look-alike host', 'cairn://app.evil/index.html', true],
    ['a different scheme with the app host', 'https://app/index.html', true],
    ['about:blank', 'about:blank', true],
    ['not a URL', 'app/index.html', true],
  ] as const)('refuses %s', (_why, url, isMainFrame) => {
    expect(isTrustedSender(url, isMainFrame)).toBe(false);
  });
});

describe('resolveAppPath', () => {
  describe.each([
    ['posix', posix, '/opt/cairn/out/renderer'],
    ['win32', win32, 'C:\\Program Files\\Cairn\\out\\renderer'],
  ] as const)('on %s', (_name, path, dir) => {
    const resolve = (url: string) => resolveAppPath(dir, url, path.sep, path.join, path.normalize);
    const inside = (p: string | null) => p !== null && p.startsWith(dir + path.sep);

    it('maps / and the empty path to index.html', () => {
      expect(resolve(`${APP_ORIGIN}/`)).toBe(path.join(dir, 'index.html'));
      expect(resolve(`${APP_ORIGIN}`)).toBe(path.join(dir, 'index.html'));
    });

    it('maps asset paths inside the folder', () => {
      expect(resolve(`${APP_ORIGIN}/assets/index-abc.js`)).toBe(path.join(dir, 'assets', 'index-abc.js'));
      expect(resolve(`${APP_ORIGIN}/a/./b/../c.js?v=1#x`)).toBe(path.join(dir, 'a', 'c.js'));
    });

    it.each([
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/..%5c..%5c..%5cWindows%5cwin.ini',
      '/assets/..%2f..%2f..%2f..%2fsecret',
      '//etc/passwd',
      '/%2F%2Fserver%2Fshare%2Fx',
      '/C:/Windows/win.ini',
      '/C:%5cWindows%5cwin.ini',
      '/..',
      '/%2e%2e',
    ])('keeps %s inside the renderer folder (or refuses it)', (p) => {
      const r = resolve(`${APP_ORIGIN}${p}`);
      if (r !== null) expect(inside(r)).toBe(true);
    });

    it.each([
      ['another host', 'cairn://evil/index.html'],
      ['broken percent-encoding', `${APP_ORIGIN}/%E0%A4%A`],
      ['not a URL', 'index.html'],
      ['the folder itself', `${APP_ORIGIN}/.%2f`],
    ])('refuses %s', (_why, url) => {
      expect(resolve(url)).toBeNull();
    });

    it('refuses a sibling folder whose name starts like the renderer folder', () => {
      const r = resolve(`${APP_ORIGIN}/..%2frenderer-evil%2fx.js`);
      if (r !== null) expect(inside(r)).toBe(true);
    });
  });
});

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name as string, values];
      }),
  );
}

describe.each([
  ['Electron (app://)', CSP],
  ['browser mode', contentSecurityPolicy(43123)],
])('the content security policy of %s', (_name, policy) => {
  const d = directives(policy);

  it('allows no inline or eval script or style', () => {
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|strict-dynamic/);
    expect(policy).not.toMatch(/'nonce-|'sha(256|384|512)-/);
  });

  it('loads scripts and styles from the app itself only', () => {
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
  });

  it('has no wildcard sources and no remote hosts', () => {
    for (const [name, values] of d) {
      for (const v of values) {
        expect(v, `${name} ${v}`).not.toBe('*');
        expect(v, `${name} ${v}`).not.toMatch(/^(https?:|\*\.|http:)/);
      }
    }
  });

  it('forbids plugins, base-URI changes, form posts and framing', () => {
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('connects only to itself (and, in browser mode, its own loopback WebSocket)', () => {
    const connect = d.get('connect-src') ?? [];
    expect(connect[0]).toBe("'self'");
    for (const v of connect.slice(1)) expect(v).toBe('ws://127.0.0.1:43123');
  });
});
