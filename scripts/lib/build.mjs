/**
 * Shared by `npm run web` and `npm start`: rebuild the renderer (and the
 * rest of out/) only when it is missing or older than its sources. Build
 * output goes to stderr, so the launcher's stdout stays one line.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Inputs whose change means out/ is stale. */
const SOURCES = ['src-renderer', 'src-preload', 'electron.vite.config.ts'];

function newestMtime(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Why out/ needs a build, or null when it is up to date. */
export function staleReason(root = ROOT) {
  const index = join(root, 'out/renderer/index.html');
  if (!existsSync(index)) return 'out/renderer/index.html is missing';
  const built = statSync(index).mtimeMs;
  for (const s of SOURCES) if (newestMtime(join(root, s)) > built) return `${s} changed since the last build`;
  return null;
}

/**
 * The environment Cairn's main process runs in (browser mode, Electron, the
 * benchmarks): the caller's, plus `MALLOC_ARENA_MAX=2` unless set. glibc
 * gives every thread that mallocs its own arena and keeps freed memory in
 * it; the sync worker and V8's background compiler and GC threads each
 * retained tens of MB that way at 500 sites (peak RSS 330 MB with the
 * default, 282 MB with two arenas). Other C libraries ignore the variable.
 * Not yet set for the packaged Linux app: electron-builder's desktop entry
 * cannot prepend an environment variable to its Exec line.
 */
export function runtimeEnv(base = process.env) {
  return { MALLOC_ARENA_MAX: '2', ...base };
}

/** Run `electron-vite build` with all of its output on stderr; resolves with the exit code. */
export function build(root = ROOT) {
  const cli = join(root, 'node_modules/electron-vite/bin/electron-vite.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', () => resolve(1));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Build when stale; returns false (after saying why on stderr) when the build failed. */
export async function buildIfStale(root = ROOT) {
  const why = staleReason(root);
  if (!why) return true;
  process.stderr.write(`Building the console (${why})…\n`);
  const code = await build(root);
  if (code !== 0) {
    process.stderr.write(`electron-vite build failed (exit ${code}).\n`);
    return false;
  }
  return true;
}

/**
 * Run a child with stdio inherited, forwarding SIGINT/SIGTERM/SIGHUP to it
 * while it runs; resolves with an exit code for this process.
 */
export function runForwardingSignals(command, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', ...opts });
    const forward = (sig) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    };
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, forward);
    child.on('error', (err) => {
      process.stderr.write(`could not start ${command}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      // A child ended by the signal we forwarded is a clean stop for the operator.
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}
