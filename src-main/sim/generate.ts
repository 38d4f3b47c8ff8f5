// Builds the simulated fleet from the seed and the service catalogue: edge sites (one PVE cluster
// each) grouped into EU regions, optional data-centre pools per region, and for every cluster its
// nodes, storages, guests, templates, tenants' pools and tags, HA resources and rules, SDN zones
// and backup job. Inventory depends only on the options and the seed; timestamps are placed
// relative to the start time so uptimes and ages look plausible.

import {
  CT_IMAGES, CT_ROLES, HOST, POOL_HOSTS, POOL_SUFFIX, REGIONS, ROLES, TB, TEMPLATE_IMAGES, TENANTS,
  VM_IMAGES, VM_IMAGE_WEIGHTS, VM_SIZES, VM_SIZE_WEIGHTS,
  type CpuVendor, type PoolSize, type Region,
} from './catalogue';
import type {
  BackupJob, ClusterState, Guest, HaResource, HaRule, NodeState, PoolDef, SdnVnet, SdnZone, StorageDef,
} from './model';
import { haSid } from './model';
import { Rng, hash32 } from './rng';
import type { SimCluster } from './types';

export interface GenerateOptions {
  sites: number;
  seed: number;
  hostsPerSite: number | undefined;
  guestsPerSite: number | undefined;
  dataCentrePools: boolean;
}

/** A cluster before it is given its task engine (which needs the finished cluster). */
export type GeneratedCluster = Omit<ClusterState, 'tasks' | 'flocks'>;

const DAY_MS = 86_400_000;

export function generateFleet(opts: GenerateOptions, nowMs: number): GeneratedCluster[] {
  const root = new Rng(opts.seed);
  const siteRng = root.fork('sites');
  const perCity = new Map<string, number>();
  const usedRegions = new Set<string>();
  const plans: ClusterPlan[] = [];

  for (let i = 0; i < opts.sites; i++) {
    const region = siteRng.weighted(REGIONS.map((r) => [r, r.weight] as const));
    const [code] = siteRng.pick(region.cities);
    const n = (perCity.get(code) ?? 0) + 1;
    perCity.set(code, n);
    usedRegions.add(region.id);
    const name = `edge-${code}-${String(n).padStart(3, '0')}`;
    plans.push({ name, site: name, region, kind: 'edge', poolSize: poolSizeFor(opts.hostsPerSite ?? 3), hosts: opts.hostsPerSite ?? 3 });
  }
  if (opts.dataCentrePools) {
    for (const region of REGIONS) {
      if (!usedRegions.has(region.id) && opts.sites > 0) continue;
      for (const size of ['small', 'medium', 'large', 'xlarge'] as const) {
        plans.push({
          name: `dc-${region.id}-${POOL_SUFFIX[size]}`,
          site: `dc-${region.id}`,
          region,
          kind: 'datacentre',
          poolSize: size,
          hosts: POOL_HOSTS[size],
        });
      }
    }
  }

  return plans.map((plan, index) => buildCluster(plan, index, opts, nowMs));
}

interface ClusterPlan {
  name: string;
  site: string;
  region: Region;
  kind: 'edge' | 'datacentre';
  poolSize: PoolSize;
  hosts: number;
}

function poolSizeFor(hosts: number): PoolSize {
  if (hosts <= 3) return 'small';
  if (hosts <= 6) return 'medium';
  if (hosts <= 9) return 'large';
  return 'xlarge';
}

function buildCluster(plan: ClusterPlan, index: number, opts: GenerateOptions, nowMs: number): GeneratedCluster {
  const seed = hash32(opts.seed, plan.name);
  const rng = new Rng(seed);
  const vendor: CpuVendor = rng.chance(0.6) ? 'amd' : 'intel';
  const octet2 = 16 + (index >> 8);
  const octet3 = index & 255;

  const nodes: NodeState[] = [];
  for (let i = 0; i < plan.hosts; i++) {
    const name = `${plan.name}-pve${i + 1}`;
    nodes.push({
      name,
      nodeid: i + 1,
      ip: `10.${octet2}.${octet3}.${11 + i}`,
      index: i,
      bootMs: nowMs - Math.round((3 + 110 * rng.next()) * DAY_MS),
    });
  }

  const regionId = plan.region.id;
  const storages = buildStorages(plan, regionId, octet2);
  const shared = plan.kind === 'datacentre' && (plan.poolSize === 'large' || plan.poolSize === 'xlarge');
  const tenantCount = plan.kind === 'edge' ? (rng.chance(0.8) ? 1 : 2) : shared ? rng.int(3, 6) : rng.int(1, 2);
  const tenants = rng.shuffle([...TENANTS]).slice(0, tenantCount);
  const confidentialShare = shared ? 0.5 : 0.9;

  const guestCount = plan.kind === 'edge'
    ? opts.guestsPerSite ?? rng.int(12, 40)
    : opts.guestsPerSite !== undefined
      ? Math.round((opts.guestsPerSite * plan.hosts) / 3)
      : rng.int(8, 14) * plan.hosts;

  const info: SimCluster = {
    id: plan.name,
    name: plan.name,
    url: '',
    fingerprint: '',
    site: plan.site,
    region: regionId,
    kind: plan.kind,
    poolSize: plan.poolSize,
    nodes: nodes.map((n) => n.name),
  };

  const guests = new Map<number, Guest>();
  const placement = new Placement(nodes, rng.fork('place'));
  const nameCounters = new Map<string, number>();
  const tenantVlan = new Map<string, number>();
  tenants.forEach((t, i) => tenantVlan.set(t, 110 + i * 10));
  const guestRng = rng.fork('guests');

  // Templates first (vmid 9000+), on shared storage so linked clones work on every node.
  TEMPLATE_IMAGES.forEach((key, i) => {
    const image = VM_IMAGES.find((img) => img.key === key);
    if (!image) return;
    const vmid = 9000 + i;
    guests.set(vmid, {
      vmid, type: 'qemu', name: `tpl-${key}`, node: nodes[i % nodes.length]?.name ?? '', status: 'stopped', startedAt: 0,
      cores: 2, sockets: 1, memoryMiB: 4096, diskGiB: image.windows ? 64 : 16, storage: 'ceph-vm', template: true,
      tags: 'template', pool: undefined, lock: undefined, image: key, ostype: image.ostype, tenant: undefined,
      confidential: undefined, protection: true, onboot: false, agent: true,
      description: `Golden image ${image.label}, rebuilt monthly by the image pipeline.`,
      vlan: 0, ctime: Math.floor((nowMs - guestRng.int(20, 200) * DAY_MS) / 1000), profile: hash32(seed, vmid),
      snapshots: undefined, parentSnap: undefined, extra: undefined, version: 1, base: undefined,
    });
  });

  let vmid = 100;
  const haCandidates: Guest[] = [];
  for (let i = 0; i < guestCount; i++) {
    const tenant = guestRng.pick(tenants);
    const isCt = guestRng.chance(0.15);
    const size = guestRng.weighted(VM_SIZE_WEIGHTS);
    const spec = VM_SIZES[size];
    const running = guestRng.chance(0.86);
    const env = guestRng.weighted([['prod', 6], ['staging', 2], ['dev', 1]] as const);
    let image: string;
    let ostype: string;
    let cores = spec.cores;
    let memoryMiB = spec.memoryMiB;
    let diskGiB = spec.diskGiB;
    let role: string;
    if (isCt) {
      role = guestRng.pick(CT_ROLES);
      const ct = guestRng.pick(CT_IMAGES);
      image = ct.ostype;
      ostype = ct.ostype;
      // Containers are sized smaller than the VM catalogue: they run single services.
      cores = Math.max(1, cores / 2);
      memoryMiB = Math.max(1024, memoryMiB / 4);
      diskGiB = Math.max(8, diskGiB / 4);
    } else {
      role = guestRng.weighted(ROLES);
      image = guestRng.weighted(VM_IMAGE_WEIGHTS);
      ostype = VM_IMAGES.find((img) => img.key === image)?.ostype ?? 'l26';
    }
    const counterKey = `${tenant}-${role}`;
    const n = (nameCounters.get(counterKey) ?? 0) + 1;
    nameCounters.set(counterKey, n);
    const name = `${tenant}-${role}-${String(n).padStart(2, '0')}`;

    const onCeph = guestRng.chance(0.55);
    const confidential: Guest['confidential'] = !isCt && guestRng.chance(confidentialShare) ? (vendor === 'amd' ? 'sev-snp' : 'tdx') : undefined;
    const tagSet = new Set<string>([`tenant-${tenant}`, env]);
    if (confidential) tagSet.add('confidential');
    if (role.startsWith('k8s')) tagSet.add('k8s');
    if (role === 'iot-gw' || role === 'mqtt') tagSet.add('iot');
    const protectedGuest = (env === 'prod' && role === 'db') || guestRng.chance(0.04);
    if (protectedGuest) tagSet.add('protected');

    const node = placement.place(memoryMiB, running);
    const ctime = Math.floor((nowMs - guestRng.int(14, 720) * DAY_MS - guestRng.int(0, 86_399) * 1000) / 1000);
    const nodeState = nodes.find((x) => x.name === node);
    const maxUp = nodeState ? nowMs - nodeState.bootMs : DAY_MS;
    const startedAt = nowMs - Math.min(maxUp - 120_000, Math.round(guestRng.next() ** 2 * 60 * DAY_MS) + 600_000);

    const guest: Guest = {
      vmid, type: isCt ? 'lxc' : 'qemu', name, node, status: running ? 'running' : 'stopped',
      startedAt: running ? startedAt : 0, cores, sockets: 1, memoryMiB, diskGiB,
      storage: onCeph ? 'ceph-vm' : 'local-zfs', template: false,
      tags: [...tagSet].sort().join(';'), pool: guestRng.chance(0.92) ? tenant : undefined,
      lock: undefined, image, ostype, tenant, confidential, protection: protectedGuest,
      onboot: running && env === 'prod', agent: !isCt && guestRng.chance(0.85),
      description: descriptionFor(tenant, role, env),
      vlan: tenantVlan.get(tenant) ?? 110, ctime, profile: hash32(seed, vmid, name),
      snapshots: undefined, parentSnap: undefined, extra: undefined, version: 1,
      base: !isCt && onCeph && guestRng.chance(0.3) ? templateVmid(image) : undefined,
    };
    if (guestRng.chance(0.1)) addSnapshots(guest, guestRng, nowMs);
    guests.set(vmid, guest);
    if (onCeph && running && !isCt && env === 'prod') haCandidates.push(guest);
    vmid += 1 + (guestRng.chance(0.12) ? guestRng.int(1, 3) : 0);
  }

  const { resources: haResources, rules: haRules } = buildHa(haCandidates, nodes, tenants, rng.fork('ha'));
  const pools: PoolDef[] = tenants.map((t) => ({
    poolid: t,
    comment: `${capitalise(t)} - ${shared ? 'shared IaaS' : plan.kind === 'edge' ? 'edge location, confidential' : 'confidential private pool'}`,
    storages: [],
  }));
  const { zones, vnets } = buildSdn(tenants, tenantVlan);
  const backupJobs: BackupJob[] = [{
    id: `backup-${rng.hex(8)}-${rng.hex(4)}`,
    schedule: '21:00',
    storage: `pbs-${regionId}`,
    mode: 'snapshot',
    all: true,
    enabled: true,
    comment: 'Nightly backup of all guests to the regional PBS',
  }];

  return {
    info,
    index,
    seed,
    vendor,
    nodes,
    nodeByName: new Map(nodes.map((n) => [n.name, n])),
    guests,
    storages,
    pools,
    haResources,
    haRules,
    sdnZones: zones,
    sdnVnets: vnets,
    backupJobs,
    backups: [],
    configVersion: plan.hosts + 2 + rng.int(0, 5),
    repoid: rng.hex(16),
    epochMs: Math.floor(nowMs / 60_000) * 60_000,
  };
}

function buildStorages(plan: ClusterPlan, regionId: string, octet2: number): StorageDef[] {
  return [
    {
      id: 'local', type: 'dir', content: 'backup,iso,vztmpl', shared: false, total: HOST.rootfsBytes, baseUsed: 0.18,
      config: { path: '/var/lib/vz' },
    },
    {
      // The 32 TB SSD of each host, as a ZFS pool; ZFS metadata and slop take ~8%.
      id: 'local-zfs', type: 'zfspool', content: 'images,rootdir', shared: false, total: Math.round(HOST.ssdBytes * 0.92), baseUsed: 0.01,
      config: { pool: 'rpool/data', sparse: 1 },
    },
    {
      // Shared Ceph RBD pool across the cluster's OSDs, 3 replicas.
      id: 'ceph-vm', type: 'rbd', content: 'images,rootdir', shared: true, total: Math.round((plan.hosts * HOST.ssdBytes) / 3 * 0.95), baseUsed: 0.02,
      config: { pool: 'ceph-vm', krbd: 0 },
    },
    {
      // Edge sites back up to their region's Proxmox Backup Server.
      id: `pbs-${regionId}`, type: 'pbs', content: 'backup', shared: true, total: 480 * TB, baseUsed: 0.31,
      config: { server: `10.${octet2}.250.10`, datastore: plan.kind === 'edge' ? 'edge' : 'dc', username: 'sync@pbs', fingerprint: pbsFingerprint(regionId) },
    },
  ];
}

/** vmid of the cluster template an image was cloned from, if the image has one. */
function templateVmid(image: string): number | undefined {
  const i = (TEMPLATE_IMAGES as readonly string[]).indexOf(image);
  return i < 0 ? undefined : 9000 + i;
}

function pbsFingerprint(regionId: string): string {
  const r = new Rng(hash32('pbs', regionId));
  return r.hex(64).toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** Spreads guests over nodes by free memory, like an operator balancing a pool. */
class Placement {
  private readonly free: number[];

  constructor(private readonly nodes: NodeState[], private readonly rng: Rng) {
    this.free = nodes.map(() => (HOST.memTotal / 1024 ** 2) * 0.9);
  }

  place(memoryMiB: number, running: boolean): string {
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < this.nodes.length; i++) {
      const score = (this.free[i] ?? 0) * (0.75 + 0.5 * this.rng.next());
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (running) this.free[best] = (this.free[best] ?? 0) - memoryMiB;
    return this.nodes[best]?.name ?? '';
  }
}

function addSnapshots(guest: Guest, rng: Rng, nowMs: number): void {
  const count = rng.int(1, 3);
  const snaps: Guest['snapshots'] = [];
  let parent: string | undefined;
  let t = Math.max(guest.ctime + 86_400, Math.floor(nowMs / 1000) - rng.int(40, 120) * 86_400);
  for (let i = 0; i < count; i++) {
    const name = i === 0 ? 'baseline' : i === 1 ? 'pre-upgrade' : 'before-patch';
    snaps.push({
      name,
      description: i === 0 ? 'State after provisioning' : 'Taken by the patch workflow',
      snaptime: t,
      vmstate: guest.type === 'qemu' && rng.chance(0.3),
      parent,
      cores: guest.cores,
      memoryMiB: guest.memoryMiB,
      running: guest.status === 'running',
    });
    parent = name;
    t += rng.int(5, 30) * 86_400;
  }
  guest.snapshots = snaps;
  guest.parentSnap = parent;
}

function buildHa(candidates: Guest[], nodes: NodeState[], tenants: string[], rng: Rng): { resources: Map<string, HaResource>; rules: HaRule[] } {
  const resources = new Map<string, HaResource>();
  for (const g of candidates) {
    if (!rng.chance(0.6)) continue;
    const sid = haSid(g);
    resources.set(sid, { sid, type: 'vm', vmid: g.vmid, state: 'started', failback: true, maxRestart: 1, maxRelocate: 1, comment: undefined });
  }
  const rules: HaRule[] = [];
  for (const tenant of tenants) {
    const mine = candidates.filter((g) => g.tenant === tenant && resources.has(haSid(g)));
    if (mine.length >= 2 && nodes.length >= 3) {
      const preferred = nodes.slice(0, Math.max(2, Math.ceil(nodes.length / 2)));
      rules.push({
        rule: `prefer-${tenant}`,
        type: 'node-affinity',
        resources: mine.map(haSid).sort().join(','),
        nodes: preferred.map((n, i) => `${n.name}:${i === 0 ? 2 : 1}`).join(','),
        strict: false,
        affinity: undefined,
        disable: undefined,
        comment: `Keep ${tenant} workloads on their preferred hosts`,
      });
    }
    // Databases of one tenant must not share a host.
    const dbs: Guest[] = [];
    const seen = new Set<string>();
    for (const g of mine) {
      if (!g.name.includes('-db-') || seen.has(g.node)) continue;
      seen.add(g.node);
      dbs.push(g);
    }
    if (dbs.length >= 2) {
      rules.push({
        rule: `spread-${tenant}-db`,
        type: 'resource-affinity',
        resources: dbs.map(haSid).sort().join(','),
        nodes: undefined,
        strict: undefined,
        affinity: 'negative',
        disable: undefined,
        comment: undefined,
      });
    }
  }
  return { resources, rules };
}

function buildSdn(tenants: string[], vlans: Map<string, number>): { zones: SdnZone[]; vnets: SdnVnet[] } {
  const zones: SdnZone[] = [
    { zone: 'tenants', type: 'vlan', bridge: 'vmbr1', mtu: 9000, ipam: 'pve' },
    { zone: 'isolate', type: 'simple', bridge: undefined, mtu: undefined, ipam: 'pve' },
  ];
  const vnets: SdnVnet[] = tenants.map((t) => {
    const tag = vlans.get(t) ?? 110;
    return { vnet: `${t.slice(0, 4)}${tag}`, zone: 'tenants', tag, alias: `${capitalise(t)} tenant network` };
  });
  vnets.push({ vnet: 'scratch', zone: 'isolate', tag: undefined, alias: 'Isolated lab network' });
  return { zones, vnets };
}

function descriptionFor(tenant: string, role: string, env: string): string {
  return `Provisioned by SCMP for ${capitalise(tenant)} (${env}, ${role}).`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
