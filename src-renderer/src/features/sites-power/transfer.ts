/**
 * Files to and from the main process in chunks (survey photos, bundles,
 * reports). Browser mode's WebSocket takes at most 1 MiB per frame, so a
 * file goes up as base64 chunks through `survey:upload` and comes down
 * through `survey:download`; a download is checked against the SHA-256 the
 * main process announced before it is saved. Saving goes through a Blob and
 * an object URL, like the custody exports.
 */
import { SURVEY_CHUNK_BASE64, type SurveyDownload } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { t } from '../../lib/i18n';

const CHUNK_BYTES = (SURVEY_CHUNK_BASE64 / 4) * 3;

export async function bytesOf(file: Blob): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof file.arrayBuffer === 'function') return new Uint8Array(await file.arrayBuffer());
  // jsdom only has FileReader, whose buffer may belong to another realm: copy it into this one.
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(Uint8Array.from(new Uint8Array(r.result as ArrayBuffer)));
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsArrayBuffer(file);
  });
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Sends the bytes and returns the upload id to hand to `survey:attach` or `survey:import`. */
export async function upload(bytes: Uint8Array): Promise<string> {
  let uploadId: string | undefined;
  let index = 0;
  for (let at = 0; at < bytes.length || index === 0; at += CHUNK_BYTES) {
    const r = await api().call('survey:upload', { ...(uploadId ? { uploadId } : {}), index, data: toBase64(bytes.subarray(at, at + CHUNK_BYTES)) });
    uploadId = r.uploadId;
    index++;
  }
  return uploadId as string;
}

/** Fetches a prepared download and checks it against the announced SHA-256. */
export async function fetchDownload(d: SurveyDownload): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(d.bytes);
  let at = 0;
  for (let index = 0; index < d.chunks; index++) {
    const part = fromBase64((await api().call('survey:download', { downloadId: d.downloadId, index })).data);
    out.set(part, at);
    at += part.length;
  }
  if (at !== d.bytes || (await sha256Hex(out)) !== d.sha256) throw new Error(t('survey.damaged', { name: d.fileName }));
  return out;
}

export function saveFile(fileName: string, data: Uint8Array<ArrayBuffer>, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
