/**
 * Audit entries as CSV (RFC 4180: CRLF line ends, fields with a comma,
 * quote or line break quoted, quotes doubled). Cells that a spreadsheet
 * would read as a formula (starting with = + - @, tab or carriage return)
 * are prefixed with an apostrophe, so an actor or target name can never
 * run as a formula in the reader's spreadsheet.
 */
import type { AuditRow } from '../../src-preload/contract';
import { canonicalJson } from './entry';

export const CSV_COLUMNS = ['seq', 'at', 'actor', 'roles', 'source', 'action', 'target', 'outcome', 'error', 'details'] as const;

/** One cell, guarded and quoted as needed. */
export function csvCell(value: string): string {
  // A value that already starts with quotes before a formula character gets one more, so a reader strips exactly one:
  // "'=x" (the value) is written "''=x", never confused with "=x" guarded as "'=x".
  const guarded = /^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function auditCsv(rows: readonly AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const cells = [String(r.seq), r.at, r.actor, r.roles.join(' '), r.source, r.action, r.target ?? '', r.outcome, r.error ?? '', canonicalJson(r.details)];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
