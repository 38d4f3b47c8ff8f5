/**
 * SSH public keys as OpenSSH shows them: the key type from the wire blob and
 * the SHA-256 fingerprint (`SHA256:` + unpadded base64), so an operator can
 * compare what Cairn shows with `ssh-keygen -lf` on the host.
 */
import { createHash } from 'node:crypto';

export interface PresentedKey {
  keyType: string;
  fingerprint: string;
}

export function sshFingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name that opens every SSH public-key blob (uint32 length + ASCII). */
export function sshKeyType(blob: Uint8Array): string {
  if (blob.length < 4) return 'unknown';
  const len = ((blob[0] as number) << 24) | ((blob[1] as number) << 16) | ((blob[2] as number) << 8) | (blob[3] as number);
  if (len <= 0 || len > 64 || 4 + len > blob.length) return 'unknown';
  const name = Buffer.from(blob.subarray(4, 4 + len)).toString('latin1');
  return /^[a-z0-9@.-]+$/i.test(name) ? name : 'unknown';
}

export function describeKey(blob: Uint8Array): PresentedKey {
  return { keyType: sshKeyType(blob), fingerprint: sshFingerprint(blob) };
}
