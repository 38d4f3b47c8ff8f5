// In-memory state of the simulated fleet: clusters, nodes, guests, storages, pools, HA, SDN.
// Only facts that change through the API are stored; figures that vary with time (CPU, memory in
// use, traffic) are computed from hashes in metrics.ts, and derived config strings (MACs, UUIDs)
// in guest-config.ts, which keeps 100k guests at a few hundred bytes each.

import type { CpuVendor } from './catalogue';
import type { SimCluster } from './types';
import type { ClusterTasks, Task } from './tasks';

export type GuestType = 'qemu' | 'lxc';
export type GuestStatus = 'running' | 'stopped';

export interface NodeState {
  name: string;
  /** corosync node id, 1-based */
  nodeid: number;
  /** management address (vmbr0) */
  ip: string;
  index: number;
  /** When the node booted (ms); uptime and task pstart derive from it. */
  bootMs: number;
}

export interface Snapshot {
  name: string;
  description: string;
  /** seconds */
  snaptime: number;
  vmstate: boolean;
  parent: string | undefined;
  /** The sized config at snapshot time, restored by rollback. */
  cores: number;
  memoryMiB: number;
  /** Whether the guest ran when the snapshot (with RAM) was taken. */
  running: boolean;
}

export interface Guest {
  vmid: number;
  type: GuestType;
  name: string;
  node: string;
  status: GuestStatus;
  /** ms; meaningful while running */
  startedAt: number;
  cores: number;
  sockets: number;
  memoryMiB: number;
  diskGiB: number;
  storage: string;
  template: boolean;
  /** ';'-separated as PVE returns them; '' when none */
  tags: string;
  pool: string | undefined;
  lock: string | undefined;
  /** VM image key (catalogue VM_IMAGES) or container ostype */
  image: string;
  ostype: string;
  tenant: string | undefined;
  confidential: 'sev-snp' | 'tdx' | undefined;
  protection: boolean;
  onboot: boolean;
  agent: boolean;
  description: string;
  /** VLAN tag on net0 */
  vlan: number;
  /** seconds; creation time shown in `meta` */
  ctime: number;
  /** Seed for this guest's load curve. */
  profile: number;
  snapshots: Snapshot[] | undefined;
  /** Parent of the "current" state in the snapshot tree. */
  parentSnap: string | undefined;
  /** Config keys written through the API that the simulator keeps verbatim. */
  extra: Record<string, string> | undefined;
  /** Bumped on every config change; part of the digest. */
  version: number;
  /** Linked clone base (template vmid). */
  base: number | undefined;
}

export type StorageType = 'dir' | 'zfspool' | 'rbd' | 'pbs';

export interface StorageDef {
  id: string;
  type: StorageType;
  content: string;
  shared: boolean;
  /** bytes, per node for local storages, cluster-wide for shared ones */
  total: number;
  /** Fraction used by things the simulator does not model (OS, ISOs, other clusters' backups). */
  baseUsed: number;
  /** Extra config shown by GET /storage. */
  config: Record<string, string | number>;
}

export interface PoolDef {
  poolid: string;
  comment: string;
  storages: string[];
}

export interface HaResource {
  sid: string;
  type: 'vm' | 'ct';
  vmid: number;
  state: 'started' | 'stopped' | 'enabled' | 'disabled' | 'ignored';
  failback: boolean;
  maxRestart: number;
  maxRelocate: number;
  comment: string | undefined;
}

export interface HaRule {
  rule: string;
  type: 'node-affinity' | 'resource-affinity';
  resources: string;
  nodes: string | undefined;
  strict: boolean | undefined;
  affinity: 'positive' | 'negative' | undefined;
  disable: boolean | undefined;
  comment: string | undefined;
}

export interface SdnZone {
  zone: string;
  type: 'vlan' | 'simple' | 'vxlan' | 'evpn' | 'qinq';
  bridge: string | undefined;
  mtu: number | undefined;
  ipam: string;
}

export interface SdnVnet {
  vnet: string;
  zone: string;
  tag: number | undefined;
  alias: string | undefined;
}

export interface BackupVolume {
  volid: string;
  storage: string;
  /** Node holding the file, for backups on node-local storage. */
  node: string | undefined;
  vmid: number;
  type: GuestType;
  /** seconds */
  ctime: number;
  size: number;
  notes: string;
  protected: boolean;
}

export interface BackupJob {
  id: string;
  schedule: string;
  storage: string;
  mode: 'snapshot' | 'suspend' | 'stop';
  all: boolean;
  enabled: boolean;
  comment: string;
}

export interface ClusterState {
  /** Public description; fingerprint and url are updated in place. */
  info: SimCluster;
  index: number;
  seed: number;
  vendor: CpuVendor;
  nodes: NodeState[];
  nodeByName: Map<string, NodeState>;
  guests: Map<number, Guest>;
  storages: StorageDef[];
  pools: PoolDef[];
  haResources: Map<string, HaResource>;
  haRules: HaRule[];
  sdnZones: SdnZone[];
  sdnVnets: SdnVnet[];
  backupJobs: BackupJob[];
  /** Backups made through the API (generated history is computed on demand). */
  backups: BackupVolume[];
  /** corosync config_version */
  configVersion: number;
  repoid: string;
  /** When the cluster's generated history begins (ms). */
  epochMs: number;
  tasks: ClusterTasks;
  /**
   * Guests whose config file lock (flock) is held by a running task. PVE serialises power
   * actions on one guest this way; a second one fails with "can't lock file ... got timeout".
   */
  flocks: Map<number, Task>;
}

export function haSid(guest: Pick<Guest, 'type' | 'vmid'>): string {
  return `${guest.type === 'qemu' ? 'vm' : 'ct'}:${guest.vmid}`;
}
