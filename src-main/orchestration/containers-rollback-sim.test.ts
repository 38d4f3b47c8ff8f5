/**
 * Against the PVE simulator over HTTPS: containers created from a catalogue
 * size and an ostemplate, the lifecycle on a container (power, snapshot,
 * restart-mode migration, guarded delete), and the rollback of a failed
 * create — the half-made guest destroyed by a journalled undo step, crash-safe,
 * and a rollback that itself fails naming what was left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimHandle } from '../sim';
import { createPveClient, isGuestResource, type GuestResource, type PveClient } from '../pve';
import { openDatabase, type Db } from '../store/database';
import { EngineHalted, OperationEngine, type CrashPoint } from './engine';
import type { OperationRecord } from './journal';

const SIZES: Record<string, { vcpu: number; memMiB: number }> = { small: { vcpu: 2, memMiB: 4096 }, medium: { vcpu: 4, memMiB: 8192 }, large: { vcpu: 8, memMiB: 16384 }, 'x-large': { vcpu: 16, memMiB: 32768 } };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx4cGxhaW5rZXlmb3J0ZXN0c29ubHk ops@cairn';
const OSTEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
const CLUSTER = 'conn-1';

let sim: SimHandle;
let client: PveClient;
let dir: string;
let dbSeq = 0;
const engines: { engine: OperationEngine; db: Db }[] = [];

beforeAll(async () => {
  sim = await startSimulator({ sites: 1, seed: 11, port: 0, taskSpeed: 400, dataCentrePools: false });
  const c = sim.clusters[0]!;
  client = createPveClient({
    baseUrl: c.url,
    fingerprint: c.fingerprint,
    credentials: async () => ({ kind: 'token', tokenId: sim.tokenId, secret: sim.tokenSecret }),
    retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
  });
  dir = mkdtempSync(join(tmpdir(), 'cairn-ct-'));
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

function engine(opts: { file?: string; crash?: (p: CrashPoint, id: string, step: number) => void } = {}) {
  const file = opts.file ?? join(dir, `ops-${++dbSeq}.db`);
  const db = openDatabase(file);
  const e = new OperationEngine({ db, clientFor: () => client, sizeOf: (s) => SIZES[s]!, pollMs: 20, retryAfterMs: 60_000, lockRetries: 1, lockRetryMs: 20, ...(opts.crash ? { crashHook: opts.crash } : {}) });
  engines.push({ engine: e, db });
  return { engine: e, file };
}

async function guests(): Promise<GuestResource[]> {
  return (await client.clusterResources('vm')).filter(isGuestResource);
}
const byName = async (name: string) => (await guests()).filter((g) => g.name === name);

async function tasks(node: string, type: string, vmid: number, sinceS: number): Promise<number> {
  return (await client.nodeTasks(node, { typefilter: type, vmid, since: sinceS, source: 'all', limit: 100 })).items.length;
}
const nowS = (): number => Math.floor(Date.now() / 1000) - 1;

async function settle(e: OperationEngine, id: string, states: string[] = ['succeeded', 'failed', 'refused', 'cancelled']): Promise<OperationRecord> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const op = e.get(id);
    if (states.includes(op.state)) return op;
    if (Date.now() > deadline) throw new Error(`operation stuck in ${op.state} (${op.waiting ?? op.reason ?? ''})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function run(e: OperationEngine, req: Parameters<OperationEngine['plan']>[0], apply: Partial<Parameters<OperationEngine['apply']>[0]> = {}): Promise<OperationRecord> {
  const op = await e.plan(req, 'alice');
  e.apply({ id: op.id, ...apply }, 'alice');
  return settle(e, op.id);
}

function ctReq(name: string, node: string, extra: Record<string, unknown> = {}) {
  return { action: 'createContainer' as const, clusterId: CLUSTER, node, name, size: 'small' as const, ostemplate: OSTEMPLATE, storage: 'local-zfs', diskGiB: 8, sshKey: KEY, bridge: 'vmbr0', ipConfig: 'ip=dhcp', unprivileged: true, tags: ['tenant-acme'], start: true, ...extra };
}

async function template(): Promise<GuestResource> {
  const t = (await guests()).find((x) => x.template && x.type === 'qemu');
  if (!t) throw new Error('no template');
  return t;
}
// Each test its own VMID: a VMID freed by one test's rollback must not count in the next one's task list.
function vmReq(tplVmid: number, name: string, newid: number) {
  return { action: 'create' as const, clusterId: CLUSTER, templateVmid: tplVmid, name, newid, size: 'medium' as const, cloudInit: { user: 'ops', sshKey: KEY, ipConfig: 'ip=dhcp' }, start: true };
}

describe('containers on the simulator', () => {
  it('creates a container from a catalogue size and an ostemplate, then runs its lifecycle', async () => {
    const { engine: e } = engine();
    const node = sim.clusters[0]!.nodes[0]!;
    const t0 = nowS();
    const planned = await e.plan(ctReq('ct-web-1', node), 'alice');
    expect(planned.plan.steps.map((s) => s.kind)).toEqual(['create', 'power']);
    expect(planned.plan.quotaDelta).toEqual({ guests: 1, vcpu: 2, memoryMiB: 4096, diskGiB: 8 });
    expect(planned.plan.target).toMatchObject({ type: 'lxc', tags: ['tenant-acme'] });
    e.apply({ id: planned.id }, 'alice');
    const made = await settle(e, planned.id);
    expect(made.state, made.reason ?? '').toBe('succeeded');
    const [ct] = await byName('ct-web-1');
    expect(ct).toMatchObject({ type: 'lxc', status: 'running', node });
    const ref = { node, type: 'lxc' as const, vmid: ct!.vmid };
    const cfg = (await client.guestConfig(ref)) as Record<string, unknown>;
    expect([cfg.cores, cfg.memory, cfg.hostname]).toEqual([2, 4096, 'ct-web-1']);
    expect(String(cfg.rootfs)).toMatch(/^local-zfs:.*size=8G/);
    expect(String(cfg.tags)).toContain('tenant-acme');
    expect(await tasks(node, 'vzcreate', ct!.vmid, t0)).toBe(1);

    // A second container with the same name is refused at plan time.
    await expect(e.plan(ctReq('ct-web-1', node), 'alice')).rejects.toThrow(/already exists/);

    expect((await run(e, { action: 'reboot', clusterId: CLUSTER, vmid: ct!.vmid })).state).toBe('succeeded');
    expect((await run(e, { action: 'shutdown', clusterId: CLUSTER, vmid: ct!.vmid })).state).toBe('succeeded');
    expect((await byName('ct-web-1'))[0]!.status).toBe('stopped');
    expect((await run(e, { action: 'start', clusterId: CLUSTER, vmid: ct!.vmid })).state).toBe('succeeded');
    expect((await run(e, { action: 'snapshot', clusterId: CLUSTER, vmid: ct!.vmid, snapname: 'pre-upgrade' })).state).toBe('succeeded');
    expect((await client.snapshots(ref)).some((s) => s.name === 'pre-upgrade')).toBe(true);

    const moved = await run(e, { action: 'migrate', clusterId: CLUSTER, vmid: ct!.vmid });
    expect(moved.state, moved.reason ?? '').toBe('succeeded');
    expect(moved.plan.warnings.join(' ')).toMatch(/restarted on the target/);
    expect(moved.plan.placement?.proposed).toBe((moved.request as { targetNode: string }).targetNode);
    const after = (await byName('ct-web-1'))[0]!;
    expect(after.node).not.toBe(node);
    expect(after.status).toBe('running');
    expect(await tasks(node, 'vzmigrate', ct!.vmid, t0)).toBe(1);

    expect((await run(e, { action: 'stop', clusterId: CLUSTER, vmid: ct!.vmid })).state).toBe('succeeded');
    const del = await run(e, { action: 'delete', clusterId: CLUSTER, vmid: ct!.vmid }, { confirmName: 'ct-web-1' });
    expect(del.state, del.reason ?? '').toBe('succeeded');
    expect(await byName('ct-web-1')).toHaveLength(0);
  });

  it('an ostemplate the node does not have fails the create task, and nothing is left to roll back', async () => {
    const { engine: e } = engine();
    const node = sim.clusters[0]!.nodes[1]!;
    const done = await run(e, ctReq('ct-missing-tpl', node, { ostemplate: 'local:vztmpl/none-1.0_amd64.tar.zst' }));
    expect(done.state).toBe('failed');
    expect(done.reason).toMatch(/^Step 1 .*does not exist/);
    expect(done.steps.map((s) => s.state)).toEqual(['failed', 'skipped']);
    expect(await byName('ct-missing-tpl')).toHaveLength(0);
  });
});

describe('a failed create is rolled back', () => {
  it('VM: the clone succeeded, the start failed: the half-made VM is destroyed by a journalled undo step', async () => {
    const c = sim.clusters[0]!;
    const tpl = await template();
    const t0 = nowS();
    const { engine: e } = engine({
      crash: (p, _id, step) => {
        if (p === 'after-step' && step === 0) sim.faults.set(c.id, { taskFailure: true }); // the start task will fail
        if (p === 'before-call' && step === 3) sim.faults.clear(c.id); // the undo step works
      },
    });
    const done = await run(e, vmReq(tpl.vmid, 'web-rollback-1', 7001));
    expect(done.state).toBe('failed');
    expect(done.reason).toMatch(/^Failed, rolled back: step 3 \(start VM \d+ on .*\) failed: .*The half-made VM \d+ 'web-rollback-1' on .* was destroyed$/);
    expect(done.steps.map((s) => [s.spec.kind, s.state])).toEqual([['clone', 'done'], ['config', 'done'], ['power', 'failed'], ['destroy', 'done']]);
    expect(done.plan.steps[3]!.summary).toMatch(/^undo: destroy the half-made VM/);
    expect(await byName('web-rollback-1')).toHaveLength(0);
    const vmid = (done.request as { newid: number }).newid;
    expect(await tasks(tpl.node, 'qmdestroy', vmid, t0)).toBe(1);
    expect(e.journal.events(done.id).map((x) => x.type)).toContain('rollback');
  });

  it('killed in the middle of the rollback: a new engine finishes it once', async () => {
    const c = sim.clusters[0]!;
    const tpl = await template();
    const t0 = nowS();
    const first = engine({
      crash: (p, _id, step) => {
        if (p === 'after-step' && step === 0) sim.faults.set(c.id, { taskFailure: true });
        if (p === 'before-call' && step === 3) sim.faults.clear(c.id);
        if (p === 'after-upid' && step === 3) throw new EngineHalted();
      },
    });
    const op = await first.engine.plan(vmReq(tpl.vmid, 'web-rollback-2', 7002), 'alice');
    first.engine.apply({ id: op.id }, 'alice');
    await first.engine.idle();
    expect(first.engine.get(op.id).steps[3]!.state).toBe('submitted');
    const second = engine({ file: first.file });
    expect(second.engine.start()).toBe(1);
    const done = await settle(second.engine, op.id);
    expect(done.reason).toMatch(/^Failed, rolled back/);
    expect(await byName('web-rollback-2')).toHaveLength(0);
    expect(await tasks(tpl.node, 'qmdestroy', (done.request as { newid: number }).newid, t0)).toBe(1);
  });

  it('the rollback itself fails: the reason names the guest left behind and where', async () => {
    const c = sim.clusters[0]!;
    const tpl = await template();
    const { engine: e } = engine({ crash: (p, _id, step) => void (p === 'after-step' && step === 0 && sim.faults.set(c.id, { taskFailure: true })) });
    const done = await run(e, vmReq(tpl.vmid, 'web-rollback-3', 7003));
    expect(done.state).toBe('failed');
    const vmid = (done.request as { newid: number }).newid;
    expect(done.reason).toMatch(new RegExp(`^Failed, not rolled back: step 3 .*Rolling back failed too \\(.*\\): the half-made VM ${vmid} 'web-rollback-3' is left on ${tpl.node}; delete it by hand$`));
    sim.faults.clear(c.id);
    expect(await byName('web-rollback-3')).toHaveLength(1);
  });

  it('container: created, its start failed: destroyed again', async () => {
    const c = sim.clusters[0]!;
    const node = c.nodes[2]!;
    const { engine: e } = engine({
      crash: (p, _id, step) => {
        if (p === 'after-step' && step === 0) sim.faults.set(c.id, { taskFailure: true });
        if (p === 'before-call' && step === 2) sim.faults.clear(c.id);
      },
    });
    const done = await run(e, ctReq('ct-rollback-1', node));
    expect(done.reason).toMatch(/^Failed, rolled back: step 2 .*The half-made container \d+ 'ct-rollback-1'/);
    expect(await byName('ct-rollback-1')).toHaveLength(0);
  });

  it('a failure before anything was made is not rolled back (nothing to undo)', async () => {
    const c = sim.clusters[0]!;
    const tpl = await template();
    sim.faults.set(c.id, { taskFailure: true });
    const { engine: e } = engine();
    const done = await run(e, vmReq(tpl.vmid, 'web-rollback-4', 7004));
    expect(done.reason).toMatch(/^Step 1 \(clone/);
    expect(done.steps.map((s) => s.state)).toEqual(['failed', 'skipped', 'skipped']);
  });
});
