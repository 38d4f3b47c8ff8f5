import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// main / preload / renderer, built to out/. The renderer is also what
// browser mode serves, so it must not assume Electron.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The inventory sync and the custody writer run in worker threads; their entries sit beside index.js
        // (util/worker-entry.ts finds them).
        input: {
          index: resolve('src-main/electron/main.ts'),
          'sync-worker': resolve('src-main/app/sync-worker.ts'),
          'custody-writer': resolve('src-main/custody/writer-worker.ts'),
        },
        external: ['better-sqlite3', 'keytar', 'ssh2', 'cpu-features', 'electron-updater'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src-preload/index.ts') },
        // A sandboxed preload cannot require modules: bundle everything, emit CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
      externalizeDeps: false,
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: resolve('src-renderer/index.html') },
      chunkSizeWarningLimit: 2000,
    },
  },
});
