/**
 * Property: whatever arrives on whatever channel, the real router (built by
 * the composition root over a real database) answers with a well-formed
 * Result — ok with a value that fits the channel's response schema, or a
 * typed AppError from the closed code set — and never throws, crashes or
 * hits an internal error. Checked in process (arbitrary JS values, as a CLI
 * or a structured-clone IPC call could deliver) and over a real WebSocket
 * to the browser-mode server (arbitrary text and binary frames).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { AppErrorSchema, CHANNEL_NAMES, channels, emptySurvey, WS_PATH, type Channel, type Result } from '../../src-preload/contract';
import { createApp, type App } from '../app/create-app';
import type { EndpointGateway } from '../connections/connections-service';
import type { ClusterSource } from '../fleet/inventory-sync';
import { AppException } from '../util/app-exception';
import { MemoryLogSink } from '../util/log';
import { startWebServer, type WebServer } from '../web/server';

const FP = Array.from({ length: 32 }, (_, i) => ((i * 37) % 256).toString(16).padStart(2, '0').toUpperCase()).join(':');

// Nothing in this test may leave the machine: every remote call fails as "unreachable".
const unreachable = (): Promise<never> => Promise.reject(new AppException('unreachable', 'fake endpoint: no network in tests'));
const gateway: EndpointGateway = { probe: unreachable, test: unreachable };
const clusterSource: ClusterSource = {
  snapshot: unreachable,
  siteOf: () => ({ id: 'site:x', name: 'x', region: 'x', kind: 'edge' }),
  rrd: unreachable,
};

let dir: string;
let app: App;
let server: WebServer;
let knownId: string;
const logs = new MemoryLogSink();

/** One valid request per channel; the mutations below start from these. */
function validRequests(): Record<Channel, Record<string, unknown>> {
  return {
    'app:info': {},
    'app:status': {},
    'settings:get': {},
    'settings:set': { theme: 'dark', syncIntervalSeconds: 30, language: 'it' },
    'connections:list': {},
    'connections:probe': { url: 'https://pve.invalid:8006' },
    'connections:add': {
      name: 'fuzz-seed',
      kind: 'pve',
      url: 'https://pve.invalid:8006',
      fingerprint: FP,
      tokenId: 'ops@pve!fuzz',
      site: 'lab',
      secret: 'fuzz-secret-value',
    },
    'connections:test': { id: knownId },
    'connections:remove': { id: 'no-such-id' },
    'connections:repin': { id: knownId, fingerprint: FP },
    'fleet:summary': {},
    'fleet:sites': {},
    'fleet:site': { siteId: 'site:lab' },
    'fleet:host': { clusterId: knownId, node: 'pve1' },
    'fleet:guests': { query: 'status:running web', sort: { field: 'cpu', dir: 'desc' }, offset: 0, limit: 50 },
    'fleet:search': { q: 'web', limit: 10 },
    'fleet:rrd': { clusterId: knownId, node: 'pve1', vmid: 100, timeframe: 'hour' },
    'fleet:syncState': {},
    'fleet:syncNow': { clusterId: knownId },
    'ssh:probeHostKey': { host: 'guest.invalid', port: 22 },
    'ssh:trustHostKey': { host: 'guest.invalid', port: 22, user: 'root', fingerprint: `SHA256:${'A'.repeat(43)}` },
    'ssh:keys': {},
    'ssh:addKey': { name: 'fuzz-key', privateKey: 'not a key' },
    'attestation:list': { query: '', filter: 'all' },
    'attestation:detail': { clusterId: knownId, vmid: 100 },
    'attestation:policy:get': {},
    'attestation:policy:set': { minTcb: { snp: 8 }, measurements: [], allowDebug: false },
    'attestation:attestNow': { guest: { clusterId: knownId, vmid: 100, name: 'vm' }, target: { host: 'guest.invalid', port: 22, user: 'root' }, keyName: 'fuzz-key' },
    'attestation:verifyFiles': { report: Buffer.alloc(1184).toString('base64'), vek: 'AAAA' },
    'attestation:target:get': { clusterId: knownId, vmid: 100 },
    'attestation:target:save': { guest: { clusterId: knownId, vmid: 100, name: 'vm' }, target: { host: 'guest.invalid', port: 22, user: 'root' }, keyName: 'fuzz-key', technology: 'tdx' },
    'attestation:target:forget': { clusterId: knownId, vmid: 100 },
    'custody:appliances': {},
    'custody:appliance': { applianceId: 'apl-none' },
    'custody:createJob': { customer: 'Fuzz AG', tenant: 'fuzz', direction: 'import', dataVolumeBytes: 1000, originSite: 'a', destinationSite: 'b' },
    'custody:registerAppliance': {
      jobId: 'job-none',
      serial: 'SN-1',
      model: 'm',
      capacityBytes: 1,
      firmwareVersion: '1.0',
      securityModuleId: 'hsm-1',
      encryptionKeyId: 'key-1',
      kmsKeyRef: 'kms://k/1',
      operator: { name: 'Fuzz', role: 'hub_technician' },
      site: { name: 'hub' },
      reason: 'fuzz',
    },
    'custody:registerManifest': { jobId: 'job-none', csv: 'serial,model\n', operator: { name: 'Fuzz', role: 'hub_technician' }, site: { name: 'hub' }, reason: 'fuzz', apply: false },
    'custody:record': { applianceId: 'apl-none', expectedSeq: 0, to: 'provisioning', operator: { name: 'Fuzz', role: 'hub_technician' }, site: { name: 'hub' }, reason: 'fuzz', fields: {} },
    'custody:export': { scope: 'appliance', id: 'apl-none' },
    'custody:verify': { text: '{}' },
    'sites:list': {},
    'sites:get': { id: 'no-such-site' },
    'sites:save': { plan: { schema: 'cairn-site-plan/v1', name: 'fuzz site', racks: [{ id: 'r1', model: 'conteg-ri7-42-60-100', devices: [] }] } },
    'sites:catalogue': {},
    'sites:applyPreset': { id: 'no-such-site', size: 'small' },
    'survey:list': {},
    'survey:get': { id: 'no-such-survey' },
    'survey:save': { data: emptySurvey('fuzz survey'), autosave: true },
    'survey:upload': { index: 0, data: 'AAAA' },
    'survey:attach': { id: 'no-such-survey', uploadId: 'up-none', fileName: 'rack.jpg', caption: 'front' },
    'survey:detach': { id: 'no-such-survey', sha256: 'a'.repeat(64) },
    'survey:sign': { id: 'no-such-survey', engineer: 'Fuzz Engineer' },
    'survey:linkPlan': { id: 'no-such-survey' },
    'survey:export': { id: 'no-such-survey' },
    'survey:import': { uploadId: 'up-none' },
    'survey:merge': { id: 'no-such-survey' },
    'survey:resolve': { mergeId: 'merge-none', decisions: [{ path: '$.site.name', choice: 'theirs' }] },
    'survey:report': { id: 'no-such-survey', format: 'json' },
    'survey:download': { downloadId: 'down-none', index: 0 },
    'capacity:overview': { settings: { cpuOvercommit: 4, memCeiling: 0.9 } },
    'capacity:pool': { clusterId: knownId },
    'capacity:history': { clusterId: knownId, node: 'pve1', timeframe: 'month', threshold: 0.8 },
    'capacity:whatIf': { lose: { kind: 'host', clusterId: knownId, node: 'pve1' } },
    'capacity:place': { size: 'medium', tenant: 'acme', confidential: true, ha: true },
    'capacity:sizePool': { demand: [{ size: 'medium', count: 40 }, { size: 'large', count: 10 }] },
    'capacity:catalogue': {},
    'custody:exportPdf': { scope: 'appliance', id: 'apl-none' },
    'custody:fieldRecord': { applianceId: 'apl-none', to: 'provisioning', operator: { name: 'Fuzz', role: 'field_engineer' }, site: { name: 'hub' }, reason: 'fuzz', fields: {} },
    'custody:exportFieldLog': {},
    'custody:mergeFieldLog': { text: '{}' },
    'custody:merges': {},
    'topology:fleet': { expanded: ['central'] },
    'topology:site': { siteId: 'site:lab' },
    'topology:host': { clusterId: knownId, node: 'pve1' },
    'topology:network': { siteId: 'site:lab', refresh: true },
    'topology:saveLayout': { view: 'fleet', positions: { 'region:central': { x: 10, y: -20.5 } } },
    'topology:resetLayout': { view: 'fleet' },
    'alerts:list': { state: 'active', severity: 'critical', query: 'pve', offset: 0, limit: 50 },
    'alerts:acknowledge': { id: 1, note: 'looking into it' },
    'alerts:events': { id: 1 },
    'alerts:thresholds': {},
    'alerts:setThresholds': {
      cpu: { warning: 85, critical: 95 },
      memory: { warning: 85, critical: 95 },
      storage: { warning: 80, critical: 90 },
      clearMargin: 5,
      syncFailures: { warning: 3, critical: 10 },
      staleIntervals: { warning: 3, critical: 30 },
      forecastDays: { warning: 30, critical: 7 },
    },
    'tenancy:tenants': {},
    'tenancy:saveTenant': { id: 'fuzz', name: 'Fuzz AG', description: 'fuzzed' },
    'tenancy:quotas': { tenantId: 'fuzz' },
    'tenancy:setQuota': { tenantId: 'fuzz', scope: { kind: 'site', id: 'site:lab' }, limits: { vcpu: 64, memBytes: 2 ** 40, storageBytes: null, guests: 20 } },
    'tenancy:usage': {},
    'tenancy:operators': {},
    'tenancy:saveOperator': { name: 'fuzz.user', roles: ['tenant_admin'], tenants: ['fuzz'] },
    'tenancy:removeOperator': { name: 'fuzz.user' },
    'tenancy:whoami': {},
    'tenancy:roles': {},
    'tenancy:history': { limit: 20 },
    'operations:plan': { request: { action: 'start', clusterId: 'fuzz', vmid: 100 } },
    'operations:bulkPlan': { requests: [{ action: 'snapshot', clusterId: 'fuzz', vmid: 100, snapname: 'before-patch' }] },
    'operations:apply': { id: 'fuzz-op', confirmName: 'web-1' },
    'operations:applyBatch': { batchId: 'fuzz-batch' },
    'operations:list': { state: 'queued', limit: 20 },
    'operations:get': { id: 'fuzz-op' },
    'operations:batch': { batchId: 'fuzz-batch' },
    'operations:cancel': { id: 'fuzz-op' },
    'pve:tasks': { clusterId: 'c1', node: 'pve1', limit: 10 },
    'pve:fleetTasks': { status: 'failed', type: 'vzdump', node: 'pve1', user: 'root@pam', origin: 'other', limit: 100 },
    'pve:taskLog': { clusterId: 'c1', upid: 'UPID:pve1:00001234:00005678:5F000000:qmstart:100:root@pam:', start: 0 },
    'scmp:status': {},
    // Port 9 on loopback: nothing listens, so a connect attempt fails fast without leaving the machine.
    'scmp:connect': { url: 'https://127.0.0.1:9', fingerprint: FP, tokenId: 'cairn-fuzz', token: 'fuzz-scmp-token' },
    'scmp:disconnect': {},
    'scmp:syncNow': {},
    'scmp:outbox': {},
    'scmp:queue': { kind: 'survey', id: 'no-such-survey' },
    'audit:list': { from: '2026-01-01T00:00:00Z', actor: 'fuzz', action: 'connections', source: 'browser', outcome: 'ok', q: 'pve', offset: 0, limit: 20 },
    'audit:export': { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z', format: 'csv' },
    'audit:verify': { text: '{}' },
    'audit:head': {},
    'updates:status': {},
    // No online feed is configured in tests: a typed not_found, never a network call.
    'updates:check': {},
    'updates:fromFolder': { path: '/nonexistent/cairn-fuzz-stick' },
    'updates:install': {},
  };
}

const ResultShape = z.union([
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: AppErrorSchema }),
]);

/** The property every answer must have. */
function checkResult(channel: unknown, result: unknown): void {
  const shape = ResultShape.safeParse(result);
  if (!shape.success) throw new Error(`malformed Result for ${String(channel)}: ${JSON.stringify(result)}`);
  const r = result as Result<unknown>;
  const known = typeof channel === 'string' && Object.hasOwn(channels, channel);
  if (!known) {
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('unknown_channel');
    return;
  }
  if (r.ok) {
    const ok = channels[channel as Channel].response.safeParse(r.value);
    if (!ok.success) throw new Error(`${channel} answered outside its response schema: ${ok.error.issues[0]?.message}`);
  } else {
    // A bug shows up as `internal`; fuzzed input must only ever meet a typed, expected error.
    if (r.error.code === 'internal') throw new Error(`${channel} hit an internal error: ${r.error.message}`);
    if (r.error.code === 'unknown_channel') throw new Error(`${channel} is a channel but was answered unknown_channel`);
  }
}

// ---- arbitraries --------------------------------------------------------------------

const anyValue = fc.anything({
  withBoxedValues: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withBigInt: true,
  maxDepth: 3,
});

/** Strings that tend to break parsers and queries. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    "'; DROP TABLE connections; --",
    '%',
    '_',
    '"',
    '\\',
    '*',
    'site:',
    'tag:',
    ':::',
    'a'.repeat(5000),
    '__proto__',
    'constructor',
    'https://',
    'https://user:pw@host/',
    'javascript:alert(1)',
    'NaN',
    '-1',
    '1e309',
    '\ud800',
    '📦'.repeat(100),
  ),
);

const fieldValue = fc.oneof(
  anyValue,
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), Number.NaN, Infinity, -Infinity, -0, 1.5),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(nastyString, { maxLength: 3 }),
);

/** A valid request with one to three things changed: a field replaced, removed or added. */
function mutated(channel: Channel): fc.Arbitrary<unknown> {
  return fc
    .array(
      fc.oneof(
        fc.record({ op: fc.constant('set' as const), key: fc.string({ maxLength: 20 }), value: fieldValue }),
        fc.record({ op: fc.constant('drop' as const), index: fc.nat() }),
        fc.record({ op: fc.constant('replace' as const), index: fc.nat(), value: fieldValue }),
        fc.record({ op: fc.constant('nest' as const), index: fc.nat(), value: fc.dictionary(fc.string({ maxLength: 8 }), fieldValue, { maxKeys: 3 }) }),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((ops) => {
      const req: Record<string, unknown> = { ...validRequests()[channel] };
      for (const op of ops) {
        const keys = Object.keys(req);
        if (op.op === 'set') req[op.key] = op.value;
        else if (keys.length === 0) continue;
        else if (op.op === 'drop') delete req[keys[op.index % keys.length] as string];
        else req[keys[op.index % keys.length] as string] = op.value;
      }
      return req;
    });
}

function payloadFor(channel: Channel): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: mutated(channel) },
    { weight: 2, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.constant(validRequests()[channel]) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, [], '', 0, false, [validRequests()[channel]], JSON.stringify(validRequests()[channel])) },
  );
}

const unknownChannel = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'fleet:', ':list', 'FLEET:SUMMARY', 'app:info ', ' app:info', 'app:info\u0000'),
  anyValue,
);

// ---- setup ----------------------------------------------------------------------------------

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-fuzz-'));
  app = await createApp({
    dataDir: dir,
    version: '0.0.0-fuzz',
    transport: 'test',
    secrets: 'ephemeral',
    fleet: { mode: 'configured' },
    sync: false,
    logSinks: [logs],
    gateway,
    clusterSource,
    sshRunner: { probeHostKey: unreachable, exec: unreachable },
  });
  const seeded = await app.router.dispatch(
    'connections:add',
    { ...validRequests()['connections:add'], name: 'fuzz-known' },
    { transport: 'test' },
  );
  if (!seeded.ok) throw new Error(`could not seed a connection: ${seeded.error.message}`);
  knownId = (seeded.value as { id: string }).id;
  server = await startWebServer({ router: app.router, events: app.events, log: app.log.child('web'), rendererDir: dir });
});

afterAll(async () => {
  await server?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- in process ---------------------------------------------------------------------------------

describe('the router, in process', () => {
  it('answers the valid request of every channel', async () => {
    for (const channel of CHANNEL_NAMES) {
      const r = await app.router.dispatch(channel, validRequests()[channel], { transport: 'test' });
      checkResult(channel, r);
    }
  });

  for (const channel of CHANNEL_NAMES) {
    it(`${channel}: any payload gets a well-formed Result`, async () => {
      await fc.assert(
        fc.asyncProperty(payloadFor(channel), async (payload) => {
          const r = await app.router.dispatch(channel, payload, { transport: 'test' });
          checkResult(channel, r);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('unknown channels get unknown_channel', async () => {
    await fc.assert(
      fc.asyncProperty(unknownChannel, anyValue, async (channel, payload) => {
        fc.pre(!(typeof channel === 'string' && Object.hasOwn(channels, channel)));
        const r = await app.router.dispatch(channel, payload, { transport: 'test' });
        checkResult(channel, r);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, even for hostile objects (throwing getters, proxies, cycles)', async () => {
    const throwingGetter = Object.defineProperty({}, 'q', {
      enumerable: true,
      get() {
        throw new Error('boom from a getter');
      },
    });
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error('boom from a proxy');
        },
        ownKeys() {
          throw new Error('boom from ownKeys');
        },
      },
    );
    const cyclic: Record<string, unknown> = { q: 'x' };
    cyclic.self = cyclic;
    for (const channel of [...CHANNEL_NAMES, 'nope'] as const) {
      for (const payload of [throwingGetter, trap, cyclic]) {
        const r = await app.router.dispatch(channel, payload, { transport: 'test' }).catch((e: unknown) => ({ threw: String(e) }));
        expect(ResultShape.safeParse(r).success, `${channel}: ${JSON.stringify(r)}`).toBe(true);
      }
    }
  });

  it('is still healthy afterwards, and logged no handler failure', async () => {
    checkResult('app:info', await app.router.dispatch('app:info', {}, { transport: 'test' }));
    expect(logs.lines.filter((l) => l.includes('handler failed') || l.includes('outside the contract'))).toEqual([]);
  });
});

// ---- over the WebSocket ------------------------------------------------------------------------------

describe('the router, over a real WebSocket', () => {
  let ws: WebSocket;
  const inbox: unknown[] = [];
  let wake: (() => void) | null = null;

  beforeAll(async () => {
    ws = new WebSocket(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${server.token}`);
    ws.on('message', (d) => {
      const frame = JSON.parse(String(d)) as Record<string, unknown>;
      // Events (e.g. settings:onChanged after a fuzzed settings:set) are not answers.
      if ('event' in frame) return;
      inbox.push(frame);
      wake?.();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  });
  afterAll(() => ws?.close());

  /** Sends one frame and waits for its one answer. */
  async function roundTrip(data: string | Buffer, binary = false): Promise<{ id: number; result: unknown }> {
    ws.send(data, { binary });
    const deadline = Date.now() + 10_000;
    while (inbox.length === 0) {
      if (Date.now() > deadline) throw new Error(`no answer to ${String(data).slice(0, 200)}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
    expect(inbox.length).toBe(1);
    return inbox.shift() as { id: number; result: unknown };
  }

  it('answers every call frame with exactly one well-formed Result, echoing its id', async () => {
    let nextId = 1;
    const jsonSafe = (v: unknown) => {
      try {
        return JSON.stringify(v) !== undefined;
      } catch {
        return false;
      }
    };
    const call = fc.oneof(
      fc.constantFrom(...CHANNEL_NAMES).chain((c) => fc.tuple(fc.constant<unknown>(c), payloadFor(c))),
      fc.tuple(unknownChannel, anyValue),
    );
    await fc.assert(
      fc.asyncProperty(call, async ([channel, payload]) => {
        fc.pre(jsonSafe(channel) && jsonSafe(payload));
        const id = nextId++;
        const answer = await roundTrip(JSON.stringify({ id, channel, payload }));
        expect(answer.id).toBe(id);
        // JSON turns some values into others (undefined → missing, NaN → null); the router saw what JSON delivered.
        const delivered = JSON.parse(JSON.stringify({ channel })) as { channel: unknown };
        checkResult(delivered.channel, answer.result);
      }),
      { numRuns: 400 },
    );
  });

  it('answers every malformed text or binary frame with invalid_request', async () => {
    const frame = fc.oneof(
      fc.string({ maxLength: 200 }).filter((s) => {
        try {
          const v: unknown = JSON.parse(s);
          return typeof v !== 'object' || v === null || Array.isArray(v);
        } catch {
          return true;
        }
      }),
      fc.json().filter((s) => {
        const v: unknown = JSON.parse(s);
        return typeof v !== 'object' || v === null || Array.isArray(v);
      }),
    );
    await fc.assert(
      fc.asyncProperty(frame, async (text) => {
        const answer = await roundTrip(text);
        expect(answer.id).toBe(-1);
        const r = answer.result as Result<unknown>;
        expect(ResultShape.safeParse(r).success).toBe(true);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('invalid_request');
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const answer = await roundTrip(Buffer.from(bytes), true);
        const r = answer.result as Result<unknown>;
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('invalid_request');
      }),
      { numRuns: 50 },
    );
  });

  it('is still up and answering afterwards', async () => {
    const answer = await roundTrip(JSON.stringify({ id: 424242, channel: 'app:status', payload: {} }));
    expect(answer.id).toBe(424242);
    checkResult('app:status', answer.result);
  });
});
