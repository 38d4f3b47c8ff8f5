/** Where Cairn keeps its data by default, per platform conventions. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.CAIRN_DATA_DIR) return env.CAIRN_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Cairn');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Cairn');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'cairn');
}
