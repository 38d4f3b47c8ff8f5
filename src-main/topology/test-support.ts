/** A small real inventory (SQLite, migrations, the fleet repo) for topology tests, and a fake network source. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetQueries } from '../fleet/fleet-queries';
import { InventoryRepo } from '../fleet/inventory-repo';
import type { ClusterSnapshot, SiteInfo } from '../fleet/snapshot';
import { ConnectionsRepo } from '../store/connections-repo';
import { openDatabase, type Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { createLogger, MemoryLogSink, Redactor } from '../util/log';
import type { ClusterNetwork, NetworkSource } from './network-source';
import { TopologyService } from './service';

export const NOW = new Date('2026-03-01T12:00:00.000Z');

export interface World {
  db: Db;
  dir: string;
  connections: ConnectionsRepo;
  inventory: InventoryRepo;
  fleet: FleetQueries;
  attest: Map<string, { verdict: string; at: string }>;
  network: FakeNetworkSource;
  service(operator?: string): TopologyService;
  /** Adds a connection and stores a snapshot for it, synced `agoSeconds` ago (or failing with `error`). */
  cluster(id: string, site: SiteInfo, snap: ClusterSnapshot, sync?: { agoSeconds?: number; error?: string; never?: boolean }): void;
  close(): void;
}

export class FakeNetworkSource implements NetworkSource {
  readonly calls: string[] = [];
  pictures = new Map<string, ClusterNetwork>();
  failing = new Set<string>();

  network(conn: { id: string; name: string }): Promise<ClusterNetwork> {
    this.calls.push(conn.id);
    if (this.failing.has(conn.id)) return Promise.reject(new AppException('unreachable', `${conn.name}: connect ECONNREFUSED`));
    const p = this.pictures.get(conn.id);
    return p ? Promise.resolve(structuredClone(p)) : Promise.reject(new AppException('not_found', `no picture for ${conn.id}`));
  }
}

export function world(): World {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-topology-'));
  const db = openDatabase(join(dir, 'cairn.db'));
  const connections = new ConnectionsRepo(db);
  const inventory = new InventoryRepo(db);
  const fleet = new FleetQueries(db, () => 10, () => NOW.getTime(), inventory);
  const attest = new Map<string, { verdict: string; at: string }>();
  const network = new FakeNetworkSource();
  const log = createLogger({ sinks: [new MemoryLogSink()], redactor: new Redactor() });
  return {
    db,
    dir,
    connections,
    inventory,
    fleet,
    attest,
    network,
    service: (operator = 'alice') =>
      new TopologyService({
        db,
        sites: () => fleet.sites(),
        syncStates: () => fleet.syncStates(),
        attestations: () => attest,
        attestationMaxAgeSeconds: 24 * 3600,
        network,
        connection: (id) => connections.get(id),
        operator,
        log,
        now: () => NOW,
      }),
    cluster(id, site, snap, sync = {}) {
      connections.insert({ id, name: id, kind: 'pve', url: `https://${id}.invalid:8006`, fingerprint: null, tokenId: 't@pve!x', site: site.name, simulated: false });
      inventory.apply(id, site, snap);
      const at = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
      const ago = sync.agoSeconds ?? 2;
      if (sync.never) db.prepare('INSERT INTO fleet_sync (cluster_id, last_attempt_at, last_error) VALUES (?, ?, ?)').run(id, at(1), sync.error ?? 'refused');
      else db.prepare('INSERT INTO fleet_sync (cluster_id, last_success_at, last_attempt_at, last_error) VALUES (?, ?, ?, ?)').run(id, at(ago), at(sync.error ? 1 : ago), sync.error ?? null);
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const site = (name: string, region: string, kind: SiteInfo['kind'] = 'edge'): SiteInfo => ({ id: `site:${name}`, name, region, kind });
