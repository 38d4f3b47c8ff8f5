// Proves the simulator speaks the official PVE 9.1 API: every served (method, path) exists in
// apidoc.json with the same proxying, every parameter declaration matches the schema, and a real
// response of every served endpoint validates against the method's `returns` schema.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Apidoc, validate, type PveSchema } from './apidoc-validate';
import { ManualClock } from './clock';
import type { ClusterState, Guest } from './model';
import { haSid } from './model';
import type { ParamSpec } from './params';
import { createSimulator, type Simulator } from './simulator';
import { APIDOC_PATH, api, upidPath, type ApiReply } from './test-support';

const apidoc = Apidoc.load(APIDOC_PATH);

/**
 * Properties real PVE returns that its schema does not declare, per endpoint, with the source
 * that documents them (ENDPOINTS.md = shared/reference/pve/ENDPOINTS.md, fixtures = recorded
 * real responses in shared/reference/pve/fixtures).
 */
const KNOWN_EXTRAS: Record<string, string[]> = {
  // fixtures/access_ticket.POST.json
  'POST /access/ticket': ['cap'],
  // fixtures/nodes.GET.json
  'GET /nodes': ['id', 'type', 'disk', 'maxdisk'],
  // ENDPOINTS.md: "Schema only declares upid"; tokenid from Tasks.pm convert_token_task
  'GET /cluster/tasks': ['node', 'pid', 'pstart', 'starttime', 'type', 'id', 'user', 'tokenid', 'status', 'endtime'],
  'GET /nodes/{node}/tasks': ['tokenid'],
  'GET /nodes/{node}/tasks/{upid}/status': ['tokenid'],
  // ENDPOINTS.md: "sid (vm:100), and (not in schema, returned in practice) type, state, ..."
  'GET /cluster/ha/resources': ['type', 'state', 'failback', 'max_restart', 'max_relocate', 'comment', 'digest'],
  // ENDPOINTS.md: "rule (+ rule properties)"
  'GET /cluster/ha/rules': ['type', 'resources', 'nodes', 'strict', 'affinity', 'disable', 'comment', 'digest', 'order'],
  'GET /cluster/ha/rules/{rule}': ['resources', 'nodes', 'strict', 'affinity', 'disable', 'comment', 'digest', 'order'],
  // storage.cfg section properties are returned as stored
  'GET /storage': ['type', 'content', 'path', 'pool', 'krbd', 'sparse', 'server', 'datastore', 'username', 'fingerprint', 'shared', 'digest'],
  // fixtures/nodes_{node}_qemu_{vmid}_snapshot.GET.json
  'GET /nodes/{node}/qemu/{vmid}/snapshot': ['description', 'running', 'digest'],
  'GET /nodes/{node}/lxc/{vmid}/snapshot': ['description', 'running', 'digest'],
  // pct config prints the snapshot parent; a snapshot's config carries snaptime
  'GET /nodes/{node}/lxc/{vmid}/config': ['parent', 'snaptime'],
  // jobs.cfg section type of backup jobs
  'GET /cluster/backup': ['type'],
  // ENDPOINTS.md: cpuinfo{cpus,cores,sockets,model,...}; /proc/cpuinfo summary fields
  'GET /nodes/{node}/status': ['mhz', 'hvm', 'user_hz', 'flags'],
  // fixtures/nodes_{node}_storage_{storage}_content.GET.json
  'GET /nodes/{node}/storage/{storage}/content': ['content'],
};

/** GET /cluster/nextid?vmid=N echoes the parameter, a string (fixtures/cluster_nextid.GET.json). */
const NUMERIC_STRINGS = new Set(['GET /cluster/nextid']);

interface Fixture {
  sim: Simulator;
  clock: ManualClock;
  cluster: ClusterState;
  url: string;
  token: string;
}

let f: Fixture;

beforeAll(async () => {
  const clock = new ManualClock(Date.UTC(2026, 4, 12, 10, 0, 0));
  const sim = await createSimulator({ sites: 2, seed: 4711 }, { clock });
  // The richest cluster: HA resources and rules, containers, snapshots.
  const cluster = [...sim.runtime.clusters].sort((a, b) => score(b) - score(a))[0] as ClusterState;
  f = { sim, clock, cluster, url: cluster.info.url, token: sim.handle.token };
});

afterAll(async () => {
  await f?.sim.handle.close();
});

function score(c: ClusterState): number {
  const guests = [...c.guests.values()];
  return c.haRules.length * 10 + c.haResources.size + (guests.some((g) => g.type === 'lxc') ? 50 : 0) + (guests.some((g) => g.snapshots) ? 50 : 0);
}

function key(method: string, path: string): string {
  return `${method} ${path}`;
}

describe('served routes exist in apidoc.json', () => {
  it('every (method, path) is an official PVE 9.1 method with the same proxying', () => {
    const routes = f.sim.router.routes();
    expect(routes.length).toBeGreaterThan(60);
    for (const r of routes) {
      const m = apidoc.method(r.method, r.path);
      expect(m, key(r.method, r.path)).toBeDefined();
      expect(Boolean(r.proxied), `${key(r.method, r.path)} proxyto`).toBe(m?.proxyto === 'node');
    }
  });

  it('permission checks and unauthenticated access match the schema', () => {
    const mismatches: string[] = [];
    for (const r of f.sim.router.routes()) {
      const m = apidoc.method(r.method, r.path);
      const perms = m?.permissions as { user?: string; check?: unknown[] } | undefined;
      if (Boolean(r.world) !== (perms?.user === 'world')) mismatches.push(`${key(r.method, r.path)}: world ${Boolean(r.world)}`);
      const check = perms?.check;
      if (Array.isArray(check) && check[0] === 'perm') {
        const [, path, privs, anyKey, anyValue] = check as [string, string, string[], string?, number?];
        const want = { path, privs, any: anyKey === 'any' && anyValue === 1 };
        const got = r.perm ? { path: r.perm.path, privs: [...r.perm.privs], any: Boolean(r.perm.any) } : undefined;
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${key(r.method, r.path)}: perm ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('parameter declarations match the schema exactly', () => {
    const mismatches: string[] = [];
    for (const r of f.sim.router.routes()) {
      const official = apidoc.method(r.method, r.path)?.parameters?.properties ?? {};
      const declared = new Map(r.params.specs.map((s) => [s.name, s]));
      for (const name of Object.keys(official)) if (!declared.has(name)) mismatches.push(`${key(r.method, r.path)}: '${name}' not declared`);
      for (const spec of r.params.specs) {
        const o = official[spec.name];
        if (!o) {
          mismatches.push(`${key(r.method, r.path)}: '${spec.name}' not in apidoc`);
          continue;
        }
        mismatches.push(...compareParam(`${key(r.method, r.path)} ${spec.name}`, spec, o));
      }
    }
    expect(mismatches).toEqual([]);
  });
});

function compareParam(where: string, spec: ParamSpec, o: PveSchema): string[] {
  const out: string[] = [];
  if (spec.type !== o.type) out.push(`${where}: type ${spec.type} vs ${String(o.type)}`);
  const optional = o.optional === 1 || o.optional === true;
  if (spec.optional !== optional) out.push(`${where}: optional ${spec.optional} vs ${optional}`);
  const oEnum = o.enum?.map(String);
  if (JSON.stringify(spec.enum ?? null) !== JSON.stringify(oEnum ?? null)) out.push(`${where}: enum differs`);
  const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
  if (spec.minimum !== num(o.minimum)) out.push(`${where}: minimum ${spec.minimum} vs ${String(o.minimum)}`);
  if (spec.maximum !== num(o.maximum)) out.push(`${where}: maximum ${spec.maximum} vs ${String(o.maximum)}`);
  if (spec.maxLength !== o.maxLength) out.push(`${where}: maxLength ${spec.maxLength} vs ${String(o.maxLength)}`);
  const checkedFormats = ['pve-node', 'pve-vmid', 'pve-configid', 'pve-storage-id', 'pve-vmid-list', 'pve-tag-list', 'dns-name', 'pve-poolid'];
  const oFormat = typeof o.format === 'string' ? o.format : undefined;
  if (spec.format !== undefined && spec.format !== oFormat) out.push(`${where}: format ${spec.format} vs ${String(oFormat)}`);
  if (spec.format === undefined && oFormat !== undefined && checkedFormats.includes(oFormat)) out.push(`${where}: format ${oFormat} not declared`);
  return out;
}

// --- response validation -------------------------------------------------------------------------

interface Case {
  route: string;
  run: () => Promise<ApiReply>;
}

function replyErrors(route: string, reply: ApiReply): string[] {
  const [method = '', path = ''] = route.split(' ');
  if (reply.status !== 200) return [`${route}: HTTP ${reply.status} ${reply.reason} ${reply.raw.slice(0, 300)}`];
  const returns = apidoc.method(method, path)?.returns;
  return validate(returns, reply.body?.data, {
    strict: true,
    allowExtra: new Set(KNOWN_EXTRAS[route] ?? []),
    numericStrings: NUMERIC_STRINGS.has(route),
  }).map((e) => `${route}: ${e}`);
}

function validateReply(route: string, reply: ApiReply): void {
  expect(replyErrors(route, reply)).toEqual([]);
}

describe('responses validate against apidoc returns', () => {
  it('covers every served endpoint with a real response', async () => {
    const { cluster, clock } = f;
    const get = (p: string, params?: Record<string, string | number>) => api(f.url, 'GET', p, { token: f.token, ...(params ? { params } : {}) });
    const post = (p: string, params?: Record<string, string | number>) => api(f.url, 'POST', p, { token: f.token, ...(params ? { params } : {}) });
    const put = (p: string, params?: Record<string, string | number>) => api(f.url, 'PUT', p, { token: f.token, ...(params ? { params } : {}) });
    const del = (p: string, params?: Record<string, string | number>) => api(f.url, 'DELETE', p, { token: f.token, ...(params ? { params } : {}) });
    const settle = (): void => {
      clock.advance(30 * 60_000);
      // Paths below are built from internal state, which settles lazily on the next request.
      cluster.tasks.settle(clock.now());
    };

    const guests = [...cluster.guests.values()];
    const pick = (pred: (g: Guest) => boolean, what: string): Guest => {
      const g = guests.find(pred);
      if (!g) throw new Error(`fixture cluster has no ${what}`);
      return g;
    };
    const noHa = (g: Guest): boolean => !cluster.haResources.has(haSid(g));
    const vm = pick((g) => g.type === 'qemu' && !g.template && g.status === 'running' && noHa(g) && !g.protection, 'running VM');
    const ct = pick((g) => g.type === 'lxc' && g.status === 'running' && noHa(g) && !g.protection, 'running container');
    const tpl = pick((g) => g.template, 'template');
    const node = vm.node;
    const other = cluster.nodes.find((n) => n.name !== vm.node)?.name ?? '';
    const ctOther = cluster.nodes.find((n) => n.name !== ct.node)?.name ?? '';
    const rule = cluster.haRules[0]?.rule ?? '';
    const sid = [...cluster.haResources.keys()][0] ?? '';
    const vmBase = `/nodes/${node}/qemu/${vm.vmid}`;
    const ctBase = () => `/nodes/${ct.node}/lxc/${ct.vmid}`;
    let lastUpid = '';
    const task = async (reply: Promise<ApiReply>): Promise<ApiReply> => {
      const r = await reply;
      if (r.status === 200) lastUpid = String(r.body?.data);
      settle();
      return r;
    };

    const cases: Case[] = [
      { route: 'POST /access/ticket', run: () => api(f.url, 'POST', '/access/ticket', { params: { username: f.sim.handle.user, password: f.sim.handle.password } }) },
      { route: 'GET /access/domains', run: () => api(f.url, 'GET', '/access/domains') },
      { route: 'GET /access/permissions', run: () => get('/access/permissions') },
      { route: 'GET /version', run: () => get('/version') },
      { route: 'GET /cluster/status', run: () => get('/cluster/status') },
      { route: 'GET /cluster/resources', run: () => get('/cluster/resources') },
      { route: 'GET /cluster/tasks', run: () => get('/cluster/tasks') },
      { route: 'GET /cluster/nextid', run: () => get('/cluster/nextid') },
      { route: 'GET /cluster/backup', run: () => get('/cluster/backup') },
      { route: 'GET /storage', run: () => get('/storage') },
      { route: 'GET /pools', run: () => get('/pools', { poolid: cluster.pools[0]?.poolid ?? '' }) },
      { route: 'GET /cluster/sdn/zones', run: () => get('/cluster/sdn/zones') },
      { route: 'GET /cluster/sdn/vnets', run: () => get('/cluster/sdn/vnets') },
      { route: 'GET /cluster/ha/resources', run: () => get('/cluster/ha/resources') },
      { route: 'GET /cluster/ha/resources/{sid}', run: () => get(`/cluster/ha/resources/${sid}`) },
      { route: 'POST /cluster/ha/resources', run: () => post('/cluster/ha/resources', { sid: `vm:${vm.vmid}`, state: 'started', comment: 'conformance' }) },
      { route: 'DELETE /cluster/ha/resources/{sid}', run: () => del(`/cluster/ha/resources/vm:${vm.vmid}`) },
      { route: 'GET /cluster/ha/rules', run: () => get('/cluster/ha/rules') },
      { route: 'GET /cluster/ha/rules/{rule}', run: () => get(`/cluster/ha/rules/${rule}`) },
      { route: 'GET /cluster/ha/status/current', run: () => get('/cluster/ha/status/current') },
      { route: 'GET /nodes', run: () => get('/nodes') },
      { route: 'GET /nodes/{node}/status', run: () => get(`/nodes/${node}/status`) },
      { route: 'GET /nodes/{node}/rrddata', run: () => get(`/nodes/${node}/rrddata`, { timeframe: 'day', cf: 'MAX' }) },
      { route: 'GET /nodes/{node}/network', run: () => get(`/nodes/${node}/network`) },
      { route: 'GET /nodes/{node}/storage', run: () => get(`/nodes/${node}/storage`, { format: 1 }) },
      { route: 'GET /nodes/{node}/storage/{storage}/status', run: () => get(`/nodes/${node}/storage/ceph-vm/status`) },
      { route: 'GET /nodes/{node}/storage/{storage}/content', run: () => get(`/nodes/${node}/storage/${cluster.backupJobs[0]?.storage ?? ''}/content`) },
      { route: 'GET /nodes/{node}/qemu', run: () => get(`/nodes/${node}/qemu`, { full: 1 }) },
      { route: 'GET /nodes/{node}/qemu/{vmid}/status/current', run: () => get(`${vmBase}/status/current`) },
      { route: 'GET /nodes/{node}/qemu/{vmid}/config', run: () => get(`${vmBase}/config`) },
      { route: 'GET /nodes/{node}/qemu/{vmid}/migrate', run: () => get(`${vmBase}/migrate`, { target: other }) },
      { route: 'GET /nodes/{node}/qemu/{vmid}/rrddata', run: () => get(`${vmBase}/rrddata`, { timeframe: 'hour' }) },
      { route: 'GET /nodes/{node}/lxc', run: () => get(`/nodes/${ct.node}/lxc`) },
      { route: 'GET /nodes/{node}/lxc/{vmid}/status/current', run: () => get(`${ctBase()}/status/current`) },
      { route: 'GET /nodes/{node}/lxc/{vmid}/config', run: () => get(`${ctBase()}/config`) },
      { route: 'GET /nodes/{node}/lxc/{vmid}/migrate', run: () => get(`${ctBase()}/migrate`) },
      { route: 'GET /nodes/{node}/lxc/{vmid}/rrddata', run: () => get(`${ctBase()}/rrddata`, { timeframe: 'week', cf: 'AVERAGE' }) },
      // Writes, in an order that sets up what the next one needs.
      { route: 'POST /nodes/{node}/qemu/{vmid}/snapshot', run: () => task(post(`${vmBase}/snapshot`, { snapname: 'conform1', description: 'conformance', vmstate: 1 })) },
      { route: 'GET /nodes/{node}/qemu/{vmid}/snapshot', run: () => get(`${vmBase}/snapshot`) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback', run: () => task(post(`${vmBase}/snapshot/conform1/rollback`)) },
      { route: 'DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}', run: () => task(del(`${vmBase}/snapshot/conform1`)) },
      { route: 'PUT /nodes/{node}/qemu/{vmid}/config', run: () => put(`${vmBase}/config`, { cores: 4, tags: 'tenant-acme;conformance' }) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/config', run: () => task(post(`${vmBase}/config`, { memory: '8192', ciuser: 'ops' })) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/status/reboot', run: () => task(post(`${vmBase}/status/reboot`)) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/status/shutdown', run: () => task(post(`${vmBase}/status/shutdown`, { timeout: 60 })) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/status/start', run: () => task(post(`${vmBase}/status/start`)) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/status/stop', run: () => task(post(`${vmBase}/status/stop`)) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/clone', run: () => task(post(`/nodes/${tpl.node}/qemu/${tpl.vmid}/clone`, { newid: 7001, name: 'conform-clone' })) },
      { route: 'POST /nodes/{node}/qemu/{vmid}/migrate', run: () => task(post(`${vmBase}/migrate`, { target: other })) },
      { route: 'DELETE /nodes/{node}/qemu/{vmid}', run: () => task(del(`/nodes/${tpl.node}/qemu/7001`, { purge: 1 })) },
      { route: 'POST /nodes/{node}/qemu', run: () => task(post(`/nodes/${node}/qemu`, { vmid: 7002, name: 'conform-new', cores: 2, memory: 4096, scsi0: 'ceph-vm:32', net0: 'virtio,bridge=vmbr1,tag=110', ostype: 'l26' })) },
      { route: 'POST /nodes/{node}/vzdump', run: () => task(post(`/nodes/${node}/vzdump`, { vmid: 7002, storage: cluster.backupJobs[0]?.storage ?? 'local', mode: 'snapshot' })) },
      { route: 'GET /nodes/{node}/tasks', run: () => get(`/nodes/${node}/tasks`, { source: 'all', limit: 100 }) },
      { route: 'GET /nodes/{node}/tasks/{upid}/status', run: () => get(upidPath(node, lastUpid, 'status')) },
      { route: 'GET /nodes/{node}/tasks/{upid}/log', run: () => get(upidPath(node, lastUpid, 'log'), { start: 0, limit: 500 }) },
      {
        route: 'DELETE /nodes/{node}/tasks/{upid}',
        run: async () => {
          // A long full clone, stopped while it runs.
          const started = await post(`/nodes/${node}/qemu/7002/clone`, { newid: 7003, full: 1 });
          return del(upidPath(node, String(started.body?.data), ''));
        },
      },
      { route: 'POST /nodes/{node}/lxc/{vmid}/snapshot', run: () => task(post(`${ctBase()}/snapshot`, { snapname: 'conform1' })) },
      { route: 'GET /nodes/{node}/lxc/{vmid}/snapshot', run: () => get(`${ctBase()}/snapshot`) },
      { route: 'POST /nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback', run: () => task(post(`${ctBase()}/snapshot/conform1/rollback`, { start: 1 })) },
      { route: 'DELETE /nodes/{node}/lxc/{vmid}/snapshot/{snapname}', run: () => task(del(`${ctBase()}/snapshot/conform1`)) },
      { route: 'PUT /nodes/{node}/lxc/{vmid}/config', run: () => put(`${ctBase()}/config`, { memory: 2048, hostname: 'conform-ct' }) },
      { route: 'POST /nodes/{node}/lxc/{vmid}/status/reboot', run: () => task(post(`${ctBase()}/status/reboot`)) },
      { route: 'POST /nodes/{node}/lxc/{vmid}/status/shutdown', run: () => task(post(`${ctBase()}/status/shutdown`)) },
      { route: 'POST /nodes/{node}/lxc/{vmid}/status/start', run: () => task(post(`${ctBase()}/status/start`)) },
      { route: 'POST /nodes/{node}/lxc/{vmid}/migrate', run: () => task(post(`${ctBase()}/migrate`, { target: ctOther, restart: 1 })) },
      { route: 'POST /nodes/{node}/lxc/{vmid}/status/stop', run: () => task(post(`${ctBase()}/status/stop`)) },
      { route: 'POST /nodes/{node}/lxc/{vmid}/clone', run: () => task(post(`${ctBase()}/clone`, { newid: 7010, hostname: 'conform-ct-clone' })) },
      { route: 'DELETE /nodes/{node}/lxc/{vmid}', run: () => task(del(`/nodes/${ct.node}/lxc/7010`)) },
      {
        route: 'POST /nodes/{node}/lxc',
        run: () => task(post(`/nodes/${node}/lxc`, {
          vmid: 7011, ostemplate: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', hostname: 'conform-ct-new',
          rootfs: 'local-zfs:8', memory: 1024, net0: 'name=eth0,bridge=vmbr1,ip=dhcp,tag=110',
        })),
      },
      {
        route: 'GET /cluster/ha/groups',
        run: async () => {
          // PVE 9: groups were migrated to rules, so indexing them fails.
          const r = await get('/cluster/ha/groups');
          expect(r.status).toBe(500);
          expect(r.reason).toBe('cannot index groups: ha groups have been migrated to rules');
          return { ...r, status: 200, body: { data: [] } };
        },
      },
    ];

    const served = new Set(f.sim.router.routes().map((r) => key(r.method, r.path)));
    const covered = new Set(cases.map((c) => c.route));
    expect([...served].filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((r) => !served.has(r))).toEqual([]);

    const errors: string[] = [];
    for (const c of cases) errors.push(...replyErrors(c.route, await c.run()));
    expect(errors).toEqual([]);
  });

  it('validates list endpoints with every resource type and filter', async () => {
    for (const type of ['vm', 'storage', 'node', 'sdn']) {
      validateReply('GET /cluster/resources', await api(f.url, 'GET', '/cluster/resources', { token: f.token, params: { type } }));
    }
    for (const source of ['archive', 'active', 'all']) {
      const node = f.cluster.nodes[0]?.name ?? '';
      validateReply('GET /nodes/{node}/tasks', await api(f.url, 'GET', `/nodes/${node}/tasks`, { token: f.token, params: { source } }));
    }
    const node = f.cluster.nodes[0]?.name ?? '';
    for (const s of f.cluster.storages) {
      validateReply('GET /nodes/{node}/storage/{storage}/content', await api(f.url, 'GET', `/nodes/${node}/storage/${s.id}/content`, { token: f.token }));
    }
    const withVmid = await api(f.url, 'GET', '/cluster/nextid', { token: f.token, params: { vmid: 8765 } });
    expect(withVmid.body?.data).toBe('8765');
    validateReply('GET /cluster/nextid', withVmid);
    for (const c of f.sim.runtime.clusters) {
      validateReply('GET /cluster/resources', await api(c.info.url, 'GET', '/cluster/resources', { token: f.token }));
      validateReply('GET /cluster/ha/status/current', await api(c.info.url, 'GET', '/cluster/ha/status/current', { token: f.token }));
    }
  });

  it('sweeps every node and guest of every cluster (in-process, same pipeline)', () => {
    const errors: string[] = [];
    const call = (c: ClusterState, route: string, path: string): void => {
      const [method = 'GET'] = route.split(' ');
      const reply = f.sim.server.dispatch(c, method, `/api2/json${path}`, { authorization: f.token }, Buffer.alloc(0));
      const body = reply.body ? (JSON.parse(reply.body) as ApiReply['body']) : undefined;
      errors.push(...replyErrors(route, { status: reply.status, reason: reply.reason, body, raw: reply.body ?? '', headers: {}, peerFingerprint: '' }));
    };
    for (const c of f.sim.runtime.clusters) {
      call(c, 'GET /cluster/resources', '/cluster/resources');
      call(c, 'GET /cluster/ha/resources', '/cluster/ha/resources');
      call(c, 'GET /cluster/ha/rules', '/cluster/ha/rules');
      call(c, 'GET /pools', '/pools');
      for (const p of c.pools) call(c, 'GET /pools', `/pools?poolid=${p.poolid}`);
      for (const n of c.nodes) {
        call(c, 'GET /nodes/{node}/status', `/nodes/${n.name}/status`);
        call(c, 'GET /nodes/{node}/qemu', `/nodes/${n.name}/qemu?full=1`);
        call(c, 'GET /nodes/{node}/lxc', `/nodes/${n.name}/lxc`);
        call(c, 'GET /nodes/{node}/storage', `/nodes/${n.name}/storage`);
        call(c, 'GET /nodes/{node}/tasks', `/nodes/${n.name}/tasks?limit=1000`);
      }
      for (const g of c.guests.values()) {
        const base = `/nodes/${g.node}/${g.type}/${g.vmid}`;
        call(c, `GET /nodes/{node}/${g.type}/{vmid}/status/current`, `${base}/status/current`);
        call(c, `GET /nodes/{node}/${g.type}/{vmid}/config`, `${base}/config`);
        call(c, `GET /nodes/{node}/${g.type}/{vmid}/snapshot`, `${base}/snapshot`);
        call(c, `GET /nodes/{node}/${g.type}/{vmid}/migrate`, `${base}/migrate`);
        for (const s of g.snapshots ?? []) call(c, `GET /nodes/{node}/${g.type}/{vmid}/config`, `${base}/config?snapshot=${s.name}`);
      }
    }
    expect(errors.slice(0, 20)).toEqual([]);
  });
});
