/**
 * The pure decode path on luminance images: a QR code made by the `qrcode`
 * package and a Code 128 label whose bars are drawn here, at several
 * scales, inverted margins and noise; images without a code give null.
 * (The file → ImageBitmap → canvas path runs in e2e/custody.spec.ts, in a
 * real Chromium.)
 */
import { Code128Reader } from '@zxing/library';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { decodeLuminance, luminanceOf } from './barcode';

/** A QR code as luminance: `scale` px per module, a 4-module quiet zone. */
function qrLuminance(text: string, scale: number): { lum: Uint8ClampedArray; size: number } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const size = (n + 8) * scale;
  const lum = new Uint8ClampedArray(size * size).fill(255);
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      if (!qr.modules.get(y, x)) continue;
      for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) lum[((y + 4) * scale + dy) * size + (x + 4) * scale + dx] = 0;
    }
  return { lum, size };
}

/**
 * A Code 128 (code set B) label drawn bar by bar: start B, the data, the
 * mod-103 check symbol, stop. The bar/space widths of each symbol are the
 * standard table (taken from zxing's reader, the only thing borrowed).
 */
function code128Luminance(text: string, module: number, height: number): { lum: Uint8ClampedArray; width: number } {
  const patterns = (Code128Reader as unknown as { CODE_PATTERNS: ArrayLike<number>[] }).CODE_PATTERNS;
  const START_B = 104;
  const STOP = 106;
  const values = [...text].map((ch) => {
    const v = ch.charCodeAt(0) - 32;
    if (v < 0 || v > 94) throw new RangeError(`${ch} is not in code set B`);
    return v;
  });
  const check = (START_B + values.reduce((s, v, i) => s + v * (i + 1), 0)) % 103;
  const widths = [START_B, ...values, check, STOP].flatMap((s) => Array.from(patterns[s] as ArrayLike<number>));
  const quiet = 10;
  const modules = quiet * 2 + widths.reduce((a, b) => a + b, 0);
  const width = modules * module;
  const lum = new Uint8ClampedArray(width * height).fill(255);
  let x = quiet * module;
  widths.forEach((w, i) => {
    if (i % 2 === 0) for (let y = 0; y < height; y++) lum.fill(0, y * width + x, y * width + x + w * module);
    x += w * module;
  });
  return { lum, width };
}

describe('decodeLuminance', () => {
  it.each([2, 3, 5])('reads a QR code at %i px per module', (scale) => {
    const text = 'SEAL-HUB-FRA-000123';
    const { lum, size } = qrLuminance(text, scale);
    expect(decodeLuminance(lum, size, size)).toEqual({ text, format: 'QR_CODE' });
  });

  it.each([
    ['SEAL-0042-A', 2],
    ['1Z999AA10123456784', 3],
    ['CBX-120-00017', 1],
  ] as const)('reads a Code 128 label %s drawn at %i px per module', (text, module) => {
    const { lum, width } = code128Luminance(text, module, 40);
    expect(decodeLuminance(lum, width, 40)).toEqual({ text, format: 'CODE_128' });
  });

  it('reads through mild noise and grey paper', () => {
    const { lum, width } = code128Luminance('TRK-77812', 3, 50);
    let seed = 7;
    const noisy = lum.map((v) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.min(255, Math.max(0, (v === 255 ? 200 : 40) + ((seed % 41) - 20)));
    });
    expect(decodeLuminance(noisy, width, 50)?.text).toBe('TRK-77812');
  });

  it('returns null for an image without a code, and refuses a wrong-sized buffer', () => {
    expect(decodeLuminance(new Uint8ClampedArray(64 * 64).fill(255), 64, 64)).toBeNull();
    const stripes = new Uint8ClampedArray(80 * 80).map((_, i) => ((i % 80) % 7 < 3 ? 0 : 255));
    expect(decodeLuminance(stripes, 80, 80)).toBeNull();
    expect(() => decodeLuminance(new Uint8ClampedArray(10), 4, 4)).toThrow(RangeError);
  });
});

describe('luminanceOf', () => {
  it('weights RGB by BT.601 and reads transparent pixels as white', () => {
    const rgba = new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 0, 0, 0, 0]);
    expect([...luminanceOf(rgba, 4, 1)]).toEqual([0, 255, 76, 255]);
  });

  it('decodes an RGBA rendering of a QR code through luminanceOf', () => {
    const { lum, size } = qrLuminance('kms://eu/keys/cmk-17', 3);
    const rgba = new Uint8ClampedArray(size * size * 4);
    lum.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    expect(decodeLuminance(luminanceOf(rgba, size, size), size, size)?.text).toBe('kms://eu/keys/cmk-17');
  });
});
