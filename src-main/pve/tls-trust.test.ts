import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveError } from './errors';
import { createPveClient } from './client';
import { HttpsPveTransport } from './transport';
import { normalizeFingerprint, probeCertificate, endpointOf } from './tls-trust';
import { closedPort, reply, selfSignedCert, startPveServer, startRawTlsServer, testCa, type TestCert, type TestServer } from './test-support';

const SECRET = '5f0e8d2a-9b7c-4e1f-a3d6-c2b1e0f9a8d7';
const token = async () => ({ kind: 'token' as const, tokenId: 'ops@pve!console', secret: SECRET });

async function rejection(p: Promise<unknown>): Promise<PveError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PveError);
    return e as PveError;
  }
  throw new Error('expected a rejection');
}

let cert: TestCert;
let other: TestCert;
beforeAll(async () => {
  cert = await selfSignedCert();
  other = await selfSignedCert({ cn: 'impostor' });
});

describe('fingerprint format', () => {
  it('normalises case and separators to PVE ssl_fingerprint form', () => {
    const hex = 'ab'.repeat(32);
    expect(normalizeFingerprint(hex)).toBe(Array(32).fill('AB').join(':'));
    expect(normalizeFingerprint(Array(32).fill('ab').join(':'))).toBe(Array(32).fill('AB').join(':'));
    expect(() => normalizeFingerprint('AB:CD')).toThrow(TypeError);
    expect(() => normalizeFingerprint('ZZ'.repeat(32))).toThrow(TypeError);
  });

  it('endpointOf takes host and port from https URLs only', () => {
    expect(endpointOf('https://10.0.0.1:8006')).toEqual({ host: '10.0.0.1', port: 8006 });
    expect(endpointOf('https://[::1]:8006/pve')).toEqual({ host: '::1', port: 8006 });
    expect(endpointOf('https://pve.example')).toEqual({ host: 'pve.example', port: 443 });
    expect(() => endpointOf('http://pve:8006')).toThrow(TypeError);
    expect(() => endpointOf('https://user:pw@pve:8006')).toThrow(TypeError);
  });
});

describe('pinning is checked before any request byte is written', () => {
  it('a wrong pin fails with both fingerprints and the server receives nothing', async () => {
    const raw = await startRawTlsServer(cert);
    try {
      const client = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, fingerprint: other.fingerprint, credentials: token, timeoutMs: 3000 });
      const err = await rejection(client.version());
      expect(err.kind).toBe('tls_pin_mismatch');
      expect(err.pinnedFingerprint).toBe(other.fingerprint);
      expect(err.fingerprint).toBe(cert.fingerprint);
      expect(err.message).toContain(other.fingerprint);
      expect(err.message).toContain(cert.fingerprint);
      expect(err.retryable).toBe(false);
      // Give any stray write time to arrive before asserting silence.
      await new Promise((r) => setTimeout(r, 100));
      expect(raw.connections()).toBeGreaterThanOrEqual(1);
      expect(raw.bytesReceived()).toBe(0);
      client.close();
    } finally {
      await raw.close();
    }
  });

  it('control: with the right pin the same server does receive the request', async () => {
    // Proves the byte counter used above would have seen a request had one been sent.
    const raw = await startRawTlsServer(cert);
    try {
      const client = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, fingerprint: cert.fingerprint, credentials: token, timeoutMs: 300, retry: { attempts: 1 } });
      const err = await rejection(client.version());
      expect(err.kind).toBe('timeout');
      expect(raw.bytesReceived()).toBeGreaterThan(0);
      client.close();
    } finally {
      await raw.close();
    }
  });

  it('no pin and no CA refuses with tls_unpinned carrying the presented fingerprint, sending nothing', async () => {
    const raw = await startRawTlsServer(cert);
    try {
      const client = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, credentials: token, timeoutMs: 3000 });
      const err = await rejection(client.version());
      expect(err.kind).toBe('tls_unpinned');
      expect(err.fingerprint).toBe(cert.fingerprint);
      expect(err.message).toContain(cert.fingerprint);
      await new Promise((r) => setTimeout(r, 100));
      expect(raw.bytesReceived()).toBe(0);
      client.close();
    } finally {
      await raw.close();
    }
  });

  it('the matching pin (any case/format) lets the request through', async () => {
    const srv = await startPveServer(cert, (_req, res) => reply(res, 200, { data: { version: '9.1.2', release: '9.1', repoid: 'abcdef12' } }));
    try {
      const client = createPveClient({ baseUrl: srv.url, fingerprint: cert.fingerprint.toLowerCase().replace(/:/g, ''), credentials: token });
      await expect(client.version()).resolves.toMatchObject({ version: '9.1.2', release: '9.1' });
      client.close();
    } finally {
      await srv.close();
    }
  });

  it('a rotated certificate is refused on the next connection, naming old and new fingerprints', async () => {
    const srv = await startPveServer(cert, (_req, res) => reply(res, 200, { data: { version: '9.1.2' } }));
    try {
      const client = createPveClient({ baseUrl: srv.url, fingerprint: cert.fingerprint, credentials: token });
      await client.version();
      const served = srv.requests.length;
      srv.rotate(other);
      await new Promise((r) => setTimeout(r, 50));
      const err = await rejection(client.version());
      expect(err.kind).toBe('tls_pin_mismatch');
      expect(err.pinnedFingerprint).toBe(cert.fingerprint);
      expect(err.fingerprint).toBe(other.fingerprint);
      expect(srv.requests.length).toBe(served);
      client.close();
    } finally {
      await srv.close();
    }
  });
});

describe('CA bundle mode', () => {
  it('accepts a certificate issued by the configured CA', async () => {
    const ca = await testCa();
    const leaf = await ca.issue();
    const srv = await startPveServer(leaf, (_req, res) => reply(res, 200, { data: { version: '8.4.1', release: '8.4' } }));
    try {
      const client = createPveClient({ baseUrl: srv.url, caPem: ca.certPem, credentials: token });
      await expect(client.version()).resolves.toMatchObject({ release: '8.4' });
      client.close();
    } finally {
      await srv.close();
    }
  });

  it('refuses a certificate from another CA as a tls error, with nothing sent', async () => {
    const ca = await testCa();
    const foreign = await testCa('Someone else');
    const leaf = await foreign.issue();
    const raw = await startRawTlsServer(leaf);
    try {
      const client = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, caPem: ca.certPem, credentials: token });
      const err = await rejection(client.version());
      expect(err.kind).toBe('tls');
      expect(err.fingerprint).toBe(leaf.fingerprint);
      await new Promise((r) => setTimeout(r, 100));
      expect(raw.bytesReceived()).toBe(0);
      client.close();
    } finally {
      await raw.close();
    }
  });

  it('refuses a CA-issued certificate whose names do not cover the host', async () => {
    const ca = await testCa();
    const leaf = await ca.issue({ ips: ['10.9.9.9'], dns: ['elsewhere.test'] });
    const raw = await startRawTlsServer(leaf);
    try {
      const client = createPveClient({ baseUrl: `https://127.0.0.1:${raw.port}`, caPem: ca.certPem, credentials: token });
      const err = await rejection(client.version());
      expect(err.kind).toBe('tls');
      expect(raw.bytesReceived()).toBe(0);
      client.close();
    } finally {
      await raw.close();
    }
  });
});

describe('probeCertificate', () => {
  it('reports the certificate and sends no application data', async () => {
    const raw = await startRawTlsServer(cert);
    try {
      const info = await probeCertificate(`https://127.0.0.1:${raw.port}`, { timeoutMs: 3000 });
      expect(info.fingerprint).toBe(cert.fingerprint);
      expect(info.subject).toContain('CN=pve-test.local');
      expect(info.issuer).toContain('CN=pve-test.local');
      expect(info.selfSigned).toBe(true);
      expect(new Date(info.validFrom).toISOString()).toBe(info.validFrom);
      expect(Date.parse(info.validTo)).toBeGreaterThan(Date.now());
      expect(Object.keys(info).sort()).toEqual(['fingerprint', 'issuer', 'selfSigned', 'subject', 'validFrom', 'validTo']);
      await new Promise((r) => setTimeout(r, 100));
      expect(raw.connections()).toBe(1);
      expect(raw.bytesReceived()).toBe(0);
    } finally {
      await raw.close();
    }
  });

  it('marks CA-issued certificates as not self-signed', async () => {
    const ca = await testCa();
    const leaf = await ca.issue();
    const raw = await startRawTlsServer(leaf);
    try {
      const info = await probeCertificate(`https://127.0.0.1:${raw.port}`);
      expect(info.selfSigned).toBe(false);
      expect(info.issuer).toContain('Test PVE Cluster CA');
    } finally {
      await raw.close();
    }
  });

  it('maps refused ports and unresolvable names to typed errors', async () => {
    const port = await closedPort();
    expect((await rejection(probeCertificate(`https://127.0.0.1:${port}`))).kind).toBe('connection_refused');
    expect((await rejection(probeCertificate('https://pve.invalid:8006', { timeoutMs: 5000 }))).kind).toBe('dns');
  });
});

describe('transport basics', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startPveServer(cert, (_req, res) => reply(res, 200, { data: null }), { prefix: '/pve' });
  });
  afterAll(async () => srv.close());

  it('honours a path prefix and keeps the connection alive', async () => {
    const t = new HttpsPveTransport({ baseUrl: srv.url, fingerprint: cert.fingerprint });
    const before = srv.connections();
    await t.request({ method: 'GET', path: '/version' });
    await t.request({ method: 'GET', path: '/nodes' });
    expect(srv.requests.at(-1)?.rawPath).toBe('/nodes');
    expect(srv.connections() - before).toBe(1);
    t.close();
  });

  it('rejects paths that are not plain encoded segments', async () => {
    const t = new HttpsPveTransport({ baseUrl: srv.url, fingerprint: cert.fingerprint });
    await expect(t.request({ method: 'GET', path: 'version' })).rejects.toThrow(TypeError);
    await expect(t.request({ method: 'GET', path: '/nodes/../access' })).rejects.toThrow(TypeError);
    await expect(t.request({ method: 'GET', path: '/nodes?x=1' })).rejects.toThrow(TypeError);
    t.close();
  });
});
