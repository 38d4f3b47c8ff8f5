/** CSV: RFC 4180 quoting and the formula-injection guard, checked by parsing the output back. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditRow } from '../../src-preload/contract';
import { auditCsv, csvCell } from './csv';

/** A strict RFC 4180 reader, the test's oracle. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else if (i >= text.length) throw new Error('unterminated quote');
        else cell += text[i++];
      }
    } else while (i < text.length && text[i] !== ',' && text[i] !== '\r') cell += text[i++];
    row.push(cell);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length) throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  return rows;
}

const row = (over: Partial<AuditRow>): AuditRow => ({
  seq: 0,
  v: 1,
  at: '2026-03-01T08:00:00.000Z',
  actor: 'alice',
  roles: ['administrator'],
  source: 'browser',
  action: 'settings.set',
  target: null,
  outcome: 'ok',
  error: null,
  details: {},
  ...over,
});

describe('audit CSV', () => {
  it('quotes commas, quotes and line breaks, and guards formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    for (const c of ['+1', '-1', '@SUM(A1)', '\tx']) expect(csvCell(c).replace(/^"/, '').startsWith("'")).toBe(true);
    // Found by the round-trip property: a value that is itself a guarded-looking formula keeps its own quote.
    expect(csvCell("'=1")).toBe("''=1");
    expect(csvCell("'abc")).toBe("'abc");
  });

  it('round-trips any actor and target through a strict reader; no cell starts a formula', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.option(fc.string({ maxLength: 30 }), { nil: null }), (actor, target) => {
        const text = auditCsv([row({ actor, target })]);
        expect(text.endsWith('\r\n')).toBe(true);
        const rows = parseCsv(text);
        expect(rows).toHaveLength(2);
        expect(rows[0]).toHaveLength(10);
        const cells = rows[1] as string[];
        expect(cells).toHaveLength(10);
        for (const c of cells) expect(/^[=+\-@\t\r]/.test(c)).toBe(false);
        const unguard = (s: string) => (/^'+[=+\-@\t\r]/.test(s) ? s.slice(1) : s);
        expect(unguard(cells[2] as string)).toBe(actor);
        expect(unguard(cells[6] as string)).toBe(target ?? '');
      }),
    );
  });
});
