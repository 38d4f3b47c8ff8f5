/**
 * The one contract between the renderer and the main process: every
 * channel with its request and response schema, and every event the main
 * process pushes. Both transports (Electron IPC and the loopback
 * WebSocket) carry exactly this; the preload exposes exactly this list.
 */
import { z } from 'zod';
import {
  AppInfoSchema,
  AppStatusSchema,
  CertificateInfoSchema,
  ClusterSyncSchema,
  ConnectionInputSchema,
  ConnectionSchema,
  ConnectionTestSchema,
  Empty,
  FingerprintSchema,
  FleetSummarySchema,
  GuestPageSchema,
  GuestQuerySchema,
  HostDetailSchema,
  HttpsUrlSchema,
  LanguageSchema,
  RrdSeriesSchema,
  RrdTimeframeSchema,
  SearchHitSchema,
  SettingsSchema,
  SiteDetailSchema,
  SiteRowSchema,
  ThemeSchema,
} from './dto';
import { alertsChannels, alertsEvents } from './alerts';
import { attestationChannels } from './attestation';
import { auditChannels } from './audit';
import { capacityChannels } from './capacity';
import { custodyChannels } from './custody';
import { operationsChannels, operationsEvents } from './operations';
import { scmpChannels, scmpEvents } from './scmp';
import { sitesChannels } from './sites';
import { surveyChannels } from './survey';
import { tenancyChannels } from './tenancy';
import { topologyChannels } from './topology';
import { updatesChannels, updatesEvents } from './updates';

const Id = z.string().min(1).max(200);

function channel<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

export const channels = {
  'app:info': channel(Empty, AppInfoSchema),
  'app:status': channel(Empty, AppStatusSchema),

  'settings:get': channel(Empty, SettingsSchema),
  'settings:set': channel(
    z.strictObject({ theme: ThemeSchema.optional(), syncIntervalSeconds: z.number().int().min(5).max(3600).optional(), language: LanguageSchema.optional() }),
    SettingsSchema,
  ),

  'connections:list': channel(Empty, z.array(ConnectionSchema)),
  /** Fetch the server certificate so the operator can confirm its fingerprint. Sends nothing else. */
  'connections:probe': channel(z.strictObject({ url: HttpsUrlSchema }), CertificateInfoSchema),
  'connections:add': channel(ConnectionInputSchema, ConnectionSchema),
  'connections:test': channel(z.strictObject({ id: Id }), ConnectionTestSchema),
  'connections:remove': channel(z.strictObject({ id: Id }), z.strictObject({ removed: z.literal(true) })),
  /** Re-pin is a separate, explicit action after a certificate change. */
  'connections:repin': channel(z.strictObject({ id: Id, fingerprint: FingerprintSchema }), ConnectionSchema),

  'fleet:summary': channel(Empty, FleetSummarySchema),
  'fleet:sites': channel(Empty, z.array(SiteRowSchema)),
  'fleet:site': channel(z.strictObject({ siteId: Id }), SiteDetailSchema),
  'fleet:host': channel(z.strictObject({ clusterId: Id, node: Id }), HostDetailSchema),
  'fleet:guests': channel(GuestQuerySchema, GuestPageSchema),
  'fleet:search': channel(z.strictObject({ q: z.string().max(200), limit: z.number().int().min(1).max(100).default(20) }), z.array(SearchHitSchema)),
  'fleet:rrd': channel(
    z.strictObject({ clusterId: Id, node: Id, vmid: z.number().int().positive().optional(), timeframe: RrdTimeframeSchema }),
    RrdSeriesSchema,
  ),
  'fleet:syncState': channel(Empty, z.array(ClusterSyncSchema)),
  'fleet:syncNow': channel(z.strictObject({ clusterId: Id.optional() }), z.strictObject({ started: z.number().int() })),

  ...attestationChannels,
  ...custodyChannels,
  ...sitesChannels,
  ...capacityChannels,
  ...alertsChannels,
  ...topologyChannels,
  ...surveyChannels,
  ...operationsChannels,
  ...scmpChannels,
  ...tenancyChannels,
  ...auditChannels,
  ...updatesChannels,
} as const;

export const events = {
  'app:onStatus': AppStatusSchema,
  'fleet:onChanged': z.strictObject({ clusterIds: z.array(z.string()) }),
  'settings:onChanged': SettingsSchema,
  ...alertsEvents,
  ...scmpEvents,
  ...operationsEvents,
  ...updatesEvents,
} as const;

export type Channels = typeof channels;
export type Channel = keyof Channels;
export type Events = typeof events;
export type EventName = keyof Events;

/** What the caller sends (defaults may be omitted). */
export type Req<C extends Channel> = z.input<Channels[C]['request']>;
/** What the handler receives after validation (defaults applied). */
export type ParsedReq<C extends Channel> = z.output<Channels[C]['request']>;
export type Res<C extends Channel> = z.output<Channels[C]['response']>;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const CHANNEL_NAMES = Object.keys(channels) as Channel[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(channels, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
