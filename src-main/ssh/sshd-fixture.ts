/**
 * Test scaffolding (imported only by *.test.ts): a real OpenSSH sshd on
 * 127.0.0.1 with its own generated host key, a generated client key and an
 * authorized_keys file in a temp dir, running as the current user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** Why the sshd tests cannot run here, or null when they can. */
export function sshdUnavailable(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is absent (install openssh-server to run the SSH collection tests)`;
  if (spawnSync('ssh-keygen', ['-?']).error) return 'ssh-keygen is not on PATH';
  if (process.platform === 'win32') return 'sshd tests need a POSIX host';
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function keygen(file: string, passphrase = ''): { privateKey: string; publicKey: string; fingerprint: string } {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'cairn-test', '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr.toString()}`);
  const fp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]).stdout.toString().split(' ')[1] as string;
  return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8'), fingerprint: fp };
}

export class TestSshd {
  readonly dir = mkdtempSync(join(tmpdir(), 'cairn-sshd-'));
  readonly user = userInfo().username;
  port = 0;
  hostKeyFingerprint = '';
  private proc: ChildProcess | null = null;
  private logText = '';
  private hostKeys = 0;

  /** The client key (passphrase-protected) whose public half is authorized. */
  readonly client: { privateKey: string; publicKey: string; fingerprint: string; passphrase: string };

  constructor() {
    const passphrase = 'correct-horse-' + Math.random().toString(36).slice(2);
    this.client = { ...keygen(join(this.dir, 'client_ed25519'), passphrase), passphrase };
    writeFileSync(join(this.dir, 'authorized_keys'), this.client.publicKey, { mode: 0o600 });
    // sshd refuses to start without its privilege-separation directory.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  }

  get log(): string {
    return this.logText;
  }

  /** Starts (or restarts, with a fresh host key when `newHostKey`) on the same port. */
  async start(opts: { newHostKey?: boolean } = {}): Promise<void> {
    if (!this.port) this.port = await freePort();
    if (this.hostKeys === 0 || opts.newHostKey) {
      const file = join(this.dir, `host_ed25519_${++this.hostKeys}`);
      this.hostKeyFingerprint = keygen(file).fingerprint;
    }
    const config = join(this.dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress 127.0.0.1`,
        `HostKey ${join(this.dir, `host_ed25519_${this.hostKeys}`)}`,
        `PidFile ${join(this.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin yes',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'AllowAgentForwarding no',
        'AllowTcpForwarding no',
        'X11Forwarding no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const proc = spawn(SSHD, ['-D', '-e', '-f', config, '-p', String(this.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr?.on('data', (d: Buffer) => (this.logText += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!/Server listening on 127\.0\.0\.1/.test(this.logText)) {
      if (proc.exitCode !== null) throw new Error(`sshd exited ${proc.exitCode}: ${this.logText}`);
      if (Date.now() > deadline) throw new Error(`sshd did not start: ${this.logText}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
