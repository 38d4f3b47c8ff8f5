// A validator for PVE's JSON-schema dialect (the `parameters` and `returns` schemas of
// apidoc.json), used to prove the simulator's responses and parameter declarations match the
// official API. Supports type (string, integer, number, boolean, null, object, array, any, or a
// list), properties with `optional`, numbered-family properties (`net[n]`), items, enum,
// minimum/maximum, maxLength, pattern (Perl syntax translated where JavaScript can express it)
// and additionalProperties.
//
// Strictness beyond PVE's own validator: integers must be JSON numbers (PVE returns ints as ints),
// and with `strict` an undeclared property of an object whose schema declares properties is an
// error unless the schema allows additional properties or the caller lists it as a known,
// documented extra.

import { readFileSync } from 'node:fs';

export interface PveSchema {
  type?: string | string[];
  optional?: number | boolean;
  properties?: Record<string, PveSchema>;
  items?: PveSchema;
  additionalProperties?: number | boolean | PveSchema;
  enum?: Array<string | number>;
  minimum?: number | string;
  maximum?: number | string;
  maxLength?: number;
  pattern?: string;
  format?: unknown;
  [key: string]: unknown;
}

export interface ApidocMethod {
  method: string;
  path: string;
  parameters?: PveSchema;
  returns?: PveSchema;
  proxyto?: string;
  permissions?: unknown;
  allowtoken?: number;
  protected?: number;
}

interface ApidocNode {
  path: string;
  info?: Record<string, Omit<ApidocMethod, 'method' | 'path'>>;
  children?: ApidocNode[];
}

export class Apidoc {
  private readonly byKey = new Map<string, ApidocMethod>();

  constructor(tree: ApidocNode[]) {
    const walk = (n: ApidocNode): void => {
      for (const [method, info] of Object.entries(n.info ?? {})) this.byKey.set(`${method} ${n.path}`, { ...info, method, path: n.path });
      for (const c of n.children ?? []) walk(c);
    };
    for (const n of tree) walk(n);
  }

  static load(file: string): Apidoc {
    return new Apidoc(JSON.parse(readFileSync(file, 'utf8')) as ApidocNode[]);
  }

  method(method: string, path: string): ApidocMethod | undefined {
    return this.byKey.get(`${method} ${path}`);
  }

  get size(): number {
    return this.byKey.size;
  }
}

export interface ValidateOptions {
  /** Undeclared properties are errors (unless additionalProperties allows them or `allowExtra` lists them). */
  strict?: boolean;
  /** Property names known to be returned by real PVE although the schema omits them. */
  allowExtra?: ReadonlySet<string>;
  /** Accept integers encoded as strings (PVE's Perl backend sometimes stringifies). */
  numericStrings?: boolean;
}

export function validate(schema: PveSchema | undefined, value: unknown, opts: ValidateOptions = {}, path = '$'): string[] {
  const errors: string[] = [];
  check(schema ?? {}, value, path, opts, errors);
  return errors;
}

function isOptional(s: PveSchema): boolean {
  return s.optional === 1 || s.optional === true;
}

function typeMatches(type: string, value: unknown, opts: ValidateOptions): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'null':
      return value === null;
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return (typeof value === 'number' && Number.isInteger(value)) || (!!opts.numericStrings && typeof value === 'string' && /^-?\d+$/.test(value));
    case 'number':
      return (typeof value === 'number' && Number.isFinite(value)) || (!!opts.numericStrings && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));
    case 'boolean':
      // PVE encodes booleans as 1/0 and occasionally as JSON true/false.
      return typeof value === 'boolean' || value === 0 || value === 1;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    default:
      return true;
  }
}

function check(s: PveSchema, value: unknown, path: string, opts: ValidateOptions, errors: string[]): void {
  const types = s.type === undefined ? ['any'] : Array.isArray(s.type) ? s.type : [s.type];
  if (value === null && !types.includes('null') && !types.includes('any')) {
    errors.push(`${path}: null where ${types.join('|')} expected`);
    return;
  }
  if (!types.some((t) => typeMatches(t, value, opts))) {
    errors.push(`${path}: expected ${types.join('|')}, got ${describe(value)}`);
    return;
  }

  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => check(s.items as PveSchema, v, `${path}[${i}]`, opts, errors));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    checkObject(s, value as Record<string, unknown>, path, opts, errors);
    return;
  }

  if (s.enum && !s.enum.map(String).includes(String(value))) {
    errors.push(`${path}: '${String(value)}' not in enum ${s.enum.join(', ')}`);
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < Number(s.minimum)) errors.push(`${path}: ${value} < minimum ${s.minimum}`);
    if (s.maximum !== undefined && value > Number(s.maximum)) errors.push(`${path}: ${value} > maximum ${s.maximum}`);
  }
  if (typeof value === 'string') {
    if (s.maxLength !== undefined && value.length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    const re = s.pattern ? perlPattern(s.pattern) : undefined;
    if (re && !re.test(value)) errors.push(`${path}: '${value}' does not match /${s.pattern ?? ''}/`);
  }
}

function checkObject(s: PveSchema, value: Record<string, unknown>, path: string, opts: ValidateOptions, errors: string[]): void {
  const props = s.properties ?? {};
  const families: Array<[RegExp, PveSchema]> = [];
  for (const [name, sub] of Object.entries(props)) {
    if (name.endsWith('[n]')) {
      families.push([new RegExp(`^${escape(name.slice(0, -3))}\\d+$`), sub]);
      continue;
    }
    if (!(name in value) || value[name] === undefined) {
      if (!isOptional(sub)) errors.push(`${path}.${name}: required property missing`);
      continue;
    }
    check(sub, value[name], `${path}.${name}`, opts, errors);
  }
  for (const [key, v] of Object.entries(value)) {
    if (key in props) continue;
    const family = families.find(([re]) => re.test(key));
    if (family) {
      check(family[1], v, `${path}.${key}`, opts, errors);
      continue;
    }
    const ap = s.additionalProperties;
    if (typeof ap === 'object' && ap !== null) {
      check(ap, v, `${path}.${key}`, opts, errors);
    } else if (ap === 0 || ap === false) {
      errors.push(`${path}.${key}: additional property not allowed`);
    } else if (ap === undefined && opts.strict && Object.keys(props).length > 0 && !opts.allowExtra?.has(key)) {
      // Strictness needs something to be strict about: `{type: 'object'}` alone is free-form.
      errors.push(`${path}.${key}: undeclared property`);
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 60) ?? ''}`;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patternCache = new Map<string, RegExp | undefined>();

/**
 * PVE patterns are Perl regexes matched as /^(?:pattern)$/. Perl-only constructs such as
 * `(?^:...)` are rewritten; a pattern JavaScript cannot express is skipped (undefined).
 */
export function perlPattern(pattern: string): RegExp | undefined {
  if (patternCache.has(pattern)) return patternCache.get(pattern);
  let re: RegExp | undefined;
  try {
    let flags = '';
    const src = pattern.replace(/\(\?\^([a-z]*):/g, (_m, f: string) => {
      if (f.includes('i')) flags = 'i';
      return '(?:';
    });
    re = new RegExp(`^(?:${src})$`, flags);
  } catch {
    re = undefined;
  }
  patternCache.set(pattern, re);
  return re;
}
