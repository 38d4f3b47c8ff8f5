/**
 * `npm run bench operations [--quick]`: 1,000 queued operations (snapshots)
 * across 100 simulated clusters over HTTPS, per-cluster concurrency 4, the
 * journal in a WAL SQLite file: time to drain, operations per second, and
 * the journal's own time per step (every step journals its intent, its UPID
 * and its outcome). --quick: 100 operations over 10 clusters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationEngine, type OpsClient } from '../src-main/orchestration';
import { createPveClient, isGuestResource, type PveClient } from '../src-main/pve';
import { startSimulator } from '../src-main/sim';
import { openDatabase } from '../src-main/store/database';
import { emit } from './report';

export async function operationsBench(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const clusters = quick ? 10 : 100;
  const perCluster = 10;
  const concurrency = 4;
  process.stderr.write(`  simulator: ${clusters} clusters\n`);
  const sim = await startSimulator({ sites: clusters, seed: 11, port: 0, taskSpeed: 500, dataCentrePools: false, guestsPerSite: 20 });
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-ops-'));
  const clients = new Map<string, PveClient>();
  for (const c of sim.clusters) {
    clients.set(c.id, createPveClient({ baseUrl: c.url, fingerprint: c.fingerprint, maxConcurrent: concurrency, credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }) }));
  }
  const db = openDatabase(join(dir, 'cairn.db'));
  const engine = new OperationEngine({
    db,
    clientFor: (id) => clients.get(id) as OpsClient,
    sizeOf: () => ({ vcpu: 2, memMiB: 4096 }),
    concurrencyPerCluster: concurrency,
    pollMs: 100,
  });
  try {
    process.stderr.write(`  planning ${clusters * perCluster} operations\n`);
    const ids: string[] = [];
    for (const c of sim.clusters) {
      const guests = (await clients.get(c.id)!.clusterResources('vm')).filter(isGuestResource).filter((g) => !g.template && g.type === 'qemu').slice(0, perCluster);
      for (const g of guests) ids.push((await engine.plan({ action: 'snapshot', clusterId: c.id, vmid: g.vmid, snapname: `bench-${g.vmid}` }, 'bench')).id);
    }
    process.stderr.write(`  draining ${ids.length} operations\n`);
    const t0 = performance.now();
    for (const id of ids) engine.apply({ id }, 'bench');
    await engine.idle();
    const seconds = (performance.now() - t0) / 1000;
    const ops = ids.map((id) => engine.get(id));
    const ok = ops.filter((o) => o.state === 'succeeded').length;
    const steps = ops.reduce((n, o) => n + o.steps.length, 0);
    emit({ name: 'operations.drain', value: seconds, unit: 's', note: `${ids.length} operations, ${clusters} clusters, concurrency ${concurrency} per cluster, ${ok} succeeded` });
    emit({ name: 'operations.rate', value: ids.length / seconds, unit: 'ops/s' });
    emit({ name: 'operations.journal.per_step', value: engine.journal.writeMs / steps, unit: 'ms', note: `${engine.journal.writes} journalled step transitions for ${steps} steps (WAL SQLite, one transaction each)` });
    if (ok !== ids.length) throw new Error(`${ids.length - ok} operations did not succeed: ${ops.find((o) => o.state !== 'succeeded')?.reason ?? ''}`);
  } finally {
    await engine.close();
    db.close();
    for (const c of clients.values()) c.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
