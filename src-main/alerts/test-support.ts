/** A real database with fleet rows written by the real inventory writer, for alert tests. */
import { InventoryRepo } from '../fleet/inventory-repo';
import type { NodeSnap, StorageSnap } from '../fleet/snapshot';
import { guest, node, snapshot } from '../fleet/test-fixtures';
import { ConnectionsRepo } from '../store/connections-repo';
import { openDatabase, type Db } from '../store/database';
import { SettingsRepo } from '../store/settings-repo';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';

export { node };

export class FleetFixture {
  readonly db: Db;
  readonly inventory: InventoryRepo;
  readonly connections: ConnectionsRepo;
  readonly settings: SettingsRepo;
  readonly logs = new MemoryLogSink();
  readonly log = createLogger({ sinks: [this.logs], redactor: new Redactor() });

  constructor(file = ':memory:') {
    this.db = openDatabase(file);
    this.inventory = new InventoryRepo(this.db);
    this.connections = new ConnectionsRepo(this.db);
    this.settings = new SettingsRepo(this.db);
  }

  /** A cluster at a site, with the given nodes (and local storage per node unless given). */
  cluster(name: string, nodes: NodeSnap[], storage?: StorageSnap[]): string {
    const existing = this.connections.findByName(name);
    const id = existing?.id ?? this.connections.insert({ name, kind: 'pve', url: `https://${name}:8006`, fingerprint: null, tokenId: 't@pve!x', site: name, simulated: false }).id;
    const snap = snapshot(name, nodes, [guest(100, nodes[0]?.node ?? 'n1')]);
    if (storage) snap.storage = storage;
    this.inventory.apply(id, { id: `site:${name}`, name: `site-${name}`, region: 'eu', kind: 'edge' }, snap);
    return id;
  }

  /** What the sync loop writes after an attempt. */
  syncResult(clusterId: string, at: Date, ok: boolean, error = 'connect ECONNREFUSED'): void {
    this.db.prepare(`INSERT INTO fleet_sync (cluster_id, last_attempt_at) VALUES (?, ?) ON CONFLICT(cluster_id) DO UPDATE SET last_attempt_at = excluded.last_attempt_at`).run(clusterId, at.toISOString());
    if (ok) this.db.prepare(`UPDATE fleet_sync SET last_success_at = ?, last_error = NULL, failures = 0 WHERE cluster_id = ?`).run(at.toISOString(), clusterId);
    else this.db.prepare(`UPDATE fleet_sync SET last_error = ?, failures = failures + 1 WHERE cluster_id = ?`).run(error, clusterId);
  }

  close(): void {
    this.db.close();
  }
}

/** A node at the given CPU, memory and root-disk use in percent. */
export function busyNode(name: string, cpuPct: number, memPct = 10, diskPct = 10, over: Partial<NodeSnap> = {}): NodeSnap {
  return node(name, { cpu: cpuPct / 100, maxcpu: 64, mem: (memPct / 100) * 256 * 2 ** 30, maxmem: 256 * 2 ** 30, disk: (diskPct / 100) * 1e12, maxdisk: 1e12, ...over });
}

export function store(nodeName: string, storage: string, pct: number, over: Partial<StorageSnap> = {}): StorageSnap {
  return { node: nodeName, storage, type: 'zfspool', status: 'available', shared: false, content: 'images,rootdir', disk: (pct / 100) * 10e12, maxdisk: 10e12, ...over };
}
