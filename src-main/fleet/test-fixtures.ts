/** Small hand-made cluster snapshots for fleet tests. */
import type { ClusterSnapshot, GuestSnap, NodeSnap } from './snapshot';

export function node(name: string, over: Partial<NodeSnap> = {}): NodeSnap {
  return { node: name, status: 'online', cpu: 0.25, maxcpu: 96, mem: 100 * 2 ** 30, maxmem: 512 * 2 ** 30, disk: 2e12, maxdisk: 32e12, uptime: 1000, ...over };
}

export function guest(vmid: number, nodeName: string, over: Partial<GuestSnap> = {}): GuestSnap {
  return {
    vmid,
    type: 'qemu',
    name: `vm-${vmid}`,
    status: 'running',
    node: nodeName,
    pool: null,
    tags: [],
    cpus: 2,
    cpu: 0.1,
    mem: 2 * 2 ** 30,
    maxmem: 4 * 2 ** 30,
    disk: 0,
    maxdisk: 32 * 2 ** 30,
    uptime: 500,
    template: false,
    hastate: null,
    ...over,
  };
}

export function snapshot(name: string, nodes: NodeSnap[], guests: GuestSnap[]): ClusterSnapshot {
  return {
    name,
    version: '9.1.9',
    quorate: true,
    nodes,
    guests,
    storage: nodes.map((n) => ({ node: n.node, storage: 'local-zfs', type: 'zfspool', status: 'available', shared: false, content: 'images,rootdir', disk: 1e12, maxdisk: 32e12 })),
  };
}
