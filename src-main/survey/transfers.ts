/**
 * Files crossing the contract in chunks. Browser mode's WebSocket takes at
 * most 1 MiB per frame, and a survey bundle with its photos (or a report
 * with them embedded) is larger, so an upload is a sequence of base64 chunks
 * collected here under an id, and a download is a file held here under an id
 * and fetched chunk by chunk. Both live in memory only, are bounded in size
 * and number, and expire.
 */
import { randomBytes } from 'node:crypto';
import { SURVEY_CHUNK_BASE64 } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { sha256Hex } from './canonical';

export const UPLOAD_MAX_BYTES = 160 * 1024 * 1024;
const MAX_OPEN = 8;
const TTL_MS = 30 * 60 * 1000;
/** Raw bytes per download chunk, so that its base64 fits SURVEY_CHUNK_BASE64. */
export const DOWNLOAD_CHUNK_BYTES = (SURVEY_CHUNK_BASE64 / 4) * 3;

interface Upload {
  parts: Buffer[];
  bytes: number;
  touched: number;
}
interface Download {
  data: Buffer;
  touched: number;
}

export class Transfers {
  private readonly uploads = new Map<string, Upload>();
  private readonly downloads = new Map<string, Download>();
  constructor(private readonly now: () => number = Date.now) {}

  private sweep(): void {
    const cutoff = this.now() - TTL_MS;
    for (const [id, u] of this.uploads) if (u.touched < cutoff) this.uploads.delete(id);
    for (const [id, d] of this.downloads) if (d.touched < cutoff) this.downloads.delete(id);
  }

  /** Appends chunk `index` (which must be the next one) and returns the upload's id and size. */
  upload(req: { uploadId?: string | undefined; index: number; data: string }): { uploadId: string; bytes: number } {
    this.sweep();
    const chunk = Buffer.from(req.data, 'base64');
    if (chunk.toString('base64') !== req.data.replace(/\s/g, '')) throw new AppException('invalid_request', 'The chunk is not base64', { field: 'data' });
    let id = req.uploadId;
    let u: Upload | undefined;
    if (id === undefined) {
      if (req.index !== 0) throw new AppException('invalid_request', 'A new upload starts at chunk 0', { field: 'index' });
      if (this.uploads.size >= MAX_OPEN) throw new AppException('conflict', `Too many uploads in progress (${MAX_OPEN}); finish or wait for one`, { field: 'uploadId' });
      id = `up-${randomBytes(9).toString('hex')}`;
      u = { parts: [], bytes: 0, touched: this.now() };
      this.uploads.set(id, u);
    } else {
      u = this.uploads.get(id);
      if (!u) throw new AppException('not_found', `No upload "${id}" in progress (it may have expired)`, { field: 'uploadId' });
      if (req.index !== u.parts.length) throw new AppException('conflict', `Expected chunk ${u.parts.length}, got ${req.index}`, { field: 'index' });
    }
    if (u.bytes + chunk.length > UPLOAD_MAX_BYTES) {
      this.uploads.delete(id);
      throw new AppException('invalid_request', `The file is larger than ${UPLOAD_MAX_BYTES} bytes`, { field: 'data' });
    }
    u.parts.push(chunk);
    u.bytes += chunk.length;
    u.touched = this.now();
    return { uploadId: id, bytes: u.bytes };
  }

  /** The whole upload, which is consumed (one use). */
  take(uploadId: string): Buffer {
    const u = this.uploads.get(uploadId);
    if (!u) throw new AppException('not_found', `No upload "${uploadId}" (it may have expired or been used)`, { field: 'uploadId' });
    this.uploads.delete(uploadId);
    return Buffer.concat(u.parts);
  }

  offer(fileName: string, mediaType: string, data: Buffer): { fileName: string; mediaType: string; downloadId: string; bytes: number; chunks: number; sha256: string } {
    this.sweep();
    while (this.downloads.size >= MAX_OPEN) this.downloads.delete(this.downloads.keys().next().value as string);
    const downloadId = `down-${randomBytes(9).toString('hex')}`;
    this.downloads.set(downloadId, { data, touched: this.now() });
    return { fileName, mediaType, downloadId, bytes: data.length, chunks: Math.max(1, Math.ceil(data.length / DOWNLOAD_CHUNK_BYTES)), sha256: sha256Hex(data) };
  }

  chunk(downloadId: string, index: number): { data: string } {
    const d = this.downloads.get(downloadId);
    if (!d) throw new AppException('not_found', `No download "${downloadId}" (it may have expired)`, { field: 'downloadId' });
    const start = index * DOWNLOAD_CHUNK_BYTES;
    if (index > 0 && start >= d.data.length) throw new AppException('invalid_request', `Chunk ${index} is past the end`, { field: 'index' });
    d.touched = this.now();
    return { data: d.data.subarray(start, start + DOWNLOAD_CHUNK_BYTES).toString('base64') };
  }
}
