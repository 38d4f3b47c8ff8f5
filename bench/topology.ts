/**
 * Topology map fluidity: Cairn in browser mode (composition root, PVE
 * client, SQLite cache, the real renderer bundle) over two simulated fleets
 * in child processes — 500 edge sites (3 hosts, 6 guests each), and one
 * site of 12 hosts with 1,000 guests — driven by Debian's Chromium through
 * Playwright. The mouse pans the map for a few seconds while the page
 * records every requestAnimationFrame; figures are frames per second and
 * the 95th-percentile frame time, at fleet level with every region open
 * (500 sites and their WAN links) and at the 1,000-guest site's level.
 *
 * Needs the renderer built (`npm run build`) and /usr/bin/chromium (or
 * CAIRN_CHROMIUM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Page } from '@playwright/test';
import { createApp, type App } from '../src-main/app/create-app';
import { PveClusterSource } from '../src-main/app/pve-adapters';
import type { SiteInfo } from '../src-main/fleet/snapshot';
import { MemorySecretStore } from '../src-main/secrets';
import { createLogger, MemoryLogSink, Redactor } from '../src-main/util/log';
import { startWebServer } from '../src-main/web/server';
import { emit, percentile } from './report';

// bench/ under tsx, out/bench/ when `npm run bench` runs the bundle.
const ROOT = [resolve(import.meta.dirname, '..'), resolve(import.meta.dirname, '../..')].find((d) => existsSync(join(d, 'package.json'))) ?? process.cwd();
const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const PAN_SECONDS = 4;

interface SimLine {
  url: string;
  fingerprint: string;
  token: string;
}
interface SimCluster {
  id: string;
  name: string;
  url: string;
  fingerprint: string;
  site: string;
  region: string;
  kind: 'edge' | 'datacentre';
}

function startSim(args: string[]): Promise<{ child: ChildProcess; line: SimLine }> {
  return new Promise((ok, fail) => {
    const cli = process.env.CAIRN_BENCH_CLI ? [process.env.CAIRN_BENCH_CLI] : ['--import', 'tsx', join(ROOT, 'src-main/cli/main.ts')];
    const child = spawn(process.execPath, [...cli, 'sim', '--json', '--port', '0', '--frozen-clock', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const timer = setTimeout(() => fail(new Error('the simulator did not start within 120 s')), 120_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      try {
        ok({ child, line: JSON.parse(l) as SimLine });
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.once('exit', (code) => fail(new Error(`simulator exited with ${code}`)));
  });
}

/** The simulator's cluster index, over HTTPS pinned to the fingerprint it printed. */
function clusters(line: SimLine): Promise<SimCluster[]> {
  return new Promise((ok, fail) => {
    const req = https.request(`${line.url}/cairn-sim/v1/clusters`, { rejectUnauthorized: false, headers: { Authorization: line.token }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          ok((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: SimCluster[] }).data);
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('socket', (s) =>
      s.once('secureConnect', () => {
        if ((s as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256 !== line.fingerprint) req.destroy(new Error('fingerprint mismatch'));
      }),
    );
    req.on('error', fail);
    req.end();
  });
}

/** Pans with the mouse (drag on empty pane) for `seconds`, recording rAF frame intervals in the page. */
async function pan(page: Page, seconds: number): Promise<{ fps: number; p95: number; frames: number; rendered: number }> {
  const box = await page.locator('.svelte-flow__pane').boundingBox();
  if (!box) throw new Error('no map pane');
  // Runs in the page (this file is type-checked without the DOM library, hence the casts).
  await page.evaluate(() => {
    const w = globalThis as unknown as { __frames: number[]; __rec: boolean; requestAnimationFrame(cb: (t: number) => void): number };
    w.__frames = [];
    w.__rec = true;
    const tick = (t: number) => {
      w.__frames.push(t);
      if (w.__rec) w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
  // Drag from empty pane (a drag that starts on a node moves the node instead), there and back.
  const d = { x: 300, y: 150 };
  const start = await page.evaluate(
    ({ b, d }) => {
      const doc = (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): { classList: { contains(c: string): boolean } } | null } }).document;
      for (let gy = 0.1; gy < 0.9; gy += 0.05)
        for (let gx = 0.05; gx < 0.95; gx += 0.05) {
          const x = b.x + gx * b.width;
          const y = b.y + gy * b.height;
          if (x + d.x > b.x + b.width - 250 || y + d.y > b.y + b.height - 20) continue;
          if (doc.elementFromPoint(x, y)?.classList.contains('svelte-flow__pane')) return { x, y };
        }
      return null;
    },
    { b: box, d },
  );
  if (!start) throw new Error('no empty spot on the pane to drag from');
  const t0 = Date.now();
  let forth = true;
  let rendered = 0;
  while (Date.now() - t0 < seconds * 1000) {
    const [from, to] = forth ? [start, { x: start.x + d.x, y: start.y + d.y }] : [{ x: start.x + d.x, y: start.y + d.y }, start];
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 40 });
    await page.mouse.up();
    rendered = Math.max(rendered, await page.locator('.svelte-flow__node').count());
    forth = !forth;
  }
  const frames = await page.evaluate(() => {
    const w = globalThis as unknown as { __frames: number[]; __rec: boolean };
    w.__rec = false;
    return w.__frames;
  });
  const deltas = frames.slice(1).map((t, i) => t - (frames[i] as number)).sort((a, b) => a - b);
  const span = ((frames.at(-1) ?? 0) - (frames[0] ?? 0)) / 1000;
  return { fps: span > 0 ? (frames.length - 1) / span : 0, p95: percentile(deltas, 95), frames: frames.length, rendered };
}

export async function topologyBench(): Promise<void> {
  const rendererDir = join(ROOT, 'out/renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error('the renderer is not built: run `npm run build` first');
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set CAIRN_CHROMIUM)`);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-topology-'));
  process.stderr.write('starting simulators: 500 sites × 3 hosts × 6 guests; 1 site × 12 hosts × 1,000 guests\n');
  const [fleetSim, bigSim] = await Promise.all([
    startSim(['--sites', '500', '--seed', '7', '--hosts-per-site', '3', '--guests-per-site', '6', '--no-dc']),
    startSim(['--sites', '1', '--seed', '11', '--hosts-per-site', '12', '--guests-per-site', '1000', '--no-dc']),
  ]);
  let app: App | null = null;
  // Loaded here, not at the top: Playwright's ~50 MB of heap would otherwise count in every other benchmark's RSS.
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const sites = new Map<string, SiteInfo>();
    const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });
    let appRef: App | null = null;
    // Site metadata as demo mode knows it (region, kind), keyed by connection id.
    const source = new PveClusterSource({ secretFor: (id) => (appRef as App).connections.secretFor(id), siteOf: (id) => sites.get(id), log });
    app = await createApp({
      dataDir: join(dir, 'cairn'),
      version: 'bench',
      transport: 'test',
      secrets: new MemorySecretStore(),
      fleet: { mode: 'configured' },
      sync: false,
      logSinks: [new MemoryLogSink()],
      clusterSource: source,
      networkSource: source,
    });
    appRef = app;
    for (const [prefix, sim] of [['f', fleetSim], ['b', bigSim]] as const) {
      const secret = sim.line.token.slice(sim.line.token.lastIndexOf('=') + 1);
      const tokenId = sim.line.token.slice('PVEAPIToken='.length, sim.line.token.lastIndexOf('='));
      for (const c of await clusters(sim.line)) {
        const rec = await app.connections.add({ name: `${prefix}/${c.name}`, kind: 'pve', url: c.url, fingerprint: c.fingerprint, tokenId, secret, site: c.site });
        sites.set(rec.id, prefix === 'b' ? { id: 'site:bench-1000-guests', name: 'bench-1000-guests', region: 'bench', kind: 'edge' } : { id: `site:${c.site}`, name: c.site, region: c.region, kind: c.kind });
      }
    }
    const s0 = performance.now();
    const outcomes = await app.sync.syncAll();
    process.stderr.write(`synced ${outcomes.filter((o) => o.ok).length}/${outcomes.length} clusters in ${((performance.now() - s0) / 1000).toFixed(1)} s\n`);
    const server = await startWebServer({ router: app.router, events: app.events, log, rendererDir, port: 0 });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(server.url);
      await page.getByRole('button', { name: 'Topology', exact: true }).click();
      await page.locator('.svelte-flow__node-region').first().waitFor({ timeout: 60_000 });

      // Fleet level, worst case: every region open (500 sites, 500 WAN links). Regions off screen are culled, so fit first.
      const count = await page.locator('.svelte-flow__node-region').count();
      for (let i = 0; i < count + 1; i++) {
        await page.getByRole('button', { name: /fit view/i }).click();
        await page.waitForTimeout(300);
        const open = page.getByRole('button', { name: /^Open region/ }).first();
        if ((await open.count()) === 0) break;
        await open.click();
        await page.waitForTimeout(1500);
      }
      await page.getByRole('button', { name: /fit view/i }).click();
      await page.waitForTimeout(500);
      process.stderr.write(`panning the fleet level for ${PAN_SECONDS} s\n`);
      const fleet = await pan(page, PAN_SECONDS);
      emit({ name: 'topology.pan.fleet.fps', value: fleet.fps, unit: 'fps', target: '>=30', note: `500 sites in ${count} open regions; ${fleet.rendered} nodes in the DOM (culled to the viewport)` });
      emit({ name: 'topology.pan.fleet.p95_frame', value: fleet.p95, unit: 'ms', target: '<=33.4' });

      // Site level: 12 hosts, 1,000 guests in per-host groups.
      const find = page.getByRole('combobox', { name: 'Find on the map' });
      await find.fill('bench-1000-guests');
      await find.press('Enter');
      const site = page.locator('.svelte-flow__node.selected');
      await site.waitFor();
      const t = performance.now();
      await site.locator('.tnode').dblclick();
      await page.locator('.svelte-flow__node-guest').first().waitFor({ timeout: 60_000 });
      emit({ name: 'topology.open.site_1000', value: performance.now() - t, unit: 'ms', note: 'double-click to first guest drawn: fetch, layout (worker), render' });
      await page.waitForTimeout(500);
      process.stderr.write(`panning the 1,000-guest site for ${PAN_SECONDS} s\n`);
      const site1000 = await pan(page, PAN_SECONDS);
      emit({ name: 'topology.pan.site.fps', value: site1000.fps, unit: 'fps', target: '>=30', note: `12 hosts, 1,000 guests; ${site1000.rendered} nodes in the DOM (culled)` });
      emit({ name: 'topology.pan.site.p95_frame', value: site1000.p95, unit: 'ms', target: '<=33.4' });

      // The same site with everything on screen: nothing left to cull.
      await page.getByRole('button', { name: /fit view/i }).click();
      await page.waitForTimeout(500);
      const overview = await pan(page, PAN_SECONDS);
      emit({ name: 'topology.pan.site_overview.fps', value: overview.fps, unit: 'fps', target: '>=30', note: `zoomed out, ${overview.rendered} nodes in the DOM` });
      emit({ name: 'topology.pan.site_overview.p95_frame', value: overview.p95, unit: 'ms', target: '<=33.4' });
    } finally {
      await server.close();
    }
  } finally {
    await browser.close();
    await app?.close();
    fleetSim.child.kill('SIGINT');
    bigSim.child.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
}
