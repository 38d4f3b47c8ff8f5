/**
 * Hashing and ids over canonical JSON (the custody module's encoding: keys
 * sorted, no whitespace, ECMAScript number spelling), so a survey's bytes
 * and therefore its revision ids are the same on every machine.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../custody';

export { canonicalJson };

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A revision's id: its survey, its parents (in order) and its content. */
export function revisionId(surveyId: string, parents: readonly string[], data: unknown): string {
  return sha256Hex(canonicalJson({ survey: surveyId, parents: [...parents], data }));
}

export const contentSha256 = (data: unknown): string => sha256Hex(canonicalJson(data));
