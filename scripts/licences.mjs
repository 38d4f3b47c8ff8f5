#!/usr/bin/env node
/**
 * Licence check of what the app ships: package.json `dependencies` and
 * `optionalDependencies`, followed transitively through node_modules the way
 * Node resolves them (what electron-builder packs into the app). Every
 * package's licence must satisfy an allow-list of permissive and weak
 * file-level copyleft licences; GPL, AGPL, LGPL without an exception, SSPL
 * and anything unknown fail. SPDX expressions are evaluated (OR: one allowed
 * side is enough; AND: both sides must be allowed; WITH: an exception on an
 * allowed licence, or a listed linking exception on an LGPL), and the old
 * `licenses` array form is read as alternatives.
 *
 * Prints a summary per licence and exits 1 on any refusal, 2 when the tree
 * is incomplete (a required dependency is not installed).
 * Usage: node scripts/licences.mjs [--list] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './lib/build.mjs';

/** Licences a shipped dependency may carry (SPDX ids, compared case-insensitively). */
export const ALLOWED = [
  'MIT',
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Unlicense',
  'Python-2.0',
  'MPL-2.0',
  'Zlib',
  'BSL-1.0',
];

/** Exceptions that make an LGPL licence acceptable to ship (static linking / combining permitted). */
export const ALLOWED_LGPL_EXCEPTIONS = ['LGPL-3.0-linking-exception', 'Classpath-exception-2.0', 'LLVM-exception', 'GCC-exception-3.1'];

/**
 * Packages whose package.json licence field is missing or not SPDX, with
 * the licence read from their LICENSE file by a person. Keyed by
 * name@version so an upgrade is checked again.
 */
export const REVIEWED = {};

const IS_LGPL = /^LGPL-/i;

/** Split an SPDX expression into tokens: ( ) AND OR WITH and licence ids (a trailing + kept on the id). */
export function tokenize(expr) {
  const tokens = [];
  const re = /\s*(\(|\)|[A-Za-z0-9.+:-]+)\s*/gy;
  let m;
  let last = 0;
  while ((m = re.exec(expr)) !== null) {
    tokens.push(m[1]);
    last = re.lastIndex;
  }
  if (last !== expr.length || tokens.length === 0) throw new Error(`not an SPDX expression: ${JSON.stringify(expr)}`);
  return tokens;
}

/**
 * Parse an SPDX expression into a tree:
 *   {op:'OR'|'AND', left, right} | {id, exception?}
 * Precedence WITH > AND > OR; operators are case-insensitive as npm writes them.
 */
export function parseSpdx(expr) {
  const tokens = tokenize(expr);
  let i = 0;
  const peek = () => tokens[i];
  const isOp = (t, op) => typeof t === 'string' && t.toUpperCase() === op;
  const primary = () => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`unexpected end of SPDX expression: ${JSON.stringify(expr)}`);
    if (t === '(') {
      const inner = or();
      if (tokens[i++] !== ')') throw new Error(`missing ) in SPDX expression: ${JSON.stringify(expr)}`);
      return inner;
    }
    if (t === ')' || isOp(t, 'AND') || isOp(t, 'OR') || isOp(t, 'WITH')) throw new Error(`unexpected ${t} in SPDX expression: ${JSON.stringify(expr)}`);
    const leaf = { id: t };
    if (isOp(peek(), 'WITH')) {
      i++;
      const ex = tokens[i++];
      if (ex === undefined || ex === '(' || ex === ')') throw new Error(`WITH needs an exception: ${JSON.stringify(expr)}`);
      leaf.exception = ex;
    }
    return leaf;
  };
  const and = () => {
    let left = primary();
    while (isOp(peek(), 'AND')) {
      i++;
      left = { op: 'AND', left, right: primary() };
    }
    return left;
  };
  const or = () => {
    let left = and();
    while (isOp(peek(), 'OR')) {
      i++;
      left = { op: 'OR', left, right: and() };
    }
    return left;
  };
  const tree = or();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} in SPDX expression: ${JSON.stringify(expr)}`);
  return tree;
}

/** An id without its "or later" / "only" marks: GPL-2.0+ and GPL-2.0-or-later are GPL-2.0. */
function baseId(id) {
  return id.replace(/\+$/, '').replace(/-(or-later|only)$/i, '');
}

const allowedId = (id, allowed) => allowed.some((a) => a.toLowerCase() === baseId(id).toLowerCase() || a.toLowerCase() === id.toLowerCase());

/** Whether a parsed expression is acceptable to ship. */
export function allows(tree, allowed = ALLOWED, lgplExceptions = ALLOWED_LGPL_EXCEPTIONS) {
  if ('op' in tree) {
    const l = allows(tree.left, allowed, lgplExceptions);
    const r = allows(tree.right, allowed, lgplExceptions);
    return tree.op === 'OR' ? l || r : l && r;
  }
  if (allowedId(tree.id, allowed)) return true;
  return tree.exception !== undefined && IS_LGPL.test(tree.id) && lgplExceptions.some((e) => e.toLowerCase() === tree.exception.toLowerCase());
}

/**
 * The licence verdict for one package.json: {licence, ok, reason?}. `licence`
 * is the expression as evaluated (the `licenses` array becomes an OR).
 */
export function judge(pkg, { allowed = ALLOWED, reviewed = REVIEWED } = {}) {
  const key = `${pkg.name}@${pkg.version}`;
  if (reviewed[key]) {
    const r = reviewed[key];
    return { licence: `${r.licence} (reviewed)`, ok: allows(parseSpdx(r.licence), allowed) };
  }
  let expr = null;
  if (typeof pkg.license === 'string') expr = pkg.license;
  else if (pkg.license && typeof pkg.license === 'object' && typeof pkg.license.type === 'string') expr = pkg.license.type;
  else if (Array.isArray(pkg.licenses)) {
    const types = pkg.licenses.map((l) => (typeof l === 'string' ? l : l?.type)).filter((t) => typeof t === 'string' && t.trim());
    if (types.length) expr = types.length === 1 ? types[0] : types.map((t) => `(${t})`).join(' OR ');
  }
  if (expr === null || !expr.trim()) return { licence: 'none', ok: false, reason: 'no licence declared' };
  if (/^(UNLICENSED|SEE LICEN[CS]E IN)\b/i.test(expr.trim())) return { licence: expr, ok: false, reason: 'not an open-source licence expression (review the LICENSE file and list it in REVIEWED)' };
  let tree;
  try {
    tree = parseSpdx(expr);
  } catch (err) {
    return { licence: expr, ok: false, reason: err.message };
  }
  return allows(tree, allowed) ? { licence: expr, ok: true } : { licence: expr, ok: false, reason: 'not on the allow-list' };
}

/** Where Node would find `name` when required from the package in `fromDir`. */
function resolvePackageDir(name, fromDir) {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === ROOT || dirname(d) === d) return null;
  }
}

/** The production dependency tree: one entry per installed package directory. */
export function productionTree(root = ROOT) {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const seen = new Map();
  const missing = [];
  const queue = [
    ...Object.keys(rootPkg.dependencies ?? {}).map((n) => ({ name: n, from: root, optional: false, by: rootPkg.name })),
    ...Object.keys(rootPkg.optionalDependencies ?? {}).map((n) => ({ name: n, from: root, optional: true, by: rootPkg.name })),
  ];
  while (queue.length) {
    const { name, from, optional, by } = queue.shift();
    const dir = resolvePackageDir(name, from);
    if (!dir) {
      if (!optional) missing.push(`${name} (needed by ${by})`);
      continue;
    }
    if (seen.has(dir)) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    seen.set(dir, { dir: relative(root, dir), pkg });
    const peerMeta = pkg.peerDependenciesMeta ?? {};
    for (const n of Object.keys(pkg.dependencies ?? {})) queue.push({ name: n, from: dir, optional: false, by: pkg.name });
    for (const n of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name: n, from: dir, optional: true, by: pkg.name });
    // Installed peers ship too; an optional peer that is absent is fine.
    for (const n of Object.keys(pkg.peerDependencies ?? {})) queue.push({ name: n, from: dir, optional: Boolean(peerMeta[n]?.optional), by: pkg.name });
  }
  return { packages: [...seen.values()], missing };
}

function main(argv) {
  const { packages, missing } = productionTree();
  const rows = packages.map(({ dir, pkg }) => ({ name: pkg.name, version: pkg.version, dir, ...judge(pkg) }));
  const refused = rows.filter((r) => !r.ok);
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ packages: rows, missing }, null, 2)}\n`);
  } else {
    const byLicence = new Map();
    for (const r of rows) byLicence.set(r.licence, (byLicence.get(r.licence) ?? 0) + 1);
    process.stdout.write(`licences of ${rows.length} shipped packages (dependencies + optionalDependencies, transitively):\n`);
    for (const [licence, n] of [...byLicence].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${String(n).padStart(4)}  ${licence}\n`);
    if (argv.includes('--list')) for (const r of rows) process.stdout.write(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}@${r.version}  ${r.licence}\n`);
    for (const r of refused) process.stdout.write(`  REFUSED ${r.name}@${r.version} (${r.dir}): ${r.licence} — ${r.reason}\n`);
    for (const m of missing) process.stdout.write(`  MISSING ${m}\n`);
    process.stdout.write(`licences: ${refused.length} refused, ${missing.length} missing, ${rows.length - refused.length} allowed\n`);
  }
  return refused.length > 0 ? 1 : missing.length > 0 ? 2 : 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = main(process.argv.slice(2));
}
