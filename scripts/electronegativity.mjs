#!/usr/bin/env node
/**
 * Electronegativity (Doyensec's Electron security scanner) over the sources
 * (src-main, src-preload) and over what ships (out/main, out/preload,
 * out/renderer, after `electron-vite build`). Prints every finding and exits
 * 1 on any that is not suppressed below with its reason; 2 when the scan
 * itself could not run (missing build, a file the scanner could not read).
 *
 * Why not its CLI: `electronegativity` 1.10 crashes on the commander this
 * tree resolves (`_commander2.default.version is not a function`), and its
 * `run()` fetches translations from S3 before scanning. This drives the same
 * pipeline (parser → atomic checks → global checks → visibility filter)
 * offline, with the one online check, AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK
 * (it downloads Electron's release list), excluded.
 *
 * Usage: node scripts/electronegativity.mjs [--only=source|built] [--json]
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { ROOT } from './lib/build.mjs';

const require = createRequire(import.meta.url);
const EN_DIR = join(ROOT, 'node_modules/@doyensec/electronegativity');
const enRequire = createRequire(join(EN_DIR, 'package.json'));

/** The check that needs the network (it compares the Electron version with GitHub's release list). */
export const ONLINE_CHECKS = ['AvailableSecurityFixesGlobalCheck'];

/** What is scanned: each target is one application, so the global checks see all of its files together. */
const TARGETS = {
  source: ['src-main', 'src-preload'],
  built: ['out/main', 'out/preload', 'out/renderer'],
};

/**
 * Findings reviewed and judged false positives. Each names the check, the
 * file it may appear in and a piece of source that must sit on the flagged
 * line, so the same check anywhere else (or on changed code) still fails.
 */
export const SUPPRESSED = [
  {
    id: 'CSP_GLOBAL_CHECK',
    file: /^N\/A$/,
    near: null,
    why:
      'The scanner looks for a CSP only in <meta> tags and literal webRequest header objects. Cairn sets it on every ' +
      'app:// response (src-main/electron/main.ts: headers.set(…, CSP)) and browser mode sends it as a header; ' +
      "src-main/electron/security.test.ts and csp.test.ts assert both policies have no 'unsafe-inline'/'unsafe-eval'.",
  },
  {
    id: 'PRELOAD_JS_CHECK',
    file: /(^|\/)(electron\/main\.ts|main\/index\.js)$/,
    near: /preload:/,
    why:
      'Manual-review reminder for any preload. Ours (src-preload/index.ts) runs sandboxed with context isolation and ' +
      "exposes one object built from the contract's channel allowlist, never ipcRenderer itself.",
  },
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: /(^|\/)(electron\/main\.ts|main\/index\.js)$/,
    near: /isAllowedExternal\(/,
    why: 'Manual-review reminder for shell.openExternal. The call is guarded on the same line by isAllowedExternal (https only, no credentials, a host allowlist; security.test.ts).',
  },
];

const SCANNED = /\.(js|jsx|ts|tsx|html|htm|json)$/;

function filesUnder(dir) {
  return readdirSync(dir).flatMap((e) => {
    if (e === 'node_modules' || e.startsWith('.')) return [];
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : SCANNED.test(e) ? [p] : [];
  });
}

/**
 * estraverse (the scanner's walker for JavaScript) predates class private
 * members and throws on the Svelte runtime in the renderer bundle; teach it
 * their child keys so that bundle is scanned instead of skipped.
 */
function teachModernSyntax() {
  const estraverse = enRequire('estraverse-fb');
  const keys = {
    ClassPrivateProperty: ['key', 'value'],
    ClassPrivateMethod: ['key', 'params', 'body'],
    ClassAccessorProperty: ['key', 'value'],
    PrivateName: ['id'],
    PrivateIdentifier: [],
    PropertyDefinition: ['key', 'value'],
    StaticBlock: ['body'],
    ChainExpression: ['expression'],
    ImportExpression: ['source'],
    OptionalMemberExpression: ['object', 'property'],
    OptionalCallExpression: ['callee', 'arguments'],
  };
  for (const [type, k] of Object.entries(keys)) {
    if (!estraverse.VisitorKeys[type]) {
      estraverse.VisitorKeys[type] = k;
      estraverse.Syntax[type] = type;
    }
  }
}

/** The scanner's strings, from its bundled en-US locale (its own loader would fetch them from S3). */
function localStrings() {
  const i18n = enRequire('i18n');
  i18n.configure({ locales: ['en-US'], defaultLocale: 'en-US', directory: join(EN_DIR, 'dist/locales'), updateFiles: false, objectNotation: true, register: globalThis });
  i18n.setLocale('en-US');
}

function lineAt(file, line) {
  try {
    return readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
  } catch {
    return '';
  }
}

/** Scan one application (several folders, relative to the project or absolute); resolves with its findings and the files it could not read. */
export async function scan(folders, { electronVersion }) {
  localStrings();
  teachModernSyntax();
  const { Parser } = enRequire('./dist/parser');
  const { Finder, GlobalChecks } = enRequire('./dist/finder');
  const exclude = ONLINE_CHECKS.map((c) => c.toLowerCase());
  const globalChecker = new GlobalChecks([], exclude, undefined);
  const finder = await new Finder([], exclude.filter((c) => !c.includes('globalcheck')), undefined);
  const parser = new Parser(false, true);
  const files = folders.flatMap((f) => filesUnder(resolve(ROOT, f)));
  let issues = [];
  const errors = [];
  for (const file of files) {
    try {
      const [type, data, content, warnings] = parser.parse(file, readFileSync(file));
      if (data === null) continue;
      for (const w of warnings ?? []) errors.push({ file, message: w.message, tolerable: true });
      issues.push(...(await finder.find(file, data, type, content, null, electronVersion)));
    } catch (err) {
      errors.push({ file, message: err instanceof Error ? err.message : String(err), tolerable: false });
    }
  }
  issues = await globalChecker.getResults(issues, undefined);
  // The scanner's own inline switches (`eng-disable`) and global-check verdicts.
  issues = issues.filter((i) => !i.visibility || (!i.visibility.inlineDisabled && !i.visibility.globalCheckDisabled));
  const findings = issues.map((i) => ({
    id: i.id,
    file: i.file === 'N/A' ? 'N/A' : relative(ROOT, i.file),
    line: i.location?.line ?? 0,
    column: i.location?.column ?? 0,
    severity: i.severity?.name ?? String(i.severity),
    confidence: i.confidence?.name ?? String(i.confidence),
    manualReview: Boolean(i.manualReview),
    description: typeof i.description === 'string' ? i.description : JSON.stringify(i.description),
    source: i.file === 'N/A' ? '' : lineAt(i.file, i.location?.line ?? 0),
  }));
  return { files: files.length, findings, errors: errors.map((e) => ({ ...e, file: relative(ROOT, e.file) })), checks: globalChecker._enabled_checks.length + finder._enabled_checks.length };
}

/** The suppression that covers a finding, if any. */
export function suppressionFor(finding, rules = SUPPRESSED) {
  return rules.find((r) => r.id === finding.id && r.file.test(finding.file) && (r.near === null || r.near.test(finding.source))) ?? null;
}

async function main(argv) {
  const only = argv.find((a) => a.startsWith('--only='))?.slice(7);
  const json = argv.includes('--json');
  const targets = Object.entries(TARGETS).filter(([name]) => !only || only === name);
  if (targets.length === 0) {
    process.stderr.write(`unknown target "${only}"; targets: ${Object.keys(TARGETS).join(', ')}\n`);
    return 2;
  }
  for (const [name, folders] of targets) {
    for (const f of folders) {
      if (!existsSync(join(ROOT, f))) {
        process.stderr.write(`electronegativity: ${f} does not exist${name === 'built' ? ' (run `electron-vite build` first)' : ''}\n`);
        return 2;
      }
    }
  }
  const electronVersion = require(join(ROOT, 'node_modules/electron/package.json')).version;
  let failed = 0;
  let broken = 0;
  const report = [];
  for (const [name, folders] of targets) {
    const r = await scan(folders, { electronVersion });
    const open = [];
    for (const f of r.findings) {
      const s = suppressionFor(f);
      if (s) report.push({ target: name, ...f, suppressed: s.why });
      else open.push(f);
    }
    const hard = r.errors.filter((e) => !e.tolerable);
    report.push(...open.map((f) => ({ target: name, ...f })));
    failed += open.length;
    broken += hard.length;
    if (json) continue;
    process.stdout.write(`electronegativity ${name} (${folders.join(', ')}): ${r.files} files, ${r.checks} checks, Electron ${electronVersion}\n`);
    for (const f of open) process.stdout.write(`  FINDING ${f.id} ${f.file}:${f.line}:${f.column} [${f.severity}/${f.confidence}${f.manualReview ? ', review' : ''}] ${f.description}\n          ${f.source.trim().slice(0, 160)}\n`);
    for (const f of r.findings.filter((x) => suppressionFor(x))) process.stdout.write(`  suppressed ${f.id} ${f.file}:${f.line} — ${suppressionFor(f).why}\n`);
    for (const e of hard) process.stdout.write(`  UNSCANNED ${e.file}: ${e.message}\n`);
    for (const e of r.errors.filter((x) => x.tolerable)) process.stdout.write(`  warning ${e.file}: ${e.message}\n`);
  }
  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`electronegativity: ${failed} finding(s)${broken ? `, ${broken} file(s) the scanner could not read` : ''}\n`);
  return failed > 0 ? 1 : broken > 0 ? 2 : 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await main(process.argv.slice(2));
}
