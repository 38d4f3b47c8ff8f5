import { describe, expect, it } from 'vitest';
import { abbreviateFingerprint, bytes, duration, fingerprintGroups, percent } from './format';
import { fuzzyFilter, fuzzyMatch, highlightRuns } from './fuzzy';
import { route } from './pages';
import { Router } from './router.svelte';

describe('format', () => {
  it('formats bytes, percentages and durations', () => {
    expect(bytes(512 * 2 ** 30)).toBe('512 GiB');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(null)).toBe('—');
    expect(percent(0.425)).toMatch(/^4[23] %$/);
    expect(duration(86400 * 3 + 3600 * 4)).toBe('3d 4h');
    expect(duration(42)).toBe('42s');
  });

  it('groups fingerprints for reading aloud and abbreviates them', () => {
    const fp = 'ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89';
    expect(fingerprintGroups(fp)).toHaveLength(8);
    expect(fingerprintGroups(fp)[0]).toBe('AB:CD:EF:01');
    expect(abbreviateFingerprint(fp)).toBe('AB:CD:EF…45:67:89');
    expect(abbreviateFingerprint(null)).toBe('not pinned');
  });
});

describe('fuzzy', () => {
  it('matches subsequences and ranks word starts first', () => {
    expect(fuzzyMatch('atst', 'Attestation')).not.toBeNull();
    expect(fuzzyMatch('xyz', 'Attestation')).toBeNull();
    const ranked = fuzzyFilter(['Capacity', 'Sites & Power', 'Settings'], 'set', (s) => s).map((r) => r.item);
    expect(ranked[0]).toBe('Settings');
  });

  it('splits text into highlighted runs', () => {
    expect(highlightRuns('Fleet', [0, 1])).toEqual([
      { text: 'Fl', hit: true },
      { text: 'eet', hit: false },
    ]);
  });
});

describe('router', () => {
  it('keeps back/forward history in memory and ignores repeats', () => {
    const r = new Router();
    r.navigate(route('settings'));
    r.navigate(route('settings'));
    r.navigate(route('site', { siteId: 's1' }));
    expect(r.canBack).toBe(true);
    r.back();
    expect(r.current).toEqual(route('settings'));
    r.back();
    expect(r.current.page).toBe('fleet');
    expect(r.canBack).toBe(false);
    r.forward();
    r.forward();
    expect(r.current).toEqual({ page: 'site', params: { siteId: 's1' } });
    r.back();
    r.navigate(route('audit'));
    expect(r.canForward).toBe(false);
  });
});
