/**
 * Demo mode: start the built-in simulated Proxmox VE fleet in-process on
 * free loopback ports and register each simulated cluster as a connection,
 * pinned to the fingerprint the simulator reports. From there on the
 * console talks to it through the normal client, exactly as to a real
 * cluster.
 */
import { startSimulator, type SimHandle } from '../sim';
import type { ConnectionsService } from '../connections/connections-service';
import type { ConnectionsRepo } from '../store/connections-repo';
import type { Logger } from '../util/log';

export interface DemoFleet {
  sim: SimHandle;
  /** Simulator cluster id → connection id. */
  connectionOf: Map<string, string>;
  /** Connection id → site metadata the simulator knows (region, kind). */
  siteOf: Map<string, { id: string; name: string; region: string; kind: 'edge' | 'datacentre' }>;
  close(): Promise<void>;
}

export async function startDemoFleet(opts: {
  sites: number;
  seed: number;
  connections: ConnectionsService;
  repo: ConnectionsRepo;
  log: Logger;
}): Promise<DemoFleet> {
  const sim = await startSimulator({ sites: opts.sites, seed: opts.seed });
  const connectionOf = new Map<string, string>();
  const siteOf: DemoFleet['siteOf'] = new Map();
  const names = new Set<string>();
  for (const c of sim.clusters) {
    const name = `sim/${c.name}`;
    names.add(name);
    const rec = await opts.connections.upsertSimulated({
      name,
      url: c.url,
      fingerprint: c.fingerprint,
      tokenId: sim.tokenId,
      secret: sim.tokenSecret,
      site: c.site,
    });
    connectionOf.set(c.id, rec.id);
    siteOf.set(rec.id, { id: `site:${c.site}`, name: c.site, region: c.region, kind: c.kind });
  }
  // Clusters of an earlier demo run that this run does not have.
  for (const r of opts.repo.list()) if (r.simulated && !names.has(r.name)) opts.repo.remove(r.id);
  opts.log.info('demo fleet started', { clusters: sim.clusters.length, url: sim.url });
  return { sim, connectionOf, siteOf, close: () => sim.close() };
}
