/**
 * `cairn updates verify FOLDER`: check a release folder (a USB stick before
 * a site visit) exactly as "Update from folder…" does — signature by a
 * pinned release key, metadata, version against this build, every listed
 * file's SHA-512 — without serving or installing anything.
 */
import { resolve } from 'node:path';
import { AppException } from '../util/app-exception';
import { parseArgs, UsageError } from '../util/args';
import type { PinnedKey } from './signature';
import { UpdateService } from './service';

export interface UpdatesCliIo {
  stdout(s: string): void;
  stderr(s: string): void;
  version: string;
  keys: readonly PinnedKey[];
}

export const UPDATES_HELP = `usage: cairn updates verify FOLDER [--platform linux|win32|darwin] [--arch x64|arm64] [--json]

  Verifies a release folder as the desktop app's "Update from folder…" does: the metadata's
  Ed25519 signature by a release key pinned in this build, the metadata itself, the version
  (a downgrade is refused) and every listed file's SHA-512 and size. Nothing is installed.
  --platform/--arch pick the metadata file (default: this machine's): latest-linux.yml,
  latest-linux-arm64.yml, latest.yml (Windows), latest-mac.yml.

exit codes: 0 the folder holds a verified release, 1 refused, 2 usage or unreadable folder
`;

const PLATFORMS = ['linux', 'win32', 'darwin'] as const;

export async function runUpdatesCli(argv: string[], io: UpdatesCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.stdout(UPDATES_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'verify') throw new UsageError(`unknown updates command "${sub}"`);
  const { flags, positional } = parseArgs(rest, { platform: { type: 'string' }, arch: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } });
  if (flags.help) {
    io.stdout(UPDATES_HELP);
    return 0;
  }
  if (positional.length !== 1) throw new UsageError('updates verify takes one FOLDER');
  const platform = (flags.platform as string | undefined) ?? process.platform;
  if (!(PLATFORMS as readonly string[]).includes(platform)) throw new UsageError('--platform must be linux, win32 or darwin');
  const arch = (flags.arch as string | undefined) ?? process.arch;
  if (!/^[a-z0-9]{1,16}$/.test(arch)) throw new UsageError('--arch must be like x64 or arm64');
  const service = new UpdateService({ currentVersion: io.version, keys: io.keys, feedUrl: null, updater: null, platform: platform as NodeJS.Platform, arch });
  let st;
  try {
    st = await service.fromFolder(resolve(positional[0] as string));
  } catch (err) {
    if (!(err instanceof AppException)) throw err;
    io.stderr(`cairn updates: ${err.message}\n`);
    return 2;
  }
  const v = st.verdict;
  if (flags.json) {
    io.stdout(`${JSON.stringify({ state: st.state, verdict: v })}\n`);
  } else if (v) {
    const lines = v.ok
      ? [`${v.metadataFile}: release ${v.version} VERIFIED (${st.state === 'up-to-date' ? 'the running version' : `this build is ${io.version}`})`, ...v.checks.map((c) => `  ok  ${c}`), ...v.files.map((f) => `  file ${f.name} (${f.size} bytes)`)]
      : [`${v.metadataFile}: REFUSED`, ...v.reasons.map((r) => `  ${r.code}: ${r.message}`)];
    io.stdout(`${lines.join('\n')}\n`);
  }
  return v?.ok ? 0 : 1;
}
