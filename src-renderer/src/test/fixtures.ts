/**
 * Canned contract data for renderer tests, and a FakeBridge answering
 * every channel with it. The guest list is generated on the fly, so a
 * 100 000-guest fleet costs nothing until a page is asked for.
 */
import type {
  AppInfo,
  AppStatus,
  CertificateInfo,
  ClusterSync,
  Connection,
  FleetSummary,
  GuestRow,
  HostDetail,
  HostRow,
  OperationDto,
  OperationRequest,
  OperationSummary,
  RrdSeries,
  SearchHit,
  Settings,
  SiteDetail,
  SiteRow,
} from '../../../src-preload/contract';
import { alertsState } from '../features/alerts/alerts.svelte';
import { clusterNames, operationWatch, permissions } from '../features/operations/operations.svelte';
import { appState } from '../lib/app-state.svelte';
import { commands } from '../lib/commands.svelte';
import { i18n } from '../lib/i18n';
import { router } from '../lib/router.svelte';
import { theme } from '../lib/theme.svelte';
import { toasts } from '../lib/toasts.svelte';
import { ui } from '../lib/ui.svelte';
import { installFakeBridge, type FakeBridge, type Handlers } from './fake-bridge';

export const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
export const FP2 = '11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00';

export const appInfo: AppInfo = {
  name: 'Cairn',
  version: '0.1.0',
  transport: 'browser',
  platform: 'linux',
  dataDir: '/tmp/cairn-test',
  demo: true,
  secretStore: { available: true, kind: 'ephemeral' },
};

export const appStatus: AppStatus = {
  online: true,
  clusters: { ok: 2, stale: 1, error: 0, total: 3 },
  runningTasks: 0,
  lastSyncAt: '2025-01-01T10:00:00.000Z',
};

export const settings: Settings = { theme: 'system', syncIntervalSeconds: 30 };

export const sites: SiteRow[] = [
  {
    id: 'site:fra-edge-1',
    name: 'fra-edge-1',
    region: 'eu-central',
    kind: 'edge',
    clusters: 1,
    hosts: 3,
    hostsOnline: 3,
    guests: 40,
    guestsRunning: 35,
    health: 'ok',
    stale: false,
    staleReason: null,
    cpuUsed: 0.42,
    memUsedBytes: 600 * 2 ** 30,
    memTotalBytes: 1536 * 2 ** 30,
  },
  {
    id: 'site:ams-dc-1',
    name: 'ams-dc-1',
    region: 'eu-west',
    kind: 'datacentre',
    clusters: 2,
    hosts: 6,
    hostsOnline: 5,
    guests: 120,
    guestsRunning: 100,
    health: 'stale',
    stale: true,
    staleReason: 'connect ETIMEDOUT 10.0.0.1:8006',
    cpuUsed: 0.8,
    memUsedBytes: 2500 * 2 ** 30,
    memTotalBytes: 3072 * 2 ** 30,
  },
];

export const summary: FleetSummary = {
  sites: 2,
  clusters: 3,
  hosts: 9,
  hostsOnline: 8,
  guests: 160,
  guestsRunning: 135,
  vms: 100,
  containers: 60,
  staleClusters: 1,
  erroredClusters: 0,
  lastSyncAt: '2025-01-01T10:00:00.000Z',
  health: { ok: 1, degraded: 0, down: 0, stale: 1 },
};

export const syncStates: ClusterSync[] = [
  {
    clusterId: 'c1',
    name: 'fra-pve',
    site: 'fra-edge-1',
    state: 'ok',
    lastSuccessAt: '2025-01-01T10:00:00.000Z',
    lastAttemptAt: '2025-01-01T10:00:00.000Z',
    lastError: null,
    stalenessSeconds: 12,
  },
  {
    clusterId: 'c2',
    name: 'ams-pve',
    site: 'ams-dc-1',
    state: 'stale',
    lastSuccessAt: '2025-01-01T09:00:00.000Z',
    lastAttemptAt: '2025-01-01T10:00:00.000Z',
    lastError: `Certificate of ams-pve changed: pinned fingerprint ${FP}, presented ${FP2}. Confirm the new certificate before reconnecting.`,
    stalenessSeconds: 3600,
  },
];

export function host(node: string, clusterId = 'c1', site = 'fra-edge-1'): HostRow {
  return {
    clusterId,
    node,
    site,
    status: 'online',
    cpu: 0.3,
    maxcpu: 48,
    mem: 200 * 2 ** 30,
    maxmem: 512 * 2 ** 30,
    disk: 4 * 2 ** 40,
    maxdisk: 32 * 2 ** 40,
    uptime: 86400 * 12,
    guests: 2,
    stale: false,
  };
}

export function guest(i: number, over: Partial<GuestRow> = {}): GuestRow {
  return {
    clusterId: 'c1',
    vmid: 100 + i,
    name: `guest-${String(i).padStart(6, '0')}`,
    type: i % 3 === 0 ? 'lxc' : 'qemu',
    status: i % 7 === 0 ? 'stopped' : 'running',
    node: `pve${(i % 3) + 1}`,
    site: 'fra-edge-1',
    pool: null,
    tags: i % 5 === 0 ? ['prod'] : [],
    tenant: i % 2 === 0 ? 'acme' : null,
    cpus: 2,
    cpu: 0.1,
    maxmem: 4 * 2 ** 30,
    mem: 2 * 2 ** 30,
    maxdisk: 32 * 2 ** 30,
    uptime: 3600,
    template: false,
    hastate: null,
    stale: i % 11 === 0,
    ...over,
  };
}

export const siteDetail: SiteDetail = {
  site: sites[0]!,
  clusters: [syncStates[0]!],
  hosts: [host('pve1'), host('pve2')],
};

export const hostDetail: HostDetail = {
  host: host('pve1'),
  guests: [guest(1, { vmid: 101, node: 'pve1' }), guest(2, { vmid: 102, node: 'pve1', name: 'db-primary' })],
};

export const rrd: RrdSeries = {
  points: Array.from({ length: 10 }, (_, i) => ({ time: 1735725600 + i * 60, cpu: 0.2, mem: 100 * 2 ** 30, maxmem: 512 * 2 ** 30, netin: 1000, netout: 2000 })),
  cached: false,
  fetchedAt: '2025-01-01T10:00:00.000Z',
};

export const connections: Connection[] = [
  {
    id: 'c1',
    name: 'fra-pve',
    kind: 'pve',
    url: 'https://fra-pve.example.net:8006',
    fingerprint: FP,
    tokenId: 'ops@pve!console',
    site: 'fra-edge-1',
    hasSecret: true,
    createdAt: '2025-01-01T00:00:00.000Z',
    simulated: true,
  },
  {
    id: 'c2',
    name: 'ams-pve',
    kind: 'pve',
    url: 'https://ams-pve.example.net:8006',
    fingerprint: FP,
    tokenId: 'ops@pve!console',
    site: 'ams-dc-1',
    hasSecret: true,
    createdAt: '2025-01-01T00:00:00.000Z',
    simulated: false,
  },
];

export const cert: CertificateInfo = {
  fingerprint: FP2,
  subject: 'CN=pve-new.example.net',
  issuer: 'CN=Proxmox Virtual Environment, O=PVE Cluster Manager CA',
  validFrom: '2024-01-01T00:00:00.000Z',
  validTo: '2034-01-01T00:00:00.000Z',
  selfSigned: false,
};

export const searchHits: SearchHit[] = [
  { kind: 'site', label: 'fra-edge-1', detail: 'eu-central', siteId: 'site:fra-edge-1' },
  { kind: 'host', label: 'pve1', detail: 'fra-edge-1', siteId: 'site:fra-edge-1', clusterId: 'c1', node: 'pve1' },
  { kind: 'guest', label: 'db-primary', detail: 'VM 102 · pve1 · fra-edge-1', siteId: 'site:fra-edge-1', clusterId: 'c1', node: 'pve1', vmid: 102 },
];

export const alertThresholds = {
  cpu: { warning: 85, critical: 95 },
  memory: { warning: 85, critical: 95 },
  storage: { warning: 80, critical: 90 },
  clearMargin: 5,
  syncFailures: { warning: 3, critical: 10 },
  staleIntervals: { warning: 3, critical: 30 },
  forecastDays: { warning: 30, critical: 7 },
};

/** An operator who may do every guest action, as `tenancy:whoami` answers for the Operator role. */
export const whoami = {
  name: 'alice',
  roles: ['operator' as const],
  tenants: null,
  known: true,
  actions: ['fleet.view', 'guest.console', 'guest.start', 'guest.stop', 'guest.reboot', 'guest.migrate', 'guest.configure', 'guest.create', 'guest.delete', 'snapshot.create', 'backup.run', 'ha.manage'] as const,
};

/** A planned operation for `request` on db-primary (VMID 102 on pve1, c1); delete plans ask for its name. */
export function plannedOperation(request: OperationRequest, id = 'op-1', batchId: string | null = null): OperationDto {
  const vmid = 'vmid' in request ? request.vmid : 102;
  const name = vmid === 102 ? 'db-primary' : `guest-${vmid}`;
  return {
    id,
    batchId,
    action: request.action,
    clusterId: request.clusterId,
    actor: 'alice',
    state: 'planned',
    reason: null,
    waiting: null,
    plan: {
      target: { clusterId: request.clusterId, node: 'pve1', vmid, type: 'qemu', name, tags: [] },
      steps: [{ index: 0, kind: request.action, summary: `${request.action} ${name}` }],
      expectedEffect: `${name} ${request.action === 'start' ? 'is running' : `after ${request.action}`}`,
      quotaDelta: { guests: 0, vcpu: 0, memoryMiB: 0, diskGiB: 0 },
      basis: 'live',
      confirmName: request.action === 'delete' ? name : null,
      needsSecondConfirmation: false,
      warnings: [],
    },
    steps: [{ index: 0, kind: request.action, summary: `${request.action} ${name}`, state: 'pending', upid: null, detail: null }],
    createdAt: '2025-01-01T10:00:00.000Z',
    updatedAt: '2025-01-01T10:00:00.000Z',
  };
}

export function summaryOf(op: OperationDto): OperationSummary {
  const { plan, steps, ...rest } = op;
  return { ...rest, target: `${plan.target.name} (${plan.target.vmid})`, stepsDone: steps.filter((s) => s.state === 'done').length, stepsTotal: steps.length };
}

/** Handlers for every channel, answering with the fixtures above. */
export function defaultHandlers(opts: { guestTotal?: number } = {}): Handlers {
  const total = opts.guestTotal ?? 500;
  return {
    'app:info': () => appInfo,
    'app:status': () => appStatus,
    'settings:get': () => settings,
    'settings:set': (req) => ({ ...settings, ...req }),
    'connections:list': () => connections,
    'connections:probe': () => cert,
    'connections:add': (req) => ({
      id: 'new',
      name: req.name,
      kind: req.kind,
      url: req.url,
      fingerprint: req.fingerprint,
      tokenId: req.tokenId,
      site: req.site ?? null,
      hasSecret: true,
      createdAt: '2025-01-01T00:00:00.000Z',
      simulated: false,
    }),
    'connections:test': () => ({ ok: true, message: 'Connected: pve-manager/8.3.0', version: '8.3.0', latencyMs: 12 }),
    'connections:remove': () => ({ removed: true as const }),
    'connections:repin': (req) => ({ ...connections[1]!, fingerprint: req.fingerprint }),
    'fleet:summary': () => summary,
    'fleet:sites': () => sites,
    'fleet:site': () => siteDetail,
    'fleet:host': () => hostDetail,
    'pve:tasks': () => [],
    'pve:taskLog': () => ({ lines: [], total: 0, running: false, exitstatus: 'OK' }),
    'fleet:guests': (req) => {
      const rows: GuestRow[] = [];
      for (let i = req.offset; i < Math.min(total, req.offset + req.limit); i++) rows.push(guest(i));
      return { total, rows };
    },
    'fleet:search': (req) => searchHits.filter((h) => h.label.includes(req.q) || req.q === '*'),
    'fleet:rrd': () => rrd,
    'fleet:syncState': () => syncStates,
    'fleet:syncNow': () => ({ started: 3 }),
    'alerts:list': () => ({ total: 0, rows: [], counts: { open: 0, acknowledged: 0, critical: 0, warning: 0, openCritical: 0 } }),
    'alerts:thresholds': () => alertThresholds,
    // No SCMP: the default for every page, as for an installation without one.
    'scmp:status': () => scmpNotConnected,
    'scmp:outbox': () => [],
    'tenancy:whoami': () => ({ ...whoami, actions: [...whoami.actions] }),
    // An empty audit trail.
    'audit:list': () => ({ total: 0, rows: [] }),
    'audit:head': () => ({ origin: 'cairn.audit/0000000000000000', size: 0, rootHash: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', checkpoint: null }),
    // An empty journal; plans are echoed from the request, applies queue.
    'operations:list': () => [],
    'operations:plan': (req) => plannedOperation(req.request),
    'operations:apply': (req) => ({ ...plannedOperation({ action: 'start', clusterId: 'c1', vmid: 102 }, req.id), state: 'queued' as const }),
    'operations:cancel': (req) => ({ ...plannedOperation({ action: 'start', clusterId: 'c1', vmid: 102 }, req.id), state: 'cancelled' as const }),
    'operations:get': (req) => plannedOperation({ action: 'start', clusterId: 'c1', vmid: 102 }, req.id),
  };
}

export const scmpNotConnected = {
  connected: false,
  endpoint: null,
  syncing: false,
  lastPullAt: null,
  lastError: null,
  lastErrorCode: null,
  collections: (['tenants', 'quotas', 'role-bindings', 'policies'] as const).map((collection) => ({ collection, count: 0, lastSuccessAt: null, lastAttemptAt: null, lastError: null })),
  outbox: { pending: 0, pushed: 0, failing: 0 },
};

/** Fresh global state and a fake bridge with the default handlers (plus overrides). */
export function setupApp(overrides: Handlers = {}, opts: { guestTotal?: number } = {}): FakeBridge {
  router.reset();
  theme.reset();
  i18n.reset();
  toasts.reset();
  appState.reset();
  alertsState.reset();
  permissions.reset();
  clusterNames.reset();
  operationWatch.reset();
  ui.closeAll();
  commands.reset();
  document.documentElement.removeAttribute('data-theme');
  return installFakeBridge({ ...defaultHandlers(opts), ...overrides });
}
