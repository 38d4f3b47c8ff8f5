/**
 * The guest list's query language: free text plus `field:value` filters
 * (site, node, status, tag, tenant, pool, type, vmid), parsed into filters
 * the guest index evaluates. Values may be quoted ("my vm"); a leading
 * '-' negates a filter. Unknown fields are treated as free text, so a
 * typed colon never produces an error.
 */
export const FILTER_FIELDS = ['site', 'node', 'status', 'tag', 'tenant', 'pool', 'type', 'vmid', 'cluster'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export interface ParsedFilter {
  field: FilterField;
  value: string;
  negate: boolean;
}

export interface ParsedQuery {
  filters: ParsedFilter[];
  text: string[];
}

export function tokenize(input: string): string[] {
  const out: string[] = [];
  const re = /(-?[A-Za-z]+:"[^"]*"?)|("[^"]*"?)|(\S+)/g;
  for (const m of input.matchAll(re)) out.push(m[0]);
  return out;
}

const unquote = (s: string) => s.replace(/^"/, '').replace(/"$/, '');

export function parseGuestQuery(input: string): ParsedQuery {
  const filters: ParsedFilter[] = [];
  const text: string[] = [];
  for (const tok of tokenize(input)) {
    const m = /^(-?)([A-Za-z]+):(.*)$/.exec(tok);
    const field = m?.[2]?.toLowerCase();
    if (m && field && (FILTER_FIELDS as readonly string[]).includes(field) && m[3] !== undefined && m[3] !== '') {
      filters.push({ field: field as FilterField, value: unquote(m[3]), negate: m[1] === '-' });
    } else {
      const t = unquote(tok).trim();
      if (t) text.push(t);
    }
  }
  return { filters, text };
}
