// The service catalogue and hardware facts the simulated fleet is generated from
// (see shared/SERVICE.md): pool sizes, VM sizes, the standard host, templates, EU regions,
// tenants. Pure data; generation decides how to combine it.

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
export const TB = 1e12;

/**
 * Every host: 2 CPUs x 24 cores, 512 GB RAM, 32 TB SSD.
 * maxcpu is reported as 96 because PVE counts logical CPUs and these hosts run with SMT on
 * (2 sockets x 24 cores x 2 threads); cpuinfo still reports sockets=2, cores=24.
 */
export const HOST = {
  sockets: 2,
  coresPerSocket: 24,
  threads: 96,
  /** What the kernel reports as MemTotal for 512 GiB of DIMMs (firmware and kernel keep some). */
  memTotal: 512 * GiB - 6 * GiB,
  ssdBytes: 32 * TB,
  rootfsBytes: 94 * GiB,
  swapBytes: 8 * GiB,
} as const;

export type CpuVendor = 'amd' | 'intel';

export const CPU_MODELS: Record<CpuVendor, { model: string; mhz: string; flagsNote: string }> = {
  // EPYC 9254: 24-core Genoa with SEV-SNP, used for confidential pools.
  amd: { model: 'AMD EPYC 9254 24-Core Processor', mhz: '2900.000', flagsNote: 'sev_snp' },
  // Xeon Gold 6542Y: 24-core Emerald Rapids with TDX.
  intel: { model: 'INTEL(R) XEON(R) GOLD 6542Y', mhz: '2900.000', flagsNote: 'tdx' },
};

export type PoolSize = 'small' | 'medium' | 'large' | 'xlarge';

export const POOL_HOSTS: Record<PoolSize, number> = { small: 3, medium: 6, large: 9, xlarge: 12 };
export const POOL_SUFFIX: Record<PoolSize, string> = { small: 's', medium: 'm', large: 'l', xlarge: 'xl' };

export type VmSize = 'small' | 'medium' | 'large' | 'xlarge';

/** Shared IaaS VM sizes: vCPU and memory from the catalogue; the disk is our choice. */
export const VM_SIZES: Record<VmSize, { cores: number; memoryMiB: number; diskGiB: number }> = {
  small: { cores: 2, memoryMiB: 4096, diskGiB: 32 },
  medium: { cores: 4, memoryMiB: 8192, diskGiB: 64 },
  large: { cores: 8, memoryMiB: 16384, diskGiB: 128 },
  xlarge: { cores: 16, memoryMiB: 32768, diskGiB: 256 },
};

export const VM_SIZE_WEIGHTS: ReadonlyArray<readonly [VmSize, number]> = [
  ['small', 40],
  ['medium', 30],
  ['large', 20],
  ['xlarge', 10],
];

export interface OsImage {
  key: string;
  label: string;
  /** qemu `ostype` */
  ostype: string;
  windows: boolean;
}

export const VM_IMAGES: readonly OsImage[] = [
  { key: 'ubuntu-24.04', label: 'Ubuntu 24.04 LTS', ostype: 'l26', windows: false },
  { key: 'ubuntu-22.04', label: 'Ubuntu 22.04 LTS', ostype: 'l26', windows: false },
  { key: 'debian-12', label: 'Debian 12', ostype: 'l26', windows: false },
  { key: 'debian-13', label: 'Debian 13', ostype: 'l26', windows: false },
  { key: 'centos-stream-9', label: 'CentOS Stream 9', ostype: 'l26', windows: false },
  { key: 'win2022', label: 'Windows Server 2022', ostype: 'win11', windows: true },
  { key: 'win2025', label: 'Windows Server 2025', ostype: 'win11', windows: true },
];

export const VM_IMAGE_WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['ubuntu-24.04', 30],
  ['ubuntu-22.04', 15],
  ['debian-12', 25],
  ['debian-13', 8],
  ['centos-stream-9', 8],
  ['win2022', 9],
  ['win2025', 5],
];

/** Templates every cluster carries (vmid 9000 upwards), cloned by tenants' automation. */
export const TEMPLATE_IMAGES = ['ubuntu-24.04', 'debian-12', 'centos-stream-9', 'win2022'] as const;

export interface CtImage {
  ostype: string;
  volid: string;
}

export const CT_IMAGES: readonly CtImage[] = [
  { ostype: 'debian', volid: 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst' },
  { ostype: 'ubuntu', volid: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst' },
  { ostype: 'alpine', volid: 'local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz' },
];

export interface Region {
  id: string;
  label: string;
  weight: number;
  /** [code, city] pairs; the code names edge clusters (edge-<code>-NNN). */
  cities: ReadonlyArray<readonly [string, string]>;
}

export const REGIONS: readonly Region[] = [
  {
    id: 'central', label: 'EU Central', weight: 30,
    cities: [['fra', 'Frankfurt'], ['muc', 'Munich'], ['ber', 'Berlin'], ['ham', 'Hamburg'], ['vie', 'Vienna'], ['zrh', 'Zurich'], ['prg', 'Prague'], ['str', 'Stuttgart'], ['dus', 'Dusseldorf']],
  },
  {
    id: 'west', label: 'EU West', weight: 25,
    cities: [['par', 'Paris'], ['ams', 'Amsterdam'], ['bru', 'Brussels'], ['dub', 'Dublin'], ['lux', 'Luxembourg'], ['lil', 'Lille'], ['rtm', 'Rotterdam'], ['lys', 'Lyon']],
  },
  {
    id: 'south', label: 'EU South', weight: 20,
    cities: [['mad', 'Madrid'], ['bcn', 'Barcelona'], ['mil', 'Milan'], ['rom', 'Rome'], ['lis', 'Lisbon'], ['ath', 'Athens'], ['mrs', 'Marseille'], ['trn', 'Turin']],
  },
  {
    id: 'north', label: 'EU North', weight: 12,
    cities: [['sto', 'Stockholm'], ['hel', 'Helsinki'], ['cph', 'Copenhagen'], ['osl', 'Oslo'], ['got', 'Gothenburg'], ['tll', 'Tallinn'], ['rix', 'Riga']],
  },
  {
    id: 'east', label: 'EU East', weight: 13,
    cities: [['waw', 'Warsaw'], ['krk', 'Krakow'], ['buh', 'Bucharest'], ['bud', 'Budapest'], ['sof', 'Sofia'], ['vno', 'Vilnius'], ['brq', 'Brno']],
  },
];

/** Tenants of the confidential and shared offerings; tags and pools are derived from these. */
export const TENANTS = ['acme', 'nordwind', 'baltic', 'iberia', 'danube', 'rhine', 'fjord', 'atlas', 'alpina', 'helios'] as const;

/** Workload roles used for guest names (<tenant>-<role>-NN). */
export const ROLES: ReadonlyArray<readonly [string, number]> = [
  ['web', 14], ['app', 14], ['db', 8], ['cache', 5], ['mq', 4], ['k8s-cp', 3], ['k8s-wk', 10],
  ['iot-gw', 6], ['edge-ai', 4], ['log', 3], ['mon', 3], ['vpn', 2], ['dns', 2], ['ci', 3], ['sftp', 2],
];

export const CT_ROLES = ['dns', 'proxy', 'mon', 'log', 'ntp', 'mqtt', 'sftp'] as const;

/** PVE release the simulated clusters report. */
export const PVE_VERSION = {
  version: '9.1.9',
  release: '9.1',
  kernel: '6.17.2-1-pve',
  kernelBuild: '#1 SMP PREEMPT_DYNAMIC PMX 6.17.2-1 (2025-10-21T11:55Z)',
  qemu: '10.1.2',
  machine: 'pc-q35-10.1+pve0',
} as const;
