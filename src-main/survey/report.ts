/**
 * The site-readiness report as JSON: the survey's answers, the checklist
 * with its reasons, every inlet reading against ASHRAE A1, rack elevations
 * (from the linked site plan when there is one, else the surveyed racks
 * empty), power and heat budgets, the photos by hash and the engineers'
 * signatures. The PDF (report-pdf.ts) is drawn from exactly this JSON, so
 * the two always agree; the PDF's footers carry this JSON's SHA-256.
 */
import type { ChecklistResult, SignatureStatus, SurveyData, SurveyDetail } from '../../src-preload/contract';
import { wattsToBtuPerHour } from '../power';
import type { SiteDetailResult } from '../../src-preload/contract';
import type { SurveyEvaluation } from './evaluate';

export const READINESS_SCHEMA_ID = 'cairn-site-readiness/v1';

export interface ElevationDevice {
  id: string;
  label: string;
  role: string;
  position: number | null;
  uHeight: number;
  face: 'front' | 'rear';
}
export interface Elevation {
  rackId: string;
  name: string;
  uHeight: number;
  devices: ElevationDevice[];
}
export interface BudgetBar {
  id: string;
  name: string;
  loadW: number | null;
  capacityW: number;
}

export interface ReadinessReport {
  schema: typeof READINESS_SCHEMA_ID;
  generatedAt: string;
  survey: { id: string; revisionId: string; revisions: number; updatedAt: string; answers: SurveyData };
  overall: 'ready' | 'ready-with-attention' | 'not-ready' | 'incomplete';
  checklist: ChecklistResult[];
  inlets: SurveyEvaluation['inlets'];
  power: { feeds: SurveyEvaluation['feeds']; racks: SurveyEvaluation['racks']; totals: SurveyEvaluation['totals'] };
  plan: { id: string; name: string; revision: number; verdict: string; violations: { severity: string; code: string; message: string; path: string }[] } | null;
  elevations: Elevation[];
  budgets: {
    source: 'site plan' | 'survey';
    /** The plan checks circuits in VA (its budget basis × power factor); the survey's feed figures are W. */
    unit: 'W' | 'VA';
    racks: BudgetBar[];
    site: { loadW: number; capacityW: number; /** Real power the UPS carries (W), whatever the unit above. */ upsLoadW: number; heatBtuPerHour: number; coolingBtuPerHour: number | null; upsW: number | null; generatorKVA: number | null };
  };
  photos: { sha256: string; fileName: string; caption: string; mediaType: string; bytes: number; addedAt: string; stored: boolean }[];
  signatures: SignatureStatus[];
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function overallOf(checklist: readonly ChecklistResult[]): ReadinessReport['overall'] {
  if (checklist.some((c) => c.status === 'fail')) return 'not-ready';
  if (checklist.some((c) => c.status === 'unknown')) return 'incomplete';
  if (checklist.some((c) => c.status === 'attention')) return 'ready-with-attention';
  return 'ready';
}

export function buildReadinessReport(
  detail: SurveyDetail,
  ev: SurveyEvaluation,
  plan: SiteDetailResult | null,
  storedPhotos: ReadonlySet<string>,
  generatedAt: Date,
): ReadinessReport {
  const s = detail.data;
  const report = plan?.report ?? null;
  let elevations: Elevation[];
  let budgets: ReadinessReport['budgets'];
  if (plan && report) {
    const names = new Map(plan.plan.racks.flatMap((r) => r.devices.map((d) => [d.id, d.name ?? null] as const)));
    elevations = report.racks.map((r) => ({
      rackId: r.id,
      name: r.name ?? r.id,
      uHeight: r.uHeight,
      devices: report.devices
        .filter((d) => d.rack === r.id)
        .map((d) => ({ id: d.id, label: names.get(d.id) ?? d.model, role: d.role, position: d.position, uHeight: d.uHeight, face: d.face })),
    }));
    // Load in VA with the plan's own W → VA ratio, against what a rack may draw and survive losing a side.
    const vaPerW = report.site.basisW > 0 ? report.site.basisVA / report.site.basisW : 1;
    const racks = report.racks.map((r) => ({ id: r.id, name: r.name ?? r.id, loadW: r2(r.power.basisW * vaPerW), capacityW: r2(r.power.availableVAOneSide ?? r.power.availableVA) }));
    budgets = {
      source: 'site plan',
      unit: 'VA',
      racks,
      site: {
        loadW: report.site.basisVA,
        upsLoadW: report.site.basisW,
        capacityW: r2(racks.reduce((n, r) => n + r.capacityW, 0)),
        heatBtuPerHour: report.site.basisBtuPerHour,
        coolingBtuPerHour: report.cooling?.capacityBtuPerHour ?? ev.totals.coolingBtuPerHour,
        upsW: report.ups?.usableW ?? ev.totals.upsW,
        generatorKVA: report.generator.ratedKW !== null ? r2(report.generator.ratedKW / 0.8) : ev.totals.generatorKVA,
      },
    };
  } else {
    elevations = s.racks.map((r) => ({ rackId: r.id, name: r.name || r.id, uHeight: r.heightU, devices: [] }));
    budgets = {
      source: 'survey',
      unit: 'W',
      racks: ev.racks.map((r) => ({ id: r.id, name: r.name, loadW: r.expectedW, capacityW: r.capacityW })),
      site: {
        loadW: ev.totals.expectedW,
        upsLoadW: ev.totals.expectedW,
        capacityW: ev.totals.capacityW,
        heatBtuPerHour: r2(wattsToBtuPerHour(ev.totals.expectedW)),
        coolingBtuPerHour: ev.totals.coolingBtuPerHour,
        upsW: ev.totals.upsW,
        generatorKVA: ev.totals.generatorKVA,
      },
    };
  }
  return {
    schema: READINESS_SCHEMA_ID,
    generatedAt: generatedAt.toISOString(),
    survey: { id: detail.id, revisionId: detail.revisionId, revisions: detail.revisions, updatedAt: detail.updatedAt, answers: s },
    overall: overallOf(ev.checklist),
    checklist: ev.checklist,
    inlets: ev.inlets,
    power: { feeds: ev.feeds, racks: ev.racks, totals: ev.totals },
    plan:
      plan && report
        ? {
            id: plan.site.id,
            name: plan.site.name,
            revision: plan.site.revision,
            verdict: plan.site.verdict,
            violations: report.violations.map((v) => ({ severity: v.severity, code: v.code, message: v.message, path: v.path })),
          }
        : null,
    elevations,
    budgets,
    photos: s.photos.map((p) => ({ sha256: p.sha256, fileName: p.fileName, caption: p.caption, mediaType: p.mediaType, bytes: p.bytes, addedAt: p.addedAt, stored: storedPhotos.has(p.sha256) })),
    signatures: detail.signatures,
  };
}
