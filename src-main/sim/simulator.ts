// Composition of the simulator: validates options, generates the fleet, wires state, task
// engines, auth, faults, routes and listeners, and exposes the public SimHandle. Tests use
// createSimulator directly to inject a manual clock and reach the internals; everyone else goes
// through startSimulator in index.ts.

import { randomBytes, randomUUID } from 'node:crypto';
import { AuthService } from './auth';
import { generateCertificate } from './certificate';
import { systemClock, type Clock } from './clock';
import { FaultStore } from './faults';
import { generateFleet } from './generate';
import { accessRoutes } from './handlers/access';
import { clusterRoutes } from './handlers/cluster';
import { guestRoutes } from './handlers/guests';
import { haRoutes } from './handlers/ha';
import { nodeRoutes } from './handlers/nodes';
import { taskRoutes } from './handlers/tasks';
import { nodeHistory } from './history';
import { SimHttpServer } from './http-server';
import type { ClusterState } from './model';
import { Router, type RouteDef, type SimRuntime } from './routes';
import { ClusterTasks } from './tasks';
import type { SimHandle, SimOptions } from './types';

export const TOKEN_USER = 'cairn@pve';
export const TOKEN_NAME = 'console';
/** A read-only (PVEAuditor) token, for exercising 403s. Not part of the public handle. */
export const AUDIT_TOKEN_NAME = 'audit';
const DATA_CENTRE_POOLS_MAX_SITES = 50;

export interface SimInternals {
  /** Injectable clock: task progress, ticket expiry and metrics read it. */
  clock?: Clock;
}

export interface Simulator {
  handle: SimHandle;
  runtime: SimRuntime;
  server: SimHttpServer;
  router: Router;
  auth: AuthService;
  /** "PVEAPIToken=cairn@pve!audit=<uuid>" for the read-only identity. */
  auditToken: string;
}

export function allRoutes(auth: AuthService): RouteDef[] {
  return [...accessRoutes(auth), ...clusterRoutes(), ...haRoutes(), ...nodeRoutes(), ...taskRoutes(), ...guestRoutes()];
}

export async function createSimulator(opts: SimOptions, internals: SimInternals = {}): Promise<Simulator> {
  const o = normalise(opts);
  const clock = internals.clock ?? systemClock;
  const generated = generateFleet(o, clock.now());
  if (generated.length === 0) throw new RangeError('the simulated fleet needs at least one cluster (sites > 0 or dataCentrePools)');

  const clusters: ClusterState[] = generated.map((g) => {
    const cluster = { ...g, flocks: new Map() } as Omit<ClusterState, 'tasks'> & { tasks?: ClusterTasks };
    cluster.tasks = new ClusterTasks(
      g.seed,
      (node) => g.nodeByName.get(node)?.bootMs ?? g.epochMs,
      { history: (node) => nodeHistory(cluster as ClusterState, node) },
    );
    return cluster as ClusterState;
  });

  const tokenSecret = randomUUID();
  const auditSecret = randomUUID();
  const auth = new AuthService({
    clock,
    user: o.user,
    password: o.password,
    tokens: [
      { userid: TOKEN_USER, tokenid: TOKEN_NAME, secret: tokenSecret, role: 'admin' },
      { userid: TOKEN_USER, tokenid: AUDIT_TOKEN_NAME, secret: auditSecret, role: 'auditor' },
    ],
  });
  const runtime: SimRuntime = {
    clock,
    seed: o.seed,
    clusters,
    byId: new Map(clusters.map((c) => [c.info.id, c])),
    faults: new FaultStore(new Set(clusters.map((c) => c.info.id))),
    taskSpeed: o.taskSpeed,
  };
  const router = new Router(allRoutes(auth));
  const server = new SimHttpServer(runtime, auth, router, generateCertificate());
  await server.listen(o.port);

  const first = clusters[0] as ClusterState;
  const tokenId = `${TOKEN_USER}!${TOKEN_NAME}`;
  let closed: Promise<void> | undefined;
  const handle: SimHandle = {
    get url() {
      return first.info.url;
    },
    get fingerprint() {
      return first.info.fingerprint;
    },
    tokenId,
    tokenSecret,
    token: `PVEAPIToken=${tokenId}=${tokenSecret}`,
    user: o.user,
    password: o.password,
    clusters: clusters.map((c) => c.info),
    faults: {
      set: (id, patch) => runtime.faults.set(id, patch),
      get: (id) => runtime.faults.get(id),
      clear: (id) => runtime.faults.clear(id),
      rotateCertificate: async (id) => server.rotateCertificate(id),
    },
    close: () => (closed ??= server.close()),
  };
  return { handle, runtime, server, router, auth, auditToken: `PVEAPIToken=${TOKEN_USER}!${AUDIT_TOKEN_NAME}=${auditSecret}` };
}

interface Normalised {
  sites: number;
  seed: number;
  port: number;
  hostsPerSite: number | undefined;
  guestsPerSite: number | undefined;
  dataCentrePools: boolean;
  taskSpeed: number;
  user: string;
  password: string;
}

function normalise(opts: SimOptions): Normalised {
  const int = (name: string, v: number, min: number, max: number): number => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer within ${min}..${max}`);
    return v;
  };
  const sites = int('sites', opts.sites, 0, 100_000);
  if (!Number.isFinite(opts.seed)) throw new RangeError('seed must be a finite number');
  const taskSpeed = opts.taskSpeed ?? 1;
  if (!(taskSpeed > 0) || !Number.isFinite(taskSpeed)) throw new RangeError('taskSpeed must be > 0');
  const user = opts.user ?? 'root@pam';
  if (!/^[^\s:!@]+@[A-Za-z][A-Za-z0-9.\-_]+$/.test(user)) throw new RangeError(`user must look like name@realm, got '${user}'`);
  return {
    sites,
    seed: Math.trunc(opts.seed),
    port: int('port', opts.port ?? 0, 0, 65_535),
    hostsPerSite: opts.hostsPerSite === undefined ? undefined : int('hostsPerSite', opts.hostsPerSite, 1, 64),
    guestsPerSite: opts.guestsPerSite === undefined ? undefined : int('guestsPerSite', opts.guestsPerSite, 0, 100_000),
    dataCentrePools: opts.dataCentrePools ?? sites <= DATA_CENTRE_POOLS_MAX_SITES,
    taskSpeed,
    user,
    password: opts.password ?? randomBytes(18).toString('base64url'),
  };
}
