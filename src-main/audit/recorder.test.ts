/**
 * Central recording through the real composition root: every channel is
 * classified; calls that change something are recorded with identity,
 * roles, source (the transport) and outcome, refusals with their error
 * code; read-only calls are not; sign-ins are recorded; summaries never
 * carry a secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHANNEL_NAMES, WS_PATH } from '../../src-preload/contract';
import { startWebServer } from '../web/server';
import { createApp, type App } from '../app/create-app';
import { MemorySecretStore } from '../secrets';
import { AppException } from '../util/app-exception';
import { CHANNEL_AUDIT } from './channels';
import { summarise, targetOf } from './entry';
import { verifyAuditBundle } from './bundle';

const FP = Array.from({ length: 32 }, (_, i) => ((i * 7 + 1) % 256).toString(16).padStart(2, '0').toUpperCase()).join(':');

describe('the channel table', () => {
  it('classifies every channel of the contract (add a line to src-main/audit/channels.ts for a new one)', () => {
    const missing = CHANNEL_NAMES.filter((c) => !(c in CHANNEL_AUDIT));
    expect(missing).toEqual([]);
    const stale = Object.keys(CHANNEL_AUDIT).filter((c) => !(CHANNEL_NAMES as string[]).includes(c));
    expect(stale).toEqual([]);
  });

  it('records every channel whose name says it changes something', () => {
    const changing = /:(set|add|remove|repin|save|record|create|register|sign|import|export|apply|cancel|acknowledge|connect|disconnect|delete|trust)/i;
    for (const c of CHANNEL_NAMES) if (changing.test(c)) expect(CHANNEL_AUDIT[c]?.audit, c).toBe(true);
  });
});

describe('summaries', () => {
  it('keep allow-listed fields and never read secret-bearing ones, however nested', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 40 }), fc.constantFrom('secret', 'token', 'password', 'privateKey', 'passphrase', 'apiToken', 'data', 'skey'), (secret, key) => {
        const s = JSON.stringify(summarise({ name: 'ok', [key]: secret, request: { [key]: secret, vmid: 1 }, url: `https://u:${secret}@h/` }));
        expect(s.includes(secret)).toBe(false);
      }),
    );
    expect(summarise({ name: 'rome-1', url: 'https://pve:8006', secret: 'x', nested: { deep: { id: 'x' } } })).toEqual({ name: 'rome-1', url: 'https://pve:8006' });
    expect(targetOf({ request: { action: 'start', clusterId: 'c1', vmid: 100 } })).toBe('guest c1/100');
  });

  it('of a shipping manifest keep the job and whether it was signed or only checked, never the file', () => {
    const csv = 'serial,model\nBX-1,BoxX\n';
    const s = summarise({ jobId: 'job-1', csv, operator: { name: 'Lena', role: 'logistics_coordinator' }, site: { name: 'Hub' }, reason: 'shipment 42', apply: true });
    expect(s).toMatchObject({ jobId: 'job-1', apply: true, reason: 'shipment 42' });
    expect(JSON.stringify(s)).not.toContain('BX-1');
  });
});

describe('recording through the router', () => {
  let dir: string;
  let app: App;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-audit-'));
    app = await createApp({
      dataDir: dir,
      version: '0.0.0-test',
      transport: 'browser',
      secrets: new MemorySecretStore(),
      fleet: { mode: 'configured' },
      sync: false,
      logSinks: [],
      gateway: { probe: () => Promise.reject(new AppException('unreachable', 'no network')), test: () => Promise.reject(new AppException('unreachable', 'no network')) },
    });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records changes with identity, roles, source and outcome, and skips reads', async () => {
    const secret = `PLANTED-${randomBytes(12).toString('hex')}`;
    const before = app.audit.log.size;
    const me = app.tenancy.whoami();
    const add = await app.router.dispatch('connections:add', { name: 'rome-1', kind: 'pve', url: 'https://10.1.2.3:8006', fingerprint: FP, tokenId: 'ops@pve!c', secret }, { transport: 'browser' });
    expect(add.ok).toBe(true);
    await app.router.dispatch('connections:list', {}, { transport: 'browser' });
    await app.router.dispatch('fleet:summary', {}, { transport: 'browser' });
    const gone = await app.router.dispatch('connections:remove', { id: 'no-such-id' }, { transport: 'electron' });
    expect(gone.ok).toBe(false);
    await app.router.dispatch('settings:set', { syncIntervalSeconds: 30 }, { transport: 'cli' });
    await app.router.dispatch('settings:set', { syncIntervalSeconds: 1 }, { transport: 'cli' }); // invalid: never reaches a handler
    expect(app.audit.log.size - before).toBe(3);
    const [set, remove, added] = app.audit.list({ limit: 3 }).rows;
    expect(added).toMatchObject({ action: 'connections.add', outcome: 'ok', source: 'browser', actor: me.name, roles: me.roles, target: 'rome-1', details: { name: 'rome-1', kind: 'pve', tokenId: 'ops@pve!c' } });
    expect(remove).toMatchObject({ action: 'connections.remove', outcome: 'refused', error: 'not_found', source: 'desktop', target: 'no-such-id' });
    expect(set).toMatchObject({ action: 'settings.set', outcome: 'ok', source: 'cli', details: { syncIntervalSeconds: 30 } });
    expect(JSON.stringify(app.audit.list({ limit: 500 }))).not.toContain(secret);

    app.recordSignIn('browser', { via: 'websocket' });
    expect(app.audit.list({ limit: 1 }).rows[0]).toMatchObject({ action: 'session.signIn', source: 'browser', actor: me.name });
  });

  it('exports over the contract: a bundle that verifies pinned to the audit key, a CSV, a PDF; the export itself is recorded', async () => {
    const bundle = await app.router.dispatch('audit:export', { format: 'bundle' }, { transport: 'browser' });
    if (!bundle.ok) throw new Error(JSON.stringify(bundle));
    const b = bundle.value as { data: string; entries: number; encoding: string };
    expect(b.encoding).toBe('utf8');
    const vkey = await app.audit.verifierKey();
    expect(verifyAuditBundle(b.data, { vkey }).valid).toBe(true);
    const viaChannel = await app.router.dispatch('audit:verify', { text: b.data, vkey }, { transport: 'browser' });
    expect(viaChannel).toMatchObject({ ok: true, value: { valid: true, entries: b.entries } });
    expect(app.audit.list({ limit: 1 }).rows[0]).toMatchObject({ action: 'audit.export', details: { format: 'bundle' } });

    const csv = await app.router.dispatch('audit:export', { format: 'csv' }, { transport: 'browser' });
    expect(csv).toMatchObject({ ok: true, value: { mediaType: 'text/csv' } });
    const pdf = await app.router.dispatch('audit:export', { format: 'pdf' }, { transport: 'browser' });
    expect(pdf).toMatchObject({ ok: true, value: { encoding: 'base64', mediaType: 'application/pdf' } });
    if (pdf.ok) expect(Buffer.from((pdf.value as { data: string }).data, 'base64').subarray(0, 5).toString()).toBe('%PDF-');

    const head = await app.router.dispatch('audit:head', {}, { transport: 'browser' });
    expect(head).toMatchObject({ ok: true, value: { size: app.audit.log.size } });
  });

  it('records a browser-mode sign-in when a WebSocket session with the token is accepted, and none without it', async () => {
    const rendererDir = join(dir, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
    const server = await startWebServer({ router: app.router, events: app.events, log: app.log, rendererDir, onSession: ({ remote }) => app.recordSignIn('browser', { via: 'websocket', remote }) });
    const connect = (token: string) =>
      new Promise<boolean>((res) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${token}`);
        ws.on('open', () => (ws.close(), res(true)));
        ws.on('error', () => res(false));
      });
    try {
      const before = app.audit.list({ action: 'session' }).total;
      expect(await connect('wrong-token')).toBe(false);
      expect(app.audit.list({ action: 'session' }).total).toBe(before);
      expect(await connect(server.token)).toBe(true);
      expect(app.audit.list({ action: 'session' }).rows[0]).toMatchObject({ action: 'session.signIn', source: 'browser', details: { via: 'websocket', remote: '127.0.0.1' } });
    } finally {
      await server.close();
    }
  });

  it('answers a range with nothing in it as not_found, and the refusal is recorded', async () => {
    const r = await app.router.dispatch('audit:export', { format: 'csv', from: '2090-01-01T00:00:00Z' }, { transport: 'browser' });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(app.audit.list({ limit: 1 }).rows[0]).toMatchObject({ action: 'audit.export', outcome: 'refused', error: 'not_found' });
  });
});
