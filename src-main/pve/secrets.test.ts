/**
 * Secrets never leave through errors: a token secret and a password are
 * planted, every error kind is provoked (with a hostile server that echoes
 * credentials back wherever it can), and the secret must not appear in the
 * message, JSON form, string form, stack or inspected form of what is thrown.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveClient, createPveClient } from './client';
import { PVE_ERROR_KINDS, PveError, type PveErrorKind } from './errors';
import type { Credential } from './auth';
import type { PveHttpRequest, PveHttpResponse, PveTransport } from './transport';
import { closedPort, delay, reply, selfSignedCert, startPveServer, startRawTlsServer, testCa, type TestCert, type TestServer } from './test-support';

const TOKEN_SECRET = 'TOKSECRET-7f3c9a1e-55aa-4d2b-9c0e-1b2c3d4e5f60';
const PASSWORD = 'PWSECRET-hunter2-but-longer';

const tokenCred = async (): Promise<Credential> => ({ kind: 'token', tokenId: 'ops@pve!console', secret: TOKEN_SECRET });
const ticketCred = async (): Promise<Credential> => ({ kind: 'ticket', username: 'ops@pve', password: PASSWORD });

let cert: TestCert;
let srv: TestServer;
let issuedTicket = '';
const seenKinds = new Set<PveErrorKind>();

beforeAll(async () => {
  cert = await selfSignedCert();
  srv = await startPveServer(cert, () => undefined);
});
afterAll(async () => srv.close());

function assertClean(err: unknown, secrets: string[]): PveError {
  expect(err).toBeInstanceOf(PveError);
  const e = err as PveError;
  seenKinds.add(e.kind);
  const forms = [e.message, JSON.stringify(e), String(e), e.stack ?? '', inspect(e, { depth: 10 }), JSON.stringify(e.details())];
  for (const s of secrets) {
    for (const f of forms) expect(f).not.toContain(s);
    expect(forms.join('\n')).not.toContain(encodeURIComponent(s));
  }
  return e;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/** Hostile server: echoes whatever credentials it received into every error channel it has. */
function echoing(status: number) {
  return (req: { headers: Record<string, string | string[] | undefined>; form: URLSearchParams; path: string }, res: Parameters<Parameters<typeof startPveServer>[1]>[1]) => {
    if (req.path === '/access/ticket') {
      issuedTicket = `PVE:ops@pve:6724E1B9::TICKETSECRET${Math.random().toString(36).slice(2)}`;
      return reply(res, 200, { data: { username: 'ops@pve', ticket: issuedTicket, CSRFPreventionToken: '6724E1B9:CSRFSECRETVALUE123' } });
    }
    const creds = `${String(req.headers.authorization ?? '')} ${String(req.headers.cookie ?? '')} ${String(req.headers['csrfpreventiontoken'] ?? '')}`;
    const body =
      status === 400
        ? { data: null, errors: { password: `bad value ${creds}`, [creds.trim() || 'x']: 'echoed key' } }
        : { data: null, message: `upstream said: ${creds}\n` };
    const reason = status === 403 ? `Permission check failed (/vms/${creds.replace(/[^\x20-\x7e]/g, '')}, VM.Audit)` : `echo ${creds}`.replace(/[^\x20-\x7e]/g, '');
    return reply(res, status, body, reason.slice(0, 500));
  };
}

const CASES: [PveErrorKind, number][] = [
  ['validation', 400],
  ['unauthorized', 401],
  ['forbidden', 403],
  ['server', 500],
  ['not_implemented', 501],
  ['node_unreachable', 595],
  ['http', 418],
];

describe.each([
  ['token', tokenCred],
  ['ticket', ticketCred],
] as const)('with %s credentials', (_label, credentials) => {
  const secrets = () => [TOKEN_SECRET, PASSWORD, ...(issuedTicket ? [issuedTicket, 'CSRFSECRETVALUE123'] : [])];
  const mk = (extra: Partial<Parameters<typeof createPveClient>[0]> = {}) =>
    createPveClient({ baseUrl: srv.url, fingerprint: cert.fingerprint, credentials, retry: { attempts: 1 }, ...extra });

  for (const [kind, status] of CASES) {
    it(`${kind} (${status}) with credentials echoed back`, async () => {
      srv.setHandler(echoing(status));
      const c = mk();
      const e = assertClean(await caught(c.startGuest({ node: 'pve1', type: 'qemu', vmid: 100 })), secrets());
      expect(e.kind).toBe(kind);
      c.close();
    });
  }

  it('malformed body quoting the credentials', async () => {
    srv.setHandler((req, res) => {
      if (req.path === '/access/ticket') return echoing(200)(req, res);
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`not json ${String(req.headers.authorization)} ${String(req.headers.cookie)}`);
    });
    const c = mk();
    expect(assertClean(await caught(c.version()), secrets()).kind).toBe('malformed');
    c.close();
  });

  it('timeout, reset and abort', async () => {
    srv.setHandler(async (req, res) => {
      if (req.path === '/access/ticket') return echoing(200)(req, res);
      if (req.path === '/version') {
        await delay(500);
        if (!res.destroyed) reply(res, 200, { data: {} });
        return;
      }
      res.socket?.destroy();
    });
    const c = mk({ timeoutMs: 100 });
    expect(assertClean(await caught(c.version()), secrets()).kind).toBe('timeout');
    expect(assertClean(await caught(c.nodes()), secrets()).kind).toBe('connection_reset');
    expect(assertClean(await caught(c.nodes({ signal: AbortSignal.abort() })), secrets()).kind).toBe('aborted');
    c.close();
  });

  it('connection refused, dns, tls pin mismatch, unpinned, CA failure', async () => {
    const port = await closedPort();
    const refused = createPveClient({ baseUrl: `https://127.0.0.1:${port}`, fingerprint: cert.fingerprint, credentials, retry: { attempts: 1 } });
    expect(assertClean(await caught(refused.version()), secrets()).kind).toBe('connection_refused');
    const dns = createPveClient({ baseUrl: 'https://pve.invalid:8006', fingerprint: cert.fingerprint, credentials, retry: { attempts: 1 } });
    expect(assertClean(await caught(dns.version()), secrets()).kind).toBe('dns');
    const other = await selfSignedCert();
    const raw = await startRawTlsServer(cert);
    try {
      const pinned = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, fingerprint: other.fingerprint, credentials });
      expect(assertClean(await caught(pinned.version()), secrets()).kind).toBe('tls_pin_mismatch');
      const unpinned = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, credentials });
      expect(assertClean(await caught(unpinned.version()), secrets()).kind).toBe('tls_unpinned');
      const ca = await testCa();
      const withCa = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, caPem: ca.certPem, credentials });
      expect(assertClean(await caught(withCa.version()), secrets()).kind).toBe('tls');
      for (const c of [pinned, unpinned, withCa]) c.close();
    } finally {
      await raw.close();
    }
    refused.close();
    dns.close();
  });

  it('network errors whose Node message quotes the secret', async () => {
    const transport: PveTransport = {
      endpoint: 'fake',
      async request(req: PveHttpRequest): Promise<PveHttpResponse> {
        if (req.path === '/access/ticket') {
          return { status: 200, statusMessage: 'OK', headers: {}, body: JSON.stringify({ data: { username: 'ops@pve', ticket: 'PVE:ops@pve:1::TICKETSECRETFAKE', CSRFPreventionToken: 'x:CSRFSECRETFAKE' } }) };
        }
        throw Object.assign(new Error(`connect EHOSTUNREACH ${JSON.stringify(req.headers)}`), { code: 'EHOSTUNREACH' });
      },
      close() {},
    };
    const c = new PveClient({ transport, credentials, retry: { attempts: 1 } });
    expect(assertClean(await caught(c.version()), [...secrets(), 'TICKETSECRETFAKE', 'CSRFSECRETFAKE']).kind).toBe('network');
  });
});

describe('coverage of the closed set', () => {
  it('every error kind was provoked above', () => {
    expect([...PVE_ERROR_KINDS].filter((k) => !seenKinds.has(k))).toEqual([]);
  });
});
