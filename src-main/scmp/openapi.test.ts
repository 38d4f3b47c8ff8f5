/**
 * The published contract (docs/scmp-openapi.json) and the code agree: every
 * operation and status in the document has its body schema in `OPERATIONS`
 * and the other way round; every component has a zod schema with the same
 * properties, required fields, nullability and enum values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENT_SCHEMAS, OPERATIONS } from './schemas';

type Json = Record<string, unknown>;
const DOC = JSON.parse(readFileSync(join(__dirname, '../../docs/scmp-openapi.json'), 'utf8')) as Json;
const components = DOC.components as Json;
const schemas = components.schemas as Record<string, Json>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];

function resolve(node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const [, , section, name] = ref.split('/');
  return resolve((components[section as string] as Record<string, Json>)[name as string] as Json);
}
const refName = (node: unknown): string | undefined =>
  typeof (node as Json | undefined)?.$ref === 'string' ? ((node as Json).$ref as string).split('/').at(-1) : undefined;

/** The alternatives of a union, or the schema itself. */
function options(s: z.ZodType): z.ZodType[] {
  const def = (s as unknown as { _zod: { def: { type: string; options?: z.ZodType[] } } })._zod.def;
  return def.type === 'union' && def.options ? def.options : [s];
}
function shapeOf(s: z.ZodType): Record<string, z.ZodType> | undefined {
  const shape = (s as unknown as { shape?: Record<string, z.ZodType> }).shape;
  return shape && typeof shape === 'object' ? shape : undefined;
}
function enumValues(s: z.ZodType): string[] | undefined {
  const def = (s as unknown as { _zod: { def: { type: string; entries?: Record<string, string>; values?: unknown[]; innerType?: z.ZodType } } })._zod.def;
  if (def.type === 'enum' && def.entries) return Object.values(def.entries).sort();
  if (def.type === 'literal' && def.values) return def.values.map(String).sort();
  if (def.type === 'nullable' && def.innerType) return enumValues(def.innerType);
  return undefined;
}

describe('operations', () => {
  const documented = new Map<string, Record<string, Json>>();
  for (const [path, item] of Object.entries(DOC.paths as Record<string, Json>)) {
    for (const m of METHODS) if (item[m]) documented.set(`${m.toUpperCase()} ${path}`, (item[m] as Json).responses as Record<string, Json>);
  }

  it('the document and the code list the same operations', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it.each([...documented.keys()])('%s: same statuses, each with the schema the document names', (op) => {
    const responses = documented.get(op)!;
    const code = OPERATIONS[op]!;
    expect(Object.keys(responses).sort()).toEqual(Object.keys(code).map(String).sort());
    for (const [status, raw] of Object.entries(responses)) {
      const r = resolve(raw);
      const body = (r.content as Record<string, Json> | undefined)?.['application/json']?.schema;
      const expected = code[Number(status)];
      if (body === undefined) expect(expected, `${op} ${status} has no body`).toBeNull();
      else expect(expected, `${op} ${status}`).toBe(COMPONENT_SCHEMAS[refName(body) ?? '']);
    }
  });

  it('every pull takes the since cursor and If-None-Match; every call needs the bearer token', () => {
    expect(DOC.security).toEqual([{ bearerAuth: [] }]);
    expect((components.securitySchemes as Json).bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const p of ['/tenants', '/quotas', '/role-bindings', '/policies']) {
      const params = ((DOC.paths as Record<string, Json>)[p]!.get as Json).parameters as Json[];
      expect(params.map((x) => resolve(x).name)).toEqual(['since', 'If-None-Match']);
    }
    expect((DOC.servers as Json[])[0]!.url).toMatch(/\/api\/v1$/);
  });
});

describe('components', () => {
  it('the document and the code define the same components', () => {
    expect(Object.keys(schemas).sort()).toEqual(Object.keys(COMPONENT_SCHEMAS).sort());
  });

  it.each(Object.keys(schemas))('%s has the same fields, required set, nullability and enums as its zod schema', (name) => {
    const doc = schemas[name]!;
    const zs = COMPONENT_SCHEMAS[name]!;
    if (doc.enum) expect(enumValues(zs)).toEqual([...(doc.enum as string[])].sort());
    if (doc.type !== 'object') return;
    const opts = options(zs).map(shapeOf);
    expect(opts.every((s) => s !== undefined), `${name} is an object in code`).toBe(true);
    const shapes = opts as Record<string, z.ZodType>[];
    const props = doc.properties as Record<string, Json>;
    expect(Object.keys(props).sort()).toEqual([...new Set(shapes.flatMap((s) => Object.keys(s)))].sort());
    // Required in the document = present and not optional in every alternative in code.
    const required = Object.keys(props).filter((k) => shapes.every((s) => s[k] && (s[k] as unknown as { _zod: { optin?: string } })._zod.optin !== 'optional'));
    expect(required.sort()).toEqual([...((doc.required as string[]) ?? [])].sort());
    expect(doc.additionalProperties).toBe(false);
    for (const [key, p] of Object.entries(props)) {
      const fields = shapes.map((s) => s[key]).filter((f): f is z.ZodType => f !== undefined);
      const field = fields[0]!;
      const nullable = Array.isArray(p.type) && (p.type as string[]).includes('null');
      expect(field.safeParse(null).success, `${name}.${key} nullable`).toBe(nullable);
      // A discriminator is one literal per alternative: together they are the enum.
      const values = fields.some((f) => enumValues(f) === undefined) ? undefined : [...new Set(fields.flatMap((f) => enumValues(f)!))].sort();
      if (p.enum) expect(values, `${name}.${key} enum`).toEqual([...(p.enum as string[])].sort());
      const ref = refName(p);
      if (ref && schemas[ref]?.enum) expect(enumValues(field), `${name}.${key} enum`).toEqual([...(schemas[ref].enum as string[])].sort());
    }
  });
});
