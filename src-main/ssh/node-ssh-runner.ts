/**
 * SshRunner on node-ssh (ssh2). The host key is checked in ssh2's
 * `hostVerifier`, which runs during key exchange on the raw key blob —
 * before the client sends a user name or any credential. A probe always
 * answers "no" there, so it never authenticates; a run answers "yes" only
 * for the pinned fingerprint. No agent, no keyboard-interactive, no
 * password: only the key from the keychain.
 */
import { NodeSSH } from 'node-ssh';
import { AppException } from '../util/app-exception';
import type { CommandAllowlist } from './command-allowlist';
import { describeKey, type PresentedKey } from './host-key';
import type { SshCredentials, SshEndpoint, SshExecOptions, SshExecResult, SshRunner } from './ssh-runner';

const DEFAULTS = { connectTimeoutMs: 10_000, execTimeoutMs: 60_000, maxOutputBytes: 4 * 1024 * 1024 };

/** The slice of ssh2's ClientChannel we use (ssh2 ships no types here). */
interface Channel {
  close(): void;
}

export class NodeSshRunner implements SshRunner {
  constructor(private readonly allowlist: CommandAllowlist) {}

  async probeHostKey(endpoint: SshEndpoint, timeoutMs = DEFAULTS.connectTimeoutMs): Promise<PresentedKey> {
    let seen: PresentedKey | null = null;
    const ssh = new NodeSSH();
    try {
      await ssh.connect({
        host: endpoint.host,
        port: endpoint.port,
        // Never sent: the verifier below refuses the key first.
        username: 'cairn-probe',
        readyTimeout: timeoutMs,
        tryKeyboard: false,
        hostVerifier: (key: Buffer) => {
          seen = describeKey(key);
          return false;
        },
      });
    } catch (err) {
      if (seen) return seen;
      throw connectError(endpoint, err);
    } finally {
      ssh.dispose();
    }
    // Unreachable in practice: the verifier refused, so connect cannot succeed.
    if (seen) return seen;
    throw new AppException('upstream', `${endpoint.host}:${endpoint.port} completed a connection without presenting a host key`);
  }

  async exec(endpoint: SshEndpoint, pinnedFingerprint: string, credentials: SshCredentials, command: unknown, options: SshExecOptions = {}): Promise<SshExecResult> {
    // The gate comes first: a refused command never opens a socket.
    const allowed = this.allowlist.check(command);
    const opts = { ...DEFAULTS, ...options };
    let presented: PresentedKey | null = null;
    const ssh = new NodeSSH();
    try {
      try {
        await ssh.connect({
          host: endpoint.host,
          port: endpoint.port,
          username: credentials.user,
          privateKey: credentials.privateKey,
          ...(credentials.passphrase ? { passphrase: credentials.passphrase } : {}),
          readyTimeout: opts.connectTimeoutMs,
          tryKeyboard: false,
          hostVerifier: (key: Buffer) => {
            presented = describeKey(key);
            return presented.fingerprint === pinnedFingerprint;
          },
        });
      } catch (err) {
        const p = presented as PresentedKey | null;
        if (p && p.fingerprint !== pinnedFingerprint) throw hostKeyChanged(endpoint, pinnedFingerprint, p);
        throw connectError(endpoint, err);
      }
      const hostKey = presented as PresentedKey | null;
      if (!hostKey || hostKey.fingerprint !== pinnedFingerprint) throw new AppException('upstream', 'The SSH server did not present a verifiable host key');
      return await this.run(ssh, allowed.line, hostKey, opts);
    } finally {
      ssh.dispose();
    }
  }

  private run(ssh: NodeSSH, line: string, hostKey: PresentedKey, opts: typeof DEFAULTS): Promise<SshExecResult> {
    return new Promise<SshExecResult>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let channel: Channel | null = null;
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(() => {
        finish(() => reject(new AppException('timeout', `The command did not finish within ${Math.round(opts.execTimeoutMs / 1000)} s`)));
        channel?.close();
        ssh.dispose();
      }, opts.execTimeoutMs);
      ssh
        .execCommand(line, {
          noTrim: true,
          onChannel: (c: Channel) => {
            channel = c;
          },
          onStdout: (chunk: Buffer) => {
            size += chunk.length;
            if (size > opts.maxOutputBytes) {
              finish(() => reject(new AppException('upstream', `The command printed more than ${opts.maxOutputBytes} bytes; refusing the output`)));
              channel?.close();
              return;
            }
            chunks.push(chunk);
          },
          onStderr: (chunk: Buffer) => {
            if (stderr.length < 4096) stderr += chunk.toString('utf8').slice(0, 4096 - stderr.length);
          },
        })
        .then(
          (r) => finish(() => resolve({ stdout: Buffer.concat(chunks), stderr, code: r.code, hostKey })),
          (err: unknown) => finish(() => reject(new AppException('unreachable', `The SSH session failed: ${firstLine(err)}`))),
        );
    });
  }
}

function hostKeyChanged(endpoint: SshEndpoint, pinned: string, presented: PresentedKey): AppException {
  return new AppException(
    'tls_pin_mismatch',
    `The SSH host key of ${endpoint.host}:${endpoint.port} changed: pinned ${pinned}, presented ${presented.fingerprint}. Nothing was sent. Confirm the new key out of band before trusting it.`,
    { details: { kind: 'ssh-host-key', host: endpoint.host, port: endpoint.port, pinnedFingerprint: pinned, presentedFingerprint: presented.fingerprint, presentedKeyType: presented.keyType } },
  );
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300) ?? 'unknown error';
}

/** ssh2 and socket errors → the closed code set; messages never carry key material (ssh2's do not). */
function connectError(endpoint: SshEndpoint, err: unknown): AppException {
  const where = `${endpoint.host}:${endpoint.port}`;
  const e = err as { code?: string; level?: string };
  const msg = firstLine(err);
  if (err instanceof AppException) return err;
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' || e.code === 'ECONNRESET' || e.code === 'EAI_AGAIN') {
    return new AppException('unreachable', `Cannot reach ${where} over SSH (${e.code})`, { cause: err });
  }
  if (/timed out/i.test(msg)) return new AppException('timeout', `No SSH handshake with ${where} within the time limit`, { cause: err });
  if (e.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    return new AppException('unauthenticated', `${where} refused the SSH key (is its public half in authorized_keys for that user?)`, { cause: err });
  }
  if (/passphrase|privateKey|parse/i.test(msg)) return new AppException('unauthenticated', `The stored SSH key could not be used: ${msg}`, { cause: err });
  return new AppException('unreachable', `SSH connection to ${where} failed: ${msg}`, { cause: err });
}
