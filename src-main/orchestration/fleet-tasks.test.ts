/**
 * Fleet-wide PVE tasks against the simulator: every cluster's recent tasks,
 * Cairn's own marked by the journal, filters by status/type/node/user/origin,
 * an unreachable cluster named rather than failing the list, and a failed
 * foreign task noticed exactly once per UPID (across a restart), as a
 * notification and as an alert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetTask } from '../../src-preload/contract';
import { DEFAULT_THRESHOLDS } from '../alerts';
import { startSimulator, type SimHandle } from '../sim';
import { createPveClient, isGuestResource, waitForTask, type PveClient } from '../pve';
import { openDatabase, type Db } from '../store/database';
import { OperationEngine } from './engine';
import { FailedTaskAlertSource, FleetTasks, taskFailed } from './fleet-tasks';

let sim: SimHandle;
const clients = new Map<string, PveClient>();
let dir: string;
let db: Db;

beforeAll(async () => {
  sim = await startSimulator({ sites: 2, seed: 5, port: 0, taskSpeed: 400, dataCentrePools: false });
  for (const c of sim.clusters) {
    clients.set(c.id, createPveClient({ baseUrl: c.url, fingerprint: c.fingerprint, credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }), retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 10 } }));
  }
  dir = mkdtempSync(join(tmpdir(), 'cairn-fleet-tasks-'));
  db = openDatabase(join(dir, 'cairn.db'));
}, 60_000);

afterAll(async () => {
  db?.close();
  for (const c of clients.values()) c.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const clusters = () => sim.clusters.map((c) => ({ id: c.id, name: `name-${c.id}` }));
const req = (over: Partial<Parameters<FleetTasks['list']>[0]> = {}) => ({ status: 'all' as const, origin: 'any' as const, limit: 2000, ...over });

describe('FleetTasks', () => {
  it('lists every cluster’s tasks, marks Cairn’s, filters, notices a foreign failure once per UPID, and alerts on it', async () => {
    const [a, b] = sim.clusters;
    const ca = clients.get(a!.id)!;
    // A Cairn operation (its UPID in the journal) on cluster a …
    const engine = new OperationEngine({ db, clientFor: (id) => clients.get(id)!, sizeOf: () => ({ vcpu: 1, memMiB: 512 }), pollMs: 10 });
    const stopped = (await ca.clusterResources('vm')).filter(isGuestResource).filter((g) => !g.template && g.status === 'stopped');
    const op = await engine.plan({ action: 'start', clusterId: a!.id, vmid: stopped[0]!.vmid }, 'alice');
    engine.apply({ id: op.id }, 'alice');
    await engine.idle();
    const cairnUpid = engine.get(op.id).steps[0]!.upid!;
    await engine.close();
    // The first look at each cluster: failures already in its task list are history (the simulator has some), not news.
    const noticed: FleetTask[] = [];
    const ft = new FleetTasks({ db, clusters, clientFor: (id) => clients.get(id)!, onFailed: (t) => noticed.push(t) });
    await ft.poll();
    expect(noticed).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM pve_task_notices WHERE baseline = 1').pluck().get()).toBeGreaterThan(0);
    const ctx0 = { now: new Date(), thresholds: DEFAULT_THRESHOLDS, syncIntervalSeconds: 60, watchingSince: new Date(0) };
    expect(new FailedTaskAlertSource(db).evaluate(ctx0)).toEqual([]);
    // … then a task someone started in the PVE UI fails.
    sim.faults.set(a!.id, { taskFailure: true });
    const other = (await ca.clusterResources('vm')).filter(isGuestResource).find((g) => !g.template && g.type === 'qemu' && g.vmid !== stopped[0]!.vmid)!;
    const foreignUpid = await ca.createSnapshot({ node: other.node, type: 'qemu', vmid: other.vmid }, { snapname: 'from-the-ui' });
    await waitForTask(ca, foreignUpid, { pollMs: 10 });
    sim.faults.clear(a!.id);

    const all = await ft.list(req());
    expect(all.errors).toEqual([]);
    expect(new Set(all.tasks.map((t) => t.clusterId))).toEqual(new Set([a!.id, b!.id]));
    expect(all.tasks.find((t) => t.upid === cairnUpid)).toMatchObject({ origin: 'cairn', operationId: op.id, clusterName: `name-${a!.id}` });
    const foreign = all.tasks.find((t) => t.upid === foreignUpid)!;
    expect(foreign).toMatchObject({ origin: 'other', operationId: null, type: 'qmsnapshot' });
    expect(taskFailed(foreign.status)).toBe(true);
    const starts = all.tasks.map((t) => t.startedAt ?? '');
    expect(starts).toEqual([...starts].sort().reverse());

    const failed = await ft.list(req({ status: 'failed', origin: 'other', type: 'QMSNAP', node: foreign.node }));
    expect(failed.tasks.map((t) => t.upid)).toContain(foreignUpid);
    expect(failed.tasks.every((t) => taskFailed(t.status) && t.type === 'qmsnapshot' && t.node === foreign.node && t.origin === 'other')).toBe(true);
    expect((await ft.list(req({ origin: 'cairn' }))).tasks.map((t) => t.upid)).toEqual([cairnUpid]);
    expect((await ft.list(req({ user: 'nobody-such' }))).tasks).toEqual([]);
    expect((await ft.list(req({ clusterId: b!.id }))).tasks.every((t) => t.clusterId === b!.id)).toBe(true);

    // Once per UPID: the list above and two polls notified the foreign failure once; Cairn's own never.
    await ft.poll();
    await ft.poll();
    expect(noticed.filter((t) => t.upid === foreignUpid)).toHaveLength(1);
    expect(noticed.map((t) => t.upid)).toEqual([foreignUpid]);
    // … and a restarted console does not notify it again.
    const again: FleetTask[] = [];
    await new FleetTasks({ db, clusters, clientFor: (id) => clients.get(id)!, onFailed: (t) => again.push(t) }).poll();
    expect(again).toEqual([]);

    const ctx = { now: new Date(), thresholds: DEFAULT_THRESHOLDS, syncIntervalSeconds: 60, watchingSince: new Date(0) };
    const findings = new FailedTaskAlertSource(db).evaluate(ctx);
    const f = findings.find((x) => x.key === `pve-task-failed:${foreignUpid}`)!;
    expect(f).toMatchObject({ kind: 'pve-task-failed', raise: 'warning', subject: { kind: 'host', clusterId: a!.id, node: foreign.node } });
    expect(f.message).toMatch(/^PVE task qmsnapshot on .* failed/);
    // Held for a day, then history.
    expect(new FailedTaskAlertSource(db).evaluate({ ...ctx, now: new Date(Date.now() + 25 * 3_600_000) })).toEqual([]);
  });

  it('a cluster that does not answer is named in errors; the others are still listed', async () => {
    const [a, b] = sim.clusters;
    sim.faults.set(b!.id, { error5xxRate: 1 });
    try {
      const ft = new FleetTasks({ db, clusters, clientFor: (id) => clients.get(id)!, scrub: (t) => t.replaceAll(sim.tokenSecret, '[redacted]') });
      const r = await ft.list(req());
      expect(r.errors.map((e) => e.clusterId)).toEqual([b!.id]);
      expect(r.errors[0]!.clusterName).toBe(`name-${b!.id}`);
      expect(r.tasks.length).toBeGreaterThan(0);
      expect(r.tasks.every((t) => t.clusterId === a!.id)).toBe(true);
    } finally {
      sim.faults.clear(b!.id);
    }
  });
});
