/**
 * The network view of a site, from each cluster's cached network picture:
 * bonds, bridges and VLAN interfaces (merged across the cluster's hosts,
 * with the hosts that lack one called out), SDN zones and vnets, and the
 * guests' NICs grouped by where they attach (a vnet, a VLAN on a bridge, or
 * a bridge untagged). A guest NIC on a VLAN-aware bridge with the tag of a
 * VLAN-zone vnet on that bridge is the same segment as the vnet; the map
 * draws that link instead of pretending the guest named the vnet.
 */
import type { ClusterSync, TopoEdge, TopoNode, TopoSearchEntry, TopoStatus } from '../../src-preload/contract';
import { parseNetLine, type GuestNic } from './net-line';
import type { RawInterface } from './network-source';
import { edge, node } from './graph-parts';
import { worstStatus } from './status';
import type { CachedNetwork } from './stores';

export interface NetworkClusterInput {
  id: string;
  name: string;
  sync: ClusterSync | undefined;
  picture: CachedNetwork | null;
}

interface Merged {
  iface: RawInterface;
  hosts: string[];
  inactive: string[];
}

const BRIDGE_TYPES = new Set(['bridge', 'OVSBridge']);
const BOND_TYPES = new Set(['bond', 'OVSBond']);
const VLAN_TYPES = new Set(['vlan', 'OVSIntPort']);

export function buildNetworkGraph(siteId: string, clusters: readonly NetworkClusterInput[]): { nodes: TopoNode[]; edges: TopoEdge[]; search: TopoSearchEntry[]; problems: string[] } {
  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const search: TopoSearchEntry[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  const add = (n: TopoNode): void => {
    if (ids.has(n.id)) return;
    ids.add(n.id);
    nodes.push(n);
  };

  for (const c of clusters) {
    const cid = `cluster:${c.id}`;
    const fresh = c.sync?.state === 'ok';
    const p = c.picture?.network ?? null;
    add(node({ id: cid, kind: 'cluster', label: c.name, detail: p ? `network read ${c.picture?.fetchedAt.slice(0, 16).replace('T', ' ')} UTC` : 'network not read', status: p ? (fresh ? 'up' : 'stale') : 'unknown', drill: { level: 'site', siteId } }));
    if (!p) continue;
    const base: TopoStatus = fresh ? 'up' : 'stale';
    for (const n of p.nodes) if (n.error) problems.push(`${c.name} ${n.node}: ${n.error}`);
    const readable = p.nodes.filter((n) => n.interfaces !== null);

    // Interfaces merged by name across the cluster's hosts.
    const merged = new Map<string, Merged>();
    for (const n of readable) {
      for (const i of n.interfaces ?? []) {
        const m = merged.get(i.iface) ?? { iface: i, hosts: [], inactive: [] };
        m.hosts.push(n.node);
        if (i.active === false) m.inactive.push(n.node);
        merged.set(i.iface, m);
      }
    }
    const statusOf = (m: Merged): { status: TopoStatus; title: string } => {
      const missing = readable.map((n) => n.node).filter((h) => !m.hosts.includes(h));
      const notes = [missing.length ? `missing on ${missing.join(', ')}` : '', m.inactive.length ? `inactive on ${m.inactive.join(', ')}` : ''].filter(Boolean).join('; ');
      if (m.inactive.length === m.hosts.length) return { status: 'down', title: notes };
      if (missing.length || m.inactive.length) return { status: base === 'stale' ? 'stale' : 'degraded', title: notes };
      return { status: base, title: `on all ${m.hosts.length} hosts` };
    };
    const ifaceId = (name: string): string => `iface:${c.id}/${name}`;
    const shown = (name: string): boolean => {
      const t = merged.get(name)?.iface.type ?? '';
      return BRIDGE_TYPES.has(t) || BOND_TYPES.has(t) || VLAN_TYPES.has(t);
    };
    const ports = (s: string | null): string[] => (s ?? '').split(/\s+/).filter(Boolean);
    const sorted = [...merged.values()].sort((a, b) => a.iface.iface.localeCompare(b.iface.iface, 'en', { numeric: true }));
    for (const m of sorted) {
      const i = m.iface;
      const st = statusOf(m);
      if (BOND_TYPES.has(i.type)) {
        add(node({ id: ifaceId(i.iface), kind: 'bond', label: i.iface, detail: `bond · ${ports(i.slaves).join(' + ') || 'no slaves'}`, status: st.status, title: st.title }));
        edges.push(edge(cid, ifaceId(i.iface), 'contains'));
      } else if (BRIDGE_TYPES.has(i.type)) {
        const uplinks = ports(i.bridgePorts);
        add(node({ id: ifaceId(i.iface), kind: 'bridge', label: i.iface, detail: [i.comments, i.vlanAware ? 'VLAN-aware' : '', i.cidr, uplinks.filter((u) => !shown(u)).join(' ')].filter(Boolean).join(' · '), status: st.status, title: st.title }));
        const bond = uplinks.find(shown);
        edges.push(bond ? edge(ifaceId(bond), ifaceId(i.iface), 'uplink') : edge(cid, ifaceId(i.iface), 'contains'));
        search.push({ id: ifaceId(i.iface), label: i.iface, detail: `bridge · ${c.name}`, expand: null });
      } else if (VLAN_TYPES.has(i.type)) {
        add(node({ id: ifaceId(i.iface), kind: 'vlan', label: i.iface, detail: [i.vlanId !== null ? `VLAN ${i.vlanId}` : '', i.comments, i.cidr].filter(Boolean).join(' · '), status: st.status, title: st.title }));
        const raw = i.vlanRawDevice ?? i.iface.split('.')[0] ?? '';
        edges.push(shown(raw) ? edge(ifaceId(raw), ifaceId(i.iface), 'uplink') : edge(cid, ifaceId(i.iface), 'contains'));
      }
    }

    // SDN.
    const zoneBridge = new Map<string, string | null>();
    for (const z of p.zones ?? []) {
      const zid = `zone:${c.id}/${z.zone}`;
      zoneBridge.set(z.zone, z.bridge);
      add(node({ id: zid, kind: 'zone', label: z.zone, detail: `SDN ${z.type} zone${z.bridge ? ` on ${z.bridge}` : ''}`, status: base }));
      edges.push(z.bridge && merged.has(z.bridge) ? edge(ifaceId(z.bridge), zid, 'network') : edge(cid, zid, 'contains'));
    }
    const vnetNames = new Set<string>();
    /** `${bridge}/${tag}` → vnet, for VLAN zones. */
    const vnetOnVlan = new Map<string, string>();
    for (const v of p.vnets ?? []) {
      const vid = `vnet:${c.id}/${v.vnet}`;
      vnetNames.add(v.vnet);
      const bridge = v.zone ? zoneBridge.get(v.zone) : null;
      if (bridge && v.tag !== null) vnetOnVlan.set(`${bridge}/${v.tag}`, v.vnet);
      add(node({ id: vid, kind: 'vnet', label: v.vnet, detail: [v.alias, v.tag !== null ? `tag ${v.tag}` : '', v.zone ? `zone ${v.zone}` : ''].filter(Boolean).join(' · '), status: base }));
      edges.push(v.zone && zoneBridge.has(v.zone) ? edge(`zone:${c.id}/${v.zone}`, vid, 'contains') : edge(cid, vid, 'contains'));
      search.push({ id: vid, label: v.vnet, detail: `vnet · ${c.name}`, expand: null });
    }

    // Guests by attachment point.
    const groups = new Map<string, { anchor: string; label: string; nics: { guest: (typeof p.guests)[number]; nic: GuestNic }[] }>();
    const badLines: string[] = [];
    for (const g of p.guests) {
      for (const [key, value] of Object.entries(g.net).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
        const r = parseNetLine(key, value, g.type);
        if (!r.ok) {
          badLines.push(`${g.type === 'lxc' ? 'CT' : 'VM'} ${g.vmid} ${r.error.message}`);
          continue;
        }
        const nic = r.nic;
        let anchor: string;
        let label: string;
        if (nic.bridge && vnetNames.has(nic.bridge)) {
          anchor = `vnet:${c.id}/${nic.bridge}`;
          label = `vnet ${nic.bridge}`;
        } else if (nic.bridge) {
          const bridgeId = ifaceId(nic.bridge);
          if (!ids.has(bridgeId)) {
            add(node({ id: bridgeId, kind: 'bridge', label: nic.bridge, detail: 'not reported by any readable host', status: 'unknown' }));
            edges.push(edge(cid, bridgeId, 'contains', 'unknown'));
          }
          if (nic.tag !== null) {
            anchor = `seg:${c.id}/${nic.bridge}/${nic.tag}`;
            label = `${nic.bridge} VLAN ${nic.tag}`;
            if (!ids.has(anchor)) {
              const vnet = vnetOnVlan.get(`${nic.bridge}/${nic.tag}`);
              add(node({ id: anchor, kind: 'vlan', label, detail: vnet ? `same segment as vnet ${vnet}` : 'guest VLAN', status: base }));
              edges.push(edge(bridgeId, anchor, 'network'));
              if (vnet) edges.push(edge(`vnet:${c.id}/${vnet}`, anchor, 'attach', base, 'same VLAN'));
            }
          } else {
            anchor = bridgeId;
            label = `${nic.bridge} untagged`;
          }
        } else {
          anchor = cid;
          label = 'no bridge';
        }
        const gk = `${anchor}`;
        const entry = groups.get(gk) ?? { anchor, label, nics: [] };
        entry.nics.push({ guest: g, nic });
        groups.set(gk, entry);
      }
    }
    if (badLines.length) problems.push(`${c.name}: ${badLines.length} NIC line${badLines.length === 1 ? '' : 's'} not understood (${badLines.slice(0, 3).join('; ')})`);
    for (const grp of groups.values()) {
      const gid = `group:${grp.anchor}`;
      const statuses = grp.nics.map(({ guest, nic }) => nicStatus(guest.status, nic, base));
      add(node({ id: gid, kind: 'group', label: `${grp.label}: ${grp.nics.length} NIC${grp.nics.length === 1 ? '' : 's'}`, members: grp.nics.length, status: worstStatus(statuses) }));
      edges.push(edge(grp.anchor, gid, 'attach', worstStatus(statuses)));
      for (const [i, { guest, nic }] of grp.nics.entries()) {
        const id = `nic:${c.id}/${guest.vmid}/${nic.key}`;
        add(
          node({
            id,
            kind: 'guest',
            label: guest.name,
            detail: `${guest.type === 'lxc' ? 'CT' : 'VM'} ${guest.vmid} · ${nic.key} ${nic.model}${nic.firewall ? ' · fw' : ''}${nic.trunks.length ? ` · trunks ${nic.trunks.join(';')}` : ''}`,
            status: statuses[i] as TopoStatus,
            group: gid,
            drill: { level: 'host', clusterId: c.id, node: guest.node },
            title: nic.mac ? `MAC ${nic.mac}` : '',
          }),
        );
        search.push({ id, label: guest.name, detail: `${guest.type === 'lxc' ? 'CT' : 'VM'} ${guest.vmid} ${nic.key} → ${grp.label}`, expand: null });
      }
    }
  }
  return { nodes, edges, search, problems };
}

function nicStatus(guestStatus: string, nic: GuestNic, base: TopoStatus): TopoStatus {
  if (base === 'stale') return 'stale';
  if (nic.linkDown) return 'down';
  return guestStatus === 'running' ? 'up' : 'unknown';
}
