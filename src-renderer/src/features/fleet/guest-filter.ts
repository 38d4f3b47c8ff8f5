/**
 * The guest filter as chips. The main process parses the query
 * authoritatively (src-main/fleet/guest-filter.ts); this mirror only splits
 * it the same way so the view can show and remove each part.
 */
export const FILTER_FIELDS = ['site', 'node', 'status', 'tag', 'tenant', 'pool', 'type', 'vmid', 'cluster'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export interface Chip {
  /** Index of the token in the query. */
  index: number;
  field: FilterField | null;
  value: string;
  negate: boolean;
}

export function tokenize(input: string): string[] {
  const out: string[] = [];
  const re = /(-?[A-Za-z]+:"[^"]*"?)|("[^"]*"?)|(\S+)/g;
  for (const m of input.matchAll(re)) out.push(m[0]);
  return out;
}

const unquote = (s: string) => s.replace(/^"/, '').replace(/"$/, '');

export function chipsOf(input: string): Chip[] {
  return tokenize(input).flatMap((tok, index): Chip[] => {
    const m = /^(-?)([A-Za-z]+):(.*)$/.exec(tok);
    const field = m?.[2]?.toLowerCase();
    if (m && field && (FILTER_FIELDS as readonly string[]).includes(field) && m[3]) {
      return [{ index, field: field as FilterField, value: unquote(m[3]), negate: m[1] === '-' }];
    }
    const text = unquote(tok).trim();
    return text ? [{ index, field: null, value: text, negate: false }] : [];
  });
}

export function removeToken(input: string, index: number): string {
  return tokenize(input)
    .filter((_, i) => i !== index)
    .join(' ');
}

export function quoteValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replace(/"/g, '')}"` : value;
}

export function filterToken(field: FilterField, value: string): string {
  return `${field}:${quoteValue(value)}`;
}
