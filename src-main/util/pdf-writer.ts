/**
 * The A4 page cursor shared by the custody and site-readiness reports
 * (pdf-lib, standard fonts): a running header on every page, headings, wrapped
 * text and label/value rows that start a new page when the next block does
 * not fit, and a hairline rule. The reports draw their own tables, charts and
 * footers on `page` at `y`.
 */
import { rgb, type PDFDocument, type PDFFont, type PDFPage, type RGB } from 'pdf-lib';
import { wrap } from './pdf-text';

export const A4: [number, number] = [595.28, 841.89];
export const MARGIN = 48;
export const WIDTH = A4[0] - 2 * MARGIN;
/** Where the footers sit, and how low body text may go above them. */
export const FOOTER_Y = 28;
export const BOTTOM = 56;
export const INK = rgb(0.1, 0.1, 0.12);
export const MUTED = rgb(0.4, 0.4, 0.45);
export const RULE = rgb(0.75, 0.75, 0.78);

export interface PdfFonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
}

export interface PdfWriterOptions {
  /** Room a heading needs below it, so it is not left alone at a page's foot (points). */
  headingRoom?: number;
  /** Shown for an empty value in `fields`. */
  empty?: string;
}

export class PdfWriter {
  page!: PDFPage;
  y = 0;
  readonly pages: PDFPage[] = [];
  private readonly headingRoom: number;
  private readonly empty: string;

  constructor(
    readonly doc: PDFDocument,
    readonly fonts: PdfFonts,
    readonly safe: (s: string) => string,
    private readonly header: string,
    opts: PdfWriterOptions = {},
  ) {
    this.headingRoom = opts.headingRoom ?? 24;
    this.empty = opts.empty ?? '-';
  }

  newPage(title?: string): void {
    this.page = this.doc.addPage(A4);
    this.pages.push(this.page);
    this.y = A4[1] - MARGIN;
    this.page.drawText(this.safe(this.header), { x: MARGIN, y: A4[1] - 30, size: 7.5, font: this.fonts.regular, color: MUTED });
    if (title) this.heading(title, 16);
  }

  /** Starts a new page unless `height` still fits; `continued` draws what a block repeats on it (a table header). */
  ensure(height: number, continued?: () => void): void {
    if (this.y - height < BOTTOM) {
      this.newPage();
      continued?.();
    }
  }

  heading(text: string, size = 12): void {
    this.ensure(size + this.headingRoom);
    if (this.y < A4[1] - MARGIN) this.y -= 10;
    this.y -= size;
    this.page.drawText(this.safe(text), { x: MARGIN, y: this.y, size, font: this.fonts.bold, color: INK });
    this.y -= size * 0.6;
  }

  text(text: string, opts: { size?: number; font?: PDFFont; color?: RGB; x?: number; width?: number; gap?: number } = {}): void {
    const size = opts.size ?? 9;
    const font = opts.font ?? this.fonts.regular;
    const x = opts.x ?? MARGIN;
    for (const line of wrap(this.safe(text), font, size, opts.width ?? WIDTH - (x - MARGIN))) {
      this.ensure(size * 1.35);
      this.y -= size * 1.35;
      this.page.drawText(line, { x, y: this.y, size, font, color: opts.color ?? INK });
    }
    this.y -= opts.gap ?? 0;
  }

  /** Label/value rows; values wrap in their column. */
  fields(rows: readonly [string, string][], opts: { labelWidth?: number; width?: number; size?: number } = {}): void {
    const size = opts.size ?? 8.5;
    const lw = opts.labelWidth ?? 150;
    const width = opts.width ?? WIDTH;
    const lh = size * 1.35;
    for (const [k, v] of rows) {
      const values = wrap(this.safe(v || this.empty), this.fonts.regular, size, width - lw - 6);
      const labels = wrap(this.safe(k), this.fonts.bold, size, lw - 6);
      const n = Math.max(values.length, labels.length);
      this.ensure(n * lh + 2);
      labels.forEach((l, i) => this.page.drawText(l, { x: MARGIN, y: this.y - (i + 1) * lh, size, font: this.fonts.bold, color: MUTED }));
      values.forEach((l, i) => this.page.drawText(l, { x: MARGIN + lw, y: this.y - (i + 1) * lh, size, font: this.fonts.regular, color: INK }));
      this.y -= n * lh + 2;
    }
  }

  rule(): void {
    this.y -= 4;
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + WIDTH, y: this.y }, thickness: 0.5, color: RULE });
    this.y -= 4;
  }
}
