import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database';
import { ConnectionsRepo } from '../store/connections-repo';
import { parseGuestQuery } from './guest-filter';
import { GuestIndex } from './guest-index';
import { InventoryRepo } from './inventory-repo';
import { guest, node, snapshot } from './test-fixtures';

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

  it('any input parses and filters without throwing, and an empty query matches everything', () => {
    const db = openDatabase(':memory:');
    const conn = new ConnectionsRepo(db).insert({ name: 'c', kind: 'pve', url: 'https://c:8006', fingerprint: null, tokenId: 't@pve!x', site: 's', simulated: false });
    const repo = new InventoryRepo(db);
    repo.apply(conn.id, { id: 'site:s', name: 's', region: 'r', kind: 'edge' }, snapshot('c', [node('n1')], [guest(100, 'n1', { tags: ['a'] }), guest(101, 'n1')]));
    const index = new GuestIndex(db);
    expect(index.query(parseGuestQuery(''), 'name', 'asc', 0, 10).total).toBe(2);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.constantFrom('name', 'cpu', 'vmid', 'site') as fc.Arbitrary<'name'>, (input, field) => {
        const page = index.query(parseGuestQuery(input), field, 'desc', 0, 5);
        expect(page.total).toBeGreaterThanOrEqual(page.rows.length);
        expect(page.total).toBeLessThanOrEqual(2);
      }),
      { numRuns: 500 },
    );
    db.close();
  });

  it('pages are consistent: concatenated pages equal one big page', () => {
    const db = openDatabase(':memory:');
    const conn = new ConnectionsRepo(db).insert({ name: 'c', kind: 'pve', url: 'https://c:8006', fingerprint: null, tokenId: 't@pve!x', site: 's', simulated: false });
    new InventoryRepo(db).apply(
      conn.id,
      { id: 'site:s', name: 's', region: 'r', kind: 'edge' },
      snapshot('c', [node('n1')], Array.from({ length: 57 }, (_, i) => guest(100 + i, 'n1', { cpu: (i * 37) % 11 }))),
    );
    const index = new GuestIndex(db);
    const all = index.query(parseGuestQuery(''), 'cpu', 'desc', 0, 1000).rows.map((r) => r.vmid);
    const paged = [0, 10, 20, 30, 40, 50].flatMap((o) => index.query(parseGuestQuery(''), 'cpu', 'desc', o, 10).rows.map((r) => r.vmid));
    expect(paged).toEqual(all);
    expect(new Set(all).size).toBe(57);
    db.close();
  });
});
