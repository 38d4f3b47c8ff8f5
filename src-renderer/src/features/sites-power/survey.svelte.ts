/**
 * The Survey section's state: the surveys on this machine, the one being
 * filled in (a deep-reactive draft the form binds to), autosave (debounced;
 * "saved locally at …"), photos, signing, the signed bundle out and in, the
 * merge waiting for decisions, and the readiness report. Every call is to
 * the local main process (`survey:*`): nothing here needs the network or a
 * cluster, so a field engineer with no connectivity loses nothing.
 */
import { emptySurvey, type SiteSummary, type SurveyData, type SurveyDetail, type SurveyImportResult, type SurveyMerge, type SurveySummary } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { debounce } from '../../lib/debounce';
import { errorMessage } from '../../lib/errors';
import { Resource } from '../../lib/resource.svelte';
import { bytesOf, download } from '../../lib/files';
import { fetchDownload, upload } from './transfer';

export type SaveState = 'idle' | 'dirty' | 'saving' | 'saved' | 'error';
export const AUTOSAVE_MS = 1000;

/** A new item id, unique enough to pair items across machines in a merge. */
export function newItemId(prefix: string): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return `${prefix}-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class SurveyModel {
  readonly list = new Resource<SurveySummary[]>(() => api().call('survey:list', {}));
  /** The site plans on this machine a survey can feed (local, like the surveys). */
  readonly plans = new Resource<SiteSummary[]>(() => api().call('sites:list', {}));
  selectedId = $state<string | null>(null);
  detail = $state.raw<SurveyDetail | null>(null);
  /** What the form edits; saved by autosave. */
  draft = $state<SurveyData | null>(null);
  saveState = $state<SaveState>('idle');
  savedAt = $state<string | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  merge = $state.raw<SurveyMerge | null>(null);
  lastImport = $state.raw<SurveyImportResult | null>(null);
  private readonly autosave = debounce(() => void this.saveNow(true), AUTOSAVE_MS);
  private saving: Promise<void> | null = null;

  async start(): Promise<void> {
    void this.plans.load();
    await this.list.load();
    const first = this.list.data?.[0];
    if (first && this.selectedId === null) await this.select(first.id);
  }

  async select(id: string): Promise<void> {
    await this.flush();
    this.selectedId = id;
    this.error = null;
    this.merge = null;
    try {
      this.adopt(await api().call('survey:get', { id }));
      this.saveState = 'idle';
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** Take the stored version as the draft (after any server-side change). */
  private adopt(d: SurveyDetail): void {
    this.detail = d;
    this.selectedId = d.id;
    this.draft = structuredClone(d.data);
  }

  async create(name: string, kind: 'new' | 'existing'): Promise<void> {
    await this.flush();
    await this.run(async () => {
      const d = await api().call('survey:save', { data: emptySurvey(name, kind) });
      this.adopt(d);
      this.savedAt = d.updatedAt;
      this.saveState = 'saved';
      void this.list.load();
    });
  }

  /** The form calls this on every edit. */
  changed(): void {
    this.saveState = 'dirty';
    this.autosave();
  }

  /** Saves the draft now (autosave, or before an action that needs the stored version). */
  async saveNow(autosave = false): Promise<void> {
    if (this.saving) await this.saving;
    const d = this.detail;
    if (!d || !this.draft) return;
    const snapshot = $state.snapshot(this.draft) as SurveyData;
    if (same(snapshot, d.data)) {
      if (this.saveState === 'dirty') this.saveState = 'saved';
      return;
    }
    this.saveState = 'saving';
    this.saving = (async () => {
      try {
        const next = await api().call('survey:save', { id: d.id, expectedRevision: d.revisionId, data: snapshot, autosave });
        this.detail = next;
        this.savedAt = next.updatedAt;
        this.error = null;
        // Edits typed while saving stay dirty and are saved next.
        this.saveState = this.draft && same($state.snapshot(this.draft), next.data) ? 'saved' : 'dirty';
        if (this.saveState === 'dirty') this.autosave();
        void this.list.load();
      } catch (err) {
        this.saveState = 'error';
        this.error = errorMessage(err);
      } finally {
        this.saving = null;
      }
    })();
    await this.saving;
  }

  /** Save what is pending before a server-side action. */
  async flush(): Promise<void> {
    this.autosave.cancel();
    if (this.saveState === 'dirty' || this.saveState === 'saving') await this.saveNow(true);
  }

  private async run(fn: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
      return true;
    } catch (err) {
      this.error = errorMessage(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private async action(fn: (d: SurveyDetail) => Promise<SurveyDetail>): Promise<boolean> {
    await this.flush();
    const d = this.detail;
    if (!d || this.saveState === 'error') return false;
    return this.run(async () => {
      this.adopt(await fn(d));
      this.savedAt = this.detail?.updatedAt ?? null;
      this.saveState = 'saved';
      void this.list.load();
    });
  }

  attach(file: File, caption: string): Promise<boolean> {
    return this.action(async (d) => {
      const uploadId = await upload(await bytesOf(file));
      return api().call('survey:attach', { id: d.id, expectedRevision: d.revisionId, uploadId, fileName: file.name, caption });
    });
  }

  detach(sha256: string): Promise<boolean> {
    return this.action((d) => api().call('survey:detach', { id: d.id, expectedRevision: d.revisionId, sha256 }));
  }

  sign(engineer: string): Promise<boolean> {
    return this.action((d) => api().call('survey:sign', { id: d.id, expectedRevision: d.revisionId, engineer }));
  }

  /** Into `planId`, or (none given) the linked plan, or a new one. */
  async linkPlan(planId?: string): Promise<boolean> {
    const ok = await this.action((d) => api().call('survey:linkPlan', { id: d.id, ...(planId ? { planId } : {}) }));
    if (ok) void this.plans.load();
    return ok;
  }

  /** Writes the signed bundle file; resolves to its name. */
  async exportBundle(engineer: string): Promise<string | null> {
    await this.flush();
    const d = this.detail;
    if (!d) return null;
    let name: string | null = null;
    await this.run(async () => {
      const offer = await api().call('survey:export', { id: d.id, ...(engineer.trim() ? { engineer: engineer.trim() } : {}) });
      download(offer.fileName, await fetchDownload(offer), offer.mediaType);
      name = offer.fileName;
    });
    return name;
  }

  async importBundle(file: File): Promise<SurveyImportResult | null> {
    await this.flush();
    let result: SurveyImportResult | null = null;
    await this.run(async () => {
      const uploadId = await upload(await bytesOf(file));
      const r = await api().call('survey:import', { uploadId });
      result = r;
      this.lastImport = r;
      this.adopt(r.survey);
      this.saveState = 'saved';
      this.savedAt = r.survey.updatedAt;
      this.merge = r.merge;
      void this.list.load();
    });
    return result;
  }

  async openMerge(): Promise<void> {
    const d = this.detail;
    if (!d?.pendingMerge) return;
    await this.run(async () => {
      this.merge = await api().call('survey:merge', { id: d.id });
    });
  }

  async resolve(decisions: { path: string; choice: 'mine' | 'theirs' | 'base' }[]): Promise<boolean> {
    const m = this.merge;
    if (!m) return false;
    const ok = await this.run(async () => {
      this.adopt(await api().call('survey:resolve', { mergeId: m.id, decisions }));
      this.savedAt = this.detail?.updatedAt ?? null;
      this.saveState = 'saved';
      void this.list.load();
    });
    if (ok) this.merge = null;
    return ok;
  }

  async report(format: 'pdf' | 'json'): Promise<string | null> {
    await this.flush();
    const d = this.detail;
    if (!d) return null;
    let name: string | null = null;
    await this.run(async () => {
      const offer = await api().call('survey:report', { id: d.id, format });
      download(offer.fileName, await fetchDownload(offer), offer.mediaType);
      name = offer.fileName;
    });
    return name;
  }

  /** Teardown: an edit still waiting for its autosave is saved now, not dropped. */
  cancel(): void {
    this.autosave.flush();
    this.list.cancel();
    this.plans.cancel();
  }
}
