/**
 * The SCMP API's bodies as zod schemas, one per component of the published
 * contract (docs/scmp-openapi.json), and the table of every operation's
 * responses. `openapi.test.ts` holds the two to each other, so the document
 * the SCMP team implements and the code Cairn runs cannot drift apart.
 */
import { z } from 'zod';

export const SCMP_API_BASE = '/api/v1';

export const IdSchema = z.string().min(1).max(200);
export const CursorSchema = z.string().min(1).max(200);
export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
export const BUNDLE_KINDS = ['audit', 'custody', 'survey'] as const;
export const BundleKindSchema = z.enum(BUNDLE_KINDS);
export type BundleKind = z.infer<typeof BundleKindSchema>;
export const SCMP_ROLES = ['Viewer', 'Field engineer', 'Operator', 'Tenant admin', 'Administrator'] as const;
export const RoleSchema = z.enum(SCMP_ROLES);
export const CATALOGUE_SIZES = ['small', 'medium', 'large', 'x-large'] as const;
export const CatalogueSizeSchema = z.enum(CATALOGUE_SIZES);
export const SCMP_ERROR_CODES = ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'hash_mismatch', 'too_large', 'rate_limited', 'internal'] as const;

export const ErrorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.enum(SCMP_ERROR_CODES), message: z.string().max(2000) }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const InfoSchema = z.strictObject({
  service: z.string().max(200),
  apiVersion: z.literal('1'),
  maxBundleBytes: z.number().int().min(1),
});
export type ScmpInfo = z.infer<typeof InfoSchema>;

const Count = z.number().int().min(0);

export const TenantSchema = z.strictObject({ id: IdSchema, name: z.string().min(1).max(200) });
export type ScmpTenant = z.infer<typeof TenantSchema>;

export const QuotaScopeSchema = z.strictObject({ kind: z.enum(['fleet', 'site', 'pool']), ref: z.string().max(200).nullable() });
export const QuotaSchema = z.strictObject({
  id: IdSchema,
  tenant: IdSchema,
  scope: QuotaScopeSchema,
  vcpu: Count,
  memoryBytes: Count,
  storageBytes: Count,
  guests: Count,
});
export type ScmpQuota = z.infer<typeof QuotaSchema>;

export const RoleBindingSchema = z.strictObject({
  id: IdSchema,
  identity: z.string().min(1).max(320),
  role: RoleSchema,
  tenant: z.string().max(200).nullable(),
});
export type ScmpRoleBinding = z.infer<typeof RoleBindingSchema>;

export const AttestationRuleSchema = z.strictObject({
  required: z.boolean(),
  allowDebug: z.boolean(),
  minSnpTcb: z.number().int().min(0).max(255).nullable(),
});

const PolicyBase = { id: IdSchema, tenant: z.string().max(200).nullable(), version: z.number().int().min(1) };
/** A policy carries the body its kind names, and only that one. */
export const PolicySchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...PolicyBase, kind: z.literal('attestation'), attestation: AttestationRuleSchema }),
  z.strictObject({
    ...PolicyBase,
    kind: z.literal('catalogue-sizes'),
    sizes: z
      .array(CatalogueSizeSchema)
      .max(4)
      .refine((a) => new Set(a).size === a.length, 'sizes must be unique'),
  }),
]);
export type ScmpPolicy = z.infer<typeof PolicySchema>;

function page<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item).max(100_000), deleted: z.array(IdSchema).max(100_000), cursor: CursorSchema });
}
export const TenantPageSchema = page(TenantSchema);
export const QuotaPageSchema = page(QuotaSchema);
export const RoleBindingPageSchema = page(RoleBindingSchema);
export const PolicyPageSchema = page(PolicySchema);

export const BundleReceiptSchema = z.strictObject({
  kind: BundleKindSchema,
  sha256: Sha256Schema,
  size: Count,
  receivedAt: z.string().min(1).max(40),
});
export type BundleReceipt = z.infer<typeof BundleReceiptSchema>;

/** The collections Cairn pulls, by path segment, with their page schema. */
export const COLLECTIONS = {
  tenants: TenantPageSchema,
  quotas: QuotaPageSchema,
  'role-bindings': RoleBindingPageSchema,
  policies: PolicyPageSchema,
} as const;
export type Collection = keyof typeof COLLECTIONS;
export const COLLECTION_NAMES = Object.keys(COLLECTIONS) as Collection[];
export interface CollectionItem {
  tenants: ScmpTenant;
  quotas: ScmpQuota;
  'role-bindings': ScmpRoleBinding;
  policies: ScmpPolicy;
}

/** Components of the published document and the schema that implements each. */
export const COMPONENT_SCHEMAS: Record<string, z.ZodType> = {
  Id: IdSchema,
  Cursor: CursorSchema,
  Sha256: Sha256Schema,
  BundleKind: BundleKindSchema,
  Role: RoleSchema,
  CatalogueSize: CatalogueSizeSchema,
  Error: ErrorBodySchema,
  Info: InfoSchema,
  Tenant: TenantSchema,
  QuotaScope: QuotaScopeSchema,
  Quota: QuotaSchema,
  RoleBinding: RoleBindingSchema,
  AttestationRule: AttestationRuleSchema,
  Policy: PolicySchema,
  TenantPage: TenantPageSchema,
  QuotaPage: QuotaPageSchema,
  RoleBindingPage: RoleBindingPageSchema,
  PolicyPage: PolicyPageSchema,
  BundleReceipt: BundleReceiptSchema,
};

/** `null`: the response has no body (304). */
type Responses = Readonly<Record<number, z.ZodType | null>>;
const PULL_RESPONSES: Responses = { 304: null, 400: ErrorBodySchema, 401: ErrorBodySchema, 429: ErrorBodySchema, 500: ErrorBodySchema };

/** Every operation (`METHOD /path` below the base path) and the body of each status it may answer. */
export const OPERATIONS: Readonly<Record<string, Responses>> = {
  'GET /info': { 200: InfoSchema, 401: ErrorBodySchema, 429: ErrorBodySchema, 500: ErrorBodySchema },
  'GET /tenants': { 200: TenantPageSchema, ...PULL_RESPONSES },
  'GET /quotas': { 200: QuotaPageSchema, ...PULL_RESPONSES },
  'GET /role-bindings': { 200: RoleBindingPageSchema, ...PULL_RESPONSES },
  'GET /policies': { 200: PolicyPageSchema, ...PULL_RESPONSES },
  'PUT /bundles/{kind}/{sha256}': {
    200: BundleReceiptSchema,
    201: BundleReceiptSchema,
    400: ErrorBodySchema,
    401: ErrorBodySchema,
    409: ErrorBodySchema,
    413: ErrorBodySchema,
    429: ErrorBodySchema,
    500: ErrorBodySchema,
  },
};
