/**
 * Where a worker thread's code is. Built (electron-vite, the benchmark
 * bundle), each worker is a bundle of its own beside the bundle that starts
 * it (`NAME.js` / `NAME.mjs`); from the sources (tests, `npm run web`,
 * `npm run cairn`) it is the TypeScript file, loaded through tsx's loader
 * registered inside the worker: a worker does not inherit the loader hooks
 * of the thread that starts it. `null` when neither is there (a build
 * without that bundle): the caller does the work on its own thread.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface WorkerEntry {
  code: string;
  eval: boolean;
}

/**
 * @param hostUrl `import.meta.url` of the module that starts the worker
 * @param bundleName the worker bundle's name (an entry of electron.vite.config.ts and scripts/bench.mjs)
 * @param sourceFile the worker's TypeScript source, relative to the host's source file
 */
export function workerEntry(hostUrl: string, bundleName: string, sourceFile: string): WorkerEntry | null {
  if (!hostUrl.endsWith('.ts')) {
    for (const ext of ['.js', '.mjs']) {
      const file = fileURLToPath(new URL(`./${bundleName}${ext}`, hostUrl));
      if (existsSync(file)) return { code: file, eval: false };
    }
  }
  let tsxDir: string;
  try {
    // tsx's ESM API (its `import` export), located from its package.json so any resolver finds it.
    tsxDir = dirname(createRequire(hostUrl).resolve('tsx/package.json'));
  } catch {
    return null;
  }
  const source = new URL(sourceFile, hostUrl);
  if (!existsSync(fileURLToPath(source))) return null;
  const tsxApi = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  return { code: `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(source.href)}); });`, eval: true };
}
