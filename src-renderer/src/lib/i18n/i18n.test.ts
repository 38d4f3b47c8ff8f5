/** The catalogues agree with English, messages render for their locale, and formatting follows the language. */
import { afterEach, describe, expect, it as test } from 'vitest';
import { ago, bytes, count, date, dateTime, duration, percent } from '../format';
import { en } from './en';
import { it } from './it';
import { CATALOGUES, i18n, render, systemLanguage, t } from './i18n.svelte';

afterEach(() => i18n.reset());

const PLACEHOLDER = /\{(\w+)\}/g;
const placeholders = (m: string | Record<string, string>): string[] =>
  [...new Set((typeof m === 'string' ? [m] : Object.values(m)).flatMap((s) => [...s.matchAll(PLACEHOLDER)].map((x) => x[1]!)))].sort();

describe('catalogues', () => {
  test.each(Object.entries(CATALOGUES))('%s has exactly the keys of English', (_language, catalogue) => {
    expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
  });

  test.each(Object.keys(en))('%s: Italian is translated with the same parameters and shape', (key) => {
    const source = en[key as keyof typeof en];
    const target = it[key as keyof typeof it];
    expect(typeof target).toBe(typeof source);
    if (typeof target === 'string') expect(target.trim()).not.toBe('');
    else expect(target.other.trim()).not.toBe('');
    // Italian may drop a parameter only in a singular form ("il cluster connesso"), never introduce one.
    const known = new Set(placeholders(source as string | Record<string, string>));
    for (const p of placeholders(target as string | Record<string, string>)) expect(known).toContain(p);
    if (typeof target === 'string') expect(placeholders(target)).toEqual(placeholders(source as string));
    else expect(placeholders(target.other)).toEqual(placeholders((source as { other: string }).other));
  });
});

describe('render and t', () => {
  test('interpolates parameters, formats numbers for the locale and leaves unknown placeholders visible', () => {
    expect(render('{n} of {total}', 'en', { n: 3, total: 12500 })).toBe('3 of 12,500');
    expect(render('{n} su {total}', 'it-IT', { n: 3, total: 12500 })).toBe('3 su 12.500');
    expect(render('VM {vmid}', 'it-IT', { vmid: '12500' })).toBe('VM 12500');
    expect(render('hello {who}', 'en', {})).toBe('hello {who}');
  });

  test('picks the plural form from count with the locale rules', () => {
    const m = { one: '{count} host', other: '{count} hosts' };
    expect(render(m, 'en', { count: 1 })).toBe('1 host');
    expect(render(m, 'en', { count: 0 })).toBe('0 hosts');
    expect(render(m, 'en', { count: 2 })).toBe('2 hosts');
    expect(render({ other: 'x' }, 'en', { count: 1 })).toBe('x');
  });

  test('follows the current language', () => {
    i18n.adopt('en');
    expect(t('cmd.synced', { count: 1 })).toBe('Synced 1 cluster');
    expect(t('cmd.synced', { count: 3 })).toBe('Synced 3 clusters');
    i18n.adopt('it');
    expect(t('cmd.synced', { count: 1 })).toBe('1 cluster sincronizzato');
    expect(t('cmd.synced', { count: 3 })).toBe('3 cluster sincronizzati');
    expect(t('area.settings')).toBe('Impostazioni');
  });

  test('an unset language follows the system, Italian or otherwise English', () => {
    expect(systemLanguage(['it-IT', 'en-US'])).toBe('it');
    expect(systemLanguage(['it'])).toBe('it');
    expect(systemLanguage(['de-DE', 'en-GB'])).toBe('en');
    expect(systemLanguage(['fr-FR'])).toBe('en');
    expect(systemLanguage([])).toBe('en');
    i18n.adopt('it');
    expect(i18n.chosen).toBe(true);
    i18n.adopt(undefined);
    expect(i18n.chosen).toBe(false);
    expect(i18n.language).toBe(systemLanguage());
  });

  test('writes the language to <html lang>', () => {
    const root = document.createElement('html');
    i18n.adopt('it');
    i18n.apply(root);
    expect(root.lang).toBe('it');
  });
});

describe('formatting follows the language', () => {
  const iso = '2026-03-05T14:07:00Z';

  test('numbers, bytes and percentages in it-IT', () => {
    i18n.adopt('it');
    expect(count(1234567)).toBe('1.234.567');
    expect(bytes(1536)).toBe('1,5 KiB');
    expect(bytes(512 * 2 ** 30)).toBe('512 GiB');
    expect(percent(0.425, 1)).toBe('42,5 %');
    i18n.adopt('en');
    expect(count(1234567)).toBe('1,234,567');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(percent(0.425, 1)).toBe('42.5 %');
  });

  test('dates and relative times in it-IT', () => {
    i18n.adopt('it');
    const d = new Date(iso);
    // Local time zone of the machine running the test; the month name and order are what matter.
    expect(date(iso)).toBe(`${String(d.getDate()).padStart(2, '0')} mar ${d.getFullYear()}`);
    expect(dateTime(iso)).toMatch(/^\d{2} mar 2026, \d{2}:\d{2}$/);
    const now = d.getTime();
    expect(ago(iso, now + 2_000)).toBe('adesso');
    expect(ago(iso, now + 120_000)).toBe('2 min fa');
    expect(ago(iso, now + 3 * 3600_000)).toBe('3 h fa');
    expect(ago(null)).toBe('mai');
    expect(duration(3 * 86400 + 4 * 3600)).toBe('3g 4h');
    i18n.adopt('en');
    expect(date(iso)).toMatch(/Mar/);
    expect(ago(iso, now + 120_000)).toBe('2 min. ago');
    expect(duration(3 * 86400 + 4 * 3600)).toBe('3d 4h');
  });
});
