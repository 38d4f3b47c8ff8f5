#!/usr/bin/env node
/**
 * `npm start`: the desktop app. Builds out/ when stale, then obtains the
 * Electron binary — requiring `electron` downloads it on first use, so that
 * happens in a child process with a time limit. Where it cannot be had (no
 * network to its download host, unsupported platform) Cairn starts in
 * browser mode instead, saying so in one line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { buildIfStale, ROOT, runForwardingSignals, runtimeEnv } from './lib/build.mjs';
import { runWeb } from './web.mjs';

const TIMEOUT_MS = Number(process.env.CAIRN_ELECTRON_TIMEOUT_MS) || 300_000;

/** Resolves with { path } or { reason }. */
function obtainElectron() {
  const probe = "process.stdout.write('\\nCAIRN_ELECTRON_PATH=' + require('electron') + '\\n')";
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', probe], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ reason: `no answer within ${Math.round(TIMEOUT_MS / 1000)}s` });
    }, TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ reason: e.message });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const path = /CAIRN_ELECTRON_PATH=(.+)/.exec(out)?.[1]?.trim();
      if (code === 0 && path && existsSync(path)) return resolve({ path });
      // The first error line is the cause (e.g. "TypeError: fetch failed"); the rest is a stack.
      const lines = err.split('\n').map((l) => l.trim());
      const cause = lines.find((l) => /^[A-Za-z]*Error\b.*:/.test(l) && !l.includes('Electron failed to install'));
      const fallback = lines.find((l) => /Error\b/.test(l)) ?? `exit code ${code}`;
      resolve({ reason: (cause ?? fallback).slice(0, 200) });
    });
  });
}

const args = process.argv.slice(2);
if (!(await buildIfStale())) process.exit(1);

const electron = await obtainElectron();
if (!electron.path) {
  process.stderr.write(
    `Electron is not available on this machine (its binary could not be downloaded: ${electron.reason}); starting Cairn in browser mode instead.\n`,
  );
  process.exitCode = await runWeb(args);
} else {
  const env = runtimeEnv();
  delete env.ELECTRON_RUN_AS_NODE;
  // Chromium refuses to run as root with its sandbox; outside root the sandbox stays on.
  const extra = process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  process.exitCode = await runForwardingSignals(electron.path, [ROOT, ...extra, ...args], { cwd: ROOT, env });
}
