import { describe, expect, it } from 'vitest';
import { installFakeBridge } from '../../test/fake-bridge';
import { defaultHandlers } from '../../test/fixtures';
import { chipsOf, filterToken, removeToken } from './guest-filter';
import { GuestListModel, MAX_CACHED_PAGES, PAGE_SIZE } from './guest-list.svelte';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('guest filter chips', () => {
  it('splits the query like the main process does', () => {
    expect(chipsOf('web site:"Frankfurt Edge" -status:stopped vmid:101 foo:bar')).toEqual([
      { index: 0, field: null, value: 'web', negate: false },
      { index: 1, field: 'site', value: 'Frankfurt Edge', negate: false },
      { index: 2, field: 'status', value: 'stopped', negate: true },
      { index: 3, field: 'vmid', value: '101', negate: false },
      { index: 4, field: null, value: 'foo:bar', negate: false },
    ]);
    expect(removeToken('a site:x b', 1)).toBe('a b');
    expect(filterToken('site', 'Frankfurt Edge')).toBe('site:"Frankfurt Edge"');
  });
});

describe('GuestListModel', () => {
  it('fetches pages for the visible range and keeps a bounded cache', async () => {
    const bridge = installFakeBridge(defaultHandlers({ guestTotal: 100_000 }));
    const m = new GuestListModel();
    m.reload();
    await wait(0);
    expect(m.total).toBe(100_000);
    expect(m.rowAt(0)?.name).toBe('guest-000000');
    for (let p = 0; p < MAX_CACHED_PAGES + 6; p++) {
      m.setVisible(p * 2000, p * 2000 + 30);
      await wait(60);
    }
    expect(m.cachedPages.length).toBeLessThanOrEqual(MAX_CACHED_PAGES);
    expect(m.rowAt((MAX_CACHED_PAGES + 5) * 2000)?.vmid).toBe(100 + (MAX_CACHED_PAGES + 5) * 2000);
    expect(m.rowAt(0)).toBeUndefined();
    for (const req of bridge.callsTo('fleet:guests')) {
      expect(req.limit).toBe(PAGE_SIZE);
      expect(req.offset! % PAGE_SIZE).toBe(0);
    }
    m.dispose();
  });

  it('drops answers to an older query', async () => {
    let release: (() => void) | null = null;
    const bridge = installFakeBridge({
      'fleet:guests': async (req) => {
        if (req.query === 'slow') await new Promise<void>((r) => (release = r));
        return { total: req.query === 'slow' ? 1 : 2, rows: [] };
      },
    });
    const m = new GuestListModel();
    m.apply('slow');
    m.apply('fast');
    await wait(0);
    release!();
    await wait(0);
    expect(m.total).toBe(2);
    expect(bridge.callsTo('fleet:guests').map((r) => r.query)).toEqual(['slow', 'fast']);
    m.dispose();
  });
});
