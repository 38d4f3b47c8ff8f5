/**
 * Topology: the map's graphs, built from the SQLite inventory cache (and
 * the cached network pictures), plus saved layouts. Fleet level: regions
 * with aggregated sites, each region expandable to its sites and their WAN
 * links to the regional hub. Site level: clusters, pools, hosts, shared
 * storage, networks and guests grouped per host. Host level: its storage
 * and its guests grouped per pool, with badges. Network view: bridges,
 * bonds, VLANs, SDN zones and vnets, and which guests attach where.
 *
 * Plain Node; the renderer does the layout.
 */
import type { ClusterSync, SiteRow, TopoBadge, TopoEdge, TopoGraph, TopoNode, TopoPosition, TopoSearchEntry, TopoStatus } from '../../src-preload/contract';
import type { ConnectionRecord } from '../store/connections-repo';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { edge, groupBy, node } from './graph-parts';
import { buildNetworkGraph } from './network-graph';
import type { NetworkSource } from './network-source';
import { clusterStatus, guestStatus, hostStatus, siteStatus, storageStatus, wanStatus, worstStatus } from './status';
import { LayoutStore, NetworkCache, type CachedNetwork } from './stores';

/** The newest attestation verdict per guest, keyed `${clusterId}/${vmid}`. */
export type AttestationLookup = () => Map<string, { verdict: string; at: string }>;

export interface TopologyServiceOptions {
  db: Db;
  sites: () => SiteRow[];
  syncStates: () => ClusterSync[];
  attestations: AttestationLookup;
  /** How old a passing attestation may be and still count (seconds). */
  attestationMaxAgeSeconds: number;
  network: NetworkSource;
  connection: (id: string) => ConnectionRecord | undefined;
  operator: string;
  log: Logger;
  now?: () => Date;
  /** Live network reads give up after this long (default 60 s). */
  networkTimeoutMs?: number;
}

interface ClusterRow {
  id: string;
  name: string;
  site_id: string;
  version: string | null;
  quorate: number | null;
}
interface NodeRow {
  cluster_id: string;
  node: string;
  status: string;
  maxcpu: number;
  maxmem: number;
}
interface GuestRow {
  cluster_id: string;
  vmid: number;
  name: string;
  type: 'qemu' | 'lxc';
  status: string;
  node: string;
  pool: string | null;
  tags: string;
  tenant: string | null;
  hastate: string | null;
}
interface StorageRow {
  cluster_id: string;
  node: string;
  storage: string;
  type: string;
  status: string;
  shared: number;
  disk: number;
  maxdisk: number;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const natural = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
const TB = 1e12;

export class TopologyService {
  readonly layouts: LayoutStore;
  readonly networks: NetworkCache;
  private readonly now: () => Date;

  constructor(private readonly o: TopologyServiceOptions) {
    this.layouts = new LayoutStore(o.db, o.operator);
    this.networks = new NetworkCache(o.db);
    this.now = o.now ?? (() => new Date());
  }

  /** Round-trip time of each cluster's last successful sync (this run only): the console's measure of its link to the site. */
  private readonly syncMs = new Map<string, number>();

  recordSyncs(outcomes: readonly { clusterId: string; ok: boolean; ms: number }[]): void {
    for (const o of outcomes) if (o.ok) this.syncMs.set(o.clusterId, o.ms);
  }

  private graph(g: Omit<TopoGraph, 'layout' | 'generatedAt' | 'source'> & { source?: TopoGraph['source'] }): TopoGraph {
    return { ...g, layout: this.layouts.get(g.view), generatedAt: this.now().toISOString(), source: g.source ?? null };
  }

  private syncByCluster(): Map<string, ClusterSync> {
    return new Map(this.o.syncStates().map((s) => [s.clusterId, s]));
  }

  private clustersOf(siteId: string): ClusterRow[] {
    return (this.o.db.prepare('SELECT id, name, site_id, version, quorate FROM fleet_clusters WHERE site_id = ?').all(siteId) as ClusterRow[]).sort((a, b) => natural(a.name, b.name));
  }

  private site(siteId: string): SiteRow {
    const site = this.o.sites().find((s) => s.id === siteId);
    if (!site) throw new AppException('not_found', `No site ${siteId} in the inventory`, { field: 'siteId' });
    return site;
  }

  private badges(g: GuestRow, attest: Map<string, { verdict: string; at: string }>): TopoBadge[] {
    const out: TopoBadge[] = [];
    if (g.hastate) out.push('ha');
    if ((';' + g.tags + ';').includes(';confidential;')) out.push('confidential');
    const a = attest.get(`${g.cluster_id}/${g.vmid}`);
    if (a?.verdict === 'accept' && this.now().getTime() - Date.parse(a.at) <= this.o.attestationMaxAgeSeconds * 1000) out.push('attested');
    else if (a?.verdict === 'reject') out.push('attestation-failed');
    return out;
  }

  // ---- fleet ------------------------------------------------------------------------------

  fleet(expanded: readonly string[]): TopoGraph {
    const sites = this.o.sites();
    const sync = this.syncByCluster();
    const clustersBySite = new Map<string, string[]>();
    for (const c of this.o.db.prepare('SELECT id, site_id FROM fleet_clusters').all() as { id: string; site_id: string }[]) {
      const list = clustersBySite.get(c.site_id) ?? [];
      list.push(c.id);
      clustersBySite.set(c.site_id, list);
    }
    const regions = groupBy(sites, (s) => s.region);
    const open = new Set(expanded);
    const nodes: TopoNode[] = [];
    const edges: TopoEdge[] = [];
    const search: TopoSearchEntry[] = [];

    for (const [region, members] of [...regions].sort(([a], [b]) => natural(a, b))) {
      const rid = `region:${region}`;
      const statuses = members.map((s) => siteStatus(s.health, s.stale));
      const tally = (['down', 'stale', 'degraded', 'unknown'] as const).map((st) => [st, statuses.filter((x) => x === st).length] as const).filter(([, n]) => n > 0);
      const hosts = members.reduce((a, s) => a + s.hosts, 0);
      const guests = members.reduce((a, s) => a + s.guests, 0);
      const isOpen = open.has(region);
      nodes.push(
        node({
          id: rid,
          kind: 'region',
          label: region,
          detail: `${plural(members.length, 'site')} · ${plural(hosts, 'host')} · ${plural(guests, 'guest')}`,
          status: worstStatus(statuses),
          expand: region,
          title: tally.length ? tally.map(([st, n]) => `${n} ${st}`).join(', ') : 'every site up',
          members: members.length,
        }),
      );
      search.push({ id: rid, label: region, detail: 'region', expand: null });
      // The regional hub: the region's data-centre site when it has one, else the region itself.
      const hub = members.find((s) => s.kind === 'datacentre');
      for (const s of members) search.push({ id: s.id, label: s.name, detail: `${s.kind === 'edge' ? 'edge site' : 'data centre'} · ${region}`, expand: region });
      if (!isOpen) continue;
      const groupId = `group:${rid}`;
      const edgeSites = members.filter((s) => s !== hub);
      const wanOf = (s: SiteRow): { status: TopoStatus; title: string } => {
        const ids = clustersBySite.get(s.id) ?? [];
        const wan = wanStatus(ids.map((c) => sync.get(c)));
        const ms = ids.map((c) => this.syncMs.get(c)).filter((x): x is number => x !== undefined);
        // A sync is three API calls in parallel plus storing the answer: an upper bound on the link's round trip, not a ping.
        return ms.length ? { ...wan, title: `${wan.title}; last sync ${Math.round(Math.max(...ms))} ms` } : wan;
      };
      const siteNode = (s: SiteRow, group: string | null): TopoNode => {
        const wan = wanOf(s);
        return node({
          id: s.id,
          kind: 'site',
          label: s.name,
          detail: `${s.kind === 'edge' ? 'edge' : 'DC'} · ${s.hostsOnline}/${s.hosts} hosts · ${plural(s.guests, 'guest')}`,
          status: siteStatus(s.health, s.stale),
          group,
          drill: { level: 'site', siteId: s.id },
          title: [s.staleReason ? `stale: ${s.staleReason}` : '', wan.title].filter(Boolean).join(' · '),
        });
      };
      let hubId = rid;
      if (hub) {
        nodes.push(siteNode(hub, null));
        edges.push(edge(rid, hub.id, 'contains'));
        hubId = hub.id;
      }
      if (edgeSites.length) {
        nodes.push(node({ id: groupId, kind: 'group', label: `${region}: ${plural(edgeSites.length, 'edge site')}`, members: edgeSites.length, status: worstStatus(edgeSites.map((s) => siteStatus(s.health, s.stale))) }));
        edges.push(edge(hubId, groupId, 'contains'));
        for (const s of edgeSites) {
          nodes.push(siteNode(s, groupId));
          const wan = wanOf(s);
          edges.push({ ...edge(hubId, s.id, 'wan', wan.status), label: wan.title });
        }
      }
    }
    return this.graph({ level: 'fleet', view: 'fleet', title: 'Fleet', crumbs: [{ label: 'Fleet', target: { level: 'fleet' } }], nodes, edges, search });
  }

  // ---- site -------------------------------------------------------------------------------

  private crumbsFor(site: SiteRow): TopoGraph['crumbs'] {
    return [
      { label: 'Fleet', target: { level: 'fleet' } },
      { label: site.name, target: { level: 'site', siteId: site.id } },
    ];
  }

  siteGraph(siteId: string): TopoGraph {
    const site = this.site(siteId);
    const sync = this.syncByCluster();
    const clusters = this.clustersOf(siteId);
    const attest = this.o.attestations();
    const nodes: TopoNode[] = [];
    const edges: TopoEdge[] = [];
    const search: TopoSearchEntry[] = [];
    nodes.push(node({ id: site.id, kind: 'site', label: site.name, detail: `${site.region} · ${site.kind === 'edge' ? 'edge site' : 'data centre'}`, status: siteStatus(site.health, site.stale), title: site.staleReason ?? '' }));
    for (const c of clusters) {
      const s = sync.get(c.id);
      const hosts = (this.o.db.prepare('SELECT cluster_id, node, status, maxcpu, maxmem FROM fleet_nodes WHERE cluster_id = ?').all(c.id) as NodeRow[]).sort((a, b) => natural(a.node, b.node));
      const guests = this.o.db
        .prepare('SELECT cluster_id, vmid, name, type, status, node, pool, tags, tenant, hastate FROM fleet_guests WHERE cluster_id = ? AND template = 0 ORDER BY name, vmid')
        .all(c.id) as GuestRow[];
      const online = hosts.filter((h) => h.status === 'online').length;
      const cid = `cluster:${c.id}`;
      nodes.push(
        node({
          id: cid,
          kind: 'cluster',
          label: c.name,
          detail: `${c.version ? `PVE ${c.version} · ` : ''}${online}/${hosts.length} hosts${c.quorate === 0 ? ' · no quorum' : ''}`,
          status: clusterStatus(s, c.quorate === null ? null : c.quorate === 1, hosts.length, online),
          title: s ? (s.lastError ? `last sync error: ${s.lastError}` : `synced ${s.stalenessSeconds ?? '?'} s ago`) : 'never synced',
        }),
      );
      edges.push(edge(site.id, cid, 'contains'));
      search.push({ id: cid, label: c.name, detail: 'cluster', expand: null });

      const pools = groupBy(guests.filter((g) => g.pool !== null), (g) => g.pool as string);
      for (const [pool, members] of [...pools].sort(([a], [b]) => natural(a, b))) {
        const pid = `pool:${c.id}/${pool}`;
        const running = members.filter((g) => g.status === 'running').length;
        nodes.push(node({ id: pid, kind: 'pool', label: pool, detail: `pool · ${running}/${members.length} guests running`, status: worstStatus(members.map((g) => guestStatus(g.status, g.hastate, s)).filter((x) => x !== 'unknown')) }));
        edges.push(edge(cid, pid, 'contains'));
      }

      const storages = this.o.db.prepare('SELECT cluster_id, node, storage, type, status, shared, disk, maxdisk FROM fleet_storage WHERE cluster_id = ? AND shared = 1').all(c.id) as StorageRow[];
      const byName = groupBy(storages, (st) => st.storage);
      for (const [name, rows] of [...byName].sort(([a], [b]) => natural(a, b))) {
        const sid = `storage:${c.id}/${name}`;
        const first = rows[0] as StorageRow;
        nodes.push(
          node({
            id: sid,
            kind: 'storage',
            label: name,
            detail: `${first.type} · shared · ${(first.disk / TB).toFixed(1)}/${(first.maxdisk / TB).toFixed(1)} TB`,
            status: worstStatus(rows.map((r) => storageStatus(r.status, s))),
            title: rows.filter((r) => r.status !== 'available').map((r) => `${r.node}: ${r.status}`).join(', '),
          }),
        );
        edges.push(edge(cid, sid, 'storage'));
      }

      const cached = this.networks.get(c.id);
      const nid = `network:${c.id}`;
      nodes.push(
        node({
          id: nid,
          kind: 'network',
          label: 'Networks',
          detail: cached ? networkSummary(cached) : 'not read yet: open the network view',
          status: cached ? (s?.state === 'ok' ? 'up' : 'stale') : 'unknown',
          drill: { level: 'network', siteId },
          title: cached ? `read ${cached.fetchedAt}` : '',
        }),
      );
      edges.push(edge(cid, nid, 'network'));

      const onHost = groupBy(guests, (g) => g.node);
      for (const h of hosts) {
        const hid = `host:${c.id}/${h.node}`;
        const mine = onHost.get(h.node) ?? [];
        const running = mine.filter((g) => g.status === 'running').length;
        nodes.push(
          node({
            id: hid,
            kind: 'host',
            label: h.node,
            detail: `${h.status} · ${running}/${mine.length} guests running`,
            status: hostStatus(h.status, s),
            drill: { level: 'host', clusterId: c.id, node: h.node },
          }),
        );
        edges.push(edge(cid, hid, 'contains', hostStatus(h.status, s)));
        search.push({ id: hid, label: h.node, detail: `host · ${c.name}`, expand: null });
        if (mine.length === 0) continue;
        const gid = `group:${hid}`;
        nodes.push(node({ id: gid, kind: 'group', label: `${h.node}: ${plural(mine.length, 'guest')}`, members: mine.length, status: worstStatus(mine.map((g) => guestStatus(g.status, g.hastate, s))) }));
        edges.push(edge(hid, gid, 'contains'));
        for (const g of mine) {
          const id = `guest:${c.id}/${g.vmid}`;
          nodes.push(this.guestNode(g, s, attest, gid, id));
          search.push({ id, label: g.name, detail: `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} · ${g.node}`, expand: null });
        }
      }
    }
    return this.graph({ level: 'site', view: `site:${siteId}`, title: site.name, crumbs: this.crumbsFor(site), nodes, edges, search });
  }

  private guestNode(g: GuestRow, s: ClusterSync | undefined, attest: Map<string, { verdict: string; at: string }>, group: string, id: string): TopoNode {
    return node({
      id,
      kind: 'guest',
      label: g.name,
      detail: `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} · ${g.status}${g.tenant ? ` · ${g.tenant}` : ''}`,
      status: guestStatus(g.status, g.hastate, s),
      badges: this.badges(g, attest),
      group,
      drill: { level: 'host', clusterId: g.cluster_id, node: g.node },
      title: g.hastate ? `HA: ${g.hastate}` : '',
    });
  }

  // ---- host -------------------------------------------------------------------------------

  hostGraph(clusterId: string, nodeName: string): TopoGraph {
    const c = this.o.db.prepare('SELECT id, name, site_id, version, quorate FROM fleet_clusters WHERE id = ?').get(clusterId) as ClusterRow | undefined;
    if (!c) throw new AppException('not_found', `No cluster ${clusterId} in the inventory`, { field: 'clusterId' });
    const h = this.o.db.prepare('SELECT cluster_id, node, status, maxcpu, maxmem FROM fleet_nodes WHERE cluster_id = ? AND node = ?').get(clusterId, nodeName) as NodeRow | undefined;
    if (!h) throw new AppException('not_found', `No host ${nodeName} in that cluster`, { field: 'node' });
    const site = this.site(c.site_id);
    const s = this.syncByCluster().get(clusterId);
    const attest = this.o.attestations();
    const guests = this.o.db
      .prepare('SELECT cluster_id, vmid, name, type, status, node, pool, tags, tenant, hastate FROM fleet_guests WHERE cluster_id = ? AND node = ? AND template = 0 ORDER BY name, vmid')
      .all(clusterId, nodeName) as GuestRow[];
    const nodes: TopoNode[] = [];
    const edges: TopoEdge[] = [];
    const search: TopoSearchEntry[] = [];
    const hid = `host:${clusterId}/${nodeName}`;
    const running = guests.filter((g) => g.status === 'running').length;
    nodes.push(
      node({
        id: hid,
        kind: 'host',
        label: nodeName,
        detail: `${c.name} · ${h.maxcpu} cores · ${Math.round(h.maxmem / 2 ** 30)} GiB · ${running}/${guests.length} running`,
        status: hostStatus(h.status, s),
        title: s?.lastError ?? '',
      }),
    );
    const storages = this.o.db.prepare('SELECT cluster_id, node, storage, type, status, shared, disk, maxdisk FROM fleet_storage WHERE cluster_id = ? AND node = ? ORDER BY storage').all(clusterId, nodeName) as StorageRow[];
    for (const st of storages) {
      const sid = `storage:${clusterId}/${nodeName}/${st.storage}`;
      nodes.push(node({ id: sid, kind: 'storage', label: st.storage, detail: `${st.type}${st.shared ? ' · shared' : ''} · ${(st.disk / TB).toFixed(1)}/${(st.maxdisk / TB).toFixed(1)} TB`, status: storageStatus(st.status, s) }));
      edges.push(edge(hid, sid, 'storage'));
    }
    const cached = this.networks.get(clusterId);
    const ifaces = cached?.network.nodes.find((n) => n.node === nodeName)?.interfaces ?? [];
    for (const i of ifaces.filter((x) => x.type === 'bridge' || x.type === 'OVSBridge')) {
      const bid = `bridge:${clusterId}/${nodeName}/${i.iface}`;
      nodes.push(node({ id: bid, kind: 'bridge', label: i.iface, detail: [i.comments, i.cidr, i.vlanAware ? 'VLAN-aware' : ''].filter(Boolean).join(' · '), status: i.active === false ? 'down' : cached && s?.state === 'ok' ? 'up' : 'stale', drill: { level: 'network', siteId: site.id } }));
      edges.push(edge(hid, bid, 'network'));
    }
    const byPool = groupBy(guests, (g) => g.pool ?? '(no pool)');
    for (const [pool, members] of [...byPool].sort(([a], [b]) => natural(a, b))) {
      const gid = `group:${hid}/${pool}`;
      nodes.push(node({ id: gid, kind: 'group', label: `${pool}: ${plural(members.length, 'guest')}`, members: members.length, status: worstStatus(members.map((g) => guestStatus(g.status, g.hastate, s))) }));
      edges.push(edge(hid, gid, 'contains'));
      for (const g of members) {
        const id = `guest:${clusterId}/${g.vmid}`;
        nodes.push({ ...this.guestNode(g, s, attest, gid, id), drill: null });
        search.push({ id, label: g.name, detail: `${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid}${g.tenant ? ` · ${g.tenant}` : ''}`, expand: null });
      }
    }
    return this.graph({
      level: 'host',
      view: `host:${clusterId}/${nodeName}`,
      title: nodeName,
      crumbs: [...this.crumbsFor(site), { label: nodeName, target: { level: 'host', clusterId, node: nodeName } }],
      nodes,
      edges,
      search,
    });
  }

  // ---- network ----------------------------------------------------------------------------

  async networkGraph(siteId: string, refresh: boolean): Promise<TopoGraph> {
    const site = this.site(siteId);
    const clusters = this.clustersOf(siteId);
    const sync = this.syncByCluster();
    const problems: string[] = [];
    const pictures: CachedNetwork[] = [];
    let live = true;
    for (const c of clusters) {
      let cached = this.networks.get(c.id);
      if (refresh || !cached) {
        const conn = this.o.connection(c.id);
        const at = this.now().toISOString();
        try {
          if (!conn) throw new AppException('not_found', `No connection for cluster ${c.name}`);
          const network = await this.o.network.network(conn, AbortSignal.timeout(this.o.networkTimeoutMs ?? 60_000));
          this.networks.put(c.id, at, network);
          cached = { clusterId: c.id, fetchedAt: at, network };
        } catch (err) {
          const message = err instanceof AppException ? err.message : 'unexpected failure (see the Cairn log)';
          if (!(err instanceof AppException)) this.o.log.error('network read failed', { cluster: c.name, error: err instanceof Error ? err.message : String(err) });
          this.networks.failed(c.id, at, message);
          problems.push(cached ? `${c.name}: live read failed, showing the picture of ${cached.fetchedAt}: ${message}` : `${c.name}: ${message}`);
          live = false;
        }
      } else live = false;
      if (cached) pictures.push(cached);
    }
    const oldest = pictures.map((p) => p.fetchedAt).sort()[0] ?? null;
    const built = buildNetworkGraph(
      site.id,
      clusters.map((c) => ({ id: c.id, name: c.name, sync: sync.get(c.id), picture: pictures.find((p) => p.clusterId === c.id) ?? null })),
    );
    const view = `network:${siteId}`;
    return this.graph({
      level: 'network',
      view,
      title: `${site.name} networks`,
      crumbs: [...this.crumbsFor(site), { label: 'Networks', target: { level: 'network', siteId } }],
      nodes: built.nodes,
      edges: built.edges,
      search: built.search,
      source: {
        fetchedAt: oldest,
        ageSeconds: oldest ? Math.max(0, Math.round((this.now().getTime() - Date.parse(oldest)) / 1000)) : null,
        cached: !live,
        problems: [...problems, ...built.problems],
      },
    });
  }

  // ---- layouts ----------------------------------------------------------------------------

  saveLayout(view: string, positions: Record<string, TopoPosition>): { saved: number } {
    return { saved: this.layouts.save(view, positions, this.now().toISOString()) };
  }

  resetLayout(view: string): { reset: true } {
    this.layouts.reset(view);
    return { reset: true };
  }
}

function networkSummary(c: CachedNetwork): string {
  const bridges = new Set<string>();
  for (const n of c.network.nodes) for (const i of n.interfaces ?? []) if (i.type === 'bridge' || i.type === 'OVSBridge') bridges.add(i.iface);
  const parts = [plural(bridges.size, 'bridge')];
  if (c.network.zones) parts.push(plural(c.network.zones.length, 'SDN zone'));
  if (c.network.vnets) parts.push(plural(c.network.vnets.length, 'vnet'));
  return parts.join(' · ');
}
