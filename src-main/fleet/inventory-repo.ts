/**
 * The fleet inventory cache in SQLite: applying cluster snapshots with
 * change detection (a resync that changes nothing writes no row) and the
 * read queries every fleet view is served from, so the console browses
 * with no network at all.
 */
import type { Db } from '../store/database';
import { tenantOf, type ClusterSnapshot, type GuestSnap, type NodeSnap, type SiteInfo, type StorageSnap } from './snapshot';

export interface ApplyResult {
  written: number;
  deleted: number;
}

/**
 * Change-detection fingerprint of a row: 64-bit FNV-1a (two 32-bit lanes)
 * over its fields. Not a security hash; it only has to tell "same row"
 * from "changed row", 100,000 times per sync, cheaply.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export function rowHash(parts: readonly unknown[]): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (c: number) => {
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  };
  const str = (s: string) => {
    for (let i = 0; i < s.length; i++) mix(s.charCodeAt(i));
  };
  for (const p of parts) {
    // Numbers are mixed by their bits, not stringified: a sync hashes 1.5 million fields.
    if (typeof p === 'number') {
      f64[0] = p;
      mix(0x4e);
      mix(u32[0] as number);
      mix(u32[1] as number);
    } else if (typeof p === 'string') {
      mix(0x53);
      str(p);
    } else if (typeof p === 'boolean') mix(p ? 0x54 : 0x46);
    else if (p === null || p === undefined) mix(0x00);
    else if (Array.isArray(p)) {
      mix(0x41);
      for (const x of p) {
        str(String(x));
        mix(0x02);
      }
    } else str(JSON.stringify(p));
    mix(0x1f);
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36);
}
const h = rowHash;

const nodeHash = (n: NodeSnap) => h([n.status, n.cpu, n.maxcpu, n.mem, n.maxmem, n.disk, n.maxdisk, n.uptime]);
const guestHash = (g: GuestSnap) =>
  h([g.type, g.name, g.status, g.node, g.pool, g.tags, g.cpus, g.cpu, g.mem, g.maxmem, g.disk, g.maxdisk, g.uptime, g.template, g.hastate]);
const storageHash = (s: StorageSnap) => h([s.type, s.status, s.shared, s.content, s.disk, s.maxdisk]);

type HashIndex = Map<string, string>;

/** Per-cluster memory of what is stored, so unchanged rows cost no SQL at all. */
interface ClusterIndex {
  cluster: string;
  nodes: HashIndex;
  guests: HashIndex;
  storage: HashIndex;
}

export class InventoryRepo {
  private readonly indexes = new Map<string, ClusterIndex>();
  private readonly listeners = new Set<(clusterId: string) => void>();
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      upsertSite: db.prepare(
        `INSERT INTO fleet_sites (id, name, region, kind) VALUES (@id, @name, @region, @kind)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, region = excluded.region, kind = excluded.kind
         WHERE fleet_sites.name != excluded.name OR fleet_sites.region != excluded.region OR fleet_sites.kind != excluded.kind`,
      ),
      upsertCluster: db.prepare(
        `INSERT INTO fleet_clusters (id, name, site_id, version, quorate, hash) VALUES (@id, @name, @site_id, @version, @quorate, @hash)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, site_id = excluded.site_id, version = excluded.version,
           quorate = excluded.quorate, hash = excluded.hash WHERE fleet_clusters.hash != excluded.hash`,
      ),
      upsertNode: db.prepare(
        `INSERT INTO fleet_nodes (cluster_id, node, status, cpu, maxcpu, mem, maxmem, disk, maxdisk, uptime, hash)
         VALUES (@cluster_id, @node, @status, @cpu, @maxcpu, @mem, @maxmem, @disk, @maxdisk, @uptime, @hash)
         ON CONFLICT(cluster_id, node) DO UPDATE SET status = excluded.status, cpu = excluded.cpu, maxcpu = excluded.maxcpu,
           mem = excluded.mem, maxmem = excluded.maxmem, disk = excluded.disk, maxdisk = excluded.maxdisk,
           uptime = excluded.uptime, hash = excluded.hash`,
      ),
      upsertGuest: db.prepare(
        `INSERT INTO fleet_guests (cluster_id, vmid, type, name, status, node, pool, tags, tenant, cpus, cpu, mem, maxmem, disk, maxdisk, uptime, template, hastate, hash)
         VALUES (@cluster_id, @vmid, @type, @name, @status, @node, @pool, @tags, @tenant, @cpus, @cpu, @mem, @maxmem, @disk, @maxdisk, @uptime, @template, @hastate, @hash)
         ON CONFLICT(cluster_id, vmid) DO UPDATE SET type = excluded.type, name = excluded.name, status = excluded.status,
           node = excluded.node, pool = excluded.pool, tags = excluded.tags, tenant = excluded.tenant, cpus = excluded.cpus,
           cpu = excluded.cpu, mem = excluded.mem, maxmem = excluded.maxmem, disk = excluded.disk, maxdisk = excluded.maxdisk,
           uptime = excluded.uptime, template = excluded.template, hastate = excluded.hastate, hash = excluded.hash`,
      ),
      upsertStorage: db.prepare(
        `INSERT INTO fleet_storage (cluster_id, node, storage, type, status, shared, content, disk, maxdisk, hash)
         VALUES (@cluster_id, @node, @storage, @type, @status, @shared, @content, @disk, @maxdisk, @hash)
         ON CONFLICT(cluster_id, node, storage) DO UPDATE SET type = excluded.type, status = excluded.status,
           shared = excluded.shared, content = excluded.content, disk = excluded.disk, maxdisk = excluded.maxdisk, hash = excluded.hash`,
      ),
      deleteNode: db.prepare('DELETE FROM fleet_nodes WHERE cluster_id = ? AND node = ?'),
      deleteGuest: db.prepare('DELETE FROM fleet_guests WHERE cluster_id = ? AND vmid = ?'),
      deleteStorage: db.prepare('DELETE FROM fleet_storage WHERE cluster_id = ? AND node = ? AND storage = ?'),
      loadCluster: db.prepare('SELECT hash FROM fleet_clusters WHERE id = ?'),
      loadNodes: db.prepare('SELECT node, hash FROM fleet_nodes WHERE cluster_id = ?'),
      loadGuests: db.prepare('SELECT vmid, hash FROM fleet_guests WHERE cluster_id = ?'),
      loadStorage: db.prepare('SELECT node, storage, hash FROM fleet_storage WHERE cluster_id = ?'),
    };
  }

  private index(clusterId: string): ClusterIndex {
    let idx = this.indexes.get(clusterId);
    if (idx) return idx;
    const c = this.stmts.loadCluster.get(clusterId) as { hash: string } | undefined;
    idx = {
      cluster: c?.hash ?? '',
      nodes: new Map((this.stmts.loadNodes.all(clusterId) as { node: string; hash: string }[]).map((r) => [r.node, r.hash])),
      guests: new Map((this.stmts.loadGuests.all(clusterId) as { vmid: number; hash: string }[]).map((r) => [String(r.vmid), r.hash])),
      storage: new Map(
        (this.stmts.loadStorage.all(clusterId) as { node: string; storage: string; hash: string }[]).map((r) => [`${r.node}/${r.storage}`, r.hash]),
      ),
    };
    this.indexes.set(clusterId, idx);
    return idx;
  }

  /** Called after every committed change to a cluster's rows. */
  subscribe(listener: (clusterId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(clusterId: string): void {
    for (const l of this.listeners) l(clusterId);
  }

  /** Forget the in-memory index (after a cluster is removed; its rows went with the connection). */
  forget(clusterId: string): void {
    this.indexes.delete(clusterId);
    this.changed(clusterId);
  }

  /** Store one cluster's snapshot in one transaction; returns the rows actually written. */
  apply(clusterId: string, site: SiteInfo, snap: ClusterSnapshot): ApplyResult {
    const idx = this.index(clusterId);
    let written = 0;
    let deleted = 0;
    // Work out the changes outside the transaction; only touched rows cost SQL.
    const clusterHash = h([snap.name, site.id, snap.version, snap.quorate]);
    const nodeChanges: (NodeSnap & { hash: string })[] = [];
    const seenNodes = new Set<string>();
    for (const n of snap.nodes) {
      seenNodes.add(n.node);
      const hash = nodeHash(n);
      if (idx.nodes.get(n.node) !== hash) nodeChanges.push({ ...n, hash });
    }
    const guestChanges: (GuestSnap & { hash: string })[] = [];
    const seenGuests = new Set<string>();
    for (const g of snap.guests) {
      const key = String(g.vmid);
      seenGuests.add(key);
      const hash = guestHash(g);
      if (idx.guests.get(key) !== hash) guestChanges.push({ ...g, hash });
    }
    const storageChanges: (StorageSnap & { hash: string })[] = [];
    const seenStorage = new Set<string>();
    for (const s of snap.storage) {
      const key = `${s.node}/${s.storage}`;
      seenStorage.add(key);
      const hash = storageHash(s);
      if (idx.storage.get(key) !== hash) storageChanges.push({ ...s, hash });
    }
    const goneNodes = [...idx.nodes.keys()].filter((k) => !seenNodes.has(k));
    const goneGuests = [...idx.guests.keys()].filter((k) => !seenGuests.has(k));
    const goneStorage = [...idx.storage.keys()].filter((k) => !seenStorage.has(k));

    const nothing =
      idx.cluster === clusterHash &&
      nodeChanges.length + guestChanges.length + storageChanges.length + goneNodes.length + goneGuests.length + goneStorage.length === 0;
    if (nothing) return { written: 0, deleted: 0 };

    this.db.transaction(() => {
      written += this.stmts.upsertSite.run(site).changes;
      if (idx.cluster !== clusterHash) {
        written += this.stmts.upsertCluster.run({
          id: clusterId,
          name: snap.name,
          site_id: site.id,
          version: snap.version,
          quorate: snap.quorate === null ? null : snap.quorate ? 1 : 0,
          hash: clusterHash,
        }).changes;
      }
      for (const n of nodeChanges) written += this.stmts.upsertNode.run({ cluster_id: clusterId, ...n }).changes;
      for (const g of guestChanges) {
        written += this.stmts.upsertGuest.run({
          cluster_id: clusterId,
          vmid: g.vmid,
          type: g.type,
          name: g.name,
          status: g.status,
          node: g.node,
          pool: g.pool,
          tags: g.tags.join(';'),
          tenant: tenantOf(g.tags),
          cpus: g.cpus,
          cpu: g.cpu,
          mem: g.mem,
          maxmem: g.maxmem,
          disk: g.disk,
          maxdisk: g.maxdisk,
          uptime: g.uptime,
          template: g.template ? 1 : 0,
          hastate: g.hastate,
          hash: g.hash,
        }).changes;
      }
      for (const s of storageChanges) {
        written += this.stmts.upsertStorage.run({ cluster_id: clusterId, ...s, shared: s.shared ? 1 : 0 }).changes;
      }
      for (const k of goneNodes) deleted += this.stmts.deleteNode.run(clusterId, k).changes;
      for (const k of goneGuests) deleted += this.stmts.deleteGuest.run(clusterId, Number(k)).changes;
      for (const k of goneStorage) {
        const [node, storage] = k.split('/') as [string, string];
        deleted += this.stmts.deleteStorage.run(clusterId, node, storage).changes;
      }
    })();

    // Only after the commit: the memory index mirrors what is on disk.
    idx.cluster = clusterHash;
    for (const n of nodeChanges) idx.nodes.set(n.node, n.hash);
    for (const g of guestChanges) idx.guests.set(String(g.vmid), g.hash);
    for (const s of storageChanges) idx.storage.set(`${s.node}/${s.storage}`, s.hash);
    for (const k of goneNodes) idx.nodes.delete(k);
    for (const k of goneGuests) idx.guests.delete(k);
    for (const k of goneStorage) idx.storage.delete(k);
    this.changed(clusterId);
    return { written, deleted };
  }
}
