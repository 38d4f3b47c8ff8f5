/**
 * AuditService: appends audit entries to the `ledger_audit` Merkle log (the
 * leaf is the entry's canonical JSON; `audit_entries` mirrors it for
 * search, in the same transaction), lists them with filters, signs
 * checkpoints with the installation's audit key, and exports a time range
 * as a verifiable bundle, CSV or PDF. Nothing is ever updated or deleted.
 */
import type {
  AuditEntry,
  AuditExportResult,
  AuditHead,
  AuditOutcome,
  AuditPage,
  AuditQuery,
  AuditRow,
  AuditSource,
  AuditDetails,
} from '../../src-preload/contract';
import { AUDIT_EXPORT_MAX_CHARS, AuditQuerySchema } from '../../src-preload/contract';
import { LEDGER_LOG_PREFIXES, MerkleLog, signCheckpoint, signNote, toBase64 } from '../ledger';
import type { SecretStore } from '../secrets';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { AUDIT_BUNDLE_FORMAT, AUDIT_BUNDLE_VERSION, bundleText, MAX_BUNDLE_ENTRIES, statementText, type AuditBundle } from './bundle';
import { auditCsv } from './csv';
import { entryBytes, parseEntry } from './entry';
import { auditKeyAccount, AuditKeys } from './keys';
import { renderAuditReport } from './report-pdf';

export interface AuditServiceOptions {
  db: Db;
  secrets: SecretStore;
  /** This installation's id (shared with custody): the log's origin is `cairn.audit/<installId>`. */
  installId: string;
  clock?: () => Date;
}

/** What a caller says about an action; time and sequence are the service's. */
export interface RecordInput {
  actor: string;
  roles: readonly string[];
  source: AuditSource;
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  error?: string | null;
  details?: AuditDetails;
}

/** An export range; bounds are ISO-8601, `to` exclusive. */
export interface AuditRange {
  from?: string | undefined;
  to?: string | undefined;
}

interface EntryRow {
  seq: number;
  at: string;
  actor: string;
  roles: string;
  source: AuditSource;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  error: string | null;
  details: string;
}

const toRow = (r: EntryRow): AuditRow => ({
  seq: r.seq,
  v: 1,
  at: r.at,
  actor: r.actor,
  roles: JSON.parse(r.roles) as string[],
  source: r.source,
  action: r.action,
  target: r.target,
  outcome: r.outcome,
  error: r.error,
  details: JSON.parse(r.details) as AuditDetails,
});

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** ISO bound → the stored spelling (UTC, milliseconds), or null when absent. */
function bound(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new AppException('invalid_request', `${field} is not a date and time`, { field });
  return new Date(t).toISOString();
}

export class AuditService {
  readonly origin: string;
  readonly log: MerkleLog;
  private readonly keys: AuditKeys;
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly insertTx: (input: RecordInput) => AuditRow;

  constructor(opts: AuditServiceOptions) {
    this.db = opts.db;
    this.clock = opts.clock ?? (() => new Date());
    this.origin = `cairn.audit/${opts.installId}`;
    this.log = new MerkleLog(opts.db, { prefix: LEDGER_LOG_PREFIXES.audit });
    this.keys = new AuditKeys(opts.db, opts.secrets, this.origin, auditKeyAccount(opts.installId));
    const lastAt = opts.db.prepare('SELECT at FROM audit_entries ORDER BY seq DESC LIMIT 1').pluck();
    const insert = opts.db.prepare(
      'INSERT INTO audit_entries (seq, at, actor, roles, source, action, target, outcome, error, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertTx = opts.db.transaction((input: RecordInput): AuditRow => {
      // Times never go back in the log (a clock step backwards is clamped), so a time range is a run of leaves.
      const now = this.clock().toISOString();
      const prev = lastAt.get() as string | undefined;
      const entry: AuditEntry = {
        v: 1,
        at: prev !== undefined && prev > now ? prev : now,
        actor: clip(input.actor, 200),
        roles: input.roles.slice(0, 16).map((r) => clip(r, 60)),
        source: input.source,
        action: clip(input.action, 80),
        target: input.target == null ? null : clip(input.target, 300),
        outcome: input.outcome,
        error: input.error == null ? null : clip(input.error, 60),
        details: input.details ?? {},
      };
      const { index } = this.log.append(entryBytes(entry));
      insert.run(index, entry.at, entry.actor, JSON.stringify(entry.roles), entry.source, entry.action, entry.target, entry.outcome, entry.error, JSON.stringify(entry.details));
      return { ...entry, seq: index };
    });
  }

  /** Appends one entry (leaf and search row in one transaction). */
  record(input: RecordInput): AuditRow {
    return this.insertTx(input);
  }

  /** Entries newest first, filtered and paged. */
  list(query: AuditQuery = {}): AuditPage {
    const q = AuditQuerySchema.parse(query);
    const where: string[] = [];
    const args: (string | number)[] = [];
    const from = bound(q.from, 'from');
    const to = bound(q.to, 'to');
    if (from) {
      where.push('at >= ?');
      args.push(from);
    }
    if (to) {
      where.push('at < ?');
      args.push(to);
    }
    if (q.actor) {
      where.push('actor = ?');
      args.push(q.actor);
    }
    if (q.action) {
      where.push('(action = ? OR substr(action, 1, ?) = ?)');
      args.push(q.action, q.action.length + 1, `${q.action}.`);
    }
    if (q.source) {
      where.push('source = ?');
      args.push(q.source);
    }
    if (q.outcome) {
      where.push('outcome = ?');
      args.push(q.outcome);
    }
    if (q.q?.trim()) {
      where.push("instr(lower(actor || ' ' || action || ' ' || coalesce(target, '') || ' ' || coalesce(error, '') || ' ' || details || ' ' || roles), lower(?)) > 0");
      args.push(q.q.trim());
    }
    const sqlWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = this.db.prepare(`SELECT COUNT(*) FROM audit_entries ${sqlWhere}`).pluck().get(...args) as number;
    const rows = this.db.prepare(`SELECT * FROM audit_entries ${sqlWhere} ORDER BY seq DESC LIMIT ? OFFSET ?`).all(...args, q.limit, q.offset) as EntryRow[];
    return { rows: rows.map(toRow), total };
  }

  /** The log's size and root, and the last signed checkpoint. */
  head(): AuditHead {
    const size = this.log.size;
    const cp = this.db.prepare('SELECT size, note, created_at AS at FROM audit_checkpoints ORDER BY size DESC LIMIT 1').get() as { size: number; note: string; at: string } | undefined;
    return { origin: this.origin, size, rootHash: toBase64(this.log.root(size)), checkpoint: cp ?? null };
  }

  /** The audit log's verifier key (C2SP note form); generates the key the first time. */
  async verifierKey(): Promise<string> {
    return (await this.keys.load()).vkey;
  }

  /** A checkpoint at `size` signed by the audit key; stored, so the same size is signed once. */
  async checkpoint(size: number = this.log.size): Promise<string> {
    const key = await this.keys.load();
    const stored = this.db.prepare('SELECT note FROM audit_checkpoints WHERE size = ?').pluck().get(size) as string | undefined;
    if (stored && stored.includes(`— ${key.signer.name} `)) return stored;
    const note = signCheckpoint(this.log.checkpoint(this.origin, size), [key.signer]);
    if (!stored) this.db.prepare('INSERT INTO audit_checkpoints (size, note, created_at) VALUES (?, ?, ?)').run(size, note, this.clock().toISOString());
    return note;
  }

  /** The leaves whose time falls in the range, as one contiguous run. */
  private span(range: AuditRange): { first: number; count: number; from: string | null; to: string | null } {
    const from = bound(range.from, 'from');
    const to = bound(range.to, 'to');
    if (from && to && from >= to) throw new AppException('invalid_request', 'The range ends before it starts', { field: 'to' });
    const r = this.db
      .prepare('SELECT MIN(seq) AS first, MAX(seq) AS last FROM audit_entries WHERE at >= ? AND at < ?')
      .get(from ?? '', to ?? '\uffff') as { first: number | null; last: number | null };
    if (r.first === null || r.last === null) throw new AppException('not_found', 'No audit entries in that range', { field: 'from' });
    const count = r.last - r.first + 1;
    if (count > MAX_BUNDLE_ENTRIES) {
      throw new AppException('invalid_request', `${count} entries in that range; export at most ${MAX_BUNDLE_ENTRIES} at a time (narrow the range)`, { field: 'from' });
    }
    return { first: r.first, count, from, to };
  }

  /** Entries of a run, read from the log itself (the evidence), not from the search mirror. */
  private logEntries(first: number, count: number): AuditRow[] {
    const out: AuditRow[] = [];
    for (const e of this.log.entries(first, first + count)) {
      const entry = parseEntry(JSON.parse(Buffer.from(e.data).toString('utf8')));
      if (!entry) throw new Error(`audit leaf ${e.index} is not an audit entry: the log is damaged`);
      out.push({ ...entry, seq: e.index });
    }
    return out;
  }

  /** The bundle of a time range, proven against a checkpoint at the current size. */
  async exportBundle(range: AuditRange = {}): Promise<{ fileName: string; text: string; entries: number; bundle: AuditBundle; rows: AuditRow[] }> {
    const { first, count, from, to } = this.span(range);
    const size = this.log.size;
    const checkpoint = await this.checkpoint(size);
    const key = await this.keys.load();
    const rows = this.logEntries(first, count);
    const exportedAt = this.clock().toISOString();
    const last = toBase64(this.log.leafHash(first + count - 1));
    const statement = signNote(statementText({ origin: this.origin, size, from, to, exportedAt, first, count, last }), [key.signer]);
    const bundle: AuditBundle = {
      format: AUDIT_BUNDLE_FORMAT,
      version: AUDIT_BUNDLE_VERSION,
      origin: this.origin,
      range: { from, to },
      exportedAt,
      entries: rows.map(({ seq, ...entry }) => ({ seq, entry, inclusionProof: this.log.inclusionProof(seq, size).map((h) => toBase64(h)) })),
      checkpoint,
      statement,
      verifierKeys: [key.vkey],
    };
    return { fileName: `${fileStem(from, to)}.json`, text: bundleText(bundle), entries: count, bundle, rows };
  }

  /** An export for the contract: one frame, text or base64. */
  async export(req: AuditRange & { format: 'pdf' | 'csv' | 'bundle' }): Promise<AuditExportResult> {
    let out: AuditExportResult;
    if (req.format === 'csv') {
      const { first, count, from, to } = this.span(req);
      out = { fileName: `${fileStem(from, to)}.csv`, mediaType: 'text/csv', encoding: 'utf8', data: auditCsv(this.logEntries(first, count)), entries: count };
    } else {
      const b = await this.exportBundle(req);
      if (req.format === 'bundle') out = { fileName: b.fileName, mediaType: 'application/json', encoding: 'utf8', data: b.text, entries: b.entries };
      else {
        const pdf = await renderAuditReport(b.text, { vkey: b.bundle.verifierKeys[0] as string, generatedAt: this.clock() });
        out = { fileName: b.fileName.replace(/\.json$/, '.pdf'), mediaType: 'application/pdf', encoding: 'base64', data: Buffer.from(pdf.pdf).toString('base64'), entries: b.entries };
      }
    }
    if (out.data.length > AUDIT_EXPORT_MAX_CHARS) {
      throw new AppException('invalid_request', `The export is ${Math.ceil(out.data.length / 1024)} KiB, too large for the app; narrow the range`, { field: 'from' });
    }
    return out;
  }
}

function fileStem(from: string | null, to: string | null): string {
  const d = (s: string | null, none: string) => (s ? s.slice(0, 19).replace(/[:]/g, '') : none);
  return `cairn-audit-${d(from, 'start')}-to-${d(to, 'now')}`;
}
