/**
 * The Tenancy part of the contract: tenants (business units), their quotas
 * per scope (the whole fleet, a site, or a pool = one Proxmox VE cluster),
 * usage from the inventory, local operator identities with roles and a
 * tenant scope, and the role model itself. Spread into `channels`
 * (channels.ts); pure zod, like the rest of the contract.
 *
 * The role and action vocabularies live here, once, so the main process
 * (which enforces them) and the renderer (which shows them) cannot drift.
 */
import { z } from 'zod';

const IsoTime = z.string().max(40);

export const ROLE_IDS = ['viewer', 'field_engineer', 'operator', 'tenant_admin', 'administrator'] as const;
export const RoleIdSchema = z.enum(ROLE_IDS);
export type RoleId = z.infer<typeof RoleIdSchema>;

/** Every action the main process checks before it acts (orchestration calls these before any PVE API call). */
export const ACTIONS = [
  'fleet.view',
  'guest.console',
  'guest.start',
  'guest.stop',
  'guest.reboot',
  'guest.migrate',
  'guest.configure',
  'guest.create',
  'guest.delete',
  'guest.delete.protected',
  'snapshot.create',
  'snapshot.rollback',
  'snapshot.delete',
  'backup.run',
  'backup.restore',
  'backup.delete',
  'ha.manage',
  'attestation.run',
  'tenant.manage',
  'quota.manage',
  'operator.manage',
  'custody.record',
  /** Custody steps that vouch for an outcome: the sanitisation certificate and closing a record (src-main/custody/permissions.ts). */
  'custody.certify',
  'survey.sign',
  'settings.manage',
] as const;
export const ActionSchema = z.enum(ACTIONS);
export type Action = z.infer<typeof ActionSchema>;

/** Tenant ids follow the PVE tag they come from (`tenant-<id>`): lower-case, digits, '-' and '_'. */
export const TenantIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a tenant id like acme (lower-case letters, digits, - and _)');

/** Where a record came from: typed here, discovered from `tenant-*` tags, seeded for the demo, or imported from SCMP. */
export const RecordSourceSchema = z.enum(['local', 'inventory', 'demo', 'central']);
export type RecordSource = z.infer<typeof RecordSourceSchema>;

export const TenantDtoSchema = z.strictObject({
  id: TenantIdSchema,
  name: z.string(),
  description: z.string(),
  source: RecordSourceSchema,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type TenantDto = z.infer<typeof TenantDtoSchema>;

export const TenantInputSchema = z.strictObject({
  id: TenantIdSchema,
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(1000).default(''),
});

/** The whole fleet, one site (fleet_sites.id) or one pool (a cluster: its connection id). */
export const QuotaScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fleet') }),
  z.strictObject({ kind: z.literal('site'), id: z.string().min(1).max(200) }),
  z.strictObject({ kind: z.literal('pool'), id: z.string().min(1).max(200) }),
]);
export type QuotaScope = z.infer<typeof QuotaScopeSchema>;

const Limit = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();
/** null = no limit on that resource. Memory and storage in bytes. */
export const QuotaLimitsSchema = z.strictObject({ vcpu: Limit, memBytes: Limit, storageBytes: Limit, guests: Limit });
export type QuotaLimits = z.infer<typeof QuotaLimitsSchema>;

export const ResourceAmountsSchema = z.strictObject({ vcpu: z.number(), memBytes: z.number(), storageBytes: z.number(), guests: z.number() });
export type ResourceAmounts = z.infer<typeof ResourceAmountsSchema>;

export const QuotaDtoSchema = z.strictObject({
  tenantId: z.string(),
  scope: QuotaScopeSchema,
  scopeLabel: z.string(),
  limits: QuotaLimitsSchema,
  source: RecordSourceSchema,
  updatedAt: IsoTime,
  updatedBy: z.string(),
});
export type QuotaDto = z.infer<typeof QuotaDtoSchema>;

export const SetQuotaSchema = z.strictObject({
  tenantId: TenantIdSchema,
  scope: QuotaScopeSchema,
  /** All null removes the quota at that scope. */
  limits: QuotaLimitsSchema,
});

/** One tenant at one scope: what its guests are given and the quota there, if any. */
export const UsageRowSchema = z.strictObject({
  tenantId: z.string(),
  scope: QuotaScopeSchema,
  scopeLabel: z.string(),
  usage: ResourceAmountsSchema,
  quota: QuotaDtoSchema.nullable(),
});
export type UsageRow = z.infer<typeof UsageRowSchema>;

export const UsageSchema = z.strictObject({
  /** What usage counts, in words (shown beside the meters). */
  basis: z.string(),
  rows: z.array(UsageRowSchema),
});
export type Usage = z.infer<typeof UsageSchema>;

/** Operator names are OS / directory user names. */
export const OperatorNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._@-]+$/, 'expected a user name (letters, digits, . _ @ -)');

export const OperatorDtoSchema = z.strictObject({
  name: z.string(),
  roles: z.array(RoleIdSchema),
  /** null = every tenant; a list confines the operator's tenant-scoped permissions to those tenants. */
  tenants: z.array(z.string()).nullable(),
  source: RecordSourceSchema,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type OperatorDto = z.infer<typeof OperatorDtoSchema>;

export const OperatorInputSchema = z.strictObject({
  name: OperatorNameSchema,
  roles: z.array(RoleIdSchema).min(1).max(ROLE_IDS.length),
  tenants: z.array(TenantIdSchema).max(500).nullable(),
});
export type OperatorInput = z.input<typeof OperatorInputSchema>;

export const WhoAmISchema = z.strictObject({
  name: z.string(),
  roles: z.array(RoleIdSchema),
  tenants: z.array(z.string()).nullable(),
  /** false when the OS user has no record: they get Viewer until an administrator adds them. */
  known: z.boolean(),
  /** The actions this identity holds anywhere (fleet-wide or within its tenants). */
  actions: z.array(ActionSchema),
});
export type WhoAmI = z.infer<typeof WhoAmISchema>;

export const RoleDtoSchema = z.strictObject({
  id: RoleIdSchema,
  label: z.string(),
  description: z.string(),
  /** true: the role grants only within the operator's tenants (Tenant admin). */
  tenantScoped: z.boolean(),
  actions: z.array(ActionSchema),
});
export type RoleDto = z.infer<typeof RoleDtoSchema>;

export const HistoryEntrySchema = z.strictObject({
  seq: z.number().int(),
  at: IsoTime,
  actor: z.string(),
  kind: z.enum(['tenant', 'quota', 'operator']),
  subject: z.string(),
  before: z.string().nullable(),
  after: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const tenancyChannels = {
  'tenancy:tenants': { request: z.strictObject({}), response: z.array(TenantDtoSchema) },
  'tenancy:saveTenant': { request: TenantInputSchema, response: TenantDtoSchema },
  'tenancy:quotas': { request: z.strictObject({ tenantId: TenantIdSchema.optional() }), response: z.array(QuotaDtoSchema) },
  'tenancy:setQuota': { request: SetQuotaSchema, response: QuotaDtoSchema.nullable() },
  'tenancy:usage': { request: z.strictObject({ tenantId: TenantIdSchema.optional() }), response: UsageSchema },
  'tenancy:operators': { request: z.strictObject({}), response: z.array(OperatorDtoSchema) },
  'tenancy:saveOperator': { request: OperatorInputSchema, response: OperatorDtoSchema },
  'tenancy:removeOperator': { request: z.strictObject({ name: OperatorNameSchema }), response: z.strictObject({ removed: z.literal(true) }) },
  'tenancy:whoami': { request: z.strictObject({}), response: WhoAmISchema },
  'tenancy:roles': { request: z.strictObject({}), response: z.array(RoleDtoSchema) },
  'tenancy:history': { request: z.strictObject({ limit: z.number().int().min(1).max(500).default(100) }), response: z.array(HistoryEntrySchema) },
} as const;
