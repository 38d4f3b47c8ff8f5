/**
 * TLS trust for PVE endpoints: opening a connection that is verified (pinned
 * SHA-256 fingerprint, or a CA bundle) before anything is written to it, and
 * probing a server's certificate for the operator to confirm on first contact.
 *
 * Verification happens on the raw TLS socket, before the socket is handed to
 * the HTTP layer, so a request (and its Authorization header) cannot reach a
 * server that failed the check.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { PveError, errorFromSocket } from './errors';

/** How an endpoint's certificate is trusted. Neither set means "refuse, but report what was presented". */
export interface TlsTrust {
  /** SHA-256 fingerprint as PVE prints it (`AB:CD:…`); case and colons are normalised. */
  fingerprint?: string | undefined;
  /** PEM CA bundle (e.g. the cluster's pve-root-ca.pem); normal chain and host name verification. */
  caPem?: string | readonly string[] | undefined;
}

export interface CertificateInfo {
  fingerprint: string;
  subject: string;
  issuer: string;
  /** ISO-8601. */
  validFrom: string;
  /** ISO-8601. */
  validTo: string;
  selfSigned: boolean;
}

const FP_HEX_RE = /^[0-9A-F]{64}$/;

/**
 * Canonical form of a SHA-256 fingerprint: upper-case hex pairs joined by ':'.
 * Accepts lower case, and input with or without colons/spaces. Throws TypeError
 * for anything that is not 32 bytes of hex (a configuration error, not a PVE one).
 */
export function normalizeFingerprint(input: string): string {
  const hex = input.trim().toUpperCase().replace(/[:\s-]/g, '');
  if (!FP_HEX_RE.test(hex)) throw new TypeError('fingerprint must be a SHA-256 digest (32 hex bytes, e.g. AB:CD:…)');
  return hex.match(/../g)!.join(':');
}

export function isFingerprint(input: string): boolean {
  try {
    normalizeFingerprint(input);
    return true;
  } catch {
    return false;
  }
}

/** SHA-256 fingerprint of a DER certificate, in PVE's `ssl_fingerprint` format. */
export function fingerprintOf(der: Uint8Array): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return hex.match(/../g)!.join(':');
}

function dnToString(dn: string): string {
  return dn
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .join(', ');
}

function isoOf(text: string): string {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

export function certificateInfo(der: Uint8Array): CertificateInfo {
  const fingerprint = fingerprintOf(der);
  let x: X509Certificate;
  try {
    x = new X509Certificate(der);
  } catch {
    throw new PveError('tls', 'The server presented a certificate that cannot be parsed', { fingerprint });
  }
  let selfSigned = false;
  try {
    selfSigned = x.checkIssued(x) && x.verify(x.publicKey);
  } catch {
    selfSigned = false;
  }
  return {
    fingerprint,
    subject: dnToString(x.subject),
    issuer: dnToString(x.issuer),
    validFrom: isoOf(x.validFrom),
    validTo: isoOf(x.validTo),
    selfSigned,
  };
}

export interface ConnectTarget {
  host: string;
  port: number;
  /** Applies to TCP connect plus TLS handshake. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

function targetLabel(t: { host: string; port: number }): string {
  return isIP(t.host) === 6 ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
}

const contexts = new Map<string, tls.SecureContext>();

/**
 * One secure context per trust configuration, shared by every connection:
 * building one loads the whole root store, which costs milliseconds — paid
 * once, not for each of a 500-cluster fleet's connections.
 */
function secureContextFor(ca: string | string[] | undefined): tls.SecureContext {
  const key = ca === undefined ? '' : typeof ca === 'string' ? ca : ca.join('\n');
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext({ minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) });
    if (contexts.size > 64) contexts.clear();
    contexts.set(key, ctx);
  }
  return ctx;
}

/**
 * Opens a TLS connection and calls back with it only after the trust check
 * passed; on failure the socket is destroyed and the callback gets a PveError.
 * Certificate verification is done here rather than by `rejectUnauthorized`
 * so that a refusal can still name the fingerprint the server presented.
 */
export function connectTrusted(
  target: ConnectTarget,
  trust: TlsTrust,
  callback: (err: PveError | null, socket?: tls.TLSSocket) => void,
): void {
  const label = targetLabel(target);
  const pin = trust.fingerprint ? normalizeFingerprint(trust.fingerprint) : undefined;
  const ca = trust.caPem === undefined ? undefined : typeof trust.caPem === 'string' ? trust.caPem : [...trust.caPem];
  let done = false;

  const socket = tls.connect({
    host: target.host,
    port: target.port,
    // SNI must not carry an IP address (RFC 6066).
    ...(isIP(target.host) ? {} : { servername: target.host }),
    secureContext: secureContextFor(ca),
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });

  const finish = (err: PveError | null): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.removeListener('error', onError);
    socket.removeListener('secureConnect', onSecure);
    target.signal?.removeEventListener('abort', onAbort);
    if (err) {
      // Keep a listener: a late reset after destroy() must not become an uncaught error.
      socket.on('error', () => undefined);
      socket.destroy();
      callback(err);
    } else {
      callback(null, socket);
    }
  };

  const onError = (e: unknown): void => finish(errorFromSocket(e, label));
  const onAbort = (): void => finish(new PveError('aborted', `Connection to ${label} was cancelled`, { code: 'ABORT_ERR' }));
  const timer = setTimeout(
    () => finish(new PveError('timeout', `TLS connection to ${label} timed out after ${target.timeoutMs} ms`, { code: 'ETIMEDOUT' })),
    target.timeoutMs,
  );

  const onSecure = (): void => {
    const cert = socket.getPeerCertificate(false);
    const raw: Buffer | undefined = cert && 'raw' in cert ? cert.raw : undefined;
    if (!raw || raw.length === 0) {
      finish(new PveError('tls', `${label} presented no certificate`));
      return;
    }
    const presented = fingerprintOf(raw);
    if (ca && !socket.authorized) {
      const why = String(socket.authorizationError ?? 'unknown reason');
      finish(
        new PveError('tls', `Certificate of ${label} is not trusted by the configured CA (${why}); presented fingerprint ${presented}`, {
          fingerprint: presented,
          code: why,
        }),
      );
      return;
    }
    if (pin && presented !== pin) {
      finish(
        new PveError(
          'tls_pin_mismatch',
          `Certificate of ${label} changed: pinned fingerprint ${pin}, presented ${presented}. Confirm the new certificate before reconnecting.`,
          { fingerprint: presented, pinnedFingerprint: pin },
        ),
      );
      return;
    }
    if (!pin && !ca) {
      finish(
        new PveError('tls_unpinned', `No trusted fingerprint or CA configured for ${label}; the server presented ${presented}. Confirm it to connect.`, {
          fingerprint: presented,
        }),
      );
      return;
    }
    finish(null);
  };

  socket.once('secureConnect', onSecure);
  socket.on('error', onError);
  if (target.signal) {
    if (target.signal.aborted) queueMicrotask(onAbort);
    else target.signal.addEventListener('abort', onAbort, { once: true });
  }
}

export interface ProbeOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Host and port of an https URL. Without an explicit port this is 443, as for
 * any https URL (PVE itself listens on 8006, reverse proxies usually on 443);
 * the console's connection form fills in 8006. Throws TypeError on anything else.
 */
export function endpointOf(url: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError('endpoint must be an https:// URL');
  }
  if (u.protocol !== 'https:') throw new TypeError('endpoint must be an https:// URL');
  if (u.username || u.password) throw new TypeError('endpoint URL must not carry credentials');
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (!host) throw new TypeError('endpoint URL has no host');
  return { host, port: u.port ? Number(u.port) : 443 };
}

/**
 * Connects, completes the TLS handshake, reads the server certificate and
 * closes without sending any application data. This is the "confirm this
 * fingerprint" step before a connection is first saved.
 */
export function probeCertificate(url: string, opts: ProbeOptions = {}): Promise<CertificateInfo> {
  const { host, port } = endpointOf(url);
  const label = targetLabel({ host, port });
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    let done = false;
    const socket = tls.connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    const finish = (err: PveError | null, info?: CertificateInfo): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('secureConnect');
      // Keep a listener: a late reset after destroy() must not become an uncaught error.
      socket.on('error', () => undefined);
      socket.destroy();
      if (err) reject(err);
      else resolve(info!);
    };
    const onAbort = (): void => finish(new PveError('aborted', `Probe of ${label} was cancelled`, { code: 'ABORT_ERR' }));
    const timer = setTimeout(
      () => finish(new PveError('timeout', `TLS probe of ${label} timed out after ${timeoutMs} ms`, { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate(false);
      const raw: Buffer | undefined = cert && 'raw' in cert ? cert.raw : undefined;
      if (!raw || raw.length === 0) {
        finish(new PveError('tls', `${label} presented no certificate`));
        return;
      }
      try {
        finish(null, certificateInfo(raw));
      } catch (e) {
        finish(e instanceof PveError ? e : new PveError('tls', `Certificate of ${label} cannot be read`));
      }
    });
    socket.on('error', (e) => finish(errorFromSocket(e, label)));
    if (opts.signal) {
      if (opts.signal.aborted) queueMicrotask(onAbort);
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}
