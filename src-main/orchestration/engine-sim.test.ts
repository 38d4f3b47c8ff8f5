/**
 * The engine against the PVE simulator over HTTPS, with each fault the
 * issue names: node down (595), task failure, lock timeout on parallel
 * clones, the connection lost mid-operation (before and after PVE carried
 * the call out), a revoked token, and the app killed between two steps.
 * Each ends in a clear journal state, and the simulator's own state and task
 * list show no side effect twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from '../sim';
import { createPveClient, isGuestResource, PveError, type GuestResource, type PveClient } from '../pve';
import { openDatabase, type Db } from '../store/database';
import { EngineHalted, OperationEngine, type CrashPoint } from './engine';
import type { OperationRecord } from './journal';
import type { OpsClient } from './steps';

const SIZES: Record<string, { vcpu: number; memMiB: number }> = {
  small: { vcpu: 2, memMiB: 4096 },
  medium: { vcpu: 4, memMiB: 8192 },
  large: { vcpu: 8, memMiB: 16384 },
  'x-large': { vcpu: 16, memMiB: 32768 },
};
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx4cGxhaW5rZXlmb3J0ZXN0c29ubHk ops@cairn';

let sim: SimHandle;
let client: PveClient;
let dir: string;
const engines: { engine: OperationEngine; db: Db }[] = [];

beforeAll(async () => {
  sim = await startSimulator({ sites: 1, seed: 7, port: 0, taskSpeed: 400, dataCentrePools: false });
  const c = sim.clusters[0]!;
  client = createPveClient({
    baseUrl: c.url,
    fingerprint: c.fingerprint,
    credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }),
    retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
  });
  dir = mkdtempSync(join(tmpdir(), 'cairn-ops-'));
}, 60_000);

afterEach(async () => {
  for (const e of engines.splice(0)) {
    await e.engine.close();
    e.db.close();
  }
  sim.faults.clear(sim.clusters[0]!.id);
});

afterAll(async () => {
  client?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CLUSTER = 'conn-1';
let dbSeq = 0;

function engine(opts: { file?: string; via?: OpsClient; crash?: (p: CrashPoint, id: string, step: number) => void; lockRetries?: number } = {}) {
  const file = opts.file ?? join(dir, `ops-${++dbSeq}.db`);
  const db = openDatabase(file);
  const e = new OperationEngine({
    db,
    clientFor: () => opts.via ?? client,
    sizeOf: (s) => SIZES[s]!,
    pollMs: 20,
    retryAfterMs: 60_000, // tests let clusters back in explicitly with retryCluster
    lockRetries: opts.lockRetries ?? 2,
    lockRetryMs: 20,
    ...(opts.crash ? { crashHook: opts.crash } : {}),
  });
  engines.push({ engine: e, db });
  return { engine: e, file };
}

async function guests(): Promise<GuestResource[]> {
  return (await client.clusterResources('vm')).filter(isGuestResource);
}

async function pick(pred: (g: GuestResource) => boolean): Promise<GuestResource> {
  const g = (await guests()).find((x) => !x.template && x.type === 'qemu' && pred(x));
  if (!g) throw new Error('no suitable guest in the simulated cluster');
  return g;
}

async function template(): Promise<GuestResource> {
  const t = (await guests()).find((x) => x.template && x.type === 'qemu');
  if (!t) throw new Error('no template');
  return t;
}

/** Tasks of a type for a vmid started since `sinceS`, from the node's own task list. */
async function tasks(node: string, type: string, vmid: number, sinceS: number): Promise<number> {
  const page = await client.nodeTasks(node, { typefilter: type, vmid, since: sinceS, source: 'all', limit: 100 });
  return page.items.length;
}

const nowS = (): number => Math.floor(Date.now() / 1000) - 1;

async function settle(e: OperationEngine, id: string, states: string[]): Promise<OperationRecord> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const op = e.get(id);
    if (states.includes(op.state) && (op.state !== 'queued' || op.waiting)) return op;
    if (Date.now() > deadline) throw new Error(`operation stuck in ${op.state} (${op.waiting ?? op.reason ?? ''})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function createReq(tplVmid: number, name: string) {
  return { action: 'create' as const, clusterId: CLUSTER, templateVmid: tplVmid, name, size: 'medium' as const, cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, start: true };
}

describe('operation engine on the simulator', () => {
  it('creates a VM from a template and a catalogue size: clone, cloud-init, start', async () => {
    const { engine: e } = engine();
    const tpl = await template();
    const op = await e.plan(createReq(tpl.vmid, 'web-create-1'), 'alice');
    expect(op.state).toBe('planned');
    expect(op.plan.steps.map((s) => s.kind)).toEqual(['clone', 'config', 'power']);
    expect(op.plan.quotaDelta).toMatchObject({ guests: 1, vcpu: 4, memoryMiB: 8192 });
    e.apply({ id: op.id }, 'alice');
    const done = await settle(e, op.id, ['succeeded', 'failed']);
    expect(done.state, done.reason ?? '').toBe('succeeded');
    const made = (await guests()).filter((g) => g.name === 'web-create-1');
    expect(made).toHaveLength(1);
    expect(made[0]!.status).toBe('running');
    const cfg = await client.guestConfig({ node: made[0]!.node, type: 'qemu', vmid: made[0]!.vmid });
    expect(cfg.cores).toBe(4);
    expect(cfg.memory).toBe(8192);
    expect((cfg as Record<string, unknown>).ciuser).toBe('ops');
    expect(e.journal.events(op.id).map((x) => x.type)).toEqual(expect.arrayContaining(['planned', 'queued', 'running', 'step-intent', 'step-submitted', 'step-done', 'succeeded']));
  });

  it.each<CrashPoint>(['after-call', 'after-upid', 'after-step'])('killed at %s of the clone: a new engine over the same journal finishes once', async (point) => {
    const tpl = await template();
    const name = `web-crash-${point}`;
    let armed = true;
    const first = engine({
      crash: (p, _id, step) => {
        if (armed && p === point && step === 0) {
          armed = false;
          throw new EngineHalted();
        }
      },
    });
    const op = await first.engine.plan(createReq(tpl.vmid, name), 'alice');
    const t0 = nowS();
    // Earlier tests cloned the same template within this second: count from a baseline.
    const clonesBefore = await tasks(tpl.node, 'qmclone', tpl.vmid, t0);
    first.engine.apply({ id: op.id }, 'alice');
    await first.engine.idle();
    const mid = first.engine.get(op.id);
    expect(mid.state).toBe('running');
    expect(['intent', 'submitted', 'done']).toContain(mid.steps[0]!.state);
    await first.engine.close();
    // "Start the app again": a fresh engine over the same database file.
    const second = engine({ file: first.file });
    expect(second.engine.start()).toBe(1);
    await second.engine.idle();
    const done = second.engine.get(op.id);
    expect(done.state, done.reason ?? '').toBe('succeeded');
    expect((await guests()).filter((g) => g.name === name)).toHaveLength(1);
    const vm = (await guests()).find((g) => g.name === name)!;
    expect(vm.status).toBe('running');
    expect((await tasks(tpl.node, 'qmclone', tpl.vmid, t0)) - clonesBefore).toBe(1);
    expect(await tasks(vm.node, 'qmstart', vm.vmid, t0)).toBe(1);
  });

  it('connection lost after PVE started the task: reconciled from the task list, not sent again', async () => {
    const g = await pick((x) => x.status === 'stopped');
    let lose = true;
    // The start reaches PVE, the answer does not come back.
    const via = new Proxy(client, {
      get(target, prop, recv) {
        if (prop === 'startGuest') {
          return async (...args: Parameters<PveClient['startGuest']>) => {
            const upid = await target.startGuest(...args);
            if (lose) {
              lose = false;
              throw new PveError('connection_reset', `Connection reset (lost ${upid.slice(0, 5)}…)`, { code: 'ECONNRESET' });
            }
            return upid;
          };
        }
        return Reflect.get(target, prop, recv) as unknown;
      },
    }) as OpsClient;
    const { engine: e } = engine({ via });
    const op = await e.plan({ action: 'start', clusterId: CLUSTER, vmid: g.vmid }, 'alice');
    const t0 = nowS();
    e.apply({ id: op.id }, 'alice');
    const waiting = await settle(e, op.id, ['queued']);
    expect(waiting.waiting).toMatch(/reset/i);
    expect(waiting.steps[0]!.state).toBe('intent');
    e.retryCluster(CLUSTER);
    const done = await settle(e, op.id, ['succeeded', 'failed']);
    expect(done.state, done.reason ?? '').toBe('succeeded');
    expect(done.steps[0]!.detail).toMatch(/reconcile/);
    expect(await tasks(g.node, 'qmstart', g.vmid, t0)).toBe(1);
  });

  it('connection reset while the task runs: the operation waits, then follows the same UPID to the end', async () => {
    const g = await pick((x) => x.status === 'running');
    const { engine: e } = engine();
    const c = sim.clusters[0]!;
    sim.faults.set(c.id, { slowTaskFactor: 40 });
    const op = await e.plan({ action: 'snapshot', clusterId: CLUSTER, vmid: g.vmid, snapname: 'reset-test' }, 'alice');
    const t0 = nowS();
    e.apply({ id: op.id }, 'alice');
    for (let i = 0; i < 200 && e.get(op.id).steps[0]!.state !== 'submitted'; i++) await new Promise((r) => setTimeout(r, 10));
    const upid = e.get(op.id).steps[0]!.upid;
    expect(upid).toBeTruthy();
    sim.faults.set(c.id, { resetConnections: true });
    const waiting = await settle(e, op.id, ['queued']);
    expect(waiting.steps[0]!.state).toBe('submitted');
    sim.faults.clear(c.id);
    e.retryCluster(CLUSTER);
    const done = await settle(e, op.id, ['succeeded', 'failed']);
    expect(done.state, done.reason ?? '').toBe('succeeded');
    expect(done.steps[0]!.upid).toBe(upid);
    expect(await tasks(g.node, 'qmsnapshot', g.vmid, t0)).toBe(1);
  });

  it('node down (595): queued with the reason, nothing sent; runs once the node is back', async () => {
    const g = await pick((x) => x.status === 'stopped');
    const { engine: e } = engine();
    const c = sim.clusters[0]!;
    const op = await e.plan({ action: 'start', clusterId: CLUSTER, vmid: g.vmid }, 'alice');
    sim.faults.set(c.id, { nodesDown: [g.node] });
    const t0 = nowS();
    e.apply({ id: op.id }, 'alice');
    const waiting = await settle(e, op.id, ['queued']);
    expect(waiting.waiting).toMatch(/not online|No route|595|unreachable/i);
    expect(waiting.steps[0]!.state).toBe('pending');
    e.retryCluster(CLUSTER); // still down: still waiting, not refused
    expect((await settle(e, op.id, ['queued'])).state).toBe('queued');
    sim.faults.clear(c.id);
    e.retryCluster(CLUSTER);
    const done = await settle(e, op.id, ['succeeded', 'failed']);
    expect(done.state, done.reason ?? '').toBe('succeeded');
    expect(await tasks(g.node, 'qmstart', g.vmid, t0)).toBe(1);
  });

  it('a queued operation whose plan no longer holds on the fresh inventory is refused with the reason', async () => {
    const g = await pick((x) => x.status === 'stopped');
    const { engine: e } = engine();
    const c = sim.clusters[0]!;
    const op = await e.plan({ action: 'start', clusterId: CLUSTER, vmid: g.vmid }, 'alice');
    sim.faults.set(c.id, { resetConnections: true });
    e.apply({ id: op.id }, 'alice');
    await settle(e, op.id, ['queued']);
    sim.faults.clear(c.id);
    // Meanwhile someone started it by hand.
    const upid = await client.startGuest({ node: g.node, type: 'qemu', vmid: g.vmid });
    for (let i = 0; i < 200 && (await client.taskStatus(upid)).status === 'running'; i++) await new Promise((r) => setTimeout(r, 20));
    e.retryCluster(CLUSTER);
    const done = await settle(e, op.id, ['refused', 'succeeded', 'failed']);
    expect(done.state).toBe('refused');
    expect(done.reason).toMatch(/already running/);
  });

  it('task failure: the step and the operation fail with PVE\'s error, later steps skipped', async () => {
    const g = await pick((x) => x.status === 'running');
    const { engine: e } = engine();
    sim.faults.set(sim.clusters[0]!.id, { taskFailure: true });
    const op = await e.plan({ action: 'snapshot', clusterId: CLUSTER, vmid: g.vmid, snapname: 'will-fail' }, 'alice');
    e.apply({ id: op.id }, 'alice');
    const done = await settle(e, op.id, ['succeeded', 'failed']);
    expect(done.state).toBe('failed');
    expect(done.steps[0]!.state).toBe('failed');
    expect(done.reason).toContain('Step 1');
    expect(done.steps[0]!.detail).toBeTruthy();
    expect((await client.snapshots({ node: g.node, type: 'qemu', vmid: g.vmid })).some((s) => s.name === 'will-fail')).toBe(false);
  });

  it('lock timeout on parallel clones: retried, then failed with the reason; no clone exists; a later batch succeeds once each', async () => {
    const tpl = await template();
    const { engine: e } = engine({ lockRetries: 1 });
    const c = sim.clusters[0]!;
    sim.faults.set(c.id, { lockTimeout: true });
    const names = ['par-a', 'par-b', 'par-c'];
    const batch = await e.bulkPlan(names.map((n) => createReq(tpl.vmid, n)), 'alice');
    expect(batch.total).toBe(3);
    // Distinct VMIDs although all three were planned before any ran.
    const ids = batch.operations.map((o) => e.get(o.id).steps[0]!.spec).map((s) => (s.kind === 'clone' ? s.newid : 0));
    expect(new Set(ids).size).toBe(3);
    e.applyBatch(batch.batchId, 'alice');
    await e.idle();
    const failed = e.batch(batch.batchId);
    expect(failed.byState).toEqual({ failed: 3 });
    for (const o of failed.operations) expect(o.reason).toMatch(/can't lock file/);
    expect((await guests()).filter((g) => names.includes(g.name ?? ''))).toHaveLength(0);
    sim.faults.clear(c.id);
    const again = await e.bulkPlan(names.map((n) => createReq(tpl.vmid, n)), 'alice');
    e.applyBatch(again.batchId, 'alice');
    await e.idle();
    expect(e.batch(again.batchId).byState).toEqual({ succeeded: 3 });
    for (const n of names) expect((await guests()).filter((g) => g.name === n)).toHaveLength(1);
  });

  it('revoked token: queued waiting for credentials, nothing sent; resumes once the token works', async () => {
    const g = await pick((x) => x.status === 'stopped');
    const { engine: e } = engine();
    const c = sim.clusters[0]!;
    const op = await e.plan({ action: 'start', clusterId: CLUSTER, vmid: g.vmid }, 'alice');
    sim.faults.set(c.id, { revokedToken: true });
    const t0 = nowS();
    e.apply({ id: op.id }, 'alice');
    const waiting = await settle(e, op.id, ['queued']);
    expect(waiting.waiting).toMatch(/credentials/);
    sim.faults.clear(c.id);
    e.retryCluster(CLUSTER);
    const done = await settle(e, op.id, ['succeeded', 'failed']);
    expect(done.state, done.reason ?? '').toBe('succeeded');
    expect(await tasks(g.node, 'qmstart', g.vmid, t0)).toBe(1);
  });

  it('the rest of the lifecycle: resize, reboot, migrate to the proposed node, backup and restore, a container', async () => {
    const { engine: e } = engine();
    const runOp = async (req: Parameters<OperationEngine['plan']>[0]) => {
      const op = await e.plan(req, 'alice');
      e.apply({ id: op.id }, 'alice');
      const done = await settle(e, op.id, ['succeeded', 'failed', 'refused']);
      expect(done.state, `${req.action}: ${done.reason ?? ''}`).toBe('succeeded');
      return done;
    };
    const vm = await pick((x) => x.status === 'running' && !(x.hastate ?? ''));
    const ref = { node: vm.node, type: 'qemu' as const, vmid: vm.vmid };
    const resized = await runOp({ action: 'resize', clusterId: CLUSTER, vmid: vm.vmid, size: 'large' });
    expect(resized.plan.quotaDelta.vcpu).toBe(8 - (vm.maxcpu ?? 0));
    const cfg = await client.guestConfig(ref);
    expect([cfg.cores, cfg.memory]).toEqual([8, 16384]);
    await runOp({ action: 'reboot', clusterId: CLUSTER, vmid: vm.vmid });
    await runOp({ action: 'snapshot', clusterId: CLUSTER, vmid: vm.vmid, snapname: 'before-x' });
    await runOp({ action: 'rollback', clusterId: CLUSTER, vmid: vm.vmid, snapname: 'before-x' });
    await runOp({ action: 'deleteSnapshot', clusterId: CLUSTER, vmid: vm.vmid, snapname: 'before-x' });
    expect((await client.snapshots(ref)).some((s) => s.name === 'before-x')).toBe(false);

    const storages = await client.nodeStorage(vm.node, { content: 'backup' });
    const store = storages[0]!.storage;
    await runOp({ action: 'backup', clusterId: CLUSTER, vmid: vm.vmid, storage: store, mode: 'snapshot' });
    const archive = (await client.storageContent(vm.node, store, { content: 'backup', vmid: vm.vmid })).at(-1)!.volid;
    const all = await guests();
    let free = 5000;
    while (all.some((g) => g.vmid === free)) free++;
    await runOp({ action: 'restore', clusterId: CLUSTER, node: vm.node, vmid: free, type: 'qemu', archive });
    expect((await guests()).some((g) => g.vmid === free)).toBe(true);

    // Confidential guests need an attested host, and a bare engine knows no attestation results.
    const movable = await pick((x) => x.status === 'running' && !(x.hastate ?? '') && x.vmid !== vm.vmid && !(x.tags ?? '').includes('confidential'));
    const moved = await runOp({ action: 'migrate', clusterId: CLUSTER, vmid: movable.vmid });
    const target = (moved.request as { targetNode?: string }).targetNode!;
    expect(target).not.toBe(movable.node);
    expect(moved.plan.placement).toMatchObject({ proposed: target, chosen: target, overridden: false });
    expect((await guests()).find((g) => g.vmid === movable.vmid)!.node).toBe(target);

    const ct = (await guests()).find((g) => g.type === 'lxc' && g.status === 'running' && !g.template)!;
    await runOp({ action: 'shutdown', clusterId: CLUSTER, vmid: ct.vmid });
    expect((await guests()).find((g) => g.vmid === ct.vmid)!.status).toBe('stopped');
  });

  it('HA enable and disable through /cluster/ha/resources', async () => {
    const g = await pick((x) => !(x.hastate ?? ''));
    const { engine: e } = engine();
    const on = await e.plan({ action: 'ha', clusterId: CLUSTER, vmid: g.vmid, enable: true }, 'alice');
    e.apply({ id: on.id }, 'alice');
    expect((await settle(e, on.id, ['succeeded', 'failed'])).state).toBe('succeeded');
    expect((await client.haResources()).filter((r) => r.sid === `vm:${g.vmid}`)).toHaveLength(1);
    await expect(e.plan({ action: 'ha', clusterId: CLUSTER, vmid: g.vmid, enable: true }, 'alice')).rejects.toThrow(/already enabled/);
    const off = await e.plan({ action: 'ha', clusterId: CLUSTER, vmid: g.vmid, enable: false }, 'alice');
    e.apply({ id: off.id }, 'alice');
    expect((await settle(e, off.id, ['succeeded', 'failed'])).state).toBe('succeeded');
    expect((await client.haResources()).some((r) => r.sid === `vm:${g.vmid}`)).toBe(false);
  });

  it('guarded delete: the typed name, and for a protected guest a second operator', async () => {
    const g = await pick((x) => x.status === 'stopped' && !(x.hastate ?? ''));
    const { engine: e } = engine();
    const tag = await e.plan({ action: 'tags', clusterId: CLUSTER, vmid: g.vmid, tags: ['protected'] }, 'alice');
    e.apply({ id: tag.id }, 'alice');
    expect((await settle(e, tag.id, ['succeeded', 'failed'])).state).toBe('succeeded');
    const del = await e.plan({ action: 'delete', clusterId: CLUSTER, vmid: g.vmid }, 'alice');
    expect(del.plan.confirmName).toBe(g.name);
    expect(del.plan.needsSecondConfirmation).toBe(true);
    expect(del.plan.quotaDelta.guests).toBe(-1);
    expect(() => e.apply({ id: del.id, confirmName: 'wrong' }, 'alice')).toThrow(/Type the guest's name/);
    expect(() => e.apply({ id: del.id, confirmName: g.name! }, 'alice')).toThrow(/second operator/);
    expect(() => e.apply({ id: del.id, confirmName: g.name!, secondConfirmation: { actor: 'alice' } }, 'alice')).toThrow(/another operator/);
    expect(e.get(del.id).state).toBe('planned');
    e.apply({ id: del.id, confirmName: g.name!, secondConfirmation: { actor: 'bob' } }, 'alice');
    expect((await settle(e, del.id, ['succeeded', 'failed'])).state).toBe('succeeded');
    expect((await guests()).some((x) => x.vmid === g.vmid)).toBe(false);
  });
});
