// Host networking of a simulated node (GET /nodes/{node}/network). Every cluster has the four
// networks of the edge reference architecture: management (vmbr0), public/tenant VLANs (vmbr1 on
// an LACP bond), storage (Ceph, VLAN 20) and private (corosync + migration, VLAN 30).

import type { ClusterState, NodeState } from './model';

export interface NodeAddresses {
  management: string;
  storage: string;
  private: string;
}

export function nodeAddresses(cluster: ClusterState, node: NodeState): NodeAddresses {
  const hi = 16 + (cluster.index >> 8);
  const lo = cluster.index & 255;
  const host = 11 + node.index;
  return {
    management: node.ip,
    storage: `10.${hi + 64}.${lo}.${host}`,
    private: `10.${hi + 128}.${lo}.${host}`,
  };
}

export type NetworkEntry = Record<string, string | number | string[]>;

export function nodeNetwork(cluster: ClusterState, node: NodeState): NetworkEntry[] {
  const a = nodeAddresses(cluster, node);
  const gw = a.management.replace(/\.\d+$/, '.1');
  const eth = (iface: string, active: number, priority: number): NetworkEntry => ({
    iface, type: 'eth', method: 'manual', method6: 'manual', families: ['inet'], active, autostart: active, exists: 1, priority,
  });
  return [
    eth('eno1', 1, 3),
    eth('eno2', 0, 4),
    { ...eth('ens1f0', 1, 5), mtu: 9000 },
    { ...eth('ens1f1', 1, 6), mtu: 9000 },
    {
      iface: 'bond0', type: 'bond', method: 'manual', method6: 'manual', families: ['inet'], active: 1, autostart: 1, priority: 7,
      slaves: 'ens1f0 ens1f1', bond_mode: '802.3ad', bond_xmit_hash_policy: 'layer3+4', mtu: 9000,
    },
    {
      iface: 'vmbr0', type: 'bridge', method: 'static', method6: 'manual', families: ['inet'], active: 1, autostart: 1, priority: 8,
      address: a.management, netmask: '24', cidr: `${a.management}/24`, gateway: gw, bridge_ports: 'eno1',
      comments: 'management\n',
    },
    {
      iface: 'vmbr1', type: 'bridge', method: 'manual', method6: 'manual', families: ['inet'], active: 1, autostart: 1, priority: 9,
      bridge_ports: 'bond0', bridge_vlan_aware: 1, bridge_vids: '2-4094', mtu: 9000, comments: 'public / tenant VLANs\n',
    },
    {
      iface: 'bond0.20', type: 'vlan', method: 'static', method6: 'manual', families: ['inet'], active: 1, autostart: 1, priority: 10,
      address: a.storage, netmask: '24', cidr: `${a.storage}/24`, 'vlan-raw-device': 'bond0', 'vlan-id': 20, mtu: 9000,
      comments: 'storage (ceph)\n',
    },
    {
      iface: 'bond0.30', type: 'vlan', method: 'static', method6: 'manual', families: ['inet'], active: 1, autostart: 1, priority: 11,
      address: a.private, netmask: '24', cidr: `${a.private}/24`, 'vlan-raw-device': 'bond0', 'vlan-id': 30,
      comments: 'private (corosync, migration)\n',
    },
  ];
}
