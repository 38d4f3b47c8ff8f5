/**
 * Public entry of the Proxmox VE API client: HTTPS transport with fingerprint
 * pinning, token and ticket authentication, typed errors, zod-checked DTOs for
 * the endpoints the console uses, and task tracking. Other modules import
 * from here only.
 */
export {
  PveClient,
  createPveClient,
  releaseMajor,
  DEFAULT_RETRY,
  type PveClientOptions,
  type CreatePveClientOptions,
  type CallOptions,
  type SchemaCallOptions,
  type RetryPolicy,
  type GuestRef,
  type ExtraParams,
  type GuestStartParams,
  type GuestStopParams,
  type GuestShutdownParams,
  type GuestRebootParams,
  type GuestCreateParams,
  type GuestCloneParams,
  type GuestMigrateParams,
  type SnapshotCreateParams,
  type GuestDeleteParams,
  type VzdumpParams,
  type GuestConfigUpdate,
  type TaskPage,
  type HaPlacement,
} from './client';
export {
  HttpsPveTransport,
  apiPath,
  encodeParams,
  type PveTransport,
  type PveHttpRequest,
  type PveHttpResponse,
  type HttpsPveTransportOptions,
  type HttpMethod,
  type PveParams,
  type PveParamValue,
} from './transport';
export {
  probeCertificate,
  connectTrusted,
  endpointOf,
  normalizeFingerprint,
  isFingerprint,
  fingerprintOf,
  certificateInfo,
  type CertificateInfo,
  type TlsTrust,
  type ProbeOptions,
  type ConnectTarget,
} from './tls-trust';
export { sleep } from './limiter';
export {
  type Credential,
  type CredentialSource,
  type TokenCredential,
  type TicketCredential,
  TICKET_LIFETIME_MS,
  DEFAULT_TICKET_RENEW_AFTER_MS,
} from './auth';
export {
  PveError,
  PVE_ERROR_KINDS,
  isPveError,
  parsePermissionDenial,
  type PveErrorKind,
  type PveErrorDetails,
  type PermissionDenial,
} from './errors';
export { decodeResponse, parseData, type PveEnvelope } from './envelope';
export { parseUpid, isUpid, type Upid } from './upid';
export { waitForTask, parseExitStatus, type TaskApi, type TaskOutcome, type WaitForTaskOptions, type ExitStatus } from './tasks';
export * from './schemas';
