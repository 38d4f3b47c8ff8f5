/**
 * Reading a generic update feed: the metadata and its `.sig` by name, from
 * a folder (a USB stick) or an https:// feed. Both refuse anything but a
 * plain file name, read at most a bounded number of bytes, and answer
 * `null` for a file that is not there.
 */
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isSafeFeedName } from './metadata';

export interface FeedReader {
  /** Where the feed is, for the operator (a folder path or a URL). */
  readonly location: string;
  read(name: string, maxBytes: number): Promise<Uint8Array | null>;
}

export class FeedError extends Error {}

/** O_NOFOLLOW where the platform has it: a symlink planted in the folder is never followed. */
export const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

export class FolderFeedReader implements FeedReader {
  constructor(readonly location: string) {}

  async read(name: string, maxBytes: number): Promise<Uint8Array | null> {
    if (!isSafeFeedName(name)) throw new FeedError(`"${name}" is not a plain file name`);
    const path = join(this.location, name);
    let st;
    try {
      st = await fs.lstat(path);
    } catch {
      return null;
    }
    if (!st.isFile()) throw new FeedError(`${name} in the folder is not a regular file (links are not followed)`);
    if (st.size > maxBytes) throw new FeedError(`${name} is larger than ${maxBytes} bytes`);
    const fh = await fs.open(path, constants.O_RDONLY | NOFOLLOW);
    try {
      const buf = Buffer.alloc(maxBytes + 1);
      let n = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n > maxBytes) throw new FeedError(`${name} is larger than ${maxBytes} bytes`);
      }
      return buf.subarray(0, n);
    } finally {
      await fh.close();
    }
  }
}

/** An online generic feed: https:// (or the loopback folder server's http://127.0.0.1). */
export class HttpFeedReader implements FeedReader {
  readonly location: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.location = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  }

  async read(name: string, maxBytes: number): Promise<Uint8Array | null> {
    if (!isSafeFeedName(name)) throw new FeedError(`"${name}" is not a plain file name`);
    let res: Response;
    try {
      // No redirects: the signature's file must come from the same feed as the metadata.
      res = await fetch(new URL(name, this.location), { redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs), headers: { 'Cache-Control': 'no-cache' } });
    } catch (err) {
      throw new FeedError(`the feed ${this.location} did not answer (${err instanceof Error ? err.message : String(err)})`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new FeedError(`the feed answered ${res.status} for ${name}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await res.body?.cancel();
      throw new FeedError(`${name} is larger than ${maxBytes} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let n = 0;
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        n += chunk.length;
        if (n > maxBytes) throw new FeedError(`${name} is larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
    }
    return Buffer.concat(chunks);
  }
}

/** A feed URL Cairn accepts: https://, or plain http:// to the loopback folder server only. */
export function isAcceptableFeedUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password || u.search || u.hash) return false;
  return u.protocol === 'https:' || (u.protocol === 'http:' && u.hostname === '127.0.0.1');
}
