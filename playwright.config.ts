/**
 * End-to-end tests: the console in browser mode (`scripts/web.mjs`, demo
 * fleet, ephemeral secrets, throwaway data dir — started once by
 * e2e/global-setup.ts) driven through the system Chromium. Playwright's
 * own browser download is never used: CAIRN_CHROMIUM or /usr/bin/chromium.
 */
import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-results',
  globalSetup: './e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: process.env.CAIRN_PLAYWRIGHT_JSON ?? 'out/test-reports/playwright.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
