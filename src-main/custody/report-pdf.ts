/**
 * The PDF audit report of a custody export bundle: a title page (identity,
 * the signed checkpoint and a QR code of it), the timeline of every event,
 * the verification summary (`verifyBundle` run on the very bundle text) and,
 * per appliance that reached `sanitised`, a NIST SP 800-88 Certificate of
 * Sanitization filled from the recorded events. Every page's footer carries
 * the SHA-256 of the bundle text, which binds the PDF to the JSON it came
 * from: the JSON stays the evidence, the PDF is its human-readable rendering.
 *
 * Deterministic for a given bundle, options and `generatedAt` (fixed dates,
 * no random ids), so a report can be regenerated and compared.
 */
import { createHash } from 'node:crypto';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFImage } from 'pdf-lib';
import QRCode from 'qrcode';
import { makeSafe, wrap } from '../util/pdf-text';
import { FOOTER_Y, INK, MARGIN, MUTED, PdfWriter, RULE, WIDTH, type PdfFonts } from '../util/pdf-writer';
import { CUSTODY_ROLES, CUSTODY_STATE_LABELS, type CustodyState, type CustodyVerifyResult } from '../../src-preload/contract';
import { BundleSchema, verifyBundle, type Bundle, type VerifyOptions } from './bundle';
import { EventBodySchema, eventHash, type EventBody } from './event';

const BAD = rgb(0.7, 0.1, 0.1);
const GOOD = rgb(0.1, 0.45, 0.2);

export interface CustodyReportOptions extends VerifyOptions {
  /** When the report was produced (UTC); fixed in tests so the PDF is reproducible. */
  generatedAt?: Date;
}

export interface CustodyReport {
  pdf: Uint8Array;
  pages: number;
  /** SHA-256 hex of the bundle text, printed in every footer. */
  bundleSha256: string;
  verification: CustodyVerifyResult;
  /** Appliances that got a Certificate of Sanitization page. */
  certificates: string[];
}

interface Entry {
  body: EventBody;
  hash: string;
  signature: string;
  publicKeyId: string;
  leafIndex: number;
}

const SHA = /^[0-9a-f]{64}$/;
const abbrev = (hex: string, n = 12) => (hex.length > n ? `${hex.slice(0, n)}…` : hex);
const utc = (iso: string) => iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
const stateLabel = (s: CustodyState | null) => (s === null ? 'registration' : CUSTODY_STATE_LABELS[s]);
const roleLabel = (r: string) => ((CUSTODY_ROLES as readonly string[]).includes(r) ? r.replace(/_/g, ' ') : r);
/** The capacity acted in (when recorded) and the tenancy role that allowed the step. */
const operatorRole = (o: { role: string; capacity?: string | undefined }) => (o.capacity ? `${roleLabel(o.capacity)}, as ${roleLabel(o.role)}` : roleLabel(o.role));
const bytesLabel = (n: number) => {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]} (${n.toLocaleString('en-US')} bytes)`;
};


function parseEntries(bundle: Bundle): (Entry | undefined)[] {
  return bundle.events.map((e) => {
    const p = EventBodySchema.safeParse(e.event);
    if (!p.success) return undefined;
    const body = p.data as EventBody;
    return { body, hash: eventHash(body), signature: e.signature, publicKeyId: e.publicKeyId, leafIndex: e.leafIndex };
  });
}

function evidenceLines(e: EventBody): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(e.fields)) {
    if (typeof v === 'string' && SHA.test(v)) out.push(`${k} ${abbrev(v)}`);
    else if (Array.isArray(v) && v.length && v.every((x) => SHA.test(x))) for (const x of v) out.push(`${k} ${abbrev(x)}`);
  }
  for (const a of e.attachments) out.push(`${a.label} ${abbrev(a.sha256)}`);
  return out;
}

function str(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

const LEVEL_LABEL: Record<string, string> = { clear: 'Clear', purge: 'Purge', destroy: 'Destroy' };
const DESTINATION_LABEL: Record<string, string> = {
  internal_reuse: 'Internal reuse',
  external_reuse: 'External reuse',
  recycling_facility: 'Recycling facility',
  manufacturer: 'Returned to manufacturer',
  other: 'Other',
};
const VERIFICATION_LABEL: Record<string, string> = { full: 'Full verification', sampling: 'Sampling verification', other: 'Other' };

/** The NIST SP 800-88 Rev. 1 (App. G) certificate fields, as recorded on an appliance's events. */
export function certificateFields(events: readonly Entry[]): [string, string][] | undefined {
  const done = events.find((e) => e.body.to === 'sanitised');
  if (!done) return undefined;
  const first = events.find((e) => e.body.seq === 0)?.body;
  const started = [...events].reverse().find((e) => e.body.to === 'sanitising' && e.body.seq < done.body.seq)?.body;
  const f = done.body.fields;
  const a = first?.appliance;
  const j = first?.job;
  const certHashes = Array.isArray(f.certificate) ? f.certificate : [];
  return [
    ['Certificate number', str(f.certificateId)],
    ['Manufacturer / model', a?.model ?? ''],
    ['Serial number', a?.serial ?? ''],
    ['Property number', done.body.applianceId],
    ['Media type', `Bulk data transfer appliance${a ? `, ${bytesLabel(a.capacityBytes)}` : ''}`],
    ['Media source', j ? `${j.customer} (tenant ${j.tenant}), job ${done.body.jobId}, ${j.direction}` : `job ${done.body.jobId}`],
    ['Security module / key id', a ? `${a.securityModuleId} / ${a.encryptionKeyId} (KMS ${a.kmsKeyRef})` : ''],
    ['Sanitization description', LEVEL_LABEL[str(f.level)] ?? str(f.level)],
    ['Method', str(f.method).replace(/_/g, ' ')],
    ['Method details', str(f.methodDetails)],
    ['Tool and version', `${str(f.tool)} ${str(f.toolVersion)}`.trim()],
    ['Verification method', `${VERIFICATION_LABEL[str(f.verificationMethod)] ?? str(f.verificationMethod)}${f.verificationPassed === true ? ' - passed' : ''}`],
    ['Post-sanitization destination', DESTINATION_LABEL[str(f.destination)] ?? str(f.destination)],
    ['Started', started ? `${utc(started.at)} at ${started.site.name}` : ''],
    ['Completed', `${utc(done.body.at)} at ${done.body.site.name}`],
    ['Signed certificate document', certHashes.map((h) => `SHA-256 ${h}`).join(', ')],
  ];
}

function signatureBlocks(events: readonly Entry[]): { title: string; rows: [string, string][] }[] {
  const done = events.find((e) => e.body.to === 'sanitised');
  if (!done) return [];
  const f = done.body.fields;
  const site = done.body.site.gps ? `${done.body.site.name} (${done.body.site.gps.lat}, ${done.body.site.gps.lon})` : done.body.site.name;
  const docs = Array.isArray(f.certificate) ? f.certificate : [];
  const signed = docs.length ? `on the signed certificate document, SHA-256 ${abbrev(docs[0] as string, 16)}` : 'no signed document recorded';
  const common: [string, string][] = [
    ['Date', utc(done.body.at)],
    ['Location', site],
    ['Contact', 'not recorded by Cairn; see the signed certificate document'],
  ];
  return [
    { title: 'Person performing sanitization', rows: [['Name', str(f.performedByName)], ['Title', str(f.performedByTitle)], ...common, ['Signature', signed]] },
    { title: 'Person verifying (validator)', rows: [['Name', str(f.validatedByName)], ['Title', str(f.validatedByTitle)], ...common, ['Signature', signed]] },
    {
      title: 'Recorded in the custody log by',
      rows: [
        ['Operator', `${done.body.operator.name} (${operatorRole(done.body.operator)}), account ${done.body.operator.id}`],
        ['Operator key', done.publicKeyId],
        ['Ed25519 event signature', done.signature],
        ['Event SHA-256 / log leaf', `${done.hash} / leaf ${done.leafIndex}`],
      ],
    },
  ];
}

/**
 * Renders the report of a bundle. The bundle is verified here (with the
 * caller's pinned key, if any); an invalid bundle still gets a report that
 * says so on its title page and lists every failure.
 */
export async function renderCustodyReport(text: string, opts: CustodyReportOptions = {}): Promise<CustodyReport> {
  const verification = verifyBundle(text, opts.vkey === undefined ? {} : { vkey: opts.vkey });
  const parsed = BundleSchema.safeParse(JSON.parse(text) as unknown);
  if (!parsed.success) throw new TypeError('not a custody bundle: nothing to report on');
  const bundle = parsed.data;
  const bundleSha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const generatedAt = opts.generatedAt ?? new Date();

  const doc = await PDFDocument.create();
  const fonts: PdfFonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const safe = makeSafe(fonts.regular);
  const scopeText = `${bundle.scope.kind} ${bundle.scope.id}`;
  const w = new PdfWriter(doc, fonts, safe, `Cairn chain-of-custody audit report - ${scopeText}`, { empty: '—' });

  const entries = parseEntries(bundle);
  const byAppliance = new Map<string, Entry[]>();
  for (const e of entries) if (e) byAppliance.set(e.body.applianceId, [...(byAppliance.get(e.body.applianceId) ?? []), e]);

  // ---- title page
  w.newPage('Chain-of-custody audit report');
  const qrSize = 150;
  const qr: PDFImage = await doc.embedPng(await QRCode.toBuffer(bundle.checkpoint, { type: 'png', errorCorrectionLevel: 'M', margin: 1, scale: 4 }));
  const qrTop = w.y;
  w.page.drawImage(qr, { x: MARGIN + WIDTH - qrSize, y: qrTop - qrSize, width: qrSize, height: qrSize });
  w.page.drawText('QR: signed checkpoint text', { x: MARGIN + WIDTH - qrSize, y: qrTop - qrSize - 10, size: 7, font: fonts.regular, color: MUTED });
  const idWidth = WIDTH - qrSize - 12;
  w.fields(
    [
      ['Scope', scopeText],
      ['Log origin', bundle.origin],
      ['Exported (UTC)', utc(bundle.exportedAt)],
      ['Report generated (UTC)', utc(generatedAt.toISOString())],
      ['Events', String(bundle.events.length)],
      ['Verification', verification.valid ? 'VALID - every check passed' : `INVALID - ${verification.failures.length} failure(s), see the verification summary`],
    ],
    { labelWidth: 110, width: idWidth },
  );
  w.y = Math.min(w.y, qrTop - qrSize - 18);
  for (const [id, evs] of byAppliance) {
    const first = evs.find((e) => e.body.seq === 0)?.body;
    const last = evs[evs.length - 1]!.body;
    w.heading(`Appliance ${id}`, 10.5);
    w.fields([
      ['Serial / model', first?.appliance ? `${first.appliance.serial} / ${first.appliance.model}` : 'registration event not in the bundle'],
      ['Capacity', first?.appliance ? bytesLabel(first.appliance.capacityBytes) : ''],
      ['Firmware / security module', first?.appliance ? `${first.appliance.firmwareVersion} / ${first.appliance.securityModuleId}` : ''],
      ['Encryption key id / KMS ref', first?.appliance ? `${first.appliance.encryptionKeyId} / ${first.appliance.kmsKeyRef}` : ''],
      ['Job', first?.job ? `${last.jobId}: ${first.job.customer} (tenant ${first.job.tenant}), ${first.job.direction}, ${bytesLabel(first.job.dataVolumeBytes)}` : last.jobId],
      ['Route', first?.job ? `${first.job.originSite} -> ${first.job.destinationSite}` : ''],
      ['State in this bundle', `${stateLabel(last.to)} since ${utc(last.at)} (${evs.length} events)`],
    ]);
  }
  w.heading('Signed checkpoint', 10.5);
  w.text('The log key signs this C2SP checkpoint (origin, tree size, root hash); every event in the bundle carries an inclusion proof against it.', {
    size: 8,
    color: MUTED,
    gap: 3,
  });
  w.text(bundle.checkpoint, { font: fonts.mono, size: 7.5, gap: 4 });
  w.heading('Bundle binding', 10.5);
  w.text(`SHA-256 of the bundle JSON (${Buffer.byteLength(text, 'utf8').toLocaleString('en-US')} bytes): ${bundleSha256}`, { size: 8 });
  w.text('Every page footer repeats it. Verify the JSON, not this PDF: cairn custody verify-bundle FILE --vkey VKEY', { size: 8, color: MUTED });

  // ---- timeline
  const cols = [
    { title: 'Seq', width: 24 },
    { title: 'Time (UTC)', width: 82 },
    { title: 'Transition', width: 92 },
    { title: 'Operator (role)', width: 88 },
    { title: 'Site', width: 70 },
    { title: 'Evidence (SHA-256, abbreviated)', width: WIDTH - 24 - 82 - 92 - 88 - 70 },
  ];
  const size = 7.5;
  const lh = size * 1.3;
  const header = () => {
    w.y -= 4;
    let x = MARGIN;
    w.page.drawRectangle({ x: MARGIN, y: w.y - lh - 2, width: WIDTH, height: lh + 4, color: rgb(0.92, 0.93, 0.95) });
    for (const c of cols) {
      w.page.drawText(c.title, { x: x + 2, y: w.y - lh + 1, size, font: fonts.bold, color: INK });
      x += c.width;
    }
    w.y -= lh + 4;
  };
  w.newPage('Timeline');
  for (const [id, evs] of byAppliance) {
    w.heading(`Appliance ${id}`, 10);
    header();
    for (const e of evs) {
      const b = e.body;
      const cells: { lines: string[]; font: PDFFont }[] = [
        { lines: [String(b.seq)], font: fonts.regular },
        { lines: wrap(utc(b.at), fonts.regular, size, cols[1]!.width - 4), font: fonts.regular },
        { lines: wrap(safe(`${stateLabel(b.from)} -> ${stateLabel(b.to)}`), fonts.regular, size, cols[2]!.width - 4), font: fonts.regular },
        { lines: wrap(safe(`${b.operator.name} (${operatorRole(b.operator)})`), fonts.regular, size, cols[3]!.width - 4), font: fonts.regular },
        { lines: wrap(safe(b.site.name), fonts.regular, size, cols[4]!.width - 4), font: fonts.regular },
        { lines: [`event ${abbrev(e.hash)}`, ...evidenceLines(b)].flatMap((l) => wrap(safe(l), fonts.mono, size - 0.5, cols[5]!.width - 4)), font: fonts.mono },
      ];
      const n = Math.max(...cells.map((c) => c.lines.length));
      w.ensure(n * lh + 4, header);
      let x = MARGIN;
      cells.forEach((c, i) => {
        c.lines.forEach((l, k) => w.page.drawText(l, { x: x + 2, y: w.y - (k + 1) * lh + 1, size: c.font === fonts.mono ? size - 0.5 : size, font: c.font, color: INK }));
        x += cols[i]!.width;
      });
      w.y -= n * lh + 3;
      w.page.drawLine({ start: { x: MARGIN, y: w.y }, end: { x: MARGIN + WIDTH, y: w.y }, thickness: 0.3, color: RULE });
    }
    w.y -= 8;
  }
  const malformed = entries.filter((e) => !e).length;
  if (malformed) w.text(`${malformed} event(s) in the bundle are malformed and are not shown; see the verification summary.`, { color: BAD });

  // ---- verification summary
  w.newPage('Verification summary');
  w.text(
    `The checks of cairn custody verify-bundle, run on this bundle${opts.vkey ? ' with a pinned log key' : ' without a pinned log key (the bundle vouches for its own log key)'}.`,
    { size: 8.5, color: MUTED, gap: 6 },
  );
  for (const c of verification.checks) {
    const lines = wrap(safe(c.detail), fonts.regular, 8.5, WIDTH - 130);
    w.ensure(lines.length * 11.5 + 4);
    w.page.drawText(c.ok ? 'PASS' : 'FAIL', { x: MARGIN, y: w.y - 11, size: 9, font: fonts.bold, color: c.ok ? GOOD : BAD });
    w.page.drawText(safe(c.name), { x: MARGIN + 36, y: w.y - 11, size: 9, font: fonts.bold, color: INK });
    lines.forEach((l, i) => w.page.drawText(l, { x: MARGIN + 130, y: w.y - 11 - i * 11.5, size: 8.5, font: fonts.regular, color: c.ok ? INK : BAD }));
    w.y -= lines.length * 11.5 + 5;
  }
  w.rule();
  w.text(verification.valid ? 'Result: VALID' : `Result: INVALID (${verification.failures.length} failure(s))`, {
    size: 11,
    font: fonts.bold,
    color: verification.valid ? GOOD : BAD,
  });

  // ---- certificates of sanitization
  const certificates: string[] = [];
  for (const [id, evs] of byAppliance) {
    const rows = certificateFields(evs);
    if (!rows) continue;
    certificates.push(id);
    w.newPage('Certificate of Sanitization');
    w.text(`NIST SP 800-88 Rev. 1 (Appendix G fields), appliance ${id}, from its signed custody events.`, { size: 8.5, color: MUTED, gap: 6 });
    w.heading('Media and sanitization', 10.5);
    w.fields(rows, { labelWidth: 160 });
    for (const block of signatureBlocks(evs)) {
      w.heading(block.title, 10.5);
      w.fields(block.rows, { labelWidth: 160 });
    }
    w.y -= 6;
    w.text(
      'Signatures: the handwritten signatures of the performer and the validator are on the signed certificate document whose SHA-256 is recorded above; the custody event that records it is signed with the operator key and included in the checkpointed log.',
      { size: 8, color: MUTED },
    );
  }

  // ---- footers, metadata
  const total = w.pages.length;
  w.pages.forEach((p, i) => {
    const footer = safe(`Bundle SHA-256 ${bundleSha256}`);
    p.drawLine({ start: { x: MARGIN, y: FOOTER_Y + 12 }, end: { x: MARGIN + WIDTH, y: FOOTER_Y + 12 }, thickness: 0.4, color: RULE });
    p.drawText(footer, { x: MARGIN, y: FOOTER_Y, size: 6.8, font: fonts.mono, color: MUTED });
    const pn = `Page ${i + 1} of ${total}`;
    p.drawText(pn, { x: MARGIN + WIDTH - fonts.regular.widthOfTextAtSize(pn, 8), y: FOOTER_Y, size: 8, font: fonts.regular, color: MUTED });
  });
  doc.setTitle(`Chain-of-custody audit report: ${scopeText}`);
  doc.setSubject(`bundle-sha256 ${bundleSha256}`);
  doc.setKeywords(['cairn.custody', `scope:${scopeText}`, `bundle-sha256:${bundleSha256}`, `valid:${verification.valid}`, ...certificates.map((c) => `certificate:${c}`)]);
  doc.setCreator('Cairn');
  doc.setProducer('Cairn (pdf-lib)');
  doc.setCreationDate(generatedAt);
  doc.setModificationDate(generatedAt);
  const pdf = await doc.save({ useObjectStreams: false });
  return { pdf, pages: total, bundleSha256, verification, certificates };
}
