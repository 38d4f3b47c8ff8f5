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
import { CapacityService, loadServiceCatalogue, type HaPolicySource } from '../capacity';
import { AttestationService, EMPTY_TRUST, PRODUCTION_COLLECTORS, STALE_AFTER_SECONDS, loadTrustDir, type TrustStore } from '../attestation';
import { ConnectionsService, type EndpointGateway } from '../connections/connections-service';
import { CustodyService, seedDemoCustody, verifyBundle } from '../custody';
import { FleetQueries } from '../fleet/fleet-queries';
import { InventoryRepo } from '../fleet/inventory-repo';
import { InventorySync, type ClusterSource, type SyncOutcome } from '../fleet/inventory-sync';
import { RrdService } from '../fleet/rrd-cache';
import { createRouter, type Handlers, type Router } from '../ipc/router';
import { loadCatalogue } from '../power';
import { MemorySecretStore, openKeychain, type SecretStore } from '../secrets';
import { SitesService, seedDemoSites } from '../sites';
import { SurveyService, Transfers } from '../survey';
import { currentOperator, TopologyService, type NetworkSource } from '../topology';
import { CommandAllowlist, NodeSshRunner, SshService, type CommandTemplate, type SshRunner } from '../ssh';
import { ConnectionsRepo } from '../store/connections-repo';
import { openDatabase, type Db } from '../store/database';
import { SettingsRepo } from '../store/settings-repo';
import { AppException } from '../util/app-exception';
import { EventBus } from '../util/events';
import { createLogger, FileLogSink, Redactor, type LogSink, type Logger } from '../util/log';
import { startDemoFleet, type DemoFleet } from './demo-fleet';
import { PveClusterSource, PveGateway } from './pve-adapters';
import { WorkerInventorySync, type SyncEngine } from './sync-worker-host';
import { scrubbedGateway, scrubbedSource } from './scrub-errors';

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
  attestation?: { collectors?: CommandTemplate[]; collectCommand?: string; nonce?: () => Uint8Array; verifyAt?: () => Date; operator?: string };
  /** The hardware catalogue file (default: the one beside the power engine, resources/hardware). */
  hardwareCatalogue?: string;
  /** Where the topology's network view reads live networks (default: the PVE client; tests substitute one). */
  networkSource?: NetworkSource;
  /** Alert sources beyond the built-in ones (e.g. capacity forecasts), and timing seams for tests. */
  alerts?: { extraSources?: AlertSource[]; minGapMs?: number; timerMs?: number };
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
  ssh: SshService;
  attestation: AttestationService;
  sites: SitesService;
  survey: SurveyService;
  capacity: CapacityService;
  topology: TopologyService;
  alerts: AlertService;
  demo: DemoFleet | null;
  info(): Promise<AppInfo>;
  status(): AppStatus;
  close(): Promise<void>;
}

export async function createApp(config: AppConfig): Promise<App> {
  const redactor = new Redactor();
  const log = createLogger({ sinks: config.logSinks ?? [new FileLogSink(join(config.dataDir, 'logs', 'cairn.log'))], redactor });
  const db = openDatabase(join(config.dataDir, 'cairn.db'));
  const events = new EventBus();
  const secrets: SecretStore =
    config.secrets === 'ephemeral' ? new MemorySecretStore() : config.secrets === 'keychain' ? await openKeychain() : config.secrets;
  // Simulated clusters get a fresh token every run: it lives in memory, never in the keychain.
  const demoSecrets = new MemorySecretStore();
  const settings = new SettingsRepo(db);
  const connectionsRepo = new ConnectionsRepo(db);
  const gateway = scrubbedGateway(config.gateway ?? new PveGateway(log.child('pve')), redactor);
  const connections = new ConnectionsService(connectionsRepo, secrets, demoSecrets, gateway, redactor, log.child('connections'));
  let demo: DemoFleet | null = null;
  const pveSource = config.clusterSource
    ? null
    : new PveClusterSource({ secretFor: (id) => connections.secretFor(id), siteOf: (id) => demo?.siteOf.get(id), log: log.child('pve') });
  const source: ClusterSource = scrubbedSource(config.clusterSource ?? (pveSource as PveClusterSource), redactor);
  const inventory = new InventoryRepo(db);
  const fleet = new FleetQueries(db, () => settings.get().syncIntervalSeconds, Date.now, inventory);
  const rrd = new RrdService(db, source);
  const custody = new CustodyService({ db, secrets });
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
    ...(config.attestation?.nonce ? { nonce: config.attestation.nonce } : {}),
    ...(config.attestation?.verifyAt ? { verifyAt: config.attestation.verifyAt } : {}),
    ...(config.attestation?.operator ? { operator: config.attestation.operator } : {}),
  });

  // Capacity: HA policies live through the PVE client (none when a test supplies its own source).
  const haPolicies: HaPolicySource | null = pveSource
    ? { fetch: (clusterId, signal) => (pveSource as PveClusterSource).haPolicy(connections.get(clusterId), signal) }
    : null;
  const capacity = new CapacityService({
    db,
    catalogue: await loadServiceCatalogue().catch((err: unknown) => {
      log.warn('service catalogue not loaded', { error: err instanceof Error ? err.message : String(err) });
      return err instanceof Error ? err : new Error(String(err));
    }),
    haPolicies,
    rrd: (clusterId, node, timeframe) => rrd.series(connections.get(clusterId), node, undefined, timeframe),
    attestation: attestation.repo,
    staleClusters: () => new Set(fleet.syncStates().filter((s) => s.state === 'stale' || s.state === 'error').map((s) => s.clusterId)),
  });

  const alerts = new AlertService({
    db,
    settings,
    syncIntervalSeconds: () => settings.get().syncIntervalSeconds,
    log: log.child('alerts'),
    // Capacity forecasts refresh RRD in the background: only for a running console with the PVE client.
    extraSources: [...(config.alerts?.extraSources ?? []), ...(pveSource && config.sync !== false ? [new ForecastSource(capacity)] : [])],
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

  const onSynced = (outcomes: SyncOutcome[]): void => {
    fleet.syncStatesChanged();
    topology.recordSyncs(outcomes);
    const changed = outcomes.filter((o) => o.written + o.deleted > 0).map((o) => o.clusterId);
    if (changed.length) events.emit('fleet:onChanged', { clusterIds: changed });
    events.emit('app:onStatus', status());
    // Conditions may have changed with any outcome (a failure counts too); evaluations coalesce.
    alerts.schedule();
  };
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

  const handlers: Handlers = {
    'app:info': () => info(),
    'app:status': () => status(),
    'settings:get': () => settings.get(),
    'settings:set': (req) => {
      const patch: { theme?: typeof req.theme; syncIntervalSeconds?: number } = {};
      if (req.theme !== undefined) patch.theme = req.theme;
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
      const c = await connections.add(req);
      void sync.syncAll(c.id);
      return c;
    },
    'connections:test': (req) => connections.test(req.id),
    'connections:remove': async (req) => {
      await connections.remove(req.id);
      inventory.forget(req.id);
      workerSync?.forget(req.id);
      events.emit('fleet:onChanged', { clusterIds: [req.id] });
      alerts.schedule();
      return { removed: true as const };
    },
    'connections:repin': (req) => connections.repin(req.id, req.fingerprint),
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
    'attestation:policy:set': (req) => attestation.setPolicy(req),
    'attestation:attestNow': async (req) => {
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
    'custody:appliances': () => custody.board(),
    'custody:appliance': (req) => custody.detail(req.applianceId),
    'custody:createJob': (req) => custody.createJob(req),
    'custody:registerAppliance': (req) => custody.registerAppliance(req),
    'custody:record': (req) => custody.record(req),
    'custody:export': async (req) => {
      const { fileName, text, events } = await custody.exportBundle({ kind: req.scope, id: req.id });
      return { fileName, text, events };
    },
    'custody:verify': (req) => verifyBundle(req.text, req.vkey ? { vkey: req.vkey } : {}),
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
    'survey:sign': (req) => survey.sign(req),
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
    'alerts:setThresholds': (req) => alerts.setThresholds(req),
  };

  const router = createRouter(handlers, log.child('ipc'));
  if (config.sync !== false) {
    sync.start();
    alerts.start();
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
    ssh,
    attestation,
    sites,
    survey,
    capacity,
    alerts,
    topology,
    demo,
    info,
    status,
    close: async () => {
      await sync.stop();
      await alerts.stop();
      pveSource?.close();
      await demo?.close();
      db.close();
    },
  };
}
