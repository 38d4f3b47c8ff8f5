/**
 * Where the online feed is. The packaged app's default is the generic
 * publish URL of build/electron-builder.yml (a test holds the two equal);
 * `CAIRN_UPDATE_FEED` overrides it, and `none` turns online checks off
 * (sites that only ever update from a USB stick).
 */
export const DEFAULT_FEED_URL = 'https://updates.cairn.invalid/stable/';

export function updateFeedUrl(env: Record<string, string | undefined>, fallback: string | null): string | null {
  const v = env.CAIRN_UPDATE_FEED?.trim();
  if (v === 'none') return null;
  return v ? v : fallback;
}
