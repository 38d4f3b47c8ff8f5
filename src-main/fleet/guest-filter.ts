/**
 * The guest list's query language: free text plus `field:value` filters
 * (site, node, status, tag, tenant, pool, type, vmid), compiled to a
 * parameterised SQL WHERE clause. Values may be quoted ("my vm"); a leading
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

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQL over `fleet_guests g JOIN fleet_clusters c ... JOIN fleet_sites s`. */
export function compileGuestQuery(q: ParsedQuery): { where: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  for (const f of q.filters) {
    let clause: string;
    switch (f.field) {
      case 'site':
        clause = "(s.name LIKE ? ESCAPE '\\' OR s.id = ?)";
        params.push(`%${likeEscape(f.value)}%`, f.value);
        break;
      case 'cluster':
        clause = "c.name LIKE ? ESCAPE '\\'";
        params.push(`%${likeEscape(f.value)}%`);
        break;
      case 'node':
        clause = 'g.node = ?';
        params.push(f.value);
        break;
      case 'status':
        clause = 'g.status = ?';
        params.push(f.value.toLowerCase());
        break;
      case 'tag':
        clause = "(';' || g.tags || ';') LIKE ? ESCAPE '\\'";
        params.push(`%;${likeEscape(f.value)};%`);
        break;
      case 'tenant':
        clause = 'g.tenant = ?';
        params.push(f.value);
        break;
      case 'pool':
        clause = 'g.pool = ?';
        params.push(f.value);
        break;
      case 'type': {
        const v = f.value.toLowerCase();
        clause = 'g.type = ?';
        params.push(v === 'vm' ? 'qemu' : v === 'ct' || v === 'container' ? 'lxc' : v);
        break;
      }
      case 'vmid':
        clause = 'g.vmid = ?';
        params.push(Number.isFinite(Number(f.value)) ? Number(f.value) : -1);
        break;
    }
    clauses.push(f.negate ? `NOT ${clause}` : clause);
  }
  for (const t of q.text) {
    clauses.push("(g.name LIKE ? ESCAPE '\\' OR CAST(g.vmid AS TEXT) = ? OR g.node LIKE ? ESCAPE '\\' OR s.name LIKE ? ESCAPE '\\')");
    const like = `%${likeEscape(t)}%`;
    params.push(like, t, like, like);
  }
  return { where: clauses.length ? clauses.join(' AND ') : '1', params };
}
