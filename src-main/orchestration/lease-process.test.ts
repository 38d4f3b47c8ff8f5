/**
 * The journal lease across two real OS processes (Node children running
 * lease-process.fixture.ts through tsx) on one SQLite database, against the
 * PVE simulator: exactly one executes the journal, the other reads it,
 * refuses to apply and names who runs it. Killing the executor mid-operation
 * lets the other take over and finish, nothing applied twice; a stalled
 * (stopped, still alive) executor is taken over only once its lease expired.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from '../sim';
import { createPveClient, isGuestResource, type PveClient } from '../pve';
import { openDatabase } from '../store/database';
import { OperationEngine } from './engine';

const FIXTURE = join(__dirname, 'lease-process.fixture.ts');
const STALE_MS = 1500;

let sim: SimHandle;
let client: PveClient;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // Slow enough tasks (1–2.5 s per snapshot) that a kill lands mid-operation.
  sim = await startSimulator({ sites: 1, seed: 23, port: 0, taskSpeed: 2, dataCentrePools: false });
  const c = sim.clusters[0]!;
  client = createPveClient({ baseUrl: c.url, fingerprint: c.fingerprint, credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }) });
  dir = mkdtempSync(join(tmpdir(), 'cairn-lease-'));
}, 60_000);

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  sim.faults.clear(sim.clusters[0]!.id);
});

afterAll(async () => {
  client?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  name: string;
  pid: number;
  event: string;
  [k: string]: unknown;
}

/** A child process and the JSON lines it printed so far, with a wait for the next matching one. */
function launch(dbFile: string, name: string, plannedId?: string) {
  const c = sim.clusters[0]!;
  const env = { ...process.env, CAIRN_LEASE_TEST: JSON.stringify({ url: c.url, fingerprint: c.fingerprint, tokenId: sim.tokenId, secret: sim.tokenSecret, staleMs: STALE_MS, plannedId }) };
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbFile, name], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Line[] = [];
  const waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let l: Line;
    try {
      l = JSON.parse(text) as Line;
    } catch {
      return;
    }
    lines.push(l);
    for (const w of waiters.splice(0)) {
      if (w.pred(l)) w.resolve(l);
      else waiters.push(w);
    }
  });
  const next = (pred: (l: Line) => boolean, ms = 20_000): Promise<Line> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${name}: no matching line in ${ms} ms; got ${JSON.stringify(lines)}; stderr ${stderr.slice(-2000)}`)), ms);
      waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  };
  return { child, lines, next };
}

/** Queues snapshot operations in a fresh journal (planned here, applied by whichever child executes) and one left planned. */
async function journalWithWork(tag: string): Promise<{ file: string; queued: string[]; planned: string; vmids: number[] }> {
  const file = join(dir, `${tag}.db`);
  const db = openDatabase(file);
  const e = new OperationEngine({ db, clientFor: () => client, sizeOf: () => ({ vcpu: 1, memMiB: 512 }) });
  const vms = (await client.clusterResources('vm')).filter(isGuestResource).filter((g) => !g.template && g.type === 'qemu' && g.status === 'stopped').slice(0, 4);
  const queued: string[] = [];
  for (const g of vms.slice(0, 3)) {
    const op = await e.plan({ action: 'snapshot', clusterId: 'conn-1', vmid: g.vmid, snapname: `lease-${tag}` }, 'alice');
    e.journal.setState(op.id, 'queued');
    queued.push(op.id);
  }
  const planned = (await e.plan({ action: 'snapshot', clusterId: 'conn-1', vmid: vms[3]!.vmid, snapname: `lease-${tag}` }, 'alice')).id;
  await e.close();
  db.close();
  return { file, queued, planned, vmids: vms.slice(0, 3).map((g) => g.vmid) };
}

async function snapshotTasks(vmid: number, sinceS: number): Promise<number> {
  const g = (await client.clusterResources('vm')).filter(isGuestResource).find((x) => x.vmid === vmid)!;
  return (await client.nodeTasks(g.node, { vmid, typefilter: 'qmsnapshot', since: sinceS, source: 'all', limit: 50 })).items.length;
}

function states(file: string, ids: string[]): string[] {
  const db = openDatabase(file);
  try {
    const e = new OperationEngine({ db, clientFor: () => client, sizeOf: () => ({ vcpu: 1, memMiB: 512 }) });
    return ids.map((id) => e.get(id).state);
  } finally {
    db.close();
  }
}

describe('journal lease across two OS processes', () => {
  it('one executes, the other reads and names it; killing the executor mid-operation hands over, nothing twice', async () => {
    const t0 = Math.floor(Date.now() / 1000) - 1;
    const w = await journalWithWork('kill');
    // Tasks of 6–15 s: A is still inside them when B (a second Node start-up, slow under load) is up and A is killed.
    sim.faults.set(sim.clusters[0]!.id, { slowTaskFactor: 6 });
    const a = launch(w.file, 'proc-A');
    const aStarted = await a.next((l) => l.event === 'started');
    expect(aStarted).toMatchObject({ executing: true, resumed: 3 });
    await a.next((l) => l.event === 'changed' && l.state === 'running');

    const b = launch(w.file, 'proc-B', w.planned);
    const bStarted = await b.next((l) => l.event === 'started');
    expect(bStarted.executing).toBe(false);
    expect(bStarted.visible).toBe(4); // it reads the journal
    expect(String(bStarted.readOnly)).toContain(`proc-A, pid ${aStarted.pid}`);
    expect(String((await b.next((l) => l.event === 'apply-refused')).message)).toMatch(/Another Cairn process \(proc-A/);
    expect(b.lines.some((l) => l.event === 'changed')).toBe(false);

    expect(a.lines.filter((l) => l.event === 'changed' && l.state === 'succeeded')).toHaveLength(0);
    a.child.kill('SIGKILL');
    sim.faults.clear(sim.clusters[0]!.id);
    const took = await b.next((l) => l.event === 'takeover');
    // A was killed inside an operation: B resumes what A left (at least the interrupted one) and finishes it.
    expect(took.resumed).toBe(3);
    for (const id of w.queued) await b.next((l) => l.event === 'changed' && l.id === id && l.state === 'succeeded', 40_000);
    expect(states(w.file, [...w.queued, w.planned])).toEqual(['succeeded', 'succeeded', 'succeeded', 'planned']);
    for (const vmid of w.vmids) expect(await snapshotTasks(vmid, t0)).toBe(1);
  }, 90_000);

  it('a stalled executor (stopped, still alive) is taken over only after its lease expired', async () => {
    const w = await journalWithWork('stall');
    const a = launch(w.file, 'proc-A');
    expect((await a.next((l) => l.event === 'started')).executing).toBe(true);
    const b = launch(w.file, 'proc-B');
    expect((await b.next((l) => l.event === 'started')).executing).toBe(false);
    // Let A finish its work first, so the stall tests the lease alone.
    for (const id of w.queued) await a.next((l) => l.event === 'changed' && l.id === id && l.state === 'succeeded');
    const stoppedAt = Date.now();
    a.child.kill('SIGSTOP');
    await b.next((l) => l.event === 'takeover');
    const after = Date.now() - stoppedAt;
    // A's last heartbeat was at most one renew interval before the stop; the lease is free STALE_MS after it.
    expect(after).toBeGreaterThanOrEqual(STALE_MS - Math.floor(STALE_MS / 3));
    a.child.kill('SIGKILL');
  }, 60_000);
});
