import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppException } from '../util/app-exception';
import { fromBase64, toBase64 } from './encoding';
import {
  ed25519NoteSigner,
  formatKeyId,
  generateNoteKey,
  MAX_SIGNATURES,
  noteKeyId,
  parseCosignerKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  SIG_COSIGNATURE_V1,
  SIG_ECDSA,
  SIG_ED25519,
  verifyNote,
} from './note';
import { loadVectors } from './test-vectors';

const V = loadVectors();
const keys = (vkeys: readonly string[]) => vkeys.map(parseVerifierKey);
const signer = (v: { name: string; keyId: number }) => `${v.name}+${formatKeyId(v.keyId)}`;

describe('signed-note vectors', () => {
  it(`has all ${V.signed_notes.length} vectors`, () => expect(V.signed_notes.length).toBe(13));

  it.each(V.signed_notes)('$id → $expect', (v) => {
    const verdict = verifyNote(v.note, keys(v.vkeys));
    expect(verdict.valid ? 'valid' : 'invalid', verdict.reason).toBe(v.expect);
    if (v.verified_signers) expect(verdict.verified.map(signer)).toEqual(v.verified_signers);
  });

  it('the same vectors as UTF-8 bytes give the same outcome', () => {
    for (const v of V.signed_notes) expect(verifyNote(Buffer.from(v.note, 'utf8'), keys(v.vkeys)).valid, v.id).toBe(v.expect === 'valid');
  });

  it('signing with the published Go test key reproduces its signature byte for byte', () => {
    const v = V.signed_notes.find((n) => n.id === 'gomod-peter-sign')!;
    const s = parseSignerKey(v.skey!);
    expect(s.vkey).toBe(v.vkeys[0]);
    const parsed = parseNote(v.note);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(signNote(parsed.text, [s])).toBe(v.note);
  });

  it('the checkpoint test key derives the published verifier key', () => {
    const c = V.checkpoints[0]!;
    expect(parseSignerKey(c.skey_for_tests_only).vkey).toBe(c.vkeys[0]);
  });

  it('reports unknown signers without trusting them', () => {
    const v = V.signed_notes.find((n) => n.id === 'gomod-two-sigs-one-known')!;
    const verdict = verifyNote(v.note, keys(v.vkeys));
    expect(verdict.unknown.map((u) => u.name)).toEqual(['EnochRoot']);
  });
});

describe('verifier keys', () => {
  it('derives key IDs per signature type (Ed25519, ECDSA over the SPKI, cosignature)', () => {
    const ed = parseVerifierKey(V.checkpoints[0]!.vkeys[0]!);
    expect(ed.type).toBe(SIG_ED25519);
    expect(noteKeyId(ed.name, SIG_ED25519, ed.publicKey)).toBe(ed.keyId);
    const rekor = parseVerifierKey(V.signed_notes.find((n) => n.id === 'rekor-ecdsa-checkpoint')!.vkeys[0]!);
    expect(rekor.type).toBe(SIG_ECDSA);
    expect(formatKeyId(rekor.keyId)).toBe('c0d23d6a');
    // Published type 0x04 and 0x01 keys from transparency-dev/formats note/note_cosigv1_test.go.
    expect(parseVerifierKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2').type).toBe(SIG_COSIGNATURE_V1);
    expect(parseVerifierKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6').name).toBe('TEST');
  });

  it.each([
    ['wrong number of parts', 'bananas.sigstore.dev+12344556'],
    ['invalid base64', 'rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!'],
    ['unsupported type 0x03', 'rekor.sigstore.dev+12345678+AwEB'],
    ['key ID not hex', 'rekor.sigstore.dev+NOT_A_NUMBER+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc='],
    ['incorrect key ID', 'rekor.sigstore.dev+00000000+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc='],
    ['Ed25519 key ID for another name', 'example.com/other+d77dab05+AQDl16S90Jt3p+rqjX/isE8CTNYSseVq7EgQSTsdzJvI'],
    ['short Ed25519 key', 'a+00000000+AQAB'],
    ['name with a space', 'a b+d77dab05+AQDl16S90Jt3p+rqjX/isE8CTNYSseVq7EgQSTsdzJvI'],
    ['empty name', '+d77dab05+AQDl16S90Jt3p+rqjX/isE8CTNYSseVq7EgQSTsdzJvI'],
  ])('refuses %s', (_what, vkey) => {
    expect(() => parseVerifierKey(vkey)).toThrow(AppException);
  });

  it('refuses malformed signer keys without echoing the secret', () => {
    const { skey } = generateNoteKey('example.com/k');
    const tampered = skey.replace(/\+([0-9a-f]{8})\+/, '+00000000+');
    for (const bad of [tampered, skey.replace('PRIVATE', 'PUBLIC'), `${skey}x`, 'PRIVATE+KEY+n+00000000+AgAA']) {
      try {
        parseSignerKey(bad);
        expect.unreachable(`accepted ${bad}`);
      } catch (err) {
        expect(err).toBeInstanceOf(AppException);
        expect((err as Error).message).not.toContain(skey.split('+')[4]!);
      }
    }
  });
});

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Sets a padding bit in the last base64 character before '=': same bytes, different spelling. */
function nonCanonical(note: string): string {
  const m = /([A-Za-z0-9+/])=\n$/.exec(note)!;
  const c = B64[B64.indexOf(m[1]!) | 1]!;
  expect(c).not.toBe(m[1]);
  return `${note.slice(0, m.index)}${c}=\n`;
}

describe('signing and verifying', () => {
  const log = generateNoteKey('example.com/log');
  const other = generateNoteKey('example.com/other');
  const text = 'example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

  it('round-trips with several signers; any one known key is enough', () => {
    const note = signNote(text, [parseSignerKey(log.skey), parseSignerKey(other.skey)]);
    expect(verifyNote(note, keys([log.vkey])).valid).toBe(true);
    expect(verifyNote(note, keys([other.vkey])).valid).toBe(true);
    const both = verifyNote(note, keys([log.vkey, other.vkey]));
    expect(both.valid && both.text).toBe(text);
    expect(both.verified).toHaveLength(2);
    expect(verifyNote(note, [])).toMatchObject({ valid: false, code: 'untrusted' });
  });

  it('a known signature that fails rejects the note even when another verifies', () => {
    const note = signNote(text, [parseSignerKey(log.skey), parseSignerKey(other.skey)]);
    const lines = note.split('\n');
    const sig = fromBase64(lines[5]!.split(' ')[2]!)!;
    sig[10]! ^= 1;
    lines[5] = `— example.com/other ${toBase64(sig)}`;
    const bad = lines.join('\n');
    expect(verifyNote(bad, keys([log.vkey])).valid).toBe(true); // the broken one is unknown here
    expect(verifyNote(bad, keys([log.vkey, other.vkey]))).toMatchObject({ valid: false, code: 'bad-signature' });
  });

  it('any change to the text breaks the signature', () => {
    const note = signNote(text, [parseSignerKey(log.skey)]);
    expect(verifyNote(note.replace('\n3\n', '\n4\n'), keys([log.vkey]))).toMatchObject({ valid: false, code: 'bad-signature' });
  });

  it('accepts 16 signatures and refuses more than the cap', () => {
    const extra = Array.from({ length: 15 }, (_, i) => parseSignerKey(generateNoteKey(`w${i}`).skey));
    const note = signNote(text, [parseSignerKey(log.skey), ...extra]);
    expect(verifyNote(note, keys([log.vkey])).valid).toBe(true);
    const line = note.split('\n')[4]!;
    const tooMany = `${text}\n${Array.from({ length: MAX_SIGNATURES + 1 }, () => `${line}\n`).join('')}`;
    expect(verifyNote(tooMany, keys([log.vkey]))).toMatchObject({ valid: false, code: 'malformed' });
  });

  it('ignores a repeated signature from the same key', () => {
    const note = signNote(text, [parseSignerKey(log.skey)]);
    const line = note.split('\n')[4]!;
    const twice = verifyNote(`${note}${line}\n`, keys([log.vkey]));
    expect(twice.valid && twice.verified).toHaveLength(1);
  });

  it.each([
    ['non-canonical base64 in a signature', nonCanonical],
    ['unpadded base64 in a signature', (n: string) => n.replace(/=\n$/, '\n')],
    ['a name with a plus', (n: string) => n.replace('— example.com/log ', '— example.com+log ')],
    ['a missing space', (n: string) => n.replace('— example.com/log ', '— example.com/log')],
    ['a hyphen instead of an em dash', (n: string) => n.replace('— ', '- ')],
    ['a tab in the text', (n: string) => n.replace('example.com/log\n3', 'example.com/log\t\n3')],
    ['a carriage return', (n: string) => n.replace(/\n$/, '\r\n')],
    ['a lone surrogate', (n: string) => n.replace('example', '\ud800example')],
    ['no signature block', (n: string) => n.slice(0, n.indexOf('\n\n') + 2)],
  ])('malformed: %s', (_what, mutate) => {
    const note = signNote(text, [parseSignerKey(log.skey)]);
    expect(verifyNote(note, keys([log.vkey])).valid).toBe(true);
    expect(verifyNote(mutate(note), keys([log.vkey]))).toMatchObject({ valid: false, code: 'malformed' });
  });

  it('rejects invalid UTF-8 given as bytes', () => {
    const note = Buffer.from(signNote(text, [parseSignerKey(log.skey)]), 'utf8');
    const bad = Buffer.concat([Buffer.from([0xff]), note]);
    expect(verifyNote(bad, keys([log.vkey]))).toMatchObject({ valid: false, code: 'malformed' });
  });

  it('refuses two different trusted keys with the same name and key ID', () => {
    const a = parseVerifierKey(log.vkey);
    const impostor = { ...a, vkey: `${a.vkey}x`, verify: () => ({ ok: true }) };
    expect(verifyNote(signNote(text, [parseSignerKey(log.skey)]), [a, impostor])).toMatchObject({ valid: false, code: 'malformed' });
  });

  it('refuses to sign text without a final newline or with control characters', () => {
    const s = parseSignerKey(log.skey);
    expect(() => signNote('no newline', [s])).toThrow(AppException);
    expect(() => signNote('bell\u0007\n', [s])).toThrow(AppException);
    expect(() => signNote(text, [])).toThrow(AppException);
  });
});

describe('witness cosignatures (type 0x04)', () => {
  const log = generateNoteKey('example.com/log');
  const witness = generateNoteKey('witness.example/w1');
  const text = 'example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

  it('a cosigner adds a timestamped signature that its 0x04 key verifies', () => {
    const cosigner = parseCosignerKey(witness.skey, () => 1679315147);
    const signed = signNote(text, [parseSignerKey(log.skey)]);
    const cosigned = signNote(signed, [cosigner], { existing: true });
    expect(cosigned.startsWith(signed)).toBe(true);
    const v = verifyNote(cosigned, keys([log.vkey, cosigner.vkey]));
    expect(v.valid).toBe(true);
    expect(v.verified.find((s) => s.name === 'witness.example/w1')).toMatchObject({ type: SIG_COSIGNATURE_V1, timestamp: 1679315147 });
    // The signature bytes are the 8-byte big-endian timestamp and 64 bytes of Ed25519.
    const sig = v.verified.find((s) => s.type === SIG_COSIGNATURE_V1)!.signature;
    expect(sig).toHaveLength(72);
    expect(Buffer.from(sig).readBigUInt64BE(0)).toBe(1679315147n);
  });

  it('the same key as a plain Ed25519 vkey does not accept a cosignature, and vice versa', () => {
    const cosigned = signNote(text, [parseCosignerKey(witness.skey, () => 1)]);
    expect(verifyNote(cosigned, keys([witness.vkey]))).toMatchObject({ valid: false, code: 'untrusted' });
    const plain = signNote(text, [parseSignerKey(witness.skey)]);
    expect(verifyNote(plain, keys([parseCosignerKey(witness.skey).vkey]))).toMatchObject({ valid: false, code: 'untrusted' });
  });

  it('a changed timestamp breaks the cosignature', () => {
    const cosigner = parseCosignerKey(witness.skey, () => 1000);
    const note = signNote(text, [cosigner]);
    const line = note.split('\n')[4]!;
    const raw = fromBase64(line.split(' ')[2]!)!;
    raw[11]! ^= 1; // inside the timestamp (after the 4-byte key ID)
    const bad = note.replace(line, `— witness.example/w1 ${toBase64(raw)}`);
    expect(verifyNote(bad, keys([cosigner.vkey]))).toMatchObject({ valid: false, code: 'bad-signature' });
  });

  it('decodes the timestamp of a published transparency-dev cosignature', () => {
    // note/note_cosigv1_test.go TestCoSigV1Timestamp "works": key ID 646846b9, time 1727964367.
    const raw = fromBase64('ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==')!;
    expect(raw).toHaveLength(4 + 72);
    expect(Buffer.from(raw).readBigUInt64BE(4)).toBe(1727964367n);
  });
});

describe('verifier key spelling', () => {
  it('takes the key hash only in lowercase hex, so a bundle carrying a key has exactly one spelling of it', () => {
    const vkey = V.checkpoints[0]!.vkeys[0]!;
    const [name, hash, key] = vkey.split('+') as [string, string, string];
    expect(() => parseVerifierKey(vkey)).not.toThrow();
    // The audit bundle property test found this: "+ff0ae41a+" and "+FF0AE41A+" named the same key, so the changed text still verified.
    expect(() => parseVerifierKey(`${name}+${hash.toUpperCase()}+${key}`)).toThrow(/8 lowercase hex digits/);
  });
});

describe('a signer rebuilt from its private key (how a worker thread gets one)', () => {
  it('has the same key id and verifier key and makes the same signatures', () => {
    const { skey } = generateNoteKey('cairn.custody/abc');
    const original = parseSignerKey(skey);
    const privateKey = original.privateKey;
    if (!privateKey) throw new Error('an Ed25519 signer carries its private key');
    const rebuilt = ed25519NoteSigner(original.name, privateKey);
    expect([rebuilt.name, rebuilt.keyId, rebuilt.vkey]).toEqual([original.name, original.keyId, original.vkey]);
    const text = new TextEncoder().encode('example.com/log\n1\nAAAA\n');
    expect(Buffer.from(rebuilt.sign(text)).equals(Buffer.from(original.sign(text)))).toBe(true);
    // The key has no text form to leak through a log line or JSON.
    expect(JSON.stringify({ privateKey })).toBe('{"privateKey":{}}');
  });

  it('refuses a key that is not an Ed25519 private key, or a bad name', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    expect(() => ed25519NoteSigner('log', publicKey)).toThrow(/not an Ed25519 private key/);
    expect(() => ed25519NoteSigner('log', generateKeyPairSync('x25519').privateKey)).toThrow(/not an Ed25519 private key/);
    expect(() => ed25519NoteSigner('bad name', privateKey)).toThrow(/name/);
  });
});
