/**
 * The site-readiness report as PDF (pdf-lib, standard fonts, like the
 * custody report): title and verdict, the checklist with its reasons, the
 * survey's answers, rack elevations drawn as vectors, power and heat budgets
 * as bar charts, the photos (embedded JPEG/PNG, each with its SHA-256) and
 * the engineers' signature block. Drawn from the report JSON text alone and
 * the photo bytes; every footer carries the SHA-256 of that JSON, binding
 * the PDF to it. Deterministic for a fixed `generatedAt` in the JSON.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFImage, type RGB } from 'pdf-lib';
import { makeSafe, wrap } from '../util/pdf-text';
import { BOTTOM, FOOTER_Y, INK, MARGIN, MUTED, PdfWriter, RULE, WIDTH, type PdfFonts } from '../util/pdf-writer';
import { sha256Hex } from './canonical';
import type { ReadinessReport } from './report';

const BAD = rgb(0.72, 0.12, 0.12);
const WARN = rgb(0.72, 0.45, 0.02);
const GOOD = rgb(0.1, 0.45, 0.2);
const UNKNOWN = rgb(0.45, 0.45, 0.5);
const FILL = rgb(0.92, 0.93, 0.95);

const STATUS_COLOR: Record<string, RGB> = { pass: GOOD, attention: WARN, fail: BAD, unknown: UNKNOWN };
const STATUS_TEXT: Record<string, string> = { pass: 'PASS', attention: 'ATTENTION', fail: 'FAIL', unknown: 'UNKNOWN' };
const OVERALL_TEXT: Record<ReadinessReport['overall'], string> = {
  ready: 'READY - every checklist item passes',
  'ready-with-attention': 'READY WITH ATTENTION - no failures, some items need attention',
  'not-ready': 'NOT READY - at least one checklist item fails',
  incomplete: 'INCOMPLETE - some checklist items are not surveyed yet',
};
const ROLE_COLOR: Record<string, RGB> = {
  'compute-host': rgb(0.75, 0.84, 0.97),
  'tor-switch': rgb(0.8, 0.93, 0.82),
  'management-switch': rgb(0.86, 0.95, 0.86),
  'patch-panel': rgb(0.9, 0.9, 0.9),
  ups: rgb(0.99, 0.88, 0.75),
  pdu: rgb(0.95, 0.85, 0.95),
};

export interface ReadinessPdf {
  pdf: Uint8Array;
  pages: number;
  /** SHA-256 of the report JSON text, printed in every footer. */
  jsonSha256: string;
}



/** Truncates to a width with an ellipsis (labels inside drawings). */
function fit(text: string, font: PDFFont, size: number, width: number): string {
  if (font.widthOfTextAtSize(text, size) <= width) return text;
  let t = text;
  while (t.length > 1 && font.widthOfTextAtSize(`${t}...`, size) > width) t = t.slice(0, -1);
  return `${t}...`;
}

/** The shared page cursor, with the report's tables. */
class Writer extends PdfWriter {
  /** A table with wrapped cells; the header repeats on a new page. */
  table(cols: { title: string; width: number }[], rows: string[][], opts: { size?: number; colors?: (RGB | undefined)[][] } = {}): void {
    const size = opts.size ?? 7.5;
    const lh = size * 1.3;
    const header = () => {
      this.ensure(lh * 3);
      this.page.drawRectangle({ x: MARGIN, y: this.y - lh - 3, width: WIDTH, height: lh + 4, color: FILL });
      let x = MARGIN;
      for (const c of cols) {
        this.page.drawText(fit(this.safe(c.title), this.fonts.bold, size, c.width - 4), { x: x + 2, y: this.y - lh, size, font: this.fonts.bold, color: INK });
        x += c.width;
      }
      this.y -= lh + 5;
    };
    header();
    rows.forEach((row, ri) => {
      const cells = row.map((cell, i) => wrap(this.safe(cell || '-'), this.fonts.regular, size, (cols[i]?.width ?? 40) - 4));
      const n = Math.max(1, ...cells.map((c) => c.length));
      if (this.y - n * lh - 4 < BOTTOM) {
        this.newPage();
        header();
      }
      let x = MARGIN;
      cells.forEach((lines, i) => {
        const color = opts.colors?.[ri]?.[i] ?? INK;
        lines.forEach((l, k) => this.page.drawText(l, { x: x + 2, y: this.y - (k + 1) * lh + 1, size, font: this.fonts.regular, color }));
        x += cols[i]?.width ?? 40;
      });
      this.y -= n * lh + 3;
      this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + WIDTH, y: this.y }, thickness: 0.3, color: RULE });
    });
    this.y -= 6;
  }
}

const yn = (v: boolean | null) => (v === true ? 'yes' : v === false ? 'no' : 'not recorded');
const num = (v: number | null, unit = '') => (v === null ? 'not recorded' : `${Number.isInteger(v) ? v : v.toFixed(2)}${unit}`);
const kw = (w: number) => `${(w / 1000).toFixed(2)} kW`;
const utc = (iso: string) => iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');

/** Bars: one group per row (load and capacity), scaled to the largest value. */
function barChart(w: Writer, title: string, rows: { name: string; load: number | null; capacity: number }[], unit: string): void {
  const rowH = 26;
  const labelW = 120;
  const chartW = WIDTH - labelW - 70;
  w.heading(title, 11);
  w.ensure(30);
  // Legend
  w.page.drawRectangle({ x: MARGIN + labelW, y: w.y - 10, width: 10, height: 7, color: rgb(0.25, 0.45, 0.8) });
  w.page.drawText('load', { x: MARGIN + labelW + 14, y: w.y - 10, size: 7.5, font: w.fonts.regular, color: INK });
  w.page.drawRectangle({ x: MARGIN + labelW + 50, y: w.y - 10, width: 10, height: 7, color: rgb(0.7, 0.75, 0.8) });
  w.page.drawText('capacity', { x: MARGIN + labelW + 64, y: w.y - 10, size: 7.5, font: w.fonts.regular, color: INK });
  w.y -= 18;
  const max = Math.max(1, ...rows.flatMap((r) => [r.load ?? 0, r.capacity]));
  for (const r of rows) {
    w.ensure(rowH + 4);
    const top = w.y;
    w.page.drawText(fit(w.safe(r.name), w.fonts.regular, 8, labelW - 6), { x: MARGIN, y: top - 14, size: 8, font: w.fonts.regular, color: INK });
    const over = r.load !== null && r.load > r.capacity;
    const loadW = r.load === null ? 0 : (r.load / max) * chartW;
    const capW = (r.capacity / max) * chartW;
    if (r.load !== null) w.page.drawRectangle({ x: MARGIN + labelW, y: top - 10, width: Math.max(loadW, 0.5), height: 9, color: over ? BAD : rgb(0.25, 0.45, 0.8) });
    w.page.drawRectangle({ x: MARGIN + labelW, y: top - 21, width: Math.max(capW, 0.5), height: 9, color: rgb(0.7, 0.75, 0.8) });
    const loadText = r.load === null ? 'load not recorded' : `${Math.round(r.load).toLocaleString('en-US')} ${unit}`;
    w.page.drawText(loadText, { x: MARGIN + labelW + Math.max(loadW, 0) + 4, y: top - 9, size: 7, font: w.fonts.regular, color: over ? BAD : INK });
    w.page.drawText(`${Math.round(r.capacity).toLocaleString('en-US')} ${unit}`, { x: MARGIN + labelW + capW + 4, y: top - 20, size: 7, font: w.fonts.regular, color: MUTED });
    w.y -= rowH;
  }
  w.y -= 4;
}

function drawElevation(w: Writer, e: ReadinessReport['elevations'][number], x: number, top: number, height: number, colWidth: number): void {
  const { fonts, page, safe } = w;
  const rackW = colWidth - 34;
  const u = height / e.uHeight;
  const x0 = x + 18;
  page.drawText(fit(safe(e.name), fonts.bold, 8.5, colWidth - 4), { x, y: top + 14, size: 8.5, font: fonts.bold, color: INK });
  page.drawText(`${e.uHeight}U, front${e.devices.some((d) => d.face === 'rear') ? ' (rear dashed)' : ''}`, { x, y: top + 4, size: 7, font: fonts.regular, color: MUTED });
  page.drawRectangle({ x: x0, y: top - height, width: rackW, height, borderColor: INK, borderWidth: 1, color: rgb(0.98, 0.98, 0.99) });
  for (let i = 1; i <= e.uHeight; i++) {
    const y = top - height + (i - 1) * u;
    if (i > 1) page.drawLine({ start: { x: x0, y }, end: { x: x0 + rackW, y }, thickness: 0.2, color: RULE });
    if (i === 1 || i % 5 === 0 || i === e.uHeight) page.drawText(String(i), { x: x0 - 14, y: y + u / 2 - 2.5, size: 5.5, font: fonts.regular, color: MUTED });
  }
  const front = e.devices.filter((d) => d.position !== null && d.face === 'front');
  const rear = e.devices.filter((d) => d.position !== null && d.face === 'rear');
  for (const d of [...rear, ...front]) {
    const pos = d.position as number;
    const y = top - height + (pos - 1) * u;
    const h = Math.max(d.uHeight, 0.5) * u;
    const isRear = d.face === 'rear';
    page.drawRectangle({
      x: x0 + 1,
      y: y + 0.5,
      width: rackW - 2,
      height: h - 1,
      color: ROLE_COLOR[d.role] ?? rgb(0.88, 0.88, 0.92),
      borderColor: isRear ? MUTED : INK,
      borderWidth: 0.5,
      opacity: isRear ? 0.45 : 1,
      borderDashArray: isRear ? [2, 2] : undefined,
    });
    const size = Math.min(6.5, Math.max(4, h - 2));
    page.drawText(fit(safe(`${isRear ? '(rear) ' : ''}${d.label}`), fonts.regular, size, rackW - 6), { x: x0 + 3, y: y + h / 2 - size / 3, size, font: fonts.regular, color: INK });
  }
  const zeroU = e.devices.filter((d) => d.position === null);
  if (zeroU.length) page.drawText(fit(safe(`0U: ${zeroU.map((d) => d.label).join(', ')}`), fonts.regular, 6, colWidth), { x, y: top - height - 12, size: 6, font: fonts.regular, color: MUTED });
}

/** Renders the report JSON (and the photos it names) to PDF. */
export async function renderReadinessPdf(jsonText: string, photos: ReadonlyMap<string, Uint8Array>): Promise<ReadinessPdf> {
  const r = JSON.parse(jsonText) as ReadinessReport;
  const jsonSha256 = sha256Hex(jsonText);
  const s = r.survey.answers;
  const doc = await PDFDocument.create();
  const fonts: PdfFonts = { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold), mono: await doc.embedFont(StandardFonts.Courier) };
  const safe = makeSafe(fonts.regular);
  const w = new Writer(doc, fonts, safe, `Cairn site-readiness report - ${s.site.name} - survey ${r.survey.id}`, { headingRoom: 30 });

  // ---- title, verdict, checklist at a glance, signatures at a glance
  w.newPage('Site-readiness report');
  w.text(s.site.name, { size: 13, font: fonts.bold, gap: 4 });
  w.fields([
    ['Site', `${s.site.kind === 'new' ? 'New site' : 'Existing site'}${s.site.planId ? `, site plan ${s.site.planId}` : ''}`],
    ['Address', s.site.address],
    ['GPS', s.site.gps ? `${s.site.gps.lat}, ${s.site.gps.lon}` : 'not recorded'],
    ['Survey', `${r.survey.id}, revision ${r.survey.revisionId} (${r.survey.revisions} saved), last saved ${utc(r.survey.updatedAt)}`],
    ['Report generated (UTC)', utc(r.generatedAt)],
  ]);
  w.y -= 6;
  const overallColor = r.overall === 'ready' ? GOOD : r.overall === 'not-ready' ? BAD : r.overall === 'incomplete' ? UNKNOWN : WARN;
  w.ensure(30);
  w.page.drawRectangle({ x: MARGIN, y: w.y - 24, width: WIDTH, height: 22, color: FILL, borderColor: overallColor, borderWidth: 1 });
  w.page.drawText(safe(OVERALL_TEXT[r.overall]), { x: MARGIN + 8, y: w.y - 17, size: 10.5, font: fonts.bold, color: overallColor });
  w.y -= 30;
  w.heading('Checklist', 11);
  for (const c of r.checklist) {
    w.ensure(14);
    w.page.drawText(STATUS_TEXT[c.status] ?? c.status, { x: MARGIN, y: w.y - 11, size: 8.5, font: fonts.bold, color: STATUS_COLOR[c.status] ?? INK });
    w.page.drawText(safe(c.label), { x: MARGIN + 70, y: w.y - 11, size: 8.5, font: fonts.regular, color: INK });
    w.y -= 14;
  }
  w.heading('Engineer signatures', 11);
  if (r.signatures.length === 0) w.text('Not signed.', { color: BAD });
  for (const g of r.signatures) {
    const state = !g.valid ? 'INVALID signature' : g.current ? 'covers this revision' : 'signed an earlier revision; the survey changed since';
    w.text(`${g.engineer}, ${utc(g.signedAt)}, key ${g.fingerprint.slice(0, 16)}... - ${state}`, { color: g.valid && g.current ? GOOD : g.valid ? WARN : BAD });
  }

  // ---- checklist detail
  w.newPage('Checklist');
  w.text('Each item of the site requirements with the findings behind its status. Inlet temperatures are checked against ASHRAE TC 9.9 class A1: recommended 18-27 °C, allowable 15-32 °C.', {
    size: 8.5,
    color: MUTED,
    gap: 4,
  });
  for (const c of r.checklist) {
    w.ensure(30);
    w.y -= 8;
    w.page.drawText(STATUS_TEXT[c.status] ?? c.status, { x: MARGIN, y: w.y - 10, size: 9, font: fonts.bold, color: STATUS_COLOR[c.status] ?? INK });
    w.page.drawText(safe(c.label), { x: MARGIN + 70, y: w.y - 10, size: 9.5, font: fonts.bold, color: INK });
    w.y -= 12;
    for (const reason of c.reasons) w.text(`- ${reason}`, { x: MARGIN + 70, size: 8 });
  }

  // ---- answers
  w.newPage('Survey answers');
  w.heading('Rooms', 11);
  if (s.rooms.length) w.table([{ title: 'Room', width: 130 }, { title: 'Floor', width: 60 }, { title: 'Area (m²)', width: 60 }, { title: 'Notes', width: WIDTH - 250 }], s.rooms.map((x) => [x.name || x.id, x.floor, num(x.areaM2), x.notes]));
  else w.text('No rooms recorded.', { color: MUTED });
  w.heading('Racks', 11);
  if (s.racks.length)
    w.table(
      [
        { title: 'Rack', width: 90 },
        { title: 'Room', width: 70 },
        { title: 'Height', width: 42 },
        { title: 'W x D (mm)', width: 62 },
        { title: 'Weight limit', width: 58 },
        { title: 'Clearance F/R (mm)', width: 80 },
        { title: 'Expected load', width: WIDTH - 402 },
      ],
      s.racks.map((x) => [
        x.name || x.id,
        s.rooms.find((m) => m.id === x.roomId)?.name ?? '-',
        `${x.heightU}U`,
        `${num(x.widthMm)} x ${num(x.depthMm)}`,
        num(x.maxLoadKg, ' kg'),
        `${num(x.clearanceFrontMm)} / ${num(x.clearanceRearMm)}`,
        num(x.expectedLoadKW, ' kW'),
      ]),
    );
  else w.text('No racks recorded.', { color: MUTED });
  w.heading('Power feeds', 11);
  if (s.power.feeds.length)
    w.table(
      [
        { title: 'Feed', width: 72 },
        { title: 'Rack', width: 62 },
        { title: 'Side', width: 28 },
        { title: 'Voltage', width: 92 },
        { title: 'Phase', width: 38 },
        { title: 'A / breaker', width: 58 },
        { title: 'UPS', width: 30 },
        { title: 'Available (80 %)', width: WIDTH - 380 },
      ],
      s.power.feeds.map((f) => {
        const b = r.power.feeds.find((x) => x.id === f.id);
        return [
          f.name || f.id,
          s.racks.find((x) => x.id === f.rackId)?.name ?? '-',
          f.side,
          `${f.voltage} V ${f.voltageType === 'line-to-line' ? 'L-L' : 'L-N'}`,
          f.phase,
          `${f.amperage} A / ${f.breakerA === null ? '-' : `${f.breakerA} A`}`,
          f.onUps === null ? '-' : f.onUps ? 'yes' : 'no',
          b ? (b.problem ?? `${Math.round(b.availableW).toLocaleString('en-US')} W (${Math.round(b.availableVA).toLocaleString('en-US')} VA)`) : '-',
        ];
      }),
    );
  else w.text('No feeds recorded.', { color: MUTED });
  w.fields([
    ['UPS', s.power.ups.present === null ? 'not recorded' : s.power.ups.present ? `${s.power.ups.model || 'present'}: ${num(s.power.ups.capacityVA, ' VA')} / ${num(s.power.ups.capacityW, ' W')}, runtime ${num(s.power.ups.runtimeMinutes, ' min')}, ${s.power.ups.redundancy ?? 'redundancy not recorded'}` : 'none'],
    ['Generator', s.power.generator.present === null ? 'not recorded' : s.power.generator.present ? `${num(s.power.generator.ratingKVA, ' kVA')}, fuel ${num(s.power.generator.fuelHours, ' h')}, automatic transfer ${yn(s.power.generator.autoTransfer)}` : 'none'],
    ['Energy monitoring', yn(s.power.monitoring)],
    ['Power notes', s.power.notes],
  ]);
  w.heading('Cooling', 11);
  w.fields([
    ['Capacity', s.cooling.capacity ? `${s.cooling.capacity.value} ${s.cooling.capacity.unit}${r.power.totals.coolingBtuPerHour !== null ? ` (${Math.round(r.power.totals.coolingBtuPerHour).toLocaleString('en-US')} BTU/hr)` : ''}` : 'not recorded'],
    ['Kind', s.cooling.kind],
    ['Redundant', yn(s.cooling.redundant)],
    ['Notes', s.cooling.notes],
  ]);
  if (r.inlets.length)
    w.table(
      [{ title: 'Inlet reading', width: 200 }, { title: '°C', width: 50 }, { title: 'ASHRAE A1', width: WIDTH - 250 }],
      r.inlets.map((i) => [i.location || i.id, String(i.celsius), i.verdict === 'recommended' ? 'within recommended 18-27 °C' : i.verdict === 'allowable' ? 'outside recommended, within allowable 15-32 °C' : 'OUT OF RANGE (outside 15-32 °C)']),
      { colors: r.inlets.map((i) => [undefined, undefined, i.verdict === 'recommended' ? GOOD : i.verdict === 'allowable' ? WARN : BAD]) },
    );
  else w.text('No inlet temperatures measured.', { color: MUTED });
  w.heading('Network uplinks', 11);
  if (s.network.uplinks.length)
    w.table([{ title: 'Provider', width: 140 }, { title: 'Medium', width: 70 }, { title: 'Bandwidth', width: 80 }, { title: 'Notes', width: WIDTH - 290 }], s.network.uplinks.map((u) => [u.provider || u.id, u.medium, num(u.bandwidthMbps, ' Mbit/s'), u.notes]));
  else w.text('No uplinks recorded.', { color: MUTED });
  if (s.network.notes) w.text(s.network.notes, { size: 8.5 });
  w.heading('Physical security and cabling', 11);
  w.fields([
    ['Locks', yn(s.security.locks)],
    ['Biometric access control', yn(s.security.biometric)],
    ['CCTV', yn(s.security.cctv)],
    ['Security notes', s.security.notes],
    ['Cabling organised', yn(s.cabling.organised)],
    ['Cabling labelled', yn(s.cabling.labelled)],
    ['Power and data apart', yn(s.cabling.separated)],
    ['Cabling notes', s.cabling.notes],
    ['Power management', `${s.manual.powerManagement.status}${s.manual.powerManagement.note ? ` - ${s.manual.powerManagement.note}` : ''}`],
    ['Energy efficiency', `${s.manual.energyEfficiency.status}${s.manual.energyEfficiency.note ? ` - ${s.manual.energyEfficiency.note}` : ''}`],
  ]);
  if (s.notes) {
    w.heading('Notes', 11);
    w.text(s.notes, { size: 8.5 });
  }

  // ---- rack elevations, four to a page
  if (r.elevations.length) {
    const perPage = 4;
    for (let i = 0; i < r.elevations.length; i += perPage) {
      w.newPage(i === 0 ? 'Rack elevations' : 'Rack elevations (continued)');
      w.text(
        r.plan ? `From site plan ${r.plan.name} (revision ${r.plan.revision}). Front devices solid, rear devices dashed and faded.` : 'The surveyed racks (no site plan linked yet, so no devices are placed).',
        { size: 8, color: MUTED, gap: 4 },
      );
      const colWidth = WIDTH / perPage;
      const top = w.y - 30;
      const height = Math.min(560, top - BOTTOM - 30);
      r.elevations.slice(i, i + perPage).forEach((e, k) => drawElevation(w, e, MARGIN + k * colWidth, top, height, colWidth));
      w.y = top - height - 24;
    }
  }

  // ---- budgets
  w.newPage('Power and heat budgets');
  const b = r.budgets;
  w.text(
    b.source === 'site plan'
      ? 'From the linked site plan, evaluated by the power engine: load at the plan budget basis in VA against what each rack may draw and still survive losing one side (A/B).'
      : 'From the survey: each rack\'s expected load against its feeds (80 % continuous derate), one side when it has A and B feeds.',
    { size: 8.5, color: MUTED, gap: 4 },
  );
  if (b.racks.length) barChart(w, `Power per rack (${b.unit})`, b.racks.map((x) => ({ name: x.name, load: x.loadW, capacity: x.capacityW })), b.unit);
  barChart(w, `Site power (${b.unit})`, [{ name: 'Site total', load: b.site.loadW, capacity: b.site.capacityW }], b.unit);
  if (b.site.upsW !== null) barChart(w, 'UPS (W)', [{ name: 'UPS', load: b.site.upsLoadW, capacity: b.site.upsW }], 'W');
  if (b.site.coolingBtuPerHour !== null) barChart(w, 'Heat (BTU/hr)', [{ name: 'Heat vs cooling', load: b.site.heatBtuPerHour, capacity: b.site.coolingBtuPerHour }], 'BTU/hr');
  else w.text(`Heat load ${Math.round(b.site.heatBtuPerHour).toLocaleString('en-US')} BTU/hr; no cooling capacity recorded.`);
  w.fields([
    ['Load', b.unit === 'W' ? kw(b.site.loadW) : `${Math.round(b.site.loadW).toLocaleString('en-US')} VA`],
    ['Capacity', b.unit === 'W' ? kw(b.site.capacityW) : `${Math.round(b.site.capacityW).toLocaleString('en-US')} VA`],
    ['Heat', `${Math.round(b.site.heatBtuPerHour).toLocaleString('en-US')} BTU/hr`],
    ['Generator', b.site.generatorKVA === null ? 'none recorded' : `${b.site.generatorKVA} kVA`],
  ]);
  if (r.plan) {
    w.heading(`Site plan findings (${r.plan.violations.length})`, 11);
    if (!r.plan.violations.length) w.text('The plan has no violations.', { color: GOOD });
    for (const v of r.plan.violations.slice(0, 40)) w.text(`${v.severity.toUpperCase()} ${v.message}`, { size: 8, color: v.severity === 'error' ? BAD : WARN });
    if (r.plan.violations.length > 40) w.text(`... and ${r.plan.violations.length - 40} more (see the JSON report).`, { size: 8, color: MUTED });
  }

  // ---- photos, two to a page
  for (let i = 0; i < r.photos.length; i += 2) {
    w.newPage(i === 0 ? 'Photos' : 'Photos (continued)');
    for (const p of r.photos.slice(i, i + 2)) {
      const boxH = 300;
      const bytes = photos.get(p.sha256);
      let img: PDFImage | null = null;
      try {
        if (bytes) img = p.mediaType === 'image/png' ? await doc.embedPng(bytes) : await doc.embedJpg(bytes);
      } catch {
        img = null;
      }
      w.ensure(boxH + 40);
      const top = w.y - 6;
      if (img) {
        const scale = Math.min(WIDTH / img.width, boxH / img.height, 1.5);
        const iw = img.width * scale;
        const ih = img.height * scale;
        w.page.drawImage(img, { x: MARGIN + (WIDTH - iw) / 2, y: top - ih, width: iw, height: ih });
        w.y = top - ih;
      } else {
        w.page.drawRectangle({ x: MARGIN, y: top - 60, width: WIDTH, height: 60, color: FILL });
        w.page.drawText(bytes ? 'This image could not be embedded.' : 'Photo not stored on this machine.', { x: MARGIN + 8, y: top - 34, size: 9, font: fonts.regular, color: BAD });
        w.y = top - 60;
      }
      w.text(p.caption || p.fileName, { size: 9, font: fonts.bold });
      w.text(`${p.fileName}, ${p.bytes.toLocaleString('en-US')} bytes, added ${utc(p.addedAt)}`, { size: 7.5, color: MUTED });
      w.text(`SHA-256 ${p.sha256}`, { size: 7, font: fonts.mono, color: MUTED, gap: 10 });
    }
  }

  // ---- signature block
  w.newPage('Signature');
  w.text('The engineer signs a revision of the survey with an Ed25519 key kept in the OS keychain: name, key fingerprint (SHA-256 of the public key), time, revision id and the SHA-256 of the survey content.', {
    size: 8.5,
    color: MUTED,
    gap: 6,
  });
  if (r.signatures.length === 0) w.text('This survey has not been signed.', { size: 10, font: fonts.bold, color: BAD });
  for (const g of r.signatures) {
    w.ensure(110);
    const top = w.y - 4;
    w.fields([
      ['Engineer', g.engineer],
      ['Signed (UTC)', utc(g.signedAt)],
      ['Key', g.keyId],
      ['Key fingerprint (SHA-256)', g.fingerprint],
      ['Revision', g.revisionId],
      ['Content SHA-256', g.contentSha256],
      ['Status', !g.valid ? 'INVALID: the signature does not verify' : g.current ? 'Valid; covers the survey as reported' : 'Valid, but for an earlier revision: the survey changed after signing'],
    ]);
    w.page.drawRectangle({ x: MARGIN - 6, y: w.y - 2, width: WIDTH + 12, height: top - w.y + 6, borderColor: g.valid && g.current ? GOOD : g.valid ? WARN : BAD, borderWidth: 0.8 });
    w.y -= 12;
  }
  w.text(`Report JSON SHA-256: ${jsonSha256}. Every page footer repeats it; the JSON report is the record, this PDF its rendering.`, { size: 8, color: MUTED });

  const total = w.pages.length;
  w.pages.forEach((p, i) => {
    p.drawLine({ start: { x: MARGIN, y: FOOTER_Y + 12 }, end: { x: MARGIN + WIDTH, y: FOOTER_Y + 12 }, thickness: 0.4, color: RULE });
    p.drawText(`Report JSON SHA-256 ${jsonSha256}`, { x: MARGIN, y: FOOTER_Y, size: 6.8, font: fonts.mono, color: MUTED });
    const pn = `Page ${i + 1} of ${total}`;
    p.drawText(pn, { x: MARGIN + WIDTH - fonts.regular.widthOfTextAtSize(pn, 8), y: FOOTER_Y, size: 8, font: fonts.regular, color: MUTED });
  });
  const at = new Date(r.generatedAt);
  doc.setTitle(safe(`Site-readiness report: ${s.site.name}`));
  doc.setSubject(`report-json-sha256 ${jsonSha256}`);
  doc.setKeywords(['cairn.survey', `survey:${r.survey.id}`, `revision:${r.survey.revisionId}`, `overall:${r.overall}`]);
  doc.setCreator('Cairn');
  doc.setProducer('Cairn (pdf-lib)');
  doc.setCreationDate(at);
  doc.setModificationDate(at);
  const pdf = await doc.save({ useObjectStreams: false });
  return { pdf, pages: total, jsonSha256 };
}
