/**
 * The closed set of failures the SCMP client reports (`ScmpError` with a
 * `kind`), and their mapping onto the contract's error codes. TLS and socket
 * failures come from the PVE trust layer (shared pinning code) and are
 * translated here, so callers see one error type per remote system.
 */
import { isPveError } from '../pve';
import { AppException } from '../util/app-exception';

export const SCMP_ERROR_KINDS = [
  'unauthorized', // 401: token missing, wrong or revoked in the SCMP
  'forbidden', // 403
  'not_found', // 404
  'bad_request', // 400: the SCMP rejected a parameter
  'hash_mismatch', // 409: body bytes do not hash to the address pushed to
  'too_large', // 413: bundle exceeds the SCMP's size limit
  'rate_limited', // 429 after the retries were spent
  'server', // 5xx
  'http', // any other unexpected status
  'malformed', // body not JSON or not the published shape
  'tls', // handshake failed
  'tls_pin_mismatch', // certificate differs from the pinned fingerprint
  'tls_unpinned', // no fingerprint confirmed yet
  'unreachable', // DNS, refused, reset, no route
  'timeout',
  'aborted',
] as const;
export type ScmpErrorKind = (typeof SCMP_ERROR_KINDS)[number];

export interface ScmpErrorDetails {
  status?: number;
  /** The SCMP's own error code from the error body, when it sent one. */
  remoteCode?: string;
  /** 429: how long the server asked us to wait. */
  retryAfterMs?: number;
  fingerprint?: string;
  pinnedFingerprint?: string;
}

const RETRYABLE: ReadonlySet<ScmpErrorKind> = new Set(['rate_limited', 'server', 'unreachable', 'timeout']);

export class ScmpError extends Error {
  override readonly name = 'ScmpError';
  readonly retryable: boolean;
  constructor(
    readonly kind: ScmpErrorKind,
    message: string,
    readonly details: ScmpErrorDetails = {},
  ) {
    super(message);
    // 501 and other non-transient 5xx are not worth repeating; 500/502/503/504 are.
    this.retryable = RETRYABLE.has(kind) && !(kind === 'server' && details.status !== undefined && ![500, 502, 503, 504].includes(details.status));
  }
}

export function isScmpError(e: unknown, kind?: ScmpErrorKind): e is ScmpError {
  return e instanceof ScmpError && (kind === undefined || e.kind === kind);
}

/** Socket and TLS failures from the shared trust layer (PveError) become ScmpErrors of the same meaning. */
export function fromTransportError(err: unknown, endpoint: string): ScmpError {
  if (err instanceof ScmpError) return err;
  if (isPveError(err)) {
    const fp = { ...(err.fingerprint ? { fingerprint: err.fingerprint } : {}), ...(err.pinnedFingerprint ? { pinnedFingerprint: err.pinnedFingerprint } : {}) };
    switch (err.kind) {
      case 'tls_pin_mismatch':
      case 'tls_unpinned':
      case 'tls':
      case 'timeout':
      case 'aborted':
        return new ScmpError(err.kind, err.message, fp);
      case 'malformed':
        return new ScmpError('malformed', err.message);
      default:
        return new ScmpError('unreachable', err.message);
    }
  }
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return new ScmpError('unreachable', `Network error talking to the SCMP at ${endpoint}${typeof code === 'string' ? ` (${code})` : ''}`);
}

/** The contract's closed codes; the SCMP kind travels in details for the UI. */
export function toAppException(err: unknown, what: string): AppException {
  if (err instanceof AppException) return err;
  if (!(err instanceof ScmpError)) return new AppException('internal', `${what}: unexpected failure`, { cause: err });
  const details: Record<string, string | number | boolean> = { kind: err.kind };
  if (err.details.status !== undefined) details.status = err.details.status;
  if (err.details.fingerprint) details.fingerprint = err.details.fingerprint;
  if (err.details.pinnedFingerprint) details.pinnedFingerprint = err.details.pinnedFingerprint;
  if (err.details.retryAfterMs !== undefined) details.retryAfterMs = err.details.retryAfterMs;
  const msg = `${what}: ${err.message}`;
  switch (err.kind) {
    case 'unauthorized':
      return new AppException('unauthenticated', msg, { details });
    case 'forbidden':
      return new AppException('forbidden', msg, { details });
    case 'tls_pin_mismatch':
      return new AppException('tls_pin_mismatch', msg, { details });
    case 'tls_unpinned':
      return new AppException('tls_unpinned', msg, { details });
    case 'timeout':
      return new AppException('timeout', msg, { details });
    case 'unreachable':
    case 'tls':
    case 'aborted':
      return new AppException('unreachable', msg, { details });
    case 'hash_mismatch':
      return new AppException('conflict', msg, { details });
    default:
      return new AppException('upstream', msg, { details });
  }
}
