/**
 * The loopback HTTP server that turns a verified folder (a USB stick) into
 * a generic feed for electron-updater. It serves exactly the allowlisted
 * files it was started with — the metadata, its signature, the files the
 * signed metadata lists and their blockmaps — and nothing else: no other
 * path, no directory listing, no traversal (names are compared verbatim,
 * never decoded or joined from the request), no symlinks (opened with
 * O_NOFOLLOW and checked to be the very file seen at start), GET and HEAD
 * only, 127.0.0.1 only, a bounded number of connections.
 */
import { constants, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isSafeFeedName } from './metadata';
import { NOFOLLOW } from './feed';

interface Served {
  path: string;
  dev: number;
  ino: number;
  size: number;
}

export interface FolderServer {
  /** The feed URL: http://127.0.0.1:PORT/ */
  readonly url: string;
  /** File names served. */
  readonly names: readonly string[];
  close(): Promise<void>;
}

const MAX_FILES = 80;

/**
 * Start serving `names` from `dir`. Every name must be a plain file name of
 * a regular file in the folder (checked now, and again per request).
 */
export async function startFolderServer(dir: string, names: readonly string[]): Promise<FolderServer> {
  if (names.length === 0 || names.length > MAX_FILES) throw new Error(`a feed serves between 1 and ${MAX_FILES} files`);
  const files = new Map<string, Served>();
  for (const name of names) {
    if (!isSafeFeedName(name)) throw new Error(`"${name}" is not a plain file name`);
    const path = join(dir, name);
    const st = await fs.lstat(path);
    if (!st.isFile()) throw new Error(`${name} is not a regular file`);
    files.set(name, { path, dev: st.dev, ino: st.ino, size: st.size });
  }

  let host = '';
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    const end = (status: number, text: string): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return end(405, 'method not allowed');
    }
    // A page elsewhere in a browser could point a rebound DNS name here; only our own Host is served.
    if (req.headers.host !== host) return end(421, 'wrong host');
    const raw = req.url ?? '';
    const q = raw.indexOf('?');
    // electron-updater appends ?noCache=… to the metadata URL; the query never selects anything.
    const pathname = q === -1 ? raw : raw.slice(0, q);
    const served = pathname.startsWith('/') && pathname.length <= 256 ? files.get(pathname.slice(1)) : undefined;
    if (!served) return end(404, 'not found');
    void sendFile(req, res, served).catch(() => {
      if (!res.headersSent) end(404, 'not found');
      else res.destroy();
    });
  };

  const server: Server = createServer({ requestTimeout: 15 * 60_000, headersTimeout: 10_000 }, handle);
  server.maxConnections = 16;
  server.maxHeadersCount = 50;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}/`,
    names: [...files.keys()],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        // A socket still being torn down must not keep the caller waiting.
        setTimeout(resolve, 2000).unref();
      }),
  };
}

async function sendFile(req: IncomingMessage, res: ServerResponse, f: Served): Promise<void> {
  const fh = await fs.open(f.path, constants.O_RDONLY | NOFOLLOW);
  try {
    const st = await fh.stat();
    // Swapped, grown or truncated since the folder was verified: refuse rather than serve something else.
    if (!st.isFile() || st.dev !== f.dev || st.ino !== f.ino || st.size !== f.size) throw new Error('file changed');
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': f.size });
    if (req.method === 'HEAD' || f.size === 0) {
      res.end();
      return;
    }
    await pipeline(fh.createReadStream({ start: 0, end: f.size - 1, autoClose: false }), res);
  } finally {
    await fh.close().catch(() => undefined);
  }
}
