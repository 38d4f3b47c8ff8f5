import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { compileGuestQuery, parseGuestQuery } from './guest-filter';

describe('guest query language', () => {
  it('parses field filters, negation, quotes and free text', () => {
    expect(parseGuestQuery('site:"rome 1" -status:stopped web')).toEqual({
      filters: [
        { field: 'site', value: 'rome 1', negate: false },
        { field: 'status', value: 'stopped', negate: true },
      ],
      text: ['web'],
    });
  });

  it('treats unknown fields and empty values as free text', () => {
    expect(parseGuestQuery('colour:red node:')).toEqual({ filters: [], text: ['colour:red', 'node:'] });
  });

  it('compiles any input to SQL that runs (never an injection, never a syntax error)', () => {
    const db = openDatabase(':memory:');
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (input) => {
        const { where, params } = compileGuestQuery(parseGuestQuery(input));
        const sql = `SELECT COUNT(*) AS n FROM fleet_guests g JOIN fleet_clusters c ON c.id = g.cluster_id JOIN fleet_sites s ON s.id = c.site_id WHERE ${where}`;
        expect(() => db.prepare(sql).get(...params)).not.toThrow();
      }),
      { numRuns: 500 },
    );
    db.close();
  });
});
