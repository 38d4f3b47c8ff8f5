import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash } from '../ledger';
import { canonicalJson, EVENT_SIGNING_PREFIX, eventLeafHash, leafBytesOf, signedMessageOf } from './event';

/** The straightforward encoder (the one this module used before it was tuned), to hold the fast one to. */
function reference(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return JSON.stringify(Object.is(value, -0) ? 0 : value);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('matches the reference encoding for any JSON value, and parses back to it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const text = canonicalJson(v);
        expect(text).toBe(reference(v));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('sorts keys by UTF-16 code units (not by locale or code point), drops undefined members, and writes -0 as 0', () => {
    expect(canonicalJson({ b: 1, a: undefined, '\u{1F600}': 2, '\uFFFF': 3, A: -0 })).toBe('{"A":0,"b":1,"\u{1F600}":2,"\uFFFF":3}');
  });

  it('refuses what JSON cannot say exactly', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity, 1n, () => 1, Symbol('s'), undefined, [undefined], new Date(0), new Map(), { a: { b: Number.NaN } }]) {
      expect(() => canonicalJson(bad)).toThrow(TypeError);
    }
  });
});

describe('signedMessageOf and eventLeafHash', () => {
  it('give the bytes signingMessage gives and the leaf hash leafBytesOf gives, for any body, key id and signature text', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 60 }), fc.string({ maxLength: 100 }), (v, keyId, sig) => {
        const canonical = canonicalJson(v);
        const { message, body } = signedMessageOf(canonical);
        expect(message.equals(Buffer.concat([Buffer.from(EVENT_SIGNING_PREFIX, 'utf8'), Buffer.from(canonical, 'utf8')]))).toBe(true);
        expect(body.toString('utf8')).toBe(canonical);
        expect(eventLeafHash(body, keyId, sig).equals(leafHash(leafBytesOf(canonical, keyId, sig)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
