/**
 * Authentication state for one endpoint: turns a `CredentialSource` into the
 * headers each request needs, and keeps a ticket session alive.
 *
 * - API token: `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`. Stateless.
 * - Ticket: POST /access/ticket, then `Cookie: PVEAuthCookie=…` on every call
 *   and `CSRFPreventionToken` on every non-GET. Tickets live 2 hours; the
 *   session renews ahead of that by posting the current ticket as password,
 *   so the keychain is asked for the password only at login.
 *
 * After a 401 the client calls `rejected()`; the next request reloads the
 * credential (a rotated token secret or a fresh login). Every secret seen is
 * registered with the scrubber so it can never surface in an error.
 */
import { PveError, SecretScrubber } from './errors';
import { decodeResponse, parseData } from './envelope';
import { ticketSchema } from './schemas';
import { requestVia, type HttpMethod, type PveTransport } from './transport';

export interface TokenCredential {
  kind: 'token';
  /** `user@realm!tokenname`. */
  tokenId: string;
  secret: string;
}

export interface TicketCredential {
  kind: 'ticket';
  /** `user@realm`. */
  username: string;
  password: string;
  realm?: string;
}

export type Credential = TokenCredential | TicketCredential;

/** Called when the client needs a credential; the keychain lives behind it. */
export type CredentialSource = () => Promise<Credential>;

/** PVE's `$ticket_lifetime` (pve-access-control AccessControl.pm). */
export const TICKET_LIFETIME_MS = 2 * 60 * 60 * 1000;
/** Renew with a quarter hour to spare so clock skew and slow calls never see an expired ticket. */
export const DEFAULT_TICKET_RENEW_AFTER_MS = 105 * 60 * 1000;
/** After a failed renewal (network trouble), wait this long before trying again with the still-valid ticket. */
const RENEW_RETRY_MS = 30 * 1000;

interface TokenState {
  kind: 'token';
  generation: number;
  authorization: string;
}

interface TicketState {
  kind: 'ticket';
  generation: number;
  username: string;
  ticket: string;
  csrf: string;
  obtainedAt: number;
  renewNotBefore: number;
}

type AuthState = TokenState | TicketState;

export interface AuthorizedHeaders {
  headers: Record<string, string>;
  /** Identifies the credential used, so a 401 invalidates only that one. */
  generation: number;
}

export interface AuthenticatorOptions {
  transport: PveTransport;
  source: CredentialSource;
  scrubber: SecretScrubber;
  clock?: () => number;
  renewAfterMs?: number;
  /** Deadline for the login/renew request. */
  timeoutMs?: number;
}

// Header values must be visible ASCII; the checks run before anything is sent so
// Node never gets to build an error around a bad value.
const TOKEN_ID_RE = /^[^\s=]+@[^\s=!]+![^\s=!]+$/;
const VISIBLE_ASCII_RE = /^[\x21-\x7e]+$/;
const COOKIE_SAFE_RE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

let nextGeneration = 1;

export class Authenticator {
  private state: AuthState | undefined;
  private pending: Promise<AuthState> | undefined;
  private readonly clock: () => number;
  private readonly renewAfterMs: number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.clock = opts.clock ?? Date.now;
    this.renewAfterMs = opts.renewAfterMs ?? DEFAULT_TICKET_RENEW_AFTER_MS;
  }

  /** Which kind of credential is in use, once known. */
  get kind(): Credential['kind'] | undefined {
    return this.state?.kind;
  }

  async authorize(method: HttpMethod, signal?: AbortSignal): Promise<AuthorizedHeaders> {
    const st = await this.current(signal);
    if (st.kind === 'token') return { headers: { Authorization: st.authorization }, generation: st.generation };
    const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${cookieValue(st.ticket)}` };
    if (method !== 'GET') headers['CSRFPreventionToken'] = st.csrf;
    return { headers, generation: st.generation };
  }

  /** The server refused the credential of this generation: drop it so the next call reloads. */
  rejected(generation: number): void {
    if (this.state?.generation === generation) this.state = undefined;
  }

  /** Forget everything (e.g. when the connection is removed). */
  reset(): void {
    this.state = undefined;
  }

  private current(signal?: AbortSignal): Promise<AuthState> {
    if (this.pending) return this.pending;
    const st = this.state;
    const now = this.clock();
    let work: (() => Promise<AuthState>) | undefined;
    if (!st) work = () => this.load(signal);
    else if (st.kind === 'ticket') {
      const age = now - st.obtainedAt;
      if (age >= TICKET_LIFETIME_MS || age < 0) work = () => this.load(signal);
      else if (age >= this.renewAfterMs && now >= st.renewNotBefore) work = () => this.renew(st, signal);
    }
    if (!work) return Promise.resolve(st!);
    const p = work().finally(() => {
      if (this.pending === p) this.pending = undefined;
    });
    this.pending = p;
    return p;
  }

  private async load(signal?: AbortSignal): Promise<AuthState> {
    const cred = await this.opts.source();
    if (cred?.kind === 'token') {
      const tokenId = typeof cred.tokenId === 'string' ? cred.tokenId.trim() : '';
      const secret = typeof cred.secret === 'string' ? cred.secret.trim() : '';
      this.opts.scrubber.add(secret);
      if (!TOKEN_ID_RE.test(tokenId)) {
        throw new PveError('unauthorized', 'API token id must look like user@realm!tokenname');
      }
      if (!VISIBLE_ASCII_RE.test(secret)) throw new PveError('unauthorized', 'API token secret is empty or contains invalid characters');
      const authorization = `PVEAPIToken=${tokenId}=${secret}`;
      this.opts.scrubber.add(authorization);
      const st: TokenState = { kind: 'token', generation: nextGeneration++, authorization };
      this.state = st;
      return st;
    }
    if (cred?.kind === 'ticket') {
      const username = typeof cred.username === 'string' ? cred.username.trim() : '';
      const password = typeof cred.password === 'string' ? cred.password : '';
      this.opts.scrubber.add(password);
      if (!username || !password) throw new PveError('unauthorized', 'User name and password are required for ticket authentication');
      const params: Record<string, string> = { username, password };
      if (cred.realm) params['realm'] = cred.realm;
      const st = await this.requestTicket(params, signal);
      this.state = st;
      return st;
    }
    throw new PveError('unauthorized', 'The credential source returned no usable credential');
  }

  private async renew(st: TicketState, signal?: AbortSignal): Promise<AuthState> {
    try {
      const next = await this.requestTicket({ username: st.username, password: st.ticket }, signal);
      this.state = next;
      return next;
    } catch (e) {
      if (e instanceof PveError && e.kind === 'unauthorized') return this.load(signal);
      if (e instanceof PveError && e.kind === 'aborted') throw e;
      // The ticket is still valid for a while: keep using it and try renewing again later.
      if (this.clock() - st.obtainedAt < TICKET_LIFETIME_MS - RENEW_RETRY_MS) {
        const kept: TicketState = { ...st, renewNotBefore: this.clock() + RENEW_RETRY_MS };
        this.state = kept;
        return kept;
      }
      throw e;
    }
  }

  private async requestTicket(params: Record<string, string>, signal?: AbortSignal): Promise<TicketState> {
    const ctx = { method: 'POST', path: '/access/ticket' };
    const res = await requestVia(this.opts.transport, {
      method: 'POST',
      path: '/access/ticket',
      params,
      timeoutMs: this.opts.timeoutMs,
      signal,
    });
    const data = parseData(ticketSchema, decodeResponse(res, ctx).data, ctx);
    if (data.NeedTFA) {
      throw new PveError('unauthorized', 'This user requires two-factor authentication; use an API token for the console instead', ctx);
    }
    if (!data.ticket || !data.CSRFPreventionToken) {
      throw new PveError('malformed', 'Login response carries no ticket or CSRF token', ctx);
    }
    this.opts.scrubber.add(data.ticket);
    this.opts.scrubber.add(data.CSRFPreventionToken);
    const now = this.clock();
    return {
      kind: 'ticket',
      generation: nextGeneration++,
      username: data.username,
      ticket: data.ticket,
      csrf: data.CSRFPreventionToken,
      obtainedAt: now,
      renewNotBefore: 0,
    };
  }
}

/** Tickets are cookie-safe as issued; anything else is percent-encoded, which PVE decodes (uri_unescape). */
function cookieValue(ticket: string): string {
  return COOKIE_SAFE_RE.test(ticket) ? ticket : encodeURIComponent(ticket);
}
