/** Short-lived notices (results of actions); errors stay until dismissed. */
export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

export class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;
  #timers = new Map<number, ReturnType<typeof setTimeout>>();

  push(kind: ToastKind, message: string, timeoutMs: number | null = kind === 'error' ? null : 5000): number {
    const id = this.#next++;
    this.items = [...this.items.slice(-4), { id, kind, message }];
    if (timeoutMs !== null) this.#timers.set(id, setTimeout(() => this.dismiss(id), timeoutMs));
    return id;
  }

  info(message: string): number {
    return this.push('info', message);
  }

  success(message: string): number {
    return this.push('success', message);
  }

  error(message: string): number {
    return this.push('error', message);
  }

  dismiss(id: number): void {
    const t = this.#timers.get(id);
    if (t) clearTimeout(t);
    this.#timers.delete(id);
    this.items = this.items.filter((x) => x.id !== id);
  }

  reset(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.items = [];
  }
}

export const toasts = new Toasts();
