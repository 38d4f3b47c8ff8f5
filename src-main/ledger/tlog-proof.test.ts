import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AppException } from '../util/app-exception';
import { fromHex, toBase64, toHex } from './encoding';
import { signCheckpoint } from './checkpoint';
import { leafHash } from './merkle';
import { ledgerMigrationSql, MerkleLog } from './merkle-log';
import { MemoryMerkleTree } from './memory-tree';
import { generateNoteKey, parseCosignerKey, parseSignerKey, parseVerifierKey, signNote } from './note';
import { createTlogProof, formatTlogProof, parseTlogProof, verifyTlogProof } from './tlog-proof';
import { loadVectors } from './test-vectors';

const V = loadVectors();
const T = V.tlog_proofs[0]!;
const C = V.checkpoints[0]!;
const policy = { logKeys: T.vkeys.map(parseVerifierKey), origin: T.origin };

function std8(): MemoryMerkleTree {
  const t = new MemoryMerkleTree();
  for (const d of V.trees.std8.leaf_data_hex) t.append(fromHex(d)!);
  return t;
}

describe('tlog-proof vectors', () => {
  it(`has all ${V.tlog_proofs.length} vectors`, () => expect(V.tlog_proofs.length).toBe(1));

  it.each(V.tlog_proofs)('$id → $expect (by leaf hash and by leaf data)', (t) => {
    const keys = { logKeys: t.vkeys.map(parseVerifierKey), origin: t.origin };
    const byHash = verifyTlogProof(t.proof_text, { leafHash: fromHex(t.leaf_hash)! }, keys);
    expect(byHash.valid ? 'valid' : 'invalid', byHash.reason).toBe(t.expect);
    const byData = verifyTlogProof(t.proof_text, { leafData: fromHex(t.leaf_data_hex)! }, keys);
    expect(byData.valid ? 'valid' : 'invalid', byData.reason).toBe(t.expect);
    expect(byHash.bundle?.index).toBe(Number(t.leaf_index));
    expect(toHex(leafHash(fromHex(t.leaf_data_hex)!))).toBe(t.leaf_hash);
  });

  it('createTlogProof over the std8 tree and the signed checkpoint reproduces the vector exactly', () => {
    expect(createTlogProof(std8(), Number(T.leaf_index), C.signed_checkpoint)).toBe(T.proof_text);
  });

  it('parses into index, proof and the verbatim checkpoint', () => {
    const p = parseTlogProof(T.proof_text);
    expect(p.ok && p.bundle.index).toBe(5);
    expect(p.ok && p.bundle.proof.map(toHex)).toEqual(std8().inclusionProof(5).map(toHex));
    expect(p.ok && p.bundle.checkpoint).toBe(C.signed_checkpoint);
    expect(p.ok && p.bundle.extra).toBeUndefined();
  });
});

describe('tampering is caught', () => {
  const leaf = { leafHash: fromHex(T.leaf_hash)! };
  const lines = T.proof_text.split('\n');

  it.each([
    ['another leaf', T.proof_text, { leafHash: leafHash(Buffer.from('other')) }, 'root-mismatch'],
    ['another index', T.proof_text.replace('index 5', 'index 4'), leaf, 'root-mismatch'],
    ['an index past the tree', T.proof_text.replace('index 5', 'index 8'), leaf, 'out-of-range'],
    ['a changed proof hash', T.proof_text.replace(lines[2]!, toBase64(Buffer.alloc(32))), leaf, 'root-mismatch'],
    ['a dropped proof line', T.proof_text.replace(`${lines[3]}\n`, ''), leaf, 'proof-length'],
    ['a changed checkpoint size', T.proof_text.replace('\n8\n', '\n9\n'), leaf, 'bad-signature'],
    ['a wrong header', T.proof_text.replace('tlog-proof@v1', 'tlog-proof@v2'), leaf, 'malformed'],
    ['a leading zero in the index', T.proof_text.replace('index 5', 'index 05'), leaf, 'malformed'],
    ['a negative index', T.proof_text.replace('index 5', 'index -5'), leaf, 'malformed'],
    ['a short proof hash', T.proof_text.replace(lines[2]!, toBase64(Buffer.alloc(31))), leaf, 'malformed'],
    ['a proof hash in hex', T.proof_text.replace(lines[2]!, toHex(Buffer.alloc(32))), leaf, 'malformed'],
    ['no blank line before the checkpoint', T.proof_text.replace(/\n\nexample/, '\nexample'), leaf, 'malformed'],
    ['no checkpoint', T.proof_text.slice(0, T.proof_text.indexOf('\n\n') + 2), leaf, 'malformed'],
    ['an unknown line', T.proof_text.replace('index 5', 'note hi\nindex 5'), leaf, 'malformed'],
    ['a malformed leaf hash', T.proof_text, { leafHash: new Uint8Array(20) }, 'malformed'],
  ])('%s', (_what, text, l, code) => {
    expect(verifyTlogProof(text, l, policy)).toMatchObject({ valid: false, code });
  });

  it('an untrusted key or a wrong origin', () => {
    expect(verifyTlogProof(T.proof_text, leaf, { logKeys: [parseVerifierKey(generateNoteKey(T.origin).vkey)] })).toMatchObject({ valid: false, code: 'untrusted' });
    expect(verifyTlogProof(T.proof_text, leaf, { ...policy, origin: 'example.com/x' })).toMatchObject({ valid: false, code: 'origin-mismatch' });
  });
});

describe('producing bundles from a MerkleLog', () => {
  it('with extra data and witness cosignatures, verifiable offline', () => {
    const db = new Database(':memory:');
    try {
      db.exec(ledgerMigrationSql('custody'));
      const log = new MerkleLog(db, { prefix: 'custody' });
      const events = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ seq: i, what: 'seal', box: `BX-${i}` }));
      log.appendBatch(events);
      const logKey = generateNoteKey('cairn.example/custody');
      const witness = parseCosignerKey(generateNoteKey('witness.example/w1').skey, () => 1_750_000_000);
      const signed = signNote(signCheckpoint(log.checkpoint('cairn.example/custody'), [parseSignerKey(logKey.skey)]), [witness], { existing: true });

      const extra = Buffer.from('box BX-617');
      const bundle = createTlogProof(log, 617, signed, extra);
      expect(bundle).toMatch(/^c2sp\.org\/tlog-proof@v1\nextra Ym94IEJYLTYxNw==\nindex 617\n/);
      const p = parseTlogProof(bundle);
      expect(p.ok && Buffer.from(p.bundle.extra!).toString()).toBe('box BX-617');

      const auditor = {
        logKeys: [parseVerifierKey(logKey.vkey)],
        witnessKeys: [parseVerifierKey(witness.vkey)],
        witnessQuorum: 1,
        origin: 'cairn.example/custody',
      };
      expect(verifyTlogProof(bundle, { leafData: Buffer.from(events[617]!) }, auditor)).toMatchObject({ valid: true });
      expect(verifyTlogProof(bundle, { leafData: Buffer.from(events[616]!) }, auditor)).toMatchObject({ valid: false });

      // A checkpoint of another log (or a forged root) cannot be bundled.
      const forged = signCheckpoint({ ...log.checkpoint('cairn.example/custody'), rootHash: Buffer.alloc(32) }, [parseSignerKey(logKey.skey)]);
      expect(() => createTlogProof(log, 1, forged)).toThrow(AppException);
      // A proof against an older checkpoint still verifies after the log grew.
      log.append('later');
      expect(verifyTlogProof(createTlogProof(log, 617, signed), { leafData: Buffer.from(events[617]!) }, auditor).valid).toBe(true);
    } finally {
      db.close();
    }
  });

  it('formatTlogProof refuses bad input', () => {
    expect(() => formatTlogProof({ index: -1, proof: [], checkpoint: C.signed_checkpoint })).toThrow(AppException);
    expect(() => formatTlogProof({ index: 0, proof: [new Uint8Array(3)], checkpoint: C.signed_checkpoint })).toThrow(AppException);
    expect(() => formatTlogProof({ index: 0, proof: [], checkpoint: 'not a note' })).toThrow(AppException);
    expect(parseTlogProof(formatTlogProof({ index: 0, proof: [], checkpoint: C.signed_checkpoint }))).toMatchObject({ ok: true, bundle: { index: 0, proof: [] } });
  });
});
