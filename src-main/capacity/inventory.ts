/**
 * Reads the capacity model from the fleet cache (SQLite, read-only): pools
 * with hosts, guests and guest-image storage, and each host's attestation
 * state from the attestation history. Guest-image storage is a storage whose
 * content includes `images` or `rootdir`; local ones count per host, shared
 * ones once per cluster.
 */
import { STALE_AFTER_SECONDS, type AttestationRepo } from '../attestation';
import type { Db } from '../store/database';
import { hostKey, isHaManaged, type GuestModel, type HostModel, type PoolModel } from './model';

interface ClusterRow {
  id: string;
  name: string;
  site_id: string;
  site_name: string;
  region: string;
  kind: 'edge' | 'datacentre';
}

export function readPools(db: Db, stale: ReadonlySet<string> = new Set()): PoolModel[] {
  const clusters = db
    .prepare(
      `SELECT c.id, c.name, s.id AS site_id, s.name AS site_name, s.region, s.kind
       FROM fleet_clusters c JOIN fleet_sites s ON s.id = c.site_id ORDER BY s.region, s.name, c.name`,
    )
    .all() as ClusterRow[];
  const pools = new Map<string, PoolModel>();
  for (const c of clusters)
    pools.set(c.id, {
      clusterId: c.id,
      name: c.name,
      siteId: c.site_id,
      siteName: c.site_name,
      region: c.region,
      kind: c.kind,
      stale: stale.has(c.id),
      hosts: [],
      guests: [],
      sharedDiskPhysical: 0,
      sharedDiskUsed: 0,
    });
  const hostByKey = new Map<string, HostModel>();
  for (const n of db.prepare('SELECT cluster_id, node, status, cpu, maxcpu, mem, maxmem FROM fleet_nodes ORDER BY cluster_id, node').all() as {
    cluster_id: string;
    node: string;
    status: string;
    cpu: number;
    maxcpu: number;
    mem: number;
    maxmem: number;
  }[]) {
    const p = pools.get(n.cluster_id);
    if (!p) continue;
    const h: HostModel = { clusterId: n.cluster_id, node: n.node, online: n.status === 'online', threads: n.maxcpu, memBytes: n.maxmem, cpuUsed: n.cpu, memUsed: n.mem, diskPhysical: 0, diskUsed: 0 };
    p.hosts.push(h);
    hostByKey.set(hostKey(n.cluster_id, n.node), h);
  }
  const sharedSeen = new Set<string>();
  for (const s of db.prepare('SELECT cluster_id, node, storage, shared, content, status, disk, maxdisk FROM fleet_storage ORDER BY cluster_id, storage, node').all() as {
    cluster_id: string;
    node: string;
    storage: string;
    shared: number;
    content: string;
    status: string;
    disk: number;
    maxdisk: number;
  }[]) {
    if (!/\b(images|rootdir)\b/.test(s.content) || s.status !== 'available') continue;
    if (s.shared) {
      const k = `${s.cluster_id}/${s.storage}`;
      if (sharedSeen.has(k)) continue;
      sharedSeen.add(k);
      const p = pools.get(s.cluster_id);
      if (p) {
        p.sharedDiskPhysical += s.maxdisk;
        p.sharedDiskUsed += s.disk;
      }
    } else {
      const h = hostByKey.get(hostKey(s.cluster_id, s.node));
      if (h) {
        h.diskPhysical += s.maxdisk;
        h.diskUsed += s.disk;
      }
    }
  }
  for (const g of db
    .prepare('SELECT cluster_id, vmid, name, node, status, tags, tenant, cpus, cpu, mem, maxmem, maxdisk, hastate FROM fleet_guests WHERE template = 0 ORDER BY cluster_id, vmid')
    .all() as {
    cluster_id: string;
    vmid: number;
    name: string;
    node: string;
    status: string;
    tags: string;
    tenant: string | null;
    cpus: number;
    cpu: number;
    mem: number;
    maxmem: number;
    maxdisk: number;
    hastate: string | null;
  }[]) {
    const p = pools.get(g.cluster_id);
    if (!p) continue;
    const m: GuestModel = {
      clusterId: g.cluster_id,
      vmid: g.vmid,
      name: g.name,
      node: g.node,
      running: g.status === 'running',
      ha: isHaManaged(g.hastate),
      tenant: g.tenant,
      confidential: g.tags.split(';').includes('confidential'),
      vcpu: g.cpus,
      mem: g.maxmem,
      disk: g.maxdisk,
      cpuUsed: g.cpu,
      memUsed: g.mem,
    };
    p.guests.push(m);
  }
  // pve2 before pve10: operators read host numbers, not code points.
  const natural = new Intl.Collator('en', { numeric: true });
  for (const p of pools.values()) p.hosts.sort((a, b) => natural.compare(a.node, b.node));
  return [...pools.values()];
}

export interface HostAttestation {
  state: 'pass' | 'fail' | 'stale' | 'none';
  at: string | null;
}

/**
 * A host's attestation state: the newest result among the confidential
 * guests running on it now (an SEV-SNP/TDX report proves the platform it
 * ran on). Pass = verdict accept within 24 h; stale = accept but older;
 * fail = anything else.
 */
export function hostAttestations(repo: Pick<AttestationRepo, 'latestByGuest'>, pools: readonly PoolModel[], now: number = Date.now()): Map<string, HostAttestation> {
  const latest = repo.latestByGuest();
  const out = new Map<string, HostAttestation>();
  for (const p of pools)
    for (const g of p.guests) {
      const r = latest.get(`${g.clusterId}/${g.vmid}`);
      if (!r) continue;
      const k = hostKey(g.clusterId, g.node);
      const prev = out.get(k);
      if (prev && prev.at !== null && prev.at >= r.at) continue;
      const age = (now - Date.parse(r.at)) / 1000;
      const state = r.verdict !== 'accept' ? 'fail' : age > STALE_AFTER_SECONDS ? 'stale' : 'pass';
      out.set(k, { state, at: r.at });
    }
  return out;
}
