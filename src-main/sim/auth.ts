// Authentication as pveproxy does it: API tokens in the Authorization header, tickets from
// POST /access/ticket carried in the PVEAuthCookie cookie (or header), CSRF tokens required on
// ticket-authenticated writes, 2 h ticket lifetime read from the injectable clock, renewal by
// posting a valid ticket as password, and the 401 reason phrases PVE uses.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock';
import { PveError, unauthorized } from './errors';

export const TICKET_LIFETIME_S = 2 * 3600;
/** PVE tolerates tickets issued up to 5 minutes "in the future" (clock skew between nodes). */
const MAX_SKEW_S = 300;

export type Role = 'admin' | 'auditor';

export interface Identity {
  /** user@realm */
  userid: string;
  /** Token name when authenticated by API token. */
  tokenid: string | undefined;
  role: Role;
}

export interface AuthInfo extends Identity {
  kind: 'token' | 'ticket';
}

/** Privileges of the PVEAuditor role; admins hold every privilege. */
const AUDITOR_PRIVS = new Set(['Sys.Audit', 'VM.Audit', 'Datastore.Audit', 'SDN.Audit', 'Pool.Audit']);

export function hasPrivilege(identity: Identity, priv: string): boolean {
  return identity.role === 'admin' || AUDITOR_PRIVS.has(priv);
}

/** "user@realm!token" as it appears in UPIDs and task lists. */
export function taskUser(identity: Identity): string {
  return identity.tokenid ? `${identity.userid}!${identity.tokenid}` : identity.userid;
}

interface TokenEntry {
  userid: string;
  tokenid: string;
  secret: string;
  role: Role;
}

export interface AuthOptions {
  clock: Clock;
  user: string;
  password: string;
  tokens: ReadonlyArray<TokenEntry>;
}

export interface TicketResult {
  username: string;
  ticket: string;
  CSRFPreventionToken: string;
}

export class AuthService {
  private readonly ticketKey = randomBytes(32);
  private readonly csrfKey = randomBytes(32);

  constructor(private readonly opts: AuthOptions) {}

  /**
   * Authenticates a request from its headers. `write` = non-GET, which needs the CSRF header when
   * a ticket is used. `revokedToken` makes every token fail like a deleted one.
   */
  authenticate(headers: Record<string, string | string[] | undefined>, write: boolean, revokedToken: boolean): AuthInfo {
    const authz = header(headers, 'authorization');
    const token = authz ? /^PVEAPIToken[=\s]\s*(\S+?)!(\S+?)[=:](\S+)\s*$/.exec(authz) : null;
    if (token) {
      const [, userid = '', tokenid = '', secret = ''] = token;
      const entry = this.opts.tokens.find((t) => t.userid === userid && t.tokenid === tokenid);
      if (revokedToken || !entry || !safeEqual(entry.secret, secret)) throw unauthorized('Authentication failed!');
      return { userid, tokenid, role: entry.role, kind: 'token' };
    }

    const ticket = ticketFrom(headers, authz);
    if (ticket === undefined) throw unauthorized('No ticket');
    const userid = this.verifyTicket(ticket);
    if (!userid) throw unauthorized('Authentication failed!');
    if (write) {
      const csrf = header(headers, 'csrfpreventiontoken');
      if (!csrf || !this.verifyCsrf(csrf, userid)) throw unauthorized('Permission denied - invalid csrf token');
    }
    return { userid, tokenid: undefined, role: 'admin', kind: 'ticket' };
  }

  /** POST /access/ticket. A valid ticket passed as password renews it. */
  login(username: string, password: string, realm: string | undefined): TicketResult {
    const userid = username.includes('@') || !realm ? username : `${username}@${realm}`;
    let ok = false;
    if (password.startsWith('PVE:')) {
      ok = this.verifyTicket(password) === userid;
    } else {
      ok = userid === this.opts.user && safeEqual(password, this.opts.password);
    }
    if (!ok) throw new PveError(401, 'authentication failure\n');
    return this.issue(userid);
  }

  issue(userid: string): TicketResult {
    const ts = Math.floor(this.opts.clock.now() / 1000);
    const stamp = hex8(ts);
    const plain = `PVE:${userid}:${stamp}`;
    const ticket = `${plain}::${this.sign(this.ticketKey, plain)}`;
    const csrf = `${stamp}:${this.sign(this.csrfKey, `${stamp}:${userid}`)}`;
    return { username: userid, ticket, CSRFPreventionToken: csrf };
  }

  /** Returns the ticket's user when the signature holds and the ticket has not expired. */
  verifyTicket(ticket: string): string | undefined {
    const m = /^PVE:([^:]+):([0-9A-F]{8})::(.+)$/.exec(ticket);
    if (!m) return undefined;
    const [, userid = '', stamp = '', sig = ''] = m;
    if (!safeEqual(this.sign(this.ticketKey, `PVE:${userid}:${stamp}`), sig)) return undefined;
    return this.fresh(stamp) ? userid : undefined;
  }

  private verifyCsrf(token: string, userid: string): boolean {
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    if (!m) return false;
    const [, stamp = '', sig = ''] = m;
    return safeEqual(this.sign(this.csrfKey, `${stamp}:${userid}`), sig) && this.fresh(stamp);
  }

  private fresh(stamp: string): boolean {
    const age = Math.floor(this.opts.clock.now() / 1000) - parseInt(stamp, 16);
    return age > -MAX_SKEW_S && age < TICKET_LIFETIME_S;
  }

  private sign(key: Buffer, text: string): string {
    return createHmac('sha256', key).update(text).digest('base64').replace(/=+$/, '');
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function ticketFrom(headers: Record<string, string | string[] | undefined>, authz: string | undefined): string | undefined {
  const inHeader = authz ? /^PVEAuthCookie=(.+)$/.exec(authz.trim()) : null;
  if (inHeader?.[1]) return decodeURIComponent(inHeader[1]);
  const cookie = header(headers, 'cookie');
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'PVEAuthCookie') return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
