/**
 * The composition root: one function builds every service from a config
 * (data directory, secret store, demo or configured fleet). The Electron
 * shell, browser mode, the CLI and the tests all call it, so every entry
 * point runs the same code.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppInfo, AppStatus } from '../../src-preload/contract';
import { AlertService, ForecastSource, type AlertSource } from '../alerts';
import { CapacityService, loadServiceCatalogue, NO_QUOTAS, type HaPolicySource, type QuotaSource } from '../capacity';
import { AuditService, auditedHandlers, recordSafely, SOURCE_OF, targetOf, verifyAuditBundle } from '../audit';
import { AttestationService, EMPTY_TRUST, FleetAttestedHosts, PRODUCTION_COLLECTORS, STALE_AFTER_SECONDS, loadTrustDir, type TrustStore } from '../attestation';
import { ConnectionsService, type EndpointGateway } from '../connections/connections-service';
import { custodyActionFor, CustodyService, FieldLog, listMerges, mergeFieldLog, seedDemoCustody, verifyBundle, type CustodyActor } from '../custody';
import { FleetQueries } from '../fleet/fleet-queries';
import { InventoryRepo } from '../fleet/inventory-repo';
import { InventorySync, type ClusterSource, type SyncOutcome } from '../fleet/inventory-sync';
import { RrdService } from '../fleet/rrd-cache';
import { createRouter, type Handlers, type Router } from '../ipc/router';
import { loadCatalogue } from '../power';
import { ScmpConnector, ScmpSync, type ScmpEndpoint } from '../scmp';
import { MemorySecretStore, openKeychain, type SecretStore } from '../secrets';
import { SitesService, seedDemoSites } from '../sites';
import { SurveyService, Transfers } from '../survey';
import { isAcceptableFeedUrl, RELEASE_KEYS, UpdateService, updateFeedUrl, type PinnedKey, type UpdaterPort } from '../updates';
import { currentOperator, TopologyService, type NetworkSource } from '../topology';
import { CommandAllowlist, NodeSshRunner, SshService, type CommandTemplate, type SshRunner } from '../ssh';
import { ConnectionsRepo } from '../store/connections-repo';
import { openDatabase, type Db } from '../store/database';
import { WalCheckpointer } from '../store/wal-checkpointer';
import { SettingsRepo } from '../store/settings-repo';
import {
  authorize,
  createGatekeeper,
  createOrchestrationGatekeeper,
  enforce,
  FLEET_TARGET,
  roleDtos,
  OsGroupSource,
  TenancyQuotaSource,
  TenancyService,
  type GroupSource,
  type Gatekeeper,
  type OrchestrationDecision,
  type Target,
} from '../tenancy';
import { AppException } from '../util/app-exception';
import { EventBus } from '../util/events';
import { createLogger, FileLogSink, Redactor, type LogSink, type Logger } from '../util/log';
import { startDemoFleet, type DemoFleet } from './demo-fleet';
import { createOperationEngine } from './operations-wiring';
import { toDto, toSummary, type Decision, type OperationEngine } from '../orchestration';
import { FailedTaskAlertSource, FleetTasks } from '../orchestration';
import { PveClusterSource, PveGateway, toAppException } from './pve-adapters';
import { centralSnapshot } from './scmp-tenancy';
import { WorkerInventorySync, type SyncEngine } from './sync-worker-host';
import { scrubbedGateway, scrubbedSource } from './scrub-errors';

/** Fleet-wide PVE task polls (failed foreign tasks): at most this often, and not before this long after start. */
const TASK_POLL_EVERY_MS = 5 * 60_000;
const TASK_POLL_DELAY_MS = 60_000;

export interface AppConfig {
  dataDir: string;
  version: string;
  transport: 'electron' | 'browser' | 'cli' | 'test';
  /** 'keychain' = the OS keychain (default); 'ephemeral' = memory, this run only. */
  secrets: 'keychain' | 'ephemeral' | SecretStore;
  /** 'demo' starts the built-in simulated fleet in-process and connects to it through the normal client. */
  /** 'auto' = demo unless a real Proxmox VE connection is configured. */
  fleet: { mode: 'demo' | 'auto'; sites?: number; seed?: number } | { mode: 'configured' };
  /** Run the periodic inventory sync (default true). */
  sync?: boolean;
  /** Sync the real (or demo) fleet in a worker thread, as the app and browser mode do (default false: in-process). */
  syncInWorker?: boolean;
  logSinks?: LogSink[];
  gateway?: EndpointGateway;
  clusterSource?: ClusterSource;
  /** SSH transport for evidence collection (default node-ssh; tests substitute one). */
  sshRunner?: SshRunner;
  /** Evidence collection: extra allowlisted templates, which one collects, and test seams. */
  attestation?: { collectors?: CommandTemplate[]; collectCommand?: string; tdxCollectCommand?: string; nonce?: () => Uint8Array; verifyAt?: () => Date; operator?: string };
  /** The hardware catalogue file (default: the one beside the power engine, resources/hardware). */
  hardwareCatalogue?: string;
  /** Where the topology's network view reads live networks (default: the PVE client; tests substitute one). */
  networkSource?: NetworkSource;
  /** Alert sources beyond the built-in ones (e.g. capacity forecasts), and timing seams for tests. */
  alerts?: { extraSources?: AlertSource[]; minGapMs?: number; timerMs?: number };
  /** Updates: the installer (electron-updater, desktop only), the online feed (default: CAIRN_UPDATE_FEED) and, for tests, the pinned keys. */
  updates?: { updater?: UpdaterPort | null; noInstallerNote?: string; feedUrl?: string | null; keys?: readonly PinnedKey[] };
  /** Where the operator's directory groups come from (default: `id -Gn`; tests substitute one). */
  groups?: GroupSource;
}

export interface App {
  config: AppConfig;
  db: Db;
  log: Logger;
  events: EventBus;
  secrets: SecretStore;
  settings: SettingsRepo;
  connections: ConnectionsService;
  connectionsRepo: ConnectionsRepo;
  fleet: FleetQueries;
  sync: SyncEngine;
  /** Where snapshots come from (the PVE client unless a test supplies one). */
  clusterSource: ClusterSource;
  router: Router;
  custody: CustodyService;
  /** The audit trail: every channel that changes something is recorded by the router's handlers. */
  audit: AuditService;
  /** Records a sign-in (a browser-mode session accepted, the desktop window opened, a CLI invocation). */
  recordSignIn(transport: AppConfig['transport'], details?: Record<string, string>): void;
  ssh: SshService;
  attestation: AttestationService;
  sites: SitesService;
  survey: SurveyService;
  capacity: CapacityService;
  topology: TopologyService;
  alerts: AlertService;
  /** What was pulled from the SCMP (plain data) and the outbox; idle without an SCMP. */
  scmp: ScmpSync;
  operations: OperationEngine;
  tenancy: TenancyService;
  /** The authorisation/quota port acting modules (orchestration) ask before any PVE call. */
  gatekeeper: Gatekeeper;
  /** Signed updates: verification everywhere, installing only where the shell supplies an installer. */
  updates: UpdateService;
  demo: DemoFleet | null;
  info(): Promise<AppInfo>;
  status(): AppStatus;
  close(): Promise<void>;
}

export async function createApp(config: AppConfig): Promise<App> {
  const redactor = new Redactor();
  const log = createLogger({ sinks: config.logSinks ?? [new FileLogSink(join(config.dataDir, 'logs', 'cairn.log'))], redactor });
  const db = openDatabase(join(config.dataDir, 'cairn.db'));
  // While custody writes large batches (imports), WAL pages go back into the database from a thread of their own.
  const walCheckpointer = new WalCheckpointer(db);
  const events = new EventBus();
  const secrets: SecretStore =
    config.secrets === 'ephemeral' ? new MemorySecretStore() : config.secrets === 'keychain' ? await openKeychain() : config.secrets;
  // Simulated clusters get a fresh token every run: it lives in memory, never in the keychain.
  const demoSecrets = new MemorySecretStore();
  const settings = new SettingsRepo(db);
  const connectionsRepo = new ConnectionsRepo(db);
  const baseGateway = config.gateway ?? new PveGateway(log.child('pve'));
  // SCMP connections are tested by the SCMP connector (bound below); everything else by the PVE gateway.
  let scmpTest: EndpointGateway['test'] | null = null;
  const gateway = scrubbedGateway(
    { probe: (url) => baseGateway.probe(url), test: (conn, secret) => (conn.kind === 'scmp' && scmpTest && !config.gateway ? scmpTest(conn, secret) : baseGateway.test(conn, secret)) },
    redactor,
  );
  const connections = new ConnectionsService(connectionsRepo, secrets, demoSecrets, gateway, redactor, log.child('connections'));
  let demo: DemoFleet | null = null;
  const pveSource = config.clusterSource
    ? null
    : new PveClusterSource({ secretFor: (id) => connections.secretFor(id), siteOf: (id) => demo?.siteOf.get(id), log: log.child('pve') });
  const source: ClusterSource = scrubbedSource(config.clusterSource ?? (pveSource as PveClusterSource), redactor);
  const inventory = new InventoryRepo(db);
  const fleet = new FleetQueries(db, () => settings.get().syncIntervalSeconds, Date.now, inventory);
  const rrd = new RrdService(db, source);
  const custody = new CustodyService({ db, secrets, beforeWrite: (n) => n >= 256 && walCheckpointer.nudge() });
  const fieldLog = new FieldLog(custody);
  // The audit trail shares the installation id with custody: origin `cairn.audit/<install-id>`.
  const audit = new AuditService({ db, secrets, installId: custody.installId });
  const auditLog = log.child('audit');

  // SCMP (optional): the registry's one `scmp` connection. Without it the sync stays idle and Cairn works locally.
  const scmpEndpoint = (): ScmpEndpoint | null => {
    const c = connectionsRepo.list().find((r) => r.kind === 'scmp');
    return c ? { id: c.id, name: c.name, url: c.url, fingerprint: c.fingerprint, tokenId: c.tokenId } : null;
  };
  let lastCentralImport: string | null = null;
  // Tenancy is built after the demo decision, further down.
  let tenancyRef: TenancyService | null = null;
  const scmp = new ScmpSync({
    db,
    endpoint: scmpEndpoint,
    token: (id) => connections.secretFor(id),
    outboxDir: join(config.dataDir, 'scmp-outbox'),
    log: log.child('scmp'),
    onChanged: (s) => {
      events.emit('scmp:onChanged', s);
      // A fresh pull: the SCMP's tenants, quotas and role bindings become the central part of tenancy.
      if (s.lastPullAt && s.lastPullAt !== lastCentralImport && tenancyRef) {
        lastCentralImport = s.lastPullAt;
        try {
          const snap = centralSnapshot({ tenants: scmp.tenants(), quotas: scmp.quotas(), roleBindings: scmp.roleBindings() });
          tenancyRef.importFromCentral(snap);
          if (snap.skipped.length) log.warn('SCMP role bindings to tenants it did not send were not applied', { identities: snap.skipped.join('; ') });
        } catch (err) {
          log.warn('SCMP tenants and roles not applied', { error: err instanceof Error ? err.message : String(err) });
        }
      }
    },
  });
  const scmpConnector = new ScmpConnector({
    registry: {
      current: scmpEndpoint,
      add: async (i) => {
        const c = await connections.add({ name: i.name, kind: 'scmp', url: i.url, fingerprint: i.fingerprint, tokenId: i.tokenId, secret: i.token });
        return { id: c.id, name: c.name, url: c.url, fingerprint: c.fingerprint, tokenId: c.tokenId };
      },
      remove: (id) => connections.remove(id),
    },
    sync: scmp,
    log: log.child('scmp'),
    remember: (secret) => redactor.add(secret),
  });
  scmpTest = async (conn, secret) => {
    const t0 = performance.now();
    const i = await scmpConnector.check(conn.url, conn.fingerprint ?? '', secret);
    return { version: `${i.service} (SCMP API v${i.apiVersion})`, latencyMs: Math.round(performance.now() - t0) };
  };
  const readText = (p: string): Promise<string> => readFile(p, 'utf8');
  const catalogue = await loadCatalogue(readText, ...(config.hardwareCatalogue ? [config.hardwareCatalogue] : []));
  if (!catalogue.ok) log.warn('hardware catalogue not loaded', { issue: `${catalogue.issues[0]?.path}: ${catalogue.issues[0]?.message}` });
  const sites = new SitesService({ db, catalogue });
  // Surveys work with no network at all: SQLite, photos under the data dir, the engineer key in the SecretStore.
  const survey = new SurveyService({ db, attachmentsDir: join(config.dataDir, 'survey-attachments'), secrets, sites, catalogue });
  const transfers = new Transfers();
  const allowlist = new CommandAllowlist([...PRODUCTION_COLLECTORS, ...(config.attestation?.collectors ?? [])]);
  const ssh = new SshService(db, secrets, config.sshRunner ?? new NodeSshRunner(allowlist), log.child('ssh'), redactor);
  // Certificates and CRLs an operator carried over (ARK/ASK when a guest supplies none); re-read per verification.
  const trustDir = join(config.dataDir, 'attestation-trust');
  const trust = (): TrustStore => (existsSync(trustDir) ? loadTrustDir(trustDir) : EMPTY_TRUST);
  const attestation = new AttestationService({
    db,
    ssh,
    allowlist,
    log: log.child('attestation'),
    trust,
    ...(config.attestation?.collectCommand ? { collectCommand: config.attestation.collectCommand } : {}),
    ...(config.attestation?.tdxCollectCommand ? { tdxCollectCommand: config.attestation.tdxCollectCommand } : {}),
    ...(config.attestation?.nonce ? { nonce: config.attestation.nonce } : {}),
    ...(config.attestation?.verifyAt ? { verifyAt: config.attestation.verifyAt } : {}),
    ...(config.attestation?.operator ? { operator: config.attestation.operator } : {}),
  });

  const attestedHosts = new FleetAttestedHosts(db);

  // Capacity: HA policies live through the PVE client (none when a test supplies its own source).
  const haPolicies: HaPolicySource | null = pveSource
    ? { fetch: (clusterId, signal) => (pveSource as PveClusterSource).haPolicy(connections.get(clusterId), signal) }
    : null;
  // Tenant quotas come from tenancy, which is built further down (after the demo decision).
  let quotaSource: QuotaSource = NO_QUOTAS;
  const capacity = new CapacityService({
    db,
    quotas: {
      get available() {
        return quotaSource.available;
      },
      get note() {
        return quotaSource.note;
      },
      quota: (tenant) => quotaSource.quota(tenant),
    },
    catalogue: await loadServiceCatalogue().catch((err: unknown) => {
      log.warn('service catalogue not loaded', { error: err instanceof Error ? err.message : String(err) });
      return err instanceof Error ? err : new Error(String(err));
    }),
    haPolicies,
    rrd: (clusterId, node, timeframe) => rrd.series(connections.get(clusterId), node, undefined, timeframe),
    attestation: attestation.repo,
    attestedHosts,
    staleClusters: () => new Set(fleet.syncStates().filter((s) => s.state === 'stale' || s.state === 'error').map((s) => s.clusterId)),
  });

  // PVE tasks fleet-wide (any origin); a failed one Cairn did not start is a toast and an alert, once per UPID.
  const fleetTasks = new FleetTasks({
    db,
    clusters: () => connectionsRepo.list().filter((c) => c.kind === 'pve').map((c) => ({ id: c.id, name: c.name })),
    clientFor: (id) => {
      if (!pveSource) throw new AppException('unreachable', 'No Proxmox VE client in this configuration');
      return (pveSource as PveClusterSource).client(connections.get(id));
    },
    scrub: (text) => redactor.redact(text),
    onFailed: (t) => events.emit('pve:onTaskFailed', t),
  });
  const alerts = new AlertService({
    db,
    settings,
    syncIntervalSeconds: () => settings.get().syncIntervalSeconds,
    log: log.child('alerts'),
    // Capacity forecasts refresh RRD in the background: only for a running console with the PVE client.
    extraSources: [...(config.alerts?.extraSources ?? []), new FailedTaskAlertSource(db), ...(pveSource && config.sync !== false ? [new ForecastSource(capacity)] : [])],
    ...(config.alerts?.minGapMs !== undefined ? { minGapMs: config.alerts.minGapMs } : {}),
    ...(config.alerts?.timerMs !== undefined ? { timerMs: config.alerts.timerMs } : {}),
    onChanged: (change) => events.emit('alerts:onChanged', change),
  });

  // Without the PVE client (a test's cluster source) there is nothing to read networks live from.
  const noLiveNetwork: NetworkSource = {
    network: () => Promise.reject(new AppException('unreachable', 'No live network source in this configuration; showing cached pictures only')),
  };
  const topology = new TopologyService({
    db,
    sites: () => fleet.sites(),
    syncStates: () => fleet.syncStates(),
    attestations: () => attestation.repo.latestByGuest(),
    attestationMaxAgeSeconds: STALE_AFTER_SECONDS,
    network: config.networkSource ?? pveSource ?? noLiveNetwork,
    connection: (id) => connectionsRepo.get(id),
    operator: config.attestation?.operator ?? currentOperator(),
    log: log.child('topology'),
  });

  let runningTasks = 0;
  const status = (): AppStatus => {
    const states = fleet.syncStates();
    const ok = states.filter((s) => s.state === 'ok').length;
    const stale = states.filter((s) => s.state === 'stale').length;
    const error = states.filter((s) => s.state === 'error').length;
    const lastSyncAt = states.map((s) => s.lastSuccessAt).filter((x): x is string => x !== null).sort().at(-1) ?? null;
    return { online: states.length === 0 || ok > 0, clusters: { ok, stale, error, total: states.length }, runningTasks, lastSyncAt };
  };

  const operator = config.attestation?.operator ?? currentOperator();
  let orchestrationGate: ReturnType<typeof createOrchestrationGatekeeper> | null = null;
  const engineDecision = (d: OrchestrationDecision): Decision =>
    d.allowed ? { allowed: true, by: d.by } : { allowed: false, by: d.by, reason: d.reason ?? 'refused', ...(d.details ? { details: d.details } : {}) };
  const opsGate = (): ReturnType<typeof createOrchestrationGatekeeper> => {
    if (!orchestrationGate) throw new AppException('internal', 'Roles and quotas are not loaded yet');
    return orchestrationGate;
  };
  const ops = createOperationEngine({
    db,
    fleet,
    catalogue: () => capacity.catalogue(),
    // Migration targets from the capacity placement advisor: live HA rules and host attestation.
    placementContext: (id) => capacity.moveContext(id),
    // A confidential guest is placed or migrated only onto a host with a fresh accepted attestation.
    attestedHosts,
    clientFor: (id) => {
      if (!pveSource) throw new AppException('unreachable', 'No Proxmox VE client in this configuration');
      return (pveSource as PveClusterSource).client(connections.get(id));
    },
    log: log.child('operations'),
    onChanged: (c) => {
      recordOperationOutcome(c);
      events.emit('operations:onChanged', c);
    },
    leaseHolder: `${config.transport === 'electron' ? 'desktop app' : config.transport === 'browser' ? 'browser mode' : config.transport} of ${operator}`,
    // Roles, tenant scope and quotas from tenancy, built further down; nothing runs before it exists.
    gatekeeper: {
      authorize: (actor, action, target) => engineDecision(opsGate().authorize(actor, action, target)),
      // The engine counts memory in MiB and disk in GiB; tenancy counts bytes.
      quotaCheck: (tenant, delta, scope) =>
        engineDecision(
          opsGate().quotaCheck(tenant, { vcpu: delta.vcpu, guests: delta.guests, memBytes: delta.memoryMiB * 2 ** 20, storageBytes: delta.diskGiB * 2 ** 30 }, scope),
        ),
      isProtectedEnvironment: (target) => opsGate().isProtectedEnvironment(target),
    },
  });
  // What the engine did, not just what was asked: each operation's end is an audit entry of its own.
  const endedOps = new Set<string>();
  function recordOperationOutcome(c: { id: string; state: string; reason: string | null; stepsDone: number; stepsTotal: number }): void {
    if (!['succeeded', 'failed', 'cancelled'].includes(c.state) || endedOps.has(c.id)) return;
    endedOps.add(c.id);
    let actor = operator;
    let target: string | null = null;
    const details: Record<string, string | number> = { id: c.id, stepsDone: c.stepsDone, stepsTotal: c.stepsTotal };
    try {
      const op = ops.get(c.id);
      actor = op.actor;
      target = targetOf({ request: op.request }) ?? `cluster ${op.clusterId}`;
      details.action = op.action;
    } catch {
      // The journal no longer knows it: record what the event says.
    }
    if (c.reason) details.reason = c.reason.slice(0, 120);
    const roles = tenancyRef ? [...tenancyRef.identity(actor).roles] : [];
    recordSafely(
      audit,
      { actor, roles, source: SOURCE_OF[config.transport], action: `operation.${c.state}`, target, outcome: c.state === 'failed' ? 'failed' : 'ok', error: c.state === 'failed' ? 'upstream' : null, details },
      auditLog,
    );
  }
  const onSynced = (outcomes: SyncOutcome[]): void => {
    // Operations parked on a cluster that answered again go now, re-checked against the fresh state.
    for (const o of outcomes) if (o.ok) ops.retryCluster(o.clusterId);
    fleet.syncStatesChanged();
    topology.recordSyncs(outcomes);
    const changed = outcomes.filter((o) => o.written + o.deleted > 0).map((o) => o.clusterId);
    if (changed.length) events.emit('fleet:onChanged', { clusterIds: changed });
    events.emit('app:onStatus', status());
    // Conditions may have changed with any outcome (a failure counts too); evaluations coalesce.
    alerts.schedule();
    // New failures of foreign PVE tasks: noticed once per UPID, then the alerts look again. One
    // /cluster/tasks per cluster is as many requests as the sync makes, so it runs on its own slower
    // cadence (not after every sync), and not in the first minute, while the first full sync settles.
    const nowMs = Date.now();
    if (pveSource && outcomes.some((o) => o.ok) && nowMs - startedAt >= TASK_POLL_DELAY_MS && nowMs - lastTaskPoll >= TASK_POLL_EVERY_MS) {
      lastTaskPoll = nowMs;
      void fleetTasks.poll().then(
        () => alerts.schedule(),
        (err: unknown) => log.warn('fleet task poll failed', { error: err instanceof Error ? err.message : String(err) }),
      );
    }
  };
  let lastTaskPoll = 0;
  const startedAt = Date.now();
  // The real fleet syncs in a worker thread (its own heap limit; the main thread stays free for the
  // console); tests that inject a ClusterSource sync in-process.
  const workerSync =
    config.syncInWorker && pveSource
      ? new WorkerInventorySync({
          dbFile: join(config.dataDir, 'cairn.db'),
          intervalSeconds: () => settings.get().syncIntervalSeconds,
          secretFor: (id) => connections.secretFor(id),
          sites: () => demo?.siteOf ?? new Map(),
          log: log.child('sync'),
          onSynced,
          onChanged: (ids) => ids.forEach((id) => inventory.changedElsewhere(id)),
        })
      : null;
  const sync: SyncEngine =
    workerSync ??
    new InventorySync({
      db,
      repo: inventory,
      source,
      connections: () => connectionsRepo.list(),
      intervalSeconds: () => settings.get().syncIntervalSeconds,
      log: log.child('sync'),
      onSynced,
    });

  const hasReal = connectionsRepo.list().some((c) => c.kind === 'pve' && !c.simulated);
  if (config.fleet.mode === 'demo' || (config.fleet.mode === 'auto' && !hasReal)) {
    demo = await startDemoFleet({ sites: config.fleet.sites ?? 12, seed: config.fleet.seed ?? 1, connections, repo: connectionsRepo, log: log.child('demo') });
    // Demo custody records go through the real record path (signed, logged); a missing keychain only skips them.
    if (custody.isEmpty()) {
      await seedDemoCustody(custody).catch((err: unknown) => log.warn('demo custody data not seeded', { error: err instanceof Error ? err.message : String(err) }));
    }
    if (sites.isEmpty() && catalogue.ok) {
      await seedDemoSites(sites, readText).catch((err: unknown) => log.warn('demo site plans not seeded', { error: err instanceof Error ? err.message : String(err) }));
    }
  } else if (config.fleet.mode === 'auto') {
    // Simulated clusters of an earlier demo run would only show as dead here.
    for (const c of connectionsRepo.list()) if (c.simulated) connectionsRepo.remove(c.id);
  }

  const info = async (): Promise<AppInfo> => ({
    name: 'Cairn',
    version: config.version,
    transport: config.transport === 'electron' ? 'electron' : 'browser',
    platform: process.platform,
    dataDir: config.dataDir,
    demo: demo !== null,
    secretStore: await secrets.status(),
  });

  // Tenancy after the demo decision: only a demo install seeds plausible quotas for discovered tenants.
  const tenancy = new TenancyService({
    db,
    operator: config.attestation?.operator ?? currentOperator(),
    // Central role bindings to directory groups apply through the OS's view of the user's groups.
    groups: config.groups ?? new OsGroupSource(),
    demoQuotas: demo !== null,
    inventoryComplete: () => {
      const states = fleet.syncStates();
      return states.length > 0 && states.every((st) => st.lastSuccessAt !== null);
    },
  });
  const gatekeeper = createGatekeeper(tenancy);
  quotaSource = new TenancyQuotaSource(tenancy);
  tenancyRef = tenancy;
  orchestrationGate = createOrchestrationGatekeeper(tenancy);
  /** Checked in the main process for the operator running this console, before anything changes. */
  const requireAction = (action: Parameters<typeof authorize>[1], target: Target = FLEET_TARGET): string => {
    const me = tenancy.identity();
    enforce(authorize(me, action, target));
    return me.name;
  };
  /** A custody step's permission (permissions.ts) checked for this console's operator; the granting role is what the event records. */
  const custodyActor = (to: Parameters<typeof custodyActionFor>[0]): CustodyActor => {
    const me = tenancy.identity();
    const decision = authorize(me, custodyActionFor(to), FLEET_TARGET);
    enforce(decision);
    return { id: me.name, role: (decision.allowed && decision.via) || 'viewer' };
  };


  const handlers: Handlers = {
    'app:info': () => info(),
    'app:status': () => status(),
    'settings:get': () => settings.get(),
    'settings:set': (req) => {
      const patch: { theme?: typeof req.theme; syncIntervalSeconds?: number; language?: typeof req.language } = {};
      if (req.theme !== undefined) patch.theme = req.theme;
      if (req.language !== undefined) patch.language = req.language;
      if (req.syncIntervalSeconds !== undefined) patch.syncIntervalSeconds = req.syncIntervalSeconds;
      const next = settings.update(patch);
      events.emit('settings:onChanged', next);
      // Staleness is measured in sync intervals.
      if (patch.syncIntervalSeconds !== undefined) alerts.schedule();
      return next;
    },
    'connections:list': () => connections.list(),
    'connections:probe': (req) => connections.probe(req.url),
    'connections:add': async (req) => {
      requireAction('settings.manage');
      const c = await connections.add(req);
      void sync.syncAll(c.id);
      return c;
    },
    'connections:test': (req) => connections.test(req.id),
    'connections:remove': async (req) => {
      requireAction('settings.manage');
      // Removing the SCMP from the connections list is a disconnect: its pulled data goes too.
      if (connectionsRepo.get(req.id)?.kind === 'scmp') await scmp.forget();
      await connections.remove(req.id);
      inventory.forget(req.id);
      workerSync?.forget(req.id);
      events.emit('fleet:onChanged', { clusterIds: [req.id] });
      alerts.schedule();
      return { removed: true as const };
    },
    'connections:repin': (req) => (requireAction('settings.manage'), connections.repin(req.id, req.fingerprint)),
    'fleet:summary': () => fleet.summary(),
    'fleet:sites': () => fleet.sites(),
    'fleet:site': (req) => fleet.site(req.siteId),
    'fleet:host': (req) => fleet.host(req.clusterId, req.node),
    'fleet:guests': (req) => fleet.guests(req),
    'fleet:search': (req) => fleet.search(req.q, req.limit),
    'fleet:rrd': (req) => rrd.series(connections.get(req.clusterId), req.node, req.vmid, req.timeframe),
    'fleet:syncState': () => fleet.syncStates(),
    'fleet:syncNow': async (req) => {
      runningTasks++;
      events.emit('app:onStatus', status());
      try {
        return { started: (await sync.syncAll(req.clusterId)).length };
      } finally {
        runningTasks--;
        events.emit('app:onStatus', status());
      }
    },
    'ssh:probeHostKey': (req) => ssh.probe(req.host, req.port),
    'ssh:trustHostKey': (req) => ssh.trust({ host: req.host, port: req.port, user: req.user }, req.fingerprint),
    'ssh:keys': () => ssh.keys(),
    'ssh:addKey': (req) => ssh.addKey(req),
    'attestation:list': (req) => attestation.list(req),
    'attestation:detail': (req) => attestation.detail(req),
    'attestation:policy:get': () => attestation.policy(),
    'attestation:policy:set': (req) => (requireAction('settings.manage'), attestation.setPolicy(req)),
    'attestation:attestNow': async (req) => {
      requireAction('attestation.run', gatekeeper.guestTarget(req.guest.clusterId, req.guest.vmid));
      runningTasks++;
      events.emit('app:onStatus', status());
      try {
        return await attestation.attestNow(req);
      } finally {
        runningTasks--;
        events.emit('app:onStatus', status());
      }
    },
    'attestation:verifyFiles': (req) => attestation.verifyFiles(req),
    'attestation:target:get': (req) => attestation.target(req.clusterId, req.vmid),
    'attestation:target:save': (req) => (requireAction('attestation.run', gatekeeper.guestTarget(req.guest.clusterId, req.guest.vmid)), attestation.saveTarget(req)),
    'attestation:target:forget': (req) => (requireAction('attestation.run', gatekeeper.guestTarget(req.clusterId, req.vmid)), attestation.forgetTarget(req.clusterId, req.vmid)),
    'custody:appliances': () => custody.board(),
    'custody:appliance': (req) => custody.detail(req.applianceId),
    // Custody events are signed as this console's operator: only roles holding custody.record may sign them,
    // certificates and closures need custody.certify, and the event records the role that allowed the step.
    'custody:createJob': (req) => (requireAction('custody.record'), custody.createJob(req)),
    'custody:registerAppliance': (req) => custody.registerAppliance(req, { actor: custodyActor('ordered') }),
    'custody:registerManifest': (req) => custody.registerManifest(req, { actor: custodyActor('ordered') }),
    'custody:record': (req) => custody.record(req, { actor: custodyActor(req.to) }),
    'custody:export': async (req) => {
      const { fileName, text, events } = await custody.exportBundle({ kind: req.scope, id: req.id });
      return { fileName, text, events };
    },
    'custody:verify': (req) => verifyBundle(req.text, req.vkey ? { vkey: req.vkey } : {}),
    // The offline field log: recorded under the same step permissions; merging appends to the central log, so it needs custody.record.
    'custody:fieldRecord': (req) => fieldLog.record(req, custodyActor(req.to)),
    'custody:exportFieldLog': async () => {
      const { fileName, text, events } = await fieldLog.exportBundle();
      return { fileName, text, events };
    },
    'custody:mergeFieldLog': (req) => mergeFieldLog(custody, req.text, custodyActor('ordered')),
    'custody:merges': () => listMerges(custody),
    'sites:list': () => sites.list(),
    'sites:get': (req) => sites.get(req.id),
    'sites:save': (req) => sites.save(req),
    'sites:catalogue': () => sites.catalogue(),
    'sites:applyPreset': (req) => sites.applyPreset(req),
    'survey:list': () => survey.list(),
    'survey:get': (req) => survey.get(req.id),
    'survey:save': (req) => survey.save(req),
    'survey:upload': (req) => transfers.upload(req),
    'survey:attach': (req) => survey.attach(req, transfers.take(req.uploadId)),
    'survey:detach': (req) => survey.detach(req),
    'survey:sign': (req) => (requireAction('survey.sign'), survey.sign(req)),
    'survey:linkPlan': (req) => survey.linkPlan(req),
    'survey:export': async (req) => {
      const r = await survey.exportBundle(req.id, req.engineer);
      return transfers.offer(r.fileName, 'application/vnd.cairn.survey+json', r.bytes);
    },
    'survey:import': (req) => survey.importBundle(transfers.take(req.uploadId), { trustedFingerprint: req.trustedFingerprint }),
    'survey:merge': (req) => survey.merge(req.id),
    'survey:resolve': (req) => survey.resolve(req),
    'survey:report': async (req) => {
      const r = await survey.report(req.id, req.format);
      return { ...transfers.offer(r.fileName, r.mediaType, r.bytes), pages: r.pages };
    },
    'survey:download': (req) => transfers.chunk(req.downloadId, req.index),
    'capacity:overview': (req) => capacity.overview(req.settings),
    'capacity:pool': (req) => capacity.pool(req.clusterId, req.settings),
    'capacity:history': (req) => capacity.history(req),
    'capacity:whatIf': (req) => capacity.whatIf(req),
    'capacity:place': (req) => capacity.place(req),
    'capacity:sizePool': (req) => capacity.sizePool(req),
    'capacity:catalogue': () => capacity.catalogue(),
    'custody:exportPdf': (req) => custody.exportPdf({ kind: req.scope, id: req.id }),
    'topology:fleet': (req) => topology.fleet(req.expanded),
    'topology:site': (req) => topology.siteGraph(req.siteId),
    'topology:host': (req) => topology.hostGraph(req.clusterId, req.node),
    'topology:network': (req) => topology.networkGraph(req.siteId, req.refresh),
    'topology:saveLayout': (req) => topology.saveLayout(req.view, req.positions),
    'topology:resetLayout': (req) => topology.resetLayout(req.view),
    'alerts:list': (req) => alerts.list(req),
    'alerts:acknowledge': (req) => alerts.acknowledge(req.id, req.note),
    'alerts:events': (req) => alerts.events(req.id).map(({ seq, at, type, severity, value, actor, note }) => ({ seq, at, type, severity, value, actor, note })),
    'alerts:thresholds': () => alerts.thresholds(),
    'alerts:setThresholds': (req) => (requireAction('settings.manage'), alerts.setThresholds(req)),
    'scmp:status': () => scmp.status(),
    'scmp:connect': (req) => scmpConnector.connect(req),
    'scmp:disconnect': () => scmpConnector.disconnect(),
    'scmp:syncNow': async () => {
      if (!scmpEndpoint()) throw new AppException('not_found', 'No SCMP is connected; Cairn is working locally');
      await scmp.syncNow();
      return scmp.status();
    },
    'scmp:outbox': () => scmp.outbox(),
    // Queued bundles wait in the outbox (and survive restarts) until an SCMP is connected.
    'scmp:queue': async (req) => {
      switch (req.kind) {
        case 'custody':
          return scmp.enqueueBytes('custody', Buffer.from((await custody.exportBundle({ kind: req.scope, id: req.id })).text, 'utf8'));
        case 'survey':
          return scmp.enqueueBytes('survey', (await survey.exportBundle(req.id)).bytes);
        case 'audit': {
          const range = { ...(req.from ? { from: req.from } : {}), ...(req.to ? { to: req.to } : {}) };
          return scmp.enqueueBytes('audit', Buffer.from((await audit.exportBundle(range)).text, 'utf8'));
        }
      }
    },
    'operations:plan': async (req) => toDto(await ops.plan(req.request, operator)),
    'operations:bulkPlan': (req) => ops.bulkPlan(req.requests, operator),
    'operations:apply': (req) => toDto(ops.apply(req, operator)),
    'operations:applyBatch': (req) => ops.applyBatch(req.batchId, operator),
    'operations:list': (req) => ops.list({ ...(req.state ? { state: req.state } : {}), ...(req.batchId ? { batchId: req.batchId } : {}), limit: req.limit }).map(toSummary),
    'operations:get': (req) => toDto(ops.get(req.id)),
    'operations:batch': (req) => ops.batch(req.batchId),
    'operations:cancel': (req) => toDto(ops.cancel(req.id, operator)),
    'pve:tasks': async (req) => {
      const conn = connections.get(req.clusterId);
      if (!pveSource) throw new AppException('unreachable', 'No Proxmox VE client in this configuration');
      const iso = (s: number | undefined) => (s === undefined ? null : new Date(s * 1000).toISOString());
      try {
        const page = await (pveSource as PveClusterSource).client(conn).nodeTasks(req.node, { limit: req.limit, ...(req.errorsOnly ? { errors: true } : {}), source: 'all' });
        return page.items.map((t) => ({
          upid: t.upid,
          node: t.node ?? req.node,
          type: t.type ?? '',
          id: t.id ?? '',
          user: t.user ?? '',
          startedAt: iso(t.starttime),
          endedAt: iso(t.endtime),
          status: t.status ?? null,
        }));
      } catch (err) {
        throw toAppException(err, conn.name);
      }
    },
    'pve:fleetTasks': (req) => fleetTasks.list(req),
    'pve:taskLog': async (req) => {
      const conn = connections.get(req.clusterId);
      if (!pveSource) throw new AppException('unreachable', 'No Proxmox VE client in this configuration');
      const client = (pveSource as PveClusterSource).client(conn);
      try {
        const [log, st] = await Promise.all([client.taskLog(req.upid, { start: req.start, limit: 500 }), client.taskStatus(req.upid)]);
        return {
          lines: log.items.map((l) => ({ n: l.n, t: l.t })),
          total: log.total ?? req.start + log.items.length,
          running: st.status === 'running',
          exitstatus: st.exitstatus ?? null,
        };
      } catch (err) {
        throw toAppException(err, conn.name);
      }
    },
    'tenancy:tenants': () => tenancy.tenants(),
    'tenancy:saveTenant': (req) => tenancy.saveTenant(requireAction('tenant.manage', gatekeeper.tenantTarget(req.id)), req),
    'tenancy:quotas': (req) => tenancy.quotas(req.tenantId),
    'tenancy:setQuota': (req) => tenancy.setQuota(requireAction('quota.manage', gatekeeper.tenantTarget(req.tenantId)), req.tenantId, req.scope, req.limits),
    'tenancy:usage': (req) => tenancy.usage(req.tenantId),
    'tenancy:operators': () => tenancy.operators(),
    'tenancy:saveOperator': (req) => tenancy.saveOperator(requireAction('operator.manage'), req),
    'tenancy:removeOperator': (req) => {
      tenancy.removeOperator(requireAction('operator.manage'), req.name);
      return { removed: true as const };
    },
    'tenancy:whoami': () => tenancy.whoami(),
    'tenancy:roles': () => roleDtos(),
    'tenancy:history': (req) => tenancy.history(req.limit),
    'updates:status': () => updates.status(),
    // Checking downloads an installer in the desktop app; installing replaces the app: settings.manage for both.
    'updates:check': () => (requireAction('settings.manage'), updates.check()),
    'updates:fromFolder': (req) => (requireAction('settings.manage'), updates.fromFolder(req.path)),
    'updates:install': () => (requireAction('settings.manage'), updates.install()),
    'audit:list': (req) => audit.list(req),
    'audit:export': (req) => audit.export(req),
    'audit:verify': (req) => verifyAuditBundle(req.text, req.vkey ? { vkey: req.vkey } : {}),
    'audit:head': () => audit.head(),
  };

  const identityNow = () => tenancy.identity();
  const recordSignIn = (transport: AppConfig['transport'], details: Record<string, string> = {}): void => {
    const me = identityNow();
    recordSafely(audit, { actor: me.name, roles: [...me.roles], source: SOURCE_OF[transport], action: 'session.signIn', target: null, outcome: 'ok', details }, auditLog);
  };
  // Every channel that changes something is recorded with its outcome (see src-main/audit/channels.ts).
  // Updates: the release keys pinned in the app; a misconfigured feed URL is logged and left unset, never fatal.
  const wantedFeed = config.updates?.feedUrl !== undefined ? config.updates.feedUrl : updateFeedUrl(process.env, null);
  if (wantedFeed !== null && !isAcceptableFeedUrl(wantedFeed)) log.warn('update feed ignored: not an https:// URL', { feed: wantedFeed });
  const updates = new UpdateService({
    currentVersion: config.version,
    keys: config.updates?.keys ?? RELEASE_KEYS,
    feedUrl: wantedFeed !== null && isAcceptableFeedUrl(wantedFeed) ? wantedFeed : null,
    updater: config.updates?.updater ?? null,
    ...(config.updates?.noInstallerNote ? { noInstallerNote: config.updates.noInstallerNote } : {}),
    onStatus: (st) => events.emit('updates:onStatus', st),
  });

  const router = createRouter(auditedHandlers(handlers, audit, identityNow, auditLog), log.child('ipc'));
  // The journal is resumed whatever the sync setting: an operation interrupted by a quit must finish.
  // Not by the CLI, which builds the app for one-shot commands while a console may be running the
  // same journal: one process executes a journal.
  if (config.transport !== 'cli') {
    const resumed = ops.start();
    if (resumed) log.info('operations resumed from the journal', { count: resumed });
  }
  if (config.sync !== false) {
    sync.start();
    alerts.start();
    scmp.start();
  }
  log.info('cairn started', { version: config.version, transport: config.transport, dataDir: config.dataDir, demo: demo !== null });

  return {
    config,
    db,
    log,
    events,
    secrets,
    settings,
    connections,
    connectionsRepo,
    fleet,
    sync,
    clusterSource: pveSource ?? source,
    router,
    custody,
    audit,
    recordSignIn,
    ssh,
    attestation,
    sites,
    survey,
    capacity,
    alerts,
    scmp,
    topology,
    operations: ops,
    tenancy,
    gatekeeper,
    updates,
    demo,
    info,
    status,
    close: async () => {
      await ops.close();
      await sync.stop();
      await alerts.stop();
      await scmp.stop();
      await updates.close();
      pveSource?.close();
      await demo?.close();
      await custody.close();
      await walCheckpointer.stop();
      db.close();
    },
  };
}
