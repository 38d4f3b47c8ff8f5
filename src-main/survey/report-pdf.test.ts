/**
 * The site-readiness report: the JSON carries the answers, checklist,
 * budgets, elevations, photos and signatures; the PDF drawn from it has the
 * pages it should (title, checklist, answers, elevations, budgets, photos,
 * signature), embeds the photos as images, carries the JSON's SHA-256 in
 * every footer, and is reproducible. Text is read back from the content
 * streams (hex strings of the standard fonts).
 */
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, type PDFPage } from 'pdf-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from './canonical';
import { renderReadinessPdf } from './report-pdf';
import { sampleSurvey } from './samples';
import { JPEG, machine, PNG, type Machine } from './test-support';

function pageText(page: PDFPage): string {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => page.doc.context.lookup(r)) : [contents];
  let text = '';
  for (const s of streams) {
    if (!(s instanceof PDFRawStream)) continue;
    const raw = /FlateDecode/.test(s.dict.toString()) ? inflateSync(Buffer.from(s.contents)) : Buffer.from(s.contents);
    for (const m of raw.toString('latin1').matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) text += `${Buffer.from(m[1] as string, 'hex').toString('latin1')}\n`;
  }
  return text;
}
const images = (page: PDFPage) => page.node.Resources()?.lookup(PDFName.of('XObject'), PDFDict)?.keys().length ?? 0;

let m: Machine;
afterEach(() => m?.close());

describe('site-readiness report', () => {
  it('renders every section from the report JSON, with photos and the signature', async () => {
    m = await machine();
    const s = m.survey.save({ data: sampleSurvey() });
    m.survey.attach({ id: s.id, fileName: 'rack-front.jpg', caption: 'Rack R1 from the front' }, JPEG);
    m.survey.attach({ id: s.id, fileName: 'label.png', caption: 'Rack label' }, PNG);
    m.survey.linkPlan({ id: s.id });
    await m.survey.sign({ id: s.id, engineer: 'Ana Ferreira' });
    const at = new Date('2026-03-02T12:00:00.000Z');
    const json = await m.survey.report(s.id, 'json', at);
    const report = JSON.parse(json.json);
    expect(report).toMatchObject({ schema: 'cairn-site-readiness/v1', generatedAt: at.toISOString(), overall: 'ready-with-attention' });
    expect(report.checklist).toHaveLength(8);
    expect(report.elevations.map((e: { rackId: string; uHeight: number }) => [e.rackId, e.uHeight])).toEqual([
      ['r1', 42],
      ['r2', 45],
    ]);
    expect(report.photos.map((p: { stored: boolean }) => p.stored)).toEqual([true, true]);
    expect(report.signatures[0]).toMatchObject({ engineer: 'Ana Ferreira', valid: true, current: true });

    const r = await m.survey.report(s.id, 'pdf', at);
    expect(r.json).toBe(json.json);
    const doc = await PDFDocument.load(r.bytes);
    const pages = doc.getPages().map(pageText);
    expect(r.pages).toBe(pages.length);
    const sha = sha256Hex(r.json);
    pages.forEach((p, i) => {
      expect(p).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(p).toContain(`Report JSON SHA-256 ${sha}`);
    });
    const find = (title: string) => pages.findIndex((p) => p.includes(title));
    for (const title of ['Site-readiness report', 'Checklist', 'Survey answers', 'Rack elevations', 'Power and heat budgets', 'Photos', 'Signature']) expect(find(title), title).toBeGreaterThanOrEqual(0);
    expect(pages[0]).toContain('READY WITH ATTENTION');
    expect(pages[0]).toContain('12 Rue de la Gare, 69002 Lyon, France');
    expect(pages[0]).toContain('Ana Ferreira');
    expect(pages[find('Survey answers')]).toContain('230 V L-N');
    expect(pages.join('')).toContain('outside recommended, within allowable 15-32 °C'.replace('°', '\u00b0'));
    expect(pages[find('Rack elevations')]).toContain('Rack R2');
    expect(pages[find('Power and heat budgets')]).toContain('Heat (BTU/hr)');
    const photoPage = doc.getPage(find('Photos'));
    expect(pages[find('Photos')]).toContain('Rack R1 from the front');
    expect(pages[find('Photos')]).toContain(sha256Hex(JPEG));
    expect(images(photoPage)).toBeGreaterThanOrEqual(2);
    expect(pages[pages.length - 1]).toContain('Key fingerprint (SHA-256)');
    expect(doc.getSubject()).toBe(`report-json-sha256 ${sha}`);

    // Reproducible for the same JSON.
    expect(Buffer.from((await renderReadinessPdf(r.json, m.survey.photoBytes(m.survey.get(s.id).data))).pdf).equals(r.bytes)).toBe(true);
  });

  it('reports an unsigned, incomplete survey as such, and a photo missing from disk as not stored', async () => {
    m = await machine();
    const s = m.survey.save({ data: sampleSurvey() });
    const withPhoto = m.survey.attach({ id: s.id, fileName: 'rack-front.jpg' }, JPEG);
    const sha = withPhoto.data.photos[0]!.sha256;
    const { rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    rmSync(join(m.survey.attachments.dir, sha.slice(0, 2), sha));
    const r = await m.survey.report(s.id, 'pdf');
    const pages = (await PDFDocument.load(r.bytes)).getPages().map(pageText);
    expect(JSON.parse(r.json).photos[0].stored).toBe(false);
    expect(pages.join('')).toContain('Photo not stored on this machine.');
    expect(pages[0]).toContain('Not signed.');
    expect(pages.join('')).toContain('The surveyed racks (no site plan linked yet');
  });
});
