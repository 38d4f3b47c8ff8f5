/**
 * The OS keychain adapter. Against a real Secret Service (gnome-keyring in
 * a throwaway D-Bus session, which `npm test` provides and announces with
 * CAIRN_KEYRING=1): secrets round-trip. With keytar missing or refusing
 * (a fake is injected): every operation fails with secret_store_unavailable
 * and a message that says how to fix it, and never echoes the secret.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppException } from '../util/app-exception';
import { KeytarSecretStore, openKeychain, UnavailableSecretStore, type KeytarApi } from './keytar-secret-store';
import { KEYCHAIN_FIX_LINUX, type SecretStore } from './secret-store';

const KEYRING = process.env.CAIRN_KEYRING === '1';
const NO_KEYRING = 'no Secret Service in this session: run `npm test` (it starts gnome-keyring in dbus-run-session and sets CAIRN_KEYRING=1)';
const FIX = process.platform === 'linux' ? KEYCHAIN_FIX_LINUX : 'OS keychain did not answer';

async function expectUnavailable(p: Promise<unknown>, secret?: string): Promise<AppException> {
  const err = await p.then(
    () => {
      throw new Error('expected the keychain call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppException);
  const e = err as AppException;
  expect(e.code).toBe('secret_store_unavailable');
  expect(e.message).toContain(FIX);
  if (secret) expect(e.message).not.toContain(secret);
  return e;
}

describe(KEYRING ? 'the real OS keychain' : `the real OS keychain — SKIPPED: ${NO_KEYRING}`, () => {
  beforeAll(() => {
    if (!KEYRING) console.warn(`keytar.test.ts: real-keychain tests skipped: ${NO_KEYRING}`);
  });
  const service = `cairn-test-${randomBytes(6).toString('hex')}`;
  let store: SecretStore | null = null;
  const accounts: string[] = [];

  afterAll(async () => {
    for (const a of accounts) await store?.delete(a).catch(() => false);
  });

  it('opens as an available keychain', async (ctx) => {
    if (!KEYRING) ctx.skip(NO_KEYRING);
    store = await openKeychain(service);
    expect(store).toBeInstanceOf(KeytarSecretStore);
    expect(await store.status()).toEqual({ available: true, kind: 'keychain' });
  });

  it('round-trips set / get / overwrite / delete', async (ctx) => {
    if (!KEYRING) ctx.skip(NO_KEYRING);
    store ??= await openKeychain(service);
    const account = `connection:${randomBytes(4).toString('hex')}`;
    accounts.push(account);
    const secret = `pve-${randomBytes(16).toString('hex')}`;
    expect(await store.get(account)).toBeNull();
    await store.set(account, secret);
    expect(await store.get(account)).toBe(secret);
    await store.set(account, `${secret}-rotated`);
    expect(await store.get(account)).toBe(`${secret}-rotated`);
    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeNull();
    expect(await store.delete(account)).toBe(false);
  });

  it('keeps accounts and services apart, and stores any secret text exactly', async (ctx) => {
    if (!KEYRING) ctx.skip(NO_KEYRING);
    store ??= await openKeychain(service);
    const other = await openKeychain(`${service}-other`);
    const values = ['ünïcødé ✓ 🔑', ' leading and trailing spaces ', 'x'.repeat(4096), 'a=b;c"d\'e\\f\n'];
    for (const [i, v] of values.entries()) {
      const account = `account-${i}`;
      accounts.push(account);
      await store.set(account, v);
    }
    for (const [i, v] of values.entries()) expect(await store.get(`account-${i}`)).toBe(v);
    expect(await other.get('account-0')).toBeNull();
  });
});

describe('openKeychain without a usable keychain', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns an UnavailableSecretStore when keytar cannot be loaded', async () => {
    const store = await openKeychain('cairn-test', () => {
      throw new Error("Cannot find module 'keytar'\nRequire stack:\n- /somewhere");
    });
    expect(store).toBeInstanceOf(UnavailableSecretStore);
    const status = await store.status();
    expect(status.available).toBe(false);
    expect(status.kind).toBe('none');
    expect(status.fix).toContain("Cannot find module 'keytar'");
    expect(status.fix).not.toContain('Require stack');
    expect(status.fix).toContain(FIX);
    const secret = `s-${randomBytes(8).toString('hex')}`;
    await expectUnavailable(store.set('connection:x', secret), secret);
    await expectUnavailable(store.get('connection:x'));
    await expectUnavailable(store.delete('connection:x'));
  });

  it('returns an UnavailableSecretStore when no Secret Service answers', async () => {
    const fake: KeytarApi = {
      findCredentials: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
      getPassword: () => Promise.reject(new Error('unreachable')),
      setPassword: () => Promise.reject(new Error('unreachable')),
      deletePassword: () => Promise.reject(new Error('unreachable')),
    };
    const store = await openKeychain('cairn-test', () => fake);
    expect(store).toBeInstanceOf(UnavailableSecretStore);
    expect((await store.status()).fix).toContain('Cannot autolaunch D-Bus');
    await expectUnavailable(store.set('connection:x', 'secret-value-123'), 'secret-value-123');
  });

  it('gives up on a keychain that never answers', async () => {
    vi.useFakeTimers();
    const fake: KeytarApi = {
      findCredentials: () => new Promise(() => undefined),
      getPassword: () => new Promise(() => undefined),
      setPassword: () => new Promise(() => undefined),
      deletePassword: () => new Promise(() => undefined),
    };
    const opening = openKeychain('cairn-test', () => fake);
    await vi.advanceTimersByTimeAsync(5_001);
    const store = await opening;
    expect(store).toBeInstanceOf(UnavailableSecretStore);
    expect((await store.status()).fix).toMatch(/no answer within 5s/);
  });
});

describe('KeytarSecretStore when the keychain refuses an operation', () => {
  const secret = `tok-${randomBytes(12).toString('hex')}`;
  const refusing: KeytarApi = {
    findCredentials: () => Promise.resolve([]),
    getPassword: () => Promise.reject(new Error('org.freedesktop.Secret.Error.IsLocked')),
    // A library that (wrongly) quotes its input must still not leak the secret.
    setPassword: (_s, _a, password) => Promise.reject(new Error(`write of ${password} refused\nsecond line ${password}`)),
    deletePassword: () => Promise.reject(new Error('locked')),
  };
  const store = new KeytarSecretStore(refusing, 'cairn-test');

  it('reports itself available (the probe worked) but fails each operation with the fix', async () => {
    expect(await store.status()).toEqual({ available: true, kind: 'keychain' });
    const e = await expectUnavailable(store.set('connection:x', secret), secret);
    expect(e.message).toContain('refused to save a secret');
    expect(e.message).not.toContain('second line');
    expect((await expectUnavailable(store.get('connection:x'))).message).toContain('IsLocked');
    await expectUnavailable(store.delete('connection:x'));
  });

  it('carries no stack or cause that could hold the secret across the contract', async () => {
    const e = await expectUnavailable(store.set('connection:x', secret), secret);
    expect(JSON.stringify(e.toAppError())).not.toContain(secret);
  });
});
