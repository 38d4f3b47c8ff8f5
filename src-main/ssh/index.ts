/**
 * SSH: host keys pinned on first use after operator confirmation, client
 * keys in the SecretStore, and only allowlisted commands. Other domains
 * import from here only.
 */
export { CommandAllowlist, printfBytes, type AllowedCommand, type CommandParams, type CommandTemplate } from './command-allowlist';
export { describeKey, sshFingerprint, sshKeyType, type PresentedKey } from './host-key';
export { NodeSshRunner } from './node-ssh-runner';
export { SshRepo } from './ssh-repo';
export type { SshCredentials, SshEndpoint, SshExecOptions, SshExecResult, SshRunner } from './ssh-runner';
export { SshService, type SshTargetRef } from './ssh-service';
