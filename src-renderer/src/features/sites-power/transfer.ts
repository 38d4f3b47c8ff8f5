/**
 * Files to and from the main process in chunks (survey photos, bundles,
 * reports). Browser mode's WebSocket takes at most 1 MiB per frame, so a
 * file goes up as base64 chunks through `survey:upload` and comes down
 * through `survey:download`; a download is checked against the SHA-256 the
 * main process announced before it is saved (with lib/files' `download`, like
 * the custody exports).
 */
import { SURVEY_CHUNK_BASE64, type SurveyDownload } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { fromBase64, sha256Hex, toBase64 } from '../../lib/files';
import { t } from '../../lib/i18n';

const CHUNK_BYTES = (SURVEY_CHUNK_BASE64 / 4) * 3;

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
