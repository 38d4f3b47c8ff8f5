/**
 * The SshRunner port: look at a host's key without authenticating, and run
 * one allowlisted command on a host whose key must equal a pinned
 * fingerprint. Implementations: NodeSshRunner (node-ssh over ssh2); tests
 * of other domains use a fake.
 */
import type { AllowedCommand } from './command-allowlist';
import type { PresentedKey } from './host-key';

export interface SshEndpoint {
  host: string;
  port: number;
}

export interface SshCredentials {
  user: string;
  privateKey: string;
  passphrase?: string;
}

export interface SshExecOptions {
  /** Connect + key exchange + authentication (default 10 s). */
  connectTimeoutMs?: number;
  /** The command itself (default 60 s). */
  execTimeoutMs?: number;
  /** Stdout cap (default 4 MiB); more is an error, not a truncation. */
  maxOutputBytes?: number;
}

export interface SshExecResult {
  stdout: Buffer;
  /** First 4 KiB of stderr, for the operator. */
  stderr: string;
  code: number | null;
  /** The host key that was verified against the pin. */
  hostKey: PresentedKey;
}

export interface SshRunner {
  /** The host key presented during key exchange; the connection is dropped before any authentication is sent. */
  probeHostKey(endpoint: SshEndpoint, timeoutMs?: number): Promise<PresentedKey>;
  /**
   * Runs `command` (which must pass the runner's allowlist — checked before
   * connecting) after verifying the host key equals `pinnedFingerprint`
   * during key exchange, before credentials are sent.
   */
  exec(endpoint: SshEndpoint, pinnedFingerprint: string, credentials: SshCredentials, command: AllowedCommand, options?: SshExecOptions): Promise<SshExecResult>;
}
