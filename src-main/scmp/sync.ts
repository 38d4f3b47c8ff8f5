/**
 * `ScmpSync`: pulls the SCMP's tenants, quotas, role bindings and policies
 * into the local cache and pushes queued bundles, whenever an SCMP is
 * connected; otherwise it does nothing and says so. What it pulled is
 * offered as plain data (`tenants()`, `quotas()` …) for other modules to
 * consume without knowing about HTTP, tokens or SQLite.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScmpOutboxEntry, ScmpStatus } from '../../src-preload/contract';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { HttpsScmpClient, type ScmpClient } from './client';
import { ScmpError, isScmpError } from './errors';
import { COLLECTION_NAMES, type BundleKind, type Collection, type CollectionItem } from './schemas';
import { ScmpStore } from './store';

/** The connected SCMP as the connection registry holds it (never with its token). */
export interface ScmpEndpoint {
  id: string;
  name: string;
  url: string;
  fingerprint: string | null;
  tokenId: string;
}

export interface ScmpSyncOptions {
  db: Db;
  /** The connected SCMP, or null: Cairn then works locally and this class stays idle. */
  endpoint: () => ScmpEndpoint | null;
  /** The token from the SecretStore, read per sync so it is held in memory only while used. */
  token: (endpointId: string) => Promise<string>;
  /** Where queued bundle bytes are kept, named by their hash. */
  outboxDir: string;
  log: Logger;
  clientFor?: (endpoint: ScmpEndpoint, token: () => Promise<string>) => ScmpClient;
  now?: () => Date;
  /** Period of the background sync; default 5 minutes. */
  intervalMs?: number;
  /** Told the new status after every run and after forgetting, so views need not poll. */
  onChanged?: (status: ScmpStatus) => void;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class ScmpSync {
  readonly store: ScmpStore;
  private running: Promise<void> | null = null;
  private lastError: { message: string; code: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => Date;

  constructor(private readonly opts: ScmpSyncOptions) {
    this.store = new ScmpStore(opts.db);
    this.now = opts.now ?? (() => new Date());
  }

  // ---- plain data API (what was pulled) ---------------------------------------------

  tenants(): CollectionItem['tenants'][] {
    return this.store.items('tenants');
  }
  quotas(): CollectionItem['quotas'][] {
    return this.store.items('quotas');
  }
  roleBindings(): CollectionItem['role-bindings'][] {
    return this.store.items('role-bindings');
  }
  policies(): CollectionItem['policies'][] {
    return this.store.items('policies');
  }

  // ---- status ------------------------------------------------------------------------------

  status(): ScmpStatus {
    const ep = this.opts.endpoint();
    const collections = COLLECTION_NAMES.map((c) => {
      const s = this.store.pullState(c);
      return { collection: c, count: this.store.count(c), lastSuccessAt: s.lastSuccessAt, lastAttemptAt: s.lastAttemptAt, lastError: s.lastError };
    });
    const successes = collections.map((c) => c.lastSuccessAt).filter((x): x is string => x !== null);
    return {
      connected: ep !== null,
      endpoint: ep ? { id: ep.id, name: ep.name, url: ep.url, fingerprint: ep.fingerprint, tokenId: ep.tokenId } : null,
      syncing: this.running !== null,
      // The pull is complete only when every collection succeeded, so the oldest success is the honest age.
      lastPullAt: successes.length === collections.length ? (successes.sort()[0] ?? null) : null,
      lastError: ep ? (this.lastError?.message ?? null) : null,
      lastErrorCode: ep ? (this.lastError?.code ?? null) : null,
      collections,
      outbox: this.store.outboxCounts(),
    };
  }

  outbox(): ScmpOutboxEntry[] {
    return this.store.outbox();
  }

  // ---- outbox ------------------------------------------------------------------------------

  /**
   * Queues bytes for pushing. They are written under their own hash first
   * (write then rename, so a crash leaves no half file under a valid name),
   * then recorded; queueing the same bytes again changes nothing.
   */
  async enqueueBytes(kind: BundleKind, bytes: Uint8Array): Promise<ScmpOutboxEntry> {
    const sha256 = sha256Hex(bytes);
    const dir = join(this.opts.outboxDir, kind);
    const path = join(dir, `${sha256}.bundle`);
    await mkdir(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    if (this.store.enqueue({ kind, sha256, path, size: bytes.byteLength }, this.now().toISOString())) {
      this.opts.log.info('bundle queued for the SCMP', { kind, sha256, size: bytes.byteLength });
    }
    return this.store.entry(kind, sha256)!;
  }

  // ---- sync ----------------------------------------------------------------------------------

  /** Pull everything, then push the outbox. Concurrent calls share one run. */
  syncNow(): Promise<void> {
    if (!this.opts.endpoint()) return Promise.resolve();
    this.running ??= this.run().finally(() => {
      this.running = null;
      this.opts.onChanged?.(this.status());
    });
    return this.running;
  }

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      void this.syncNow().catch((err: unknown) => this.opts.log.warn('scmp sync failed', { error: err instanceof Error ? err.message : String(err) }));
    };
    this.timer = setInterval(tick, this.opts.intervalMs ?? 300_000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** After disconnect: what was pulled belonged to that SCMP. */
  async forget(): Promise<void> {
    await this.running?.catch(() => undefined);
    this.store.clearCache();
    this.lastError = null;
    this.opts.onChanged?.(this.status());
  }

  private async run(): Promise<void> {
    const ep = this.opts.endpoint();
    if (!ep) return;
    let token: string | null = null;
    const tokenFn = async (): Promise<string> => (token ??= await this.opts.token(ep.id));
    const client =
      this.opts.clientFor?.(ep, tokenFn) ??
      new HttpsScmpClient({ baseUrl: ep.url, fingerprint: ep.fingerprint ?? undefined, token: tokenFn, timeoutMs: 15_000 });
    // Remote text ends up in the database and the UI: never let an echoed token through.
    const scrub = (text: string): string => (token && token.length >= 4 ? text.split(token).join('[redacted]') : text);
    let firstError: { message: string; code: string } | null = null;
    const note = (err: unknown): string => {
      const message = scrub(err instanceof Error ? err.message : String(err));
      firstError ??= { message, code: isScmpError(err) ? err.kind : err instanceof AppException ? err.code : 'internal' };
      return message;
    };
    try {
      for (const c of COLLECTION_NAMES) {
        try {
          await this.pullOne(client, c);
        } catch (err) {
          this.store.recordPullError(c, note(err), this.now().toISOString());
          // A refused token or certificate fails every call the same way: do not hammer the SCMP.
          if (isScmpError(err) && ['unauthorized', 'tls_pin_mismatch', 'tls_unpinned', 'tls'].includes(err.kind)) throw err;
        }
      }
      await this.pushAll(client, note);
    } catch (err) {
      if (!firstError) note(err);
    } finally {
      client.close();
      this.lastError = firstError;
      if (firstError) this.opts.log.warn('scmp sync had errors', { endpoint: ep.name, error: (firstError as { message: string }).message });
    }
  }

  private async pullOne(client: ScmpClient, c: Collection): Promise<void> {
    let state = this.store.pullState(c);
    let r;
    try {
      r = await client.pull(c, { etag: state.etag, since: state.cursor });
    } catch (err) {
      // A cursor the SCMP no longer accepts (restored from backup, history pruned) would fail
      // every sync from now on: start over with one full pull instead.
      if (!isScmpError(err, 'bad_request') || state.cursor === null) throw err;
      this.opts.log.warn('scmp refused the pull cursor; pulling the whole collection', { collection: c });
      state = { ...state, etag: null, cursor: null };
      r = await client.pull(c, {});
    }
    const at = this.now().toISOString();
    if (r.status === 'not-modified') this.store.recordUnchanged(c, r.etag, at);
    else this.store.applyPull(c, { full: state.cursor === null, items: r.items, deleted: r.deleted, etag: r.etag, cursor: r.cursor }, at);
  }

  private async pushAll(client: ScmpClient, note: (err: unknown) => string): Promise<void> {
    for (const b of this.store.pending()) {
      const at = this.now().toISOString();
      try {
        const bytes = await readFile(b.path).catch(() => {
          throw new ScmpError('malformed', `The queued ${b.kind} bundle file ${b.path} cannot be read`);
        });
        // The file is named by its hash; if its bytes changed, pushing them under the old address would be refused anyway.
        if (sha256Hex(bytes) !== b.sha256) throw new ScmpError('hash_mismatch', `The queued ${b.kind} bundle file changed on disk since it was queued`);
        const r = await client.pushBundle(b.kind, b.sha256, bytes);
        this.store.markPushed(b.kind, b.sha256, at);
        this.opts.log.info('bundle pushed to the SCMP', { kind: b.kind, sha256: b.sha256, created: r.created });
      } catch (err) {
        this.store.markFailed(b.kind, b.sha256, note(err), at);
        if (isScmpError(err) && ['unauthorized', 'tls_pin_mismatch', 'tls_unpinned', 'tls', 'unreachable', 'timeout', 'rate_limited'].includes(err.kind)) throw err;
      }
    }
  }
}
