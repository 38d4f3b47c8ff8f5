/**
 * Text for pdf-lib's standard fonts, shared by the custody and site-readiness
 * reports: characters the fonts cannot draw mapped rather than thrown on, and
 * word-wrapping that also breaks tokens (hashes, keys) longer than a line.
 */
import type { PDFFont } from 'pdf-lib';

/** Helvetica and Courier speak WinAnsi only: map what they cannot draw rather than throw. */
export function makeSafe(font: PDFFont): (s: string) => string {
  const set = new Set(font.getCharacterSet());
  return (s) =>
    s
      .replace(/→/g, '->')
      .replace(/\r\n?/g, '\n')
      .replace(/\t/g, ' ')
      .replace(/[^\n]/gu, (ch) => (set.has(ch.codePointAt(0) as number) ? ch : '?'));
}

/** Word-wraps to a width, hard-breaking tokens (hashes, keys) that are longer than a line. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/(\s+)/)) {
      if (word === '') continue;
      const candidate = line + word;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = /^\s+$/.test(word) ? '' : word;
      while (font.widthOfTextAtSize(line, size) > width) {
        let n = line.length - 1;
        while (n > 1 && font.widthOfTextAtSize(line.slice(0, n), size) > width) n--;
        out.push(line.slice(0, n));
        line = line.slice(n);
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}
