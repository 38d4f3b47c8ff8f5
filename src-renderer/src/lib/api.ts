/**
 * The renderer's only door to the main process. It speaks the contract over
 * whichever transport this window has: `window.api` (Electron preload) or a
 * loopback WebSocket authenticated by the per-run token in the URL fragment
 * (browser mode). Features call `api.call(...)` and never touch either.
 */
import type { AppError, CairnBridge, Channel, EventName, EventPayload, Req, Res, Result, WsCall, WsFrame } from '../../../src-preload/contract';
import { WS_PATH, isEventName } from '../../../src-preload/contract';

export class ApiError extends Error implements AppError {
  readonly code: AppError['code'];
  readonly field?: string;
  readonly details?: AppError['details'];
  constructor(e: AppError) {
    super(e.message);
    this.name = 'ApiError';
    this.code = e.code;
    if (e.field !== undefined) this.field = e.field;
    if (e.details !== undefined) this.details = e.details;
  }
}

declare global {
  interface Window {
    api?: CairnBridge;
  }
}

type Listener = (payload: unknown) => void;

/** Browser-mode bridge: one WebSocket, request ids, reconnect with backoff. */
export class WebSocketBridge implements CairnBridge {
  readonly transport = 'browser' as const;
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private opening: Promise<WebSocket> | null = null;
  private retryMs = 250;
  onConnectionChange: ((connected: boolean) => void) | null = null;

  constructor(
    private readonly url: string,
    private readonly WS: typeof WebSocket = WebSocket,
  ) {}

  private open(): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === this.WS.OPEN) return Promise.resolve(this.ws);
    if (this.opening) return this.opening;
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new this.WS(this.url);
      ws.onopen = () => {
        this.ws = ws;
        this.opening = null;
        this.retryMs = 250;
        this.onConnectionChange?.(true);
        resolve(ws);
      };
      ws.onerror = () => {
        // onclose follows and handles it.
      };
      ws.onclose = () => {
        const wasOpen = this.ws === ws;
        this.ws = null;
        this.opening = null;
        for (const [, done] of this.pending) done({ ok: false, error: { code: 'unreachable', message: 'Lost the connection to the Cairn main process' } });
        this.pending.clear();
        if (wasOpen) this.onConnectionChange?.(false);
        if (!wasOpen) reject(new Error('connection refused'));
        if (this.listeners.size > 0) setTimeout(() => void this.open().catch(() => undefined), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 5000);
      };
      ws.onmessage = (ev: MessageEvent) => this.receive(String(ev.data));
    });
    return this.opening;
  }

  private receive(text: string): void {
    let frame: WsFrame;
    try {
      frame = JSON.parse(text) as WsFrame;
    } catch {
      return;
    }
    if ('id' in frame) {
      const done = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      done?.(frame.result);
    } else if ('event' in frame) {
      for (const l of this.listeners.get(frame.event) ?? []) l(frame.payload);
    }
  }

  async invoke<C extends Channel>(channel: C, request: Req<C>): Promise<Result<unknown>> {
    let ws: WebSocket;
    try {
      ws = await this.open();
    } catch {
      return { ok: false, error: { code: 'unreachable', message: 'Cannot reach the Cairn main process (is `npm run web` still running?)' } };
    }
    const id = this.nextId++;
    const call: WsCall = { id, channel, payload: request };
    return new Promise<Result<unknown>>((resolve) => {
      this.pending.set(id, resolve);
      ws.send(JSON.stringify(call));
    });
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    void this.open().catch(() => undefined);
    return () => set.delete(listener as Listener);
  }
}

export function browserBridgeFromLocation(loc: Location): CairnBridge | null {
  const token = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  if (!token) return null;
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return new WebSocketBridge(`${scheme}://${loc.host}${WS_PATH}?token=${encodeURIComponent(token)}`);
}

/** Bridges that report their transport going down and up (the WebSocket); Electron IPC never does. */
interface ObservableTransport {
  onConnectionChange: ((connected: boolean) => void) | null;
}

export class Api {
  private readonly transportListeners = new Set<(connected: boolean) => void>();

  constructor(private readonly bridge: CairnBridge) {
    if ('onConnectionChange' in bridge) {
      (bridge as CairnBridge & ObservableTransport).onConnectionChange = (connected) => {
        for (const l of this.transportListeners) l(connected);
      };
    }
  }

  /** Called when the transport to the main process is lost or restored. */
  onTransportChange(listener: (connected: boolean) => void): () => void {
    this.transportListeners.add(listener);
    return () => this.transportListeners.delete(listener);
  }

  get transport(): 'electron' | 'browser' {
    return this.bridge.transport;
  }

  /** Call a channel; resolves with the typed response or rejects with an ApiError. */
  async call<C extends Channel>(channel: C, ...args: keyof Req<C> extends never ? [request?: Req<C>] : [request: Req<C>]): Promise<Res<C>> {
    const result = await this.bridge.invoke(channel, (args[0] ?? {}) as Req<C>);
    if (!result.ok) throw new ApiError(result.error);
    return result.value as Res<C>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (!isEventName(event)) throw new Error(`unknown event ${String(event)}`);
    return this.bridge.on(event, listener);
  }
}

let instance: Api | null = null;

/** The app-wide client; tests inject their own bridge with `setApi`. */
export function api(): Api {
  if (instance) return instance;
  const bridge = window.api ?? browserBridgeFromLocation(window.location);
  if (!bridge) throw new ApiError({ code: 'unauthenticated', message: 'No session token: open the exact URL that `npm run web` printed' });
  instance = new Api(bridge);
  return instance;
}

export function setApi(next: Api | null): void {
  instance = next;
}
