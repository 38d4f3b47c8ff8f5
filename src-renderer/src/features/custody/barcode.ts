/**
 * Barcode and QR reading for the record form (seal ids, serials, tracking
 * numbers), entirely in the renderer with @zxing/library — pure
 * JavaScript, which the CSP needs (no wasm, no eval). The decoder works on
 * a luminance array (one byte per pixel), so it is testable without a
 * canvas; the image-file and camera paths only turn pixels into luminance.
 */
import {
  BarcodeFormat,
  BinaryBitmap,
  DecodeHintType,
  GlobalHistogramBinarizer,
  HybridBinarizer,
  MultiFormatReader,
  RGBLuminanceSource,
} from '@zxing/library';
import { t } from '../../lib/i18n';

/** What the custody forms scan: QR and Data Matrix labels, Code 128 / Code 39 seal and tracking labels, EAN on packaging. */
export const SCAN_FORMATS = [BarcodeFormat.QR_CODE, BarcodeFormat.DATA_MATRIX, BarcodeFormat.CODE_128, BarcodeFormat.CODE_39, BarcodeFormat.EAN_13, BarcodeFormat.EAN_8] as const;

export interface Scan {
  text: string;
  /** The symbology, as zxing names it (QR_CODE, CODE_128 …). */
  format: string;
}

/** Larger photos are scaled down first: decoding cost grows with pixels, and labels stay legible at this size. */
export const MAX_SCAN_SIDE = 1600;

function reader(): MultiFormatReader {
  const r = new MultiFormatReader();
  const hints = new Map<DecodeHintType, unknown>([
    [DecodeHintType.POSSIBLE_FORMATS, [...SCAN_FORMATS]],
    [DecodeHintType.TRY_HARDER, true],
  ]);
  r.setHints(hints);
  return r;
}

/**
 * Decodes one barcode from a luminance image (row-major, one byte per
 * pixel, 0 = black). Returns null when none is found; never throws for a
 * bad image (a wrong size is a programming error and does throw).
 */
export function decodeLuminance(luminance: Uint8ClampedArray, width: number, height: number): Scan | null {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || luminance.length !== width * height) {
    throw new RangeError(`a ${width}×${height} luminance image has ${width * height} bytes, got ${luminance.length}`);
  }
  const r = reader();
  // Hybrid binarisation suits 2D codes and uneven light; the global histogram is better for thin 1D bars.
  for (const Binarizer of [HybridBinarizer, GlobalHistogramBinarizer]) {
    try {
      const result = r.decode(new BinaryBitmap(new Binarizer(new RGBLuminanceSource(luminance, width, height))));
      return { text: result.getText(), format: BarcodeFormat[result.getBarcodeFormat()] };
    } catch {
      // NotFound / Checksum / Format: try the next binariser.
    } finally {
      r.reset();
    }
  }
  return null;
}

/** RGBA pixels (ImageData) to luminance, transparent pixels read as white paper (ITU-R BT.601 weights). */
export function luminanceOf(rgba: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    const a = (rgba[p + 3] as number) / 255;
    const y = 0.299 * (rgba[p] as number) + 0.587 * (rgba[p + 1] as number) + 0.114 * (rgba[p + 2] as number);
    out[i] = Math.round(y * a + 255 * (1 - a));
  }
  return out;
}

/** Draws an image source at most MAX_SCAN_SIDE on its longer side and decodes it. */
export function decodeDrawable(source: CanvasImageSource, width: number, height: number): Scan | null {
  const scale = Math.min(1, MAX_SCAN_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot read image pixels (no 2D canvas)');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(source, 0, 0, w, h);
  const data = ctx.getImageData(0, 0, w, h).data;
  return decodeLuminance(luminanceOf(data, w, h), w, h);
}

/** Decodes a barcode from an image file (PNG, JPEG …) chosen by the operator. */
export async function decodeImageFile(file: Blob): Promise<Scan | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error('the file is not an image this browser can read');
  }
  try {
    return decodeDrawable(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/**
 * Whether the camera can be offered, and if not why. The Electron shell
 * denies every permission request (src-main/electron/main.ts), so there the
 * answer is no and the form offers image files only.
 */
export async function cameraAvailability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (typeof navigator === 'undefined' || !navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
    return { ok: false, reason: t('scan.noCamera') };
  }
  try {
    const status = await navigator.permissions?.query({ name: 'camera' as PermissionName });
    if (status?.state === 'denied') return { ok: false, reason: t('scan.cameraDenied') };
  } catch {
    // Engines without a camera permission name: getUserMedia asks, or fails with a reason.
  }
  return { ok: true };
}
