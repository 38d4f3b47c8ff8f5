/**
 * What one sync of one cluster yields: a normalised, source-neutral picture
 * of its nodes, guests and storage. The PVE adapter builds it from
 * /cluster/resources, /cluster/status and HA status; the inventory repo
 * stores it.
 */
export interface NodeSnap {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  cpu: number;
  maxcpu: number;
  mem: number;
  maxmem: number;
  disk: number;
  maxdisk: number;
  uptime: number;
}

export interface GuestSnap {
  vmid: number;
  type: 'qemu' | 'lxc';
  name: string;
  status: string;
  node: string;
  pool: string | null;
  tags: string[];
  cpus: number;
  cpu: number;
  mem: number;
  maxmem: number;
  disk: number;
  maxdisk: number;
  uptime: number;
  template: boolean;
  hastate: string | null;
}

export interface StorageSnap {
  node: string;
  storage: string;
  type: string;
  status: string;
  shared: boolean;
  content: string;
  disk: number;
  maxdisk: number;
}

export interface ClusterSnapshot {
  /** API calls this snapshot took (for the sync's figures). */
  requests?: number;
  name: string;
  version: string | null;
  quorate: boolean | null;
  nodes: NodeSnap[];
  guests: GuestSnap[];
  storage: StorageSnap[];
}

export interface SiteInfo {
  id: string;
  name: string;
  region: string;
  kind: 'edge' | 'datacentre';
}

/** Tenants are carried as PVE tags `tenant-<name>` (PVE tags allow no ':' or '='). */
export function tenantOf(tags: readonly string[]): string | null {
  for (const t of tags) if (t.startsWith('tenant-') && t.length > 7) return t.slice(7);
  return null;
}
