/**
 * Topology: the map's graphs (fleet, site, host, network view) built from
 * the inventory cache and cached network pictures, saved layouts per
 * operator, and the `netN` parser. Other modules import from here only.
 */
export { TopologyService, type TopologyServiceOptions, type AttestationLookup } from './service';
export { parseNetLine, isNicKey, QEMU_NIC_MODELS, type GuestNic, type NetLineError, type NetLineErrorCode, type NetLineResult } from './net-line';
export type { ClusterNetwork, NetworkSource, RawGuestNet, RawInterface, RawVnet, RawZone } from './network-source';
export { TOPOLOGY_MIGRATION_SQL } from './schema';
export { clusterStatus, guestStatus, hostStatus, siteStatus, storageStatus, wanStatus, worstStatus } from './status';
export { currentOperator } from './stores';
