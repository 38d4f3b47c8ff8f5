#!/usr/bin/env node
/**
 * `npm run web [-- --port N --data-dir DIR --ephemeral-secrets …]`: browser
 * mode. Builds out/ when stale (build output on stderr), then runs
 * src-main/web/main.ts under tsx with stdout inherited, so the only stdout
 * line is `Cairn console: http://127.0.0.1:PORT/#token=TOKEN`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildIfStale, ROOT, runForwardingSignals, runtimeEnv } from './lib/build.mjs';

export async function runWeb(args) {
  if (!(await buildIfStale())) return 1;
  const tsx = import.meta.resolve('tsx');
  return runForwardingSignals(process.execPath, ['--import', tsx, join(ROOT, 'src-main/web/main.ts'), ...args], { cwd: ROOT, env: runtimeEnv() });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runWeb(process.argv.slice(2));
}
