/**
 * SitesService: site plans stored locally, each saved version appended to an
 * append-only history, and every read evaluated by the power engine. A save
 * is validated against the engine's plan schema (errors carry the JSON path
 * of the fault) and, like the rack editor, refuses placements RackLayout
 * refuses (overlap, out of range, overweight, too deep) for the devices the
 * save adds or moves; devices already stored are left to the report, where
 * every problem is a violation with its path.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { CatalogueDto, SiteApplyPresetSchema, SiteDetailResult, SiteSummary } from '../../src-preload/contract';
import {
  evaluateSitePlan,
  parseSitePlan,
  poolPreset,
  POOL_NAMES,
  RackLayout,
  type Catalogue,
  type CatalogueResult,
  type PlanReport,
  type SitePlan,
  type SitePlanInput,
} from '../power';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';

type PresetRequest = z.output<typeof SiteApplyPresetSchema>;

interface HeadRow {
  id: string;
  name: string;
  plan_json: string;
  revision: number;
  updated_at: string;
}

export interface RevisionRow {
  revision: number;
  name: string;
  savedAt: string;
  reason: string;
}

export interface SaveOptions {
  /** Recorded with the revision ("saved", "preset Pool Small", "demo seed"). */
  reason?: string;
  /** Id for a new plan (demo seeding); default random. */
  newId?: string;
  /** Refuse placements RackLayout refuses for added or moved devices (default true). */
  checkPlacement?: boolean;
}

export interface SitesServiceOptions {
  db: Db;
  /** The hardware catalogue as loaded at start-up (a failed load keeps its reason). */
  catalogue: CatalogueResult;
  now?: () => Date;
}

export class SitesService {
  private readonly db: Db;
  private readonly cat: CatalogueResult;
  private readonly now: () => Date;

  constructor(opts: SitesServiceOptions) {
    this.db = opts.db;
    this.cat = opts.catalogue;
    this.now = opts.now ?? (() => new Date());
  }

  private catalogueOrThrow(): Catalogue {
    if (!this.cat.ok) throw new AppException('not_found', `The hardware catalogue could not be loaded: ${this.cat.issues[0]?.path ?? '$'}: ${this.cat.issues[0]?.message ?? 'invalid'}`);
    return this.cat.catalogue;
  }

  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM site_plans LIMIT 1').get() === undefined;
  }

  list(): SiteSummary[] {
    const rows = this.db.prepare('SELECT id, name, plan_json, revision, updated_at FROM site_plans ORDER BY name, id').all() as HeadRow[];
    return rows.map((r) => this.summarise(r, this.evaluate(r).report));
  }

  get(id: string): SiteDetailResult {
    const row = this.head(id);
    if (!row) throw new AppException('not_found', `No site plan "${id}"`, { field: 'id' });
    const { report, issues } = this.evaluate(row);
    return {
      site: this.summarise(row, report),
      plan: JSON.parse(row.plan_json) as SiteDetailResult['plan'],
      report,
      allocations: report ? allocations(report) : [],
      issues,
    };
  }

  /** The revision history of a plan, oldest first. */
  history(id: string): RevisionRow[] {
    return this.db
      .prepare('SELECT revision, name, saved_at AS savedAt, reason FROM site_plan_revisions WHERE site_id = ? ORDER BY revision')
      .all(id) as RevisionRow[];
  }

  save(req: { id?: string | undefined; expectedRevision?: number | undefined; plan: unknown }, opts: SaveOptions = {}): SiteDetailResult {
    const catalogue = this.catalogueOrThrow();
    const parsed = parseSitePlan(req.plan, catalogue);
    if (!parsed.ok) {
      const first = parsed.error.issues[0];
      throw new AppException('invalid_request', `Invalid site plan: ${parsed.error.message}`, {
        ...(first ? { field: first.path } : {}),
        details: { issues: parsed.error.issues.length },
      });
    }
    const plan = parsed.plan;
    const prev = req.id === undefined ? undefined : this.head(req.id);
    if (req.id !== undefined && !prev) throw new AppException('not_found', `No site plan "${req.id}"`, { field: 'id' });
    if (prev && req.expectedRevision !== undefined && req.expectedRevision !== prev.revision) {
      throw new AppException('conflict', `Site plan "${prev.name}" was saved elsewhere (revision ${prev.revision}, this edit started from ${req.expectedRevision}); reload it`, {
        field: 'expectedRevision',
      });
    }
    if (opts.checkPlacement !== false) checkPlacements(plan, prev ? (JSON.parse(prev.plan_json) as SitePlan) : null, catalogue);

    const id = prev?.id ?? opts.newId ?? `site-${randomBytes(5).toString('hex')}`;
    const at = this.now().toISOString();
    const json = JSON.stringify(plan);
    const revision = (prev?.revision ?? 0) + 1;
    this.db.transaction(() => {
      if (prev) this.db.prepare('UPDATE site_plans SET name = ?, plan_json = ?, revision = ?, updated_at = ? WHERE id = ?').run(plan.name, json, revision, at, id);
      else this.db.prepare('INSERT INTO site_plans (id, name, plan_json, revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, plan.name, json, revision, at, at);
      this.db
        .prepare('INSERT INTO site_plan_revisions (site_id, revision, name, plan_json, saved_at, reason) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, revision, plan.name, json, at, opts.reason ?? 'saved');
    })();
    return this.get(id);
  }

  catalogue(): CatalogueDto {
    const c = this.catalogueOrThrow();
    return { devices: [...c.devices], racks: [...c.racks] };
  }

  /** Place a pool preset into an empty rack of the plan, or into a new rack, and save. */
  applyPreset(req: PresetRequest): SiteDetailResult {
    const catalogue = this.catalogueOrThrow();
    const row = this.head(req.id);
    if (!row) throw new AppException('not_found', `No site plan "${req.id}"`, { field: 'id' });
    const plan = JSON.parse(row.plan_json) as SitePlanInput & { racks: NonNullable<SitePlanInput['racks']> };
    const feeds = [...(plan.feeds ?? [])];
    const rackIds = new Set(plan.racks.map((r) => r.id));
    let rackId = req.rackId;
    let height = req.rackHeight;
    let panels: { a?: string; b?: string } = {};
    if (rackId !== undefined) {
      const target = plan.racks.find((r) => r.id === rackId);
      if (!target) throw new AppException('not_found', `No rack "${rackId}" in this plan`, { field: 'rackId' });
      if ((target.devices ?? []).length > 0) throw new AppException('conflict', `Rack "${rackId}" is not empty; a preset fills an empty rack or a new one`, { field: 'rackId' });
      const h = catalogue.rack(target.model)?.uHeight;
      if (height === undefined && (h === 42 || h === 45 || h === 48)) height = h;
      const a = feeds.find((f) => f.rack === rackId && f.side === 'A')?.panel;
      const b = feeds.find((f) => f.rack === rackId && f.side === 'B')?.panel;
      panels = { ...(a ? { a } : {}), ...(b ? { b } : {}) };
    } else {
      const base = `pool-${req.size}`;
      rackId = base;
      for (let n = 2; rackIds.has(rackId); n++) rackId = `${base}-${n}`;
    }
    const r = poolPreset(catalogue, req.size, { rackId, ...(height ? { rackHeight: height } : {}), panels });
    if (!r.ok) throw new AppException('conflict', r.reason, { field: 'size' });
    const keepFeeds = feeds.filter((f) => f.rack !== rackId);
    const racks = plan.racks.some((x) => x.id === rackId) ? plan.racks.map((x) => (x.id === rackId ? r.preset.rack : x)) : [...plan.racks, r.preset.rack];
    const next: SitePlanInput = { ...plan, racks, feeds: [...keepFeeds, ...r.preset.feeds] };
    return this.save({ id: req.id, expectedRevision: req.expectedRevision, plan: next }, { reason: `preset ${POOL_NAMES[req.size]} in rack ${rackId}` });
  }

  private head(id: string): HeadRow | undefined {
    return this.db.prepare('SELECT id, name, plan_json, revision, updated_at FROM site_plans WHERE id = ?').get(id) as HeadRow | undefined;
  }

  private evaluate(row: HeadRow): { report: PlanReport | null; issues: SiteDetailResult['issues'] } {
    if (!this.cat.ok) return { report: null, issues: this.cat.issues };
    const r = evaluateSitePlan(JSON.parse(row.plan_json), this.cat.catalogue);
    return r.ok ? { report: r.report, issues: [] } : { report: null, issues: r.error.issues };
  }

  private summarise(row: HeadRow, report: PlanReport | null): SiteSummary {
    const plan = JSON.parse(row.plan_json) as SitePlan;
    const errors = report?.violations.filter((v) => v.severity === 'error').length ?? 0;
    const warnings = report?.violations.filter((v) => v.severity === 'warning').length ?? 0;
    return {
      id: row.id,
      name: row.name,
      revision: row.revision,
      updatedAt: row.updated_at,
      racks: plan.racks.length,
      devices: plan.racks.reduce((n, r) => n + r.devices.length, 0),
      verdict: !report ? 'invalid' : errors > 0 ? 'errors' : warnings > 0 ? 'warnings' : 'ok',
      errors,
      warnings,
    };
  }
}

/** What each feed's cords carry in normal operation: a device's draw shared equally by its cords. */
function allocations(report: PlanReport): SiteDetailResult['allocations'] {
  const by = new Map(report.feeds.map((f) => [f.id, { feed: f.id, typicalW: 0, maxW: 0 }]));
  for (const d of report.devices) {
    const n = d.inputs.length;
    for (const i of d.inputs) {
      const a = by.get(i.feed);
      if (!a || n === 0) continue;
      a.typicalW += d.typicalW / n;
      a.maxW += d.maxW / n;
    }
  }
  return [...by.values()].map((a) => ({ feed: a.feed, typicalW: Math.round(a.typicalW * 100) / 100, maxW: Math.round(a.maxW * 100) / 100 }));
}

/**
 * The rack editor's refusals for devices a save adds or moves, checked against
 * the devices it leaves in place (which are placed without refusal: a stored
 * plan's own problems belong to the report).
 */
function checkPlacements(plan: SitePlan, prev: SitePlan | null, catalogue: Catalogue): void {
  const before = new Map<string, { rack: string; position: number | null; face: string }>();
  for (const r of prev?.racks ?? []) for (const d of r.devices) before.set(d.id, { rack: r.id, position: d.position, face: d.face });
  plan.racks.forEach((rack, ri) => {
    const model = catalogue.rack(rack.model);
    if (!model) return;
    const layout = new RackLayout({
      uHeight: model.uHeight,
      maxLoadKg: rack.maxLoadKg ?? model.maxLoadKg,
      mountingDepthMm: rack.mountingDepthMm ?? model.mountingDepthMm,
    });
    const mountable = (d: SitePlan['racks'][number]['devices'][number]) => {
      const c = catalogue.device(d.ref)!;
      return { id: d.id, uHeight: c.uHeight, fullDepth: c.fullDepth, depthMm: c.depthMm, weightKg: d.weightKg ?? c.weightKg, position: d.position, face: d.face };
    };
    const edited: number[] = [];
    rack.devices.forEach((d, di) => {
      const b = before.get(d.id);
      if (b && b.rack === rack.id && b.position === d.position && b.face === d.face) layout.place(mountable(d), { checkWeight: false });
      else edited.push(di);
    });
    // A stored device that already conflicts stays out of the layout: the report lists it as a violation.
    for (const di of edited) {
      const d = rack.devices[di]!;
      const r = layout.place(mountable(d));
      if (!r.ok) {
        const { refusal } = r;
        throw new AppException('conflict', `Cannot place "${d.name ?? d.id}" in rack ${rack.name ?? rack.id}: ${refusal.reason}`, {
          field: `$.racks[${ri}].devices[${di}].position`,
          details: {
            refusal: refusal.code,
            ...(refusal.missingU !== undefined ? { missingU: refusal.missingU } : {}),
            ...(refusal.missingKg !== undefined ? { missingKg: refusal.missingKg } : {}),
            ...(refusal.conflictsWith !== undefined ? { conflictsWith: refusal.conflictsWith } : {}),
          },
        });
      }
    }
  });
}
