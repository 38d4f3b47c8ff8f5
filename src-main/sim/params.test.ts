import { describe, expect, it } from 'vitest';
import { PveError } from './errors';
import { defineParams, parseBoolean, splitList, verifyParams } from './params';

function errorsOf(fn: () => unknown): Record<string, string> | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof PveError) return e.errors;
    throw e;
  }
  return undefined;
}

describe('parameter declarations', () => {
  it('parse the compact notation', () => {
    const m = defineParams('node:node vmid:vmid cores?:int(1..) ratio?:num(0..128) name?:str(<=64) mode?:a|b net[n]?:str flag?:bool');
    expect(m.byName.get('vmid')).toMatchObject({ type: 'integer', format: 'pve-vmid', minimum: 100, maximum: 999_999_999, optional: false });
    expect(m.byName.get('cores')).toMatchObject({ type: 'integer', minimum: 1, optional: true });
    expect(m.byName.get('cores')?.maximum).toBeUndefined();
    expect(m.byName.get('ratio')).toMatchObject({ type: 'number', minimum: 0, maximum: 128 });
    expect(m.byName.get('name')).toMatchObject({ type: 'string', maxLength: 64 });
    expect(m.byName.get('mode')).toMatchObject({ type: 'string', enum: ['a', 'b'] });
    expect(m.families).toEqual([{ prefix: 'net', spec: expect.objectContaining({ name: 'net[n]' }) }]);
  });

  it('reject malformed or duplicate declarations', () => {
    expect(() => defineParams('x:widget')).toThrow(/unknown parameter type/);
    expect(() => defineParams('x:int x:str')).toThrow(/duplicate/);
    expect(() => defineParams('no-colon')).toThrow(/bad parameter/);
  });
});

describe('verification', () => {
  const m = defineParams('node:node vmid:vmid cores?:int(1..8) online?:bool mode?:fast|slow net[n]?:str tags?:tags snap?:snapname');

  it('converts to typed values', () => {
    const p = verifyParams(m, { node: 'pve1', vmid: '100', cores: '4', online: 'yes', mode: 'fast', net0: 'virtio', tags: 'a;b' });
    expect(p.int('vmid')).toBe(100);
    expect(p.int('cores')).toBe(4);
    expect(p.bool('online')).toBe(true);
    expect(p.str('net0')).toBe('virtio');
    expect(p.names()).toContain('net0');
  });

  it('accepts JSON-typed values', () => {
    const p = verifyParams(m, { node: 'pve1', vmid: 100, online: false, cores: 2 });
    expect(p.bool('online')).toBe(false);
    expect(p.int('cores')).toBe(2);
  });

  it('collects every error with PVE texts', () => {
    expect(errorsOf(() => verifyParams(m, { vmid: '42', cores: '9', online: 'perhaps', mode: 'warp', extra: '1', net: 'x', tags: 'ok;b@d', snap: '1bad' }))).toEqual({
      node: 'property is missing and it is not optional',
      vmid: 'invalid format - value does not look like a valid VM ID\n',
      cores: 'value must have a maximum value of 8',
      online: "type check ('boolean') failed - got 'perhaps'",
      mode: "value 'warp' does not have a value in the enumeration 'fast, slow'",
      extra: 'property is not defined in schema and the schema does not allow additional properties',
      net: 'property is not defined in schema and the schema does not allow additional properties',
      tags: "invalid format - invalid tag 'b@d'\n",
      snap: "invalid format - invalid configuration ID '1bad'\n",
    });
    expect(errorsOf(() => verifyParams(m, { node: 'bad_node!', vmid: 'x' }))).toEqual({
      node: 'invalid format - value does not look like a valid node name\n',
      vmid: "type check ('integer') failed - got 'x'",
    });
  });

  it('treats booleans like PVE', () => {
    for (const v of ['1', 'true', 'YES', 'on', true, 1]) expect(parseBoolean(v)).toBe(true);
    for (const v of ['0', 'false', 'no', 'OFF', false, 0]) expect(parseBoolean(v)).toBe(false);
    for (const v of ['2', 'maybe', '', null]) expect(parseBoolean(v)).toBeUndefined();
  });

  it('splits lists like PVE::Tools::split_list', () => {
    expect(splitList('100, 101;102 103')).toEqual(['100', '101', '102', '103']);
  });
});
