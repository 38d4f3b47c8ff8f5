/**
 * `PveClient`: the typed Proxmox VE API client the console uses for one
 * endpoint. Owns the request pipeline (auth headers, one re-authentication
 * after a 401, bounded retries with backoff for GETs only, envelope decoding,
 * schema checking, secret scrubbing of errors) and one method per endpoint
 * the console calls, returning parsed DTOs.
 */
import type { z } from 'zod';
import { Authenticator, type CredentialSource } from './auth';
import { decodeResponse, parseData, type PveEnvelope } from './envelope';
import { PveError, SecretScrubber } from './errors';
import { sleep } from './limiter';
import {
  aclSchema,
  clusterResourcesSchema,
  clusterStatusSchema,
  guestConfigSchema,
  guestListSchema,
  guestStatusSchema,
  haGroupsSchema,
  haResourcesSchema,
  haRulesSchema,
  haStatusSchema,
  networkInterfacesSchema,
  nextIdSchema,
  nodeListSchema,
  nodeStatusSchema,
  nodeStoragesSchema,
  nullSchema,
  poolsSchema,
  rolesSchema,
  rrdDataSchema,
  sdnVnetsSchema,
  sdnZonesSchema,
  snapshotsSchema,
  storageContentsSchema,
  taskListSchema,
  taskLogSchema,
  taskStatusSchema,
  upidOrNullSchema,
  upidSchema,
  usersSchema,
  versionSchema,
  type AclEntry,
  type ClusterResource,
  type ClusterStatusEntry,
  type GuestConfig,
  type GuestListEntry,
  type GuestStatus,
  type GuestType,
  type HaGroup,
  type HaResource,
  type HaRule,
  type HaStatusEntry,
  type NetworkInterface,
  type NodeListEntry,
  type NodeStatus,
  type NodeStorage,
  type Pool,
  type PveRole,
  type PveUser,
  type PveVersion,
  type RrdConsolidation,
  type RrdSample,
  type RrdTimeframe,
  type SdnVnet,
  type SdnZone,
  type Snapshot,
  type StorageContent,
  type TaskListEntry,
  type TaskLogLine,
  type TaskStatus,
} from './schemas';
import { HttpsPveTransport, apiPath, requestVia, type HttpMethod, type HttpsPveTransportOptions, type PveParamValue, type PveParams, type PveTransport } from './transport';
import { parseUpid } from './upid';

export interface RetryPolicy {
  /** Total attempts for an idempotent GET, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 4_000 };

export interface PveClientOptions {
  transport: PveTransport;
  credentials: CredentialSource;
  retry?: Partial<RetryPolicy>;
  /** Milliseconds since the epoch; injectable for ticket-renewal tests. */
  clock?: () => number;
  /** [0, 1); injectable to make backoff jitter deterministic. */
  random?: () => number;
  /** When a ticket session renews (default 1 h 45 min of its 2 h life). */
  ticketRenewAfterMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-attempt deadline; defaults to the transport's. */
  timeoutMs?: number;
}

export interface SchemaCallOptions<S extends z.ZodType> extends CallOptions {
  schema: S;
}

/** Extra parameters PVE accepts beyond the typed ones; passed through as given. */
export type ExtraParams = { [key: string]: PveParamValue };

export interface GuestRef {
  node: string;
  type: GuestType;
  vmid: number;
}

export type GuestStartParams = ExtraParams & { timeout?: number; skiplock?: boolean };
export type GuestStopParams = ExtraParams & { timeout?: number; skiplock?: boolean; keepActive?: boolean; 'overrule-shutdown'?: boolean };
export type GuestShutdownParams = ExtraParams & { timeout?: number; forceStop?: boolean; keepActive?: boolean; skiplock?: boolean };
export type GuestRebootParams = ExtraParams & { timeout?: number };
export type GuestCreateParams = ExtraParams & {
  vmid: number;
  name?: string;
  hostname?: string;
  memory?: number;
  cores?: number;
  sockets?: number;
  ostype?: string;
  pool?: string;
  tags?: string;
  storage?: string;
  start?: boolean;
};
export type GuestCloneParams = ExtraParams & {
  newid: number;
  name?: string;
  hostname?: string;
  target?: string;
  full?: boolean;
  storage?: string;
  pool?: string;
  snapname?: string;
  description?: string;
  bwlimit?: number;
};
export type GuestMigrateParams = ExtraParams & {
  target: string;
  online?: boolean;
  restart?: boolean;
  'with-local-disks'?: boolean;
  targetstorage?: string;
  bwlimit?: number;
};
export type SnapshotCreateParams = ExtraParams & { snapname: string; description?: string; vmstate?: boolean };
export type GuestDeleteParams = ExtraParams & { purge?: boolean; 'destroy-unreferenced-disks'?: boolean; force?: boolean; skiplock?: boolean };
export type VzdumpParams = ExtraParams & {
  vmid?: number | readonly number[];
  all?: boolean;
  storage?: string;
  mode?: 'snapshot' | 'suspend' | 'stop';
  compress?: '0' | '1' | 'gzip' | 'lzo' | 'zstd';
  'notes-template'?: string;
  protected?: boolean;
  remove?: boolean;
};
export type GuestConfigUpdate = ExtraParams & {
  /** Keys to remove. */
  delete?: string | readonly string[];
  /** Fail if the config changed since this digest was read. */
  digest?: string;
};

export interface TaskPage<T> {
  items: T[];
  /** Total count reported by PVE, when it reports one. */
  total?: number;
}

export type HaPlacement =
  | { model: 'rules'; version: string; rules: HaRule[] }
  | { model: 'groups'; version: string; groups: HaGroup[] };

/** Major release number from /version (`release` "9.1", or `version` "9.1.2" / "6.2-4"). */
export function releaseMajor(v: Pick<PveVersion, 'version' | 'release'>): number | undefined {
  for (const s of [v.release, v.version]) {
    const m = /^\s*(\d+)\./.exec(s ?? '');
    if (m?.[1]) return Number(m[1]);
  }
  return undefined;
}

function checkVmid(vmid: number): number {
  if (!Number.isInteger(vmid) || vmid < 1 || vmid > 999_999_999) throw new TypeError('vmid must be an integer between 1 and 999999999');
  return vmid;
}

function guestBase(ref: GuestRef): string {
  if (ref.type !== 'qemu' && ref.type !== 'lxc') throw new TypeError('guest type must be qemu or lxc');
  return apiPath`/nodes/${ref.node}/${ref.type}/${checkVmid(ref.vmid)}`;
}


export class PveClient {
  readonly transport: PveTransport;
  private readonly auth: Authenticator;
  private readonly scrubber = new SecretScrubber();
  private readonly retry: RetryPolicy;
  private readonly random: () => number;

  constructor(opts: PveClientOptions) {
    this.transport = opts.transport;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    if (!Number.isInteger(this.retry.attempts) || this.retry.attempts < 1) throw new RangeError('retry.attempts must be a positive integer');
    this.random = opts.random ?? Math.random;
    this.auth = new Authenticator({
      transport: opts.transport,
      source: opts.credentials,
      scrubber: this.scrubber,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.ticketRenewAfterMs !== undefined ? { renewAfterMs: opts.ticketRenewAfterMs } : {}),
    });
  }

  /** Which credential kind is in use, once the first request has loaded it. */
  get authKind(): 'token' | 'ticket' | undefined {
    return this.auth.kind;
  }

  close(): void {
    this.auth.reset();
    this.transport.close();
  }

  // ---- pipeline ------------------------------------------------------------------

  /** Sends one API call and returns PVE's envelope (`data` plus `total`/`changes`). */
  async request(method: HttpMethod, path: string, params?: PveParams, opts: CallOptions = {}): Promise<PveEnvelope> {
    try {
      return await this.withRetries(method, path, params, opts);
    } catch (e) {
      if (e instanceof PveError) throw this.scrubber.scrubError(e.withRequest(method, path.split('?')[0] ?? path));
      throw e;
    }
  }

  private async withRetries(method: HttpMethod, path: string, params: PveParams | undefined, opts: CallOptions): Promise<PveEnvelope> {
    // Only GETs are repeated: a POST/PUT/DELETE that timed out or lost its
    // connection may have been carried out, and repeating it could start a
    // second task (a second clone, a second migration).
    const attempts = method === 'GET' ? this.retry.attempts : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withAuth(method, path, params, opts);
      } catch (e) {
        if (!(e instanceof PveError) || !e.retryable || attempt >= attempts || opts.signal?.aborted) throw e;
        await sleep(this.backoff(attempt), opts.signal);
      }
    }
  }

  /** Exponential backoff with jitter in [half, full] of the step, so callers hitting one failure spread out. */
  private backoff(failedAttempt: number): number {
    const step = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (failedAttempt - 1));
    return Math.round(step / 2 + (step / 2) * this.random());
  }

  private async withAuth(method: HttpMethod, path: string, params: PveParams | undefined, opts: CallOptions): Promise<PveEnvelope> {
    const ctx = { method, path };
    for (let reauthenticated = false; ; reauthenticated = true) {
      const { headers, generation } = await this.auth.authorize(method, opts.signal);
      const res = await requestVia(this.transport, { method, path, params, headers, timeoutMs: opts.timeoutMs, signal: opts.signal });
      // PVE authenticates before it runs the handler, so a 401 means nothing
      // happened and replaying once with a fresh credential is safe even for writes.
      if (res.status === 401 && !reauthenticated) {
        this.auth.rejected(generation);
        continue;
      }
      return decodeResponse(res, ctx);
    }
  }

  private async data<S extends z.ZodType>(method: HttpMethod, path: string, schema: S, params?: PveParams, opts?: CallOptions): Promise<z.output<S>> {
    const env = await this.request(method, path, params, opts);
    return this.parse(schema, env.data, method, path);
  }

  private parse<S extends z.ZodType>(schema: S, data: unknown, method: HttpMethod, path: string): z.output<S> {
    try {
      return parseData(schema, data, { method, path });
    } catch (e) {
      if (e instanceof PveError) throw this.scrubber.scrubError(e);
      throw e;
    }
  }

  private async page<T>(path: string, schema: z.ZodType<T[]>, params?: PveParams, opts?: CallOptions): Promise<TaskPage<T>> {
    const env = await this.request('GET', path, params, opts);
    const items = this.parse(schema, env.data, 'GET', path);
    return env.total === undefined ? { items } : { items, total: env.total };
  }

  // ---- generic -------------------------------------------------------------------------

  get(path: string, params?: PveParams, opts?: CallOptions): Promise<unknown>;
  get<S extends z.ZodType>(path: string, params: PveParams | undefined, opts: SchemaCallOptions<S>): Promise<z.output<S>>;
  get(path: string, params?: PveParams, opts?: CallOptions & { schema?: z.ZodType }): Promise<unknown> {
    return this.generic('GET', path, params, opts);
  }

  post(path: string, params?: PveParams, opts?: CallOptions): Promise<unknown>;
  post<S extends z.ZodType>(path: string, params: PveParams | undefined, opts: SchemaCallOptions<S>): Promise<z.output<S>>;
  post(path: string, params?: PveParams, opts?: CallOptions & { schema?: z.ZodType }): Promise<unknown> {
    return this.generic('POST', path, params, opts);
  }

  put(path: string, params?: PveParams, opts?: CallOptions): Promise<unknown>;
  put<S extends z.ZodType>(path: string, params: PveParams | undefined, opts: SchemaCallOptions<S>): Promise<z.output<S>>;
  put(path: string, params?: PveParams, opts?: CallOptions & { schema?: z.ZodType }): Promise<unknown> {
    return this.generic('PUT', path, params, opts);
  }

  del(path: string, params?: PveParams, opts?: CallOptions): Promise<unknown>;
  del<S extends z.ZodType>(path: string, params: PveParams | undefined, opts: SchemaCallOptions<S>): Promise<z.output<S>>;
  del(path: string, params?: PveParams, opts?: CallOptions & { schema?: z.ZodType }): Promise<unknown> {
    return this.generic('DELETE', path, params, opts);
  }

  private async generic(method: HttpMethod, path: string, params?: PveParams, opts?: CallOptions & { schema?: z.ZodType }): Promise<unknown> {
    const { schema, ...callOpts } = opts ?? {};
    if (schema) return this.data(method, path, schema, params, callOpts);
    return (await this.request(method, path, params, callOpts)).data;
  }

  // ---- cluster -----------------------------------------------------------------------------

  async version(o?: CallOptions): Promise<PveVersion> {
    return this.data('GET', '/version', versionSchema, undefined, o);
  }

  /** The whole cluster in one call, served from cluster-wide cached state (works with nodes down). */
  async clusterResources(type?: 'vm' | 'storage' | 'node' | 'sdn', o?: CallOptions): Promise<ClusterResource[]> {
    return this.data('GET', '/cluster/resources', clusterResourcesSchema, type ? { type } : undefined, o);
  }

  async clusterStatus(o?: CallOptions): Promise<ClusterStatusEntry[]> {
    return this.data('GET', '/cluster/status', clusterStatusSchema, undefined, o);
  }

  async nextId(vmid?: number, o?: CallOptions): Promise<number> {
    return this.data('GET', '/cluster/nextid', nextIdSchema, vmid === undefined ? undefined : { vmid }, o);
  }

  async haStatus(o?: CallOptions): Promise<HaStatusEntry[]> {
    return this.data('GET', '/cluster/ha/status/current', haStatusSchema, undefined, o);
  }

  async haResources(params?: { type?: 'vm' | 'ct' }, o?: CallOptions): Promise<HaResource[]> {
    return this.data('GET', '/cluster/ha/resources', haResourcesSchema, params, o);
  }

  /** Puts a guest under HA management (`sid` = `vm:100` / `ct:101`). Synchronous. */
  async addHaResource(params: ExtraParams & { sid: string; state?: 'started' | 'stopped' | 'disabled' | 'ignored'; comment?: string }, o?: CallOptions): Promise<void> {
    await this.request('POST', '/cluster/ha/resources', params, o);
  }

  /** Takes a guest out of HA management; the guest itself is left as it is. */
  async removeHaResource(sid: string, o?: CallOptions): Promise<void> {
    await this.request('DELETE', apiPath`/cluster/ha/resources/${sid}`, undefined, o);
  }

  /** PVE 9.x. */
  async haRules(params?: { type?: 'node-affinity' | 'resource-affinity'; resource?: string }, o?: CallOptions): Promise<HaRule[]> {
    return this.data('GET', '/cluster/ha/rules', haRulesSchema, params, o);
  }

  /** PVE 8.x; on 9.x fails with `server` ("ha groups have been migrated to rules"). */
  async haGroups(o?: CallOptions): Promise<HaGroup[]> {
    return this.data('GET', '/cluster/ha/groups', haGroupsSchema, undefined, o);
  }

  /**
   * HA placement constraints in whichever model the cluster uses: node-affinity
   * rules on 9.x, groups on 8.x and older. Picks by /version, and falls back
   * when the answer contradicts it (an 8.x path answering "migrated to rules").
   */
  async haPlacement(o?: CallOptions): Promise<HaPlacement> {
    const v = await this.version(o);
    const major = releaseMajor(v);
    const rules = async (): Promise<HaPlacement> => ({ model: 'rules', version: v.version, rules: await this.haRules(undefined, o) });
    const groups = async (): Promise<HaPlacement> => ({ model: 'groups', version: v.version, groups: await this.haGroups(o) });
    if (major !== undefined && major >= 9) return rules();
    try {
      return await groups();
    } catch (e) {
      if (e instanceof PveError && e.kind === 'server' && /migrated to rules/i.test(e.reason ?? e.message)) return rules();
      throw e;
    }
  }

  async sdnZones(params?: { type?: string; pending?: boolean; running?: boolean }, o?: CallOptions): Promise<SdnZone[]> {
    return this.data('GET', '/cluster/sdn/zones', sdnZonesSchema, params, o);
  }

  async sdnVnets(params?: { pending?: boolean; running?: boolean }, o?: CallOptions): Promise<SdnVnet[]> {
    return this.data('GET', '/cluster/sdn/vnets', sdnVnetsSchema, params, o);
  }

  async pools(params?: { poolid?: string; type?: 'qemu' | 'lxc' | 'storage' }, o?: CallOptions): Promise<Pool[]> {
    return this.data('GET', '/pools', poolsSchema, params, o);
  }

  async users(params?: { enabled?: boolean; full?: boolean }, o?: CallOptions): Promise<PveUser[]> {
    return this.data('GET', '/access/users', usersSchema, params, o);
  }

  async roles(o?: CallOptions): Promise<PveRole[]> {
    return this.data('GET', '/access/roles', rolesSchema, undefined, o);
  }

  async acl(o?: CallOptions): Promise<AclEntry[]> {
    return this.data('GET', '/access/acl', aclSchema, undefined, o);
  }

  // ---- nodes -------------------------------------------------------------------------------------

  async nodes(o?: CallOptions): Promise<NodeListEntry[]> {
    return this.data('GET', '/nodes', nodeListSchema, undefined, o);
  }

  async nodeStatus(node: string, o?: CallOptions): Promise<NodeStatus> {
    return this.data('GET', apiPath`/nodes/${node}/status`, nodeStatusSchema, undefined, o);
  }

  async nodeRrd(node: string, timeframe: RrdTimeframe, cf?: RrdConsolidation, o?: CallOptions): Promise<RrdSample[]> {
    return this.data('GET', apiPath`/nodes/${node}/rrddata`, rrdDataSchema, { timeframe, cf }, o);
  }

  async nodeNetwork(node: string, type?: string, o?: CallOptions): Promise<NetworkInterface[]> {
    return this.data('GET', apiPath`/nodes/${node}/network`, networkInterfacesSchema, type ? { type } : undefined, o);
  }

  async nodeStorage(node: string, params?: { content?: string; enabled?: boolean; storage?: string; target?: string }, o?: CallOptions): Promise<NodeStorage[]> {
    return this.data('GET', apiPath`/nodes/${node}/storage`, nodeStoragesSchema, params, o);
  }

  async storageContent(node: string, storage: string, params?: { content?: string; vmid?: number }, o?: CallOptions): Promise<StorageContent[]> {
    return this.data('GET', apiPath`/nodes/${node}/storage/${storage}/content`, storageContentsSchema, params, o);
  }

  // ---- guests ---------------------------------------------------------------------------------

  async listGuests(node: string, type: GuestType, params?: { full?: boolean }, o?: CallOptions): Promise<GuestListEntry[]> {
    if (type !== 'qemu' && type !== 'lxc') throw new TypeError('guest type must be qemu or lxc');
    return this.data('GET', apiPath`/nodes/${node}/${type}`, guestListSchema, params, o);
  }

  async guestStatus(ref: GuestRef, o?: CallOptions): Promise<GuestStatus> {
    return this.data('GET', `${guestBase(ref)}/status/current`, guestStatusSchema, undefined, o);
  }

  async guestConfig(ref: GuestRef, params?: { current?: boolean; snapshot?: string }, o?: CallOptions): Promise<GuestConfig> {
    return this.data('GET', `${guestBase(ref)}/config`, guestConfigSchema, params, o);
  }

  async guestRrd(ref: GuestRef, timeframe: Exclude<RrdTimeframe, 'decade'>, cf?: RrdConsolidation, o?: CallOptions): Promise<RrdSample[]> {
    return this.data('GET', `${guestBase(ref)}/rrddata`, rrdDataSchema, { timeframe, cf }, o);
  }

  async snapshots(ref: GuestRef, o?: CallOptions): Promise<Snapshot[]> {
    return this.data('GET', `${guestBase(ref)}/snapshot`, snapshotsSchema, undefined, o);
  }

  // Writes below return the UPID of the task they start; follow it with waitForTask.

  async startGuest(ref: GuestRef, params?: GuestStartParams, o?: CallOptions): Promise<string> {
    return this.data('POST', `${guestBase(ref)}/status/start`, upidSchema, params, o);
  }

  /** Hard stop (power cut). */
  async stopGuest(ref: GuestRef, params?: GuestStopParams, o?: CallOptions): Promise<string> {
    return this.data('POST', `${guestBase(ref)}/status/stop`, upidSchema, params, o);
  }

  /** ACPI / guest-agent shutdown. */
  async shutdownGuest(ref: GuestRef, params?: GuestShutdownParams, o?: CallOptions): Promise<string> {
    return this.data('POST', `${guestBase(ref)}/status/shutdown`, upidSchema, params, o);
  }

  async rebootGuest(ref: GuestRef, params?: GuestRebootParams, o?: CallOptions): Promise<string> {
    return this.data('POST', `${guestBase(ref)}/status/reboot`, upidSchema, params, o);
  }

  async createGuest(node: string, type: GuestType, params: GuestCreateParams, o?: CallOptions): Promise<string> {
    if (type !== 'qemu' && type !== 'lxc') throw new TypeError('guest type must be qemu or lxc');
    checkVmid(params.vmid);
    return this.data('POST', apiPath`/nodes/${node}/${type}`, upidSchema, params, o);
  }

  async cloneGuest(ref: GuestRef, params: GuestCloneParams, o?: CallOptions): Promise<string> {
    checkVmid(params.newid);
    return this.data('POST', `${guestBase(ref)}/clone`, upidSchema, params, o);
  }

  async migrateGuest(ref: GuestRef, params: GuestMigrateParams, o?: CallOptions): Promise<string> {
    return this.data('POST', `${guestBase(ref)}/migrate`, upidSchema, params, o);
  }

  async createSnapshot(ref: GuestRef, params: SnapshotCreateParams, o?: CallOptions): Promise<string> {
    return this.data('POST', `${guestBase(ref)}/snapshot`, upidSchema, params, o);
  }

  async deleteSnapshot(ref: GuestRef, snapname: string, params?: { force?: boolean }, o?: CallOptions): Promise<string> {
    return this.data('DELETE', `${guestBase(ref)}${apiPath`/snapshot/${snapname}`}`, upidSchema, params, o);
  }

  async rollbackSnapshot(ref: GuestRef, snapname: string, params?: { start?: boolean }, o?: CallOptions): Promise<string> {
    return this.data('POST', `${guestBase(ref)}${apiPath`/snapshot/${snapname}/rollback`}`, upidSchema, params, o);
  }

  async deleteGuest(ref: GuestRef, params?: GuestDeleteParams, o?: CallOptions): Promise<string> {
    return this.data('DELETE', guestBase(ref), upidSchema, params, o);
  }

  async vzdump(node: string, params: VzdumpParams, o?: CallOptions): Promise<string> {
    return this.data('POST', apiPath`/nodes/${node}/vzdump`, upidSchema, params, o);
  }

  /**
   * Changes guest configuration. By default synchronous (PUT, resolves to null).
   * With `async: true` (qemu only) uses POST, which returns a UPID when the
   * change (e.g. a disk allocation) continues as a task, or null if it finished.
   */
  async updateGuestConfig(ref: GuestRef, params: GuestConfigUpdate, o?: CallOptions & { async?: boolean }): Promise<string | null> {
    const { async: useAsync, ...callOpts } = o ?? {};
    if (useAsync) {
      if (ref.type !== 'qemu') throw new TypeError('asynchronous config updates exist only for qemu guests');
      return this.data('POST', `${guestBase(ref)}/config`, upidOrNullSchema, params, callOpts);
    }
    return this.data('PUT', `${guestBase(ref)}/config`, nullSchema, params, callOpts);
  }

  // ---- tasks ------------------------------------------------------------------------------------

  async nodeTasks(
    node: string,
    params?: {
      start?: number;
      limit?: number;
      vmid?: number;
      typefilter?: string;
      userfilter?: string;
      statusfilter?: string;
      errors?: boolean;
      since?: number;
      until?: number;
      source?: 'archive' | 'active' | 'all';
    },
    o?: CallOptions,
  ): Promise<TaskPage<TaskListEntry>> {
    return this.page(apiPath`/nodes/${node}/tasks`, taskListSchema, params, o);
  }

  /** Status of a task; the node is taken from the UPID (tasks must be polled where they run). */
  async taskStatus(upid: string, o?: CallOptions): Promise<TaskStatus> {
    const { node } = parseUpid(upid);
    return this.data('GET', apiPath`/nodes/${node}/tasks/${upid}/status`, taskStatusSchema, undefined, o);
  }

  /** Log lines from `start` (0-based line offset); `n` in the result is the 1-based line number. */
  async taskLog(upid: string, params?: { start?: number; limit?: number }, o?: CallOptions): Promise<TaskPage<TaskLogLine>> {
    const { node } = parseUpid(upid);
    return this.page(apiPath`/nodes/${node}/tasks/${upid}/log`, taskLogSchema, params, o);
  }

  /** Asks PVE to stop a running task. */
  async stopTask(upid: string, o?: CallOptions): Promise<void> {
    const { node } = parseUpid(upid);
    await this.request('DELETE', apiPath`/nodes/${node}/tasks/${upid}`, undefined, o);
  }
}

export type CreatePveClientOptions = HttpsPveTransportOptions & Omit<PveClientOptions, 'transport'>;

/** A client over HTTPS to `baseUrl`, with its own keep-alive agent and concurrency limit. */
export function createPveClient(opts: CreatePveClientOptions): PveClient {
  const { credentials, retry, clock, random, ticketRenewAfterMs, ...transportOpts } = opts;
  return new PveClient({
    transport: new HttpsPveTransport(transportOpts),
    credentials,
    ...(retry ? { retry } : {}),
    ...(clock ? { clock } : {}),
    ...(random ? { random } : {}),
    ...(ticketRenewAfterMs !== undefined ? { ticketRenewAfterMs } : {}),
  });
}
