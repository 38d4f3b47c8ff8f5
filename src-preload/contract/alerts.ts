/**
 * The Alerts part of the contract: alerts raised by the main process from
 * the fleet cache (sync failures, stale clusters, host and pool utilisation,
 * capacity forecasts), their acknowledgement, and the thresholds that drive
 * them. Spread into `channels` and `events` (channels.ts); pure zod.
 */
import { z } from 'zod';

const IsoTime = z.string().max(40);

export const AlertSeveritySchema = z.enum(['warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeveritySchema>;

/** open → acknowledged → resolved, or open → resolved; resolved is final (a recurrence is a new alert). */
export const AlertStateSchema = z.enum(['open', 'acknowledged', 'resolved']);
export type AlertState = z.infer<typeof AlertStateSchema>;

/**
 * Kinds are an open set (sources plug in: capacity forecasts now, attestation
 * age and custody deadlines later), so the contract checks their shape only.
 */
export const AlertKindSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected a lower-case alert kind like sync-failing');

export const AlertSubjectSchema = z.strictObject({
  kind: z.enum(['site', 'cluster', 'host', 'storage']),
  siteId: z.string().nullable(),
  siteName: z.string().nullable(),
  clusterId: z.string().nullable(),
  clusterName: z.string().nullable(),
  node: z.string().nullable(),
  storage: z.string().nullable(),
});
export type AlertSubject = z.infer<typeof AlertSubjectSchema>;

export const AlertDtoSchema = z.strictObject({
  id: z.number().int(),
  key: z.string(),
  kind: AlertKindSchema,
  severity: AlertSeveritySchema,
  state: AlertStateSchema,
  subject: AlertSubjectSchema,
  message: z.string(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  unit: z.string(),
  raisedAt: IsoTime,
  lastSeenAt: IsoTime,
  /** How many evaluations found the condition (1 at raise). */
  occurrences: z.number().int(),
  acknowledgedAt: IsoTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  ackNote: z.string().nullable(),
  resolvedAt: IsoTime.nullable(),
});
export type AlertDto = z.infer<typeof AlertDtoSchema>;

export const AlertCountsSchema = z.strictObject({
  open: z.number().int(),
  acknowledged: z.number().int(),
  /** Open or acknowledged, by severity. */
  critical: z.number().int(),
  warning: z.number().int(),
  /** Critical and not yet acknowledged: what still needs someone. */
  openCritical: z.number().int(),
});
export type AlertCounts = z.infer<typeof AlertCountsSchema>;

/** `active` = open or acknowledged (what a NOC screen shows by default). */
export const AlertFilterStateSchema = z.enum(['active', 'open', 'acknowledged', 'resolved', 'all']);
export type AlertFilterState = z.infer<typeof AlertFilterStateSchema>;

export const AlertListQuerySchema = z.strictObject({
  state: AlertFilterStateSchema.default('active'),
  severity: AlertSeveritySchema.optional(),
  kind: AlertKindSchema.optional(),
  /** Free text over subject names, key and message. */
  query: z.string().max(200).default(''),
  offset: z.number().int().min(0).max(1_000_000).default(0),
  /** 0 answers the counts only (status-bar badge). */
  limit: z.number().int().min(0).max(500).default(100),
});
export type AlertListQuery = z.input<typeof AlertListQuerySchema>;

export const AlertListSchema = z.strictObject({
  total: z.number().int(),
  rows: z.array(AlertDtoSchema),
  counts: AlertCountsSchema,
});
export type AlertList = z.infer<typeof AlertListSchema>;

const Percent = z.number().min(1).max(100);
/** A warning and a critical level; utilisation rises, so warning < critical. */
const Levels = z.strictObject({ warning: Percent, critical: Percent }).refine((l) => l.warning < l.critical, {
  message: 'the warning level must be below the critical level',
  path: ['warning'],
});
const Counts = (max: number) =>
  z.strictObject({ warning: z.number().int().min(1).max(max), critical: z.number().int().min(1).max(max) }).refine((l) => l.warning < l.critical, {
    message: 'the warning level must be below the critical level',
    path: ['warning'],
  });

export const AlertThresholdsSchema = z.strictObject({
  /** Host and pool (cluster) CPU, memory and storage use, in percent. */
  cpu: Levels,
  memory: Levels,
  storage: Levels,
  /** Percentage points below a level before its alert clears (hysteresis). */
  clearMargin: z.number().min(0).max(20),
  /** Consecutive failed syncs of one cluster. */
  syncFailures: Counts(1000),
  /** Sync intervals without a successful sync. */
  staleIntervals: Counts(10_000),
  /** Capacity forecast: days until a pool reaches its limit; fewer days is worse, so critical < warning. */
  forecastDays: z
    .strictObject({ warning: z.number().int().min(1).max(3650), critical: z.number().int().min(0).max(3650) })
    .refine((l) => l.critical < l.warning, { message: 'the critical horizon must be shorter than the warning horizon', path: ['critical'] }),
});
export type AlertThresholds = z.infer<typeof AlertThresholdsSchema>;

/** One transition of an alert (append-only history); value updates are not transitions. */
export const AlertEventDtoSchema = z.strictObject({
  seq: z.number().int(),
  at: IsoTime,
  type: z.enum(['raised', 'escalated', 'deescalated', 'acknowledged', 'resolved']),
  severity: AlertSeveritySchema,
  value: z.number().nullable(),
  actor: z.string().nullable(),
  note: z.string().nullable(),
});
export type AlertEventDto = z.infer<typeof AlertEventDtoSchema>;

export const AlertAcknowledgeSchema = z.strictObject({
  id: z.number().int().positive(),
  note: z.string().trim().max(500).optional(),
});

export const AlertChangedSchema = z.strictObject({
  counts: AlertCountsSchema,
  /** Alerts raised by this evaluation (at most 20; `raisedTotal` says how many). */
  raised: z.array(AlertDtoSchema),
  raisedTotal: z.number().int(),
  /** Open alerts that became critical in this evaluation (at most 20). */
  escalated: z.array(AlertDtoSchema),
  resolvedTotal: z.number().int(),
});
export type AlertChanged = z.infer<typeof AlertChangedSchema>;

export const alertsChannels = {
  'alerts:list': { request: AlertListQuerySchema, response: AlertListSchema },
  /** Records who (the OS user of the console), when and an optional note; idempotent for an already acknowledged alert. */
  'alerts:acknowledge': { request: AlertAcknowledgeSchema, response: AlertDtoSchema },
  /** The transitions of one alert, oldest first. */
  'alerts:events': { request: z.strictObject({ id: z.number().int().positive() }), response: z.array(AlertEventDtoSchema) },
  'alerts:thresholds': { request: z.strictObject({}), response: AlertThresholdsSchema },
  /** Replaces the thresholds and re-evaluates at once. */
  'alerts:setThresholds': { request: AlertThresholdsSchema, response: AlertThresholdsSchema },
} as const;

export const alertsEvents = {
  'alerts:onChanged': AlertChangedSchema,
} as const;
