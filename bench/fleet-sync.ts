/**
 * Fleet sync at scale: a simulated fleet of 500 edge sites (12 hosts and
 * 200 guests each: 6,000 hosts, 100,000 guests) runs in a child process;
 * this process is Cairn (composition root, PVE client, SQLite cache).
 * Figures: full sync wall time against the same run's baseline (JSON.parse
 * of the same bodies plus one single-transaction insert), requests per
 * cluster, upsert rows/s, rows written by a no-change resync, guest search
 * p50/p95 over 100k guests, and peak RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { createApp } from '../src-main/app/create-app';
import { MemorySecretStore } from '../src-main/secrets';
import { emit, percentile } from './report';

interface SimLine {
  url: string;
  fingerprint: string;
  token: string;
}
interface SimClusterInfo {
  id: string;
  name: string;
  url: string;
  fingerprint: string;
  site: string;
}

const ROOT = resolve(import.meta.dirname, '..');

function startSimChild(args: string[], nodeFlags: string[] = []): Promise<{ child: ChildProcess; line: SimLine }> {
  return new Promise((resolvePromise, reject) => {
    // `npm run bench` hands over the bundled CLI; run directly under tsx, the sources serve.
    const cli = process.env.CAIRN_BENCH_CLI ? [process.env.CAIRN_BENCH_CLI] : ['--import', 'tsx', join(ROOT, 'src-main/cli/main.ts')];
    const child = spawn(process.execPath, [...nodeFlags, ...cli, 'sim', '--json', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('the simulator did not start within 120 s')), 120_000);
    rl.once('line', (l) => {
      clearTimeout(timer);
      try {
        resolvePromise({ child, line: JSON.parse(l) as SimLine });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

/** GET over HTTPS to our own simulator child, refusing any certificate but the pinned one. */
function getPinned(url: string, fingerprint: string, token: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const req = https.request(url, { rejectUnauthorized: false, headers: { Authorization: token }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('socket', (s) =>
      s.once('secureConnect', () => {
        const fp = (s as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
        if (fp !== fingerprint) req.destroy(new Error(`fingerprint mismatch: ${fp}`));
      }),
    );
    req.on('error', reject);
    req.end();
  });
}

/** `--profile`: a CPU profile of Cairn's process during the full sync only, written to bench-profiles/. */
async function startProfiler(): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      process.stderr.write(`CPU profile of the sync: ${file}\n`);
    },
  };
}

/** User+system CPU seconds of another process, from /proc (NaN where there is no /proc). */
function childCpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // utime and stime are fields 14 and 15 of stat; 12 and 13 after dropping pid and comm.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** With BENCH_DEBUG: where the memory goes, step by step. */
function debugMem(step: string): void {
  if (!process.env.BENCH_DEBUG) return;
  const m = process.memoryUsage();
  const mb = (x: number) => Math.round(x / 2 ** 20);
  process.stderr.write(`${step}: rss ${mb(m.rss)} MB (peak ${mb(process.resourceUsage().maxRSS * 1024)}), heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB, external ${mb(m.external)} MB\n`);
}

/** Heap in use; after a full GC when the benchmark runs with --expose-gc. */
function liveHeapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function fleetSyncBench(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const sites = quick ? 50 : 500;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-fleet-'));
  process.stderr.write(`starting simulator: ${sites} sites × 12 hosts × 200 guests\n`);
  const { child, line } = await startSimChild(['--sites', String(sites), '--seed', '7', '--port', '0', '--hosts-per-site', '12', '--guests-per-site', '200', '--frozen-clock'],
    // `--profile-sim DIR`-style flag: write a CPU profile of the simulator child to bench-profiles/.
    args.includes('--profile-sim') ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles'] : [],
  );
  try {
    const tokenSecret = line.token.slice(line.token.lastIndexOf('=') + 1);
    const tokenId = line.token.slice('PVEAPIToken='.length, line.token.lastIndexOf('='));
    debugMem('simulator started');
  const index = JSON.parse(await getPinned(`${line.url}/cairn-sim/v1/clusters`, line.fingerprint, line.token)) as { data: SimClusterInfo[] };
    const clusters = index.data;

    // Cairn: the composition root with 500 configured connections, synced through the real client.
    const secrets = new MemorySecretStore();
    const app = await createApp({
      dataDir: join(dir, 'cairn'),
      version: 'bench',
      transport: 'test',
      secrets,
      fleet: { mode: 'configured' },
      sync: false,
      // As the app runs it: the sync in its worker thread (the worker's memory counts in this process's RSS).
      syncInWorker: true,
    });
    debugMem('app created');
    for (const c of clusters) {
      await app.connections.add({ name: c.name, kind: 'pve', url: c.url, fingerprint: c.fingerprint, tokenId, secret: tokenSecret, site: c.site });
    }
    debugMem('connections added');
    process.stderr.write(`full sync of ${clusters.length} clusters\n`);
    const rssBeforeSync = process.resourceUsage().maxRSS / 1024;
    const profiler = args.includes('--profile') ? await startProfiler() : null;
    const cpu0 = process.cpuUsage();
    const simCpu0 = childCpuSeconds(child.pid);
    const s0 = performance.now();
    const memPeak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    const memTimer = setInterval(() => {
      if (!process.env.BENCH_DEBUG) return;
      const m = process.memoryUsage();
      for (const k of Object.keys(memPeak) as (keyof typeof memPeak)[]) memPeak[k] = Math.max(memPeak[k], Math.round(m[k] / 2 ** 20));
    }, 20);
    const first = await app.sync.syncAll();
    clearInterval(memTimer);
    if (process.env.BENCH_DEBUG) process.stderr.write(`memory peaks during the sync (MB): ${JSON.stringify(memPeak)}\n`);
    const fullS = (performance.now() - s0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const simCpu = childCpuSeconds(child.pid) - simCpu0;
    if (profiler) await profiler.stop(join(ROOT, 'bench-profiles', `fleet-sync-${Date.now()}.cpuprofile`));
    const failed = first.filter((o) => !o.ok);
    if (failed.length) process.stderr.write(`${failed.length} clusters failed: ${failed[0]?.error}\n`);
    const written = first.reduce((n, o) => n + o.written, 0);
    const heapAfterSync = liveHeapMb();
    const rssAfterSync = process.resourceUsage().maxRSS / 1024;
    const requests = first.reduce((n, o) => n + (o.requests ?? 0), 0);

    // The simulator runs on a frozen clock, so a second sync sees exactly the same fleet.
    const again = await app.sync.syncAll();
    const resyncRows = again.reduce((n, o) => n + o.written + o.deleted, 0);
    const rssAfterResync = process.resourceUsage().maxRSS / 1024;

    const queries = ['', 'web', 'status:stopped', 'tag:prod', 'tenant:acme', 'site:edge-0', 'node:pve01', 'type:lxc db', 'vmid:1234', 'status:running tag:confidential', 'zzz-no-match', 'sql'];
    // The first query builds the in-memory guest index and its sort orders; reported on its own.
    const w0 = performance.now();
    app.fleet.guests({ query: '', sort: { field: 'name', dir: 'asc' }, offset: 0, limit: 100 });
    app.fleet.guests({ query: '', sort: { field: 'cpu', dir: 'asc' }, offset: 0, limit: 100 });
    const indexBuildMs = performance.now() - w0;
    if (process.env.BENCH_DEBUG) process.stderr.write(`peak RSS after the resync ${Math.round(rssAfterResync)} MB, after the index build ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
    const times: number[] = [];
    for (let i = 0; i < 240; i++) {
      const q = queries[i % queries.length] as string;
      const t0 = performance.now();
      app.fleet.guests({ query: q, sort: { field: i % 2 ? 'name' : 'cpu', dir: 'asc' }, offset: 0, limit: 100 });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const guests = app.fleet.summary().guests;
    // Peak RSS of Cairn's side, taken before the baseline adds its own buffers to this process.
    const rssMb = process.resourceUsage().maxRSS / 1024;
    const heapMb = liveHeapMb();
    await app.close();

    // Baseline: the same /cluster/resources bodies, parsed and inserted in one transaction.
    process.stderr.write(`fetching ${clusters.length} bodies for the baseline\n`);
    const bodies: string[] = [];
    for (const c of clusters) bodies.push(await getPinned(`${c.url}/api2/json/cluster/resources`, c.fingerprint, line.token));
    const bdb = new Database(join(dir, 'baseline.db'));
    bdb.pragma('journal_mode = WAL');
    bdb.exec('CREATE TABLE r (cluster INTEGER, id TEXT, type TEXT, node TEXT, status TEXT, name TEXT, cpu REAL, mem REAL, maxmem REAL, PRIMARY KEY (cluster, id))');
    const ins = bdb.prepare('INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const b0 = performance.now();
    const parsed = bodies.map((b) => (JSON.parse(b) as { data: Record<string, unknown>[] }).data);
    bdb.transaction(() => {
      parsed.forEach((rows, i) => {
        for (const r of rows) ins.run(i, r.id, r.type, r.node ?? null, r.status ?? null, r.name ?? null, r.cpu ?? 0, r.mem ?? 0, r.maxmem ?? 0);
      });
    })();
    const baselineS = (performance.now() - b0) / 1000;
    bdb.close();
    const totalRows = parsed.reduce((n, r) => n + r.length, 0);


    emit({ name: 'fleet.sync.full', value: fullS, unit: 's', target: '<=10', baseline: baselineS, note: `${clusters.length} clusters, ${guests} guests, ${failed.length} failed` });
    emit({ name: 'fleet.sync.cpu', value: (cpu.user + cpu.system) / 1e6, unit: 's', note: `CPU time of Cairn's process during the full sync; the simulator's process used ${Number.isNaN(simCpu) ? 'an unknown amount' : `${simCpu.toFixed(2)} s`}` });
    emit({ name: 'fleet.sync.vs_baseline', value: fullS / baselineS, unit: 'x', target: '<=2', baseline: 1 });
    emit({ name: 'fleet.sync.requests_per_cluster', value: requests / clusters.length, unit: 'requests' });
    emit({ name: 'fleet.sync.upsert_rate', value: written / fullS, unit: 'rows/s', baseline: totalRows / baselineS });
    emit({ name: 'fleet.resync.rows_written', value: resyncRows, unit: 'rows', target: '<=0' });
    emit({ name: 'fleet.search.index_build', value: indexBuildMs, unit: 'ms', note: 'first query after a change: load + two sort orders' });
    emit({ name: 'fleet.search.p50', value: percentile(times, 50), unit: 'ms' });
    emit({ name: 'fleet.search.p95', value: percentile(times, 95), unit: 'ms', target: '<=30' });
    emit({ name: 'fleet.rss.peak', value: rssMb, unit: 'MB', target: '<=300', note: `peak before the sync ${Math.round(rssBeforeSync)} MB, after it ${Math.round(rssAfterSync)} MB; live V8 heap after the full sync ${Math.round(heapAfterSync)} MB, with the guest index ${Math.round(heapMb)} MB${globalThis.gc ? '' : ' (run with --expose-gc for live figures)'}; malloc arenas ${process.env.MALLOC_ARENA_MAX ?? 'glibc default'}` });
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
