import { describe, expect, it } from 'vitest';
import { AppException } from '../util/app-exception';
import { fromHex, toHex } from './encoding';
import { formatCheckpoint, parseCheckpoint, policyFromKeys, signCheckpoint, verifyCheckpoint, type Checkpoint } from './checkpoint';
import { generateNoteKey, parseCosignerKey, parseNote, parseSignerKey, parseVerifierKey, signNote } from './note';
import { loadVectors } from './test-vectors';

const V = loadVectors();
const C = V.checkpoints[0]!;

describe('checkpoint vectors', () => {
  it(`has all ${V.checkpoints.length} vectors`, () => expect(V.checkpoints.length).toBe(1));

  it.each(V.checkpoints)('$id → $expect', (c) => {
    const v = verifyCheckpoint(c.signed_checkpoint, { logKeys: c.vkeys.map(parseVerifierKey), origin: c.origin });
    expect(v.valid ? 'valid' : 'invalid', v.reason).toBe(c.expect);
    expect(v.checkpoint?.origin).toBe(c.origin);
    expect(v.checkpoint?.size).toBe(Number(c.tree_size));
    expect(toHex(v.checkpoint!.rootHash)).toBe(c.root);
  });

  it('re-signing the body with the test key reproduces the vector exactly', () => {
    const body: Checkpoint = { origin: C.origin, size: Number(C.tree_size), rootHash: fromHex(C.root)!, extensions: [] };
    expect(signCheckpoint(body, [parseSignerKey(C.skey_for_tests_only)])).toBe(C.signed_checkpoint);
  });

  it('the ECDSA-signed Rekor and Pixel notes parse as checkpoints', () => {
    for (const id of ['rekor-ecdsa-checkpoint', 'pixel-ecdsa-checkpoint']) {
      const n = V.signed_notes.find((x) => x.id === id)!;
      const v = verifyCheckpoint(n.note, { logKeys: n.vkeys.map(parseVerifierKey) });
      expect(v.valid, v.reason).toBe(true);
    }
  });

  it('a wrong origin, a wrong key or no key is invalid', () => {
    const logKeys = C.vkeys.map(parseVerifierKey);
    expect(verifyCheckpoint(C.signed_checkpoint, { logKeys, origin: 'example.com/another-log' })).toMatchObject({ valid: false, code: 'origin-mismatch' });
    expect(verifyCheckpoint(C.signed_checkpoint, { logKeys: [parseVerifierKey(generateNoteKey(C.origin).vkey)] })).toMatchObject({ valid: false, code: 'untrusted' });
    expect(verifyCheckpoint(C.signed_checkpoint, { logKeys: [] })).toMatchObject({ valid: false, code: 'untrusted' });
    expect(verifyCheckpoint(C.signed_checkpoint.replace('\n8\n', '\n9\n'), { logKeys })).toMatchObject({ valid: false, code: 'bad-signature' });
  });
});

describe('checkpoint body', () => {
  const root = Buffer.alloc(32, 7);
  const good = `example.com/log\n42\n${root.toString('base64')}\n`;

  it('round-trips, including extension lines', () => {
    const cp: Checkpoint = { origin: 'example.com/log', size: 42, rootHash: root, extensions: ['ext one', 'two'] };
    const text = formatCheckpoint(cp);
    expect(text).toBe(`${good}ext one\ntwo\n`);
    expect(parseCheckpoint(text)).toEqual({ ok: true, checkpoint: cp });
    expect(parseCheckpoint(good)).toMatchObject({ ok: true, checkpoint: { size: 42, extensions: [] } });
    expect(parseCheckpoint(`example.com/log\n0\n${root.toString('base64')}\n`)).toMatchObject({ ok: true, checkpoint: { size: 0 } });
  });

  it.each([
    ['no final newline', good.slice(0, -1)],
    ['only two lines', 'example.com/log\n42\n'],
    ['empty origin', good.replace('example.com/log', '')],
    ['leading zero', good.replace('\n42\n', '\n042\n')],
    ['negative size', good.replace('\n42\n', '\n-42\n')],
    ['size with a plus', good.replace('\n42\n', '\n+42\n')],
    ['size with spaces', good.replace('\n42\n', '\n 42\n')],
    ['size in hex', good.replace('\n42\n', '\n0x2a\n')],
    ['size past 2^53', good.replace('\n42\n', '\n18446744073709551615\n')],
    ['31-byte root', `example.com/log\n42\n${Buffer.alloc(31).toString('base64')}\n`],
    ['33-byte root', `example.com/log\n42\n${Buffer.alloc(33).toString('base64')}\n`],
    ['root in hex', `example.com/log\n42\n${root.toString('hex')}\n`],
    ['unpadded root', good.replace('=\n', '\n')],
    ['url-safe base64 root', `example.com/log\n42\n${Buffer.alloc(32, 0xfb).toString('base64url')}=\n`],
    ['empty extension line', `${good}\n`],
  ])('parse refuses %s', (_what, text) => {
    expect(parseCheckpoint(text).ok).toBe(false);
  });

  it.each([
    ['an origin with a space', { origin: 'my log' }],
    ['an origin with a plus', { origin: 'a+b' }],
    ['an empty origin', { origin: '' }],
    ['a fractional size', { size: 1.5 }],
    ['a negative size', { size: -1 }],
    ['a short root', { rootHash: new Uint8Array(31) }],
    ['an empty extension', { extensions: [''] }],
    ['a newline in an extension', { extensions: ['a\nb'] }],
  ])('format refuses %s', (_what, change) => {
    expect(() => formatCheckpoint({ origin: 'example.com/log', size: 1, rootHash: root, extensions: [], ...change })).toThrow(AppException);
  });

  it('a correctly signed note whose body is not a checkpoint is invalid', () => {
    const k = generateNoteKey('example.com/log');
    const note = signNote('hello\nworld\n', [parseSignerKey(k.skey)]);
    expect(verifyCheckpoint(note, { logKeys: [parseVerifierKey(k.vkey)] })).toMatchObject({ valid: false, code: 'malformed' });
  });
});

describe('witness policy', () => {
  const log = generateNoteKey('example.com/log');
  const w1 = generateNoteKey('witness.example/w1');
  const w2 = generateNoteKey('witness.example/w2');
  const c1 = parseCosignerKey(w1.skey, () => 1_700_000_000);
  const c2 = parseCosignerKey(w2.skey, () => 1_700_000_001);
  const body: Checkpoint = { origin: 'example.com/log', size: 10, rootHash: Buffer.alloc(32, 1), extensions: [] };
  const signed = signCheckpoint(body, [parseSignerKey(log.skey)]);
  const cosigned = signNote(signed, [c1, c2], { existing: true });
  const logKeys = [parseVerifierKey(log.vkey)];
  const witnessKeys = [parseVerifierKey(c1.vkey), parseVerifierKey(c2.vkey)];

  it('counts distinct witnesses against the quorum', () => {
    expect(verifyCheckpoint(cosigned, { logKeys, witnessKeys, witnessQuorum: 2 }).valid).toBe(true);
    expect(verifyCheckpoint(signed, { logKeys, witnessKeys, witnessQuorum: 1 })).toMatchObject({ valid: false, code: 'untrusted' });
    const one = signNote(signed, [c1], { existing: true });
    expect(verifyCheckpoint(one, { logKeys, witnessKeys, witnessQuorum: 1 }).valid).toBe(true);
    expect(verifyCheckpoint(one, { logKeys, witnessKeys, witnessQuorum: 2 })).toMatchObject({ valid: false, code: 'untrusted' });
  });

  it('witness cosignatures alone do not make a checkpoint valid', () => {
    const onlyWitness = signNote(formatCheckpoint(body), [c1]);
    expect(verifyCheckpoint(onlyWitness, { logKeys, witnessKeys })).toMatchObject({ valid: false, code: 'untrusted' });
  });

  it('policyFromKeys sorts cosigner keys into witnesses', () => {
    const policy = policyFromKeys([...logKeys, ...witnessKeys], { witnessQuorum: 2 });
    expect(policy.logKeys).toHaveLength(1);
    expect(policy.witnessKeys).toHaveLength(2);
    const v = verifyCheckpoint(cosigned, policy);
    expect(v.valid && v.witnessSignatures.map((s) => s.timestamp)).toEqual([1_700_000_000, 1_700_000_001]);
  });

  it('the log signature survives cosigning unchanged', () => {
    const a = parseNote(signed);
    const b = parseNote(cosigned);
    expect(a.ok && b.ok && b.signatures[0]).toEqual(a.ok && a.signatures[0]);
  });
});
