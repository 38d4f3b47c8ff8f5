import { describe, expect, it } from 'vitest';
import { runLedgerCli } from './cli';
import { generateNoteKey, parseCosignerKey, signNote } from './note';
import { loadVectors } from './test-vectors';

const V = loadVectors();
const C = V.checkpoints[0]!;
const T = V.tlog_proofs[0]!;

async function run(argv: string[], files: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLedgerCli(argv, {
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    readFile: async (path) => {
      const f = files[path];
      if (f === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return f;
    },
  });
  return { code, out, err };
}

const inclusionArgs = (v: (typeof V.inclusion)[number]) => [
  'verify-inclusion',
  '--leaf-hash',
  v.leaf_hash,
  '--index',
  String(v.leaf_index),
  '--size',
  String(v.tree_size),
  '--root',
  v.root,
  '--proof',
  v.proof.join(','),
];

const consistencyArgs = (v: Omit<(typeof V.consistency)[number], 'expect'>) => [
  'verify-consistency',
  '--size1',
  String(v.size1),
  '--size2',
  String(v.size2),
  '--root1',
  v.root1,
  '--root2',
  v.root2,
  '--proof',
  v.proof.join(','),
];

// `--proof HEX[,HEX…]` spells a one-element proof whose element is zero bytes
// the same as the empty proof (''), so those two upstream probes cannot be
// given on the command line; the library tests cover them.
const unspellable = (v: { proof: string[] }) => v.proof.length === 1 && v.proof[0] === '';

describe('verify-inclusion', () => {
  it('agrees with every inclusion vector that the flag syntax can express (exit 0 valid, 1 invalid)', async () => {
    expect(V.inclusion.filter(unspellable).map((v) => v.id)).toEqual(['tdm-inclusion-0-preceding-garbage', 'tdm-inclusion-0-trailing-garbage']);
    for (const v of V.inclusion.filter((x) => !unspellable(x))) {
      const r = await run(inclusionArgs(v));
      expect(r.code, `${v.id}: ${r.out}${r.err}`).toBe(v.expect === 'valid' ? 0 : 1);
      expect(r.out).toMatch(v.expect === 'valid' ? /^valid: / : /^invalid: /);
      expect(r.out.split('\n')).toHaveLength(2);
    }
  });

  it('prints {"valid","reason"} with --json', async () => {
    const v = V.inclusion.find((x) => x.id === 'std8-incl-5-8')!;
    const ok = await run([...inclusionArgs(v), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({ valid: true, reason: expect.any(String) });
    const bad = await run([...inclusionArgs({ ...v, leaf_index: 4n }), '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toEqual({ valid: false, reason: expect.stringContaining('different root') });
  });

  it('accepts an empty proof and treats non-hex hashes as invalid (1), not usage', async () => {
    const v = V.inclusion.find((x) => x.id === 'std8-incl-0-1')!;
    expect((await run(inclusionArgs(v))).code).toBe(0);
    expect(inclusionArgs(v).at(-1)).toBe('');
    expect((await run(inclusionArgs({ ...v, leaf_hash: 'zz' }))).code).toBe(1);
    expect((await run(inclusionArgs({ ...v, root: 'abc' }))).code).toBe(1);
    const w = V.inclusion.find((x) => x.id === 'std8-incl-5-8')!;
    expect((await run(inclusionArgs({ ...w, proof: [w.proof[0]!, '', w.proof[2]!] }))).code).toBe(1);
    expect((await run(inclusionArgs({ ...w, proof: [...w.proof.slice(0, 2), 'not hex'] }))).code).toBe(1);
  });

  it.each([
    ['a missing flag', (a: string[]) => a.slice(0, -2)],
    ['an unknown flag', (a: string[]) => [...a, '--frobnicate']],
    ['a fractional index', (a: string[]) => a.map((x, i) => (a[i - 1] === '--index' ? '1.5' : x))],
    ['an exponent', (a: string[]) => a.map((x, i) => (a[i - 1] === '--size' ? '8e0' : x))],
    ['a negative index', (a: string[]) => a.map((x, i) => (a[i - 1] === '--index' ? '-1' : x))],
    ['a hex size', (a: string[]) => a.map((x, i) => (a[i - 1] === '--size' ? '0x8' : x))],
    ['a flag without its value', (a: string[]) => [...a, '--root']],
  ])('exits 2 on %s', async (_what, mutate) => {
    const v = V.inclusion.find((x) => x.id === 'std8-incl-5-8')!;
    const r = await run(mutate(inclusionArgs(v)));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cairn ledger: /);
    expect(r.out).toBe('');
  });

  it('an index of 2^64 − 1 is an integer, so it is invalid (1), not usage', async () => {
    const v = V.inclusion.find((x) => x.id === 'tdm-inclusion-1-leafIdx-sub-@1')!;
    expect(v.leaf_index).toBe((1n << 64n) - 1n);
    expect((await run(inclusionArgs(v))).code).toBe(1);
    expect((await run(inclusionArgs({ ...v, leaf_index: 1n << 64n }))).code).toBe(1);
  });
});

describe('verify-consistency', () => {
  it('agrees with every consistency and policy vector', async () => {
    expect(V.consistency.filter(unspellable)).toEqual([]);
    for (const v of V.consistency) {
      const r = await run(consistencyArgs(v));
      expect(r.code, `${v.id}: ${r.out}${r.err}`).toBe(v.expect === 'valid' ? 0 : 1);
    }
    for (const v of V.policy_dependent) {
      const r = await run(consistencyArgs(v));
      expect(r.code, `${v.id}: ${r.out}${r.err}`).toBe(v.expect_by_policy.strict === 'valid' ? 0 : 1);
    }
  });

  it('exits 2 on usage errors', async () => {
    const v = V.consistency.find((x) => x.id === 'std8-cons-3-7')!;
    expect((await run(consistencyArgs(v).filter((_, i, a) => a[i] !== '--root2' && a[i - 1] !== '--root2'))).code).toBe(2);
    expect((await run(consistencyArgs(v).map((x, i, a) => (a[i - 1] === '--size1' ? 'three' : x)))).code).toBe(2);
  });
});

describe('verify-checkpoint', () => {
  const files = { 'cp.txt': C.signed_checkpoint, 'rekor.txt': V.signed_notes.find((n) => n.id === 'rekor-ecdsa-checkpoint')!.note };

  it('accepts the vector checkpoint with its key', async () => {
    const r = await run(['verify-checkpoint', '--vkey', C.vkeys[0]!, 'cp.txt'], files);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^valid: checkpoint example\.com\/custody-console-test-log at size 8/);
    expect((await run(['verify-checkpoint', '--vkey', C.vkeys[0]!, '--origin', C.origin, '--json', 'cp.txt'], files)).out).toBe(
      `${JSON.stringify({ valid: true, reason: `checkpoint ${C.origin} at size 8 signed by ${C.vkeys[0]!.split('+').slice(0, 2).join('+')}` })}\n`,
    );
  });

  it('ignores unknown keys among several, and needs one known signature', async () => {
    const stranger = generateNoteKey('example.com/stranger').vkey;
    expect((await run(['verify-checkpoint', '--vkey', stranger, '--vkey', C.vkeys[0]!, 'cp.txt'], files)).code).toBe(0);
    expect((await run(['verify-checkpoint', '--vkey', stranger, 'cp.txt'], files)).code).toBe(1);
    expect((await run(['verify-checkpoint', '--vkey', C.vkeys[0]!, '--origin', 'example.com/x', 'cp.txt'], files)).code).toBe(1);
  });

  it('verifies ECDSA-signed checkpoints too', async () => {
    const n = V.signed_notes.find((x) => x.id === 'rekor-ecdsa-checkpoint')!;
    expect((await run(['verify-checkpoint', '--vkey', n.vkeys[0]!, 'rekor.txt'], files)).code).toBe(0);
  });

  it('counts cosigner keys as witnesses for --witnesses', async () => {
    const w = parseCosignerKey(generateNoteKey('witness.example/w1').skey, () => 1_700_000_000);
    const cosigned = { 'co.txt': signNote(C.signed_checkpoint, [w], { existing: true }) };
    expect((await run(['verify-checkpoint', '--vkey', C.vkeys[0]!, '--vkey', w.vkey, '--witnesses', '1', 'co.txt'], cosigned)).code).toBe(0);
    expect((await run(['verify-checkpoint', '--vkey', C.vkeys[0]!, '--vkey', w.vkey, '--witnesses', '1', 'cp.txt'], files)).code).toBe(1);
    expect((await run(['verify-checkpoint', '--vkey', w.vkey, 'co.txt'], cosigned)).code).toBe(1);
  });

  it.each([
    ['no --vkey', ['verify-checkpoint', 'cp.txt']],
    ['no FILE', ['verify-checkpoint', '--vkey', C.vkeys[0]!]],
    ['two FILEs', ['verify-checkpoint', '--vkey', C.vkeys[0]!, 'cp.txt', 'cp.txt']],
    ['an unreadable FILE', ['verify-checkpoint', '--vkey', C.vkeys[0]!, 'missing.txt']],
    ['a malformed --vkey', ['verify-checkpoint', '--vkey', 'not-a-key', 'cp.txt']],
    ['a fractional --witnesses', ['verify-checkpoint', '--vkey', C.vkeys[0]!, '--witnesses', '0.5', 'cp.txt']],
  ])('exits 2 on %s', async (_what, argv) => {
    const r = await run(argv, files);
    expect(r.code).toBe(2);
    expect(r.err).not.toBe('');
  });
});

describe('verify-tlog-proof', () => {
  const files = { 'leaf5.tlog-proof': T.proof_text };
  const args = (leafHash: string, file = 'leaf5.tlog-proof') => ['verify-tlog-proof', '--vkey', T.vkeys[0]!, '--leaf-hash', leafHash, file];

  it('accepts the vector bundle for its leaf and rejects another leaf', async () => {
    const ok = await run(args(T.leaf_hash), files);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^valid: leaf 5 is in checkpoint/);
    expect((await run(args(V.trees.std8.leaf_hashes[4]!), files)).code).toBe(1);
    expect((await run(args('0123'), files)).code).toBe(1);
    expect((await run(args('xyz'), files)).code).toBe(1);
    expect((await run(['verify-tlog-proof', '--vkey', generateNoteKey('x').vkey, '--leaf-hash', T.leaf_hash, 'leaf5.tlog-proof'], files)).code).toBe(1);
  });

  it('a tampered bundle is invalid', async () => {
    const bad = { 'bad.tlog-proof': T.proof_text.replace('index 5', 'index 6') };
    const r = await run([...args(T.leaf_hash, 'bad.tlog-proof'), '--json'], bad);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ valid: false });
  });

  it('exits 2 when the file cannot be read or --leaf-hash is missing', async () => {
    expect((await run(args(T.leaf_hash, 'nope.tlog-proof'), files)).code).toBe(2);
    expect((await run(['verify-tlog-proof', '--vkey', T.vkeys[0]!, 'leaf5.tlog-proof'], files)).code).toBe(2);
  });
});

describe('commands', () => {
  it('no command prints usage and exits 2; --help exits 0; unknown commands exit 2', async () => {
    expect(await run([])).toMatchObject({ code: 2, out: '' });
    expect((await run(['--help'])).code).toBe(0);
    expect((await run(['verify-inclusion', '--help'])).code).toBe(0);
    expect((await run(['verify-everything'])).code).toBe(2);
  });
});
