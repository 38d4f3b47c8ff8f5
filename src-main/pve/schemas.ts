/**
 * zod schemas and DTO types for the PVE endpoints the console uses, derived
 * from apidoc.json (PVE 9.1) and checked against 8.4 and recorded 6.x/7.x
 * responses.
 *
 * Leniency rules, because one console talks to clusters from 6.x to 9.2:
 * - objects are loose: fields a newer release adds pass through untouched;
 * - numbers older releases send as strings (`"vmid":"100"`) are coerced;
 * - PVE booleans (1/0, "1"/"0", "", true/false) become booleans;
 * - `null` counts as absent; only the fields that identify an entry are required.
 */
import { z } from 'zod';
import { isUpid } from './upid';

// ---- building blocks --------------------------------------------------------

const NUMERIC_RE = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A number, or a string that spells one. */
export const pveNumber = z.union([z.number(), z.string().regex(NUMERIC_RE).transform(Number)]);

const TRUE_STRINGS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_STRINGS = new Set(['0', 'false', 'no', 'off', '']);

function toBoolean(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE_STRINGS.has(s)) return true;
    if (FALSE_STRINGS.has(s)) return false;
  }
  return v;
}

/** PVE's boolean: 1/0, "1"/"0", "" (6.x templates), true/false. */
export const pveBoolean = z.preprocess(toBoolean, z.boolean());

/** A string; numbers are accepted too because Perl's JSON encoder sometimes emits numeric-looking ids as numbers. */
export const pveString = z.union([z.string(), z.number().transform(String)]);

const absent = (v: unknown): unknown => (v === null ? undefined : v);

const optNumber = z.preprocess((v) => (v === null || v === '' ? undefined : v), pveNumber.optional());
const optBoolean = z.preprocess((v) => (v === null ? undefined : toBoolean(v)), z.boolean().optional());
const optString = z.preprocess(absent, pveString.optional());

/**
 * A string whose current values are listed for the reader. Typed as plain
 * `string`, not a literal union: releases add values, and (unlike a
 * `'a' | 'b' | (string & {})` hint) plain string narrows on `===`.
 */
function knownString(_values: readonly string[]) {
  return pveString;
}
function optKnownString(_values: readonly string[]) {
  return optString;
}

/** Number that older releases or some configs deliver as a non-numeric string (e.g. qemu `memory`). */
const optNumberOrString = z.preprocess(absent, z.union([pveNumber, z.string()]).optional());

const optLooseRecord = z.preprocess(absent, z.looseObject({}).optional());

/** A UPID string returned by every call that starts a task. */
export const upidSchema = z.string().refine(isUpid, 'expected a task id (UPID)');

/** Result of calls documented as returning null (PUT config and the like); whatever comes back is ignored. */
export const nullSchema = z.unknown().transform(() => null);

// ---- /version, /access/ticket ---------------------------------------------------

export const versionSchema = z.looseObject({
  version: pveString,
  release: optString,
  repoid: optString,
  console: optString,
});
export type PveVersion = z.output<typeof versionSchema>;

export const ticketSchema = z.looseObject({
  username: pveString,
  ticket: optString,
  CSRFPreventionToken: optString,
  clustername: optString,
  /** Set when the user has TFA: the ticket is only half-authenticated. */
  NeedTFA: optBoolean,
  cap: optLooseRecord,
});
export type PveTicket = z.output<typeof ticketSchema>;

// ---- /cluster/resources -----------------------------------------------------------

const usage = {
  cpu: optNumber,
  maxcpu: optNumber,
  mem: optNumber,
  maxmem: optNumber,
  disk: optNumber,
  maxdisk: optNumber,
  uptime: optNumber,
};

const GUEST_STATUS = ['running', 'stopped', 'unknown'] as const;

export const guestResourceSchema = z.looseObject({
  id: pveString,
  type: z.enum(['qemu', 'lxc']),
  vmid: pveNumber,
  node: pveString,
  status: optKnownString(GUEST_STATUS),
  name: optString,
  ...usage,
  memhost: optNumber,
  netin: optNumber,
  netout: optNumber,
  diskread: optNumber,
  diskwrite: optNumber,
  template: optBoolean,
  hastate: optString,
  pool: optString,
  /** `;`-separated (see `splitTags`). */
  tags: optString,
  lock: optString,
});
export type GuestResource = z.output<typeof guestResourceSchema>;

export const nodeResourceSchema = z.looseObject({
  id: pveString,
  type: z.literal('node'),
  node: pveString,
  status: optKnownString(['online', 'offline', 'unknown'] as const),
  ...usage,
  level: optString,
  'cgroup-mode': optNumber,
  hastate: optString,
});
export type NodeResource = z.output<typeof nodeResourceSchema>;

export const storageResourceSchema = z.looseObject({
  id: pveString,
  type: z.literal('storage'),
  storage: pveString,
  node: pveString,
  status: optKnownString(['available', 'unknown'] as const),
  disk: optNumber,
  maxdisk: optNumber,
  plugintype: optString,
  shared: optBoolean,
  content: optString,
});
export type StorageResource = z.output<typeof storageResourceSchema>;

export const poolResourceSchema = z.looseObject({
  id: pveString,
  type: z.literal('pool'),
  pool: pveString,
  status: optString,
});
export type PoolResource = z.output<typeof poolResourceSchema>;

export const sdnResourceSchema = z.looseObject({
  id: pveString,
  type: z.literal('sdn'),
  sdn: optString,
  node: optString,
  status: optString,
  'zone-type': optString,
});
export type SdnResource = z.output<typeof sdnResourceSchema>;

/** 9.x: zones and fabrics per node. */
export const networkResourceSchema = z.looseObject({
  id: pveString,
  type: z.literal('network'),
  network: optString,
  'network-type': optKnownString(['fabric', 'zone'] as const),
  node: optString,
  status: optString,
  protocol: optString,
});
export type NetworkResource = z.output<typeof networkResourceSchema>;

const KNOWN_RESOURCE_TYPES = new Set(['qemu', 'lxc', 'node', 'storage', 'pool', 'sdn', 'network']);

/** Entry types this client does not model (e.g. `openvz`, or whatever a later release adds). */
export const otherResourceSchema = z.looseObject({
  id: pveString,
  type: z.string().refine((t) => !KNOWN_RESOURCE_TYPES.has(t), 'known resource type with unexpected fields'),
});
export type OtherResource = z.output<typeof otherResourceSchema>;

export type ClusterResource = GuestResource | NodeResource | StorageResource | PoolResource | SdnResource | NetworkResource | OtherResource;

const RESOURCE_SCHEMA_BY_TYPE: Readonly<Record<string, z.ZodType>> = {
  qemu: guestResourceSchema,
  lxc: guestResourceSchema,
  node: nodeResourceSchema,
  storage: storageResourceSchema,
  pool: poolResourceSchema,
  sdn: sdnResourceSchema,
  network: networkResourceSchema,
};

/**
 * A fast path for the common case, where an entry already has the types the
 * schema produces: it is checked and normalised in place (`null` and `""`
 * numbers become absent, 1/0 booleans become booleans) and returned as is,
 * with no copy. Anything it is unsure of (numeric strings, odd booleans,
 * wrong types) returns false and goes to the zod schema, which stays the
 * definition; a property test holds the two to the same answers. A 500-site
 * fleet sends 100,000 entries per sync, and the copies zod makes were most
 * of the sync's garbage.
 */
type FastKind = 'str' | 'num' | 'optStr' | 'optNum' | 'optBool' | 'type';
type FastSpec = readonly (readonly [string, FastKind])[];

const FAST_KINDS = new Map<unknown, FastKind>([
  [pveString, 'str'],
  [pveNumber, 'num'],
  [optString, 'optStr'],
  [optNumber, 'optNum'],
  [optBoolean, 'optBool'],
]);

/** The fast spec of a loose object schema, or null when a field is of a kind the fast path does not know. */
export function fastSpecOf(schema: z.ZodType): FastSpec | null {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  if (!shape) return null;
  const spec: [string, FastKind][] = [];
  for (const [key, field] of Object.entries(shape)) {
    // `type` picked the schema, so it already holds one of the values the schema allows.
    const kind = key === 'type' ? 'type' : FAST_KINDS.get(field);
    if (!kind) return null;
    spec.push([key, kind]);
  }
  return spec;
}

/** True when `o` was accepted (and normalised in place) by the fast path. */
export function fastAccept(o: Record<string, unknown>, spec: FastSpec): boolean {
  for (const [key, kind] of spec) {
    const v = o[key];
    switch (kind) {
      case 'type':
        break;
      case 'str':
        if (typeof v !== 'string') return false;
        break;
      case 'num':
        if (typeof v !== 'number' || !Number.isFinite(v)) return false;
        break;
      case 'optStr':
        if (v === null) o[key] = undefined;
        else if (v !== undefined && typeof v !== 'string') return false;
        break;
      case 'optNum':
        if (v === null || v === '') o[key] = undefined;
        else if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) return false;
        break;
      case 'optBool':
        if (v === null) o[key] = undefined;
        else if (typeof v === 'number') o[key] = v !== 0;
        else if (v !== undefined && typeof v !== 'boolean') return false;
        break;
    }
  }
  return true;
}

const FAST_SPEC_BY_TYPE = new Map<string, FastSpec>(
  Object.entries(RESOURCE_SCHEMA_BY_TYPE).flatMap(([type, schema]) => {
    const spec = fastSpecOf(schema);
    return spec ? [[type, spec] as const] : [];
  }),
);

/**
 * One /cluster/resources entry, validated by the schema its `type` names.
 * Same acceptance as the plain union, but one schema is tried instead of
 * seven, and most entries take the fast path above.
 */
export const clusterResourceSchema = z.unknown().transform((value, ctx): ClusterResource => {
  const type = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
  const fast = typeof type === 'string' ? FAST_SPEC_BY_TYPE.get(type) : undefined;
  if (fast && fastAccept(value as Record<string, unknown>, fast)) return value as ClusterResource;
  const schema = (typeof type === 'string' && Object.hasOwn(RESOURCE_SCHEMA_BY_TYPE, type) && RESOURCE_SCHEMA_BY_TYPE[type]) || otherResourceSchema;
  const r = schema.safeParse(value);
  if (r.success) return r.data as ClusterResource;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[] });
  return z.NEVER;
});
export const clusterResourcesSchema = z.array(clusterResourceSchema);

// `type` of OtherResource is `string`, which defeats narrowing on `r.type === 'qemu'`; these guards narrow properly.
export const isGuestResource = (r: ClusterResource): r is GuestResource => r.type === 'qemu' || r.type === 'lxc';
export const isNodeResource = (r: ClusterResource): r is NodeResource => r.type === 'node';
export const isStorageResource = (r: ClusterResource): r is StorageResource => r.type === 'storage';
export const isPoolResource = (r: ClusterResource): r is PoolResource => r.type === 'pool';
export const isSdnResource = (r: ClusterResource): r is SdnResource => r.type === 'sdn';
export const isNetworkResource = (r: ClusterResource): r is NetworkResource => r.type === 'network';

/** PVE tags are `;`-separated (older releases also used `,` and spaces). */
export function splitTags(tags: string | undefined): string[] {
  return (tags ?? '')
    .split(/[;,\s]+/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

// ---- /cluster/status, HA -------------------------------------------------------------

export const clusterStatusEntrySchema = z.looseObject({
  id: pveString,
  name: pveString,
  type: knownString(['cluster', 'node'] as const),
  // cluster entry
  nodes: optNumber,
  quorate: optBoolean,
  version: optNumber,
  // node entries
  nodeid: optNumber,
  ip: optString,
  online: optBoolean,
  local: optBoolean,
  level: optString,
});
export type ClusterStatusEntry = z.output<typeof clusterStatusEntrySchema>;
export const clusterStatusSchema = z.array(clusterStatusEntrySchema);

export const haStatusEntrySchema = z.looseObject({
  id: pveString,
  type: knownString(['quorum', 'master', 'lrm', 'service', 'fencing'] as const),
  node: optString,
  status: optString,
  quorate: optBoolean,
  timestamp: optNumber,
  sid: optString,
  state: optString,
  crm_state: optString,
  request_state: optString,
  max_restart: optNumber,
  max_relocate: optNumber,
  failback: optBoolean,
  'armed-state': optKnownString(['armed', 'standby', 'disarming', 'disarmed'] as const),
  resource_mode: optKnownString(['freeze', 'ignore'] as const),
});
export type HaStatusEntry = z.output<typeof haStatusEntrySchema>;
export const haStatusSchema = z.array(haStatusEntrySchema);

export const haResourceSchema = z.looseObject({
  sid: pveString,
  type: optKnownString(['vm', 'ct'] as const),
  state: optKnownString(['started', 'stopped', 'enabled', 'disabled', 'ignored'] as const),
  /** 8.x only. */
  group: optString,
  max_restart: optNumber,
  max_relocate: optNumber,
  /** 9.x: replaces the group's `nofailback`. */
  failback: optBoolean,
  comment: optString,
  digest: optString,
});
export type HaResource = z.output<typeof haResourceSchema>;
export const haResourcesSchema = z.array(haResourceSchema);

/** 9.x `/cluster/ha/rules`. */
export const haRuleSchema = z.looseObject({
  rule: pveString,
  type: optKnownString(['node-affinity', 'resource-affinity'] as const),
  /** `vm:100,ct:101`. */
  resources: optString,
  /** node-affinity: `node1:2,node2` (name with optional priority). */
  nodes: optString,
  strict: optBoolean,
  affinity: optKnownString(['positive', 'negative'] as const),
  disable: optBoolean,
  comment: optString,
  digest: optString,
});
export type HaRule = z.output<typeof haRuleSchema>;
export const haRulesSchema = z.array(haRuleSchema);

/** 8.x `/cluster/ha/groups` (deprecated in 9.x, then HTTP 500 once migrated to rules). */
export const haGroupSchema = z.looseObject({
  group: pveString,
  nodes: optString,
  restricted: optBoolean,
  nofailback: optBoolean,
  comment: optString,
  type: optString,
  digest: optString,
});
export type HaGroup = z.output<typeof haGroupSchema>;
export const haGroupsSchema = z.array(haGroupSchema);

// ---- nodes -----------------------------------------------------------------------------

export const nodeListEntrySchema = z.looseObject({
  node: pveString,
  status: knownString(['online', 'offline', 'unknown'] as const),
  cpu: optNumber,
  maxcpu: optNumber,
  mem: optNumber,
  maxmem: optNumber,
  disk: optNumber,
  maxdisk: optNumber,
  uptime: optNumber,
  level: optString,
  /** SHA-256 of the node certificate, the value to pin. */
  ssl_fingerprint: optString,
});
export type NodeListEntry = z.output<typeof nodeListEntrySchema>;
export const nodeListSchema = z.array(nodeListEntrySchema);

const memoryBlock = z.preprocess(
  absent,
  z.looseObject({ total: optNumber, used: optNumber, free: optNumber, available: optNumber, avail: optNumber }).optional(),
);

export const nodeStatusSchema = z.looseObject({
  cpu: pveNumber,
  memory: z.looseObject({ total: pveNumber, used: pveNumber, free: optNumber, available: optNumber }),
  /** 1, 5 and 15 minute load averages (PVE sends them as strings). */
  loadavg: z.preprocess(absent, z.array(pveNumber).optional()),
  wait: optNumber,
  uptime: optNumber,
  swap: memoryBlock,
  rootfs: memoryBlock,
  ksm: optLooseRecord,
  cpuinfo: z.preprocess(
    absent,
    z
      .looseObject({ cpus: optNumber, cores: optNumber, sockets: optNumber, model: optString, mhz: optNumber, hvm: optString })
      .optional(),
  ),
  pveversion: optString,
  kversion: optString,
  'current-kernel': z.preprocess(
    absent,
    z.looseObject({ sysname: optString, release: optString, version: optString, machine: optString }).optional(),
  ),
  'boot-info': z.preprocess(absent, z.looseObject({ mode: optKnownString(['efi', 'legacy-bios'] as const), secureboot: optBoolean }).optional()),
});
export type NodeStatus = z.output<typeof nodeStatusSchema>;

export const RRD_TIMEFRAMES = ['hour', 'day', 'week', 'month', 'year', 'decade'] as const;
export type RrdTimeframe = (typeof RRD_TIMEFRAMES)[number];
export type RrdConsolidation = 'AVERAGE' | 'MAX';

/** One RRD sample; a sample without data carries only `time`. Metric names differ by release, hence loose. */
export const rrdSampleSchema = z.looseObject({
  time: pveNumber,
  cpu: optNumber,
  maxcpu: optNumber,
  iowait: optNumber,
  loadavg: optNumber,
  memtotal: optNumber,
  memused: optNumber,
  memavailable: optNumber,
  swaptotal: optNumber,
  swapused: optNumber,
  roottotal: optNumber,
  rootused: optNumber,
  netin: optNumber,
  netout: optNumber,
  arcsize: optNumber,
  // guests
  mem: optNumber,
  maxmem: optNumber,
  memhost: optNumber,
  disk: optNumber,
  maxdisk: optNumber,
  diskread: optNumber,
  diskwrite: optNumber,
});
export type RrdSample = z.output<typeof rrdSampleSchema>;
export const rrdDataSchema = z.array(rrdSampleSchema);

export const networkInterfaceSchema = z.looseObject({
  iface: pveString,
  type: knownString([
    'bridge',
    'bond',
    'eth',
    'alias',
    'vlan',
    'fabric',
    'OVSBridge',
    'OVSBond',
    'OVSPort',
    'OVSIntPort',
    'vnet',
    'unknown',
  ] as const),
  active: optBoolean,
  autostart: optBoolean,
  exists: optBoolean,
  method: optString,
  method6: optString,
  address: optString,
  netmask: optString,
  cidr: optString,
  gateway: optString,
  address6: optString,
  netmask6: optNumber,
  cidr6: optString,
  gateway6: optString,
  bridge_ports: optString,
  bridge_vlan_aware: optBoolean,
  bridge_vids: optString,
  slaves: optString,
  bond_mode: optString,
  'vlan-id': optNumber,
  'vlan-raw-device': optString,
  mtu: optNumber,
  comments: optString,
  priority: optNumber,
  families: z.preprocess(absent, z.array(z.string()).optional()),
});
export type NetworkInterface = z.output<typeof networkInterfaceSchema>;
export const networkInterfacesSchema = z.array(networkInterfaceSchema);

// ---- SDN ---------------------------------------------------------------------------------

export const sdnZoneSchema = z.looseObject({
  zone: pveString,
  type: knownString(['evpn', 'faucet', 'qinq', 'simple', 'vlan', 'vxlan'] as const),
  bridge: optString,
  tag: optNumber,
  mtu: optNumber,
  nodes: optString,
  ipam: optString,
  dhcp: optString,
  dns: optString,
  controller: optString,
  'vrf-vxlan': optNumber,
  peers: optString,
  exitnodes: optString,
  state: optKnownString(['new', 'changed', 'deleted'] as const),
  pending: optLooseRecord,
  digest: optString,
});
export type SdnZone = z.output<typeof sdnZoneSchema>;
export const sdnZonesSchema = z.array(sdnZoneSchema);

export const sdnVnetSchema = z.looseObject({
  vnet: pveString,
  type: optString,
  zone: optString,
  tag: optNumber,
  alias: optString,
  vlanaware: optBoolean,
  'isolate-ports': optBoolean,
  state: optKnownString(['new', 'changed', 'deleted'] as const),
  pending: optLooseRecord,
  digest: optString,
});
export type SdnVnet = z.output<typeof sdnVnetSchema>;
export const sdnVnetsSchema = z.array(sdnVnetSchema);

// ---- storage, pools --------------------------------------------------------------------

export const nodeStorageSchema = z.looseObject({
  storage: pveString,
  type: pveString,
  content: optString,
  active: optBoolean,
  enabled: optBoolean,
  shared: optBoolean,
  total: optNumber,
  used: optNumber,
  avail: optNumber,
  used_fraction: optNumber,
});
export type NodeStorage = z.output<typeof nodeStorageSchema>;
export const nodeStoragesSchema = z.array(nodeStorageSchema);

export const storageContentSchema = z.looseObject({
  volid: pveString,
  content: optString,
  format: optString,
  size: optNumber,
  used: optNumber,
  vmid: optNumber,
  ctime: optNumber,
  notes: optString,
  protected: optBoolean,
  parent: optString,
  verification: optLooseRecord,
});
export type StorageContent = z.output<typeof storageContentSchema>;
export const storageContentsSchema = z.array(storageContentSchema);

export const poolMemberSchema = z.looseObject({
  id: pveString,
  type: optKnownString(['qemu', 'lxc', 'openvz', 'storage'] as const),
  node: optString,
  vmid: optNumber,
  storage: optString,
});
export const poolSchema = z.looseObject({
  poolid: pveString,
  comment: optString,
  members: z.preprocess(absent, z.array(poolMemberSchema).optional()),
});
export type Pool = z.output<typeof poolSchema>;
export const poolsSchema = z.array(poolSchema);

// ---- guests --------------------------------------------------------------------------------

export type GuestType = 'qemu' | 'lxc';

const guestCommon = {
  vmid: pveNumber,
  status: knownString(GUEST_STATUS),
  name: optString,
  cpu: optNumber,
  cpus: optNumber,
  mem: optNumber,
  maxmem: optNumber,
  memhost: optNumber,
  disk: optNumber,
  maxdisk: optNumber,
  swap: optNumber,
  maxswap: optNumber,
  uptime: optNumber,
  pid: optNumber,
  lock: optString,
  tags: optString,
  template: optBoolean,
  netin: optNumber,
  netout: optNumber,
  diskread: optNumber,
  diskwrite: optNumber,
  // qemu only
  qmpstatus: optString,
  'running-qemu': optString,
  'running-machine': optString,
  serial: optBoolean,
  pressurecpusome: optNumber,
  pressurecpufull: optNumber,
  pressureiosome: optNumber,
  pressureiofull: optNumber,
  pressurememorysome: optNumber,
  pressurememoryfull: optNumber,
};

export const guestListEntrySchema = z.looseObject({ ...guestCommon, type: optString });
export type GuestListEntry = z.output<typeof guestListEntrySchema>;
export const guestListSchema = z.array(guestListEntrySchema);

export const guestStatusSchema = z.looseObject({
  ...guestCommon,
  vmid: optNumber,
  ha: z.preprocess(absent, z.looseObject({ managed: optBoolean, state: optString, group: optString }).optional()),
  agent: optBoolean,
  spice: optBoolean,
  clipboard: optString,
});
export type GuestStatus = z.output<typeof guestStatusSchema>;

/**
 * Guest configuration: flat key/value pairs. The keys the console reads are
 * typed; everything else (net0, scsi0, mp0, ...) passes through as PVE sent it.
 */
export const guestConfigSchema = z.looseObject({
  digest: optString,
  name: optString,
  hostname: optString,
  description: optString,
  tags: optString,
  cores: optNumber,
  sockets: optNumber,
  cpulimit: optNumber,
  /** qemu: MiB, or `current=…` property string on newer releases; lxc: MiB. */
  memory: optNumberOrString,
  balloon: optNumber,
  swap: optNumber,
  onboot: optBoolean,
  protection: optBoolean,
  template: optBoolean,
  ostype: optString,
  arch: optString,
  agent: optString,
  lock: optString,
  boot: optString,
  cpu: optString,
  machine: optString,
  bios: optString,
  unprivileged: optBoolean,
  rootfs: optString,
});
export type GuestConfig = z.output<typeof guestConfigSchema>;

export const snapshotSchema = z.looseObject({
  name: pveString,
  description: optString,
  snaptime: optNumber,
  vmstate: optBoolean,
  parent: optString,
  /** Only on the pseudo entry `current`. */
  running: optBoolean,
  digest: optString,
});
export type Snapshot = z.output<typeof snapshotSchema>;
export const snapshotsSchema = z.array(snapshotSchema);

/** POST qemu config returns a UPID, or null when the change finished within `background_delay`. */
export const upidOrNullSchema = z.union([upidSchema, z.null()]);

export const nextIdSchema = pveNumber;

// ---- tasks -----------------------------------------------------------------------------------

export const taskListEntrySchema = z.looseObject({
  upid: pveString,
  node: optString,
  pid: optNumber,
  pstart: optNumber,
  starttime: optNumber,
  endtime: optNumber,
  type: optString,
  id: optString,
  user: optString,
  tokenid: optString,
  /** Present once finished: `OK`, `WARNINGS: n`, or the error text. */
  status: optString,
});
export type TaskListEntry = z.output<typeof taskListEntrySchema>;
export const taskListSchema = z.array(taskListEntrySchema);

export const taskStatusSchema = z.looseObject({
  status: knownString(['running', 'stopped'] as const),
  exitstatus: optString,
  upid: optString,
  node: optString,
  pid: optNumber,
  pstart: optNumber,
  starttime: optNumber,
  type: optString,
  id: optString,
  user: optString,
});
export type TaskStatus = z.output<typeof taskStatusSchema>;

export const taskLogLineSchema = z.looseObject({ n: pveNumber, t: z.preprocess((v) => (v === null ? '' : v), pveString) });
export type TaskLogLine = z.output<typeof taskLogLineSchema>;
export const taskLogSchema = z.array(taskLogLineSchema);

// ---- access ------------------------------------------------------------------------------------

export const userSchema = z.looseObject({
  userid: pveString,
  enable: optBoolean,
  expire: optNumber,
  firstname: optString,
  lastname: optString,
  email: optString,
  comment: optString,
  groups: z.preprocess(absent, z.union([z.string(), z.array(z.string())]).optional()),
  'realm-type': optString,
  tokens: z.preprocess(absent, z.array(z.looseObject({ tokenid: pveString, privsep: optBoolean, expire: optNumber, comment: optString })).optional()),
});
export type PveUser = z.output<typeof userSchema>;
export const usersSchema = z.array(userSchema);

export const roleSchema = z.looseObject({
  roleid: pveString,
  /** Comma-separated privilege names. */
  privs: optString,
  special: optBoolean,
});
export type PveRole = z.output<typeof roleSchema>;
export const rolesSchema = z.array(roleSchema);

export const aclEntrySchema = z.looseObject({
  path: pveString,
  type: knownString(['user', 'group', 'token'] as const),
  ugid: pveString,
  roleid: pveString,
  propagate: optBoolean,
});
export type AclEntry = z.output<typeof aclEntrySchema>;
export const aclSchema = z.array(aclEntrySchema);
