/**
 * The PDF of an audit export: the title block (origin, range, export time,
 * the signed checkpoint verbatim, the verification of the bundle), then a
 * table of every entry (UTC time, actor and roles, source, action, target,
 * outcome), page numbers and the bundle's SHA-256 in every footer. Rendered
 * from the bundle *text*, so the PDF shows exactly what the JSON proves; the
 * JSON stays the evidence, the PDF is its readable rendering.
 */
import { createHash } from 'node:crypto';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { AUDIT_SOURCE_LABELS, type AuditVerifyResult } from '../../src-preload/contract';
import { makeSafe, wrap } from '../util/pdf-text';
import { AuditBundleSchema, verifyAuditBundle, type VerifyOptions } from './bundle';
import { parseEntry } from './entry';

const PAGE: [number, number] = [841.89, 595.28]; // A4 landscape: the table needs the width
const MARGIN = 40;
const WIDTH = PAGE[0] - 2 * MARGIN;
const BOTTOM = 50;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.4, 0.4, 0.45);
const RULE = rgb(0.78, 0.78, 0.8);
const BAD = rgb(0.7, 0.1, 0.1);
const GOOD = rgb(0.1, 0.45, 0.2);

/** Table columns: title and width in points (sums to WIDTH). */
const COLUMNS: readonly [string, number][] = [
  ['#', 40],
  ['Time (UTC)', 112],
  ['Actor (roles)', 150],
  ['Source', 62],
  ['Action', 120],
  ['Target', 175],
  ['Outcome', 102.89],
];

export interface AuditReport {
  pdf: Uint8Array;
  pages: number;
  bundleSha256: string;
  verification: AuditVerifyResult;
}

const utc = (iso: string) => iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');

export async function renderAuditReport(bundleText: string, opts: VerifyOptions & { generatedAt?: Date } = {}): Promise<AuditReport> {
  const verification = verifyAuditBundle(bundleText, opts);
  const bundleSha256 = createHash('sha256').update(bundleText, 'utf8').digest('hex');
  const parsed = AuditBundleSchema.safeParse((() => {
    try {
      return JSON.parse(bundleText) as unknown;
    } catch {
      return null;
    }
  })());
  const doc = await PDFDocument.create();
  doc.setTitle('Cairn audit trail');
  doc.setCreator('Cairn');
  doc.setProducer('Cairn (pdf-lib)');
  const generatedAt = opts.generatedAt ?? new Date();
  doc.setCreationDate(generatedAt);
  doc.setModificationDate(generatedAt);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const mono = await doc.embedFont(StandardFonts.Courier);
  const safe = makeSafe(regular);
  const pages: PDFPage[] = [];
  let page!: PDFPage;
  let y = 0;

  const newPage = () => {
    page = doc.addPage(PAGE);
    pages.push(page);
    y = PAGE[1] - MARGIN;
  };
  const line = (text: string, font: PDFFont = regular, size = 9, color = INK, x = MARGIN, width = WIDTH) => {
    for (const l of wrap(safe(text), font, size, width)) {
      if (y - size * 1.4 < BOTTOM) newPage();
      y -= size * 1.4;
      page.drawText(l, { x, y, size, font, color });
    }
  };
  const field = (label: string, value: string) => {
    const values = wrap(safe(value || '—'), regular, 9, WIDTH - 130);
    if (y - values.length * 12.6 < BOTTOM) newPage();
    page.drawText(safe(label), { x: MARGIN, y: y - 12.6, size: 9, font: bold, color: MUTED });
    values.forEach((v, i) => page.drawText(v, { x: MARGIN + 130, y: y - (i + 1) * 12.6, size: 9, font: regular, color: INK }));
    y -= values.length * 12.6 + 2;
  };

  newPage();
  y -= 18;
  page.drawText('Cairn audit trail', { x: MARGIN, y, size: 18, font: bold, color: INK });
  y -= 10;
  const b = parsed.success ? parsed.data : null;
  field('Log', b?.origin ?? 'unreadable bundle');
  field('Range (UTC)', b ? `${b.range.from ? utc(b.range.from) : 'the first entry'} to ${b.range.to ? utc(b.range.to) : 'the export'} (end exclusive)` : '');
  field('Exported', b ? utc(b.exportedAt) : '');
  field('Entries', String(b?.entries.length ?? 0));
  field('Verification', verification.valid ? 'VALID: signatures, checkpoint, inclusion, contiguity and times hold' : `INVALID: ${verification.failures.slice(0, 3).join('; ')}`);
  y -= 6;
  line('Signed checkpoint', bold, 10);
  for (const l of (b?.checkpoint ?? '').replace(/\n$/, '').split('\n')) line(l, mono, 7.5, MUTED);
  y -= 8;
  line('Checks', bold, 10);
  for (const c of verification.checks) line(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}`, regular, 8, c.ok ? GOOD : BAD);

  // ---- the table of entries.
  const drawHeader = () => {
    y -= 16;
    let x = MARGIN;
    for (const [title, w] of COLUMNS) {
      page.drawText(safe(title), { x: x + 2, y, size: 8, font: bold, color: MUTED });
      x += w;
    }
    y -= 4;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: MARGIN + WIDTH, y }, thickness: 0.6, color: RULE });
  };
  y -= 10;
  if (y < BOTTOM + 80) newPage();
  line('Entries', bold, 10);
  drawHeader();
  for (const e of b?.entries ?? []) {
    const entry = parseEntry(e.entry);
    const cells = entry
      ? [
          String(e.seq),
          utc(entry.at),
          `${entry.actor}${entry.roles.length ? ` (${entry.roles.join(', ')})` : ''}`,
          AUDIT_SOURCE_LABELS[entry.source],
          entry.action,
          entry.target ?? '',
          `${entry.outcome}${entry.error ? ` (${entry.error})` : ''}`,
        ]
      : [String(e.seq), 'not an audit entry', '', '', '', '', ''];
    const wrapped = cells.map((c, i) => wrap(safe(c), regular, 7.5, (COLUMNS[i]?.[1] ?? 50) - 4));
    const h = Math.max(...wrapped.map((w) => w.length)) * 10 + 4;
    if (y - h < BOTTOM) {
      newPage();
      drawHeader();
    }
    let x = MARGIN;
    wrapped.forEach((w, i) => {
      const bad = i === 6 && entry && entry.outcome !== 'ok';
      w.forEach((l, j) => page.drawText(l, { x: x + 2, y: y - 10 * (j + 1), size: 7.5, font: regular, color: bad ? BAD : INK }));
      x += COLUMNS[i]?.[1] ?? 0;
    });
    y -= h;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: MARGIN + WIDTH, y }, thickness: 0.3, color: RULE });
  }

  // ---- footers: page numbers and the bundle hash that binds the PDF to its JSON.
  pages.forEach((p, i) => {
    p.drawText(safe(`Bundle SHA-256 ${bundleSha256}`), { x: MARGIN, y: 24, size: 7, font: mono, color: MUTED });
    const label = `Page ${i + 1} of ${pages.length}`;
    p.drawText(label, { x: MARGIN + WIDTH - regular.widthOfTextAtSize(label, 8), y: 24, size: 8, font: regular, color: MUTED });
  });
  const pdf = await doc.save({ useObjectStreams: false });
  return { pdf, pages: pages.length, bundleSha256, verification };
}
