/**
 * Where the fleet and connection services meet the Proxmox VE client: a
 * client per connection (pinned fingerprint, token from the keychain), the
 * cluster snapshot the inventory stores, RRD series, and the mapping of the
 * client's PveError kinds onto the contract's closed error codes.
 */
import type { CertificateInfo, RrdPoint, RrdTimeframe } from '../../src-preload/contract';
import type { EndpointGateway } from '../connections/connections-service';
import type { ClusterSource } from '../fleet/inventory-sync';
import type { ClusterSnapshot, GuestSnap, NodeSnap, SiteInfo, StorageSnap } from '../fleet/snapshot';
import {
  createPveClient,
  HttpsPveTransport,
  isGuestResource,
  isNodeResource,
  isPveError,
  isStorageResource,
  probeCertificate,
  splitTags,
  type PveClient,
  type PveError,
} from '../pve';
import type { RawHaPolicy } from '../capacity';
import type { ConnectionRecord } from '../store/connections-repo';
import type { ClusterNetwork, NetworkSource, RawGuestNet } from '../topology';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';

export function toAppException(err: unknown, what: string): AppException {
  if (err instanceof AppException) return err;
  if (!isPveError(err)) return new AppException('internal', `${what}: unexpected failure`, { cause: err });
  const e: PveError = err;
  const details: Record<string, string | number | boolean> = { kind: e.kind };
  if (e.status !== undefined) details.status = e.status;
  if (e.fingerprint) details.fingerprint = e.fingerprint;
  if (e.pinnedFingerprint) details.pinnedFingerprint = e.pinnedFingerprint;
  const msg = `${what}: ${e.message}`;
  switch (e.kind) {
    case 'unauthorized':
      return new AppException('unauthenticated', msg, { details });
    case 'forbidden':
      if (e.permission) details.missing = e.permission.privileges.join(' or ');
      return new AppException('forbidden', msg, { details });
    case 'tls_pin_mismatch':
      return new AppException('tls_pin_mismatch', msg, { details });
    case 'tls_unpinned':
      return new AppException('tls_unpinned', msg, { details });
    case 'timeout':
      return new AppException('timeout', msg, { details });
    case 'node_unreachable':
    case 'dns':
    case 'connection_refused':
    case 'connection_reset':
    case 'network':
    case 'tls':
    case 'aborted':
      return new AppException('unreachable', msg, { details });
    default:
      return new AppException('upstream', msg, { details });
  }
}

interface CachedClient {
  key: string;
  client: PveClient;
  syncs: number;
  version: string | null;
}

/**
 * How long a sync client keeps an idle socket open. A snapshot's requests go
 * out together and reuse each other's sockets at once; the next snapshot is a
 * sync interval (10 s) away, past any idle timeout worth having. A socket
 * left open meanwhile only holds its TLS buffers: with the default 3 s, 500
 * clusters kept about 1,000 of them and some 70 MB (`npm run bench fleet`:
 * peak RSS 314 MB, 244 MB at 300 ms).
 */
const SYNC_IDLE_SOCKET_MS = 500;

/** One keep-alive client per connection, rebuilt when its URL or pin changes. */
class ClientPool {
  private readonly clients = new Map<string, CachedClient>();
  constructor(private readonly secretFor: (id: string) => Promise<string>) {}

  get(conn: ConnectionRecord): CachedClient {
    const key = `${conn.url}|${conn.fingerprint ?? ''}|${conn.tokenId}`;
    const cached = this.clients.get(conn.id);
    if (cached && cached.key === key) return cached;
    cached?.client.close();
    const client = createPveClient({
      baseUrl: conn.url,
      fingerprint: conn.fingerprint ?? undefined,
      timeoutMs: 15_000,
      maxConcurrent: 2,
      idleSocketTimeoutMs: SYNC_IDLE_SOCKET_MS,
      credentials: async () => ({ kind: 'token', tokenId: conn.tokenId, secret: await this.secretFor(conn.id) }),
    });
    const entry: CachedClient = { key, client, syncs: 0, version: null };
    this.clients.set(conn.id, entry);
    return entry;
  }

  /** Sockets the pool's clients hold open, busy or idle. */
  openSockets(): number {
    let n = 0;
    for (const c of this.clients.values()) if (c.client.transport instanceof HttpsPveTransport) n += c.client.transport.openSockets;
    return n;
  }

  closeAll(): void {
    for (const c of this.clients.values()) c.client.close();
    this.clients.clear();
  }
}

export class PveGateway implements EndpointGateway {
  constructor(private readonly log: Logger) {}

  async probe(url: string): Promise<CertificateInfo> {
    try {
      const c = await probeCertificate(url, { timeoutMs: 10_000 });
      return { fingerprint: c.fingerprint, subject: c.subject, issuer: c.issuer, validFrom: c.validFrom, validTo: c.validTo, selfSigned: c.selfSigned };
    } catch (err) {
      throw toAppException(err, `Could not read the certificate of ${new URL(url).host}`);
    }
  }

  async test(conn: ConnectionRecord, secret: string): Promise<{ version: string; latencyMs: number }> {
    const client = createPveClient({
      baseUrl: conn.url,
      fingerprint: conn.fingerprint ?? undefined,
      timeoutMs: 10_000,
      retry: { attempts: 1 },
      credentials: async () => ({ kind: 'token', tokenId: conn.tokenId, secret }),
    });
    const t0 = performance.now();
    try {
      const v = await client.version();
      // /version needs no privilege; /cluster/resources proves the token can read the inventory.
      await client.clusterResources('node');
      return { version: `Proxmox VE ${v.version}${v.release ? ` (release ${v.release})` : ''}`, latencyMs: Math.round(performance.now() - t0) };
    } catch (err) {
      this.log.info('connection test failed', { name: conn.name, error: err instanceof Error ? err.message : String(err) });
      throw toAppException(err, `${conn.name}`);
    } finally {
      client.close();
    }
  }
}

/**
 * Inventory snapshots cost three calls per cluster whatever its size:
 * /cluster/resources already carries every node's and guest's usage, so
 * per-node /nodes/{node}/status calls (12 more on a Pool X-Large) would add
 * nothing the views show.
 */
export class PveClusterSource implements ClusterSource, NetworkSource {
  private readonly pool: ClientPool;
  /** Requests made, for the benchmark's requests-per-cluster figure. */
  requests = 0;

  constructor(
    private readonly opts: {
      secretFor: (id: string) => Promise<string>;
      siteOf: (connectionId: string) => SiteInfo | undefined;
      log: Logger;
    },
  ) {
    this.pool = new ClientPool(opts.secretFor);
  }

  async snapshot(conn: ConnectionRecord, signal: AbortSignal): Promise<ClusterSnapshot> {
    const entry = this.pool.get(conn);
    const { client } = entry;
    const o = { signal };
    try {
      const withVersion = entry.version === null;
      const [resources, status, ha, version] = await Promise.all([
        client.clusterResources(undefined, o),
        client.clusterStatus(o),
        client.haStatus(o).catch(() => []),
        withVersion ? client.version(o).then((v) => v.version) : Promise.resolve(entry.version),
      ]);
      this.requests += withVersion ? 4 : 3;
      entry.version = version;
      const nodes: NodeSnap[] = [];
      const guests: GuestSnap[] = [];
      const storage: StorageSnap[] = [];
      for (const r of resources) {
        if (isGuestResource(r)) {
          guests.push({
            vmid: r.vmid,
            type: r.type,
            name: r.name ?? `${r.type === 'lxc' ? 'CT' : 'VM'} ${r.vmid}`,
            status: r.status ?? 'unknown',
            node: r.node,
            pool: r.pool ?? null,
            tags: splitTags(r.tags),
            cpus: r.maxcpu ?? 0,
            cpu: r.cpu ?? 0,
            mem: r.mem ?? 0,
            maxmem: r.maxmem ?? 0,
            disk: r.disk ?? 0,
            maxdisk: r.maxdisk ?? 0,
            uptime: r.uptime ?? 0,
            template: r.template ?? false,
            hastate: r.hastate ?? null,
          });
        } else if (isNodeResource(r)) {
          nodes.push({
            node: r.node,
            status: r.status === 'online' || r.status === 'offline' ? r.status : 'unknown',
            cpu: r.cpu ?? 0,
            maxcpu: r.maxcpu ?? 0,
            mem: r.mem ?? 0,
            maxmem: r.maxmem ?? 0,
            disk: r.disk ?? 0,
            maxdisk: r.maxdisk ?? 0,
            uptime: r.uptime ?? 0,
          });
        } else if (isStorageResource(r)) {
          storage.push({
            node: r.node,
            storage: r.storage,
            type: r.plugintype ?? 'unknown',
            status: r.status ?? 'unknown',
            shared: r.shared ?? false,
            content: r.content ?? '',
            disk: r.disk ?? 0,
            maxdisk: r.maxdisk ?? 0,
          });
        }
      }
      entry.syncs++;
      const clusterEntry = status.find((s) => s.type === 'cluster');
      const quorum = ha.find((h) => h.type === 'quorum');
      const quorate = clusterEntry?.quorate ?? quorum?.quorate ?? null;
      const name = clusterEntry?.name ?? conn.name;
      return { name, version, quorate, nodes, guests, storage, requests: withVersion ? 4 : 3 };
    } catch (err) {
      throw toAppException(err, conn.name);
    }
  }

  siteOf(conn: ConnectionRecord, snap: ClusterSnapshot): SiteInfo {
    const known = this.opts.siteOf(conn.id);
    if (known) return known;
    const name = conn.site ?? snap.name;
    return { id: `site:${name}`, name, region: 'unassigned', kind: 'edge' };
  }

  async rrd(conn: ConnectionRecord, node: string, vmid: number | undefined, timeframe: RrdTimeframe, signal: AbortSignal): Promise<RrdPoint[]> {
    const { client } = this.pool.get(conn);
    try {
      let samples;
      if (vmid === undefined) samples = await client.nodeRrd(node, timeframe, 'AVERAGE', { signal });
      else {
        const guest = (await client.clusterResources('vm', { signal })).find((r) => isGuestResource(r) && r.vmid === vmid);
        const type = guest && isGuestResource(guest) ? guest.type : 'qemu';
        samples = await client.guestRrd({ node, vmid, type }, timeframe, 'AVERAGE', { signal });
      }
      return samples.map((s) => ({
        time: s.time,
        cpu: s.cpu ?? null,
        mem: s.memused ?? s.mem ?? null,
        maxmem: s.memtotal ?? s.maxmem ?? null,
        netin: s.netin ?? null,
        netout: s.netout ?? null,
      }));
    } catch (err) {
      throw toAppException(err, conn.name);
    }
  }

  /**
   * The network picture of a cluster for the topology map: every online
   * node's interfaces, SDN zones and vnets, and each guest's `netN` lines.
   * Guest configs cost one call per guest (PVE has no bulk config read), so
   * this runs on demand, never in the sync loop; parts that fail are listed
   * as problems and the rest is kept.
   */
  async network(conn: ConnectionRecord, signal: AbortSignal): Promise<ClusterNetwork> {
    const { client } = this.pool.get(conn);
    const o = { signal };
    const problems: string[] = [];
    const why = (err: unknown): string => toAppException(err, conn.name).message;
    let resources;
    try {
      resources = await client.clusterResources(undefined, o);
    } catch (err) {
      throw toAppException(err, conn.name);
    }
    const nodeNames = resources.filter(isNodeResource).map((r) => ({ node: r.node, online: r.status === 'online' }));
    const [nodes, zones, vnets] = await Promise.all([
      Promise.all(
        nodeNames.map(async ({ node, online }) => {
          if (!online) return { node, interfaces: null, error: `${node} is offline` };
          try {
            const list = await client.nodeNetwork(node, undefined, o);
            return {
              node,
              error: null,
              interfaces: list.map((i) => ({
                iface: i.iface,
                type: String(i.type),
                active: i.active ?? null,
                bridgePorts: i.bridge_ports ?? null,
                vlanAware: i.bridge_vlan_aware ?? null,
                slaves: i.slaves ?? null,
                vlanId: i['vlan-id'] ?? null,
                vlanRawDevice: i['vlan-raw-device'] ?? null,
                cidr: i.cidr ?? null,
                comments: i.comments?.trim() || null,
              })),
            };
          } catch (err) {
            return { node, interfaces: null, error: why(err) };
          }
        }),
      ),
      client.sdnZones(undefined, o).then(
        (zs) => zs.map((z) => ({ zone: z.zone, type: String(z.type), bridge: z.bridge ?? null, tag: z.tag ?? null })),
        (err: unknown) => {
          problems.push(`SDN zones not readable: ${why(err)}`);
          return null;
        },
      ),
      client.sdnVnets(undefined, o).then(
        (vs) => vs.map((v) => ({ vnet: v.vnet, zone: v.zone ?? null, tag: v.tag ?? null, alias: v.alias ?? null })),
        (err: unknown) => {
          problems.push(`SDN vnets not readable: ${why(err)}`);
          return null;
        },
      ),
    ]);
    const online = new Set(nodeNames.filter((n) => n.online).map((n) => n.node));
    const guests: RawGuestNet[] = [];
    let failed = 0;
    let firstError = '';
    const todo = resources.filter(isGuestResource).filter((g) => !g.template);
    // The client's limiter queues these; batches only bound the promises alive at once.
    for (let i = 0; i < todo.length; i += 64) {
      await Promise.all(
        todo.slice(i, i + 64).map(async (g) => {
          if (!online.has(g.node)) {
            failed++;
            firstError ||= `${g.node} is offline`;
            return;
          }
          try {
            const config = await client.guestConfig({ node: g.node, vmid: g.vmid, type: g.type }, undefined, o);
            const net: Record<string, string> = {};
            for (const [k, v] of Object.entries(config)) if (/^net\d+$/.test(k) && typeof v === 'string') net[k] = v;
            guests.push({ vmid: g.vmid, type: g.type, node: g.node, name: g.name ?? `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid}`, status: g.status ?? 'unknown', net });
          } catch (err) {
            if (signal.aborted) throw toAppException(err, conn.name);
            failed++;
            firstError ||= why(err);
          }
        }),
      );
    }
    if (failed) problems.push(`${failed} guest config${failed === 1 ? '' : 's'} not readable (${firstError})`);
    guests.sort((a, b) => a.vmid - b.vmid);
    return { nodes, zones, vnets, guests, problems };
  }

  /**
   * The pool's HA placement policy for capacity planning: 9.x rules, or 8.x
   * groups with each resource's group (groups alone do not say which guests
   * they bind). Raw, as the cluster answers; the capacity engine normalises it.
   */
  async haPolicy(conn: ConnectionRecord, signal: AbortSignal): Promise<RawHaPolicy> {
    const { client } = this.pool.get(conn);
    try {
      const placement = await client.haPlacement({ signal });
      if (placement.model === 'rules') return { model: 'rules', rules: placement.rules };
      return { model: 'groups', groups: placement.groups, resources: await client.haResources(undefined, { signal }) };
    } catch (err) {
      throw toAppException(err, conn.name);
    }
  }

  /** The shared keep-alive client of a connection, for the operation engine's writes. */
  client(conn: ConnectionRecord): PveClient {
    return this.pool.get(conn).client;
  }

  /** Sockets open to the clusters (for tests and diagnostics). */
  openSockets(): number {
    return this.pool.openSockets();
  }

  close(): void {
    this.pool.closeAll();
  }
}
