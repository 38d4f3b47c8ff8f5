/**
 * Shipping manifests: a job's appliances as CSV, one per row, registered in
 * one signed batch. The file comes from outside (a supplier's or a
 * logistics system's export), so it is parsed strictly and every problem is
 * reported with its line and column, never thrown: RFC 4180 quoting, a
 * header row naming the columns (CUSTODY_MANIFEST_COLUMNS, any order, any
 * case), each value checked with the same schema as the registration form,
 * capacities in TB (10^12 bytes), no serial twice.
 */
import { CUSTODY_MANIFEST_COLUMNS, CUSTODY_MANIFEST_MAX_ROWS, CustodyManifestRowSchema, type CustodyManifestProblem, type CustodyManifestRow } from '../../src-preload/contract';

/** One CSV record and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 records: fields separated by commas, records by CRLF or LF, a
 * field in double quotes may hold commas, line breaks and doubled quotes. A
 * leading byte-order mark is dropped and blank lines are skipped. A quote
 * left open, or text after a closing quote, is a problem for its line.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problem: CustodyManifestProblem | null } {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        quoted = true;
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= text.length) return { records, problem: { line: quoteLine, column: null, message: 'a quoted value is never closed' } };
          const c = text[i] as string;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          return { records, problem: { line, column: null, message: 'text after a closing quote (a quote inside a value is written twice: "")' } };
        }
      } else {
        const from = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(from, i);
        if (value.includes('"')) return { records, problem: { line, column: null, message: 'a quote inside an unquoted value (quote the whole value, and write a quote in it twice)' } };
      }
      fields.push(value);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    // A line with nothing on it (or only spaces) is no record; a quoted empty value is one.
    if (quoted || !(fields.length === 1 && fields[0]?.trim() === '')) records.push({ line: start, fields });
  }
  return { records, problem: null };
}

const FIELD_OF: Record<(typeof CUSTODY_MANIFEST_COLUMNS)[number], keyof Omit<CustodyManifestRow, 'line'>> = {
  serial: 'serial',
  model: 'model',
  capacity_tb: 'capacityBytes',
  firmware_version: 'firmwareVersion',
  security_module_id: 'securityModuleId',
  encryption_key_id: 'encryptionKeyId',
  kms_key_ref: 'kmsKeyRef',
};
const COLUMN_OF = Object.fromEntries(Object.entries(FIELD_OF).map(([c, f]) => [f, c])) as Record<string, string>;

const TB = 1e12;

/** At most this many problems are listed; the rest are counted. */
export const MANIFEST_PROBLEMS_SHOWN = 100;

export interface ParsedManifest {
  rows: CustodyManifestRow[];
  problems: CustodyManifestProblem[];
  moreProblems: number;
}

/** The manifest's appliances, or what is wrong with it (then `rows` holds only the rows that are right). */
export function parseManifest(text: string): ParsedManifest {
  const problems: CustodyManifestProblem[] = [];
  let more = 0;
  const problem = (p: CustodyManifestProblem) => {
    if (problems.length < MANIFEST_PROBLEMS_SHOWN) problems.push(p);
    else more++;
  };
  const done = (rows: CustodyManifestRow[]): ParsedManifest => ({ rows, problems, moreProblems: more });

  const { records, problem: csvProblem } = parseCsv(text);
  if (csvProblem) problem(csvProblem);
  const [header, ...data] = records;
  if (!header) {
    if (!csvProblem) problem({ line: 0, column: null, message: `the manifest is empty: it needs a header row (${CUSTODY_MANIFEST_COLUMNS.join(',')}) and one row per appliance` });
    return done([]);
  }
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const index = new Map<string, number>();
  names.forEach((n, k) => {
    if (!(CUSTODY_MANIFEST_COLUMNS as readonly string[]).includes(n)) problem({ line: header.line, column: n || null, message: `unknown column "${n}"; the columns are ${CUSTODY_MANIFEST_COLUMNS.join(', ')}` });
    else if (index.has(n)) problem({ line: header.line, column: n, message: `column "${n}" appears twice` });
    else index.set(n, k);
  });
  const missing = CUSTODY_MANIFEST_COLUMNS.filter((c) => !index.has(c));
  if (missing.length) problem({ line: header.line, column: null, message: `missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` });
  if (problems.length || more) return done([]);
  if (data.length === 0) problem({ line: 0, column: null, message: 'the manifest lists no appliances' });
  if (data.length > CUSTODY_MANIFEST_MAX_ROWS) {
    problem({ line: 0, column: null, message: `the manifest lists ${data.length} appliances; at most ${CUSTODY_MANIFEST_MAX_ROWS} go in one batch (split the file)` });
    return done([]);
  }

  const rows: CustodyManifestRow[] = [];
  const serialLine = new Map<string, number>();
  for (const r of data) {
    if (r.fields.length !== names.length) {
      problem({ line: r.line, column: null, message: `${r.fields.length} values for ${names.length} columns` });
      continue;
    }
    const cell = (c: (typeof CUSTODY_MANIFEST_COLUMNS)[number]) => (r.fields[index.get(c) as number] as string).trim();
    const tb = cell('capacity_tb');
    const capacity = Number(tb);
    const candidate = {
      line: r.line,
      serial: cell('serial'),
      model: cell('model'),
      // Not a number (or empty) stays text, so the schema names the column.
      capacityBytes: tb !== '' && Number.isFinite(capacity) ? Math.round(capacity * TB) : tb,
      firmwareVersion: cell('firmware_version'),
      securityModuleId: cell('security_module_id'),
      encryptionKeyId: cell('encryption_key_id'),
      kmsKeyRef: cell('kms_key_ref'),
    };
    const parsed = CustodyManifestRowSchema.safeParse(candidate);
    if (!parsed.success) {
      // One problem per column: the first thing wrong with it.
      const told = new Set<string>();
      for (const issue of parsed.error.issues) {
        const column = COLUMN_OF[String(issue.path[0] ?? '')] ?? '';
        if (told.has(column)) continue;
        told.add(column);
        const empty = column !== '' && cell(column as (typeof CUSTODY_MANIFEST_COLUMNS)[number]) === '';
        problem({ line: r.line, column: column || null, message: empty ? 'empty' : column === 'capacity_tb' ? 'a capacity in TB, a number of 0 or more' : issue.message });
      }
      continue;
    }
    const seen = serialLine.get(parsed.data.serial);
    if (seen !== undefined) {
      problem({ line: r.line, column: 'serial', message: `serial ${parsed.data.serial} is already on line ${seen}` });
      continue;
    }
    serialLine.set(parsed.data.serial, r.line);
    rows.push(parsed.data);
  }
  return done(rows);
}
