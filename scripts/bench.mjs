#!/usr/bin/env node
/**
 * `npm run bench [name…] [--quick] [--profile]`: bundles the benchmarks and
 * Cairn's CLI with esbuild into out/bench/ (native modules stay external, as
 * in the shipped main-process bundle), then runs them under plain Node with
 * --expose-gc. Measuring the bundle, not the sources under tsx, keeps the
 * figures (RSS above all: tsx's loader thread alone holds ~50 MB) about the
 * code Cairn ships. Figures go to stdout as JSON lines; progress to stderr.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT, runForwardingSignals, runtimeEnv } from './lib/build.mjs';

const OUT = join(ROOT, 'out/bench');

export async function runBench(args) {
  await build({
    entryPoints: {
      run: join(ROOT, 'bench/run.ts'),
      cairn: join(ROOT, 'src-main/cli/main.ts'),
      // Found beside the bundle by util/worker-entry.ts, as in the app.
      'sync-worker': join(ROOT, 'src-main/app/sync-worker.ts'),
      'custody-writer': join(ROOT, 'src-main/custody/writer-worker.ts'),
    },
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    // Native and optional modules load from node_modules at run time, as in the app.
    external: ['better-sqlite3', 'keytar', 'ssh2', 'cpu-features', 'node-ssh', 'electron', '@playwright/test', 'playwright', 'playwright-core'],
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cairnCreateRequire } from 'node:module'; const require = __cairnCreateRequire(import.meta.url);" },
  });
  return runForwardingSignals(process.execPath, ['--expose-gc', '--enable-source-maps', join(OUT, 'run.mjs'), ...args], {
    cwd: ROOT,
    env: { ...runtimeEnv(), CAIRN_BENCH_CLI: join(OUT, 'cairn.mjs') },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runBench(process.argv.slice(2));
}
