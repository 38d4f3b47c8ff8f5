/** The audit PDF: a real PDF with one table row per entry over numbered pages, rendered from the bundle text and its verification. */
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../secrets';
import { openDatabase } from '../store/database';
import { renderAuditReport } from './report-pdf';
import { AuditService } from './service';

async function bundleOf(n: number) {
  const svc = new AuditService({ db: openDatabase(':memory:'), secrets: new MemorySecretStore(), installId: 'pdf00001' });
  for (let i = 0; i < n; i++) svc.record({ actor: 'alice', roles: ['administrator'], source: 'desktop', action: 'settings.set', target: `t${i}`, outcome: 'ok', details: {} });
  return svc.exportBundle();
}

describe('audit PDF', () => {
  it('paginates the entries, verifies the bundle it renders and loads as a PDF', async () => {
    const small = await bundleOf(3);
    const big = await bundleOf(120);
    const vkey = big.bundle.verifierKeys[0] as string;
    const a = await renderAuditReport(small.text, { vkey: small.bundle.verifierKeys[0] as string, generatedAt: new Date('2026-03-01T00:00:00Z') });
    const b = await renderAuditReport(big.text, { vkey, generatedAt: new Date('2026-03-01T00:00:00Z') });
    expect(a.verification.valid).toBe(true);
    expect(a.pages).toBe(1);
    expect(b.pages).toBeGreaterThan(3);
    const doc = await PDFDocument.load(b.pdf);
    expect(doc.getPageCount()).toBe(b.pages);
    expect(doc.getTitle()).toBe('Cairn audit trail');
    // Deterministic for the same bundle and time.
    const again = await renderAuditReport(big.text, { vkey, generatedAt: new Date('2026-03-01T00:00:00Z') });
    expect(Buffer.from(again.pdf).equals(Buffer.from(b.pdf))).toBe(true);
  });

  it('renders a tampered or unreadable bundle as invalid instead of failing', async () => {
    const { text, bundle } = await bundleOf(2);
    const r = await renderAuditReport(text.replace('"t1"', '"t9"'), { vkey: bundle.verifierKeys[0] as string });
    expect(r.verification.valid).toBe(false);
    const junk = await renderAuditReport('not json');
    expect(junk.verification.valid).toBe(false);
    expect(junk.pages).toBe(1);
  });
});
