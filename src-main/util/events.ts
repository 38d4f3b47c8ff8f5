/**
 * In-process event bus for the contract's main → renderer events. Services
 * publish; each transport (Electron IPC, WebSocket) subscribes and forwards.
 */
import type { EventName, EventPayload } from '../../src-preload/contract';

type Listener = (event: EventName, payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners) {
      try {
        l(event, payload);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
