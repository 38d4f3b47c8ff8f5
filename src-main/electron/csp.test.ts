/**
 * The content security policy as it reaches a browser, not only as a
 * constant: browser mode serving the built renderer (out/renderer, from
 * `electron-vite build`) answers every file — and every refusal — with a
 * policy whose script and style sources allow no inline code and no eval,
 * the app:// policy says the same, and the built index.html carries no
 * inline script, style, event handler or javascript: URL that such a policy
 * would have to allow.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../src-preload/contract';
import { createRouter, type Handlers } from '../ipc/router';
import { AppException } from '../util/app-exception';
import { EventBus } from '../util/events';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import { contentSecurityPolicy, startWebServer, type WebServer } from '../web/server';
import { CSP } from './security';

const RENDERER = join(import.meta.dirname, '../../out/renderer');

/** Directive name → source list. */
function directives(policy: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const d of policy.split(';').map((x) => x.trim()).filter(Boolean)) {
    const [name, ...values] = d.split(/\s+/);
    m.set((name as string).toLowerCase(), values);
  }
  return m;
}

/**
 * The sources a browser uses for scripts and styles, following CSP's
 * fallbacks (script-src-elem → script-src → default-src, and the same for
 * styles and their attributes), none of which may allow inline code or eval.
 */
function expectNoInlineNoEval(policy: string): void {
  const d = directives(policy);
  const effective = (...chain: string[]) => chain.map((c) => d.get(c)).find((v) => v !== undefined) ?? [];
  const lists = {
    'script-src-elem': effective('script-src-elem', 'script-src', 'default-src'),
    'script-src-attr': effective('script-src-attr', 'script-src', 'default-src'),
    'style-src-elem': effective('style-src-elem', 'style-src', 'default-src'),
    'style-src-attr': effective('style-src-attr', 'style-src', 'default-src'),
  };
  for (const [name, sources] of Object.entries(lists)) {
    expect(sources.length, `${name} is set`).toBeGreaterThan(0);
    for (const s of sources) {
      expect(s.toLowerCase(), `${name} ${s}`).not.toMatch(/^'(unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|strict-dynamic)'$|^'nonce-|^'sha\d+-|^\*$|^(data|blob|https?):?$/);
    }
  }
  expect(d.get('script-src')).toEqual(["'self'"]);
  expect(d.get('style-src')).toEqual(["'self'"]);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('the app:// policy (Electron)', () => {
  it("allows no 'unsafe-inline' or 'unsafe-eval' for scripts or styles", () => {
    expectNoInlineNoEval(CSP);
  });

  it('is the policy browser mode serves, apart from its own WebSocket', () => {
    expect(contentSecurityPolicy(1234).replace(' ws://127.0.0.1:1234', '')).toBe(CSP);
  });

  it('the checker itself refuses weak policies (it can fail)', () => {
    for (const weak of [
      CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
      CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
      CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'"),
      CSP.replace("script-src 'self'", "script-src 'self' 'nonce-abc'"),
      `${CSP}; script-src-attr 'unsafe-inline'`,
      `${CSP}; style-src-elem 'self' 'unsafe-inline'`,
      CSP.replace("script-src 'self'; style-src 'self'; ", '').replace("default-src 'self'", "default-src 'self' 'unsafe-inline'"),
    ]) {
      expect(() => expectNoInlineNoEval(weak), weak).toThrow();
    }
  });
});

describe('the built renderer (out/renderer)', () => {
  it('exists (npm test builds before the unit tests; run `npx electron-vite build` otherwise)', () => {
    expect(existsSync(join(RENDERER, 'index.html'))).toBe(true);
  });

  it('index.html has no inline script, style, event handler or javascript: URL', () => {
    const html = readFileSync(join(RENDERER, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [tag, attrs = '', body = ''] of scripts) {
      expect(attrs, tag).toMatch(/\bsrc\s*=\s*["']?\.?\/?assets\//);
      expect(body.trim(), tag).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    // Every script and stylesheet comes from the app itself.
    for (const [, url] of html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)) expect(url, url).toMatch(/^\.?\/(?!\/)/);
  });

  describe('served in browser mode', () => {
    let server: WebServer;
    beforeAll(async () => {
      const handlers = Object.fromEntries(CHANNEL_NAMES.map((c) => [c, () => Promise.reject(new AppException('not_found', c))])) as unknown as Handlers;
      const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });
      server = await startWebServer({ router: createRouter(handlers, log), events: new EventBus(), log, rendererDir: RENDERER, port: 0 });
    });
    afterAll(() => server?.close());

    it('answers every built file with the strict policy', async () => {
      const files = filesUnder(RENDERER);
      expect(files.length).toBeGreaterThan(2);
      for (const f of ['/', ...files.map((p) => `/${relative(RENDERER, p).split(sep).join('/')}`)]) {
        const r = await fetch(`http://127.0.0.1:${server.port}${f}`);
        expect(r.status, f).toBe(200);
        const policy = r.headers.get('content-security-policy');
        expect(policy, f).toBe(contentSecurityPolicy(server.port));
        expectNoInlineNoEval(policy as string);
        expect(r.headers.get('x-content-type-options'), f).toBe('nosniff');
        await r.arrayBuffer();
      }
    });

    it('answers refusals and missing files with it too', async () => {
      for (const [path, method, status] of [
        ['/no-such-file.html', 'GET', 404],
        ['/assets/', 'GET', 404],
        ['/index.html', 'POST', 405],
      ] as const) {
        const r = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
        expect(r.status, path).toBe(status);
        expectNoInlineNoEval(r.headers.get('content-security-policy') ?? '');
        await r.arrayBuffer();
      }
    });
  });
});
