/**
 * SurveyService: site surveys stored on this machine. Every save that
 * changes the content appends a content-addressed revision (autosave
 * included: an unchanged autosave writes nothing); photos are stored by
 * SHA-256 beside the database; the engineer signs a revision with the key
 * in the SecretStore; a survey leaves as a signed bundle and comes back
 * through `importBundle`, which creates, fast-forwards, merges, or stops at
 * the conflicts for the operator to decide (`resolve`). A survey can feed a
 * site plan (`linkPlan`), so its racks and power go to the power engine.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import {
  SURVEY_MAX_PHOTOS,
  SurveyDataSchema,
  type SignatureStatus,
  type SiteDetailResult,
  type SurveyData,
  type SurveyDetail,
  type SurveyImportResult,
  type SurveyMerge,
  type SurveySignature,
  type SurveySummary,
} from '../../src-preload/contract';
import type { CatalogueResult, SitePlanInput } from '../power';
import type { SecretStore } from '../secrets';
import type { SitesService } from '../sites';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import { AttachmentStore } from './attachments';
import { bundleRefusal, MAX_ANCESTRY, readBundle, writeBundle } from './bundle';
import { canonicalJson, contentSha256, revisionId } from './canonical';
import { evaluateSurvey, type PlanFindings, type SurveyEvaluation } from './evaluate';
import { ABSENT, threeWayMerge, type Choice } from './merge';
import { buildReadinessReport } from './report';
import { renderReadinessPdf } from './report-pdf';
import { EngineerKeys, signatureProblem, signRevision } from './signing';

/** All photos of one survey together; keeps a bundle well inside SURVEY_BUNDLE_MAX_BYTES. */
export const SURVEY_PHOTOS_MAX_TOTAL = 96 * 1024 * 1024;

interface SurveyRow {
  id: string;
  name: string;
  head: string;
  created_at: string;
  updated_at: string;
}
interface RevisionRow {
  revision_id: string;
  seq: number;
  parents_json: string;
  ancestry_json: string;
  data_json: string;
  saved_at: string;
  reason: string;
}
interface MergeRow {
  id: string;
  survey_id: string;
  base_revision: string | null;
  mine_revision: string;
  theirs_revision: string;
  theirs_signer: string;
  created_at: string;
  resolved_at: string | null;
}

export interface SurveyServiceOptions {
  db: Db;
  /** Where photos are kept (`<data dir>/survey-attachments`). */
  attachmentsDir: string;
  secrets: SecretStore;
  /** To link a survey to a site plan and read the plan's budgets; absent in the CLI's offline commands. */
  sites?: SitesService;
  catalogue?: CatalogueResult;
  now?: () => Date;
}

export interface RevisionInfo {
  id: string;
  parents: string[];
  savedAt: string;
  reason: string;
}

function osUser(): string {
  try {
    return userInfo().username || 'engineer';
  } catch {
    return 'engineer';
  }
}

/** zod issue path → `$.racks[0].heightU`. */
const jsonPath = (path: readonly PropertyKey[]) => path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${String(k)}`), '$');

export function parseSurvey(data: unknown): SurveyData {
  const r = SurveyDataSchema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new AppException('invalid_request', `Invalid survey: ${i ? `${jsonPath(i.path)}: ${i.message}` : 'invalid'}`, {
      field: i ? jsonPath(i.path) : '$',
      details: { issues: r.error.issues.length },
    });
  }
  const d = r.data;
  // Ids name items across machines (the merge pairs them by id), so they must be unique per list.
  const lists: [string, { id: string }[]][] = [
    ['rooms', d.rooms],
    ['racks', d.racks],
    ['power.feeds', d.power.feeds],
    ['cooling.inletReadings', d.cooling.inletReadings],
    ['network.uplinks', d.network.uplinks],
  ];
  for (const [name, items] of lists) {
    const seen = new Set<string>();
    items.forEach((x, i) => {
      if (seen.has(x.id)) throw new AppException('invalid_request', `Invalid survey: $.${name}[${i}].id: duplicate id "${x.id}"`, { field: `$.${name}[${i}].id` });
      seen.add(x.id);
    });
  }
  const photos = new Set<string>();
  d.photos.forEach((p, i) => {
    if (photos.has(p.sha256)) throw new AppException('invalid_request', `Invalid survey: $.photos[${i}]: the photo is attached twice`, { field: `$.photos[${i}].sha256` });
    photos.add(p.sha256);
  });
  const rackIds = new Set(d.racks.map((r) => r.id));
  const roomIds = new Set(d.rooms.map((r) => r.id));
  d.racks.forEach((r, i) => {
    if (r.roomId !== null && !roomIds.has(r.roomId)) throw new AppException('invalid_request', `Invalid survey: $.racks[${i}].roomId: no room "${r.roomId}"`, { field: `$.racks[${i}].roomId` });
  });
  d.power.feeds.forEach((f, i) => {
    if (f.rackId !== null && !rackIds.has(f.rackId)) throw new AppException('invalid_request', `Invalid survey: $.power.feeds[${i}].rackId: no rack "${f.rackId}"`, { field: `$.power.feeds[${i}].rackId` });
  });
  d.cooling.inletReadings.forEach((x, i) => {
    if (x.rackId !== null && !rackIds.has(x.rackId))
      throw new AppException('invalid_request', `Invalid survey: $.cooling.inletReadings[${i}].rackId: no rack "${x.rackId}"`, { field: `$.cooling.inletReadings[${i}].rackId` });
  });
  return d;
}

export class SurveyService {
  readonly attachments: AttachmentStore;
  private readonly db: Db;
  private readonly keys: EngineerKeys;
  private readonly now: () => Date;

  constructor(private readonly opts: SurveyServiceOptions) {
    this.db = opts.db;
    this.attachments = new AttachmentStore(opts.attachmentsDir);
    this.keys = new EngineerKeys(opts.secrets);
    this.now = opts.now ?? (() => new Date());
  }

  // ---- reading ------------------------------------------------------------------

  private row(id: string): SurveyRow {
    const r = this.db.prepare('SELECT * FROM surveys WHERE id = ?').get(id) as SurveyRow | undefined;
    if (!r) throw new AppException('not_found', `No survey "${id}"`, { field: 'id' });
    return r;
  }

  private revision(surveyId: string, revId: string): RevisionRow | undefined {
    return this.db.prepare('SELECT * FROM survey_revisions WHERE survey_id = ? AND revision_id = ?').get(surveyId, revId) as RevisionRow | undefined;
  }

  private dataAt(surveyId: string, revId: string): SurveyData {
    const r = this.revision(surveyId, revId);
    if (!r) throw new AppException('not_found', `Survey "${surveyId}" has no revision ${revId.slice(0, 12)}…`, { field: 'revision' });
    return JSON.parse(r.data_json) as SurveyData;
  }

  private openMergeId(surveyId: string): string | null {
    return (this.db.prepare('SELECT id FROM survey_merges WHERE survey_id = ? AND resolved_at IS NULL').pluck().get(surveyId) as string | undefined) ?? null;
  }

  private signatures(surveyId: string): SurveySignature[] {
    return (this.db.prepare('SELECT body_json FROM survey_signatures WHERE survey_id = ? ORDER BY signed_at, key_id').pluck().all(surveyId) as string[]).map((j) => JSON.parse(j) as SurveySignature);
  }

  private signatureStatus(surveyId: string, data: SurveyData): SignatureStatus[] {
    const current = contentSha256(data);
    return this.signatures(surveyId).map((s) => {
      const { vkey: _vkey, signature: _sig, ...rest } = s;
      return { ...rest, valid: signatureProblem(surveyId, s) === null, current: s.contentSha256 === current };
    });
  }

  /** The linked plan's error-severity violations, for the checklist (none when there is no plan or it is gone). */
  private planFindings(data: SurveyData): PlanFindings | null {
    const plan = this.linkedPlan(data);
    if (!plan?.report) return null;
    return { errors: plan.report.violations.filter((v) => v.severity === 'error').map((v) => ({ code: v.code, message: v.message })) };
  }

  linkedPlan(data: SurveyData): SiteDetailResult | null {
    if (!data.site.planId || !this.opts.sites) return null;
    try {
      return this.opts.sites.get(data.site.planId);
    } catch (err) {
      if (err instanceof AppException && err.code === 'not_found') return null;
      throw err;
    }
  }

  evaluate(data: SurveyData): SurveyEvaluation {
    return evaluateSurvey(data, this.planFindings(data));
  }

  list(): SurveySummary[] {
    const rows = this.db.prepare('SELECT * FROM surveys ORDER BY updated_at DESC, id').all() as SurveyRow[];
    return rows.map((r) => {
      const data = this.dataAt(r.id, r.head);
      const ev = this.evaluate(data);
      const sigs = this.signatureStatus(r.id, data);
      const count = (s: string) => ev.checklist.filter((c) => c.status === s).length;
      return {
        id: r.id,
        name: r.name,
        kind: data.site.kind,
        revisionId: r.head,
        revisions: this.revisionCount(r.id),
        updatedAt: r.updated_at,
        signed: sigs.some((s) => s.current && s.valid) ? 'signed' : sigs.length ? 'changed-since' : 'unsigned',
        checklist: { pass: count('pass'), attention: count('attention'), fail: count('fail'), unknown: count('unknown') },
        pendingMerge: this.openMergeId(r.id),
      };
    });
  }

  private revisionCount(id: string): number {
    return this.db.prepare('SELECT COUNT(*) FROM survey_revisions WHERE survey_id = ?').pluck().get(id) as number;
  }

  get(id: string): SurveyDetail {
    const r = this.row(id);
    const data = this.dataAt(id, r.head);
    const ev = this.evaluate(data);
    return {
      id,
      data,
      revisionId: r.head,
      revisions: this.revisionCount(id),
      updatedAt: r.updated_at,
      checklist: ev.checklist,
      inlets: ev.inlets,
      signatures: this.signatureStatus(id, data),
      pendingMerge: this.openMergeId(id),
    };
  }

  history(id: string): RevisionInfo[] {
    this.row(id);
    return (this.db.prepare('SELECT revision_id, parents_json, saved_at, reason FROM survey_revisions WHERE survey_id = ? ORDER BY seq').all(id) as RevisionRow[]).map((r) => ({
      id: r.revision_id,
      parents: JSON.parse(r.parents_json) as string[],
      savedAt: r.saved_at,
      reason: r.reason,
    }));
  }

  /** Every revision `revId` descends from, nearest first (local parents, then what imported bundles said). */
  ancestry(surveyId: string, revId: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>([revId]);
    const queue = [revId];
    while (queue.length && out.length < MAX_ANCESTRY) {
      const r = this.revision(surveyId, queue.shift() as string);
      if (!r) continue;
      for (const p of [...(JSON.parse(r.parents_json) as string[]), ...(JSON.parse(r.ancestry_json) as string[])]) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push(p);
        queue.push(p);
      }
    }
    return out.slice(0, MAX_ANCESTRY);
  }

  // ---- writing ------------------------------------------------------------------

  private append(surveyId: string, parents: string[], ancestry: string[], data: SurveyData, reason: string, at: string): string {
    const id = revisionId(surveyId, parents, data);
    if (this.revision(surveyId, id)) return id;
    const seq = ((this.db.prepare('SELECT MAX(seq) FROM survey_revisions WHERE survey_id = ?').pluck().get(surveyId) as number | null) ?? 0) + 1;
    this.db
      .prepare('INSERT INTO survey_revisions (survey_id, revision_id, seq, parents_json, ancestry_json, data_json, saved_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(surveyId, id, seq, JSON.stringify(parents), JSON.stringify(ancestry), JSON.stringify(data), at, reason);
    return id;
  }

  private setHead(surveyId: string, head: string, name: string, at: string): void {
    this.db.prepare('UPDATE surveys SET head = ?, name = ?, updated_at = ? WHERE id = ?').run(head, name, at, surveyId);
  }

  private checkExpected(row: SurveyRow, expected: string | undefined): void {
    if (expected !== undefined && expected !== row.head) {
      throw new AppException('conflict', `Survey "${row.name}" changed since this edit started (now at ${row.head.slice(0, 12)}…); reload it`, { field: 'expectedRevision' });
    }
  }

  private checkPhotos(data: SurveyData): void {
    data.photos.forEach((p, i) => {
      if (!this.attachments.has(p.sha256)) throw new AppException('invalid_request', `Photo "${p.fileName}" is not stored on this machine; attach it with survey:attach`, { field: `$.photos[${i}].sha256` });
    });
  }

  /** Creates a survey, or appends a revision when the content changed (an unchanged autosave writes nothing). */
  save(req: { id?: string | undefined; expectedRevision?: string | undefined; data: unknown; autosave?: boolean }, opts: { newId?: string; reason?: string } = {}): SurveyDetail {
    const data = parseSurvey(req.data);
    this.checkPhotos(data);
    const at = this.now().toISOString();
    if (req.id === undefined) {
      const id = opts.newId ?? `survey-${randomBytes(6).toString('hex')}`;
      this.db.transaction(() => {
        // The head is set right after the first revision exists (FK from revisions to surveys).
        this.db.prepare('INSERT INTO surveys (id, name, head, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, data.site.name, '', at, at);
        const head = this.append(id, [], [], data, opts.reason ?? 'created', at);
        this.setHead(id, head, data.site.name, at);
      })();
      return this.get(id);
    }
    const row = this.row(req.id);
    this.checkExpected(row, req.expectedRevision);
    const current = this.dataAt(row.id, row.head);
    if (canonicalJson(current) === canonicalJson(data)) return this.get(row.id);
    this.db.transaction(() => {
      const head = this.append(row.id, [row.head], [], data, opts.reason ?? (req.autosave ? 'autosave' : 'saved'), at);
      this.setHead(row.id, head, data.site.name, at);
    })();
    return this.get(row.id);
  }

  attach(req: { id: string; expectedRevision?: string | undefined; fileName: string; caption?: string }, bytes: Uint8Array): SurveyDetail {
    const row = this.row(req.id);
    this.checkExpected(row, req.expectedRevision);
    const data = this.dataAt(row.id, row.head);
    if (data.photos.length >= SURVEY_MAX_PHOTOS) throw new AppException('conflict', `A survey holds at most ${SURVEY_MAX_PHOTOS} photos`, { field: 'uploadId' });
    const total = data.photos.reduce((n, p) => n + p.bytes, 0);
    if (total + bytes.length > SURVEY_PHOTOS_MAX_TOTAL) throw new AppException('conflict', `The survey's photos would exceed ${SURVEY_PHOTOS_MAX_TOTAL} bytes together`, { field: 'uploadId' });
    const stored = this.attachments.put(bytes);
    if (data.photos.some((p) => p.sha256 === stored.sha256)) throw new AppException('conflict', `This photo is already attached (SHA-256 ${stored.sha256.slice(0, 12)}…)`, { field: 'uploadId' });
    const at = this.now().toISOString();
    this.db.prepare('INSERT OR IGNORE INTO survey_attachments (sha256, media_type, bytes, created_at) VALUES (?, ?, ?, ?)').run(stored.sha256, stored.mediaType, stored.bytes, at);
    const fileName = req.fileName.replace(/^.*[\\/]/, '').slice(0, 200) || 'photo';
    const next: SurveyData = { ...data, photos: [...data.photos, { sha256: stored.sha256, fileName, mediaType: stored.mediaType, bytes: stored.bytes, caption: req.caption ?? '', addedAt: at }] };
    return this.save({ id: row.id, expectedRevision: row.head, data: next }, { reason: `photo ${fileName} attached` });
  }

  detach(req: { id: string; expectedRevision?: string | undefined; sha256: string }): SurveyDetail {
    const row = this.row(req.id);
    this.checkExpected(row, req.expectedRevision);
    const data = this.dataAt(row.id, row.head);
    const photo = data.photos.find((p) => p.sha256 === req.sha256);
    if (!photo) throw new AppException('not_found', `No photo ${req.sha256.slice(0, 12)}… in this survey`, { field: 'sha256' });
    // The file stays in the store: older revisions and bundles still name it.
    return this.save({ id: row.id, expectedRevision: row.head, data: { ...data, photos: data.photos.filter((p) => p !== photo) } }, { reason: `photo ${photo.fileName} removed` });
  }

  /** The engineer signs the current revision: name, key fingerprint, time, revision id and content hash. */
  async sign(req: { id: string; expectedRevision?: string | undefined; engineer: string }): Promise<SurveyDetail> {
    const key = await this.keys.load();
    const row = this.row(req.id);
    this.checkExpected(row, req.expectedRevision);
    const data = this.dataAt(row.id, row.head);
    const sig = signRevision(key, row.id, { engineer: req.engineer.trim(), signedAt: this.now().toISOString(), revisionId: row.head, contentSha256: contentSha256(data) });
    this.insertSignature(row.id, sig);
    return this.get(row.id);
  }

  private insertSignature(surveyId: string, s: SurveySignature): void {
    this.db
      .prepare('INSERT OR IGNORE INTO survey_signatures (survey_id, revision_id, key_id, signed_at, body_json) VALUES (?, ?, ?, ?, ?)')
      .run(surveyId, s.revisionId, s.keyId, s.signedAt, JSON.stringify(s));
  }

  // ---- site plan ----------------------------------------------------------------

  /** Puts the surveyed racks and power into a site plan (a new one, or `planId`), and records the link. */
  linkPlan(req: { id: string; planId?: string | undefined }): SurveyDetail {
    const sites = this.opts.sites;
    const cat = this.opts.catalogue;
    if (!sites || !cat) throw new AppException('not_found', 'Site plans are not available here');
    if (!cat.ok) throw new AppException('not_found', 'The hardware catalogue is not loaded, so no site plan can be made');
    const row = this.row(req.id);
    const data = this.dataAt(row.id, row.head);
    if (data.racks.length === 0) throw new AppException('invalid_request', 'Survey at least one rack before making a site plan from it', { field: '$.racks' });
    const targetId = req.planId ?? data.site.planId ?? undefined;
    const existing = targetId ? sites.get(targetId) : null;
    const plan = planFromSurvey(data, cat, existing?.plan as SitePlanInput | undefined);
    const saved = sites.save({ ...(existing ? { id: existing.site.id, expectedRevision: existing.site.revision } : {}), plan }, { reason: `from survey ${data.site.name}` });
    if (data.site.planId === saved.site.id) return this.get(row.id);
    return this.save({ id: row.id, expectedRevision: row.head, data: { ...data, site: { ...data.site, planId: saved.site.id } } }, { reason: `linked to site plan ${saved.site.id}` });
  }

  // ---- bundles ------------------------------------------------------------------

  async exportBundle(id: string, engineer?: string): Promise<{ fileName: string; bytes: Buffer }> {
    const key = await this.keys.load();
    const row = this.row(id);
    const rev = this.revision(id, row.head) as RevisionRow;
    const data = JSON.parse(rev.data_json) as SurveyData;
    const sigs = this.signatures(id);
    const name = engineer?.trim() || sigs.filter((s) => s.keyId === key.keyId).at(-1)?.engineer || osUser();
    const bytes = writeBundle(key, {
      surveyId: id,
      exportedAt: this.now().toISOString(),
      engineer: name,
      revision: { id: row.head, parents: JSON.parse(rev.parents_json) as string[], savedAt: rev.saved_at, ancestry: this.ancestry(id, row.head) },
      survey: data,
      signatures: sigs,
      attachments: data.photos.map((p) => ({ sha256: p.sha256, mediaType: p.mediaType, bytes: this.attachments.get(p.sha256) })),
    });
    const slug = data.site.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'site';
    return { fileName: `survey-${slug}-${row.head.slice(0, 8)}.cairn-survey`, bytes };
  }

  /** Verifies a bundle and brings it in: created, up to date, fast-forward, merged, or stopped at conflicts. */
  importBundle(bytes: Uint8Array, opts: { trustedFingerprint?: string | undefined } = {}): SurveyImportResult {
    const read = readBundle(bytes, opts.trustedFingerprint ? { trustedFingerprint: opts.trustedFingerprint } : {});
    if (!read.ok) throw bundleRefusal(read.problems);
    const b = read.bundle;
    const m = b.manifest;
    const sid = m.surveyId;
    const theirs = m.revision.id;
    const at = this.now().toISOString();
    const signerLabel = `${b.signer.name || 'unnamed'} (${b.signer.fingerprint.slice(0, 16)}…)`;
    const result = (outcome: SurveyImportResult['outcome'], merge: SurveyMerge | null = null): SurveyImportResult => ({
      outcome,
      survey: this.get(sid),
      merge,
      signer: b.signer,
      attachments: b.attachments.size,
    });

    let outcome: SurveyImportResult['outcome'] = 'up-to-date';
    let mergeId: string | null = null;
    this.db.transaction(() => {
      for (const [sha, data] of b.attachments) {
        const stored = this.attachments.put(data);
        this.db.prepare('INSERT OR IGNORE INTO survey_attachments (sha256, media_type, bytes, created_at) VALUES (?, ?, ?, ?)').run(sha, stored.mediaType, stored.bytes, at);
      }
      const exists = this.db.prepare('SELECT head FROM surveys WHERE id = ?').pluck().get(sid) as string | undefined;
      const reason = `imported from ${signerLabel}`;
      if (exists === undefined) {
        this.db.prepare('INSERT INTO surveys (id, name, head, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(sid, b.survey.site.name, '', at, at);
        this.insertImported(sid, m.revision, b.survey, reason, at);
        this.setHead(sid, theirs, b.survey.site.name, at);
        outcome = 'created';
      } else {
        const head = exists;
        const mineAncestry = new Set([head, ...this.ancestry(sid, head)]);
        if (mineAncestry.has(theirs)) outcome = 'up-to-date';
        else {
          this.insertImported(sid, m.revision, b.survey, reason, at);
          if (new Set(m.revision.ancestry).has(head) || m.revision.parents.includes(head)) {
            this.setHead(sid, theirs, b.survey.site.name, at);
            outcome = 'fast-forward';
          } else {
            const candidates = [...m.revision.parents, ...m.revision.ancestry];
            const baseId = candidates.find((c) => mineAncestry.has(c) && this.revision(sid, c) !== undefined) ?? null;
            const mine = this.dataAt(sid, head);
            const merged = threeWayMerge(baseId ? this.dataAt(sid, baseId) : ABSENT, mine, b.survey);
            if (merged.conflicts.length === 0) {
              const data = parseSurvey(merged.merged);
              const rev = this.append(sid, [head, theirs], [], data, `merged with ${signerLabel}`, at);
              this.setHead(sid, rev, data.site.name, at);
              outcome = 'merged';
            } else {
              // One open merge per survey: a newer import replaces the one still waiting.
              this.db.prepare('UPDATE survey_merges SET resolved_at = ? WHERE survey_id = ? AND resolved_at IS NULL').run(at, sid);
              mergeId = `merge-${randomBytes(6).toString('hex')}`;
              this.db
                .prepare('INSERT INTO survey_merges (id, survey_id, base_revision, mine_revision, theirs_revision, theirs_signer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
                .run(mergeId, sid, baseId, head, theirs, signerLabel, at);
              outcome = 'conflicts';
            }
          }
        }
      }
      for (const s of b.signatures) this.insertSignature(sid, s);
    })();
    return result(outcome, mergeId ? this.merge(sid) : null);
  }

  private insertImported(sid: string, rev: { id: string; parents: string[]; ancestry: string[] }, data: SurveyData, reason: string, at: string): void {
    if (this.revision(sid, rev.id)) return;
    const id = this.append(sid, rev.parents, rev.ancestry, data, reason, at);
    // The bundle was checked to carry this very id; a difference here would be a bug.
    if (id !== rev.id) throw new Error(`imported revision id mismatch: ${id} vs ${rev.id}`);
  }

  private mergeRow(idOrSurvey: string): MergeRow {
    const r = (this.db.prepare('SELECT * FROM survey_merges WHERE id = ?').get(idOrSurvey) ??
      this.db.prepare('SELECT * FROM survey_merges WHERE survey_id = ? AND resolved_at IS NULL').get(idOrSurvey)) as MergeRow | undefined;
    if (!r) throw new AppException('not_found', `No open merge for "${idOrSurvey}"`, { field: 'id' });
    return r;
  }

  /**
   * Base, mine and theirs of an open merge. "Mine" is the survey as it is now: edits made
   * while the merge waited (the head only moves forward from the version it was opened on)
   * are part of this side, so the conflicts are recomputed rather than frozen at import.
   */
  private mergeInputs(r: MergeRow) {
    const head = this.row(r.survey_id).head;
    return {
      head,
      base: r.base_revision ? this.dataAt(r.survey_id, r.base_revision) : ABSENT,
      mine: this.dataAt(r.survey_id, head),
      theirs: this.dataAt(r.survey_id, r.theirs_revision),
    };
  }

  /** The open merge of a survey (by survey id or merge id): every conflicting field side by side. */
  merge(id: string): SurveyMerge {
    const r = this.mergeRow(id);
    if (r.resolved_at !== null) throw new AppException('conflict', `Merge ${r.id} is already closed`, { field: 'id' });
    const { head, base, mine, theirs } = this.mergeInputs(r);
    const m = threeWayMerge(base, mine, theirs);
    return {
      id: r.id,
      surveyId: r.survey_id,
      baseRevision: r.base_revision,
      mineRevision: head,
      theirsRevision: r.theirs_revision,
      theirsSigner: r.theirs_signer,
      createdAt: r.created_at,
      autoMerged: m.autoMerged,
      conflicts: m.conflicts,
    };
  }

  /** Applies one decision per conflict; the result is a new revision whose parents are both versions. */
  resolve(req: { mergeId: string; decisions: { path: string; choice: Choice }[] }): SurveyDetail {
    const r = this.db.prepare('SELECT * FROM survey_merges WHERE id = ?').get(req.mergeId) as MergeRow | undefined;
    if (!r) throw new AppException('not_found', `No merge "${req.mergeId}"`, { field: 'mergeId' });
    if (r.resolved_at !== null) throw new AppException('conflict', `Merge ${r.id} is already closed`, { field: 'mergeId' });
    const { head, base, mine, theirs } = this.mergeInputs(r);
    const open = new Set(threeWayMerge(base, mine, theirs).conflicts.map((c) => c.path));
    const decisions = new Map<string, Choice>();
    for (const d of req.decisions) {
      if (!open.has(d.path)) throw new AppException('invalid_request', `"${d.path}" is not a conflict of this merge`, { field: 'decisions' });
      decisions.set(d.path, d.choice);
    }
    const missing = [...open].filter((p) => !decisions.has(p));
    if (missing.length) throw new AppException('invalid_request', `Decide every conflict: ${missing.length} left (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`, { field: 'decisions', details: { missing: missing.length } });
    const m = threeWayMerge(base, mine, theirs, { decisions });
    const data = parseSurvey(m.merged);
    this.checkPhotos(data);
    const at = this.now().toISOString();
    this.db.transaction(() => {
      const rev = this.append(r.survey_id, [head, r.theirs_revision], [], data, `merged with ${r.theirs_signer}: ${decisions.size} decision${decisions.size === 1 ? '' : 's'}`, at);
      this.setHead(r.survey_id, rev, data.site.name, at);
      this.db.prepare('UPDATE survey_merges SET resolved_at = ?, resolution_revision = ? WHERE id = ?').run(at, rev, r.id);
    })();
    return this.get(r.survey_id);
  }

  /** Photos with bytes, for the report (a photo missing or damaged on disk is reported as not stored). */
  photoBytes(data: SurveyData): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    for (const p of data.photos) {
      try {
        out.set(p.sha256, this.attachments.get(p.sha256));
      } catch (err) {
        if (!(err instanceof AppException)) throw err;
      }
    }
    return out;
  }

  /** The site-readiness report: the JSON text, and the PDF drawn from it. */
  async report(id: string, format: 'json' | 'pdf', generatedAt: Date = this.now()): Promise<{ fileName: string; mediaType: string; bytes: Buffer; pages: number | null; json: string }> {
    const detail = this.get(id);
    const photos = this.photoBytes(detail.data);
    const json = `${JSON.stringify(buildReadinessReport(detail, this.evaluate(detail.data), this.linkedPlan(detail.data), new Set(photos.keys()), generatedAt), null, 2)}\n`;
    const slug = detail.data.site.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'site';
    const base = `site-readiness-${slug}-${detail.revisionId.slice(0, 8)}`;
    if (format === 'json') return { fileName: `${base}.json`, mediaType: 'application/json', bytes: Buffer.from(json, 'utf8'), pages: null, json };
    const pdf = await renderReadinessPdf(json, photos);
    return { fileName: `${base}.pdf`, mediaType: 'application/pdf', bytes: Buffer.from(pdf.pdf), pages: pdf.pages, json };
  }
}

/** The site plan the survey describes, merged into `existing` when there is one. */
export function planFromSurvey(s: SurveyData, cat: Extract<CatalogueResult, { ok: true }>, existing?: SitePlanInput): SitePlanInput {
  const racksByHeight = (h: number) => {
    const racks = cat.catalogue.racks.filter((r) => r.uHeight === h);
    return racks.find((r) => r.id.startsWith('conteg')) ?? racks[0];
  };
  const oldRacks = existing?.racks ?? [];
  const racks = s.racks.map((r, i) => {
    const model = racksByHeight(r.heightU);
    if (!model) throw new AppException('invalid_request', `No rack model of ${r.heightU}U in the hardware catalogue for "${r.name || r.id}"`, { field: `$.racks[${i}].heightU` });
    const old = oldRacks.find((x) => x.id === r.id);
    return { id: r.id, name: r.name || r.id, model: model.id, ...(r.maxLoadKg ? { maxLoadKg: r.maxLoadKg } : {}), ...(r.depthMm ? { mountingDepthMm: r.depthMm } : {}), devices: old?.devices ?? [] };
  });
  const surveyedRacks = new Set(racks.map((r) => r.id));
  const feeds = s.power.feeds
    .filter((f) => f.rackId !== null)
    .map((f) => ({
      id: f.id,
      rack: f.rackId as string,
      side: f.side,
      supply: 'ac' as const,
      phase: f.phase,
      voltage: f.voltage,
      voltageType: f.voltageType,
      amperage: f.amperage,
      ...(f.breakerA ? { breaker: { ratingA: f.breakerA, poles: f.phase === 'three' ? 3 : 1 } } : {}),
    }));
  const surveyedFeeds = new Set(feeds.map((f) => f.id));
  const oldFeeds = (existing?.feeds ?? []).filter((f) => !surveyedFeeds.has(f.id));
  // Existing cords must still find their feeds; an existing feed keeps its PDU link when the survey re-measures it.
  const keptPdu = new Map((existing?.feeds ?? []).filter((f) => f.pdu).map((f) => [f.id, f.pdu as string]));
  const ups = s.power.ups;
  const upsW = ups.capacityW ?? (ups.capacityVA !== null ? ups.capacityVA * 0.9 : null);
  const upsVA = ups.capacityVA ?? (ups.capacityW !== null ? ups.capacityW / 0.9 : null);
  const cooling = s.cooling.capacity;
  const inlets = s.cooling.inletReadings.map((r) => r.celsius);
  return {
    ...(existing ?? {}),
    schema: 'cairn-site-plan/v1',
    name: existing?.name ?? s.site.name,
    note: existing?.note ?? `From the site survey of ${s.site.name}${s.site.address ? `, ${s.site.address}` : ''}`,
    racks: [...racks, ...oldRacks.filter((r) => !surveyedRacks.has(r.id))],
    feeds: [...feeds.map((f) => (keptPdu.has(f.id) ? { ...f, pdu: keptPdu.get(f.id) as string } : f)), ...oldFeeds],
    ...(ups.present && upsW && upsVA && ups.runtimeMinutes
      ? // The survey records one usable capacity and its full-load runtime: one module, N, battery energy from runtime × W.
        { ups: { id: existing?.ups?.id ?? 'ups', ratingVA: upsVA, ratingW: upsW, modules: 1, redundancy: 'N' as const, batteryWhPerModule: (upsW * ups.runtimeMinutes) / 60 } }
      : {}),
    ...(s.power.generator.present && s.power.generator.ratingKVA ? { generator: { ratingKVA: s.power.generator.ratingKVA } } : {}),
    ...(cooling
      ? {
          cooling: {
            ...(cooling.unit === 'kW' ? { capacityKW: cooling.value } : { capacityBtuPerHour: cooling.value }),
            ...(inlets.length ? { designInletC: Math.max(...inlets) } : {}),
          },
        }
      : {}),
  };
}
