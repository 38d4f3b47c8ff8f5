/**
 * The layer rules of STYLE.md checked on the resolved import graph (ESLint's
 * no-restricted-imports checks the same rules on import strings; this one
 * also sees through re-exports and resolves what a path really points at).
 * Run: npx depcruise src-main src-preload src-renderer --config .dependency-cruiser.cjs
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-shell',
      comment: 'Only src-main/electron/ (and the preload entry, for contextBridge/ipcRenderer) may import electron or electron-updater.',
      severity: 'error',
      from: { pathNot: ['^src-main/electron/', '^src-preload/index\\.ts$'] },
      to: { path: '(^|/)node_modules/(electron|electron-updater)/' },
    },
    {
      name: 'electron-updater-only-in-shell',
      comment: 'The preload may use electron for its bridge, never the updater.',
      severity: 'error',
      from: { path: '^src-preload/' },
      to: { path: '(^|/)node_modules/electron-updater/' },
    },
    {
      name: 'renderer-not-to-main',
      comment: 'The renderer talks to the main process through the contract only, never by importing src-main/.',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^src-main/' },
    },
    {
      name: 'renderer-no-node',
      comment: 'The renderer runs in a sandboxed browser page: no Node built-ins (node:*, fs, path, child_process …).',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'contract-is-pure',
      comment: 'src-preload/contract/ imports nothing except zod and its own files.',
      severity: 'error',
      from: { path: '^src-preload/contract/' },
      to: { pathNot: ['^src-preload/contract/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'preload-not-to-main',
      comment: 'The preload exposes the contract; it never reaches into the main process code.',
      severity: 'error',
      from: { path: '^src-preload/' },
      to: { path: '^src-main/' },
    },
    {
      name: 'domain-not-to-shell',
      comment: 'Domain modules, transports and the CLI never import src-main/electron/: the shell sits on top of them.',
      severity: 'error',
      from: { path: '^src-main/', pathNot: '^src-main/electron/' },
      to: { path: '^src-main/electron/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      comment: 'Cycles make layers meaningless; break them with an interface (port) in the lower module.',
      severity: 'warn',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(out|test-results|coverage)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.svelte', '.json', '.d.ts'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
