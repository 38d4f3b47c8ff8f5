/**
 * Shared e2e helpers: where browser mode runs (from global-setup), the
 * pages of the console, and a guard that fails a test on any console error
 * or warning, uncaught page error or CSP violation.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export function appUrl(): string {
  const url = process.env.CAIRN_E2E_URL;
  if (!url) throw new Error('CAIRN_E2E_URL is not set: run the specs through `playwright test` (global-setup starts browser mode)');
  return url;
}
export const appOrigin = (): string => new URL(appUrl()).origin;
export const appToken = (): string => new URLSearchParams(new URL(appUrl()).hash.slice(1)).get('token') ?? '';

/** The sidebar areas, in order, as the operator sees them. */
export const PAGES = ['Fleet', 'Topology', 'Capacity', 'Operations', 'Attestation', 'Custody', 'Sites & Power', 'Audit', 'Settings'] as const;
export type PageLabel = (typeof PAGES)[number];

export const slug = (label: string): string => label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export interface ConsoleGuard {
  /** Everything seen so far that would fail the test. */
  readonly problems: string[];
  /** Fails the test when anything was seen. */
  expectClean(): Promise<void>;
}

/**
 * Collects console errors and warnings, uncaught exceptions and CSP
 * violations (reported both by Chromium on the console and by the page's
 * `securitypolicyviolation` event, recorded by an init script).
 */
export async function guardConsole(page: Page): Promise<ConsoleGuard> {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      const loc = msg.location();
      problems.push(`console.${msg.type()}: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.name}: ${err.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[]; __consoleStacks: string[] };
    w.__cspViolations = [];
    // Where each warning or error came from: Svelte's runtime warnings name no component, the stack does.
    w.__consoleStacks = [];
    for (const level of ['warn', 'error'] as const) {
      const original = console[level].bind(console);
      console[level] = (...args: unknown[]) => {
        w.__consoleStacks.push(`console.${level}: ${String(args[0]).slice(0, 160)}\n${new Error().stack ?? ''}`);
        original(...args);
      };
    }
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return {
    problems,
    async expectClean() {
      type Recorded = { __cspViolations?: string[]; __consoleStacks?: string[] };
      const recorded = page.isClosed()
        ? { csp: [], stacks: [] }
        : await page
            .evaluate(() => ({ csp: (window as unknown as Recorded).__cspViolations ?? [], stacks: (window as unknown as Recorded).__consoleStacks ?? [] }))
            .catch(() => ({ csp: [] as string[], stacks: [] as string[] }));
      const all = [...problems, ...recorded.csp.map((c) => `CSP violation: ${c}`)];
      const where = all.length > 0 && recorded.stacks.length > 0 ? `\nwhere they were logged:\n${recorded.stacks.join('\n')}` : '';
      expect(all, `console errors/warnings, page errors or CSP violations:\n${all.join('\n')}${where}`).toEqual([]);
    },
  };
}

/** The sidebar entry for a page (a link or a button inside the navigation landmark). */
export function sidebarItem(page: Page, label: string): Locator {
  const nav = page.getByRole('navigation').first();
  return nav.getByRole('link', { name: label, exact: true }).or(nav.getByRole('button', { name: label, exact: true }));
}

/** Opens the console at the printed URL and waits for the shell to be ready. */
export async function openConsole(page: Page): Promise<void> {
  await page.goto(appUrl());
  await expect(sidebarItem(page, 'Fleet')).toBeVisible();
}

/** Waits until the page shows the given area: its title heading and the sidebar's current marker. */
export async function expectOnPage(page: Page, label: string): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: label, exact: true })).toBeVisible();
  await expect(sidebarItem(page, label)).toHaveAttribute('aria-current', 'page');
}

/** Lets loading finish (no busy regions, no pending HTTP) so a screenshot shows the settled page. */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });
}

/**
 * A full-page screenshot. The console scrolls inside its main region (the
 * document itself never scrolls), so the viewport is first grown by the
 * largest hidden scroll height, then restored.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1440, height: 900 };
  const hidden = await page.evaluate(() => {
    let max = 0;
    for (const el of document.querySelectorAll<HTMLElement>('*')) {
      const o = getComputedStyle(el).overflowY;
      if ((o === 'auto' || o === 'scroll') && el.scrollHeight > el.clientHeight) max = Math.max(max, el.scrollHeight - el.clientHeight);
    }
    return max;
  });
  if (hidden > 0) {
    await page.setViewportSize({ width: size.width, height: Math.min(size.height + hidden, 8000) });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  if (hidden > 0) await page.setViewportSize(size);
}
