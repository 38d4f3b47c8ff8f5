/**
 * The closed set of failures the PVE client reports: one `PveError` class with
 * a `kind`, a human message, `retryable`, and the details a caller needs to act
 * (the HTTP status, PVE's own reason text, per-parameter validation errors, the
 * missing privilege, the fingerprints involved in a TLS refusal).
 *
 * Also owns the mapping from Node's socket/TLS/DNS error codes to those kinds,
 * and the scrubbing that keeps secrets out of anything thrown.
 */

export const PVE_ERROR_KINDS = [
  'unauthorized', // 401: bad/expired ticket or token, CSRF failure, wrong password
  'forbidden', // 403: permission check failed
  'validation', // 400: parameter verification failed
  'node_unreachable', // 595/596/599: the node we talk to could not forward to the target node
  'server', // other 5xx (handler died: locked, not found, already exists, ...)
  'not_implemented', // 501: unknown path or method
  'http', // any other unexpected HTTP status (PVE itself does not use them)
  'tls', // handshake failed or the certificate did not verify against the CA
  'tls_pin_mismatch', // presented certificate differs from the pinned fingerprint
  'tls_unpinned', // neither a pin nor a CA was configured: the operator must confirm the fingerprint
  'dns', // host name did not resolve
  'timeout', // no complete answer within the deadline
  'connection_reset', // the peer closed or reset the connection mid-exchange
  'connection_refused', // nothing listens on the port (pveproxy down or restarting)
  'network', // other socket-level failures: no route to host, network down
  'malformed', // body not JSON, not PVE's envelope, or not the documented shape
  'aborted', // the caller's AbortSignal fired (or the client was closed)
] as const;

export type PveErrorKind = (typeof PVE_ERROR_KINDS)[number];

/** A parsed `Permission check failed (<path>, <priv>|<priv>)` reason. */
export interface PermissionDenial {
  path: string;
  /** Privileges named by PVE. With more than one, PVE requires any one of them. */
  privileges: string[];
}

export interface PveErrorDetails {
  status?: number;
  /** PVE's own error text (body `message`, else the HTTP reason phrase), trimmed. */
  reason?: string;
  method?: string;
  /** API path of the failed request (without query string). */
  path?: string;
  /** 400: parameter name -> why it was rejected (`_root` for errors not tied to one). */
  errors?: Record<string, string>;
  /** 403: what PVE says is missing. */
  permission?: PermissionDenial;
  /** TLS: SHA-256 fingerprint of the certificate the server presented. */
  fingerprint?: string;
  /** tls_pin_mismatch: the fingerprint we had pinned. */
  pinnedFingerprint?: string;
  /** Socket-level failures: Node's error code (ECONNRESET, ENOTFOUND, ...). */
  code?: string;
  /** Overrides the per-kind default. */
  retryable?: boolean;
}

const DEFAULT_RETRYABLE: Record<PveErrorKind, boolean> = {
  unauthorized: false,
  forbidden: false,
  validation: false,
  node_unreachable: true,
  server: false,
  not_implemented: false,
  http: false,
  tls: false,
  tls_pin_mismatch: false,
  tls_unpinned: false,
  dns: false,
  timeout: true,
  connection_reset: true,
  connection_refused: true,
  network: true,
  malformed: false,
  aborted: false,
};

export class PveError extends Error {
  override readonly name = 'PveError';
  readonly kind: PveErrorKind;
  readonly retryable: boolean;
  readonly status?: number;
  readonly reason?: string;
  readonly method?: string;
  readonly path?: string;
  readonly errors?: Record<string, string>;
  readonly permission?: PermissionDenial;
  readonly fingerprint?: string;
  readonly pinnedFingerprint?: string;
  readonly code?: string;

  constructor(kind: PveErrorKind, message: string, details: PveErrorDetails = {}) {
    super(message);
    this.kind = kind;
    this.retryable = details.retryable ?? DEFAULT_RETRYABLE[kind];
    if (details.status !== undefined) this.status = details.status;
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.method !== undefined) this.method = details.method;
    if (details.path !== undefined) this.path = details.path;
    if (details.errors !== undefined) this.errors = details.errors;
    if (details.permission !== undefined) this.permission = details.permission;
    if (details.fingerprint !== undefined) this.fingerprint = details.fingerprint;
    if (details.pinnedFingerprint !== undefined) this.pinnedFingerprint = details.pinnedFingerprint;
    if (details.code !== undefined) this.code = details.code;
  }

  /** Same error with request context filled in where it was not known at the throw site. */
  withRequest(method: string, path: string): PveError {
    if (this.method !== undefined && this.path !== undefined) return this;
    return new PveError(this.kind, this.message, { ...this.details(), method: this.method ?? method, path: this.path ?? path });
  }

  details(): PveErrorDetails {
    const d: PveErrorDetails = { retryable: this.retryable };
    if (this.status !== undefined) d.status = this.status;
    if (this.reason !== undefined) d.reason = this.reason;
    if (this.method !== undefined) d.method = this.method;
    if (this.path !== undefined) d.path = this.path;
    if (this.errors !== undefined) d.errors = { ...this.errors };
    if (this.permission !== undefined) d.permission = { path: this.permission.path, privileges: [...this.permission.privileges] };
    if (this.fingerprint !== undefined) d.fingerprint = this.fingerprint;
    if (this.pinnedFingerprint !== undefined) d.pinnedFingerprint = this.pinnedFingerprint;
    if (this.code !== undefined) d.code = this.code;
    return d;
  }

  /** Plain data (for logs and IPC); the class itself never carries request headers or bodies. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message, ...this.details() };
  }
}

export function isPveError(value: unknown, kind?: PveErrorKind): value is PveError {
  return value instanceof PveError && (kind === undefined || value.kind === kind);
}

// ---- HTTP statuses ------------------------------------------------------

/** PVE's error text: prefer the body's `message` (full text, PVE >= 8.3), else the reason phrase. */
export function pveReason(statusMessage: string | undefined, bodyMessage: unknown): string | undefined {
  const fromBody = typeof bodyMessage === 'string' ? bodyMessage.trim() : '';
  if (fromBody) return fromBody;
  const fromPhrase = (statusMessage ?? '').trim();
  return fromPhrase || undefined;
}

const PERMISSION_RE = /^Permission check failed \((.+), ([^,()]+)\)\s*$/;

/** Parses `Permission check failed (/vms/100, VM.PowerMgmt|VM.Config.Disk)`; other 403 texts give undefined. */
export function parsePermissionDenial(reason: string | undefined): PermissionDenial | undefined {
  if (!reason) return undefined;
  const firstLine = reason.split('\n', 1)[0] ?? '';
  const m = PERMISSION_RE.exec(firstLine.trim());
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  const privileges = m[2]
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (privileges.length === 0) return undefined;
  return { path: m[1].trim(), privileges };
}

function describeValidation(errors: Record<string, string> | undefined): string {
  if (!errors) return '';
  const parts = Object.entries(errors).map(([k, v]) => `${k}: ${v.trim().replace(/\s*\n\s*/g, '; ')}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/**
 * Locks held by someone else and pmxcfs lock timeouts clear up on their own,
 * so a 500 carrying one of these texts is worth another try (for GETs).
 */
function isTransientServerText(reason: string | undefined): boolean {
  return !!reason && /(got timeout|can't lock file|cfs-lock .* error|temporarily unavailable)/i.test(reason);
}

export interface HttpFailure {
  status: number;
  statusMessage?: string;
  bodyMessage?: unknown;
  errors?: Record<string, string>;
  method?: string;
  path?: string;
}

/** Maps a non-2xx PVE answer to its error kind and a message an operator can act on. */
export function errorFromStatus(f: HttpFailure): PveError {
  const reason = pveReason(f.statusMessage, f.bodyMessage);
  const base: PveErrorDetails = { status: f.status };
  if (reason !== undefined) base.reason = reason;
  if (f.method !== undefined) base.method = f.method;
  if (f.path !== undefined) base.path = f.path;
  const firstLine = reason?.split('\n', 1)[0]?.trim();
  const s = f.status;

  if (s === 400) {
    const errors = f.errors && Object.keys(f.errors).length > 0 ? f.errors : undefined;
    const msg = `Invalid request: ${firstLine ?? 'parameter verification failed'}${describeValidation(errors)}`;
    return new PveError('validation', msg, { ...base, ...(errors ? { errors } : {}) });
  }
  if (s === 401) {
    return new PveError('unauthorized', `Authentication rejected by Proxmox VE: ${firstLine ?? 'unauthorized'}`, base);
  }
  if (s === 403) {
    const permission = parsePermissionDenial(reason);
    if (permission) {
      const priv = permission.privileges.length === 1 ? permission.privileges[0] : `one of ${permission.privileges.join(', ')}`;
      return new PveError('forbidden', `Permission denied: missing privilege ${priv} on ${permission.path}`, { ...base, permission });
    }
    return new PveError('forbidden', `Permission denied: ${firstLine ?? 'forbidden'}`, base);
  }
  if (s === 501) {
    return new PveError('not_implemented', `Not implemented by this Proxmox VE server: ${firstLine ?? 'no such uri'}`, base);
  }
  if (s === 595 || s === 596 || s === 599) {
    return new PveError('node_unreachable', `Target node unreachable from the API endpoint (${s}${firstLine ? ` ${firstLine}` : ''})`, base);
  }
  if (s >= 500 && s <= 599) {
    const retryable = s === 502 || s === 503 || s === 504 || isTransientServerText(reason);
    return new PveError('server', `Proxmox VE error (${s}): ${firstLine ?? 'internal server error'}`, { ...base, retryable });
  }
  return new PveError('http', `Unexpected HTTP status ${s}${firstLine ? `: ${firstLine}` : ''}`, base);
}

// ---- Node socket / TLS / DNS errors ----------------------------------------

const TLS_CODES = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
]);

export interface ErrnoLike {
  code?: unknown;
  message?: unknown;
  reason?: unknown;
}

function errCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && typeof (err as ErrnoLike).code === 'string') return (err as ErrnoLike).code as string;
  return undefined;
}

/**
 * Translates what node:net/tls/https throw into a PveError. Only the error
 * code and a fixed description go into the result: Node's own messages can
 * quote request details, so they are not copied.
 */
export function errorFromSocket(err: unknown, target: string): PveError {
  if (err instanceof PveError) return err;
  const code = errCode(err);
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  if (name === 'AbortError' || code === 'ABORT_ERR') return new PveError('aborted', `Request to ${target} was cancelled`, { code: 'ABORT_ERR' });
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_FAIL':
      return new PveError('dns', `Cannot resolve the host name of ${target}`, { code });
    case 'EAI_AGAIN':
      return new PveError('dns', `DNS lookup for ${target} failed temporarily`, { code, retryable: true });
    case 'ECONNREFUSED':
      return new PveError('connection_refused', `Connection to ${target} refused (is pveproxy running?)`, { code });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return new PveError('connection_reset', `Connection to ${target} was closed unexpectedly`, { code });
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return new PveError('timeout', `Connection to ${target} timed out`, { code });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return new PveError('network', `No network route to ${target}`, { code });
    default:
      break;
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_'))) {
    return new PveError('tls', `TLS handshake with ${target} failed (${code})`, { code });
  }
  if (code && code.startsWith('HPE_')) {
    return new PveError('malformed', `${target} sent an invalid HTTP response (${code})`, { code });
  }
  return new PveError('network', `Network error talking to ${target}${code ? ` (${code})` : ''}`, code ? { code } : {});
}

// ---- secret scrubbing -----------------------------------------------------------

/**
 * Remembers the secrets a client handles (token secret, password, ticket, CSRF
 * token) and removes them, in plain and URL-encoded form, from every string an
 * error carries. Servers are not supposed to echo credentials, but a proxy or
 * a buggy endpoint could, and an error is the thing that ends up in logs.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would blank out ordinary words; real secrets are long.
    if (!secret || secret.length < 6) return;
    this.secrets.add(secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) this.secrets.add(encoded);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  }

  scrubError(err: PveError): PveError {
    const d = err.details();
    const fields = [err.message, d.reason ?? '', d.path ?? '', ...Object.entries(d.errors ?? {}).flat()];
    if (!fields.some((f) => this.scrub(f) !== f)) return err;
    if (d.reason !== undefined) d.reason = this.scrub(d.reason);
    if (d.path !== undefined) d.path = this.scrub(d.path);
    if (d.errors) d.errors = Object.fromEntries(Object.entries(d.errors).map(([k, v]) => [this.scrub(k), this.scrub(v)]));
    return new PveError(err.kind, this.scrub(err.message), d);
  }
}
