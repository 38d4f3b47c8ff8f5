/** Operator settings as typed key/value rows, with defaults for unset keys. */
import { SettingsSchema, type Settings } from '../../src-preload/contract';
import type { Db } from './database';

export const DEFAULT_SETTINGS: Settings = { theme: 'system', syncIntervalSeconds: 10 };

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const r of rows) {
      if (!(r.key in DEFAULT_SETTINGS)) continue;
      try {
        merged[r.key] = JSON.parse(r.value);
      } catch {
        // A damaged value falls back to its default rather than breaking the app.
      }
    }
    const parsed = SettingsSchema.safeParse(merged);
    return parsed.success ? parsed.data : DEFAULT_SETTINGS;
  }

  update(patch: Partial<Settings>): Settings {
    const next = SettingsSchema.parse({ ...this.get(), ...patch });
    const put = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(patch)) if (v !== undefined) put.run(k, JSON.stringify(v));
    })();
    return next;
  }
}
