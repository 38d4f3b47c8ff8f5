/**
 * The PDF audit report: it parses back with pdf-lib, has the pages it should
 * (title, timeline, verification, one certificate per sanitised appliance),
 * and its content streams carry the checkpoint text, the certificate fields
 * and the bundle hash in every footer. Text is read back by inflating each
 * page's content stream and decoding the hex strings pdf-lib writes for the
 * standard fonts (WinAnsi).
 */
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDocument, PDFRawStream, type PDFPage } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { renderCustodyReport } from './report-pdf';
import { HAPPY_PATH, makeService, registerSample, walk } from './test-support';

const AT = new Date('2025-04-01T00:00:00.000Z');

function pageText(page: PDFPage): string {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => page.doc.context.lookup(r)) : [contents];
  let text = '';
  for (const s of streams) {
    if (!(s instanceof PDFRawStream)) continue;
    const filter = s.dict.toString();
    const raw = /FlateDecode/.test(filter) ? inflateSync(Buffer.from(s.contents)) : Buffer.from(s.contents);
    for (const m of raw.toString('latin1').matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) text += `${Buffer.from(m[1] as string, 'hex').toString('latin1')}\n`;
  }
  return text;
}

async function load(pdf: Uint8Array) {
  const doc = await PDFDocument.load(pdf);
  return { doc, pages: doc.getPages().map(pageText) };
}

describe('renderCustodyReport', () => {
  it('renders title, timeline, verification and the certificate of a sanitised appliance', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    await walk(svc, id, HAPPY_PATH);
    const { text, bundle } = await svc.exportBundle({ kind: 'appliance', id });
    const r = await renderCustodyReport(text, { generatedAt: AT, vkey: bundle.verifierKeys[0] });
    expect(r.verification.valid).toBe(true);
    expect(r.certificates).toEqual([id]);
    const { doc, pages } = await load(r.pdf);
    expect(doc.getPageCount()).toBe(4);
    expect(r.pages).toBe(4);
    expect(doc.getSubject()).toBe(`bundle-sha256 ${r.bundleSha256}`);
    expect(doc.getKeywords()).toContain(`certificate:${id}`);

    // Title: identity, and every line of the signed checkpoint (wrapped lines joined back).
    expect(pages[0]).toContain('Chain-of-custody audit report');
    expect(pages[0]).toContain('SN-1 / BoxX 120');
    const flat = (pages[0] as string).replace(/\s/g, '');
    for (const line of bundle.checkpoint.trimEnd().split('\n').filter(Boolean)) expect(flat).toContain(line.replace('—', '\u0097').replace(/\s/g, ''));
    expect(doc.getPage(0).node.Resources()?.toString()).toMatch(/XObject/);

    // Timeline: every event, with time, transition and operator.
    expect(pages[1]).toContain('Timeline');
    expect(pages[1]).toContain('2025-03-01');
    expect(pages[1]).toContain('Sanitised -> Closed');
    expect(pages[1]).toContain('Lena Vogt (logistics');

    // Verification: the same checks verifyBundle makes.
    for (const c of r.verification.checks) expect(pages[2]).toContain(c.name);
    expect(pages[2]).toContain('Result: VALID');

    // Certificate: the NIST SP 800-88 fields from the recorded events.
    const cert = pages[3] as string;
    for (const s of ['Certificate of Sanitization', 'Purge', 'crypto erase', 'cairn-sanitise 2.4.1', 'Sampling verification - passed', 'Internal reuse', 'Mara Lindqvist', 'Tomasz Nowak', 'Security officer', 'Serial number', 'SN-1', 'Post-sanitization destination', 'Person performing sanitization', 'Person verifying (validator)'])
      expect(cert).toContain(s);

    // Footer: page numbers and the bundle hash on every page.
    pages.forEach((p, i) => {
      expect(p).toContain(`Page ${i + 1} of 4`);
      expect(p).toContain(`Bundle SHA-256 ${r.bundleSha256}`);
    });
  });

  it('has no certificate page before sanitisation, reports an invalid bundle as such, and is reproducible', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    await walk(svc, id, ['provisioning', 'ready']);
    const { text } = await svc.exportBundle({ kind: 'appliance', id });
    const r = await renderCustodyReport(text, { generatedAt: AT });
    expect(r.pages).toBe(3);
    expect(r.certificates).toEqual([]);
    expect(Buffer.from((await renderCustodyReport(text, { generatedAt: AT })).pdf).equals(Buffer.from(r.pdf))).toBe(true);

    const tampered = text.replace('"reason": "step to ready"', '"reason": "step to READY"');
    const bad = await renderCustodyReport(tampered, { generatedAt: AT });
    expect(bad.verification.valid).toBe(false);
    const { pages } = await load(bad.pdf);
    expect(pages[0]).toContain('INVALID');
    expect(pages[2]).toContain('FAIL');
    expect(bad.bundleSha256).not.toBe(r.bundleSha256);
    await expect(renderCustodyReport('{"nope":1}')).rejects.toThrow(/not a custody bundle/);
  });

  it('reports a whole job with many events across pages', async () => {
    const { svc } = makeService();
    const a = await registerSample(svc);
    const b = await registerSample(svc, a.job.id);
    await walk(svc, a.appliance.id, HAPPY_PATH);
    await walk(svc, b.appliance.id, HAPPY_PATH.slice(0, 13));
    const { text } = await svc.exportBundle({ kind: 'job', id: a.job.id });
    const r = await renderCustodyReport(text, { generatedAt: AT });
    expect(r.verification.valid).toBe(true);
    expect(r.certificates).toEqual([a.appliance.id, b.appliance.id]);
    const { doc, pages } = await load(r.pdf);
    expect(doc.getPageCount()).toBe(r.pages);
    expect(r.pages).toBeGreaterThanOrEqual(6);
    expect(pages.join('')).toContain(`Appliance ${b.appliance.id}`);
  });

  it('crosses the contract as bounded base64 (custody:exportPdf)', async () => {
    const { svc } = makeService();
    const id = (await registerSample(svc)).appliance.id;
    const r = await svc.exportPdf({ kind: 'appliance', id });
    expect(r).toMatchObject({ fileName: 'custody-appliance-SN-1.pdf'.replace('SN-1', svc.detail(id).appliance.serial), pages: 3, valid: true });
    expect((await PDFDocument.load(Buffer.from(r.base64, 'base64'))).getPageCount()).toBe(3);
    await expect(svc.exportPdf({ kind: 'job', id: 'job-none' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
