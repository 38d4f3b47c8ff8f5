/**
 * Which keys a bundle's signed notes are checked against: the key the
 * verifier pinned, or else the bundle's own (which proves only that the
 * bundle is internally consistent). Shared by the custody and audit bundle
 * verifiers; never throws.
 */
import { parseVerifierKey, type NoteVerifier } from './note';

/** `name+keyid` (8 hex digits) of a verifier key in the note format; throws on a malformed key. */
export function verifierKeyId(vkey: string): string {
  const v = parseVerifierKey(vkey);
  return `${v.name}+${v.keyId.toString(16).padStart(8, '0')}`;
}

export interface LogKeys {
  /** The keys to check against: the pinned one, or the bundle's parseable ones (none when the pin is unusable). */
  keys: NoteVerifier[];
  /** Unparseable bundle keys, an unusable pin, or a pin the bundle does not list. */
  problems: string[];
  /** One line for the verdict: what was pinned, or that nothing was. */
  detail: string;
}

export function logKeysOf(bundleKeys: readonly string[], pinned?: string): LogKeys {
  const problems: string[] = [];
  const own: NoteVerifier[] = [];
  for (const vk of bundleKeys) {
    try {
      own.push(parseVerifierKey(vk));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (pinned === undefined) {
    return { keys: own, problems, detail: `${own.map((k) => k.name).join(', ')} from the bundle (not pinned: pass a trusted verifier key to pin it)` };
  }
  try {
    const pin = parseVerifierKey(pinned.trim());
    const id = verifierKeyId(pin.vkey);
    if (!bundleKeys.includes(pin.vkey)) problems.push(`the bundle's verifier keys do not include the pinned key ${id}`);
    return { keys: [pin], problems, detail: `pinned ${id}` };
  } catch (err) {
    problems.push(`the pinned key is unusable: ${err instanceof Error ? err.message : String(err)}`);
    return { keys: [], problems, detail: `${own.map((k) => k.name).join(', ')} from the bundle (not pinned: pass a trusted verifier key to pin it)` };
  }
}
