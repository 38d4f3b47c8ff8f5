/**
 * CustodyService: jobs, the appliance registry and the custody record.
 * Every event goes one way: checked against the appliance's replayed
 * history by the state machine, signed with the operator's Ed25519 key,
 * and — in one SQLite transaction — written as an event row, appended to
 * the `ledger_custody` Merkle log, and covered by a freshly signed
 * checkpoint. Nothing is ever updated or deleted.
 */
import { randomBytes } from 'node:crypto';
import {
  CUSTODY_PDF_MAX_BASE64,
  CUSTODY_STATES,
  type CustodyExportPdfResult,
  type CustodyApplianceDetail,
  type CustodyBoard,
  type CustodyEventView,
  type CustodyJob,
  type CustodyManifestResult,
  type CustodyManifestSchema,
  type CustodyRecordSchema,
  type CustodyState,
  type CustodyJobInputSchema,
  type RegisterApplianceSchema,
} from '../../src-preload/contract';
import type { z } from 'zod';
import { LEDGER_LOG_PREFIXES, MerkleLog, signCheckpoint, signNote, toBase64 } from '../ledger';
import type { SecretStore } from '../secrets';
import type { Statement } from 'better-sqlite3';
import { statementCache, type Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { BUNDLE_FORMAT, BUNDLE_VERSION, headsText, type Bundle } from './bundle';
import { canonicalJson, sha256Hex, signedMessageOf, type ApplianceSnapshot, type EventBody, type JobSnapshot } from './event';
import { CustodyKeys, type LoadedKeys } from './keys';
import { applyEvent, label, nextSteps, replay, type ReplayState, type TransitionRefusal } from './machine';
import { checkActor, type CustodyActor } from './permissions';
import { MANIFEST_PROBLEMS_SHOWN, parseManifest } from './manifest';
import { renderCustodyReport, type CustodyReport } from './report-pdf';
import { CustodyWriterThread, WriterUnavailable } from './writer-thread';
import { CustodyWrites, type ApplianceRowValues, type BatchGuard, type SignedEvent } from './writes';

type JobInput = z.output<typeof CustodyJobInputSchema>;
type RegisterInput = z.output<typeof RegisterApplianceSchema>;
type RecordInput = z.output<typeof CustodyRecordSchema>;
type ManifestInput = z.output<typeof CustodyManifestSchema>;

interface JobRow {
  id: string;
  customer: string;
  tenant: string;
  direction: 'import' | 'export';
  data_volume_bytes: number;
  origin_site: string;
  destination_site: string;
  reference: string | null;
  created_at: string;
}
interface ApplianceRow {
  id: string;
  job_id: string;
  serial: string;
  model: string;
  capacity_bytes: number;
  firmware_version: string;
  security_module_id: string;
  encryption_key_id: string;
  kms_key_ref: string;
  registered_at: string;
}
interface EventRow {
  appliance_id: string;
  seq: number;
  /** The Merkle leaf the event is stored as (its body is inside: see bodyText). */
  leaf: Buffer;
  event_sha256: string;
  signature: string;
  public_key_id: string;
  leaf_index: number;
}

/** How a step is recorded: who records it (checked against the step's permission) and, for imports and the demo, when. */
export interface RecordOptions {
  actor: CustodyActor;
  at?: Date;
}

/** An event the state machine accepted, with its canonical bytes and hash, ready to be signed. */
export interface CheckedEvent {
  body: EventBody;
  /** What the operator key signs: the signing prefix and the canonical body's bytes. */
  message: Buffer;
  /** The canonical body's bytes (within `message`). */
  bytes: Buffer;
  hash: string;
  state: ReplayState;
}

/**
 * What a batch keeps of a checked event until it is written: its row, its bytes and what to sign. Not the
 * body object or the state after it: batches in flight stay small for the garbage collector.
 */
type UnsignedEvent = Omit<SignedEvent, 'signature'> & { message: Buffer };

const unsigned = (it: CheckedEvent): UnsignedEvent => ({
  applianceId: it.body.applianceId,
  seq: it.body.seq,
  to: it.body.to,
  at: it.body.at,
  hash: it.hash,
  body: it.bytes,
  message: it.message,
});

const signed = (e: UnsignedEvent, signature: string): SignedEvent => ({
  applianceId: e.applianceId,
  seq: e.seq,
  to: e.to,
  at: e.at,
  hash: e.hash,
  body: e.body,
  signature,
});

export interface CustodyServiceOptions {
  db: Db;
  secrets: SecretStore;
  clock?: () => Date;
  /** The OS user the operator key belongs to (tests fix it). */
  user?: string;
  /** Called before each batch is written, with its number of events (the app nudges its WAL checkpointer for large ones). */
  beforeWrite?: (events: number) => void;
  /**
   * Batches of at least this many events are written on the writer thread (writer-thread.ts) when the database
   * is a file; default 256. `Infinity` keeps every write on the calling thread.
   */
  writerThreadMin?: number;
  /** The writer thread to use instead of one on `db`'s file (tests). */
  writerThread?: CustodyWriterThread;
}

/** Below this many events a batch is written on the main thread: the round trip would cost more than it saves. */
export const WRITER_THREAD_MIN = 256;

const newId = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

/**
 * Appliance ids in time order (`apl-` + 12 hex digits of milliseconds + 8 random hex digits, strictly increasing in
 * this process), so a new appliance's rows land at the end of every index keyed on its id rather than on a random
 * page: at a million events that was a tenth of the record path. Unique across processes by the random part.
 */
export function orderedIdAfter(prefix: string, last: string, now: number, random: string): string {
  const id = `${prefix}-${Math.max(0, Math.floor(now)).toString(16).padStart(12, '0')}${random}`;
  if (id > last) return id;
  // Same millisecond (or a clock step back): the previous id plus one, so the order holds.
  const n = BigInt(`0x${last.slice(prefix.length + 1)}`) + 1n;
  return `${prefix}-${n.toString(16).padStart(20, '0')}`;
}

const LEAVES = `${LEDGER_LOG_PREFIXES.custody}_leaves`;
const LEAF_HEAD = Buffer.from('{"event":', 'utf8');

/**
 * An event's canonical body, cut out of its Merkle leaf (the body is stored once, in the log: see leafBytesOf for the
 * layout). The leaf must be exactly that layout with this row's key id and signature, or the store is damaged.
 */
function bodyText(r: Pick<EventRow, 'leaf' | 'leaf_index' | 'public_key_id' | 'signature'>): string {
  const tail = Buffer.from(`,"publicKeyId":${JSON.stringify(r.public_key_id)},"signature":${JSON.stringify(r.signature)}}`, 'utf8');
  const leaf = r.leaf;
  if (leaf.length <= LEAF_HEAD.length + tail.length || !leaf.subarray(0, LEAF_HEAD.length).equals(LEAF_HEAD) || !leaf.subarray(leaf.length - tail.length).equals(tail)) {
    throw new AppException('internal', `custody log leaf ${r.leaf_index} is not the event its row describes: the store is damaged`);
  }
  return leaf.toString('utf8', LEAF_HEAD.length, leaf.length - tail.length);
}

export function refusalError(r: TransitionRefusal): AppException {
  const code = r.code === 'illegal_transition' || r.code === 'out_of_order' ? 'conflict' : 'invalid_request';
  return new AppException(code, r.reason, {
    field: r.field ?? 'to',
    details: { reason: r.code, from: r.from ?? '', to: r.to, allowed: r.allowed.join(',') },
  });
}

export class CustodyService {
  readonly db: Db;
  readonly log: MerkleLog;
  readonly keys: CustodyKeys;
  readonly installId: string;
  readonly clock: () => Date;
  private readonly writes: CustodyWrites;
  /** Writes large batches on another thread (file databases only). */
  private readonly writer: CustodyWriterThread | null;
  private readonly writerThreadMin: number;
  /** Batches committed by the record path, by where they were written (diagnostics, the benchmark, tests). */
  readonly batchesWritten = { writerThread: 0, here: 0 };

  constructor(opts: CustodyServiceOptions) {
    this.db = opts.db;
    this.sql = statementCache(opts.db);
    this.clock = opts.clock ?? (() => new Date());
    this.log = new MerkleLog(opts.db, { prefix: LEDGER_LOG_PREFIXES.custody });
    this.writes = new CustodyWrites(opts.db, this.log);
    this.writerThreadMin = opts.writerThreadMin ?? WRITER_THREAD_MIN;
    const writer = opts.db.memory || this.writerThreadMin === Infinity ? null : (opts.writerThread ?? new CustodyWriterThread(opts.db.name));
    this.writer = writer?.available ? writer : null;
    this.installId = opts.db.prepare('SELECT install_id FROM custody_install WHERE id = 1').pluck().get() as string;
    this.keys = new CustodyKeys(opts.db, opts.secrets, this.installId, opts.user);
    this.beforeWrite = opts.beforeWrite ?? (() => undefined);
  }

  private readonly beforeWrite: (events: number) => void;

  get origin(): string {
    return this.keys.origin;
  }

  private lastApplianceId = '';
  private nextApplianceId(): string {
    this.lastApplianceId = orderedIdAfter('apl', this.lastApplianceId, this.clock().getTime(), randomBytes(4).toString('hex'));
    return this.lastApplianceId;
  }

  /** Prepared once per SQL text: the record path runs the same few statements for every event. */
  private readonly sql: (text: string) => Statement;

  isEmpty(): boolean {
    return this.sql('SELECT (SELECT COUNT(*) FROM custody_jobs) + (SELECT COUNT(*) FROM custody_appliances)').pluck().get() === 0;
  }

  // ---- jobs ----------------------------------------------------------------

  createJob(input: JobInput): CustodyJob {
    const id = newId('job');
    this.sql('INSERT INTO custody_jobs (id, customer, tenant, direction, data_volume_bytes, origin_site, destination_site, reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.customer, input.tenant, input.direction, input.dataVolumeBytes, input.originSite, input.destinationSite, input.reference ?? null, this.clock().toISOString());
    return this.job(id);
  }

  job(id: string): CustodyJob {
    const r = this.sql('SELECT * FROM custody_jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!r) throw new AppException('not_found', `No custody job ${id}`, { field: 'jobId' });
    return this.jobDto(r);
  }

  jobs(): CustodyJob[] {
    return (this.sql('SELECT * FROM custody_jobs ORDER BY created_at, id').all() as JobRow[]).map((r) => this.jobDto(r));
  }

  private jobDto(r: JobRow): CustodyJob {
    const n = this.sql('SELECT COUNT(*) FROM custody_appliances WHERE job_id = ?').pluck().get(r.id) as number;
    return {
      id: r.id,
      customer: r.customer,
      tenant: r.tenant,
      direction: r.direction,
      dataVolumeBytes: r.data_volume_bytes,
      originSite: r.origin_site,
      destinationSite: r.destination_site,
      reference: r.reference,
      createdAt: r.created_at,
      appliances: n,
    };
  }

  // ---- the record path --------------------------------------------------------

  /** Registers an appliance for a job and records its signed `ordered` event. */
  async registerAppliance(input: RegisterInput, opts: RecordOptions): Promise<CustodyApplianceDetail> {
    const [id] = await this.registerBatch([input], opts);
    return this.detail(id as string);
  }

  /** Registers several appliances in one transaction under one checkpoint (imports, the benchmark); returns their ids in order. */
  registerBatch(inputs: readonly RegisterInput[], opts: RecordOptions): Promise<string[]> {
    return this.tracked(this.registerNow(inputs, opts));
  }

  private async registerNow(inputs: readonly RegisterInput[], opts: RecordOptions): Promise<string[]> {
    checkActor(opts.actor, 'ordered');
    const keys = await this.keys.load();
    const jobs = new Map<string, CustodyJob>();
    const serials = new Set<string>();
    const events: UnsignedEvent[] = [];
    const states = new Map<string, ReplayState>();
    const rows: ApplianceRowValues[] = [];
    for (const input of inputs) {
      const job = jobs.get(input.jobId) ?? this.job(input.jobId);
      jobs.set(job.id, job);
      if (serials.has(input.serial)) throw new AppException('conflict', `Appliance serial ${input.serial} appears twice in this batch; register it once`, { field: 'serial' });
      serials.add(input.serial);
      const id = this.nextApplianceId();
      const at = this.timestamp(opts.at);
      rows.push([id, job.id, input.serial, input.model, input.capacityBytes, input.firmwareVersion, input.securityModuleId, input.encryptionKeyId, input.kmsKeyRef, at]);
      const appliance: ApplianceSnapshot = {
        serial: input.serial,
        model: input.model,
        capacityBytes: input.capacityBytes,
        firmwareVersion: input.firmwareVersion,
        securityModuleId: input.securityModuleId,
        encryptionKeyId: input.encryptionKeyId,
        kmsKeyRef: input.kmsKeyRef,
      };
      const jobSnap: JobSnapshot = {
        customer: job.customer,
        tenant: job.tenant,
        direction: job.direction,
        dataVolumeBytes: job.dataVolumeBytes,
        originSite: job.originSite,
        destinationSite: job.destinationSite,
      };
      const body: EventBody = {
        ...this.envelope(keys, id, job.id, 0, null, null, 'ordered', at, input, opts.actor),
        fields: {},
        attachments: [],
        appliance,
        job: jobSnap,
      };
      const checked = this.check(undefined, body);
      states.set(id, checked.state);
      events.push(unsigned(checked));
    }
    // Whether a serial is still open is decided when the batch is written, so two imports cannot both take it.
    await this.pipeline(keys, events, states, { kind: 'register', appliances: rows });
    return rows.map((r) => r[0]);
  }

  /**
   * Checks a shipping manifest (custody/manifest.ts) for a job: every row, and every problem, including serials
   * already in custody. With `apply` and no problem, registers its appliances in one signed batch under one
   * checkpoint (`registerBatch`).
   */
  async registerManifest(input: ManifestInput, opts: RecordOptions): Promise<CustodyManifestResult> {
    checkActor(opts.actor, 'ordered');
    this.job(input.jobId);
    const parsed = parseManifest(input.csv);
    const problems = [...parsed.problems];
    let more = parsed.moreProblems;
    for (const row of parsed.rows) {
      const taken = this.writes.openSerial(row.serial);
      if (!taken) continue;
      if (problems.length < MANIFEST_PROBLEMS_SHOWN) problems.push({ line: row.line, column: 'serial', message: `serial ${row.serial} is already in custody (${taken}); close that record first` });
      else more++;
    }
    if (!input.apply || problems.length || more) return { rows: parsed.rows, problems, moreProblems: more, registered: null, logSize: null };
    const registered = await this.registerBatch(
      parsed.rows.map(({ line: _line, ...appliance }) => ({ ...appliance, jobId: input.jobId, operator: input.operator, site: input.site, reason: input.reason })),
      opts,
    );
    return { rows: parsed.rows, problems: [], moreProblems: 0, registered, logSize: this.log.size };
  }

  /** Records the next event for an appliance. */
  async record(input: RecordInput, opts: RecordOptions): Promise<CustodyApplianceDetail> {
    await this.recordBatch([input], opts);
    return this.detail(input.applianceId);
  }

  /**
   * Records several events in one transaction under one checkpoint: each is
   * checked against its appliance's history including the batch's earlier
   * events, so a batch is exactly a run of single records, only cheaper
   * (one checkpoint signature, one SQLite commit). Returns the log size.
   *
   * Batches are pipelined: a batch is checked against the committed history
   * and the batches still in flight, signed on the signing thread, then
   * committed after the batches checked before it. So while one batch is
   * being signed the next is checked and the previous one written. At commit
   * each appliance's history must still be the one the batch was checked
   * against; if an earlier batch failed, the ones built on it fail too.
   */
  recordBatch(inputs: readonly RecordInput[], opts: RecordOptions): Promise<number> {
    return this.tracked(this.recordNow(inputs, opts));
  }

  /** Record calls not yet settled, which `close` waits for. */
  private readonly recording = new Set<Promise<unknown>>();
  private tracked<T>(p: Promise<T>): Promise<T> {
    this.recording.add(p);
    const done = () => this.recording.delete(p);
    p.then(done, done);
    return p;
  }

  private async recordNow(inputs: readonly RecordInput[], opts: RecordOptions): Promise<number> {
    for (const input of inputs) checkActor(opts.actor, input.to);
    const keys = await this.keys.load();
    const ticket = ++this.tickets;
    const states = new Map<string, ReplayState>();
    /** Per appliance, the last event (seq and hash) the batch was checked against. */
    const bases = new Map<string, { seq: number; hash: string }>();
    const events: UnsignedEvent[] = [];
    for (const input of inputs) {
      let st = states.get(input.applianceId);
      if (!st) {
        st = this.inFlight.get(input.applianceId)?.state;
        if (!st) {
          st = this.committed.get(input.applianceId);
          // A remembered state the form does not match may be stale (another process wrote since): ask the database.
          if (st && st.seq !== input.expectedSeq) {
            this.committed.delete(input.applianceId);
            st = undefined;
          }
        }
        if (!st) {
          this.applianceRow(input.applianceId);
          st = this.replayed(input.applianceId);
        }
        bases.set(input.applianceId, { seq: st.seq, hash: st.lastHash });
      }
      if (input.expectedSeq !== st.seq) {
        throw new AppException('conflict', `The appliance changed since the form was opened (now at event ${st.seq}, ${label(st.state)}); reload and try again`, {
          field: 'expectedSeq',
          details: { reason: 'stale', seq: st.seq, from: st.state },
        });
      }
      const at = this.timestamp(opts.at);
      if (at < st.lastAt) throw new AppException('conflict', `The system clock (${at}) is behind the last event (${st.lastAt}); fix the clock before recording`, { field: 'at' });
      const body: EventBody = {
        ...this.envelope(keys, st.applianceId, st.jobId, st.seq + 1, st.lastHash, st.state, input.to, at, input, opts.actor),
        fields: input.fields,
        attachments: input.attachments,
      };
      const checked = this.check(st, body);
      states.set(st.applianceId, checked.state);
      events.push(unsigned(checked));
    }
    for (const [id, state] of states) this.inFlight.set(id, { state, ticket });
    // Returned, not awaited: this frame (and the caller's inputs with it) is let go while the batch is in flight.
    return this.recordChecked(keys, events, states, { kind: 'record', bases: [...bases].map(([applianceId, b]) => ({ applianceId, ...b })) }, ticket);
  }

  private async recordChecked(keys: LoadedKeys, events: readonly UnsignedEvent[], states: ReadonlyMap<string, ReplayState>, guard: BatchGuard, ticket: number): Promise<number> {
    try {
      return await this.pipeline(keys, events, states, guard);
    } finally {
      for (const id of states.keys()) if (this.inFlight.get(id)?.ticket === ticket) this.inFlight.delete(id);
    }
  }

  /** Appliances with checked events not yet committed: the state after them, and the batch holding them. */
  private readonly inFlight = new Map<string, { state: ReplayState; ticket: number }>();
  /**
   * The state after the last batch this service committed, for the most recent appliances, so the next batch
   * need not replay them from the database. Only a pipelined commit sets an entry (after its transaction has
   * committed); any other write path drops the entries it touches, and the commit-time check (seq and hash)
   * would refuse a stale one anyway, dropping it too.
   */
  private readonly committed = new Map<string, ReplayState>();
  private static readonly COMMITTED_MAX = 8192;

  private remember(states: ReadonlyMap<string, ReplayState>): void {
    for (const [id, state] of states) {
      this.committed.delete(id);
      this.committed.set(id, state);
    }
    for (const id of this.committed.keys()) {
      if (this.committed.size <= CustodyService.COMMITTED_MAX) break;
      this.committed.delete(id);
    }
  }

  private forget(applianceIds: Iterable<string>): void {
    for (const id of applianceIds) this.committed.delete(id);
  }
  private tickets = 0;
  /** Commits run one at a time, in the order their batches were checked. */
  private commitQueue: Promise<unknown> = Promise.resolve();

  /**
   * Signs the checked events (on the signing thread for a large batch) and,
   * after every batch checked before, commits them in one transaction that
   * first runs the batch's guard (its last checks and rows): on the writer
   * thread for a large batch, so this thread is free to check the next.
   */
  private pipeline(keys: LoadedKeys, unsignedEvents: readonly UnsignedEvent[], states: ReadonlyMap<string, ReplayState>, guard: BatchGuard): Promise<number> {
    const messages = unsignedEvents.map((e) => e.message);
    const signer = keys.operator.signer;
    const signing = signer.signMany ? signer.signMany(messages) : Promise.resolve(messages.map((m) => signer.sign(m)));
    // Awaited below, after the earlier commits; until then a failure must not count as unhandled.
    signing.catch(() => undefined);
    const run = this.commitQueue.then(async () => {
      const signatures = (await signing).map(toBase64);
      this.beforeWrite(unsignedEvents.length);
      const events = unsignedEvents.map((e, i) => signed(e, signatures[i] as string));
      const createdAt = this.clock().toISOString();
      const writeHere = () => {
        this.db.transaction(() => {
          this.writes.guard(guard);
          this.writes.append(events, keys.operator.id, this.origin, keys.log.signer, createdAt);
        })();
        this.batchesWritten.here++;
      };
      try {
        if (this.writer?.available && events.length >= this.writerThreadMin && keys.log.signer.privateKey) {
          const autocheckpoint = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
          try {
            await this.writer.write({ guard, events, publicKeyId: keys.operator.id, origin: this.origin, logSigner: keys.log.signer, createdAt, autocheckpoint });
            this.batchesWritten.writerThread++;
          } catch (err) {
            // The thread could not start, so nothing of the batch was written: write it here (and from now on).
            if (!(err instanceof WriterUnavailable)) throw err;
            writeHere();
          }
        } else {
          writeHere();
        }
      } catch (err) {
        this.forget(states.keys());
        throw err;
      }
      this.remember(states);
      return this.log.size;
    });
    this.commitQueue = run.catch(() => undefined);
    return run;
  }

  private envelope(
    keys: LoadedKeys,
    applianceId: string,
    jobId: string,
    seq: number,
    prev: string | null,
    from: CustodyState | null,
    to: CustodyState,
    at: string,
    input: { operator: RecordInput['operator']; site: RecordInput['site']; reason: string },
    actor: CustodyActor,
  ): Omit<EventBody, 'fields' | 'attachments'> {
    return {
      v: 1,
      origin: this.origin,
      applianceId,
      jobId,
      seq,
      prev,
      from,
      to,
      at,
      // The role is the tenancy role that allowed this step; the form's custody title is the capacity acted in.
      operator: { id: actor.id, name: input.operator.name, role: actor.role, publicKeyId: keys.operator.id, capacity: input.operator.role },
      site: input.site.gps ? { name: input.site.name, gps: { lat: input.site.gps.lat, lon: input.site.gps.lon } } : { name: input.site.name },
      reason: input.reason,
    };
  }

  /** Checks one event against the history before it (the state machine); throws the typed refusal. */
  check(prior: ReplayState | undefined, body: EventBody): CheckedEvent {
    const canonical = canonicalJson(body);
    const { message, body: bytes } = signedMessageOf(canonical);
    const hash = sha256Hex(bytes);
    const checked = applyEvent(prior, body, hash);
    if (!checked.ok) throw refusalError(checked.refusal);
    return { body, message, bytes, hash, state: checked.state };
  }

  /**
   * Inside the caller's transaction: sign every checked event with the
   * operator key, append their leaves to the log in one batch, insert the
   * event rows and sign one checkpoint at the new size.
   */
  commit(keys: LoadedKeys, items: readonly CheckedEvent[]): { leafIndex: number; signature: string }[] {
    if (items.length === 0) return [];
    // The caller's transaction may still roll back: the next batch replays these appliances from the database.
    this.forget(items.map((it) => it.body.applianceId));
    const signatures = items.map((it) => toBase64(keys.operator.signer.sign(it.message)));
    const indexes = this.writes.append(
      items.map((it, i) => signed(unsigned(it), signatures[i] as string)),
      keys.operator.id,
      this.origin,
      keys.log.signer,
      this.clock().toISOString(),
    );
    return indexes.map((leafIndex, i) => ({ leafIndex, signature: signatures[i] as string }));
  }

  /** Lets the record calls made before it commit (or fail), then ends the writer thread if one was started (the app's shutdown). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.recording]);
    await this.writer?.close();
  }

  private timestamp(at?: Date): string {
    return (at ?? this.clock()).toISOString();
  }

  // ---- reading ----------------------------------------------------------------

  private applianceRow(id: string): ApplianceRow {
    const a = this.sql('SELECT * FROM custody_appliances WHERE id = ?').get(id) as ApplianceRow | undefined;
    if (!a) throw new AppException('not_found', `No appliance ${id}`, { field: 'applianceId' });
    return a;
  }

  private events(applianceId: string): EventRow[] {
    return this.sql(`SELECT e.*, l.data AS leaf FROM custody_events e JOIN ${LEAVES} l ON l.idx = e.leaf_index WHERE e.appliance_id = ? ORDER BY e.seq`).all(applianceId) as EventRow[];
  }

  /** The appliance's history replayed: state, seals, manifest, sanitisation in progress. */
  replayed(applianceId: string): ReplayState {
    const r = replay(this.events(applianceId).map((e) => ({ body: JSON.parse(bodyText(e)) as EventBody, hash: e.event_sha256 })));
    if (!r.ok || !r.state) throw new AppException('internal', `The stored custody history of ${applianceId} does not replay: ${r.ok ? 'no events' : r.refusal.reason}`);
    return r.state;
  }

  board(): CustodyBoard {
    const rows = this.sql(
        `SELECT a.id, a.serial, a.model, a.job_id, j.customer, e.to_state, e.at, e.seq, e.leaf_index, e.public_key_id, e.signature, l.data AS leaf
         FROM custody_appliances a JOIN custody_jobs j ON j.id = a.job_id
         JOIN custody_events e ON e.appliance_id = a.id AND e.seq = (SELECT MAX(seq) FROM custody_events WHERE appliance_id = a.id)
         JOIN ${LEAVES} l ON l.idx = e.leaf_index
         ORDER BY e.at DESC, a.id`,
      )
      .all() as ({ id: string; serial: string; model: string; job_id: string; customer: string; to_state: CustodyState; at: string; seq: number } & Pick<EventRow, 'leaf' | 'leaf_index' | 'public_key_id' | 'signature'>)[];
    const columns = CUSTODY_STATES.map((state) => ({
      state,
      appliances: rows
        .filter((r) => r.to_state === state)
        .map((r) => ({
          id: r.id,
          serial: r.serial,
          model: r.model,
          jobId: r.job_id,
          customer: r.customer,
          state,
          since: r.at,
          events: r.seq + 1,
          lastOperator: (JSON.parse(bodyText(r)) as EventBody).operator.name,
        })),
    })).filter((c) => c.appliances.length > 0);
    return { columns, jobs: this.jobs(), origin: this.origin, logSize: this.log.size };
  }

  detail(applianceId: string): CustodyApplianceDetail {
    const a = this.applianceRow(applianceId);
    const rows = this.events(applianceId);
    const st = this.replayed(applianceId);
    const timeline: CustodyEventView[] = rows.map((r) => {
      const b = JSON.parse(bodyText(r)) as EventBody;
      return {
        seq: b.seq,
        from: b.from,
        to: b.to,
        at: b.at,
        operator: { id: b.operator.id, name: b.operator.name, role: b.operator.role, ...(b.operator.capacity ? { capacity: b.operator.capacity } : {}) },
        site: b.site,
        reason: b.reason,
        fields: b.fields,
        attachments: b.attachments,
        eventSha256: r.event_sha256,
        publicKeyId: r.public_key_id,
        leafIndex: r.leaf_index,
      };
    });
    return {
      appliance: {
        id: a.id,
        jobId: a.job_id,
        serial: a.serial,
        model: a.model,
        capacityBytes: a.capacity_bytes,
        firmwareVersion: a.firmware_version,
        securityModuleId: a.security_module_id,
        encryptionKeyId: a.encryption_key_id,
        kmsKeyRef: a.kms_key_ref,
        registeredAt: a.registered_at,
      },
      job: this.job(a.job_id),
      state: st.state,
      seq: st.seq,
      seals: st.seals,
      allowedNext: nextSteps(st.state),
      timeline,
    };
  }

  // ---- export --------------------------------------------------------------------

  /** The bundle for one appliance or one job, proven against the current checkpoint. */
  async exportBundle(scope: Bundle['scope']): Promise<{ fileName: string; text: string; events: number; bundle: Bundle }> {
    const keys = await this.keys.load();
    let rows: EventRow[];
    if (scope.kind === 'appliance') {
      this.applianceRow(scope.id);
      rows = this.events(scope.id);
    } else {
      this.job(scope.id);
      rows = this.sql(`SELECT e.*, l.data AS leaf FROM custody_events e JOIN custody_appliances a ON a.id = e.appliance_id JOIN ${LEAVES} l ON l.idx = e.leaf_index WHERE a.job_id = ? ORDER BY e.leaf_index`)
        .all(scope.id) as EventRow[];
    }
    if (rows.length === 0) throw new AppException('not_found', `No custody events for ${scope.kind} ${scope.id}`, { field: 'id' });
    rows.sort((x, y) => x.leaf_index - y.leaf_index);
    const size = this.log.size;
    let checkpoint = this.sql('SELECT note FROM custody_checkpoints WHERE size = ?').pluck().get(size) as string | undefined;
    // Checkpoints signed with an older log key (say, an ephemeral run) are re-signed with the current one.
    if (!checkpoint || !checkpoint.includes(`— ${keys.log.signer.name} `)) checkpoint = signCheckpoint(this.log.checkpoint(this.origin, size), [keys.log.signer]);
    const heads = new Map<string, { count: number; last: string }>();
    for (const r of rows) heads.set(r.appliance_id, { count: r.seq + 1, last: r.event_sha256 });
    const exportedAt = this.clock().toISOString();
    const statement = signNote(
      headsText(this.origin, size, scope, exportedAt, [...heads].map(([applianceId, h]) => ({ applianceId, ...h }))),
      [keys.log.signer],
    );
    const keyIds = [...new Set(rows.map((r) => r.public_key_id))];
    const publicKeys = keyIds.map((id) => ({ id, vkey: this.sql('SELECT vkey FROM custody_keys WHERE key_id = ?').pluck().get(id) as string }));
    const bundle: Bundle = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      origin: this.origin,
      scope,
      exportedAt,
      events: rows.map((r) => ({
        event: JSON.parse(bodyText(r)) as unknown,
        signature: r.signature,
        publicKeyId: r.public_key_id,
        leafIndex: r.leaf_index,
        inclusionProof: this.log.inclusionProof(r.leaf_index, size).map((h) => toBase64(h)),
      })),
      publicKeys,
      checkpoint,
      heads: statement,
      verifierKeys: [keys.log.vkey],
    };
    const text = `${JSON.stringify(bundle, null, 2)}\n`;
    const name = scope.kind === 'appliance' ? (this.applianceRow(scope.id).serial || scope.id) : scope.id;
    return { fileName: `custody-${scope.kind}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`, text, events: rows.length, bundle };
  }

  /**
   * The PDF audit report of a fresh export bundle, verified against this
   * installation's own log key (pinned, since it is ours). The report's
   * footer carries the SHA-256 of `bundleText`; hand both out together.
   */
  async exportReport(scope: Bundle['scope']): Promise<CustodyReport & { fileName: string; bundleText: string }> {
    const out = await this.exportBundle(scope);
    const report = await renderCustodyReport(out.text, { vkey: out.bundle.verifierKeys[0] as string, generatedAt: this.clock() });
    return { ...report, fileName: out.fileName.replace(/\.json$/, '.pdf'), bundleText: out.text };
  }

  /** The report for the contract: base64, bounded to one WebSocket frame (the CLI has no such limit). */
  async exportPdf(scope: Bundle['scope']): Promise<CustodyExportPdfResult> {
    const r = await this.exportReport(scope);
    const base64 = Buffer.from(r.pdf).toString('base64');
    if (base64.length > CUSTODY_PDF_MAX_BASE64) {
      throw new AppException('invalid_request', `The report is ${Math.ceil(r.pdf.byteLength / 1024)} KiB, too large for the app; use \`cairn custody report\``, { field: 'id' });
    }
    return { fileName: r.fileName, base64, pages: r.pages, bundleSha256: r.bundleSha256, valid: r.verification.valid };
  }
}
