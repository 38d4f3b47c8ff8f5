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

/** One cluster's part of a batch: what it wrote, or why it was not stored. */
export interface ApplyOutcome extends ApplyResult {
  error?: unknown;
}

/**
 * Change-detection fingerprint of a row: FNV-1a style mixing in two 32-bit
 * lanes, folded into one 53-bit integer (exact as a JS number and as a
 * SQLite INTEGER). Not a security hash; it only has to tell "same row" from
 * "changed row", 100,000 times per sync, without allocating: numbers are
 * mixed by their bits, never stringified, and no per-row array is built.
 */
export class RowHasher {
  private a = 0;
  private b = 0;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  begin(): this {
    this.a = 0x811c9dc5;
    this.b = 0x01000193 ^ 0x5bd1e995;
    return this;
  }

  private mix(c: number): void {
    this.a = Math.imul(this.a ^ c, 0x01000193);
    this.b = Math.imul(this.b ^ c, 0x5bd1e995) ^ (this.b >>> 15);
  }

  private chars(s: string): void {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
  }

  num(x: number): this {
    this.f64[0] = x;
    this.mix(0x4e);
    this.mix(this.u32[0] as number);
    this.mix(this.u32[1] as number);
    this.mix(0x1f);
    return this;
  }

  str(s: string | null): this {
    if (s === null) this.mix(0x00);
    else {
      this.mix(0x53);
      this.chars(s);
    }
    this.mix(0x1f);
    return this;
  }

  bool(x: boolean | null): this {
    this.mix(x === null ? 0x00 : x ? 0x54 : 0x46);
    this.mix(0x1f);
    return this;
  }

  list(xs: readonly string[]): this {
    this.mix(0x41);
    for (const x of xs) {
      this.chars(x);
      this.mix(0x02);
    }
    this.mix(0x1f);
    return this;
  }

  /** The fingerprint: 32 bits of one lane and 21 of the other. */
  digest(): number {
    return (this.a >>> 0) * 0x200000 + (this.b >>> 11);
  }
}

const H = new RowHasher();
const nodeHash = (n: NodeSnap) =>
  H.begin().str(n.status).num(n.cpu).num(n.maxcpu).num(n.mem).num(n.maxmem).num(n.disk).num(n.maxdisk).num(n.uptime).digest();
const guestHash = (g: GuestSnap) =>
  H.begin()
    .str(g.type)
    .str(g.name)
    .str(g.status)
    .str(g.node)
    .str(g.pool)
    .list(g.tags)
    .num(g.cpus)
    .num(g.cpu)
    .num(g.mem)
    .num(g.maxmem)
    .num(g.disk)
    .num(g.maxdisk)
    .num(g.uptime)
    .bool(g.template)
    .str(g.hastate)
    .digest();
const storageHash = (s: StorageSnap) =>
  H.begin().str(s.type).str(s.status).bool(s.shared).str(s.content).num(s.disk).num(s.maxdisk).digest();
const clusterHash = (snap: ClusterSnapshot, site: SiteInfo) => H.begin().str(snap.name).str(site.id).str(snap.version).bool(snap.quorate).digest();

/**
 * A stored fingerprint (the hash columns have TEXT affinity, so SQLite hands
 * the integer back as its decimal text). Fingerprints of an older format are
 * not integers, never match, and their rows are rewritten once.
 */
const asHash = (v: unknown): number => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
};

/** Per-cluster memory of what is stored, so unchanged rows cost no SQL at all. */
interface ClusterIndex {
  cluster: number;
  nodes: Map<string, number>;
  guests: Map<number, number>;
  storage: Map<string, number>;
}

/** The rows of one cluster that differ from what is stored. */
interface ChangeSet {
  clusterId: string;
  site: SiteInfo;
  snap: ClusterSnapshot;
  idx: ClusterIndex;
  clusterHash: number;
  nodes: NodeSnap[];
  nodeHashes: number[];
  guests: GuestSnap[];
  guestHashes: number[];
  storage: StorageSnap[];
  storageHashes: number[];
  goneNodes: string[];
  goneGuests: number[];
  goneStorage: string[];
}

export class InventoryRepo {
  private readonly indexes = new Map<string, ClusterIndex>();
  private readonly listeners = new Set<(clusterId: string) => void>();
  private readonly stmts;

  constructor(private readonly db: Db) {
    // Positional parameters: binding 19 values by name, 100,000 times a sync, is measurably slower.
    this.stmts = {
      upsertSite: db.prepare(
        `INSERT INTO fleet_sites (id, name, region, kind) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, region = excluded.region, kind = excluded.kind
         WHERE fleet_sites.name != excluded.name OR fleet_sites.region != excluded.region OR fleet_sites.kind != excluded.kind`,
      ),
      upsertCluster: db.prepare(
        `INSERT INTO fleet_clusters (id, name, site_id, version, quorate, hash) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, site_id = excluded.site_id, version = excluded.version,
           quorate = excluded.quorate, hash = excluded.hash WHERE fleet_clusters.hash IS NOT excluded.hash`,
      ),
      upsertNode: db.prepare(
        `INSERT INTO fleet_nodes (cluster_id, node, status, cpu, maxcpu, mem, maxmem, disk, maxdisk, uptime, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(cluster_id, node) DO UPDATE SET status = excluded.status, cpu = excluded.cpu, maxcpu = excluded.maxcpu,
           mem = excluded.mem, maxmem = excluded.maxmem, disk = excluded.disk, maxdisk = excluded.maxdisk,
           uptime = excluded.uptime, hash = excluded.hash`,
      ),
      upsertGuest: db.prepare(
        `INSERT INTO fleet_guests (cluster_id, vmid, type, name, status, node, pool, tags, tenant, cpus, cpu, mem, maxmem, disk, maxdisk, uptime, template, hastate, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(cluster_id, vmid) DO UPDATE SET type = excluded.type, name = excluded.name, status = excluded.status,
           node = excluded.node, pool = excluded.pool, tags = excluded.tags, tenant = excluded.tenant, cpus = excluded.cpus,
           cpu = excluded.cpu, mem = excluded.mem, maxmem = excluded.maxmem, disk = excluded.disk, maxdisk = excluded.maxdisk,
           uptime = excluded.uptime, template = excluded.template, hastate = excluded.hastate, hash = excluded.hash`,
      ),
      upsertStorage: db.prepare(
        `INSERT INTO fleet_storage (cluster_id, node, storage, type, status, shared, content, disk, maxdisk, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
    const c = this.stmts.loadCluster.get(clusterId) as { hash: unknown } | undefined;
    idx = {
      cluster: c ? asHash(c.hash) : -1,
      nodes: new Map((this.stmts.loadNodes.all(clusterId) as { node: string; hash: unknown }[]).map((r) => [r.node, asHash(r.hash)])),
      guests: new Map((this.stmts.loadGuests.all(clusterId) as { vmid: number; hash: unknown }[]).map((r) => [r.vmid, asHash(r.hash)])),
      storage: new Map(
        (this.stmts.loadStorage.all(clusterId) as { node: string; storage: string; hash: unknown }[]).map((r) => [
          `${r.node}/${r.storage}`,
          asHash(r.hash),
        ]),
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

  /**
   * Rows of a cluster were written by another connection to the database
   * (the sync worker): drop what this repo remembers of them and tell the
   * listeners.
   */
  changedElsewhere(clusterId: string): void {
    this.indexes.delete(clusterId);
    this.changed(clusterId);
  }

  /** Forget the in-memory index (after a cluster is removed; its rows went with the connection). */
  forget(clusterId: string): void {
    this.indexes.delete(clusterId);
    this.changed(clusterId);
  }

  /** Store one cluster's snapshot in one transaction; returns the rows actually written. */
  apply(clusterId: string, site: SiteInfo, snap: ClusterSnapshot): ApplyResult {
    const [r] = this.applyMany([{ clusterId, site, snap }]);
    if (r?.error !== undefined) throw r.error;
    return { written: r?.written ?? 0, deleted: r?.deleted ?? 0 };
  }

  /**
   * Store several clusters' snapshots in one transaction (one commit, one
   * pass over the shared index pages, instead of one per cluster). Should
   * the batch fail, each cluster is retried on its own, so one bad
   * snapshot fails alone and carries its error in its outcome.
   */
  applyMany(items: readonly { clusterId: string; site: SiteInfo; snap: ClusterSnapshot }[]): ApplyOutcome[] {
    const results: ApplyOutcome[] = items.map(() => ({ written: 0, deleted: 0 }));
    const sets = items.map((it, i) => {
      try {
        return this.diff(it.clusterId, it.site, it.snap);
      } catch (error) {
        results[i] = { written: 0, deleted: 0, error };
        return null;
      }
    });
    const dirty = sets.map((cs, i) => (cs ? i : -1)).filter((i) => i >= 0);
    if (dirty.length === 0) return results;
    const commit = (indices: number[]): void => {
      this.db.transaction(() => {
        for (const i of indices) results[i] = this.write(sets[i] as ChangeSet);
      })();
      for (const i of indices) this.remember(sets[i] as ChangeSet);
    };
    try {
      commit(dirty);
    } catch (batchError) {
      if (dirty.length === 1) {
        results[dirty[0] as number] = { written: 0, deleted: 0, error: batchError };
        return results;
      }
      for (const i of dirty) {
        try {
          commit([i]);
          this.changed((sets[i] as ChangeSet).clusterId);
        } catch (error) {
          results[i] = { written: 0, deleted: 0, error };
        }
      }
      return results;
    }
    for (const i of dirty) this.changed((sets[i] as ChangeSet).clusterId);
    return results;
  }

  /** What differs from the stored rows; null when nothing does. Runs outside any transaction. */
  private diff(clusterId: string, site: SiteInfo, snap: ClusterSnapshot): ChangeSet | null {
    const idx = this.index(clusterId);
    const cs: ChangeSet = {
      clusterId,
      site,
      snap,
      idx,
      clusterHash: clusterHash(snap, site),
      nodes: [],
      nodeHashes: [],
      guests: [],
      guestHashes: [],
      storage: [],
      storageHashes: [],
      goneNodes: [],
      goneGuests: [],
      goneStorage: [],
    };
    const seenNodes = new Set<string>();
    for (const n of snap.nodes) {
      seenNodes.add(n.node);
      const hash = nodeHash(n);
      if (idx.nodes.get(n.node) !== hash) {
        cs.nodes.push(n);
        cs.nodeHashes.push(hash);
      }
    }
    const seenGuests = new Set<number>();
    for (const g of snap.guests) {
      seenGuests.add(g.vmid);
      const hash = guestHash(g);
      if (idx.guests.get(g.vmid) !== hash) {
        cs.guests.push(g);
        cs.guestHashes.push(hash);
      }
    }
    const seenStorage = new Set<string>();
    for (const st of snap.storage) {
      const key = `${st.node}/${st.storage}`;
      seenStorage.add(key);
      const hash = storageHash(st);
      if (idx.storage.get(key) !== hash) {
        cs.storage.push(st);
        cs.storageHashes.push(hash);
      }
    }
    for (const k of idx.nodes.keys()) if (!seenNodes.has(k)) cs.goneNodes.push(k);
    for (const k of idx.guests.keys()) if (!seenGuests.has(k)) cs.goneGuests.push(k);
    for (const k of idx.storage.keys()) if (!seenStorage.has(k)) cs.goneStorage.push(k);
    const unchanged =
      idx.cluster === cs.clusterHash &&
      cs.nodes.length + cs.guests.length + cs.storage.length + cs.goneNodes.length + cs.goneGuests.length + cs.goneStorage.length === 0;
    return unchanged ? null : cs;
  }

  /** The SQL for one change set; inside the caller's transaction. */
  private write(cs: ChangeSet): ApplyResult {
    const { clusterId, site, snap, idx } = cs;
    const st = this.stmts;
    let written = st.upsertSite.run(site.id, site.name, site.region, site.kind).changes;
    let deleted = 0;
    if (idx.cluster !== cs.clusterHash) {
      const quorate = snap.quorate === null ? null : snap.quorate ? 1 : 0;
      written += st.upsertCluster.run(clusterId, snap.name, site.id, snap.version, quorate, cs.clusterHash).changes;
    }
    cs.nodes.forEach((n, i) => {
      written += st.upsertNode.run(clusterId, n.node, n.status, n.cpu, n.maxcpu, n.mem, n.maxmem, n.disk, n.maxdisk, n.uptime, cs.nodeHashes[i]).changes;
    });
    cs.guests.forEach((g, i) => {
      written += st.upsertGuest.run(
        clusterId,
        g.vmid,
        g.type,
        g.name,
        g.status,
        g.node,
        g.pool,
        g.tags.join(';'),
        tenantOf(g.tags),
        g.cpus,
        g.cpu,
        g.mem,
        g.maxmem,
        g.disk,
        g.maxdisk,
        g.uptime,
        g.template ? 1 : 0,
        g.hastate,
        cs.guestHashes[i],
      ).changes;
    });
    cs.storage.forEach((s, i) => {
      written += st.upsertStorage.run(clusterId, s.node, s.storage, s.type, s.status, s.shared ? 1 : 0, s.content, s.disk, s.maxdisk, cs.storageHashes[i])
        .changes;
    });
    for (const k of cs.goneNodes) deleted += st.deleteNode.run(clusterId, k).changes;
    for (const k of cs.goneGuests) deleted += st.deleteGuest.run(clusterId, k).changes;
    for (const k of cs.goneStorage) {
      const [node, storage] = k.split('/') as [string, string];
      deleted += st.deleteStorage.run(clusterId, node, storage).changes;
    }
    return { written, deleted };
  }

  /** Only after the commit: the memory index mirrors what is on disk. */
  private remember(cs: ChangeSet): void {
    const { idx } = cs;
    idx.cluster = cs.clusterHash;
    cs.nodes.forEach((n, i) => idx.nodes.set(n.node, cs.nodeHashes[i] as number));
    cs.guests.forEach((g, i) => idx.guests.set(g.vmid, cs.guestHashes[i] as number));
    cs.storage.forEach((s, i) => idx.storage.set(`${s.node}/${s.storage}`, cs.storageHashes[i] as number));
    for (const k of cs.goneNodes) idx.nodes.delete(k);
    for (const k of cs.goneGuests) idx.guests.delete(k);
    for (const k of cs.goneStorage) idx.storage.delete(k);
  }
}
