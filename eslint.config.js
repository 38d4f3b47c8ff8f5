// @ts-check
/**
 * Lint for the whole tree: JS + TypeScript recommended everywhere, Svelte
 * recommended for components, and the layer boundaries of STYLE.md as
 * `no-restricted-imports` per folder (dependency-cruiser checks the same
 * rules on the resolved graph; see .dependency-cruiser.cjs).
 *
 * ESLint does not merge the options of one rule across config objects: the
 * last matching object wins. So every file gets exactly one boundary entry,
 * built from the zones below, and the zones are disjoint.
 */
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

// ---- import boundaries ----------------------------------------------------

const NODE_BUILTINS = builtinModules.filter((m) => !m.startsWith('_'));

const noElectron = {
  paths: [
    { name: 'electron', message: 'Only src-main/electron/ and src-preload/index.ts may import electron.' },
    { name: 'electron-updater', message: 'Only src-main/electron/ may import electron-updater.' },
  ],
  patterns: [{ regex: '^electron/', message: 'Only src-main/electron/ and src-preload/index.ts may import electron.' }],
};
const noMain = { regex: '(^|/)src-main(/|$)', message: 'Only the main process imports src-main/.' };
const noShellFromDomain = {
  regex: '^\\.{1,2}/(.*/)?electron(/|$)',
  message: 'Domain modules never import src-main/electron/ (the Electron shell sits on top of them, not under).',
};

/** @type {Record<string, {files: string[], ignores?: string[], options: object | null}>} */
const zones = {
  // The Electron shell: the one place electron is allowed.
  shell: { files: ['src-main/electron/**'], options: null },
  // Domain modules, transports, CLI: plain Node, no electron, no shell.
  domain: {
    files: ['src-main/**'],
    ignores: ['src-main/electron/**'],
    options: { paths: noElectron.paths, patterns: [...noElectron.patterns, noShellFromDomain] },
  },
  // The contract is pure: zod and its own files, nothing else.
  contract: {
    files: ['src-preload/contract/**'],
    options: {
      patterns: [
        {
          regex: '^(?!zod$|\\./)',
          message: 'src-preload/contract/ imports nothing except zod and its own files (no electron, no node:*, no DOM, no src-main).',
        },
      ],
    },
  },
  // The preload builds window.api from the contract; electron is allowed, the main process is not.
  preload: {
    files: ['src-preload/index.ts'],
    options: { patterns: [noMain] },
  },
  // Everything else under src-preload (helpers, tests): no electron.
  preloadOther: {
    files: ['src-preload/**'],
    ignores: ['src-preload/contract/**', 'src-preload/index.ts'],
    options: { paths: noElectron.paths, patterns: [...noElectron.patterns, noMain] },
  },
  // The renderer: contract types and its own files; never src-main, Node or electron.
  renderer: {
    files: ['src-renderer/**'],
    options: {
      paths: [
        ...noElectron.paths,
        ...NODE_BUILTINS.map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node modules.' })),
      ],
      patterns: [
        ...noElectron.patterns,
        noMain,
        { regex: '^node:', message: 'The renderer runs in a browser sandbox: no node:* modules.' },
        {
          regex: `^(${NODE_BUILTINS.map((m) => m.replace(/[/]/g, '\\/')).join('|')})/`,
          message: 'The renderer runs in a browser sandbox: no Node modules.',
        },
      ],
    },
  },
  // Tests, scripts and benchmarks run outside Electron.
  tooling: {
    files: ['e2e/**', 'bench/**', 'scripts/**'],
    options: { paths: noElectron.paths, patterns: noElectron.patterns },
  },
};

const boundaryConfigs = Object.entries(zones).map(([name, z]) => ({
  name: `cairn/boundaries/${name}`,
  files: z.files,
  ...(z.ignores ? { ignores: z.ignores } : {}),
  rules: { 'no-restricted-imports': z.options ? ['error', z.options] : 'off' },
}));

// ---- the config -------------------------------------------------------------

export default defineConfig(
  {
    name: 'cairn/ignores',
    ignores: ['out/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'coverage/**', 'dist/**', '**/*.tsbuildinfo', '.cairn-data/**'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  {
    name: 'cairn/node',
    files: ['**/*.{js,mjs,cjs,ts}'],
    ignores: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'cairn/browser',
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    name: 'cairn/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    name: 'cairn/svelte-typescript',
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteFeatures: { experimentalGenerics: true } },
    },
  },
  {
    name: 'cairn/rules',
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
      // House style (STYLE.md, after xyflow): big collections live in `$state.raw` and are
      // replaced immutably (`new Map(old)`), and private bookkeeping (timers) is deliberately
      // not reactive. This rule flags exactly those, so it is off.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  ...boundaryConfigs,
);
