/**
 * The release verdict: signature first (nothing unsigned is even read for
 * meaning), then the metadata, then the version against the running one;
 * and, once a file is downloaded, its SHA-512 and size against the signed
 * metadata. Pure apart from reading the downloaded file; never throws for
 * bad input — every refusal is a reason with a code.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { compareVersions, parseUpdateMetadata, type UpdateFile, type UpdateMetadata } from './metadata';
import { verifySignature, type PinnedKey } from './signature';

export type RefusalCode =
  | 'signature-missing'
  | 'signature-malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'metadata-malformed'
  | 'path-escape'
  | 'downgrade'
  | 'file-missing'
  | 'hash-mismatch'
  | 'metadata-mismatch'
  | 'feed-unreachable';

export interface Refusal {
  code: RefusalCode;
  message: string;
}

export type ReleaseVerdict =
  | { ok: true; metadata: UpdateMetadata; key: PinnedKey; metadataName: string; newer: boolean }
  | { ok: false; metadataName: string; reasons: Refusal[] };

export interface ReleaseInput {
  metadataName: string;
  metadata: Uint8Array;
  /** The `.sig` file's bytes, or null when there is none. */
  signature: Uint8Array | null;
  keys: readonly PinnedKey[];
  currentVersion: string;
}

export function verifyRelease(input: ReleaseInput): ReleaseVerdict {
  const refuse = (reasons: Refusal[]): ReleaseVerdict => ({ ok: false, metadataName: input.metadataName, reasons });
  const sig = verifySignature(input.metadataName, input.metadata, input.signature, input.keys);
  if (!sig.ok) return refuse([sig.problem]);
  const parsed = parseUpdateMetadata(input.metadata);
  if (!parsed.ok) return refuse([parsed.problem]);
  const m = parsed.value;
  const order = compareVersions(m.version, input.currentVersion);
  if (order < 0) {
    return refuse([{ code: 'downgrade', message: `the release is ${m.version}, older than the running ${input.currentVersion}: downgrades are refused` }]);
  }
  return { ok: true, metadata: m, key: sig.key, metadataName: input.metadataName, newer: order > 0 };
}

/** Base64 SHA-512 and size of a file, streamed (installers are hundreds of MB). */
export async function fileDigest(path: string): Promise<{ sha512: string; size: number }> {
  const hash = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha512: hash.digest('base64'), size };
}

/**
 * Check a downloaded file against the signed metadata: its digest must be
 * one the release key signed. Matching by digest (not by name) means a file
 * renamed on the way is still recognised and a swapped one never is.
 */
export async function checkDownloadedFile(path: string, metadata: UpdateMetadata): Promise<{ ok: true; file: UpdateFile } | { ok: false; reason: Refusal }> {
  let digest: { sha512: string; size: number };
  try {
    digest = await fileDigest(path);
  } catch {
    return { ok: false, reason: { code: 'file-missing', message: 'the downloaded update cannot be read' } };
  }
  const file = metadata.files.find((f) => f.sha512 === digest.sha512 && f.size === digest.size);
  if (!file) {
    return { ok: false, reason: { code: 'hash-mismatch', message: 'the downloaded file is not one the signed metadata lists (SHA-512 or size differs)' } };
  }
  return { ok: true, file };
}

/**
 * Whether what electron-updater parsed from the feed is the release we
 * verified: same version and the same set of files and digests. A feed
 * answering differently to two requests is refused.
 */
export function sameRelease(signed: UpdateMetadata, seen: { version: string; files: readonly { url: string; sha512: string; size?: number }[] }): boolean {
  if (seen.version !== signed.version || seen.files.length !== signed.files.length) return false;
  return seen.files.every((f) => signed.files.some((s) => s.url === f.url && s.sha512 === f.sha512 && (f.size === undefined || f.size === s.size)));
}
