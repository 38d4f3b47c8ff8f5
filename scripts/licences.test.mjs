/**
 * The licence check's SPDX logic (scripts/licences.mjs): expressions parse
 * with WITH > AND > OR precedence, OR needs one allowed side and AND both,
 * copyleft never passes by accident, the old `licenses` array is read as
 * alternatives, and the tree walk finds this project's shipped packages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allows, judge, parseSpdx, productionTree, tokenize } from './licences.mjs';

const ok = (expr) => allows(parseSpdx(expr));

describe('parseSpdx', () => {
  it('gives WITH precedence over AND over OR', () => {
    expect(parseSpdx('MIT OR Apache-2.0 AND GPL-3.0-only')).toEqual({
      op: 'OR',
      left: { id: 'MIT' },
      right: { op: 'AND', left: { id: 'Apache-2.0' }, right: { id: 'GPL-3.0-only' } },
    });
    expect(parseSpdx('(MIT OR Apache-2.0) AND BSD-3-Clause')).toEqual({
      op: 'AND',
      left: { op: 'OR', left: { id: 'MIT' }, right: { id: 'Apache-2.0' } },
      right: { id: 'BSD-3-Clause' },
    });
    expect(parseSpdx('LGPL-2.1-only WITH Classpath-exception-2.0 OR MIT')).toEqual({
      op: 'OR',
      left: { id: 'LGPL-2.1-only', exception: 'Classpath-exception-2.0' },
      right: { id: 'MIT' },
    });
  });

  it('accepts lower-case operators as npm packages write them', () => {
    expect(parseSpdx('MIT or Apache-2.0')).toEqual({ op: 'OR', left: { id: 'MIT' }, right: { id: 'Apache-2.0' } });
  });

  it.each(['', '   ', '(MIT', 'MIT)', 'MIT OR', 'AND MIT', 'MIT WITH', 'MIT Apache-2.0', 'MIT/X11 OR ?', '(MIT OR) Apache-2.0', 'MIT; GPL-3.0'])('refuses %j', (expr) => {
    expect(() => parseSpdx(expr)).toThrow(/SPDX|WITH/);
  });

  it('never throws anything but an Error, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        try {
          const t = parseSpdx(s);
          expect(typeof allows(t)).toBe('boolean');
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('tokenizes ids with + and dots', () => {
    expect(tokenize('GPL-2.0+ OR (BlueOak-1.0.0)')).toEqual(['GPL-2.0+', 'OR', '(', 'BlueOak-1.0.0', ')']);
  });
});

describe('allows', () => {
  it.each([
    'MIT',
    'mit',
    'ISC',
    'BSD-2-Clause',
    'BSD-3-Clause',
    'Apache-2.0',
    '0BSD',
    'BlueOak-1.0.0',
    'CC0-1.0',
    'Unlicense',
    'Python-2.0',
    'MPL-2.0',
    '(MIT OR GPL-3.0-only)',
    'GPL-2.0+ OR MIT',
    '(MIT AND Zlib)',
    '(BSD-2-Clause OR MIT OR Apache-2.0)',
    'Apache-2.0 WITH LLVM-exception',
    'LGPL-3.0-only WITH LGPL-3.0-linking-exception',
    '(GPL-3.0-only AND MIT) OR ISC',
  ])('allows %s', (expr) => {
    expect(ok(expr)).toBe(true);
  });

  it.each([
    'GPL-2.0',
    'GPL-2.0+',
    'GPL-3.0-or-later',
    'AGPL-3.0-only',
    'LGPL-2.1-only',
    'LGPL-3.0-or-later',
    'SSPL-1.0',
    'LicenseRef-Proprietary',
    'MIT AND GPL-3.0-only',
    '(MIT OR Apache-2.0) AND AGPL-3.0-only',
    'GPL-3.0-only WITH Classpath-exception-2.0',
    'LGPL-2.1-only WITH Some-unknown-exception',
    'MITX',
    'BSD',
  ])('refuses %s', (expr) => {
    expect(ok(expr)).toBe(false);
  });

  it('OR is allowed iff one side is, AND iff both are (property)', () => {
    const id = fc.constantFrom('MIT', 'ISC', 'Apache-2.0', 'GPL-3.0-only', 'AGPL-3.0-only', 'SSPL-1.0', 'LGPL-2.1-only');
    const expr = fc.letrec((tie) => ({
      leaf: id,
      node: fc.oneof({ depthSize: 'small' }, id, fc.tuple(tie('node'), fc.constantFrom('AND', 'OR'), tie('node')).map(([a, op, b]) => `(${a} ${op} ${b})`)),
    })).node;
    fc.assert(
      fc.property(expr, expr, (a, b) => {
        expect(ok(`${a} OR ${b}`)).toBe(ok(a) || ok(b));
        expect(ok(`${a} AND ${b}`)).toBe(ok(a) && ok(b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('judge', () => {
  it('reads the license string, the {type} object and the old licenses array', () => {
    expect(judge({ name: 'a', version: '1.0.0', license: 'MIT' })).toEqual({ licence: 'MIT', ok: true });
    expect(judge({ name: 'b', version: '1.0.0', license: { type: 'ISC', url: 'x' } })).toEqual({ licence: 'ISC', ok: true });
    expect(judge({ name: 'c', version: '1.0.0', licenses: [{ type: 'MIT' }, { type: 'GPL-2.0' }] })).toMatchObject({ licence: '(MIT) OR (GPL-2.0)', ok: true });
    expect(judge({ name: 'd', version: '1.0.0', licenses: [{ type: 'GPL-2.0' }] })).toMatchObject({ ok: false });
  });

  it('refuses missing, unlicensed, see-file and malformed licences with a reason', () => {
    for (const pkg of [
      { name: 'e', version: '1.0.0' },
      { name: 'f', version: '1.0.0', license: '' },
      { name: 'g', version: '1.0.0', license: 'UNLICENSED' },
      { name: 'h', version: '1.0.0', license: 'SEE LICENSE IN LICENSE.md' },
      { name: 'i', version: '1.0.0', license: 'MIT OR' },
      { name: 'j', version: '1.0.0', licenses: [] },
    ]) {
      const v = judge(pkg);
      expect(v.ok, pkg.name).toBe(false);
      expect(v.reason, pkg.name).toBeTruthy();
    }
  });

  it('uses a reviewed verdict only for that exact version', () => {
    const reviewed = { 'k@2.0.0': { licence: 'MIT' } };
    expect(judge({ name: 'k', version: '2.0.0', license: 'SEE LICENSE IN x' }, { reviewed })).toMatchObject({ ok: true });
    expect(judge({ name: 'k', version: '2.0.1', license: 'SEE LICENSE IN x' }, { reviewed })).toMatchObject({ ok: false });
  });
});

describe('productionTree', () => {
  it('walks dependencies and optionalDependencies transitively, not devDependencies', () => {
    const { packages } = productionTree();
    const names = new Set(packages.map((p) => p.pkg.name));
    for (const n of ['zod', 'ws', 'better-sqlite3', 'pdf-lib', 'node-ssh', 'ssh2', 'bindings']) expect(names.has(n), n).toBe(true);
    for (const n of ['vitest', 'eslint', 'typescript', '@playwright/test', 'electron-builder']) expect(names.has(n), n).toBe(false);
  });
});
