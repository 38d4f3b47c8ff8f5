/**
 * Browser mode: the contract served over a WebSocket on 127.0.0.1 only, with
 * a random per-run token, plus the built renderer as static files. It is how
 * the console runs where Electron cannot, and how e2e tests drive it.
 * Refused: non-loopback peers, a missing or wrong token, a foreign Origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_PATH, type WsFrame } from '../../src-preload/contract';
import type { Router } from '../ipc/router';
import type { EventBus } from '../util/events';
import type { Logger } from '../util/log';

export interface WebServerOptions {
  router: Router;
  events: EventBus;
  log: Logger;
  /** Folder with the built renderer (index.html). */
  rendererDir: string;
  port?: number;
  token?: string;
  /** Called when a WebSocket session with a valid token is accepted (the browser-mode sign-in, for the audit trail). */
  onSession?: (info: { remote: string }) => void;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

function tokenMatches(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const root = resolve(opts.rendererDir);
  const log = opts.log;
  let port = 0;
  // Refusals and errors carry the policy too: a browser renders whatever body comes back.
  const guard = () => ({ 'Content-Security-Policy': contentSecurityPolicy(port), 'X-Content-Type-Options': 'nosniff' });

  const serveStatic = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, guard()).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const rel = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
    const file = join(root, rel);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403, guard()).end();
      return;
    }
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': contentSecurityPolicy(port),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...guard() }).end('not found');
    }
  };

  const server: Server = createServer((req, res) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      res.writeHead(403, guard()).end();
      return;
    }
    serveStatic(req, res).catch(() => res.writeHead(500, guard()).end());
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const clients = new Set<WebSocket>();

  const refuse = (socket: Duplex, status: number, reason: string) => {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!isLoopback(req.socket.remoteAddress)) return refuse(socket, 403, 'Forbidden');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    if (!tokenMatches(token, url.searchParams.get('token'))) {
      log.warn('refused a WebSocket without a valid token', { remote: req.socket.remoteAddress });
      return refuse(socket, 401, 'Unauthorized');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      return refuse(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      opts.onSession?.({ remote: req.socket.remoteAddress ?? '' });
      wss.emit('connection', ws, req);
    });
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => {
      void handleMessage(ws, isBinary ? null : data.toString());
    });
  });

  const send = (ws: WebSocket, frame: WsFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };

  const handleMessage = async (ws: WebSocket, text: string | null) => {
    let msg: unknown;
    try {
      msg = text === null ? null : JSON.parse(text);
    } catch {
      msg = null;
    }
    const obj = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as Record<string, unknown>) : null;
    const id = obj && typeof obj.id === 'number' && Number.isSafeInteger(obj.id) ? obj.id : -1;
    if (!obj) {
      send(ws, { id, result: { ok: false, error: { code: 'invalid_request', message: 'Expected a JSON object {id, channel, payload}' } } });
      return;
    }
    const result = await opts.router.dispatch(obj.channel, obj.payload, { transport: 'browser' });
    send(ws, { id, result });
  };

  const unsubscribe = opts.events.subscribe((event, payload) => {
    for (const ws of clients) send(ws, { event, payload });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: async () => {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
