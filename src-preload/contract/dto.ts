/**
 * Data shapes that cross the contract: plain, structured-cloneable values
 * (ISO-8601 strings for time, no class instances). Schemas are the source
 * of truth; the TypeScript types are inferred from them.
 */
import { z } from 'zod';

export const Empty = z.strictObject({});

const Id = z.string().min(1).max(200);
const IsoTime = z.string().max(40);

export const ThemeSchema = z.enum(['light', 'dark', 'system']);
export type Theme = z.infer<typeof ThemeSchema>;

/** The console's display languages. Error messages from the main process stay English (logged, searchable). */
export const LanguageSchema = z.enum(['en', 'it']);
export type Language = z.infer<typeof LanguageSchema>;

export const SettingsSchema = z.strictObject({
  theme: ThemeSchema,
  syncIntervalSeconds: z.number().int().min(5).max(3600),
  /** Absent until the operator picks one: the renderer then follows the system language. */
  language: LanguageSchema.optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const SecretStoreStatusSchema = z.strictObject({
  available: z.boolean(),
  kind: z.enum(['keychain', 'ephemeral', 'none']),
  /** When unavailable: what to do about it. */
  fix: z.string().optional(),
});
export type SecretStoreStatus = z.infer<typeof SecretStoreStatusSchema>;

export const AppInfoSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  transport: z.enum(['electron', 'browser']),
  platform: z.string(),
  dataDir: z.string(),
  demo: z.boolean(),
  secretStore: SecretStoreStatusSchema,
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

// ---- connections -------------------------------------------------------

export const ConnectionKindSchema = z.enum(['pve', 'scmp']);
export type ConnectionKind = z.infer<typeof ConnectionKindSchema>;

/** SHA-256 fingerprint as PVE prints it: 32 upper-case hex bytes joined by ':'. */
export const FingerprintSchema = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'expected a SHA-256 fingerprint like AB:CD:… (32 bytes)'));

export const HttpsUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' && u.hostname.length > 0 && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'expected an https:// URL without credentials');

/** PVE token ids look like ops@pve!console; SCMP ids are free-form. */
export const TokenIdSchema = z.string().min(1).max(256).regex(/^[^\s=]+$/, 'token id must not contain spaces or "="');

export const ConnectionSchema = z.strictObject({
  id: Id,
  name: z.string(),
  kind: ConnectionKindSchema,
  url: z.string(),
  fingerprint: z.string().nullable(),
  tokenId: z.string(),
  site: z.string().nullable(),
  hasSecret: z.boolean(),
  createdAt: IsoTime,
  /** Added by demo mode for the built-in simulated fleet. */
  simulated: z.boolean(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const ConnectionInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(100),
  kind: ConnectionKindSchema,
  url: HttpsUrlSchema,
  fingerprint: FingerprintSchema,
  tokenId: TokenIdSchema,
  site: z.string().trim().max(100).optional(),
  /** Write-only: goes straight to the OS keychain, never comes back. */
  secret: z.string().min(1, 'secret is required').max(4096),
});
export type ConnectionInput = z.input<typeof ConnectionInputSchema>;

export const CertificateInfoSchema = z.strictObject({
  fingerprint: z.string(),
  subject: z.string(),
  issuer: z.string(),
  validFrom: IsoTime,
  validTo: IsoTime,
  selfSigned: z.boolean(),
});
export type CertificateInfo = z.infer<typeof CertificateInfoSchema>;

export const ConnectionTestSchema = z.strictObject({
  ok: z.boolean(),
  message: z.string(),
  version: z.string().optional(),
  latencyMs: z.number().optional(),
});
export type ConnectionTest = z.infer<typeof ConnectionTestSchema>;

// ---- fleet -------------------------------------------------------------

export const HealthSchema = z.enum(['ok', 'degraded', 'down', 'stale', 'unknown']);
export type Health = z.infer<typeof HealthSchema>;

export const ClusterSyncSchema = z.strictObject({
  clusterId: Id,
  name: z.string(),
  site: z.string(),
  state: z.enum(['ok', 'stale', 'error', 'never']),
  lastSuccessAt: IsoTime.nullable(),
  lastAttemptAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  stalenessSeconds: z.number().nullable(),
});
export type ClusterSync = z.infer<typeof ClusterSyncSchema>;

export const SiteRowSchema = z.strictObject({
  id: Id,
  name: z.string(),
  region: z.string(),
  kind: z.enum(['edge', 'datacentre']),
  clusters: z.number().int(),
  hosts: z.number().int(),
  hostsOnline: z.number().int(),
  guests: z.number().int(),
  guestsRunning: z.number().int(),
  health: HealthSchema,
  stale: z.boolean(),
  staleReason: z.string().nullable(),
  cpuUsed: z.number(),
  memUsedBytes: z.number(),
  memTotalBytes: z.number(),
});
export type SiteRow = z.infer<typeof SiteRowSchema>;

export const FleetSummarySchema = z.strictObject({
  sites: z.number().int(),
  clusters: z.number().int(),
  hosts: z.number().int(),
  hostsOnline: z.number().int(),
  guests: z.number().int(),
  guestsRunning: z.number().int(),
  vms: z.number().int(),
  containers: z.number().int(),
  staleClusters: z.number().int(),
  erroredClusters: z.number().int(),
  lastSyncAt: IsoTime.nullable(),
  health: z.strictObject({ ok: z.number().int(), degraded: z.number().int(), down: z.number().int(), stale: z.number().int() }),
});
export type FleetSummary = z.infer<typeof FleetSummarySchema>;

export const HostRowSchema = z.strictObject({
  clusterId: Id,
  node: z.string(),
  site: z.string(),
  status: z.enum(['online', 'offline', 'unknown']),
  cpu: z.number(),
  maxcpu: z.number(),
  mem: z.number(),
  maxmem: z.number(),
  disk: z.number(),
  maxdisk: z.number(),
  uptime: z.number(),
  guests: z.number().int(),
  stale: z.boolean(),
});
export type HostRow = z.infer<typeof HostRowSchema>;

export const GuestRowSchema = z.strictObject({
  clusterId: Id,
  vmid: z.number().int(),
  name: z.string(),
  type: z.enum(['qemu', 'lxc']),
  status: z.string(),
  node: z.string(),
  site: z.string(),
  pool: z.string().nullable(),
  tags: z.array(z.string()),
  tenant: z.string().nullable(),
  cpus: z.number(),
  cpu: z.number(),
  maxmem: z.number(),
  mem: z.number(),
  maxdisk: z.number(),
  uptime: z.number(),
  template: z.boolean(),
  hastate: z.string().nullable(),
  stale: z.boolean(),
});
export type GuestRow = z.infer<typeof GuestRowSchema>;

export const GuestSortFieldSchema = z.enum(['name', 'vmid', 'status', 'node', 'site', 'cpu', 'mem', 'maxmem', 'uptime', 'type']);
export const GuestQuerySchema = z.strictObject({
  /** Free text plus field:value filters (site, node, status, tag, tenant, pool, type). */
  query: z.string().max(500).default(''),
  sort: z.strictObject({ field: GuestSortFieldSchema, dir: z.enum(['asc', 'desc']) }).default({ field: 'name', dir: 'asc' }),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
});
export type GuestQuery = z.input<typeof GuestQuerySchema>;
export const GuestPageSchema = z.strictObject({ total: z.number().int(), rows: z.array(GuestRowSchema) });
export type GuestPage = z.infer<typeof GuestPageSchema>;

export const SiteDetailSchema = z.strictObject({
  site: SiteRowSchema,
  clusters: z.array(ClusterSyncSchema),
  hosts: z.array(HostRowSchema),
});
export type SiteDetail = z.infer<typeof SiteDetailSchema>;

export const HostDetailSchema = z.strictObject({
  host: HostRowSchema,
  guests: z.array(GuestRowSchema),
});
export type HostDetail = z.infer<typeof HostDetailSchema>;

export const RrdTimeframeSchema = z.enum(['hour', 'day', 'week', 'month', 'year']);
export type RrdTimeframe = z.infer<typeof RrdTimeframeSchema>;
export const RrdPointSchema = z.strictObject({
  time: z.number(),
  cpu: z.number().nullable(),
  mem: z.number().nullable(),
  maxmem: z.number().nullable(),
  netin: z.number().nullable(),
  netout: z.number().nullable(),
});
export type RrdPoint = z.infer<typeof RrdPointSchema>;
export const RrdSeriesSchema = z.strictObject({
  points: z.array(RrdPointSchema),
  /** True when served from the local cache because the cluster is unreachable. */
  cached: z.boolean(),
  fetchedAt: IsoTime.nullable(),
});
export type RrdSeries = z.infer<typeof RrdSeriesSchema>;

export const SearchHitSchema = z.strictObject({
  kind: z.enum(['site', 'host', 'guest']),
  label: z.string(),
  detail: z.string(),
  siteId: z.string(),
  clusterId: z.string().optional(),
  node: z.string().optional(),
  vmid: z.number().int().optional(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const AppStatusSchema = z.strictObject({
  online: z.boolean(),
  clusters: z.strictObject({ ok: z.number().int(), stale: z.number().int(), error: z.number().int(), total: z.number().int() }),
  runningTasks: z.number().int(),
  lastSyncAt: IsoTime.nullable(),
});
export type AppStatus = z.infer<typeof AppStatusSchema>;
