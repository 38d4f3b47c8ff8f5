/**
 * Survey photos on disk: `<data dir>/survey-attachments/<first two hex>/<sha256>`,
 * content-addressed so the same photo attached twice (or arriving again in
 * an imported bundle) is stored once, and checked against its name when read
 * back so a file damaged on disk is never embedded in a report or bundle.
 *
 * Only JPEG and PNG are accepted, recognised by their magic bytes (not by the
 * file name the renderer sends), up to SURVEY_PHOTO_MAX_BYTES each.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SURVEY_PHOTO_MAX_BYTES, type SurveyPhoto } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { sha256Hex } from './canonical';

export type PhotoType = SurveyPhoto['mediaType'];

/** The media type the bytes actually are, or null. */
export function sniffPhotoType(bytes: Uint8Array): PhotoType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'image/png';
  return null;
}

/** Why these bytes cannot be a survey photo, or null. */
export function photoProblem(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'the file is empty';
  if (bytes.length > SURVEY_PHOTO_MAX_BYTES) return `the file is ${bytes.length} bytes; a photo may be at most ${SURVEY_PHOTO_MAX_BYTES} bytes`;
  if (!sniffPhotoType(bytes)) return 'only JPEG and PNG photos can be attached (the file does not start like either)';
  return null;
}

export class AttachmentStore {
  constructor(readonly dir: string) {}

  private path(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return /^[0-9a-f]{64}$/.test(sha256) && existsSync(this.path(sha256));
  }

  /** Stores the bytes (validated) and returns their hash and type. */
  put(bytes: Uint8Array): { sha256: string; mediaType: PhotoType; bytes: number } {
    const problem = photoProblem(bytes);
    if (problem) throw new AppException('invalid_request', `Cannot attach this photo: ${problem}`, { field: 'uploadId' });
    const sha256 = sha256Hex(bytes);
    const file = this.path(sha256);
    if (!existsSync(file)) {
      mkdirSync(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      // Write then rename, so a crash never leaves a truncated file under a valid hash.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, file);
    }
    return { sha256, mediaType: sniffPhotoType(bytes) as PhotoType, bytes: bytes.length };
  }

  /** The bytes of a stored photo, refused when missing or no longer matching their hash. */
  get(sha256: string): Buffer {
    if (!this.has(sha256)) throw new AppException('not_found', `Photo ${sha256.slice(0, 12)}… is not stored on this machine`, { field: 'sha256' });
    const bytes = readFileSync(this.path(sha256));
    if (sha256Hex(bytes) !== sha256) throw new AppException('conflict', `Photo ${sha256.slice(0, 12)}… is damaged on disk (its content no longer matches its SHA-256)`, { field: 'sha256' });
    return bytes;
  }
}
