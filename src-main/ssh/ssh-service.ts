/**
 * SSH for the rest of Cairn: trust on first use after operator
 * confirmation, client keys kept in the SecretStore, and allowlisted
 * commands run only against a pinned host key. The private key and its
 * passphrase are read from the keychain for one connection and handed to
 * the runner; they are registered with the log redactor and never stored
 * elsewhere or returned.
 */
import { createRequire } from 'node:module';
import type { SshHostKey, SshHostPin, SshKeyInfo, SshKeyInput } from '../../src-preload/contract';
import type { SecretStore } from '../secrets';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import type { Logger, Redactor } from '../util/log';
import type { AllowedCommand } from './command-allowlist';
import { sshFingerprint } from './host-key';
import type { SshExecOptions, SshExecResult, SshRunner } from './ssh-runner';
import { SshRepo } from './ssh-repo';

/** ssh2's key parser (ssh2 ships no type declarations; this is the slice we use). */
interface ParsedKey {
  type: string;
  getPublicSSH(): Buffer;
  isPrivateKey(): boolean;
}
const ssh2 = createRequire(import.meta.url)('ssh2') as { utils: { parseKey(data: string, passphrase?: string): ParsedKey | ParsedKey[] | Error } };

const keyAccount = (name: string) => `ssh-key:${name}`;

interface StoredKey {
  privateKey: string;
  passphrase?: string;
}

export interface SshTargetRef {
  host: string;
  port: number;
  user: string;
}

export class SshService {
  readonly repo: SshRepo;

  constructor(
    db: Db,
    private readonly secrets: SecretStore,
    private readonly runner: SshRunner,
    private readonly log: Logger,
    private readonly redactor: Redactor | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.repo = new SshRepo(db);
  }

  async probe(host: string, port: number): Promise<SshHostKey> {
    const presented = await this.runner.probeHostKey({ host, port });
    const pin = this.repo.pin(host, port);
    return {
      host,
      port,
      keyType: presented.keyType,
      fingerprint: presented.fingerprint,
      pin: pin === null ? 'new' : pin.fingerprint === presented.fingerprint ? 'match' : 'mismatch',
      pinnedFingerprint: pin?.fingerprint ?? null,
    };
  }

  /** Pins the key the operator confirmed, after checking the host still presents exactly that key. */
  async trust(target: SshTargetRef, fingerprint: string): Promise<SshHostPin> {
    const presented = await this.runner.probeHostKey({ host: target.host, port: target.port });
    if (presented.fingerprint !== fingerprint) {
      throw new AppException(
        'tls_pin_mismatch',
        `${target.host}:${target.port} now presents ${presented.fingerprint}, not the key you confirmed (${fingerprint}). Nothing was pinned.`,
        { field: 'fingerprint', details: { kind: 'ssh-host-key', confirmedFingerprint: fingerprint, presentedFingerprint: presented.fingerprint } },
      );
    }
    const previous = this.repo.pin(target.host, target.port);
    const pin: SshHostPin = { host: target.host.toLowerCase(), port: target.port, user: target.user, keyType: presented.keyType, fingerprint, confirmedAt: this.now().toISOString() };
    this.repo.savePin(pin);
    this.log.info(previous && previous.fingerprint !== fingerprint ? 'ssh host key re-pinned' : 'ssh host key pinned', {
      host: pin.host,
      port: pin.port,
      fingerprint,
      ...(previous && previous.fingerprint !== fingerprint ? { previous: previous.fingerprint } : {}),
    });
    return pin;
  }

  keys(): SshKeyInfo[] {
    return this.repo.keys();
  }

  async addKey(input: SshKeyInput): Promise<SshKeyInfo> {
    const name = input.name.trim();
    if (this.repo.key(name)) throw new AppException('conflict', `An SSH key named ${name} already exists`, { field: 'name' });
    const parsed = parsePrivateKey(input.privateKey, input.passphrase);
    const info: SshKeyInfo = { name, keyType: parsed.type, publicFingerprint: sshFingerprint(parsed.getPublicSSH()), createdAt: this.now().toISOString() };
    const stored: StoredKey = { privateKey: input.privateKey, ...(input.passphrase ? { passphrase: input.passphrase } : {}) };
    this.redact(stored);
    await this.secrets.set(keyAccount(name), JSON.stringify(stored));
    this.repo.addKey(info);
    this.log.info('ssh key stored in the secret store', { name, keyType: info.keyType, publicFingerprint: info.publicFingerprint });
    return info;
  }

  /** The whole key, each of its base64 lines and the passphrase are masked in every log line from now on. */
  private redact(key: StoredKey): void {
    if (!this.redactor) return;
    this.redactor.add(key.privateKey);
    for (const line of key.privateKey.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) this.redactor.add(line.trim());
    if (key.passphrase) this.redactor.add(key.passphrase);
  }

  /** Runs one allowlisted command on a pinned host with a key from the secret store. */
  async exec(target: SshTargetRef, keyName: string, command: AllowedCommand, options?: SshExecOptions): Promise<SshExecResult> {
    const pin = this.repo.pin(target.host, target.port);
    if (!pin) {
      throw new AppException('tls_unpinned', `The SSH host key of ${target.host}:${target.port} is not pinned yet: probe it and confirm its fingerprint first`, {
        details: { kind: 'ssh-host-key', host: target.host, port: target.port },
      });
    }
    if (!this.repo.key(keyName)) throw new AppException('not_found', `No SSH key named ${keyName}`, { field: 'keyName' });
    const raw = await this.secrets.get(keyAccount(keyName));
    if (!raw) throw new AppException('not_found', `The SSH key ${keyName} is missing from the secret store; add it again`, { field: 'keyName' });
    let key: StoredKey;
    try {
      key = JSON.parse(raw) as StoredKey;
    } catch {
      throw new AppException('not_found', `The SSH key ${keyName} in the secret store is unreadable; add it again`, { field: 'keyName' });
    }
    this.redact(key);
    const started = Date.now();
    const result = await this.runner.exec(
      { host: target.host, port: target.port },
      pin.fingerprint,
      { user: target.user, privateKey: key.privateKey, ...(key.passphrase ? { passphrase: key.passphrase } : {}) },
      command,
      options,
    );
    this.log.info('ssh command ran', { host: target.host, port: target.port, user: target.user, command: command.id, code: result.code, bytes: result.stdout.length, ms: Date.now() - started });
    return result;
  }
}

function parsePrivateKey(text: string, passphrase: string | undefined): ParsedKey {
  let parsed: ParsedKey | ParsedKey[] | Error;
  try {
    parsed = ssh2.utils.parseKey(text, passphrase);
  } catch {
    parsed = new Error('unparseable');
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) {
    const msg = key instanceof Error ? key.message : '';
    if (/passphrase|decrypt|bad decrypt/i.test(msg)) throw new AppException('invalid_request', 'The passphrase does not open this private key', { field: 'passphrase' });
    throw new AppException('invalid_request', 'Not a private key Cairn can use (OpenSSH or PEM: Ed25519, ECDSA or RSA)', { field: 'privateKey' });
  }
  if (!key.isPrivateKey()) throw new AppException('invalid_request', 'That is a public key; paste the private key', { field: 'privateKey' });
  return key;
}
