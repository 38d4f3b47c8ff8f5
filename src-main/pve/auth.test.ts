import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { createPveClient, type PveClient } from './client';
import { PveError } from './errors';
import type { Credential } from './auth';
import { reply, selfSignedCert, startPveServer, type RecordedRequest, type TestCert, type TestServer } from './test-support';

const TOKEN_SECRET = 'd3b07384-d9a0-4c8f-9f1e-7a5c2b8e4f61';
const PASSWORD = 'correct horse battery staple';
const UPID = 'UPID:pve1:0001A2B3:00C4D5E6:6724E1B9:qmstart:100:ops@pve:';

let cert: TestCert;
let srv: TestServer;
const clients: PveClient[] = [];

beforeAll(async () => {
  cert = await selfSignedCert();
  srv = await startPveServer(cert, () => undefined);
});
afterAll(async () => srv.close());
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  srv.requests.length = 0;
});

function client(credentials: () => Promise<Credential>, extra: Partial<Parameters<typeof createPveClient>[0]> = {}): PveClient {
  const c = createPveClient({ baseUrl: srv.url, fingerprint: cert.fingerprint, credentials, ...extra });
  clients.push(c);
  return c;
}

/**
 * A small model of PVE's ticket auth: issues numbered tickets, accepts them
 * until `revoke`d, checks CSRF on writes, and renews when the password is a ticket.
 */
function ticketServer() {
  let issued = 0;
  const valid = new Map<string, string>(); // ticket -> csrf
  const api = {
    logins: 0,
    renewals: 0,
    revokeAll: () => valid.clear(),
    handler: (req: RecordedRequest, res: ServerResponse) => {
      if (req.path === '/access/ticket' && req.method === 'POST') {
        const user = req.form.get('username');
        const pw = req.form.get('password') ?? '';
        const renewing = valid.has(pw);
        if (user !== 'ops@pve' || (!renewing && pw !== PASSWORD)) return reply(res, 401, { data: null }, 'authentication failure');
        if (renewing) api.renewals++;
        else api.logins++;
        issued++;
        const ticket = `PVE:ops@pve:6724E1B${issued}::c2lnbmF0dXJl${issued}+/=`;
        const csrf = `6724E1B${issued}:Y3NyZnRva2Vu${issued}`;
        valid.set(ticket, csrf);
        return reply(res, 200, { data: { username: 'ops@pve', ticket, CSRFPreventionToken: csrf, clustername: 'lab' } });
      }
      const cookie = /PVEAuthCookie=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const ticket = cookie ? decodeURIComponent(cookie) : undefined;
      if (!ticket || !valid.has(ticket)) return reply(res, 401, { data: null }, ticket ? 'authentication failure' : 'No ticket');
      if (req.method !== 'GET' && req.headers['csrfpreventiontoken'] !== valid.get(ticket)) {
        return reply(res, 401, { data: null }, 'Permission denied - invalid csrf token');
      }
      if (req.method === 'GET') return reply(res, 200, { data: { version: '9.1.2', release: '9.1' } });
      return reply(res, 200, { data: UPID });
    },
  };
  return api;
}

describe('API token', () => {
  it('sends PVEAPIToken=USER@REALM!TOKENID=SECRET and no cookie or CSRF header', async () => {
    srv.setHandler((_req, res) => reply(res, 200, { data: UPID }));
    const c = client(async () => ({ kind: 'token', tokenId: 'ops@pve!console', secret: TOKEN_SECRET }));
    await c.startGuest({ node: 'pve1', type: 'qemu', vmid: 100 });
    const r = srv.requests.at(-1)!;
    expect(r.headers.authorization).toBe(`PVEAPIToken=ops@pve!console=${TOKEN_SECRET}`);
    expect(r.headers.cookie).toBeUndefined();
    expect(r.headers['csrfpreventiontoken']).toBeUndefined();
    expect(c.authKind).toBe('token');
  });

  it('after a 401 reloads the credential once (rotated secret) and replays', async () => {
    const secrets = ['old-secret-000000', TOKEN_SECRET];
    let loads = 0;
    srv.setHandler((req, res) => {
      if (req.headers.authorization?.endsWith(TOKEN_SECRET)) return reply(res, 200, { data: { version: '9.1.2' } });
      return reply(res, 401, { data: null }, 'authentication failure');
    });
    const c = client(async () => ({ kind: 'token', tokenId: 'ops@pve!console', secret: secrets[Math.min(loads++, 1)]! }));
    await expect(c.version()).resolves.toMatchObject({ version: '9.1.2' });
    expect(loads).toBe(2);
    expect(srv.requests).toHaveLength(2);
  });

  it('a revoked token fails as unauthorized after exactly one reload', async () => {
    let loads = 0;
    srv.setHandler((_req, res) => reply(res, 401, { data: null }, 'authentication failure'));
    const c = client(async () => {
      loads++;
      return { kind: 'token', tokenId: 'ops@pve!console', secret: TOKEN_SECRET };
    });
    const err = await c.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PveError);
    expect((err as PveError).kind).toBe('unauthorized');
    expect((err as PveError).status).toBe(401);
    expect((err as PveError).reason).toBe('authentication failure');
    expect(loads).toBe(2);
    expect(srv.requests).toHaveLength(2);
  });

  it('rejects malformed token ids before sending anything', async () => {
    const c = client(async () => ({ kind: 'token', tokenId: 'no-realm', secret: TOKEN_SECRET }));
    const err = (await c.version().catch((e: unknown) => e)) as PveError;
    expect(err.kind).toBe('unauthorized');
    expect(srv.requests).toHaveLength(0);
  });
});

describe('ticket', () => {
  it('logs in once, sends the cookie everywhere and CSRFPreventionToken only on writes', async () => {
    const pve = ticketServer();
    srv.setHandler(pve.handler);
    const c = client(async () => ({ kind: 'ticket', username: 'ops@pve', password: PASSWORD }));
    await c.version();
    await c.nodes().catch(() => undefined); // shape differs, only the headers matter here
    await c.startGuest({ node: 'pve1', type: 'qemu', vmid: 100 });
    expect(pve.logins).toBe(1);
    const [login, get1, get2, post] = srv.requests;
    expect(login!.path).toBe('/access/ticket');
    expect(login!.form.get('username')).toBe('ops@pve');
    expect(login!.headers.cookie).toBeUndefined();
    expect(get1!.headers.cookie).toMatch(/^PVEAuthCookie=PVE:ops@pve:/);
    expect(get1!.headers['csrfpreventiontoken']).toBeUndefined();
    expect(get2!.headers['csrfpreventiontoken']).toBeUndefined();
    expect(post!.headers['csrfpreventiontoken']).toMatch(/^6724E1B1:/);
    expect(post!.headers.authorization).toBeUndefined();
    expect(c.authKind).toBe('ticket');
  });

  it('concurrent first calls share one login', async () => {
    const pve = ticketServer();
    srv.setHandler(pve.handler);
    const c = client(async () => ({ kind: 'ticket', username: 'ops@pve', password: PASSWORD }));
    await Promise.all(Array.from({ length: 8 }, () => c.version()));
    expect(pve.logins).toBe(1);
  });

  it('renews before expiry by posting the current ticket as password (injectable clock)', async () => {
    const pve = ticketServer();
    srv.setHandler(pve.handler);
    let now = 1_700_000_000_000;
    let sourceCalls = 0;
    const c = client(
      async () => {
        sourceCalls++;
        return { kind: 'ticket', username: 'ops@pve', password: PASSWORD };
      },
      { clock: () => now },
    );
    await c.version();
    const firstTicket = /PVEAuthCookie=([^;]+)/.exec(srv.requests.at(-1)!.headers.cookie!)![1];
    now += 60 * 60 * 1000; // 1 h: still fresh
    await c.version();
    expect(pve.renewals).toBe(0);
    now += 46 * 60 * 1000; // 1 h 46 min: past the 1 h 45 min renewal point
    await c.version();
    expect(pve.renewals).toBe(1);
    const renewal = srv.requests.find((r) => r.path === '/access/ticket' && r.form.get('password') !== PASSWORD)!;
    expect(renewal.form.get('password')).toBe(decodeURIComponent(firstTicket!));
    expect(srv.requests.at(-1)!.headers.cookie).not.toContain(firstTicket!);
    expect(sourceCalls).toBe(1); // the keychain was not asked again
  });

  it('logs in afresh when the ticket is past its 2 h lifetime', async () => {
    const pve = ticketServer();
    srv.setHandler(pve.handler);
    let now = 1_700_000_000_000;
    const c = client(async () => ({ kind: 'ticket', username: 'ops@pve', password: PASSWORD }), { clock: () => now });
    await c.version();
    now += 3 * 60 * 60 * 1000;
    await c.version();
    expect(pve.logins).toBe(2);
    expect(pve.renewals).toBe(0);
  });

  it('on 401 (ticket invalidated server-side) logs in again once and replays the write with the new CSRF token', async () => {
    const pve = ticketServer();
    srv.setHandler(pve.handler);
    const c = client(async () => ({ kind: 'ticket', username: 'ops@pve', password: PASSWORD }));
    await c.version();
    pve.revokeAll();
    await expect(c.startGuest({ node: 'pve1', type: 'qemu', vmid: 100 })).resolves.toBe(UPID);
    expect(pve.logins).toBe(2);
    const posts = srv.requests.filter((r) => r.path.endsWith('/status/start'));
    expect(posts).toHaveLength(2);
    expect(posts[1]!.headers['csrfpreventiontoken']).toMatch(/^6724E1B2:/);
  });

  it('wrong password is unauthorized with PVE reason, never retried in a loop', async () => {
    const pve = ticketServer();
    srv.setHandler(pve.handler);
    const c = client(async () => ({ kind: 'ticket', username: 'ops@pve', password: 'wrong-password-123' }));
    const err = (await c.version().catch((e: unknown) => e)) as PveError;
    expect(err.kind).toBe('unauthorized');
    expect(err.reason).toBe('authentication failure');
    expect(srv.requests).toHaveLength(1);
  });

  it('a TFA-enabled user is refused with a hint to use a token', async () => {
    srv.setHandler((_req, res) => reply(res, 200, { data: { username: 'ops@pve', ticket: 'PVE:!tfa!ops@pve:6724E1B1::c2ln', CSRFPreventionToken: 'x:y', NeedTFA: 1 } }));
    const c = client(async () => ({ kind: 'ticket', username: 'ops@pve', password: PASSWORD }));
    const err = (await c.version().catch((e: unknown) => e)) as PveError;
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toMatch(/two-factor/);
  });
});
