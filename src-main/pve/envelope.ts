/**
 * Reading PVE's JSON envelope (`{"data": …, "total"?, "changes"?, "errors"?,
 * "message"?}`) off a raw HTTP response: success bodies become the envelope,
 * anything else becomes the right PveError; and checking `data` against a zod
 * schema, where a mismatch is `malformed`.
 */
import type { z } from 'zod';
import { PveError, errorFromStatus } from './errors';
import type { PveHttpResponse } from './transport';

export interface PveEnvelope {
  data: unknown;
  /** List endpoints with paging (tasks, task log) report the full count here. */
  total?: number;
  /** `/nodes/{node}/network` reports pending changes as a diff here. */
  changes?: unknown;
}

export interface RequestContext {
  method: string;
  path: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function toErrorMap(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (val === null || val === undefined) continue;
    out[k] = (typeof val === 'string' ? val : JSON.stringify(val)).trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function toCount(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

/** Turns a raw response into PVE's envelope, or throws the PveError its status stands for. */
export function decodeResponse(res: PveHttpResponse, ctx: RequestContext): PveEnvelope {
  const text = res.body;
  if (res.status < 200 || res.status > 299) {
    const parsed = text.trim() ? tryJson(text) : { ok: false as const };
    const body = parsed.ok && isRecord(parsed.value) ? parsed.value : undefined;
    const errors = toErrorMap(body?.['errors']);
    throw errorFromStatus({
      status: res.status,
      statusMessage: res.statusMessage,
      bodyMessage: body?.['message'],
      ...(errors ? { errors } : {}),
      method: ctx.method,
      path: ctx.path,
    });
  }
  const parsed = tryJson(text);
  if (!parsed.ok) {
    throw new PveError('malformed', `Response to ${ctx.method} ${ctx.path} is not JSON`, { status: res.status, method: ctx.method, path: ctx.path });
  }
  if (!isRecord(parsed.value)) {
    throw new PveError('malformed', `Response to ${ctx.method} ${ctx.path} is not a Proxmox VE envelope`, {
      status: res.status,
      method: ctx.method,
      path: ctx.path,
    });
  }
  const env: PveEnvelope = { data: parsed.value['data'] ?? null };
  const total = toCount(parsed.value['total']);
  if (total !== undefined) env.total = total;
  if ('changes' in parsed.value) env.changes = parsed.value['changes'];
  return env;
}

/** Describes the first schema issue without quoting values (they can be large or sensitive). */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected shape';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
  return `${where}: ${issue.message}`;
}

export function parseData<S extends z.ZodType>(schema: S, data: unknown, ctx: RequestContext): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  throw new PveError('malformed', `Unexpected response shape for ${ctx.method} ${ctx.path} (${describeIssue(r.error)})`, {
    method: ctx.method,
    path: ctx.path,
  });
}
