/** Operator settings: defaults for unset keys, validation on write, and damaged rows that fall back per key. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database';
import { DEFAULT_SETTINGS, SettingsRepo } from './settings-repo';

const fresh = () => {
  const db = openDatabase(':memory:');
  return { db, repo: new SettingsRepo(db) };
};
const put = (db: ReturnType<typeof openDatabase>, key: string, value: string) =>
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);

describe('SettingsRepo', () => {
  it('returns the defaults on a fresh database', () => {
    expect(fresh().repo.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('persists a partial update and merges it with the rest', () => {
    const { db, repo } = fresh();
    expect(repo.update({ theme: 'dark' })).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark' });
    expect(repo.update({ syncIntervalSeconds: 60 })).toEqual({ theme: 'dark', syncIntervalSeconds: 60 });
    expect(new SettingsRepo(db).get()).toEqual({ theme: 'dark', syncIntervalSeconds: 60 });
    // Only the keys that were set are stored; the others keep following the defaults.
    expect(db.prepare('SELECT key FROM settings ORDER BY key').pluck().all()).toEqual(['syncIntervalSeconds', 'theme']);
  });

  it('refuses an invalid value and writes nothing', () => {
    const { db, repo } = fresh();
    expect(() => repo.update({ syncIntervalSeconds: 1 })).toThrow();
    expect(() => repo.update({ theme: 'purple' as 'dark' })).toThrow();
    expect(db.prepare('SELECT COUNT(*) FROM settings').pluck().get()).toBe(0);
    expect(repo.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('ignores undefined fields in a patch', () => {
    const { repo } = fresh();
    repo.update({ theme: 'light' });
    expect(repo.update({ theme: undefined, syncIntervalSeconds: 30 })).toEqual({ theme: 'light', syncIntervalSeconds: 30 });
  });

  it.each([
    ['not JSON', 'theme', '{oops'],
    ['the wrong type', 'theme', '42'],
    ['a value outside the enum', 'theme', '"purple"'],
    ['out of range', 'syncIntervalSeconds', '1'],
    ['not an integer', 'syncIntervalSeconds', '7.5'],
    ['null', 'syncIntervalSeconds', 'null'],
    ['a language Cairn does not speak', 'language', '"fr"'],
  ])('falls back to the default for a damaged value (%s) and keeps the other settings', (_why, key, raw) => {
    const { db, repo } = fresh();
    const other = key === 'theme' ? { syncIntervalSeconds: 120 } : { theme: 'dark' as const };
    repo.update(other);
    put(db, key, raw);
    expect(repo.get()).toEqual({ ...DEFAULT_SETTINGS, ...other });
  });

  it('leaves the language unset until the operator picks one, then keeps it', () => {
    const { db, repo } = fresh();
    expect(repo.get()).not.toHaveProperty('language');
    expect(repo.update({ language: 'it' }).language).toBe('it');
    expect(new SettingsRepo(db).get()).toEqual({ ...DEFAULT_SETTINGS, language: 'it' });
    expect(() => repo.update({ language: 'fr' as 'it' })).toThrow();
    expect(repo.get().language).toBe('it');
  });

  it('ignores keys it does not know', () => {
    const { db, repo } = fresh();
    put(db, 'fromTheFuture', '"x"');
    put(db, '__proto__', '{"theme":"dark"}');
    expect(repo.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('can repair a damaged value by writing it again', () => {
    const { db, repo } = fresh();
    put(db, 'theme', '{oops');
    expect(repo.update({ theme: 'light' }).theme).toBe('light');
    expect(repo.get().theme).toBe('light');
  });
});

describe('domain sections (readJson / writeJson)', () => {
  it('round-trips a JSON value under its own key, leaves the app settings alone, and refuses their keys', () => {
    const { db, repo } = fresh();
    expect(repo.readJson('alerts.thresholds')).toBeNull();
    repo.writeJson('alerts.thresholds', { cpu: { warning: 70, critical: 80 } });
    expect(repo.readJson('alerts.thresholds')).toEqual({ cpu: { warning: 70, critical: 80 } });
    expect(repo.get()).toEqual(DEFAULT_SETTINGS);
    expect(() => repo.writeJson('theme', 'dark')).toThrow(/app settings/);
    put(db, 'alerts.thresholds', '{oops');
    expect(repo.readJson('alerts.thresholds')).toBeNull();
  });
});
