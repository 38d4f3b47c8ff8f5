/**
 * build/electron-builder.yml: valid against electron-builder's own schema
 * (its validator, its scheme.json), the four targets, the fuses the issue
 * asks for, the generic feed the app checks, files limited to out/ and
 * resources/, and every native module of the shipped dependency tree
 * unpacked from the asar (dlopen cannot read inside one).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEED_URL } from './feed-config';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(s: string): unknown };
const minimatch = require('minimatch') as (path: string, pattern: string, opts?: { dot?: boolean }) => boolean;

interface BuilderConfig {
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  publish: { provider: string; url: string; channel?: string }[];
  linux: { target: string[] };
  deb: { depends: string[] };
  win: { target: string[] };
  mac: { target: string[] };
  directories: { output: string; buildResources: string };
}
const config = yaml.load(readFileSync(join(ROOT, 'build/electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** Every package electron-builder would ship: the production dependency closure. */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const queue = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})];
  while (queue.length) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    const file = join(ROOT, 'node_modules', name, 'package.json');
    if (!existsSync(file)) continue; // an optional dependency not installed here
    seen.add(name);
    const p = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    queue.push(...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {}));
  }
  return [...seen];
}

function nativeBinaries(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'obj.target' && e.name !== 'test') nativeBinaries(p, out);
    else if (e.isFile() && e.name.endsWith('.node') && statSync(p).size > 0) out.push(p);
  }
  return out;
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema validation", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(c: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The validator is not a rubber stamp.
    await expect(validateConfiguration({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } }, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
  });

  it('builds AppImage and deb (needing libsecret), NSIS and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.deb.depends).toContain('libsecret-1-0');
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(pkg.scripts.dist).toBe('electron-builder --config build/electron-builder.yml');
  });

  it('sets the fuses: no RunAsNode, encrypted cookies, app only from an integrity-checked asar', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
    });
  });

  it('publishes to the generic feed the app verifies', () => {
    expect(config.publish).toEqual([{ provider: 'generic', url: DEFAULT_FEED_URL, channel: 'latest' }]);
  });

  it('ships only out/ and resources/', () => {
    const includes = config.files.filter((f) => !f.startsWith('!'));
    expect(includes).toEqual(['out/**/*', 'resources/**/*']);
    expect(existsSync(join(ROOT, 'resources'))).toBe(true);
  });

  it('unpacks every native module of the shipped dependency tree and rebuilds them for Electron', () => {
    expect(config.npmRebuild).toBe(true);
    const shipped = productionPackages();
    for (const name of ['better-sqlite3', 'keytar', 'ssh2']) expect(shipped).toContain(name);
    const binaries = shipped.flatMap((name) => nativeBinaries(join(ROOT, 'node_modules', name)));
    expect(binaries.length).toBeGreaterThanOrEqual(3);
    for (const bin of binaries) {
      const rel = relative(ROOT, bin).split('\\').join('/');
      expect(config.asarUnpack.some((pattern) => minimatch(rel, pattern, { dot: true })), rel).toBe(true);
    }
    // The named patterns (not only the **/*.node catch-all) cover each package with a native part.
    for (const name of ['better-sqlite3', 'keytar', 'cpu-features']) {
      expect(config.asarUnpack.some((p) => p.startsWith(`node_modules/${name}/`)), name).toBe(true);
    }
    expect(config.asarUnpack.some((p) => p.startsWith('node_modules/ssh2/'))).toBe(true);
  });
});
