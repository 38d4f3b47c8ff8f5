/**
 * Export bundles, property-tested: random legal walks always export a
 * bundle that verifies; changing any byte of any event, reordering,
 * dropping or inserting an event, swapping a key, editing the checkpoint
 * or any other signed value is detected; malformed input is invalid and
 * never an exception.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CustodyState } from '../../src-preload/contract';
import { generateNoteKey, parseSignerKey, signCheckpoint, parseCheckpoint, parseNote, toBase64 } from '../ledger';
import { BundleSchema, verifyBundle, type Bundle } from './bundle';
import { canonicalJson, leafBytes, signingMessage, type EventBody } from './event';
import { keyIdOf } from './keys';
import { TRANSITIONS } from './machine';
import { makeService, registerSample, sampleJob, walk } from './test-support';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const text = (b: Bundle) => JSON.stringify(b);
const expectInvalid = (b: Bundle | string, vkey?: string) => {
  const r = verifyBundle(typeof b === 'string' ? b : text(b), vkey ? { vkey } : {});
  expect(r.valid, JSON.stringify(r.checks)).toBe(false);
  expect(r.failures.length).toBeGreaterThan(0);
  return r;
};

/** A random legal path: at each step pick one of the allowed next states. */
function pathFrom(choices: number[]): CustodyState[] {
  const out: CustodyState[] = [];
  let s: CustodyState = 'ordered';
  for (const c of choices) {
    const next = TRANSITIONS[s];
    if (next.length === 0) break;
    s = next[c % next.length] as CustodyState;
    out.push(s);
  }
  return out;
}

describe('random legal walks', () => {
  it('always export a bundle that verifies, pinned to the log key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.nat(), { maxLength: 18 }), { minLength: 1, maxLength: 3 }), fc.boolean(), async (walks, byJob) => {
        const { svc, db } = makeService();
        const job = sampleJob(svc);
        const ids: string[] = [];
        for (const w of walks) {
          const id = (await registerSample(svc, job.id)).appliance.id;
          ids.push(id);
          await walk(svc, id, pathFrom(w));
        }
        const { text: t, bundle } = await svc.exportBundle(byJob ? { kind: 'job', id: job.id } : { kind: 'appliance', id: ids[0] as string });
        const r = verifyBundle(t, { vkey: bundle.verifierKeys[0] as string });
        db.close();
        expect(r.valid, r.failures.join('\n')).toBe(true);
        expect(r.checks.map((c) => c.name)).toEqual(['format', 'log-key', 'checkpoint', 'export-statement', 'public-keys', 'events', 'signatures', 'inclusion', 'ordering', 'completeness', 'transitions']);
      }),
      { numRuns: 25 },
    );
  });
});

describe('tampering with an exported bundle', () => {
  let good: Bundle;
  let vkey: string;

  beforeAll(async () => {
    const { svc } = makeService();
    const job = sampleJob(svc);
    const a = (await registerSample(svc, job.id)).appliance.id;
    const b = (await registerSample(svc, job.id)).appliance.id;
    await walk(svc, a, ['provisioning', 'ready', 'sealed']);
    await walk(svc, b, ['provisioning', 'ready', 'sealed', 'in_transit_to_customer', 'delivered', 'loading', 'resealed', 'in_transit_back', 'received']);
    await walk(svc, a, ['in_transit_to_customer', 'lost']);
    const out = await svc.exportBundle({ kind: 'job', id: job.id });
    good = out.bundle;
    vkey = good.verifierKeys[0] as string;
    expect(verifyBundle(out.text, { vkey }).valid).toBe(true);
    expect(good.events.length).toBe(16);
  });

  it('detects a change to any byte of any event', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (i, j, delta) => {
        const b = clone(good);
        const k = i % b.events.length;
        const bytes = Buffer.from(canonicalJson(b.events[k]!.event), 'utf8');
        const at = j % bytes.length;
        bytes[at] = ((bytes[at] as number) + delta) % 256;
        let changed: unknown;
        try {
          changed = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          // Not JSON any more: the bundle still has to be refused as a whole.
          expectInvalid(text(b).replace(JSON.stringify(b.events[k]!.event), new TextDecoder().decode(bytes)));
          return;
        }
        fc.pre(canonicalJson(changed) !== canonicalJson(b.events[k]!.event));
        b.events[k]!.event = changed;
        expectInvalid(b);
        expectInvalid(b, vkey);
      }),
      { numRuns: 300 },
    );
  });

  it('detects reordering, dropping or duplicating events', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (i, j) => {
        const n = good.events.length;
        const [x, y] = [i % n, j % n];
        if (x !== y) {
          const swapped = clone(good);
          [swapped.events[x], swapped.events[y]] = [swapped.events[y]!, swapped.events[x]!];
          expectInvalid(swapped);
        }
        const dropped = clone(good);
        dropped.events.splice(x, 1);
        expectInvalid(dropped);
        const dup = clone(good);
        dup.events.splice(y, 0, clone(good.events[x]!));
        expectInvalid(dup);
      }),
      { numRuns: 100 },
    );
  });

  it('detects an inserted event, even one properly signed by another operator key', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (i, j) => {
        const b = clone(good);
        const src = b.events[i % b.events.length]!;
        const forger = parseSignerKey(generateNoteKey('cairn.custody.operator.mallory').skey);
        const id = keyIdOf(forger.vkey);
        const body = { ...(src.event as EventBody), reason: 'inserted later', operator: { ...(src.event as EventBody).operator, publicKeyId: id } };
        const signature = toBase64(forger.sign(signingMessage(body)));
        b.publicKeys.push({ id, vkey: forger.vkey });
        b.events.splice(j % (b.events.length + 1), 0, { ...src, event: body, publicKeyId: id, signature });
        expectInvalid(b);
      }),
      { numRuns: 50 },
    );
  });

  it('detects a swapped operator key or log key', () => {
    const other = generateNoteKey('cairn.custody.operator.tester');
    const swappedOp = clone(good);
    swappedOp.publicKeys[0]!.vkey = other.vkey;
    expectInvalid(swappedOp);
    swappedOp.publicKeys[0]!.id = keyIdOf(other.vkey);
    expectInvalid(swappedOp);

    const otherLog = generateNoteKey(good.origin);
    const swappedLog = clone(good);
    swappedLog.verifierKeys = [otherLog.vkey];
    expect(expectInvalid(swappedLog).failures.join()).toMatch(/checkpoint/);

    // A forger who re-signs the checkpoint and statement with their own log key fools only an unpinned check.
    const forgedLog = parseSignerKey(otherLog.skey);
    const reSigned = clone(good);
    const cp = parseCheckpoint(parseNote(good.checkpoint).ok ? (parseNote(good.checkpoint) as { text: string }).text : '');
    if (!cp.ok) throw new Error('checkpoint');
    reSigned.checkpoint = signCheckpoint(cp.checkpoint, [forgedLog]);
    const heads = parseNote(good.heads);
    if (!heads.ok) throw new Error('heads');
    reSigned.heads = `${heads.text}\n— ${forgedLog.name} ${toBase64(Buffer.concat([Buffer.from(keyIdOf(forgedLog.vkey).split('+')[1] as string, 'hex'), forgedLog.sign(Buffer.from(heads.text))]))}\n`;
    reSigned.verifierKeys = [forgedLog.vkey];
    expect(verifyBundle(text(reSigned)).valid).toBe(true);
    expect(expectInvalid(reSigned, vkey).checks.find((c) => c.name === 'checkpoint')?.ok).toBe(false);
  });

  it('detects an edited checkpoint or export statement', () => {
    fc.assert(
      fc.property(fc.constantFrom<'checkpoint' | 'heads'>('checkpoint', 'heads'), fc.nat(), fc.integer({ min: 1, max: 127 }), (field, j, delta) => {
        const b = clone(good);
        const s = b[field];
        const at = j % s.length;
        const c = String.fromCharCode(((s.charCodeAt(at) + delta) % 128) || 1);
        fc.pre(c !== s[at]);
        b[field] = s.slice(0, at) + c + s.slice(at + 1);
        expectInvalid(b, vkey);
      }),
      { numRuns: 300 },
    );
  });

  it('detects any change to any value in the bundle', () => {
    const paths: (string | number)[][] = [];
    const collect = (v: unknown, p: (string | number)[]) => {
      if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, [...p, Array.isArray(v) ? Number(k) : k]);
      else paths.push(p);
    };
    collect(good, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)), (path, value) => {
        const b = clone(good) as unknown as Record<string | number, unknown>;
        let o = b;
        for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        const last = path[path.length - 1] as string | number;
        fc.pre(JSON.stringify(o[last]) !== JSON.stringify(value));
        o[last] = value;
        expectInvalid(b as unknown as Bundle);
      }),
      { numRuns: 500 },
    );
  });

  it('drops the last event of an appliance: caught by the signed export statement', () => {
    const b = clone(good);
    const last = b.events.length - 1;
    b.events.splice(last, 1);
    const r = expectInvalid(b, vkey);
    expect(r.checks.find((c) => c.name === 'completeness')?.ok).toBe(false);
    expect(r.checks.find((c) => c.name === 'signatures')?.ok).toBe(true);
  });
});

describe('malformed bundles', () => {
  it('are invalid and never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.anything().map((v) => { try { return JSON.stringify(v) ?? ''; } catch { return ''; } })), (t) => {
        const r = verifyBundle(t);
        expect(r.valid).toBe(false);
      }),
      { numRuns: 500 },
    );
    for (const v of [undefined, null, 42, {}, [], '{"format":"cairn.custody/bundle"}']) expect(verifyBundle(v).valid).toBe(false);
  });

  it('structural damage to a real bundle is invalid and never throws', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    await walk(svc, id, ['provisioning', 'ready']);
    const { bundle } = await svc.exportBundle({ kind: 'appliance', id });
    expect(BundleSchema.safeParse(bundle).success).toBe(true);
    fc.assert(
      fc.property(fc.nat(), fc.anything(), (i, junk) => {
        const b = clone(bundle) as unknown as Record<string, unknown>;
        const keys = Object.keys(b);
        const k = keys[i % keys.length] as string;
        b[k] = junk;
        let t: string;
        try {
          t = JSON.stringify(b);
        } catch {
          return;
        }
        fc.pre(JSON.stringify(b) !== JSON.stringify(bundle));
        expect(() => verifyBundle(t)).not.toThrow();
        expect(verifyBundle(t).valid).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(verifyBundle(text(bundle), { vkey: 'not a key' }).valid).toBe(false);
  });

  it('leaf bytes commit to the event, its key id and its signature', () => {
    const e = { a: 1 } as unknown as EventBody;
    expect(leafBytes(e, 'k', 's').toString()).toBe('{"event":{"a":1},"publicKeyId":"k","signature":"s"}');
    expect(canonicalJson({ b: [1, 'x', { d: null, c: true }], a: -0 })).toBe('{"a":0,"b":[1,"x",{"c":true,"d":null}]}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
  });
});

describe('malformed event entries', () => {
  it('are named by their path, as the whole-bundle schema would name them, and stop verification at the format check', async () => {
    const { svc } = makeService();
    const a = (await registerSample(svc)).appliance;
    await walk(svc, a.id, ['provisioning', 'ready']);
    const good = JSON.parse((await svc.exportBundle({ kind: 'appliance', id: a.id })).text) as Bundle;
    const cases: [string, (b: Bundle) => void, RegExp][] = [
      ['a negative leaf index', (b) => ((b.events[2] as { leafIndex: number }).leafIndex = -1), /^format: events\.2\.leafIndex: /],
      ['an unknown key', (b) => ((b.events[1] as unknown as Record<string, unknown>).extra = 1), /^format: events\.1: /],
      ['an entry that is not an object', (b) => ((b.events as unknown[])[0] = 'x'), /^format: events\.0: /],
      ['a proof element that is not a string', (b) => ((b.events[1] as unknown as { inclusionProof: unknown[] }).inclusionProof[0] = 7), /^format: events\.1\.inclusionProof\.0: /],
      ['no events', (b) => (b.events = []), /^format: events: /],
    ];
    for (const [what, change, failure] of cases) {
      const b = clone(good);
      change(b);
      const r = expectInvalid(b);
      expect(r.checks.map((c) => c.name), what).toEqual(['format']);
      expect(r.failures[0], what).toMatch(failure);
      // The same words the whole-bundle schema gives.
      const whole = BundleSchema.safeParse(b);
      expect(whole.success, what).toBe(false);
      if (!whole.success) expect(r.failures[0], what).toBe(`format: ${whole.error.issues[0]!.path.map(String).join('.')}: ${whole.error.issues[0]!.message}`);
    }
  });
});
