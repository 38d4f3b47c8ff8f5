/** Operator settings as typed key/value rows, with defaults for unset keys. */
import { SettingsSchema, type Settings } from '../../src-preload/contract';
import type { Db } from './database';

export const DEFAULT_SETTINGS: Settings = { theme: 'system', syncIntervalSeconds: 10 };

export class SettingsRepo {
  /** Settings are read on hot paths (every sync, every staleness check); rows change only through update(). */
  private cached: Settings | null = null;

  constructor(private readonly db: Db) {}

  get(): Settings {
    this.cached ??= this.load();
    return this.cached;
  }

  private load(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const r of rows) {
      // Keys of the schema, not of the defaults: `language` has no default (unset follows the system).
      if (!Object.hasOwn(SettingsSchema.shape, r.key)) continue;
      // A damaged value falls back to its own default rather than breaking the app (or resetting the other keys).
      try {
        const field = SettingsSchema.shape[r.key as keyof Settings].safeParse(JSON.parse(r.value));
        if (field.success) merged[r.key] = field.data;
      } catch {
        // Not JSON: keep the default.
      }
    }
    const parsed = SettingsSchema.safeParse(merged);
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  /**
   * A domain's own settings section (e.g. alert thresholds) as one JSON value
   * under its key; the owning domain validates it. Kept out of `Settings` so
   * each domain's schema stays with the domain. Null when unset or not JSON.
   */
  readJson(key: string): unknown {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    if (!row) return null;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return null;
    }
  }

  writeJson(key: string, value: unknown): void {
    if (Object.hasOwn(SettingsSchema.shape, key)) throw new Error(`settings key ${key} belongs to the app settings; use update()`);
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
  }

  update(patch: Partial<Settings>): Settings {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next = SettingsSchema.parse({ ...this.get(), ...defined });
    const put = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(defined)) put.run(k, JSON.stringify(v));
    })();
    this.cached = next;
    return next;
  }
}
