/**
 * The port through which the topology module reads a cluster's networks
 * live: host interfaces (/nodes/{node}/network), SDN zones and vnets, and
 * each guest's raw `netN` lines. The PVE adapter implements it; tests use a
 * fake. The answer is stored as-is (JSON) in the cache, and parsed when a
 * graph is built, so a parser fix applies to old pictures too.
 */
import type { ConnectionRecord } from '../store/connections-repo';

export interface RawInterface {
  iface: string;
  type: string;
  active: boolean | null;
  /** Space-separated ports of a bridge. */
  bridgePorts: string | null;
  vlanAware: boolean | null;
  /** Members of a bond. */
  slaves: string | null;
  vlanId: number | null;
  vlanRawDevice: string | null;
  cidr: string | null;
  comments: string | null;
}

export interface RawZone {
  zone: string;
  type: string;
  bridge: string | null;
  tag: number | null;
}

export interface RawVnet {
  vnet: string;
  zone: string | null;
  tag: number | null;
  alias: string | null;
}

export interface RawGuestNet {
  vmid: number;
  type: 'qemu' | 'lxc';
  node: string;
  name: string;
  status: string;
  /** `net0` … → the value PVE stored. */
  net: Record<string, string>;
}

export interface ClusterNetwork {
  nodes: { node: string; interfaces: RawInterface[] | null; error: string | null }[];
  /** null: SDN could not be read (not installed, no privilege); see problems. */
  zones: RawZone[] | null;
  vnets: RawVnet[] | null;
  guests: RawGuestNet[];
  /** What could not be read, one line each, for the operator. */
  problems: string[];
}

export interface NetworkSource {
  /** One cluster's network picture; throws an AppException when the cluster cannot be read at all. */
  network(conn: ConnectionRecord, signal: AbortSignal): Promise<ClusterNetwork>;
}
