/**
 * Browser mode's guard rails, seen from outside: the WebSocket refuses
 * callers without this run's token (or with a wrong one), a foreign page
 * cannot connect even when it knows the token, every response carries the
 * CSP, and opening the console without its token explains what to do
 * instead of crashing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import { appOrigin, appToken, guardConsole } from './support';

const wsUrl = (token: string | null) => `${appOrigin().replace(/^http/, 'ws')}/api${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

/** The HTTP status a WebSocket upgrade got: 101 when it was accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/** Whether a page at `pageUrl` manages to open a WebSocket to `target`. */
async function browserCanConnect(page: import('@playwright/test').Page, target: string): Promise<boolean> {
  return page.evaluate(
    (u) =>
      new Promise<boolean>((resolve) => {
        const ws = new WebSocket(u);
        ws.onopen = () => {
          ws.close();
          resolve(true);
        };
        ws.onclose = () => resolve(false);
      }),
    target,
  );
}

test.describe('the WebSocket', () => {
  test('refuses a connection without the token', async () => {
    expect(await upgradeStatus(wsUrl(null), { Origin: appOrigin() })).toBe(401);
  });

  test('refuses a wrong token', async () => {
    const t = appToken();
    expect(t.length).toBeGreaterThanOrEqual(32);
    expect(await upgradeStatus(wsUrl('wrong'), { Origin: appOrigin() })).toBe(401);
    expect(await upgradeStatus(wsUrl(t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A')), { Origin: appOrigin() })).toBe(401);
  });

  test('accepts the right token from the console itself', async () => {
    expect(await upgradeStatus(wsUrl(appToken()), { Origin: appOrigin() })).toBe(101);
  });

  test('a page served from the console cannot connect without the token', async ({ page }) => {
    await page.goto(`${appOrigin()}/`);
    expect(await browserCanConnect(page, wsUrl(null))).toBe(false);
    expect(await browserCanConnect(page, wsUrl('not-the-token'))).toBe(false);
  });

  test('a foreign page cannot connect even with the token', async ({ page }) => {
    // Another local web page (another origin) that somehow learnt the token.
    const evil: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>evil</title>'));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    try {
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      expect(await browserCanConnect(page, wsUrl(appToken()))).toBe(false);
    } finally {
      await new Promise((r) => evil.close(r));
    }
  });
});

test.describe('the console page', () => {
  test('is served with a strict Content-Security-Policy', async ({ request }) => {
    const res = await request.get(`${appOrigin()}/`);
    expect(res.status()).toBe(200);
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers()['x-content-type-options']).toBe('nosniff');
  });

  test('opened without #token= shows a clear message instead of crashing', async ({ page }) => {
    const guard = await guardConsole(page);
    await page.goto(`${appOrigin()}/`);
    await expect(page.getByText(/token/i).first()).toBeVisible();
    await expect(page.getByText(/npm run web/).first()).toBeVisible();
    // No uncaught exception, no CSP violation. (A console message about the missing token is fine.)
    expect(guard.problems.filter((p) => p.startsWith('uncaught') || p.includes('crashed'))).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
  });

  test('opened with a wrong token shows that it cannot connect instead of crashing', async ({ page }) => {
    const guard = await guardConsole(page);
    await page.goto(`${appOrigin()}/#token=wrong-token`);
    // A browser cannot tell a refused token from a stopped server; either way the operator is told it cannot connect.
    await expect(page.getByRole('alert').filter({ hasText: /cannot reach|token/i }).first()).toBeVisible();
    expect(guard.problems.filter((p) => p.startsWith('uncaught') || p.includes('crashed'))).toEqual([]);
  });
});
