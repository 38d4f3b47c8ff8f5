/**
 * A fake CairnBridge for renderer tests. Every request is validated against
 * the contract's request schema before a handler sees it, so a renderer
 * that drifts from the contract fails its tests; responses are checked
 * against the response schema too. Handlers return canned values or throw
 * `fail(...)` to answer with an ApiError envelope.
 */
import type { AppError, CairnBridge, Channel, EventName, EventPayload, ParsedReq, Req, Res, Result } from '../../../src-preload/contract';
import { channels } from '../../../src-preload/contract';
import { Api, setApi } from '../lib/api';

export type Handler<C extends Channel> = (request: ParsedReq<C>) => Res<C> | Promise<Res<C>>;
export type Handlers = { [C in Channel]?: Handler<C> };

export class FakeFailure extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
  }
}

/** Throw from a handler to answer with `{ ok: false, error }`. */
export function fail(code: AppError['code'], message: string, field?: string): never {
  throw new FakeFailure({ code, message, ...(field ? { field } : {}) });
}

export interface RecordedCall {
  channel: Channel;
  request: unknown;
}

export class FakeBridge implements CairnBridge {
  readonly transport = 'browser' as const;
  readonly calls: RecordedCall[] = [];
  /** Requests that failed the contract's schema (a test failing to notice them would hide drift). */
  readonly contractViolations: { channel: string; issue: string }[] = [];
  onConnectionChange: ((connected: boolean) => void) | null = null;
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  constructor(private handlers: Handlers = {}) {}

  /** Add or replace handlers. */
  handle(more: Handlers): this {
    this.handlers = { ...this.handlers, ...more };
    return this;
  }

  async invoke<C extends Channel>(channel: C, request: Req<C>): Promise<Result<unknown>> {
    this.calls.push({ channel, request });
    const spec = channels[channel];
    if (!spec) return { ok: false, error: { code: 'unknown_channel', message: `Unknown channel: ${String(channel)}` } };
    const parsed = spec.request.safeParse(request ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.map(String).join('.') ?? '';
      this.contractViolations.push({ channel, issue: `${path}: ${issue?.message ?? 'invalid'}` });
      const error: AppError = { code: 'invalid_request', message: `Invalid request for ${channel}: ${path ? `${path}: ` : ''}${issue?.message ?? ''}` };
      if (path) error.field = path;
      return { ok: false, error };
    }
    const handler = this.handlers[channel] as Handler<C> | undefined;
    if (!handler) return { ok: false, error: { code: 'internal', message: `FakeBridge: no handler for ${channel}` } };
    try {
      const value = await handler(parsed.data as ParsedReq<C>);
      const checked = spec.response.safeParse(value);
      if (!checked.success) throw new Error(`FakeBridge: canned response for ${channel} does not match the contract: ${checked.error.issues[0]?.message}`);
      return { ok: true, value: checked.data };
    } catch (err) {
      if (err instanceof FakeFailure) return { ok: false, error: err.error };
      throw err;
    }
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: unknown) => void);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  /** Push an event to the renderer. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  /** Simulate the WebSocket dropping or coming back. */
  setConnected(connected: boolean): void {
    this.onConnectionChange?.(connected);
  }

  callsTo<C extends Channel>(channel: C): Req<C>[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.request as Req<C>);
  }
}

/** Install a fake bridge as the app-wide API client; returns it. */
export function installFakeBridge(handlers: Handlers = {}): FakeBridge {
  const bridge = new FakeBridge(handlers);
  setApi(new Api(bridge));
  return bridge;
}
