import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Apidoc, perlPattern, validate, type PveSchema } from './apidoc-validate';
import { APIDOC_PATH, REFERENCE_DIR } from './test-support';

const schema: PveSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      vmid: { type: 'integer', minimum: 100, optional: 1 },
      cpu: { type: 'number', optional: 1 },
      template: { type: 'boolean', optional: 1 },
      status: { type: 'string', enum: ['running', 'stopped'], optional: 1 },
      'net[n]': { type: 'string', optional: 1 },
      repoid: { type: 'string', pattern: '[0-9a-fA-F]{8,64}', optional: 1 },
      nested: { type: 'object', optional: 1, properties: { a: { type: 'integer' } } },
    },
  },
};

describe('PVE schema validator', () => {
  it('accepts a conforming value, with PVE boolean encodings', () => {
    const ok = [{ id: 'qemu/100', vmid: 100, cpu: 0.5, template: 0, status: 'running', net0: 'virtio', repoid: 'deadbeef', nested: { a: 1 } }, { id: 'x', template: true }];
    expect(validate(schema, ok, { strict: true })).toEqual([]);
  });

  it('reports type, required, enum, range, pattern and family errors with paths', () => {
    const bad = [{ vmid: '100', cpu: 'high', template: 2, status: 'paused', net1: 5, repoid: 'xyz', nested: {} }, { id: 'a', vmid: 99 }];
    expect(validate(schema, bad)).toEqual([
      '$[0].id: required property missing',
      '$[0].vmid: expected integer, got string "100"',
      '$[0].cpu: expected number, got string "high"',
      '$[0].template: expected boolean, got number 2',
      "$[0].status: 'paused' not in enum running, stopped",
      "$[0].repoid: 'xyz' does not match /[0-9a-fA-F]{8,64}/",
      '$[0].nested.a: required property missing',
      '$[0].net1: expected string, got number 5',
      '$[1].vmid: 99 < minimum 100',
    ]);
  });

  it('accepts integer strings only when asked', () => {
    expect(validate({ type: 'integer' }, '101')).toHaveLength(1);
    expect(validate({ type: 'integer' }, '101', { numericStrings: true })).toEqual([]);
    expect(validate({ type: 'integer' }, 1.5)).toHaveLength(1);
  });

  it('applies additionalProperties and strictness', () => {
    const s: PveSchema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(validate(s, { a: 'x', b: 1 })).toEqual([]);
    expect(validate(s, { a: 'x', b: 1 }, { strict: true })).toEqual(['$.b: undeclared property']);
    expect(validate(s, { a: 'x', b: 1 }, { strict: true, allowExtra: new Set(['b']) })).toEqual([]);
    expect(validate({ ...s, additionalProperties: 0 }, { a: 'x', b: 1 })).toEqual(['$.b: additional property not allowed']);
    expect(validate({ ...s, additionalProperties: { type: 'integer' } }, { a: 'x', b: 'y' })).toEqual(['$.b: expected integer, got string "y"']);
    // A bare object schema is free-form even when strict.
    expect(validate({ type: 'object' }, { anything: 1 }, { strict: true })).toEqual([]);
  });

  it('translates Perl patterns', () => {
    expect(perlPattern('(?^i:[a-z]+)')?.test('ABC')).toBe(true);
    expect(perlPattern('\\S+')?.test('a b')).toBe(false);
  });
});

describe('against the official schema and recorded responses', () => {
  const apidoc = Apidoc.load(APIDOC_PATH);

  it('indexes every method of apidoc.json', () => {
    expect(apidoc.size).toBe(649);
    expect(apidoc.method('GET', '/cluster/resources')?.returns?.type).toBe('array');
  });

  it('accepts real PVE responses (fixtures) where the schema still fits them', () => {
    const fixture = (name: string): unknown => (JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'fixtures', name), 'utf8')) as { data: unknown }).data;
    const returns = (m: string, p: string): PveSchema | undefined => apidoc.method(m, p)?.returns;
    expect(validate(returns('GET', '/nodes/{node}/tasks/{upid}/status'), fixture('nodes_{node}_tasks_{upid}_status.GET.stopped-ok.json'))).toEqual([]);
    expect(validate(returns('GET', '/nodes/{node}/tasks/{upid}/log'), fixture('nodes_{node}_tasks_{upid}_log.GET.vzdump.json'))).toEqual([]);
    expect(validate(returns('GET', '/nodes/{node}/storage'), fixture('nodes_{node}_storage.GET.json'))).toEqual([]);
    // PVE 6.2 returned vmid as a string; the validator notices such drift.
    expect(validate(returns('GET', '/nodes/{node}/qemu'), fixture('nodes_{node}_qemu.GET.json')).length).toBeGreaterThan(0);
  });
});
