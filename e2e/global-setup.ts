/**
 * Starts browser mode once for the whole run, exactly as an operator would
 * (`node scripts/web.mjs`), on a free port with a throwaway data dir and
 * in-memory secrets, reads the one line it prints, and hands the URL to the
 * specs through the environment. The returned function stops it again.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '..');
const START_TIMEOUT_MS = 180_000;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-e2e-'));
  const child = spawn(process.execPath, [join(ROOT, 'scripts/web.mjs'), '--port', '0', '--data-dir', dataDir, '--ephemeral-secrets'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so teardown stops web.mjs and the server it runs.
    detached: true,
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
    if (process.env.CAIRN_E2E_VERBOSE) process.stderr.write(d);
  });

  const stdoutLines: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode printed no URL within ${START_TIMEOUT_MS / 1000}s\n${stderr}`)), START_TIMEOUT_MS);
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      stdoutLines.push(line);
      const m = /^Cairn console: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)$/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited (${code ?? signal}) before printing its URL\nstdout:\n${stdoutLines.join('\n')}\nstderr:\n${stderr}`));
    });
  });

  const u = new URL(url);
  process.env.CAIRN_E2E_URL = url;
  process.env.CAIRN_E2E_ORIGIN = u.origin;
  process.env.CAIRN_E2E_TOKEN = new URLSearchParams(u.hash.slice(1)).get('token') ?? '';

  return async () => {
    // `npm run web` promises exactly one stdout line (the URL); say so loudly if that broke.
    if (stdoutLines.length !== 1) process.stderr.write(`warning: browser mode printed ${stdoutLines.length} stdout lines:\n${stdoutLines.join('\n')}\n`);
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  };
}
