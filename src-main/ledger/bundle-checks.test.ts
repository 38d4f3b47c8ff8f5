/**
 * The head of a bundle as the custody and audit verifiers check it: the
 * statement must be signed by the log key, name the bundle's origin, the
 * checkpoint's size and the export time, and agree with what the caller
 * adds; and a check lists at most 20 problems, counting the rest.
 */
import { describe, expect, it } from 'vitest';
import { BundleChecks, checkBundleHead, MAX_FAILURES_PER_CHECK } from './bundle-checks';
import { signCheckpoint } from './checkpoint';
import { generateNoteKey, parseSignerKey, signNote } from './note';

describe('BundleChecks', () => {
  it('lists at most 20 problems under a check and counts the rest', () => {
    const c = new BundleChecks();
    expect(c.valid).toBe(false); // nothing checked is not a pass
    expect(c.add('format', [], 'fine')).toBe(true);
    expect(c.valid).toBe(true);
    const problems = Array.from({ length: MAX_FAILURES_PER_CHECK + 5 }, (_, i) => `p${i}`);
    expect(c.add('events', problems, 'unused')).toBe(false);
    expect(c.valid).toBe(false);
    expect(c.checks[1]).toEqual({ name: 'events', ok: false, detail: `${problems.slice(0, 20).join('; ')} (and 5 more)` });
    expect(c.failures).toHaveLength(21);
    expect(c.failures.at(-1)).toBe('events: (and 5 more)');
    expect(c.checks[0]).toEqual({ name: 'format', ok: true, detail: 'fine' });
  });
});

describe('checkBundleHead', () => {
  const log = generateNoteKey('cairn.test/log');
  const other = generateNoteKey('cairn.test/log');
  const origin = 'cairn.test/log';
  const checkpoint = signCheckpoint({ origin, size: 7, rootHash: new Uint8Array(32).fill(9), extensions: [] }, [parseSignerKey(log.skey)]);
  type S = { origin: string; size: number; exportedAt: string; scope: string };
  const parse = (text: string): S | string => {
    const m = /^stmt\norigin (\S+)\nsize (\d+)\nexported (\S+)\nscope (\S+)\n$/.exec(text);
    return m ? { origin: m[1] as string, size: Number(m[2]), exportedAt: m[3] as string, scope: m[4] as string } : 'the statement is malformed';
  };
  const statement = (o: string, size: number, at: string, scope: string, skey = log.skey) => signNote(`stmt\norigin ${o}\nsize ${size}\nexported ${at}\nscope ${scope}\n`, [parseSignerKey(skey)]);
  const run = (stmt: string, vkey?: string) => {
    const c = new BundleChecks();
    const head = checkBundleHead<S>(c, { origin, exportedAt: '2026-11-22T10:00:00Z', verifierKeys: [log.vkey], checkpoint, statement: stmt }, {
      vkey,
      parse,
      agrees: (s) => (s.scope === 'job-1' ? [] : [`it covers ${s.scope}`]),
      describe: (s) => `statement at ${s.size}`,
    });
    return { c, head, byName: Object.fromEntries(c.checks.map((k) => [k.name, k])) };
  };

  it('passes a statement that matches, pinned or not', () => {
    for (const vkey of [undefined, log.vkey]) {
      const { c, head, byName } = run(statement(origin, 7, '2026-11-22T10:00:00Z', 'job-1'), vkey);
      expect(c.valid).toBe(true);
      expect(head.checkpoint?.size).toBe(7);
      expect(head.statement).toMatchObject({ scope: 'job-1' });
      expect(byName['export-statement']?.detail).toBe('statement at 7');
      expect(byName['log-key']?.detail).toMatch(vkey ? /^pinned cairn\.test\/log\+/ : /not pinned/);
    }
  });

  it.each([
    ['another origin', statement('cairn.test/other', 7, '2026-11-22T10:00:00Z', 'job-1'), /origin cairn\.test\/other, the bundle says cairn\.test\/log/],
    ['another size', statement(origin, 6, '2026-11-22T10:00:00Z', 'job-1'), /log size 6, the checkpoint is at 7/],
    ['another export time', statement(origin, 7, '2026-11-22T10:00:01Z', 'job-1'), /export at 2026-11-22T10:00:01Z/],
    ["what the caller's check refuses", statement(origin, 7, '2026-11-22T10:00:00Z', 'job-2'), /it covers job-2/],
    ['a statement signed by another key', statement(origin, 7, '2026-11-22T10:00:00Z', 'job-1', other.skey), /^signature: /],
    ['a statement that does not parse', signNote('stmt\nsomething else\n', [parseSignerKey(log.skey)]), /malformed/],
  ])('refuses %s', (_what, stmt, reason) => {
    const { c, byName } = run(stmt);
    expect(c.valid).toBe(false);
    expect(byName['export-statement']).toMatchObject({ ok: false, detail: expect.stringMatching(reason) });
    expect(byName['checkpoint']?.ok).toBe(true);
  });

  it('a pin the bundle does not carry fails the key, the checkpoint and the statement', () => {
    const { c, head, byName } = run(statement(origin, 7, '2026-11-22T10:00:00Z', 'job-1'), other.vkey);
    expect(c.valid).toBe(false);
    expect(head.checkpoint).toBeUndefined();
    expect(byName['log-key']?.detail).toMatch(/do not include the pinned key/);
    expect(byName['checkpoint']?.ok).toBe(false);
    expect(byName['export-statement']?.ok).toBe(false);
  });
});
