import { mkdtempSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFeedReader } from './feed';
import { startFolderServer, type FolderServer } from './folder-server';

let root: string;
let dir: string;
let server: FolderServer;

/** A raw HTTP exchange, so paths reach the server exactly as written (no client-side normalisation). */
function raw(text: string): Promise<string> {
  const port = Number(new URL(server.url).port);
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
function get(path: string, host = new URL(server.url).host): Promise<string> {
  return raw(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
}
const status = (res: string): number => Number(res.split(' ')[1]);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cairn-folder-feed-'));
  dir = join(root, 'stick');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  writeFileSync(join(dir, 'latest-linux.yml'), 'version: 1.0.0\n');
  writeFileSync(join(dir, 'Cairn-1.0.0.AppImage'), Buffer.alloc(300_000, 7));
  writeFileSync(join(dir, 'not-listed.txt'), 'secret-ish');
  writeFileSync(join(root, 'outside.txt'), 'outside the folder');
  server = await startFolderServer(dir, ['latest-linux.yml', 'Cairn-1.0.0.AppImage']);
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('loopback folder feed', () => {
  it('listens on 127.0.0.1 and serves the allowlisted files byte for byte', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const reader = new HttpFeedReader(server.url);
    expect(Buffer.from((await reader.read('latest-linux.yml', 1000))!).toString()).toBe('version: 1.0.0\n');
    const big = await reader.read('Cairn-1.0.0.AppImage', 1_000_000);
    expect(big).toEqual(Buffer.alloc(300_000, 7));
    // electron-updater's cache-busting query is ignored, never used to pick a file.
    expect(status(await get('/latest-linux.yml?noCache=1abc'))).toBe(200);
  });

  it('answers HEAD with the length and no body', async () => {
    const res = await raw(`HEAD /Cairn-1.0.0.AppImage HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nConnection: close\r\n\r\n`);
    expect(status(res)).toBe(200);
    expect(res).toMatch(/content-length: 300000/i);
    expect(res.split('\r\n\r\n')[1]).toBe('');
  });

  it('refuses every traversal attempt and anything not allowlisted', async () => {
    const attempts = [
      '/',
      '/not-listed.txt',
      '/../outside.txt',
      '/..%2foutside.txt',
      '/%2e%2e/outside.txt',
      '/%2E%2E%2Foutside.txt',
      '/./latest-linux.yml',
      '//latest-linux.yml',
      '/latest-linux.yml/',
      '/latest-linux.yml%00',
      '/latest%2dlinux.yml',
      '/..\\outside.txt',
      '/stick/../stick/latest-linux.yml',
      `/${'a'.repeat(5000)}`,
      'http://127.0.0.1/latest-linux.yml',
      `${join(root, 'outside.txt')}`,
    ];
    for (const a of attempts) {
      const res = await get(a);
      expect([400, 404], a).toContain(status(res));
      expect(res).not.toContain('outside the folder');
      expect(res).not.toContain('secret-ish');
    }
  });

  it('serves a file only for its exact name, whatever path arrives', async () => {
    const pathChars = fc.constantFrom('/', '.', '%', '2', 'e', 'f', '\\', 'a', 'l', '-', 'y', 'm', '?', '#', ';', '~');
    const pathArb = fc.oneof(
      fc.array(pathChars, { maxLength: 40 }).map((c) => `/${c.join('')}`),
      fc.constantFrom('/latest-linux.yml', '/Cairn-1.0.0.AppImage').chain((p) => fc.tuple(fc.constant(p), fc.array(pathChars, { maxLength: 6 })).map(([a, b]) => `${a}${b.join('')}`)),
    );
    await fc.assert(
      fc.asyncProperty(pathArb, async (p) => {
        const res = await get(p.replace(/[\s#]/g, ''));
        const code = status(res);
        const asked = p.replace(/[\s#]/g, '').split('?')[0];
        if (code === 200) expect(['/latest-linux.yml', '/Cairn-1.0.0.AppImage']).toContain(asked);
        else expect([400, 404]).toContain(code);
        expect(res).not.toContain('outside the folder');
        expect(res).not.toContain('secret-ish');
      }),
      { numRuns: 150 },
    );
  });

  it('allows GET and HEAD only, and only to its own Host', async () => {
    const host = new URL(server.url).host;
    for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND']) {
      expect(status(await raw(`${m} /latest-linux.yml HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)), m).toBe(405);
    }
    expect(status(await get('/latest-linux.yml', 'evil.example:80'))).toBe(421);
  });

  it('refuses to start on a symlink or a missing file, and to serve a file swapped after start', async () => {
    symlinkSync(join(root, 'outside.txt'), join(dir, 'link.yml'));
    await expect(startFolderServer(dir, ['link.yml'])).rejects.toThrow(/not a regular file/);
    await expect(startFolderServer(dir, ['gone.AppImage'])).rejects.toThrow();
    await expect(startFolderServer(dir, ['../outside.txt'])).rejects.toThrow(/plain file name/);

    const s = await startFolderServer(dir, ['not-listed.txt']);
    try {
      writeFileSync(join(dir, 'swap.tmp'), 'replaced!!');
      renameSync(join(dir, 'swap.tmp'), join(dir, 'not-listed.txt'));
      const res = await new Promise<number>((resolve, reject) => {
        const r = request(`${s.url}not-listed.txt`, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        r.on('error', reject);
        r.end();
      });
      expect(res).toBe(404);
    } finally {
      await s.close();
    }
  });
});
