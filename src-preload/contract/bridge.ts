/**
 * The shape of window.api (Electron) and of the WebSocket frames (browser
 * mode). Both transports answer every call with a Result envelope: thrown
 * errors lose their structure across Electron IPC, envelopes do not.
 */
import type { Channel, EventName, EventPayload, Req } from './channels';
import type { Result } from './errors';

export interface CairnBridge {
  invoke<C extends Channel>(channel: C, request: Req<C>): Promise<Result<unknown>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  readonly transport: 'electron' | 'browser';
}

/** Renderer → main over the WebSocket. */
export interface WsCall {
  id: number;
  channel: string;
  payload: unknown;
}
/** Main → renderer over the WebSocket. */
export type WsFrame = { id: number; result: Result<unknown> } | { event: string; payload: unknown };

export const WS_PATH = '/api';
export const IPC_INVOKE = 'cairn:invoke';
export const IPC_EVENT = 'cairn:event';
