/**
 * Recorded real PVE responses (../shared/reference/pve/fixtures) replayed
 * through the real client: every success parses with the client's schemas,
 * every error maps to its PveError kind. Also checks the client's paths and
 * typed field names against the official 9.1 / 8.4 API schemas.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PveClient } from './client';
import { PveError, type PveErrorKind } from './errors';
import * as S from './schemas';
import type { PveHttpRequest, PveHttpResponse, PveTransport } from './transport';

const REF = join(process.cwd(), '..', 'shared', 'reference', 'pve');
const FIXTURES = join(REF, 'fixtures');

interface IndexEntry {
  file: string;
  method: string;
  request_path: string;
  http_status: number;
  http_reason: string;
}

const index = JSON.parse(readFileSync(join(FIXTURES, 'INDEX.json'), 'utf8')) as IndexEntry[];

/** Serves one recorded response and records what the client asked for. */
class FixtureTransport implements PveTransport {
  readonly endpoint = 'fixtures';
  readonly seen: { method: string; path: string; params: Record<string, string> }[] = [];
  constructor(private readonly answer: (req: PveHttpRequest) => PveHttpResponse) {}
  async request(req: PveHttpRequest): Promise<PveHttpResponse> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.params ?? {})) if (v !== undefined && v !== null) params[k] = String(v);
    this.seen.push({ method: req.method, path: decodeURIComponent(req.path), params });
    return this.answer(req);
  }
  close(): void {}
}

function load(entry: IndexEntry): PveHttpResponse {
  return { status: entry.http_status, statusMessage: entry.http_reason, headers: {}, body: readFileSync(join(FIXTURES, entry.file), 'utf8') };
}

const token = async () => ({ kind: 'token' as const, tokenId: 'root@pam!test', secret: 'fixture-secret-0000' });

type Call = (c: PveClient) => Promise<unknown>;
const qemu = (node: string, vmid: number) => ({ node, type: 'qemu' as const, vmid });
const UPID_CREATE = 'UPID:proxmox-noris:00011DE0:0022900B:645CE78E:qmcreate:101:root@pam:';

/** What the console calls to get each recorded response, plus a check on the parsed result. */
const SUCCESS: Record<string, { call: Call; check: (v: unknown) => void }> = {
  'version.GET.json': { call: (c) => c.version(), check: (v) => expect(v).toMatchObject({ version: '6.2-4', release: '6.2' }) },
  'nodes.GET.json': {
    call: (c) => c.nodes(),
    check: (v) => expect((v as S.NodeListEntry[])[0]).toMatchObject({ node: 'proxmox-noris', status: 'online', maxcpu: 16, ssl_fingerprint: expect.stringMatching(/^94:BC/) }),
  },
  'nodes_{node}_rrddata.GET.hour-average.json': {
    call: (c) => c.nodeRrd('pve', 'hour', 'AVERAGE'),
    check: (v) => expect((v as S.RrdSample[]).length).toBeGreaterThan(10),
  },
  'cluster_resources.GET.type-node.json': {
    call: (c) => c.clusterResources('node'),
    check: (v) => {
      const r = (v as S.ClusterResource[])[0]!;
      expect(S.isNodeResource(r)).toBe(true);
      expect(r).toMatchObject({ id: 'node/pve', node: 'pve', maxcpu: 2 });
    },
  },
  'cluster_nextid.GET.json': { call: (c) => c.nextId(101), check: (v) => expect(v).toBe(101) },
  'nodes_{node}_qemu.GET.json': {
    call: (c) => c.listGuests('pve', 'qemu'),
    // PVE 6.2 sent vmid as a string, template as "" and pid as null.
    check: (v) => expect((v as S.GuestListEntry[])[0]).toMatchObject({ vmid: 100, template: false, status: 'stopped', pid: undefined }),
  },
  'nodes_{node}_qemu_{vmid}_status_current.GET.stopped.json': {
    call: (c) => c.guestStatus(qemu('proxmox-noris', 101)),
    check: (v) => expect(v).toMatchObject({ vmid: 101, status: 'stopped', ha: { managed: false } }),
  },
  'nodes_{node}_qemu_{vmid}_status_current.GET.running.json': {
    call: (c) => c.guestStatus(qemu('pve', 100)),
    check: (v) => expect(v).toMatchObject({ vmid: 100, pid: 2947, qmpstatus: 'running', template: false }),
  },
  'nodes_{node}_qemu_{vmid}_config.GET.json': {
    call: (c) => c.guestConfig(qemu('proxmox-noris', 101)),
    check: (v) => expect(v).toMatchObject({ digest: '43594fe313e083296277a47bbad75889e2fcdf34', vmgenid: expect.any(String) }),
  },
  'nodes_{node}_qemu_{vmid}_snapshot.GET.json': {
    call: (c) => c.snapshots(qemu('proxmox-noris', 101)),
    check: (v) => expect(v).toMatchObject([{ name: 'snapshot1', vmstate: false }, { name: 'current', running: false, parent: 'snapshot1' }]),
  },
  'nodes_{node}_qemu.POST.create.json': {
    call: (c) => c.createGuest('proxmox-noris', 'qemu', { vmid: 101 }),
    check: (v) => expect(v).toBe(UPID_CREATE),
  },
  'nodes_{node}_qemu_{vmid}_status_start.POST.json': { call: (c) => c.startGuest(qemu('pve', 100)), check: (v) => expect(v).toMatch(/:qmstart:100:/) },
  'nodes_{node}_qemu_{vmid}_snapshot.POST.json': {
    call: (c) => c.createSnapshot(qemu('proxmox-noris', 101), { snapname: 'snapshot1' }),
    check: (v) => expect(v).toMatch(/:qmsnapshot:101:/),
  },
  'nodes_{node}_qemu_{vmid}.DELETE.json': { call: (c) => c.deleteGuest(qemu('proxmox-noris', 101)), check: (v) => expect(v).toMatch(/:qmdestroy:101:/) },
  'nodes_{node}_vzdump.POST.json': { call: (c) => c.vzdump('pve', { vmid: 100 }), check: (v) => expect(v).toMatch(/:vzdump:100:/) },
  'nodes_{node}_tasks.GET.json': {
    call: (c) => c.nodeTasks('proxmox-noris'),
    check: (v) => {
      const page = v as { items: S.TaskListEntry[]; total?: number };
      expect(page.total).toBe(761);
      expect(page.items[0]).toMatchObject({ type: 'qmdestroy', status: 'OK', id: '101' });
    },
  },
  'nodes_{node}_tasks_{upid}_status.GET.running.json': { call: (c) => c.taskStatus(UPID_CREATE), check: (v) => expect(v).toMatchObject({ status: 'running' }) },
  'nodes_{node}_tasks_{upid}_status.GET.stopped-ok.json': {
    call: (c) => c.taskStatus(UPID_CREATE),
    check: (v) => expect(v).toMatchObject({ status: 'stopped', exitstatus: 'OK' }),
  },
  'nodes_{node}_tasks_{upid}_status.GET.stopped-error.json': {
    call: (c) => c.taskStatus('UPID:pve:00000754:00009421:5FBE5DD2:vzcreate:100:root@pam:'),
    check: (v) => expect((v as S.TaskStatus).exitstatus).toMatch(/^unable to create CT 100/),
  },
  'nodes_{node}_tasks_{upid}_log.GET.qmclone.json': {
    call: (c) => c.taskLog('UPID:pve:000007D3:00009880:5FBE5DDE:qmclone:100:root@pam:'),
    check: (v) => expect(v).toMatchObject({ total: 91, items: expect.arrayContaining([{ n: 1, t: expect.stringContaining('create full clone') }]) }),
  },
  'nodes_{node}_tasks_{upid}_log.GET.vzdump.json': {
    call: (c) => c.taskLog('UPID:pve:00000C8B:0000D780:5FBE5E7F:vzdump:100:root@pam:'),
    check: (v) => expect((v as { items: S.TaskLogLine[] }).items.at(-1)).toEqual({ n: 14, t: 'TASK OK' }),
  },
  'nodes_{node}_storage.GET.json': {
    call: (c) => c.nodeStorage('pve'),
    check: (v) => expect((v as S.NodeStorage[])[0]).toMatchObject({ storage: 'local-lvm', active: true, shared: false, enabled: true }),
  },
  'nodes_{node}_storage_{storage}_content.GET.json': {
    call: (c) => c.storageContent('pve', 'local', { vmid: 100 }),
    check: (v) => expect((v as S.StorageContent[])[0]).toMatchObject({ content: 'backup', vmid: 100, format: 'tar.lzo' }),
  },
  'pools.GET.json': { call: (c) => c.pools(), check: (v) => expect(v).toEqual([{ poolid: 'pool1' }]) },
  'access_users.GET.json': { call: (c) => c.users(), check: (v) => expect((v as S.PveUser[])[1]).toMatchObject({ userid: 'root@pam', enable: true }) },
  'access_roles.GET.json': { call: (c) => c.roles(), check: (v) => expect((v as S.PveRole[]).find((r) => r.roleid === 'NoAccess')).toMatchObject({ privs: '', special: true }) },
  'access_acl.GET.json': { call: (c) => c.acl(), check: (v) => expect(v).toEqual([{ roleid: 'PVETestAdmin', type: 'user', propagate: true, ugid: 'bobsinclar@pve', path: '/access' }]) },
};

const ERRORS: Record<string, { call: Call; kind: PveErrorKind; check?: (e: PveError) => void }> = {
  'error.400.cluster_nextid.GET.json': {
    call: (c) => c.nextId(99),
    kind: 'validation',
    check: (e) => expect(e.errors).toEqual({ vmid: 'invalid format - value does not look like a valid VM ID' }),
  },
  'error.400.nodes_{node}_network.POST.json': {
    call: (c) => c.post('/nodes/pve/network', { iface: 'vmbr0', type: 'bridge' }),
    kind: 'validation',
    check: (e) => expect(e.errors).toEqual({ iface: 'interface already exists' }),
  },
  'error.500.nodes_{node}_qemu_{vmid}_status_current.GET.json': {
    call: (c) => c.guestStatus(qemu('pve', 101)),
    kind: 'server',
    check: (e) => expect(e.reason).toBe("Configuration file 'nodes/pve/qemu-server/101.conf' does not exist"),
  },
  'error.500.nodes_{node}_qemu.POST.json': {
    call: (c) => c.createGuest('pve', 'qemu', { vmid: 100 }),
    kind: 'server',
    check: (e) => expect(e.message).toContain('VM 100 already exists'),
  },
};

function pathOf(requestPath: string): { path: string; query: URLSearchParams } {
  const u = new URL(requestPath.replace(/^\/+/, '/'), 'https://x');
  return { path: decodeURIComponent(u.pathname), query: u.searchParams };
}

describe('recorded PVE responses', () => {
  it('every fixture file is covered by this test', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json') && f !== 'INDEX.json');
    const covered = new Set([...Object.keys(SUCCESS), ...Object.keys(ERRORS), 'access_ticket.POST.json', 'error.401.access_ticket.POST.json']);
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
    expect(index.map((e) => e.file).sort()).toEqual(files.sort());
  });

  for (const entry of index) {
    const success = SUCCESS[entry.file];
    const failure = ERRORS[entry.file];
    if (!success && !failure) continue;
    it(`${entry.file}: ${entry.method} ${entry.request_path}`, async () => {
      const transport = new FixtureTransport(() => load(entry));
      const client = new PveClient({ transport, credentials: token, retry: { attempts: 1 } });
      if (success) {
        success.check(await (success.call(client) as Promise<unknown>));
      } else {
        const err = await failure!.call(client).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(PveError);
        expect((err as PveError).kind).toBe(failure!.kind);
        expect((err as PveError).status).toBe(entry.http_status);
        failure!.check?.(err as PveError);
      }
      // The client asked for the recorded method, path and query.
      const want = pathOf(entry.request_path);
      const got = transport.seen.at(-1)!;
      expect(got.method).toBe(entry.method);
      expect(got.path).toBe(want.path);
      if (entry.method === 'GET') expect(got.params).toEqual(Object.fromEntries(want.query));
    });
  }

  it('access_ticket.POST.json logs a ticket session in; error.401 is unauthorized', async () => {
    const ok = index.find((e) => e.file === 'access_ticket.POST.json')!;
    const version = index.find((e) => e.file === 'version.GET.json')!;
    const transport = new FixtureTransport((req) => (req.path === '/access/ticket' ? load(ok) : load(version)));
    const client = new PveClient({ transport, credentials: async () => ({ kind: 'ticket', username: 'root@pam', password: 'fixture-password' }) });
    await client.version();
    expect(client.authKind).toBe('ticket');
    expect(S.ticketSchema.parse(JSON.parse(load(ok).body).data)).toMatchObject({ username: 'root@pam', ticket: 'PVE:root@pam:5FBE5EB6::REDACTED' });

    const bad = index.find((e) => e.file === 'error.401.access_ticket.POST.json')!;
    const t2 = new FixtureTransport(() => load(bad));
    const c2 = new PveClient({ transport: t2, credentials: async () => ({ kind: 'ticket', username: 'root@pam', password: 'fixture-password' }) });
    const err = (await c2.version().catch((e: unknown) => e)) as PveError;
    expect(err.kind).toBe('unauthorized');
    expect(err.reason).toBe('authentication failure');
  });
});

// ---- agreement with the official API schemas ---------------------------------------------

interface ApiNode {
  path: string;
  info?: Record<string, { returns?: ApiReturns }>;
  children?: ApiNode[];
}
interface ApiReturns {
  type?: string;
  properties?: Record<string, unknown>;
  items?: ApiReturns;
}

function loadApi(file: string): Map<string, ApiReturns | undefined> {
  const tree = JSON.parse(readFileSync(join(REF, file), 'utf8')) as ApiNode[];
  const map = new Map<string, ApiReturns | undefined>();
  const walk = (n: ApiNode): void => {
    for (const [m, i] of Object.entries(n.info ?? {})) map.set(`${m} ${n.path}`, i.returns);
    n.children?.forEach(walk);
  };
  tree.forEach(walk);
  return map;
}

const api91 = loadApi('apidoc.json');
const api84 = loadApi('apidoc-pve8.4.json');

/** Every endpoint PveClient calls, and which schema releases must have it. */
const ENDPOINTS: [string, ('9.1' | '8.4')[]][] = [
  ['GET /version', ['9.1', '8.4']],
  ['POST /access/ticket', ['9.1', '8.4']],
  ['GET /access/users', ['9.1', '8.4']],
  ['GET /access/roles', ['9.1', '8.4']],
  ['GET /access/acl', ['9.1', '8.4']],
  ['GET /cluster/resources', ['9.1', '8.4']],
  ['GET /cluster/status', ['9.1', '8.4']],
  ['GET /cluster/nextid', ['9.1', '8.4']],
  ['GET /cluster/ha/status/current', ['9.1', '8.4']],
  ['GET /cluster/ha/resources', ['9.1', '8.4']],
  ['GET /cluster/ha/rules', ['9.1']],
  ['GET /cluster/ha/groups', ['9.1', '8.4']],
  ['GET /cluster/sdn/zones', ['9.1', '8.4']],
  ['GET /cluster/sdn/vnets', ['9.1', '8.4']],
  ['GET /pools', ['9.1', '8.4']],
  ['GET /nodes', ['9.1', '8.4']],
  ['GET /nodes/{node}/status', ['9.1', '8.4']],
  ['GET /nodes/{node}/rrddata', ['9.1', '8.4']],
  ['GET /nodes/{node}/network', ['9.1', '8.4']],
  ['GET /nodes/{node}/storage', ['9.1', '8.4']],
  ['GET /nodes/{node}/storage/{storage}/content', ['9.1', '8.4']],
  ['GET /nodes/{node}/tasks', ['9.1', '8.4']],
  ['GET /nodes/{node}/tasks/{upid}/status', ['9.1', '8.4']],
  ['GET /nodes/{node}/tasks/{upid}/log', ['9.1', '8.4']],
  ['DELETE /nodes/{node}/tasks/{upid}', ['9.1', '8.4']],
  ['POST /nodes/{node}/vzdump', ['9.1', '8.4']],
  ...(['qemu', 'lxc'] as const).flatMap((t): [string, ('9.1' | '8.4')[]][] => [
    [`GET /nodes/{node}/${t}`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}`, ['9.1', '8.4']],
    [`DELETE /nodes/{node}/${t}/{vmid}`, ['9.1', '8.4']],
    [`GET /nodes/{node}/${t}/{vmid}/status/current`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/status/start`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/status/stop`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/status/shutdown`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/status/reboot`, ['9.1', '8.4']],
    [`GET /nodes/{node}/${t}/{vmid}/config`, ['9.1', '8.4']],
    [`PUT /nodes/{node}/${t}/{vmid}/config`, ['9.1', '8.4']],
    [`GET /nodes/{node}/${t}/{vmid}/rrddata`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/clone`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/migrate`, ['9.1', '8.4']],
    [`GET /nodes/{node}/${t}/{vmid}/snapshot`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/snapshot`, ['9.1', '8.4']],
    [`DELETE /nodes/{node}/${t}/{vmid}/snapshot/{snapname}`, ['9.1', '8.4']],
    [`POST /nodes/{node}/${t}/{vmid}/snapshot/{snapname}/rollback`, ['9.1', '8.4']],
  ]),
  ['POST /nodes/{node}/qemu/{vmid}/config', ['9.1', '8.4']],
];

/**
 * Typed fields that the schemas do not declare but PVE returns in practice
 * (ENDPOINTS.md, fixtures). Anything else must be a documented field name, so
 * a typo in a schema key fails here.
 */
const UNDOCUMENTED = new Set([
  // returned in practice (ENDPOINTS.md "not in schema but returned", recorded fixtures)
  'type', 'disk', 'maxdisk', 'uptime', 'wait', 'swap', 'ksm', 'kversion', 'state', 'group', 'max_restart', 'max_relocate',
  'failback', 'comment', 'digest', 'nodes', 'restricted', 'nofailback', 'resources', 'strict', 'affinity', 'disable',
  'running', 'tokenid', 'cap', 'NeedTFA',
]);

const TYPED: [string, z.ZodType][] = [
  ['GET /version', S.versionSchema],
  ['POST /access/ticket', S.ticketSchema],
  ['GET /cluster/resources', S.guestResourceSchema],
  ['GET /cluster/resources', S.nodeResourceSchema],
  ['GET /cluster/resources', S.storageResourceSchema],
  ['GET /cluster/resources', S.poolResourceSchema],
  ['GET /cluster/resources', S.sdnResourceSchema],
  ['GET /cluster/resources', S.networkResourceSchema],
  ['GET /cluster/status', S.clusterStatusEntrySchema],
  ['GET /cluster/ha/status/current', S.haStatusEntrySchema],
  ['GET /cluster/ha/resources', S.haResourceSchema],
  ['GET /cluster/ha/rules', S.haRuleSchema],
  ['GET /cluster/ha/groups', S.haGroupSchema],
  ['GET /nodes', S.nodeListEntrySchema],
  ['GET /nodes/{node}/status', S.nodeStatusSchema],
  ['GET /nodes/{node}/network', S.networkInterfaceSchema],
  ['GET /cluster/sdn/zones', S.sdnZoneSchema],
  ['GET /cluster/sdn/vnets', S.sdnVnetSchema],
  ['GET /nodes/{node}/storage', S.nodeStorageSchema],
  ['GET /pools', S.poolSchema],
  ['GET /nodes/{node}/tasks', S.taskListEntrySchema],
  ['GET /nodes/{node}/tasks/{upid}/status', S.taskStatusSchema],
  ['GET /nodes/{node}/tasks/{upid}/log', S.taskLogLineSchema],
  ['GET /nodes/{node}/qemu', S.guestListEntrySchema],
  ['GET /nodes/{node}/qemu/{vmid}/status/current', S.guestStatusSchema],
  ['GET /nodes/{node}/qemu/{vmid}/snapshot', S.snapshotSchema],
];

function documentedFields(key: string): Set<string> {
  const out = new Set<string>();
  for (const api of [api91, api84]) {
    let r = api.get(key);
    if (r?.type === 'array') r = r.items;
    for (const k of Object.keys(r?.properties ?? {})) out.add(k);
  }
  // Guest schemas are shared between qemu and lxc.
  if (key.includes('/qemu')) for (const k of documentedFields(key.replace('/qemu', '/lxc')).keys()) out.add(k);
  return out;
}

describe('agreement with apidoc.json (9.1) and apidoc-pve8.4.json', () => {
  for (const [key, versions] of ENDPOINTS) {
    it(`${key} exists in ${versions.join(' and ')}`, () => {
      if (versions.includes('9.1')) expect(api91.has(key)).toBe(true);
      if (versions.includes('8.4')) expect(api84.has(key)).toBe(true);
    });
  }

  it('HA rules are 9.x-only (hence haPlacement)', () => {
    expect(api84.has('GET /cluster/ha/rules')).toBe(false);
  });

  for (const [key, schema] of TYPED) {
    it(`typed fields of ${key} are documented (or known extras)`, () => {
      const shape = (schema as unknown as { shape: Record<string, unknown> }).shape;
      const documented = documentedFields(key);
      const unknown = Object.keys(shape).filter((k) => !documented.has(k) && !UNDOCUMENTED.has(k));
      expect(unknown).toEqual([]);
    });
  }
});
