/**
 * Property-based checks (fast-check): whatever a server or a caller throws at
 * the parsers, the result is a typed value or a PveError, never an untyped
 * exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PveClient } from './client';
import { decodeResponse, parseData } from './envelope';
import { PVE_ERROR_KINDS, PveError, errorFromStatus, parsePermissionDenial } from './errors';
import * as S from './schemas';
import { parseExitStatus } from './tasks';
import type { PveHttpResponse, PveTransport } from './transport';
import { isUpid, parseUpid } from './upid';

const ctx = { method: 'GET', path: '/x' };

function typedOrPveError(fn: () => unknown, allowed?: readonly string[]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PveError);
    if (allowed) expect(allowed).toContain((e as PveError).kind);
  }
}

const hex = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef'.split('')), minLength: min, maxLength: max });
const field = fc.string({ minLength: 0, maxLength: 12 });

describe('parseUpid', () => {
  it('random strings: a Upid or a malformed PveError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ maxLength: 2000 })), (s) => {
        typedOrPveError(() => parseUpid(s), ['malformed']);
        expect(isUpid(s)).toBe((() => {
          try {
            parseUpid(s);
            return true;
          } catch {
            return false;
          }
        })());
      }),
      { numRuns: 2000 },
    );
  });

  it('non-string input is a PveError too', () => {
    fc.assert(fc.property(fc.anything(), (v) => typedOrPveError(() => parseUpid(v as string), ['malformed'])));
  });

  it('UPID-shaped strings with random fields parse consistently', () => {
    fc.assert(
      fc.property(field, hex(6, 10), hex(7, 10), hex(7, 9), field, field, field, (node, pid, pstart, start, type, id, user) => {
        const s = `UPID:${node}:${pid}:${pstart}:${start}:${type}:${id}:${user}:`;
        let u;
        try {
          u = parseUpid(s);
        } catch (e) {
          expect(e).toBeInstanceOf(PveError);
          return;
        }
        expect(u.node).toBe(node);
        expect(u.pid).toBe(parseInt(pid, 16));
        expect(u.type).toBe(type);
        expect(u.id).toBe(id);
        expect(u.user).toBe(user);
        expect(u.starttime.getTime()).toBe(parseInt(start, 16) * 1000);
      }),
      { numRuns: 2000 },
    );
  });
});

const ALL_SCHEMAS: [string, z.ZodType][] = Object.entries(S as Record<string, unknown>)
  .filter(([name, v]) => name.endsWith('Schema') && typeof (v as { safeParse?: unknown }).safeParse === 'function')
  .map(([name, v]) => [name, v as z.ZodType]);

describe('response parsers', () => {
  it('runs over every exported schema', () => {
    expect(ALL_SCHEMAS.length).toBeGreaterThan(40);
  });

  it('random JSON bodies through decodeResponse + every schema: typed result or malformed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), fc.constantFrom(...ALL_SCHEMAS), (body, [, schema]) => {
        typedOrPveError(() => {
          const env = decodeResponse({ status: 200, statusMessage: 'OK', headers: {}, body }, ctx);
          return parseData(schema, env.data, ctx);
        }, ['malformed']);
      }),
      { numRuns: 3000 },
    );
  });

  it('random data wrapped in a valid envelope: typed result or malformed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...ALL_SCHEMAS), (data, [, schema]) => {
        typedOrPveError(() => parseData(schema, data, ctx), ['malformed']);
      }),
      { numRuns: 3000 },
    );
  });

  it('PVE-ish objects (numbers as strings, 0/1 flags, nulls) never throw untyped', () => {
    const value = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constantFrom('', '0', '1', '100', 'true', null), fc.boolean());
    const entry = fc.dictionary(
      fc.constantFrom('vmid', 'id', 'type', 'node', 'status', 'name', 'cpu', 'mem', 'template', 'upid', 'n', 't', 'time', 'storage', 'sid', 'rule', 'group', 'zone', 'vnet', 'iface', 'poolid'),
      value,
    );
    fc.assert(
      fc.property(fc.oneof(entry, fc.array(entry, { maxLength: 5 })), fc.constantFrom(...ALL_SCHEMAS), (data, [, schema]) => {
        typedOrPveError(() => parseData(schema, data, ctx), ['malformed']);
      }),
      { numRuns: 3000 },
    );
  });

  it('any status, reason and body maps to a PveError of a known kind', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 999 }), fc.string(), fc.oneof(fc.json(), fc.string()), (status, reason, body) => {
        const res: PveHttpResponse = { status, statusMessage: reason, headers: {}, body };
        try {
          decodeResponse(res, ctx);
          expect(status >= 200 && status <= 299).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(PveError);
          expect(PVE_ERROR_KINDS).toContain((e as PveError).kind);
          expect(typeof (e as PveError).message).toBe('string');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('error helpers are total', () => {
    fc.assert(
      fc.property(fc.string(), fc.anything(), fc.integer({ min: 0, max: 1000 }), (reason, bodyMessage, status) => {
        expect(errorFromStatus({ status, statusMessage: reason, bodyMessage })).toBeInstanceOf(PveError);
        const p = parsePermissionDenial(reason);
        if (p) expect(p.privileges.length).toBeGreaterThan(0);
        expect(typeof parseExitStatus(reason).ok).toBe('boolean');
      }),
    );
  });
});

describe('client methods over random bodies', () => {
  it('resolve with a value or reject with a PveError', async () => {
    const UPID = 'UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:';
    const ref = { node: 'pve1', type: 'qemu' as const, vmid: 100 };
    const calls: ((c: PveClient) => Promise<unknown>)[] = [
      (c) => c.version(),
      (c) => c.clusterResources(),
      (c) => c.clusterStatus(),
      (c) => c.haStatus(),
      (c) => c.haPlacement(),
      (c) => c.nodes(),
      (c) => c.nodeStatus('pve1'),
      (c) => c.guestStatus(ref),
      (c) => c.guestConfig(ref),
      (c) => c.nodeRrd('pve1', 'hour'),
      (c) => c.taskStatus(UPID),
      (c) => c.taskLog(UPID),
      (c) => c.nextId(),
      (c) => c.startGuest(ref),
      (c) => c.updateGuestConfig(ref, { cores: 2 }),
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 700 }), fc.oneof(fc.json(), fc.string()), fc.constantFrom(...calls), async (status, body, call) => {
        const transport: PveTransport = {
          endpoint: 'fake',
          request: async () => ({ status, statusMessage: 'x', headers: {}, body }),
          close: () => undefined,
        };
        const c = new PveClient({ transport, credentials: async () => ({ kind: 'token', tokenId: 'a@pve!b', secret: 'secret-value-123' }), retry: { attempts: 1 } });
        await call(c).then(
          () => undefined,
          (e: unknown) => expect(e).toBeInstanceOf(PveError),
        );
      }),
      { numRuns: 1500 },
    );
  });
});

const SCHEMAS = {
  qemu: S.guestResourceSchema,
  lxc: S.guestResourceSchema,
  node: S.nodeResourceSchema,
  storage: S.storageResourceSchema,
  pool: S.poolResourceSchema,
  sdn: S.sdnResourceSchema,
  network: S.networkResourceSchema,
};
type KnownType = keyof typeof SCHEMAS;

describe('the /cluster/resources fast path', () => {
  // Values of every kind the fields can meet: right types, numeric strings, PVE booleans, nulls, junk.
  const anyValue = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.constant(''),
    fc.constantFrom(0, 1, 2, -1, 0.5, 1e21),
    fc.double(),
    fc.constantFrom('1', '0', '12', ' 7 ', '1e3', 'yes', 'off', 'true', 'running', 'qemu/100'),
    fc.string({ maxLength: 6 }),
    fc.boolean(),
    fc.constant({ nested: 1 }),
    fc.constant([1, 2]),
  );
  const types = Object.keys(SCHEMAS) as KnownType[];
  const allKeys = [...new Set(types.flatMap((t) => Object.keys(SCHEMAS[t].shape)))];
  /** A well-formed entry of each type, which the generator then damages or varies. */
  const base = (t: string): Record<string, unknown> => ({ id: `${t}/1`, type: t, vmid: 100, node: 'pve1', storage: 'local', pool: 'p', cpu: 0.1, template: 0 });
  /** zod writes absent optional fields as `key: undefined`; both count as absent. */
  const defined = (o: unknown): unknown =>
    o && typeof o === 'object' && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) : o;

  it('every known entry type has one', () => {
    for (const t of types) expect(S.fastSpecOf(SCHEMAS[t]), t).not.toBeNull();
  });

  it('accepts and produces exactly what the zod schemas alone do', () => {
    let fastTaken = 0;
    let total = 0;
    const entry = fc.record({
      type: fc.constantFrom(...types, 'openvz', 'toString', 'constructor'),
      changes: fc.dictionary(fc.constantFrom(...allKeys, 'extra'), anyValue, { maxKeys: 4 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), (entries) => {
        const input = entries.map((e) => ({ ...base(e.type), ...e.changes, type: e.type }));
        // The reference: each entry through its own zod schema only, as before the fast path.
        const reference = input.map((o) => (Object.hasOwn(SCHEMAS, o.type) ? SCHEMAS[o.type as KnownType] : S.otherResourceSchema).safeParse(structuredClone(o)));
        const copy = structuredClone(input);
        const actual = S.clusterResourcesSchema.safeParse(copy);
        expect(actual.success).toBe(reference.every((r) => r.success));
        if (!actual.success) return;
        expect(actual.data.map(defined)).toEqual(reference.map((r) => defined(r.data)));
        total += copy.length;
        fastTaken += actual.data.filter((o, k) => o === copy[k]).length;
      }),
      { numRuns: 3000 },
    );
    // Both paths were exercised.
    expect(fastTaken).toBeGreaterThan(total / 10);
    expect(fastTaken).toBeLessThan(total);
  });

  it('returns well-typed entries as the same objects, normalised in place', () => {
    const raw = [
      { id: 'qemu/100', type: 'qemu', vmid: 100, node: 'pve1', name: 'web', cpu: 0.5, template: 0, tags: null, maxmem: '' },
      { id: 'node/pve1', type: 'node', node: 'pve1', status: 'online', maxcpu: 96 },
    ];
    const out = S.clusterResourcesSchema.parse(raw);
    expect(out[0]).toBe(raw[0]);
    expect(out[0]).toMatchObject({ template: false, tags: undefined, maxmem: undefined });
    // A numeric string takes the zod path and is coerced as before.
    expect(S.clusterResourcesSchema.parse([{ id: 'qemu/101', type: 'qemu', vmid: '101', node: 'pve1' }])[0]).toMatchObject({ vmid: 101 });
  });
});
