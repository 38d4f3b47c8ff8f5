import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareVersions, metadataFileName, parseUpdateMetadata } from './metadata';
import { RELEASE_KEYS } from './release-key';
import { keyIdOf, parseSignatureFile, signMetadata, SIGNATURE_FORMAT, verifySignature } from './signature';
import { dumpYaml, loadYaml, metadataYaml, sha512b64, testKey } from './test-support';
import { sameRelease, verifyRelease, type ReleaseInput } from './verify';

const key = testKey();
const other = testKey('someone else');
const NAME = 'latest-linux.yml';
const appImage = { name: 'Cairn-1.4.0.AppImage', bytes: Buffer.from('an AppImage, honestly') };
const deb = { name: 'cairn_1.4.0_amd64.deb', bytes: Buffer.from('a deb package') };
const meta = Buffer.from(metadataYaml('1.4.0', [appImage, deb]));
const sig = Buffer.from(signMetadata(NAME, meta, key.privatePem));

function input(over: Partial<ReleaseInput> = {}): ReleaseInput {
  return { metadataName: NAME, metadata: meta, signature: sig, keys: [key.pinned], currentVersion: '1.3.2', ...over };
}
function codes(v: ReturnType<typeof verifyRelease>): string[] {
  return v.ok ? [] : v.reasons.map((r) => r.code);
}

describe('signature and verdict', () => {
  it('round-trips: a release signed by the pinned key verifies, with its files', () => {
    const v = verifyRelease(input());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.newer).toBe(true);
    expect(v.key.keyId).toBe(key.pinned.keyId);
    expect(v.metadata).toEqual({
      version: '1.4.0',
      releaseDate: '2026-11-20T10:00:00.000Z',
      files: [
        { url: appImage.name, sha512: sha512b64(appImage.bytes), size: appImage.bytes.length },
        { url: deb.name, sha512: sha512b64(deb.bytes), size: deb.bytes.length },
      ],
    });
  });

  it('the .sig file is the documented JSON with the key id of the signing key', () => {
    const o = JSON.parse(sig.toString()) as Record<string, string>;
    expect(o.format).toBe(SIGNATURE_FORMAT);
    expect(o.keyId).toBe(key.pinned.keyId);
    expect(keyIdOf(Buffer.from(key.pinned.publicKey, 'base64'))).toBe(o.keyId);
    expect(Buffer.from(o.signature as string, 'base64')).toHaveLength(64);
  });

  it('refuses a missing signature', () => {
    expect(codes(verifyRelease(input({ signature: null })))).toEqual(['signature-missing']);
  });

  it('refuses a signature by a key this build does not pin', () => {
    const s = Buffer.from(signMetadata(NAME, meta, other.privatePem));
    expect(codes(verifyRelease(input({ signature: s })))).toEqual(['unknown-key']);
  });

  it('refuses a forged signature that claims the pinned key id', () => {
    const forged = JSON.parse(signMetadata(NAME, meta, other.privatePem)) as Record<string, string>;
    forged.keyId = key.pinned.keyId;
    expect(codes(verifyRelease(input({ signature: Buffer.from(JSON.stringify(forged)) })))).toEqual(['bad-signature']);
  });

  it('refuses tampered metadata: any changed byte breaks the signature', () => {
    const text = meta.toString();
    const tampered = [
      text.replace('1.4.0', '1.4.1'),
      text.replace(/size: \d+/, 'size: 1'),
      text.replace(sha512b64(appImage.bytes), sha512b64(Buffer.from('evil'))),
      `${text}\n`,
      text.replace('Cairn-1.4.0.AppImage', 'Cairn-1.4.0.AppImagf'),
    ];
    for (const t of tampered) expect(codes(verifyRelease(input({ metadata: Buffer.from(t) })))).toEqual(['bad-signature']);
    fc.assert(
      fc.property(fc.nat(meta.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const m = Buffer.from(meta);
        m[at] = (m[at] as number) ^ flip;
        return codes(verifyRelease(input({ metadata: m }))).join() === 'bad-signature';
      }),
      { numRuns: 200 },
    );
  });

  it('refuses genuine metadata of another platform passed off under this name', () => {
    const mac = Buffer.from(signMetadata('latest-mac.yml', meta, key.privatePem));
    expect(codes(verifyRelease(input({ signature: mac })))).toEqual(['bad-signature']);
  });

  it('refuses malformed signature files with the reason', () => {
    const o = JSON.parse(sig.toString()) as Record<string, unknown>;
    const bad = [
      '',
      'not json',
      '[]',
      JSON.stringify({ ...o, extra: 1 }),
      JSON.stringify({ ...o, format: 'minisign' }),
      JSON.stringify({ ...o, keyId: 'EE7806D970843A61' }),
      JSON.stringify({ ...o, signature: 'AAAA' }),
      'x'.repeat(5000),
    ];
    for (const b of bad) expect(codes(verifyRelease(input({ signature: Buffer.from(b) })))).toEqual(['signature-malformed']);
  });

  it('refuses a downgrade; the same version is valid but not newer', () => {
    expect(codes(verifyRelease(input({ currentVersion: '1.5.0' })))).toEqual(['downgrade']);
    const same = verifyRelease(input({ currentVersion: '1.4.0' }));
    expect(same.ok && same.newer).toBe(false);
    expect(same.ok).toBe(true);
    expect(verifyRelease(input({ currentVersion: '1.4.0-rc.2' })).ok && verifyRelease(input({ currentVersion: '1.4.0-rc.2' }))).toMatchObject({ newer: true });
  });

  it('refuses signed metadata whose file paths escape the feed', () => {
    for (const url of ['../../etc/passwd', '/etc/passwd', 'https://evil.example/Cairn.AppImage', 'sub/dir.AppImage', '..', '.hidden', 'a%2f..%2fb', 'C:\\x.exe']) {
      const m = Buffer.from(dumpYaml({ version: '1.4.0', files: [{ url, sha512: sha512b64(Buffer.from('x')), size: 1 }], releaseDate: '2026-11-20T10:00:00.000Z' }));
      const s = Buffer.from(signMetadata(NAME, m, key.privatePem));
      expect(codes(verifyRelease(input({ metadata: m, signature: s }))), url).toEqual(['path-escape']);
    }
    const legacy = Buffer.from(meta.toString().replace(/^path: .*$/m, 'path: ../Cairn.AppImage'));
    expect(codes(verifyRelease(input({ metadata: legacy, signature: Buffer.from(signMetadata(NAME, legacy, key.privatePem)) })))).toEqual(['path-escape']);
  });

  it('checks the signature with the pinned key, never one carried in the file', () => {
    const v = verifySignature(NAME, meta, sig, [{ ...key.pinned, publicKey: other.pinned.publicKey }]);
    expect(v.ok).toBe(false);
  });

  it('pins a real development release key', () => {
    expect(RELEASE_KEYS.length).toBeGreaterThan(0);
    for (const k of RELEASE_KEYS) {
      const raw = Buffer.from(k.publicKey, 'base64');
      expect(raw).toHaveLength(32);
      expect(keyIdOf(raw)).toBe(k.keyId);
    }
  });
});

describe('metadata reader', () => {
  it('reads what electron-builder writes, including quoted versions, blockmaps and release notes', () => {
    const text = dumpYaml({
      version: '2.0.0',
      files: [{ url: 'Cairn-Setup-2.0.0.exe', sha512: sha512b64(Buffer.from('exe')), size: 3, blockMapSize: 1234, isAdminRightsRequired: true }],
      path: 'Cairn-Setup-2.0.0.exe',
      sha512: sha512b64(Buffer.from('exe')),
      releaseDate: '2026-11-20T10:00:00.000Z',
      releaseNotes: "Fixes:\n- it's: quoted\n\n'more'",
    });
    const r = parseUpdateMetadata(Buffer.from(text));
    expect(r).toEqual({ ok: true, value: { version: '2.0.0', releaseDate: '2026-11-20T10:00:00.000Z', files: [{ url: 'Cairn-Setup-2.0.0.exe', sha512: sha512b64(Buffer.from('exe')), size: 3 }] } });
  });

  it('agrees with js-yaml on any metadata electron-builder could write', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,30}$/).filter((s) => !s.includes('..'));
    const file = fc.record({ url: name, sha512: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')), size: fc.integer({ min: 1, max: 2 ** 40 }) });
    const notes = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.array(fc.constantFrom('a', 'b c', ' ', '  ', '\n', '\t', ':', ': ', '#', ' #', '- ', "'", '"', 'é', '\u0001', '|', '\u2028', '---'), { maxLength: 30 }).map((p) => p.join('')),
    );
    const version = fc.tuple(fc.nat(99), fc.nat(99), fc.nat(99), fc.option(fc.constantFrom('rc.1', 'beta', 'alpha.2'), { nil: undefined })).map(([a, b, c, p]) => `${a}.${b}.${c}${p ? `-${p}` : ''}`);
    fc.assert(
      fc.property(version, fc.uniqueArray(file, { minLength: 1, maxLength: 5, selector: (f) => f.url }), fc.option(notes, { nil: undefined }), (v, files, notes) => {
        const text = dumpYaml({ version: v, files, path: files[0]!.url, sha512: files[0]!.sha512, releaseDate: '2026-01-02T03:04:05.678Z', ...(notes !== undefined ? { releaseNotes: notes } : {}) });
        const ours = parseUpdateMetadata(Buffer.from(text));
        const theirs = loadYaml(text) as { version: string; files: typeof files };
        expect(ours.ok).toBe(true);
        if (ours.ok) {
          expect(ours.value.version).toBe(String(theirs.version));
          expect(ours.value.files).toEqual(theirs.files);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses YAML it does not understand rather than guessing', () => {
    const good = meta.toString();
    const bad = [
      good.replace('files:', 'files: &a'),
      `${good}extra: *a\n`,
      good.replace('version: 1.4.0', 'version: !!str 1.4.0'),
      good.replace('version: 1.4.0', 'version: {a: 1}'),
      good.replace('version: 1.4.0', 'version: 1.4'),
      good.replace('version: 1.4.0', 'version: 1.4.0\nversion: 9.9.9'),
      good.replace('  - url', '\t- url'),
      good.replace(/size: \d+/, 'size: -1'),
      good.replace(/size: \d+/, 'size: 1e3'),
      good.replace(/sha512: (\S+)\n {4}size/, 'sha512: abc\n    size'),
      good.replace(/releaseDate: .*/, "releaseDate: 'yesterday'"),
      'version: 1.4.0\n',
      'version: 1.4.0\nfiles:\n',
    ];
    for (const b of bad) expect(parseUpdateMetadata(Buffer.from(b)).ok, b).toBe(false);
    expect(parseUpdateMetadata(Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false, problem: { code: 'metadata-malformed' } });
  });

  it('never throws, whatever the bytes of metadata and signature', () => {
    const text = meta.toString();
    const mutated = fc.tuple(fc.nat(text.length), fc.nat(20), fc.string({ maxLength: 20 })).map(([at, del, ins]) => Buffer.from(text.slice(0, at) + ins + text.slice(at + del)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)), mutated), fc.option(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.constant(sig)), { nil: null }), (m, s) => {
        const v = verifyRelease(input({ metadata: m, signature: s }));
        expect(typeof v.ok).toBe('boolean');
        const p = parseUpdateMetadata(m);
        expect(typeof p.ok).toBe('boolean');
        expect(typeof parseSignatureFile(s ?? Buffer.alloc(0)).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('versions and names', () => {
  it('orders semantic versions, pre-releases before their release', () => {
    const ordered = ['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '10.0.0'];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) expect(Math.sign(compareVersions(ordered[i]!, ordered[j]!)), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
    }
  });

  it("names the platform's metadata file as electron-updater does", () => {
    expect(metadataFileName('linux', 'x64')).toBe('latest-linux.yml');
    expect(metadataFileName('linux', 'arm64')).toBe('latest-linux-arm64.yml');
    expect(metadataFileName('win32', 'x64')).toBe('latest.yml');
    expect(metadataFileName('darwin', 'arm64')).toBe('latest-mac.yml');
  });

  it('compares what the installer parsed with the signed release', () => {
    const m = verifyRelease(input());
    if (!m.ok) throw new Error('expected ok');
    expect(sameRelease(m.metadata, { version: '1.4.0', files: m.metadata.files })).toBe(true);
    expect(sameRelease(m.metadata, { version: '1.4.1', files: m.metadata.files })).toBe(false);
    expect(sameRelease(m.metadata, { version: '1.4.0', files: m.metadata.files.slice(1) })).toBe(false);
    expect(sameRelease(m.metadata, { version: '1.4.0', files: m.metadata.files.map((f, i) => (i ? f : { ...f, sha512: sha512b64(Buffer.from('evil')) })) })).toBe(false);
  });
});
