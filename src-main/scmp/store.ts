/**
 * SQLite side of the SCMP connector: the cache of pulled items (applied one
 * collection per transaction, so a pull is never half-visible), the pull
 * state per collection, and the content-addressed outbox.
 */
import type { ScmpOutboxEntry } from '../../src-preload/contract';
import type { Db } from '../store/database';
import { COLLECTIONS, type BundleKind, type Collection, type CollectionItem } from './schemas';

export interface PullState {
  etag: string | null;
  cursor: string | null;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
}

interface OutboxRow {
  kind: BundleKind;
  sha256: string;
  path: string;
  size: number;
  queued_at: string;
  attempts: number;
  last_attempt_at: string | null;
  last_error: string | null;
  pushed_at: string | null;
}

export interface PendingBundle {
  kind: BundleKind;
  sha256: string;
  path: string;
  size: number;
}

const toEntry = (r: OutboxRow): ScmpOutboxEntry => ({
  kind: r.kind,
  sha256: r.sha256,
  size: r.size,
  queuedAt: r.queued_at,
  attempts: r.attempts,
  lastAttemptAt: r.last_attempt_at,
  lastError: r.last_error,
  pushedAt: r.pushed_at,
});

export class ScmpStore {
  constructor(private readonly db: Db) {}

  pullState(collection: Collection): PullState {
    const r = this.db.prepare('SELECT etag, cursor, last_success_at, last_attempt_at, last_error FROM scmp_pull_state WHERE collection = ?').get(collection) as
      | { etag: string | null; cursor: string | null; last_success_at: string | null; last_attempt_at: string | null; last_error: string | null }
      | undefined;
    return {
      etag: r?.etag ?? null,
      cursor: r?.cursor ?? null,
      lastSuccessAt: r?.last_success_at ?? null,
      lastAttemptAt: r?.last_attempt_at ?? null,
      lastError: r?.last_error ?? null,
    };
  }

  /**
   * Applies one answer. Without a cursor the answer was the full collection,
   * so rows it does not name are gone; with one, only `deleted` are.
   */
  applyPull<C extends Collection>(
    collection: C,
    pull: { full: boolean; items: readonly CollectionItem[C][]; deleted: readonly string[]; etag: string | null; cursor: string },
    at: string,
  ): void {
    this.db.transaction(() => {
      if (pull.full) this.db.prepare('DELETE FROM scmp_cache WHERE collection = ?').run(collection);
      const del = this.db.prepare('DELETE FROM scmp_cache WHERE collection = ? AND id = ?');
      for (const id of pull.deleted) del.run(collection, id);
      const up = this.db.prepare(
        'INSERT INTO scmp_cache (collection, id, body, pulled_at) VALUES (?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body, pulled_at = excluded.pulled_at',
      );
      for (const item of pull.items) up.run(collection, item.id, JSON.stringify(item), at);
      this.upsertState(collection, { etag: pull.etag, cursor: pull.cursor, lastSuccessAt: at, lastAttemptAt: at, lastError: null });
    })();
  }

  /** 304: nothing changed, but the pull succeeded. */
  recordUnchanged(collection: Collection, etag: string | null, at: string): void {
    const s = this.pullState(collection);
    this.upsertState(collection, { ...s, etag: etag ?? s.etag, lastSuccessAt: at, lastAttemptAt: at, lastError: null });
  }

  recordPullError(collection: Collection, message: string, at: string): void {
    this.upsertState(collection, { ...this.pullState(collection), lastAttemptAt: at, lastError: message });
  }

  items<C extends Collection>(collection: C): CollectionItem[C][] {
    const rows = this.db.prepare('SELECT body FROM scmp_cache WHERE collection = ? ORDER BY id').all(collection) as { body: string }[];
    const item = COLLECTIONS[collection].shape.items.element;
    // Rows were validated when pulled; parsing again keeps a hand-edited database from leaking odd shapes.
    const out: CollectionItem[C][] = [];
    for (const r of rows) {
      const p = item.safeParse(JSON.parse(r.body));
      if (p.success) out.push(p.data as CollectionItem[C]);
    }
    return out;
  }

  count(collection: Collection): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM scmp_cache WHERE collection = ?').get(collection) as { n: number }).n;
  }

  /** On disconnect: pulled data and cursors belong to that SCMP. The outbox stays. */
  clearCache(): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM scmp_cache').run();
      this.db.prepare('DELETE FROM scmp_pull_state').run();
    })();
  }

  /** true when newly queued; the same bytes queued again are the same row. */
  enqueue(b: PendingBundle, at: string): boolean {
    return (
      this.db
        .prepare('INSERT INTO scmp_outbox (kind, sha256, path, size, queued_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, sha256) DO NOTHING')
        .run(b.kind, b.sha256, b.path, b.size, at).changes === 1
    );
  }

  pending(): PendingBundle[] {
    return this.db.prepare('SELECT kind, sha256, path, size FROM scmp_outbox WHERE pushed_at IS NULL ORDER BY queued_at, kind, sha256').all() as PendingBundle[];
  }

  markPushed(kind: BundleKind, sha256: string, at: string): void {
    this.db
      .prepare('UPDATE scmp_outbox SET pushed_at = ?, attempts = attempts + 1, last_attempt_at = ?, last_error = NULL WHERE kind = ? AND sha256 = ? AND pushed_at IS NULL')
      .run(at, at, kind, sha256);
  }

  markFailed(kind: BundleKind, sha256: string, message: string, at: string): void {
    this.db.prepare('UPDATE scmp_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ? WHERE kind = ? AND sha256 = ?').run(at, message, kind, sha256);
  }

  entry(kind: BundleKind, sha256: string): ScmpOutboxEntry | null {
    const r = this.db.prepare('SELECT * FROM scmp_outbox WHERE kind = ? AND sha256 = ?').get(kind, sha256) as OutboxRow | undefined;
    return r ? toEntry(r) : null;
  }

  outbox(): ScmpOutboxEntry[] {
    return (this.db.prepare('SELECT * FROM scmp_outbox ORDER BY queued_at DESC, kind, sha256').all() as OutboxRow[]).map(toEntry);
  }

  outboxCounts(): { pending: number; pushed: number; failing: number } {
    const r = this.db
      .prepare(
        `SELECT COALESCE(SUM(pushed_at IS NULL), 0) AS pending, COALESCE(SUM(pushed_at IS NOT NULL), 0) AS pushed,
                COALESCE(SUM(pushed_at IS NULL AND last_error IS NOT NULL), 0) AS failing FROM scmp_outbox`,
      )
      .get() as { pending: number; pushed: number; failing: number };
    return r;
  }

  private upsertState(collection: Collection, s: PullState): void {
    this.db
      .prepare(
        `INSERT INTO scmp_pull_state (collection, etag, cursor, last_success_at, last_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (collection) DO UPDATE SET etag = excluded.etag, cursor = excluded.cursor, last_success_at = excluded.last_success_at,
           last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error`,
      )
      .run(collection, s.etag, s.cursor, s.lastSuccessAt, s.lastAttemptAt, s.lastError);
  }
}
