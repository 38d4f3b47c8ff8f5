import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import type { ClusterState, Guest } from './model';
import { haSid } from './model';
import { createSimulator, type Simulator } from './simulator';
import { parseUpid } from './tasks';
import { api, upidPath, waitForTask } from './test-support';

let sim: Simulator;
let clock: ManualClock;
let c: ClusterState;
let url: string;
let token: string;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 8, 14, 13, 0, 0));
  // A data-centre pool has HA resources, containers and templates to work with.
  sim = await createSimulator({ sites: 1, seed: 2024 }, { clock });
  c = [...sim.runtime.clusters].filter((x) => x.haResources.size > 0).sort((x, y) => y.guests.size - x.guests.size)[0] as ClusterState;
  url = c.info.url;
  token = sim.handle.token;
});

afterAll(async () => {
  await sim?.handle.close();
});

const get = <T = unknown>(p: string, params?: Record<string, string | number>) => api<T>(url, 'GET', p, { token, ...(params ? { params } : {}) });
const post = <T = unknown>(p: string, params?: Record<string, string | number>) => api<T>(url, 'POST', p, { token, ...(params ? { params } : {}) });
const put = <T = unknown>(p: string, params?: Record<string, string | number>) => api<T>(url, 'PUT', p, { token, ...(params ? { params } : {}) });
const del = <T = unknown>(p: string, params?: Record<string, string | number>) => api<T>(url, 'DELETE', p, { token, ...(params ? { params } : {}) });

function guest(pred: (g: Guest) => boolean): Guest {
  const g = [...c.guests.values()].find((x) => pred(x) && !x.lock);
  if (!g) throw new Error('no matching guest');
  return g;
}

const plain = (g: Guest): boolean => !c.haResources.has(haSid(g)) && !g.template && !g.protection;

async function upidOf(reply: Promise<{ status: number; reason: string; body?: { data: unknown } | undefined }>): Promise<string> {
  const r = await reply;
  expect(r.status, r.reason).toBe(200);
  return String(r.body?.data);
}

async function status(upid: string): Promise<Record<string, unknown>> {
  return (await get<Record<string, unknown>>(upidPath(upid.split(':')[1] ?? '', upid))).body?.data ?? {};
}

async function finish(upid: string): Promise<Record<string, unknown>> {
  clock.advance(6 * 3600_000);
  const st = await status(upid);
  expect(st.status).toBe('stopped');
  return st;
}

async function log(upid: string, params: Record<string, number> = { limit: 1000 }): Promise<string[]> {
  const r = await get<Array<{ n: number; t: string }>>(upidPath(upid.split(':')[1] ?? '', upid, 'log'), params);
  return (r.body?.data ?? []).map((l) => l.t);
}

describe('tasks', () => {
  it('return real-format UPIDs and run from running to stopped OK', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'stopped');
    const upid = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/start`));
    expect(upid).toMatch(/^UPID:[a-z0-9-]+:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmstart:\d+:cairn@pve!console:$/);
    const p = parseUpid(upid);
    expect(p).toMatchObject({ node: vm.node, type: 'qmstart', id: String(vm.vmid), user: 'cairn@pve!console', starttime: Math.floor(clock.now() / 1000) });
    expect(await status(upid)).toMatchObject({ status: 'running', upid, node: vm.node, type: 'qmstart', id: String(vm.vmid), user: 'cairn@pve', tokenid: 'console' });
    expect((await status(upid)).exitstatus).toBeUndefined();
    const st = await finish(upid);
    expect(st.exitstatus).toBe('OK');
    expect((await log(upid)).at(-1)).toBe('TASK OK');
    const cur = await get<Record<string, unknown>>(`/nodes/${vm.node}/qemu/${vm.vmid}/status/current`);
    expect(cur.body?.data).toMatchObject({ status: 'running', qmpstatus: 'running' });
  });

  it('fails in the task when the VM already runs', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'running');
    const upid = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/start`));
    const st = await finish(upid);
    expect(st.exitstatus).toBe(`VM ${vm.vmid} already running`);
    expect((await log(upid)).at(-1)).toBe(`TASK ERROR: VM ${vm.vmid} already running`);
  });

  it('serialises power actions on one guest through its config lock', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'running');
    const shutdown = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/shutdown`));
    const start = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/start`));
    expect((await finish(start)).exitstatus).toBe(`can't lock file '/var/lock/qemu-server/lock-${vm.vmid}.conf' - got timeout`);
    expect((await status(shutdown)).exitstatus).toBe('OK');
  });

  it('page logs with start/limit and report total', async () => {
    const tpl = guest((g) => g.template && g.type === 'qemu');
    const upid = await upidOf(post(`/nodes/${tpl.node}/qemu/${tpl.vmid}/clone`, { newid: 8100, full: 1 }));
    await finish(upid);
    const all = await log(upid);
    expect(all[0]).toMatch(/^create full clone of drive scsi0 /);
    expect(all.at(-1)).toBe('TASK OK');
    const page = await get<Array<{ n: number; t: string }>>(upidPath(tpl.node, upid, 'log'), { start: 2, limit: 3 });
    expect(page.body?.total).toBe(all.length);
    expect(page.body?.data).toEqual([{ n: 3, t: all[2] }, { n: 4, t: all[3] }, { n: 5, t: all[4] }]);
  });

  it('show a running task log growing', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'stopped' && g.diskGiB >= 64);
    const upid = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/clone`, { newid: 8101, full: 1 }));
    clock.advance(2_000);
    const early = await log(upid);
    clock.advance(20_000);
    const later = await log(upid);
    expect(later.length).toBeGreaterThanOrEqual(early.length);
    expect(later).not.toContain('TASK OK');
    await finish(upid);
  });

  it('can be stopped, which rolls the operation back', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'stopped');
    const upid = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/clone`, { newid: 8102, full: 1 }));
    expect(c.guests.get(8102)?.lock).toBe('clone');
    expect((await del(upidPath(vm.node, upid, ''))).status).toBe(200);
    expect(await status(upid)).toMatchObject({ status: 'stopped', exitstatus: 'interrupted by signal' });
    expect(c.guests.has(8102)).toBe(false);
    const bad = await get(upidPath(vm.node, 'UPID:nonsense', 'status'));
    expect(bad.status).toBe(400);
    expect(bad.body?.errors).toEqual({ upid: 'unable to parse worker upid' });
    const unknown = await get(upidPath(vm.node, upid.replace(/:[0-9A-F]{8}:qmclone/, ':00000001:qmclone'), 'status'));
    expect(unknown.body?.errors).toEqual({ upid: 'no such task' });
  });

  it('list with filters; running tasks only in the active list', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'stopped');
    const upid = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/start`));
    type Entry = { upid: string; status?: string; type: string; id: string };
    const active = (await get<Entry[]>(`/nodes/${vm.node}/tasks`, { source: 'active' })).body?.data ?? [];
    expect(active.find((t) => t.upid === upid)?.status).toBe('RUNNING');
    const archive = (await get<Entry[]>(`/nodes/${vm.node}/tasks`)).body?.data ?? [];
    expect(archive.find((t) => t.upid === upid)).toBeUndefined();
    await finish(upid);
    const byVm = (await get<Entry[]>(`/nodes/${vm.node}/tasks`, { vmid: vm.vmid, typefilter: 'qmstart' })).body?.data ?? [];
    expect(byVm[0]?.upid).toBe(upid);
    expect(byVm.every((t) => t.type === 'qmstart' && t.id === String(vm.vmid))).toBe(true);
    const errors = (await get<Entry[]>(`/nodes/${vm.node}/tasks`, { errors: 1, limit: 500 })).body?.data ?? [];
    expect(errors.every((t) => t.status !== 'OK' && !t.status?.startsWith('WARNINGS'))).toBe(true);
    const cluster = (await get<Entry[]>('/cluster/tasks')).body?.data ?? [];
    expect(cluster.some((t) => t.upid === upid)).toBe(true);
  });
});

describe('migrate', () => {
  it('moves a running VM to the target node when the task ends', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'running' && g.storage === 'ceph-vm');
    const from = vm.node;
    const to = c.nodes.find((n) => n.name !== from)?.name ?? '';
    const pre = await get<{ running: number; allowed_nodes: string[] }>(`/nodes/${from}/qemu/${vm.vmid}/migrate`);
    expect(pre.body?.data.running).toBe(1);
    expect(pre.body?.data.allowed_nodes).toContain(to);

    const upid = await upidOf(post(`/nodes/${from}/qemu/${vm.vmid}/migrate`, { target: to, online: 1 }));
    expect((await get<Record<string, unknown>>(`/nodes/${from}/qemu/${vm.vmid}/status/current`)).body?.data.lock).toBe('migrate');
    const locked = await put(`/nodes/${from}/qemu/${vm.vmid}/config`, { description: 'during migration' });
    expect(locked.status).toBe(500);
    expect(locked.reason).toBe('VM is locked (migrate)');
    expect((await finish(upid)).exitstatus).toBe('OK');

    expect((await get(`/nodes/${from}/qemu/${vm.vmid}/config`)).status).toBe(500);
    const moved = (await get<Record<string, unknown>>(`/nodes/${to}/qemu/${vm.vmid}/status/current`)).body?.data;
    expect(moved).toMatchObject({ status: 'running' });
    expect(moved?.lock).toBeUndefined();
    const res = (await get<Array<Record<string, unknown>>>('/cluster/resources', { type: 'vm' })).body?.data ?? [];
    expect(res.find((e) => e.vmid === vm.vmid)?.node).toBe(to);
    const lines = await log(upid);
    expect(lines.some((l) => l.includes(`starting migration of VM ${vm.vmid} to node '${to}'`))).toBe(true);
    expect(lines.at(-1)).toBe('TASK OK');
  });

  it('refuses what PVE refuses', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'running');
    const to = c.nodes.find((n) => n.name !== vm.node)?.name ?? '';
    expect((await post(`/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { target: to })).reason).toBe("can't migrate running VM without --online");
    expect((await post(`/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { target: vm.node, online: 1 })).reason).toBe('target is local node.');
    expect((await post(`/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { target: 'ghost', online: 1 })).reason).toBe("no such cluster node 'ghost'");
    const ct = guest((g) => plain(g) && g.type === 'lxc' && g.status === 'running');
    const ctTo = c.nodes.find((n) => n.name !== ct.node)?.name ?? '';
    expect((await post(`/nodes/${ct.node}/lxc/${ct.vmid}/migrate`, { target: ctTo })).reason).toBe("can't migrate running container without --online or --restart");
  });

  it('fails live migration of local disks without with-local-disks', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'running' && g.storage === 'local-zfs');
    const to = c.nodes.find((n) => n.name !== vm.node)?.name ?? '';
    const st = await finish(await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { target: to, online: 1 })));
    expect(String(st.exitstatus)).toContain("can't live migrate attached local disks without with-local-disks option");
    expect(c.guests.get(vm.vmid)?.node).toBe(vm.node);
  });

  it('goes through the HA stack for HA-managed guests', async () => {
    const vm = guest((g) => c.haResources.has(haSid(g)) && g.status === 'running' && g.type === 'qemu');
    const to = c.nodes.find((n) => n.name !== vm.node)?.name ?? '';
    const upid = await upidOf(post(`/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { target: to, online: 1 }));
    expect(parseUpid(upid)?.type).toBe('hamigrate');
    expect(await log(upid)).toContain(`Requesting HA migration for VM ${vm.vmid} to node ${to}`);
    clock.advance(2_000);
    await get('/version');
    // The CRM then runs the real migration as root@pam.
    const tasks = (await get<Array<{ type: string; user: string; id: string }>>(`/nodes/${vm.node}/tasks`, { source: 'all', vmid: vm.vmid })).body?.data ?? [];
    expect(tasks.some((t) => t.type === 'qmigrate' && t.user === 'root@pam')).toBe(true);
    clock.advance(3600_000);
    await get('/version');
    expect(c.guests.get(vm.vmid)?.node).toBe(to);
  });
});

describe('clone, create, delete', () => {
  it('links clones of templates, locking the new guest while it is built', async () => {
    const tpl = guest((g) => g.template && g.type === 'qemu');
    const upid = await upidOf(post(`/nodes/${tpl.node}/qemu/${tpl.vmid}/clone`, { newid: 8200, name: 'linked-one' }));
    const r = await post(`/nodes/${tpl.node}/qemu/8200/status/start`);
    expect((await finish(String(r.body?.data))).exitstatus).toBe('VM is locked (clone)');
    expect((await status(upid)).exitstatus).toBe('OK');
    const cfg = (await get<Record<string, string>>(`/nodes/${tpl.node}/qemu/8200/config`)).body?.data;
    expect(cfg?.name).toBe('linked-one');
    expect(cfg?.scsi0).toContain(`base-${tpl.vmid}-disk-0/vm-8200-disk-0`);
    expect(cfg?.lock).toBeUndefined();
    // Templates are protected; once that is lifted, the template still cannot go while a linked
    // clone uses its base volume.
    const prot = await del(`/nodes/${tpl.node}/qemu/${tpl.vmid}`);
    expect(prot.reason).toBe(`can't remove VM ${tpl.vmid} - protection mode enabled`);
    expect((await put(`/nodes/${tpl.node}/qemu/${tpl.vmid}/config`, { protection: 0 })).status).toBe(200);
    const gone = await finish(await upidOf(del(`/nodes/${tpl.node}/qemu/${tpl.vmid}`)));
    expect(String(gone.exitstatus)).toContain('is still in use by linked cloned');
  });

  it('refuses a clone onto a used VMID or to another node from local storage', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.storage === 'local-zfs');
    const other = guest((g) => g.vmid !== vm.vmid);
    expect((await post(`/nodes/${vm.node}/qemu/${vm.vmid}/clone`, { newid: other.vmid })).status).toBe(500);
    const to = c.nodes.find((n) => n.name !== vm.node)?.name ?? '';
    const r = await post(`/nodes/${vm.node}/qemu/${vm.vmid}/clone`, { newid: 8201, target: to });
    expect(r.reason).toBe(`can't clone VM to node '${to}' (VM uses local storage)`);
  });

  it('creates and starts a VM, and destroys it again', async () => {
    const node = c.nodes[0]?.name ?? '';
    const vmid = Number((await get<number>('/cluster/nextid')).body?.data);
    const create = await upidOf(post(`/nodes/${node}/qemu`, {
      vmid, name: 'fresh-vm', cores: 4, sockets: 1, memory: 8192, scsi0: 'ceph-vm:64', net0: 'virtio,bridge=vmbr1,tag=120',
      ostype: 'l26', tags: 'tenant-acme;dev', start: 1, 'amd-sev': 'type=snp',
    }));
    expect(c.guests.get(vmid)?.lock).toBe('create');
    expect((await finish(create)).exitstatus).toBe('OK');
    expect(await log(create)).toContain(`scsi0: successfully created disk 'ceph-vm:vm-${vmid}-disk-0,iothread=1,size=64G'`);
    clock.advance(3600_000);
    const cur = (await get<Record<string, unknown>>(`/nodes/${node}/qemu/${vmid}/status/current`)).body?.data;
    expect(cur).toMatchObject({ status: 'running', name: 'fresh-vm', cpus: 4, maxmem: 8192 * 1024 ** 2, maxdisk: 64 * 1024 ** 3, tags: 'dev;tenant-acme' });
    expect((await get<number>('/cluster/nextid')).body?.data).not.toBe(vmid);

    const running = await del(`/nodes/${node}/qemu/${vmid}`);
    expect(running.reason).toBe(`VM ${vmid} is running - destroy failed`);
    await finish(await upidOf(post(`/nodes/${node}/qemu/${vmid}/status/stop`)));
    expect((await finish(await upidOf(del(`/nodes/${node}/qemu/${vmid}`)))).exitstatus).toBe('OK');
    expect((await get(`/nodes/${node}/qemu/${vmid}/config`)).status).toBe(500);
  });

  it('protects what PVE protects', async () => {
    const prot = guest((g) => g.protection && g.status === 'stopped' && !c.haResources.has(haSid(g)) && !g.template);
    const kind = prot.type === 'qemu' ? 'VM' : 'CT';
    expect((await del(`/nodes/${prot.node}/${prot.type}/${prot.vmid}`)).reason).toBe(`can't remove ${kind} ${prot.vmid} - protection mode enabled`);
  });

  it('stops an HA-managed guest through the CRM and refuses to destroy it without purge', async () => {
    const ha = guest((g) => c.haResources.has(haSid(g)) && g.type === 'qemu' && g.status === 'running');
    const base = `/nodes/${ha.node}/qemu/${ha.vmid}`;
    const upid = await upidOf(post(`${base}/status/shutdown`));
    expect(parseUpid(upid)?.type).toBe('hastop');
    clock.advance(3600_000);
    await get('/version');
    expect(c.guests.get(ha.vmid)?.status).toBe('stopped');
    expect(c.haResources.get(haSid(ha))?.state).toBe('stopped');
    expect((await put(`${base}/config`, { protection: 0 })).status).toBe(200);
    const r = await del(base);
    expect(r.reason).toBe(`unable to remove VM ${ha.vmid} - used in HA resources and purge parameter not set.`);
    expect((await finish(await upidOf(del(base, { purge: 1 })))).exitstatus).toBe('OK');
    expect(c.haResources.has(haSid(ha))).toBe(false);
  });

  it('fails a container create with a missing template in the task (fixtures/..._status.GET.stopped-error.json)', async () => {
    const node = c.nodes[0]?.name ?? '';
    const upid = await upidOf(post(`/nodes/${node}/lxc`, { vmid: 8300, ostemplate: 'local:vztmpl/alpine-3.10-default_20190626_amd64.tar.xz' }));
    const st = await finish(upid);
    expect(st.exitstatus).toBe("unable to create CT 8300 - volume 'local:vztmpl/alpine-3.10-default_20190626_amd64.tar.xz' does not exist");
    expect(c.guests.has(8300)).toBe(false);
  });

  it('starts an HA-managed guest through the CRM', async () => {
    const ha = guest((g) => c.haResources.has(haSid(g)) && g.type === 'qemu' && g.status === 'running');
    const base = `/nodes/${ha.node}/qemu/${ha.vmid}`;
    await upidOf(post(`${base}/status/stop`));
    clock.advance(3600_000);
    await get('/version');
    expect(c.guests.get(ha.vmid)?.status).toBe('stopped');
    const upid = await upidOf(post(`${base}/status/start`));
    expect(parseUpid(upid)?.type).toBe('hastart');
    expect(await log(upid)).toContain(`Requesting HA start for VM ${ha.vmid}`);
    clock.advance(3600_000);
    await get('/version');
    expect(c.guests.get(ha.vmid)?.status).toBe('running');
    expect(c.haResources.get(haSid(ha))?.state).toBe('started');
    const res = (await get<Array<Record<string, unknown>>>('/cluster/resources', { type: 'vm' })).body?.data ?? [];
    expect(res.find((e) => e.vmid === ha.vmid)?.hastate).toBe('started');
  });
});

describe('snapshots, config, backup', () => {
  it('creates, lists, rolls back and deletes snapshots', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'running');
    const base = `/nodes/${vm.node}/qemu/${vm.vmid}`;
    expect((await post(`${base}/snapshot`, { snapname: 'current' })).reason).toBe("unable to use snapshot name 'current' (reserved name)");
    const cores = vm.cores;
    expect((await finish(await upidOf(post(`${base}/snapshot`, { snapname: 'before-resize', vmstate: 1 })))).exitstatus).toBe('OK');
    expect((await put(`${base}/config`, { cores: cores + 2 })).status).toBe(200);
    const list = (await get<Array<{ name: string; parent?: string; vmstate?: number }>>(`${base}/snapshot`)).body?.data ?? [];
    expect(list.find((s) => s.name === 'before-resize')?.vmstate).toBe(1);
    expect(list.at(-1)).toMatchObject({ name: 'current', parent: 'before-resize' });
    expect((await finish(await upidOf(post(`${base}/snapshot`, { snapname: 'before-resize' })))).exitstatus).toBe("snapshot name 'before-resize' already used");
    expect((await finish(await upidOf(post(`${base}/snapshot/before-resize/rollback`)))).exitstatus).toBe('OK');
    expect((await get<Record<string, unknown>>(`${base}/config`)).body?.data.cores).toBe(cores);
    const snapCfg = (await get<Record<string, unknown>>(`${base}/config`, { snapshot: 'before-resize' })).body?.data;
    expect(snapCfg?.snaptime).toBeTypeOf('number');
    expect((await finish(await upidOf(del(`${base}/snapshot/before-resize`)))).exitstatus).toBe('OK');
    expect((await finish(await upidOf(del(`${base}/snapshot/before-resize`)))).exitstatus).toBe("snapshot 'before-resize' does not exist");
  });

  it('guards config writes with the digest', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu');
    const base = `/nodes/${vm.node}/qemu/${vm.vmid}/config`;
    const digest = String((await get<Record<string, unknown>>(base)).body?.data.digest);
    expect((await put(base, { description: 'one', digest })).status).toBe(200);
    const stale = await put(base, { description: 'two', digest });
    expect(stale.reason).toBe('detected modified configuration - file changed by other user? Try again.');
    const both = await put(base, { description: 'x', delete: 'description' });
    expect(both.status).toBe(400);
    expect((await put(base, { delete: 'description' })).status).toBe(200);
    expect((await get<Record<string, unknown>>(base)).body?.data.description).toBeUndefined();
  });

  it('backs up with vzdump, locking the guest and adding the archive to the storage', async () => {
    const vm = guest((g) => plain(g) && g.type === 'qemu' && g.status === 'running');
    const storage = c.backupJobs[0]?.storage ?? '';
    const upid = await upidOf(post(`/nodes/${vm.node}/vzdump`, { vmid: vm.vmid, storage, mode: 'snapshot', 'notes-template': '{{guestname}} ad-hoc' }));
    expect(parseUpid(upid)).toMatchObject({ type: 'vzdump', id: String(vm.vmid) });
    expect(c.guests.get(vm.vmid)?.lock).toBe('backup');
    expect((await finish(upid)).exitstatus).toBe('OK');
    const lines = await log(upid);
    expect(lines[0]).toMatch(/^INFO: starting new backup job: vzdump /);
    expect(lines).toContain(`INFO: Starting Backup of VM ${vm.vmid} (qemu)`);
    expect(lines.at(-1)).toBe('TASK OK');
    const content = (await get<Array<{ vmid: number; notes?: string; ctime: number }>>(`/nodes/${vm.node}/storage/${storage}/content`, { vmid: vm.vmid })).body?.data ?? [];
    expect(content.some((b) => b.notes === `${vm.name} ad-hoc`)).toBe(true);
    const missing = await post(`/nodes/${vm.node}/vzdump`, { storage });
    expect(missing.body?.errors).toEqual({ vmid: 'property is missing' });
  });
});

describe('with the system clock', () => {
  it('finishes tasks quickly at a high taskSpeed', async () => {
    const fast = await createSimulator({ sites: 1, seed: 3, dataCentrePools: false, taskSpeed: 200 });
    try {
      const cl = fast.runtime.clusters[0] as ClusterState;
      const vm = [...cl.guests.values()].find((g) => g.type === 'qemu' && g.status === 'running' && !cl.haResources.has(haSid(g)) && g.storage === 'ceph-vm');
      if (!vm) throw new Error('no VM');
      const to = cl.nodes.find((n) => n.name !== vm.node)?.name ?? '';
      const r = await api(fast.handle.url, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { token: fast.handle.token, params: { target: to, online: 1 } });
      const st = await waitForTask(fast.handle.url, fast.handle.token, String(r.body?.data), 10_000);
      expect(st.exitstatus).toBe('OK');
      const moved = await api(fast.handle.url, 'GET', `/nodes/${to}/qemu/${vm.vmid}/status/current`, { token: fast.handle.token });
      expect(moved.status).toBe(200);
    } finally {
      await fast.handle.close();
    }
  });
});
