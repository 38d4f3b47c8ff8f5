#!/usr/bin/env node
/**
 * `npm test`: everything the project checks, in order, stopping at the
 * first failure:
 *   1 system packages   (chromium, libsecret, gnome-keyring, dbus, sshd, pdftoppm)
 *   2 keytar            (optional native dependency; rebuilt once libsecret exists)
 *   3 lint              (eslint, dependency-cruiser)
 *   4 type check        (tsc -b, svelte-check)
 *   5 build             (electron-vite build → out/)
 *   6 electronegativity (Electron security scan of src-main and out/, offline)
 *   7 licences          (shipped dependency tree: no GPL/AGPL/SSPL/unknown)
 *   8 unit tests        (vitest, inside a throwaway D-Bus session + gnome-keyring)
 *   9 end-to-end tests  (playwright against browser mode)
 * and ends with one plain line: `N passed, N failed[, N skipped]`.
 *
 * Options (for local iteration): --only=lint,unit  --skip=provision,e2e
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ROOT } from './lib/build.mjs';

const BIN = join(ROOT, 'node_modules/.bin');
const REPORTS = join(ROOT, 'out/test-reports');
const VITEST_JSON = join(REPORTS, 'vitest.json');
const PLAYWRIGHT_JSON = join(REPORTS, 'playwright.json');

// ---- small helpers ------------------------------------------------------------

const say = (s) => process.stdout.write(`${s}\n`);

function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // next
    }
  }
  return null;
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'install ok installed';
}

let current = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current && current.exitCode === null) current.kill(sig);
    process.exit(130);
  });
}

/** Run a command with inherited stdio; resolves with its exit code. */
function run(cmd, args, opts = {}) {
  say(`$ ${[cmd, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
    current = child;
    child.on('error', (err) => {
      process.stderr.write(`could not run ${cmd}: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Run commands in order; resolves with the first non-zero exit code, or 0. */
async function runAll(commands) {
  for (const [cmd, args, opts] of commands) {
    const code = await run(cmd, args, opts);
    if (code !== 0) return code;
  }
  return 0;
}

// ---- step 1: system packages ------------------------------------------------------

const SYSTEM_PACKAGES = [
  { pkg: 'chromium', why: 'end-to-end tests', ok: () => existsSync('/usr/bin/chromium') || which('chromium') !== null },
  { pkg: 'libsecret-1-dev', why: 'builds keytar (OS keychain)', ok: () => dpkgInstalled('libsecret-1-dev') },
  { pkg: 'gnome-keyring', why: 'a Secret Service for keychain tests', ok: () => which('gnome-keyring-daemon') !== null },
  { pkg: 'dbus', why: 'dbus-run-session for keychain tests', ok: () => which('dbus-run-session') !== null },
  { pkg: 'openssh-server', why: 'sshd for SSH tests', ok: () => which('sshd') !== null },
  { pkg: 'poppler-utils', why: 'pdftoppm for report tests', ok: () => which('pdftoppm') !== null },
];
/** Only needed when keytar has to be compiled from source (no prebuilt binary reachable). */
const BUILD_TOOLS = [
  { pkg: 'make', ok: () => which('make') !== null },
  { pkg: 'g++', ok: () => which('g++') !== null },
  { pkg: 'python3', ok: () => which('python3') !== null },
];

function keytarLoads() {
  const r = spawnSync(process.execPath, ['-e', "require('keytar')"], { cwd: ROOT, encoding: 'utf8' });
  return { ok: r.status === 0, error: (r.stderr.split('\n').find((l) => /Error/.test(l)) ?? r.stderr.trim()).slice(0, 300) };
}

async function provision() {
  const missing = SYSTEM_PACKAGES.filter((p) => !p.ok());
  if (!keytarLoads().ok) missing.push(...BUILD_TOOLS.filter((p) => !p.ok()));
  if (missing.length === 0) {
    say(`all present: ${SYSTEM_PACKAGES.map((p) => p.pkg).join(', ')}`);
    return 0;
  }
  for (const p of missing) say(`missing: ${p.pkg}${p.why ? ` (${p.why})` : ''}`);
  const names = missing.map((p) => p.pkg);
  const installLine = `apt-get install -y --no-install-recommends ${names.join(' ')}`;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !which('apt-get')) {
    process.stderr.write(
      `\nnpm test needs these system packages and cannot install them itself (${!which('apt-get') ? 'no apt-get on this machine' : 'not running as root'}).\n` +
        `Install them, then run npm test again:\n\n  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${installLine}\n\n`,
    );
    return 2;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return runAll([
    ['apt-get', ['update'], { env }],
    ['apt-get', ['install', '-y', '--no-install-recommends', ...names], { env }],
  ]);
}

// ---- step 2: keytar -------------------------------------------------------------------

function lockedVersion(name) {
  try {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    return lock.packages?.[`node_modules/${name}`]?.version ?? null;
  } catch {
    return null;
  }
}

async function keytar() {
  const before = keytarLoads();
  if (before.ok) {
    say('keytar loads');
    return 0;
  }
  say(`keytar does not load yet (${before.error})`);
  // `npm ci` skips a failed optional dependency and may remove it entirely.
  const code = existsSync(join(ROOT, 'node_modules/keytar/package.json'))
    ? await run('npm', ['rebuild', 'keytar'])
    : await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', `keytar@${lockedVersion('keytar') ?? '^7.9.0'}`]);
  if (code !== 0) return code;
  const after = keytarLoads();
  if (!after.ok) {
    process.stderr.write(`keytar still does not load after rebuilding it: ${after.error}\n`);
    return 1;
  }
  say('keytar loads');
  return 0;
}

// ---- steps 3–7 --------------------------------------------------------------------------

const lint = () =>
  runAll([
    [join(BIN, 'eslint'), ['--concurrency', 'auto', '.']],
    [join(BIN, 'depcruise'), ['src-main', 'src-preload', 'src-renderer', '--config', '.dependency-cruiser.cjs']],
  ]);

const typecheck = () =>
  runAll([
    [join(BIN, 'tsc'), ['-b']],
    [join(BIN, 'svelte-check'), ['--tsconfig', 'tsconfig.web.json', '--fail-on-warnings', '--output', 'human']],
  ]);

const build = () => run(join(BIN, 'electron-vite'), ['build']);

// Both read only local files: the scanner's online check (Electron release list) is excluded.
const electronegativity = () => run(process.execPath, [join(ROOT, 'scripts/electronegativity.mjs')]);
const licences = () => run(process.execPath, [join(ROOT, 'scripts/licences.mjs')]);

// ---- step 6: unit tests inside a real Secret Service ----------------------------

async function unit() {
  mkdirSync(REPORTS, { recursive: true });
  rmSync(VITEST_JSON, { force: true });
  // A throwaway home: the login keyring gnome-keyring creates lives here, not in the operator's.
  const home = mkdtempSync(join(tmpdir(), 'cairn-test-home-'));
  const runtime = join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env = {
    ...process.env,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    CAIRN_KEYRING: '1',
    // The operator's npm config (registry, cache) still applies to the CLI tests' `npm run`.
    npm_config_userconfig: process.env.npm_config_userconfig ?? join(process.env.HOME ?? home, '.npmrc'),
  };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.GNOME_KEYRING_CONTROL;
  const vitest = `exec npx vitest run --reporter=default --reporter=json --outputFile.json=${JSON.stringify(VITEST_JSON)}`;
  try {
    return await run('dbus-run-session', ['--', 'sh', '-c', `printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; ${vitest}`], { env });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// ---- step 7: end-to-end -----------------------------------------------------------------

async function e2e() {
  mkdirSync(REPORTS, { recursive: true });
  rmSync(PLAYWRIGHT_JSON, { force: true });
  return run(join(BIN, 'playwright'), ['test'], { env: { ...process.env, CAIRN_PLAYWRIGHT_JSON: PLAYWRIGHT_JSON } });
}

// ---- counting ------------------------------------------------------------------------------

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function counts() {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const v = readJson(VITEST_JSON);
  if (v) {
    total.passed += v.numPassedTests ?? 0;
    total.failed += v.numFailedTests ?? 0;
    total.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
    // A file that fails to load has no tests but is a failure all the same.
    for (const f of v.testResults ?? []) if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) total.failed += 1;
  }
  const p = readJson(PLAYWRIGHT_JSON);
  if (p?.stats) {
    total.passed += (p.stats.expected ?? 0) + (p.stats.flaky ?? 0);
    total.failed += p.stats.unexpected ?? 0;
    total.skipped += p.stats.skipped ?? 0;
    // Errors outside any test (global setup, config) count once.
    if ((p.errors ?? []).length > 0 && (p.stats.unexpected ?? 0) === 0) total.failed += 1;
  }
  return total;
}

// ---- main ----------------------------------------------------------------------------------

const STEPS = [
  { id: 'provision', title: 'System packages', fn: provision },
  { id: 'keytar', title: 'keytar (OS keychain module)', fn: keytar },
  { id: 'lint', title: 'Lint: eslint + dependency-cruiser', fn: lint },
  { id: 'typecheck', title: 'Type check: tsc -b + svelte-check', fn: typecheck },
  { id: 'build', title: 'Build: electron-vite build', fn: build },
  { id: 'electronegativity', title: 'Security scan: electronegativity (src-main, out/)', fn: electronegativity },
  { id: 'licences', title: 'Licences of shipped dependencies', fn: licences },
  { id: 'unit', title: 'Unit tests: vitest (in a D-Bus session with gnome-keyring)', fn: unit },
  { id: 'e2e', title: 'End-to-end tests: playwright (browser mode, Chromium)', fn: e2e },
];

function parseSelection(argv) {
  const pick = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',').filter(Boolean);
  const only = pick('only');
  const skip = pick('skip') ?? [];
  for (const id of [...(only ?? []), ...skip]) {
    if (!STEPS.some((s) => s.id === id)) {
      process.stderr.write(`unknown step "${id}"; steps: ${STEPS.map((s) => s.id).join(', ')}\n`);
      process.exit(2);
    }
  }
  return STEPS.filter((s) => (!only || only.includes(s.id)) && !skip.includes(s.id));
}

const selected = parseSelection(process.argv.slice(2));
rmSync(VITEST_JSON, { force: true });
rmSync(PLAYWRIGHT_JSON, { force: true });
const timings = [];
const started = Date.now();
let failure = null;
for (const [i, step] of selected.entries()) {
  say(`\n==> [${i + 1}/${selected.length}] ${step.title}`);
  const t0 = Date.now();
  const code = await step.fn();
  const seconds = (Date.now() - t0) / 1000;
  timings.push({ title: step.title, seconds, code });
  if (code !== 0) {
    failure = { step, code };
    break;
  }
}

say('\n==> Summary');
for (const t of timings) say(`  ${t.code === 0 ? 'ok  ' : 'FAIL'}  ${t.seconds.toFixed(1).padStart(7)}s  ${t.title}`);
say(`  total ${((Date.now() - started) / 1000).toFixed(1)}s`);
if (failure) {
  const rest = selected.slice(selected.indexOf(failure.step) + 1).map((s) => s.id);
  say(`npm test stopped: "${failure.step.title}" failed (exit ${failure.code})${rest.length ? `; not run: ${rest.join(', ')}` : ''}.`);
}
const c = counts();
say(`${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`);
process.exitCode = failure ? (failure.code === 2 && failure.step.id === 'provision' ? 2 : 1) : c.failed > 0 ? 1 : 0;
