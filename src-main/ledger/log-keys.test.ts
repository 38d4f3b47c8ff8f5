import { describe, expect, it } from 'vitest';
import { generateNoteKey } from './note';
import { logKeysOf, verifierKeyId } from './log-keys';

describe('logKeysOf: which keys a bundle is checked against', () => {
  const a = generateNoteKey('cairn.test/a');
  const b = generateNoteKey('cairn.test/b');

  it('without a pin, the bundle’s own keys, said to be unpinned', () => {
    const r = logKeysOf([a.vkey, b.vkey]);
    expect(r.keys.map((k) => k.vkey)).toEqual([a.vkey, b.vkey]);
    expect(r.problems).toEqual([]);
    expect(r.detail).toMatch(/not pinned/);
  });

  it('a pin replaces the bundle’s keys, and a pin the bundle does not list is a problem', () => {
    expect(logKeysOf([a.vkey], a.vkey)).toMatchObject({ problems: [], detail: `pinned ${verifierKeyId(a.vkey)}` });
    const r = logKeysOf([a.vkey], b.vkey);
    expect(r.keys.map((k) => k.vkey)).toEqual([b.vkey]);
    expect(r.problems).toEqual([`the bundle's verifier keys do not include the pinned key ${verifierKeyId(b.vkey)}`]);
  });

  it('an unusable pin leaves no key to check with; a malformed bundle key is reported, the others kept', () => {
    const r = logKeysOf([a.vkey], 'not a key');
    expect(r.keys).toEqual([]);
    expect(r.problems[0]).toMatch(/^the pinned key is unusable/);
    const s = logKeysOf(['junk', a.vkey]);
    expect(s.keys.map((k) => k.vkey)).toEqual([a.vkey]);
    expect(s.problems).toHaveLength(1);
  });
});
