/**
 * What one audit entry is: its fields, its canonical bytes (the Merkle
 * leaf), and how a request payload is summarised into it. Summaries keep
 * only allow-listed, short, scalar fields: a payload is never copied
 * wholesale, and anything that could carry a secret (secret, token,
 * password, private key, passphrase, file contents) is never read.
 */
import { AuditEntrySchema, type AuditDetails, type AuditEntry } from '../../src-preload/contract';
import { canonicalJson } from '../custody';

export { canonicalJson };

/** The Merkle leaf of an entry: its canonical JSON (keys sorted, no whitespace) as UTF-8. */
export function entryBytes(entry: AuditEntry): Buffer {
  return Buffer.from(canonicalJson(entry), 'utf8');
}

/** Parses an entry from untrusted JSON; null when it is not exactly an entry. */
export function parseEntry(value: unknown): AuditEntry | null {
  const r = AuditEntrySchema.safeParse(value);
  return r.success ? r.data : null;
}

/**
 * Request fields that may appear in a summary. Anything else is dropped,
 * so a new field holding a secret stays out until someone adds it here.
 */
const SUMMARY_KEYS = new Set([
  'id', 'name', 'kind', 'url', 'tokenId', 'site', 'siteId', 'clusterId', 'node', 'vmid', 'host', 'port', 'user',
  'applianceId', 'jobId', 'serial', 'customer', 'tenant', 'tenantId', 'direction', 'expectedSeq', 'to', 'state',
  'theme', 'syncIntervalSeconds', 'language', 'action', 'batchId', 'view', 'format', 'roles', 'tenants', 'scope',
  'size', 'count', 'confirmName', 'mergeId', 'sha256', 'fileName', 'caption', 'engineer', 'autosave', 'refresh',
  'from', 'target', 'snapname', 'newid', 'keyName', 'note', 'reason', 'fingerprint', 'description', 'planId',
  'apply',
]);

/** Names that must never be read, whatever the nesting. */
const NEVER = /secret|token(?!Id)|passw|passphrase|private|skey|credential|^data$|^bytes$|^base64$|^text$|^report$|^quote$/i;

const MAX_STRING = 120;
const MAX_FIELDS = 16;

function scalar(v: unknown): string | number | boolean | undefined {
  if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING - 1)}…` : v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v;
  return undefined;
}

/**
 * A short, secret-free summary of a request: allow-listed scalar fields,
 * one level of nested objects flattened as `parent.child` (e.g.
 * `request.action`, `scope.kind`), and short string lists.
 */
export function summarise(payload: unknown): AuditDetails {
  const out: AuditDetails = {};
  const visit = (obj: unknown, prefix: string, depth: number): void => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return;
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (Object.keys(out).length >= MAX_FIELDS) return;
      if (NEVER.test(k)) continue;
      const key = prefix ? `${prefix}.${k}` : k;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        if (depth < 1) visit(v, key, depth + 1);
        continue;
      }
      if (!SUMMARY_KEYS.has(k)) continue;
      if (Array.isArray(v)) {
        const items = v.filter((x): x is string => typeof x === 'string').slice(0, 8).map((x) => scalar(x) as string);
        if (items.length) out[key] = items;
        else out[`${key}.count`] = v.length;
        continue;
      }
      const s = scalar(k === 'url' && typeof v === 'string' ? cleanUrl(v) : v);
      if (s !== undefined) out[key] = s;
    }
  };
  visit(payload, '', 0);
  return out;
}

/** A URL's origin and path only; one with user-info (credentials) anywhere is not kept at all. */
function cleanUrl(v: string): string | undefined {
  if (v.includes('@')) return undefined;
  try {
    const u = new URL(v);
    return `${u.origin}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return undefined;
  }
}

/** A human label for what a request acted on, from the fields requests commonly carry. */
export function targetOf(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as Record<string, unknown>;
  const inner = typeof p.request === 'object' && p.request !== null ? (p.request as Record<string, unknown>) : null;
  const pick = (o: Record<string, unknown>, k: string): string | null => {
    const v = o[k];
    return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) ? String(v).slice(0, 120) : null;
  };
  const guest = (o: Record<string, unknown>) => (pick(o, 'clusterId') && pick(o, 'vmid') ? `guest ${pick(o, 'clusterId')}/${pick(o, 'vmid')}` : null);
  const candidates = [
    inner && guest(inner),
    guest(p),
    pick(p, 'applianceId') && `appliance ${pick(p, 'applianceId')}`,
    pick(p, 'tenantId') && `tenant ${pick(p, 'tenantId')}`,
    pick(p, 'batchId') && `batch ${pick(p, 'batchId')}`,
    pick(p, 'siteId') && `site ${pick(p, 'siteId')}`,
    pick(p, 'clusterId') && `cluster ${pick(p, 'clusterId')}`,
    pick(p, 'name'),
    pick(p, 'id'),
    pick(p, 'host') && `host ${pick(p, 'host')}`,
    pick(p, 'view') && `view ${pick(p, 'view')}`,
  ];
  return candidates.find((c): c is string => typeof c === 'string' && c.length > 0) ?? null;
}
