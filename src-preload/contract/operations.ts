/**
 * The Operations part of the contract: every change to a guest is an
 * operation that is first planned (steps, target, expected effect, quota
 * impact), reviewed by the operator, then applied and journalled. Spread
 * into `channels` (channels.ts); pure zod.
 */
import { z } from 'zod';
import { VM_SIZE_IDS } from './capacity';

const Id = z.string().min(1).max(200);
const Vmid = z.number().int().min(100).max(999_999_999);
const NodeName = z.string().min(1).max(64).regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/);
const SnapName = z.string().min(2).max(40).regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/);
const StorageId = z.string().min(1).max(64).regex(/^[a-zA-Z][a-zA-Z0-9._-]*$/);
const GuestName = z.string().min(1).max(63).regex(/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/);
const Tag = z.string().min(1).max(64).regex(/^[a-zA-Z0-9_][a-zA-Z0-9_+.-]*$/);

/** The Shared IaaS VM sizes of the service catalogue. */
const VmSizeSchema = z.enum(VM_SIZE_IDS);

const guest = { clusterId: Id, vmid: Vmid };
const SshPublicKey = z.string().min(16).max(4096).regex(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( \S+)?$/);
/** PVE ipconfig0 / a container's net0 address part, e.g. `ip=dhcp` or `ip=10.0.0.5/24,gw=10.0.0.1`. */
const IpConfig = z.string().min(6).max(200).regex(/^ip=(dhcp|[0-9./]+)(,gw=[0-9.]+)?$/);

export const OperationRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('create'),
    clusterId: Id,
    templateVmid: Vmid,
    name: GuestName,
    size: VmSizeSchema,
    /** Where the clone lands; the template's node when absent. */
    node: NodeName.optional(),
    /** Free VMID chosen by the planner when absent. */
    newid: Vmid.optional(),
    cloudInit: z.strictObject({
      user: z.string().min(1).max(32).regex(/^[a-z_][a-z0-9_-]*$/),
      sshKey: z.string().min(16).max(4096).regex(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( \S+)?$/),
      /** PVE ipconfig0, e.g. `ip=dhcp` or `ip=10.0.0.5/24,gw=10.0.0.1`. */
      ipConfig: z.string().min(6).max(200).regex(/^ip=(dhcp|[0-9./]+)(,gw=[0-9.]+)?$/),
    }),
    /** Tags, e.g. `tenant-acme` (whose quota it counts against); absent: the template's tags, less its `template` marker. */
    tags: z.array(Tag).max(32).optional(),
    start: z.boolean().default(true),
  }),
  z.strictObject({
    action: z.literal('createContainer'),
    clusterId: Id,
    node: NodeName,
    /** The container's hostname. */
    name: GuestName,
    size: VmSizeSchema,
    /** A container template volume, e.g. `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst`. */
    ostemplate: z.string().min(10).max(255).regex(/^[a-zA-Z][a-zA-Z0-9._-]*:vztmpl\/[A-Za-z0-9._+-]+$/),
    /** Where the root filesystem goes, and its size. */
    storage: StorageId,
    diskGiB: z.number().int().min(1).max(65_536).default(8),
    newid: Vmid.optional(),
    /** Root's authorized key. A root password is not taken: the journal keeps every request, and secrets never enter it. */
    sshKey: SshPublicKey,
    bridge: z.string().regex(/^vmbr\d{1,4}$/).default('vmbr0'),
    ipConfig: IpConfig,
    unprivileged: z.boolean().default(true),
    /** Tags, e.g. `tenant-acme` (the tenant whose quota it counts against). */
    tags: z.array(Tag).max(32).default([]),
    start: z.boolean().default(true),
  }),
  z.strictObject({ action: z.literal('start'), ...guest }),
  z.strictObject({ action: z.literal('stop'), ...guest }),
  z.strictObject({ action: z.literal('shutdown'), ...guest }),
  z.strictObject({ action: z.literal('reboot'), ...guest }),
  z.strictObject({ action: z.literal('resize'), ...guest, size: VmSizeSchema }),
  z.strictObject({ action: z.literal('migrate'), ...guest, targetNode: NodeName.optional() }),
  z.strictObject({ action: z.literal('snapshot'), ...guest, snapname: SnapName, description: z.string().max(200).optional() }),
  z.strictObject({ action: z.literal('rollback'), ...guest, snapname: SnapName }),
  z.strictObject({ action: z.literal('deleteSnapshot'), ...guest, snapname: SnapName }),
  z.strictObject({ action: z.literal('backup'), ...guest, storage: StorageId, mode: z.enum(['snapshot', 'suspend', 'stop']).default('snapshot') }),
  z.strictObject({
    action: z.literal('restore'),
    clusterId: Id,
    node: NodeName,
    vmid: Vmid,
    type: z.enum(['qemu', 'lxc']).default('qemu'),
    archive: z.string().min(3).max(255),
    storage: StorageId.optional(),
  }),
  z.strictObject({ action: z.literal('delete'), ...guest }),
  z.strictObject({ action: z.literal('ha'), ...guest, enable: z.boolean() }),
  z.strictObject({ action: z.literal('tags'), ...guest, tags: z.array(Tag).max(32) }),
]);
export type OperationRequest = z.output<typeof OperationRequestSchema>;
export type OperationAction = OperationRequest['action'];

export const OPERATION_STATES = ['planned', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'refused'] as const;
export const OperationStateSchema = z.enum(OPERATION_STATES);
export type OperationState = z.infer<typeof OperationStateSchema>;

export const STEP_STATES = ['pending', 'intent', 'submitted', 'done', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

export const QuotaDeltaSchema = z.strictObject({ guests: z.number(), vcpu: z.number(), memoryMiB: z.number(), diskGiB: z.number() });
export type QuotaDelta = z.infer<typeof QuotaDeltaSchema>;

export const PlanSchema = z.strictObject({
  target: z.strictObject({
    clusterId: z.string(),
    node: z.string(),
    vmid: z.number(),
    type: z.enum(['qemu', 'lxc']),
    name: z.string(),
    tags: z.array(z.string()),
  }),
  steps: z.array(z.strictObject({ index: z.number(), kind: z.string(), summary: z.string() })),
  expectedEffect: z.string(),
  quotaDelta: QuotaDeltaSchema,
  /** 'live': read from PVE just now; 'cache': the cluster was unreachable, planned from the last sync. */
  basis: z.enum(['live', 'cache']),
  /** Guarded delete: the name to type; protected guests also need a second confirmation. */
  confirmName: z.string().nullable(),
  needsSecondConfirmation: z.boolean(),
  warnings: z.array(z.string()),
  /** Migrations: the placement advisor's proposal, the host chosen, and every host's verdict with its reasons. */
  placement: z
    .strictObject({
      proposed: z.string().nullable(),
      chosen: z.string(),
      /** The operator named a host other than the proposal. */
      overridden: z.boolean(),
      candidates: z.array(z.strictObject({ node: z.string(), accepted: z.boolean(), rank: z.number().nullable(), reasons: z.array(z.string()) })),
      notes: z.array(z.string()),
    })
    .optional(),
});
export type OperationPlan = z.infer<typeof PlanSchema>;

export const OperationStepSchema = z.strictObject({
  index: z.number(),
  kind: z.string(),
  summary: z.string(),
  state: z.enum(STEP_STATES),
  upid: z.string().nullable(),
  detail: z.string().nullable(),
});

export const OperationSchema = z.strictObject({
  id: z.string(),
  batchId: z.string().nullable(),
  action: z.string(),
  clusterId: z.string(),
  actor: z.string(),
  state: OperationStateSchema,
  /** Why it failed, was refused, or is waiting. */
  reason: z.string().nullable(),
  waiting: z.string().nullable(),
  plan: PlanSchema,
  steps: z.array(OperationStepSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OperationDto = z.infer<typeof OperationSchema>;

export const OperationSummarySchema = OperationSchema.omit({ plan: true, steps: true }).extend({
  target: z.string(),
  stepsDone: z.number(),
  stepsTotal: z.number(),
});
export type OperationSummary = z.infer<typeof OperationSummarySchema>;

export const ApplyRequestSchema = z.strictObject({
  id: Id,
  /** Guarded delete: the guest's name, typed by the operator. */
  confirmName: z.string().max(63).optional(),
  /** Protected guests: a second operator with a role allowed to confirm. */
  secondConfirmation: z.strictObject({ actor: z.string().min(1).max(200) }).optional(),
});
export type ApplyRequest = z.infer<typeof ApplyRequestSchema>;

export const BatchSchema = z.strictObject({
  batchId: z.string(),
  total: z.number(),
  byState: z.record(z.string(), z.number()),
  operations: z.array(OperationSummarySchema),
});
export type BatchDto = z.infer<typeof BatchSchema>;

export const OperationChangedSchema = z.strictObject({
  id: z.string(),
  batchId: z.string().nullable(),
  state: OperationStateSchema,
  stepsDone: z.number(),
  stepsTotal: z.number(),
  reason: z.string().nullable(),
});
export type OperationChanged = z.infer<typeof OperationChangedSchema>;

const Upid = z.string().min(10).max(512).regex(/^UPID:/);
export const PveTaskSchema = z.strictObject({
  upid: z.string(),
  node: z.string(),
  type: z.string(),
  /** What it worked on (a VMID, a storage…), as PVE names it. */
  id: z.string(),
  user: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** `OK`, `WARNINGS: n` or the error text once finished; null while running. */
  status: z.string().nullable(),
});
export type PveTask = z.infer<typeof PveTaskSchema>;

/** A PVE task anywhere in the fleet, with its cluster and whether Cairn's journal started it. */
export const FleetTaskSchema = PveTaskSchema.extend({
  clusterId: z.string(),
  clusterName: z.string(),
  origin: z.enum(['cairn', 'other']),
  /** The Cairn operation whose step started it, when `origin` is `cairn`. */
  operationId: z.string().nullable(),
});
export type FleetTask = z.infer<typeof FleetTaskSchema>;

export const FleetTasksRequestSchema = z.strictObject({
  clusterId: Id.optional(),
  status: z.enum(['all', 'running', 'ok', 'failed']).default('all'),
  /** Substring of the task type (`vzdump`, `qmigrate`, `hastart` …). */
  type: z.string().max(40).optional(),
  node: NodeName.optional(),
  /** Substring of the user or token (`root@pam`, `backup@pbs`, `cairn@pve!console` …). */
  user: z.string().max(128).optional(),
  origin: z.enum(['any', 'cairn', 'other']).default('any'),
  limit: z.number().int().min(1).max(2000).default(500),
});
export type FleetTasksRequest = z.output<typeof FleetTasksRequestSchema>;

export const FleetTasksResultSchema = z.strictObject({
  tasks: z.array(FleetTaskSchema),
  /** Clusters that did not answer, with why; the rest are listed. */
  errors: z.array(z.strictObject({ clusterId: z.string(), clusterName: z.string(), message: z.string() })),
});
export type FleetTasksResult = z.infer<typeof FleetTasksResultSchema>;

export const operationsChannels = {
  /** Plans one change; nothing is sent to PVE but reads. */
  'operations:plan': { request: z.strictObject({ request: OperationRequestSchema }), response: OperationSchema },
  /** Plans the same kind of change over a selection that may span clusters. */
  'operations:bulkPlan': { request: z.strictObject({ requests: z.array(OperationRequestSchema).min(1).max(1000) }), response: BatchSchema },
  'operations:apply': { request: ApplyRequestSchema, response: OperationSchema },
  'operations:applyBatch': { request: z.strictObject({ batchId: Id }), response: BatchSchema },
  'operations:list': {
    request: z.strictObject({ state: OperationStateSchema.optional(), batchId: Id.optional(), limit: z.number().int().min(1).max(1000).default(200) }),
    response: z.array(OperationSummarySchema),
  },
  'operations:get': { request: z.strictObject({ id: Id }), response: OperationSchema },
  'operations:batch': { request: z.strictObject({ batchId: Id }), response: BatchSchema },
  'operations:cancel': { request: z.strictObject({ id: Id }), response: OperationSchema },
  /** A node's recent PVE tasks (any origin: Cairn, the PVE UI, HA, backups), newest first. */
  'pve:tasks': {
    request: z.strictObject({ clusterId: Id, node: NodeName, limit: z.number().int().min(1).max(500).default(50), errorsOnly: z.boolean().default(false) }),
    response: z.array(PveTaskSchema),
  },
  /** Recent PVE tasks of every cluster (`/cluster/tasks`), any origin, filtered; newest first. */
  'pve:fleetTasks': { request: FleetTasksRequestSchema, response: FleetTasksResultSchema },
  /** A PVE task's log from line `start` on, and whether the task still runs (poll to stream it). */
  'pve:taskLog': {
    request: z.strictObject({ clusterId: Id, upid: Upid, start: z.number().int().min(0).default(0) }),
    response: z.strictObject({
      lines: z.array(z.strictObject({ n: z.number().int(), t: z.string() })),
      total: z.number().int().min(0),
      running: z.boolean(),
      exitstatus: z.string().nullable(),
    }),
  },
} as const;

export const operationsEvents = {
  'operations:onChanged': OperationChangedSchema,
  /** A PVE task Cairn did not start failed (once per UPID). */
  'pve:onTaskFailed': FleetTaskSchema,
} as const;
