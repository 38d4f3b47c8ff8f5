// Parameter schemas of the served API methods and their verification, with PVE's error texts
// (PVE::JSONSchema::check_prop). Schemas are declared in a compact notation next to each route;
// apidoc-conformance.test.ts proves each declaration matches the official apidoc.json exactly
// (names, types, optional, enums, ranges), so unknown parameters are rejected as PVE would.
//
// Notation, whitespace separated: `name[?]:type`, `?` = optional, a `[n]` suffix on the name
// declares a numbered family (net0, net1, ...). Types:
//   str  str(<=N)  int  int(A..B)  int(A..)  num  num(A..B)  bool  array  a|b|c (string enum)
//   node vmid storage snapname configid vmidlist tags dns poolid (PVE standard options)

import { paramError } from './errors';

export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'array';

export type ParamFormat =
  | 'pve-node' | 'pve-vmid' | 'pve-configid' | 'pve-storage-id' | 'pve-vmid-list' | 'pve-tag-list' | 'dns-name' | 'pve-poolid';

export interface ParamSpec {
  name: string;
  type: ParamType;
  optional: boolean;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  format?: ParamFormat;
}

export interface MethodParams {
  readonly specs: readonly ParamSpec[];
  readonly byName: ReadonlyMap<string, ParamSpec>;
  /** Numbered families, e.g. { prefix: 'net', spec } for `net[n]`. */
  readonly families: ReadonlyArray<{ prefix: string; spec: ParamSpec }>;
}

const NAMED_TYPES: Record<string, Omit<ParamSpec, 'name' | 'optional'>> = {
  node: { type: 'string', format: 'pve-node' },
  vmid: { type: 'integer', format: 'pve-vmid', minimum: 100, maximum: 999_999_999 },
  storage: { type: 'string', format: 'pve-storage-id' },
  snapname: { type: 'string', format: 'pve-configid', maxLength: 40 },
  configid: { type: 'string', format: 'pve-configid' },
  vmidlist: { type: 'string', format: 'pve-vmid-list' },
  tags: { type: 'string', format: 'pve-tag-list' },
  dns: { type: 'string', format: 'dns-name' },
  poolid: { type: 'string', format: 'pve-poolid' },
  str: { type: 'string' },
  int: { type: 'integer' },
  num: { type: 'number' },
  bool: { type: 'boolean' },
  array: { type: 'array' },
};

export function defineParams(...parts: string[]): MethodParams {
  const specs: ParamSpec[] = [];
  for (const token of parts.join(' ').split(/\s+/).filter(Boolean)) specs.push(parseToken(token));
  const byName = new Map<string, ParamSpec>();
  const families: Array<{ prefix: string; spec: ParamSpec }> = [];
  for (const spec of specs) {
    if (byName.has(spec.name)) throw new Error(`duplicate parameter '${spec.name}'`);
    byName.set(spec.name, spec);
    if (spec.name.endsWith('[n]')) families.push({ prefix: spec.name.slice(0, -3), spec });
  }
  return { specs, byName, families };
}

function parseToken(token: string): ParamSpec {
  const m = /^([A-Za-z0-9_-]+(?:\[n\])?)(\??):(.+)$/.exec(token);
  if (!m) throw new Error(`bad parameter declaration '${token}'`);
  const [, name = '', q, typeText = ''] = m;
  const optional = q === '?';
  if (typeText.includes('|')) return { name, optional, type: 'string', enum: typeText.split('|') };
  const r = /^([a-z]+)(?:\((.*)\))?$/.exec(typeText);
  const base = r?.[1] ?? '';
  const named = NAMED_TYPES[base];
  if (!r || !named) throw new Error(`unknown parameter type '${typeText}' in '${token}'`);
  const spec: ParamSpec = { name, optional, ...named };
  const arg = r[2];
  if (arg !== undefined) {
    const len = /^<=(\d+)$/.exec(arg);
    const range = /^(-?[\d.]*)\.\.(-?[\d.]*)$/.exec(arg);
    if (len) spec.maxLength = Number(len[1]);
    else if (range) {
      if (range[1]) spec.minimum = Number(range[1]);
      if (range[2]) spec.maximum = Number(range[2]);
    } else throw new Error(`bad type argument in '${token}'`);
  }
  return spec;
}

export type RawValue = string | number | boolean | null | undefined | RawValue[] | { [k: string]: unknown };
export type ParamValue = string | number | boolean | string[];

/** Verified, typed parameters of one request. */
export class Params {
  constructor(readonly values: Readonly<Record<string, ParamValue>>) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  str(name: string): string | undefined {
    const v = this.values[name];
    return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v);
  }

  int(name: string): number | undefined {
    const v = this.values[name];
    return typeof v === 'number' ? v : undefined;
  }

  bool(name: string): boolean | undefined {
    const v = this.values[name];
    return typeof v === 'boolean' ? v : undefined;
  }

  /** Names that were given, in request order. */
  names(): string[] {
    return Object.keys(this.values);
  }
}

/**
 * Verifies raw request parameters (query, body and path placeholders) against the method's
 * schema and converts them to typed values. Throws PVE's 400 with per-parameter errors.
 */
export function verifyParams(method: MethodParams, raw: Record<string, RawValue>): Params {
  const errors: Record<string, string> = {};
  const out: Record<string, ParamValue> = {};
  const add = (key: string, msg: string): void => {
    errors[key] = errors[key] === undefined ? msg : `${errors[key]}\n${msg}`;
  };

  for (const spec of method.specs) {
    if (spec.name.endsWith('[n]')) continue;
    const value = raw[spec.name];
    if (value === undefined || value === null || value === '' && spec.type !== 'string') {
      if (!spec.optional) add(spec.name, 'property is missing and it is not optional');
      continue;
    }
    const checked = checkValue(spec, value, (msg) => add(spec.name, msg));
    if (checked !== undefined) out[spec.name] = checked;
  }

  for (const [key, value] of Object.entries(raw)) {
    if (method.byName.has(key)) continue;
    const family = method.families.find((f) => key.startsWith(f.prefix) && /^\d+$/.test(key.slice(f.prefix.length)));
    if (!family) {
      add(key, 'property is not defined in schema and the schema does not allow additional properties');
      continue;
    }
    if (value === undefined || value === null) continue;
    const checked = checkValue(family.spec, value, (msg) => add(key, msg));
    if (checked !== undefined) out[key] = checked;
  }

  if (Object.keys(errors).length > 0) throw paramError(errors);
  return new Params(out);
}

function checkValue(spec: ParamSpec, value: RawValue, error: (msg: string) => void): ParamValue | undefined {
  if (spec.type === 'array') {
    if (Array.isArray(value)) return value.map((v) => String(v));
    return [String(value)];
  }
  if (typeof value === 'object' && value !== null) {
    error(`type check ('${spec.type}') failed - got ${Array.isArray(value) ? 'ARRAY' : 'HASH'}`);
    return undefined;
  }
  const text = String(value);
  let typed: ParamValue;
  switch (spec.type) {
    case 'boolean': {
      const b = parseBoolean(value);
      if (b === undefined) {
        error(`type check ('boolean') failed - got '${text}'`);
        return undefined;
      }
      return b;
    }
    case 'integer':
      if (!/^\s*[+-]?\d+\s*$/.test(text)) {
        error(`type check ('integer') failed - got '${text}'`);
        return undefined;
      }
      typed = parseInt(text, 10);
      break;
    case 'number':
      if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text)) {
        error(`type check ('number') failed - got '${text}'`);
        return undefined;
      }
      typed = Number(text);
      break;
    default:
      typed = text;
  }

  if (spec.format) {
    const problem = checkFormat(spec.format, text);
    if (problem) {
      error(`invalid format - ${problem}\n`);
      return undefined;
    }
  }
  if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    error(`value may only be ${spec.maxLength} characters long`);
    return undefined;
  }
  if (typeof typed === 'number') {
    if (spec.maximum !== undefined && typed > spec.maximum) {
      error(`value must have a maximum value of ${spec.maximum}`);
      return undefined;
    }
    if (spec.minimum !== undefined && typed < spec.minimum) {
      error(`value must have a minimum value of ${spec.minimum}`);
      return undefined;
    }
  }
  if (spec.enum && !spec.enum.includes(text)) {
    error(`value '${text}' does not have a value in the enumeration '${spec.enum.join(', ')}'`);
    return undefined;
  }
  return typed;
}

/** PVE accepts 1/0, true/false, yes/no and on/off, case-insensitively. */
export function parseBoolean(value: RawValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === '0' || v === 'false' || v === 'no' || v === 'off') return false;
  return undefined;
}

const NODE_RE = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const VMID_RE = /^[1-9][0-9]{2,8}$/;
const CONFIGID_RE = /^[a-z][a-z0-9_-]+$/i;
const STORAGE_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const DNS_RE = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const POOL_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_-]*){0,2}$/;

/** Returns the PVE error text of a format check, or undefined when the value is fine. */
export function checkFormat(format: ParamFormat, value: string): string | undefined {
  switch (format) {
    case 'pve-node':
      return NODE_RE.test(value) ? undefined : 'value does not look like a valid node name';
    case 'pve-vmid':
      return VMID_RE.test(value) ? undefined : 'value does not look like a valid VM ID';
    case 'pve-configid':
      return CONFIGID_RE.test(value) ? undefined : `invalid configuration ID '${value}'`;
    case 'pve-storage-id':
      return STORAGE_RE.test(value) ? undefined : `storage ID '${value}' contains illegal characters`;
    case 'pve-vmid-list': {
      for (const id of splitList(value)) if (!VMID_RE.test(id)) return `value '${id}' does not look like a valid VM ID`;
      return undefined;
    }
    case 'pve-tag-list': {
      for (const tag of splitList(value)) if (!TAG_RE.test(tag)) return `invalid tag '${tag}'`;
      return undefined;
    }
    case 'dns-name':
      return DNS_RE.test(value) ? undefined : 'value does not look like a valid DNS name';
    case 'pve-poolid':
      return POOL_RE.test(value) ? undefined : `invalid pool ID '${value}'`;
  }
}

/** PVE::Tools::split_list: commas, semicolons, whitespace and NULs separate entries. */
export function splitList(value: string): string[] {
  return value.split(/[,;\s\0]+/).filter(Boolean);
}
