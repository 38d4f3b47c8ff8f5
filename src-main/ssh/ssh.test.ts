import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channels } from '../../src-preload/contract';
import { SNPGUEST_COLLECT } from '../attestation/collect-commands';
import { AppException } from '../util/app-exception';
import { CommandAllowlist, printfBytes } from './command-allowlist';
import { describeKey, sshKeyType } from './host-key';
import { NodeSshRunner } from './node-ssh-runner';

describe('host key fingerprints', () => {
  it('match OpenSSH: SHA256 of the blob, unpadded base64; type from the blob', () => {
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
    const k = describeKey(blob);
    expect(k.keyType).toBe('ssh-ed25519');
    expect(k.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(sshKeyType(Buffer.from([0, 0, 1, 0]))).toBe('unknown');
  });
});

describe('the command allowlist', () => {
  const allowlist = new CommandAllowlist([SNPGUEST_COLLECT]);
  const nonce = randomBytes(64).toString('hex');

  it('builds only known templates, with a 64-byte hex nonce', () => {
    expect(allowlist.build('snpguest-report', { nonceHex: nonce }).line).toContain('snpguest report');
    expect(() => allowlist.build('rm', { nonceHex: nonce })).toThrow(AppException);
    for (const bad of ['', 'zz'.repeat(64), nonce.slice(2), `${nonce}; rm -rf /`, nonce.toUpperCase()]) {
      expect(() => allowlist.build('snpguest-report', { nonceHex: bad })).toThrow(/nonce/);
    }
  });

  it('checks identity and text: raw strings, look-alikes and altered commands are refused', () => {
    const cmd = allowlist.build('snpguest-report', { nonceHex: nonce });
    expect(allowlist.check(cmd)).toBe(cmd);
    for (const bad of [cmd.line, { ...cmd }, null, 42, { id: 'snpguest-report', line: 'id' }]) {
      expect(() => allowlist.check(bad)).toThrow(expect.objectContaining({ code: 'forbidden' }) as Error);
    }
    expect(() => {
      (cmd as { line: string }).line = 'id';
    }).toThrow();
  });

  it('the runner refuses before it connects (no host needed)', async () => {
    const runner = new NodeSshRunner(allowlist);
    await expect(runner.exec({ host: '192.0.2.1', port: 22 }, 'SHA256:x', { user: 'u', privateKey: 'k' }, 'id' as never)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('printf octal escapes reproduce the nonce bytes in a POSIX sh', () => {
    const bytes = randomBytes(64);
    const r = spawnSync('sh', ['-c', `printf '${printfBytes(bytes.toString('hex'))}'`]);
    expect(Buffer.compare(r.stdout, bytes)).toBe(0);
  });
});

describe('attestation and ssh payload schemas (fast-check)', () => {
  const names = ['ssh:probeHostKey', 'ssh:trustHostKey', 'ssh:addKey', 'attestation:list', 'attestation:detail', 'attestation:policy:set', 'attestation:attestNow', 'attestation:verifyFiles'] as const;
  const anything = fc.anything({ maxDepth: 3, withBoxedValues: true, withNullPrototype: true, withTypedArray: true, withMap: true, withSet: true, withBigInt: true, withDate: true });

  for (const name of names) {
    it(`${name}: random payloads are parsed or refused with issues, never thrown`, () => {
      fc.assert(
        fc.property(anything, (payload) => {
          const r = channels[name].request.safeParse(payload);
          if (!r.success) expect(r.error.issues.length).toBeGreaterThan(0);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('hosts and users that could smuggle options or commands are refused', () => {
    const probe = channels['ssh:probeHostKey'].request;
    for (const host of ['-oProxyCommand=id', 'a b', 'user@host', 'host;id', '$(id)', '', 'a'.repeat(300)]) expect(probe.safeParse({ host }).success, host).toBe(false);
    const attest = channels['attestation:attestNow'].request;
    const base = { guest: { clusterId: 'c1', vmid: 1, name: 'x' }, target: { host: 'h', port: 22, user: 'root' }, keyName: 'ops' };
    expect(attest.safeParse(base).success).toBe(true);
    for (const user of ['-l', 'root;id', 'a b', '']) expect(attest.safeParse({ ...base, target: { ...base.target, user } }).success, user).toBe(false);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        const ok = probe.safeParse({ host: s }).success;
        if (ok) expect(s.trim()).toMatch(/^[A-Za-z0-9.:-]+$/);
      }),
    );
  });

  it('verifyFiles bounds sizes and insists on base64', () => {
    const v = channels['attestation:verifyFiles'].request;
    expect(v.safeParse({ report: 'A'.repeat(4097), vek: 'AAAA' }).success).toBe(false);
    expect(v.safeParse({ report: '!!!!', vek: 'AAAA' }).success).toBe(false);
    expect(v.safeParse({ report: 'AAAA', vek: 'AAAA', reportData: 'xyz' }).success).toBe(false);
    expect(v.safeParse({ report: 'AA AA\n', vek: 'AAAA' }).success).toBe(true);
  });
});
