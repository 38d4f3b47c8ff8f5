/**
 * The renderer's side of operations: which guest actions exist and which
 * permission each needs (the same mapping main's gatekeeper applies, so the
 * UI greys out what main would refuse anyway), who the operator is, and the
 * watch over operations started in this window that toasts when they end.
 * Main still decides; the view only explains beforehand.
 */
import { OPERATION_STATES, type Action, type OperationAction, type OperationChanged, type OperationState, type WhoAmI } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { toasts } from '../../lib/toasts.svelte';

export type GuestAction = Exclude<OperationAction, 'create' | 'restore' | 'rollback' | 'deleteSnapshot'>;

/** Menu order; the permission mirrors src-main/tenancy/orchestration-port.ts. */
export const GUEST_ACTIONS: readonly { action: GuestAction; label: string; permission: Action }[] = [
  { action: 'start', label: 'Start', permission: 'guest.start' },
  { action: 'shutdown', label: 'Shut down', permission: 'guest.stop' },
  { action: 'stop', label: 'Stop (hard)', permission: 'guest.stop' },
  { action: 'reboot', label: 'Reboot', permission: 'guest.reboot' },
  { action: 'snapshot', label: 'Snapshot…', permission: 'snapshot.create' },
  { action: 'migrate', label: 'Migrate…', permission: 'guest.migrate' },
  { action: 'resize', label: 'Resize…', permission: 'guest.configure' },
  { action: 'backup', label: 'Back up…', permission: 'backup.run' },
  { action: 'ha', label: 'High availability…', permission: 'ha.manage' },
  { action: 'tags', label: 'Tags…', permission: 'guest.configure' },
  { action: 'delete', label: 'Delete…', permission: 'guest.delete' },
];

export const ACTION_LABEL: Record<string, string> = Object.fromEntries(GUEST_ACTIONS.map((a) => [a.action, a.label.replace(/…$/, '')]));

/** The bulk actions of the guest list (the issue's start/shutdown/migrate/snapshot). */
export const BULK_ACTIONS = GUEST_ACTIONS.filter((a) => ['start', 'shutdown', 'migrate', 'snapshot'].includes(a.action));

export const TERMINAL: readonly OperationState[] = ['succeeded', 'failed', 'cancelled', 'refused'];
/** Main cancels these; a running operation stops after the step in flight, never half-way through one. */
export const CANCELLABLE: readonly OperationState[] = ['planned', 'queued', 'running'];

export function stateTone(s: OperationState): 'ok' | 'warn' | 'danger' | 'info' | 'neutral' {
  if (s === 'succeeded') return 'ok';
  if (s === 'failed' || s === 'refused') return 'danger';
  if (s === 'running' || s === 'queued') return 'info';
  if (s === 'cancelled') return 'neutral';
  return 'warn';
}

/** whoami, loaded once per window; `reason` says why an action is greyed out. */
export class Permissions {
  me = $state.raw<WhoAmI | null>(null);
  error = $state.raw<unknown>(null);
  #loading: Promise<void> | null = null;

  load(): Promise<void> {
    this.#loading ??= api()
      .call('tenancy:whoami', {})
      .then((me) => {
        this.me = me;
        this.error = null;
      })
      .catch((err: unknown) => {
        this.error = err;
        this.#loading = null;
      });
    return this.#loading;
  }

  /** null when allowed; otherwise the sentence shown on the disabled item. */
  reason(permission: Action): string | null {
    if (!this.me) return this.error ? 'Your permissions could not be read' : 'Checking your permissions…';
    if (this.me.actions.includes(permission)) return null;
    return `${this.me.name} (${this.me.roles.join(', ') || 'no role'}) may not ${permission.replace('.', ' ')}`;
  }

  reset(): void {
    this.me = null;
    this.error = null;
    this.#loading = null;
  }
}

export const permissions = new Permissions();

/**
 * Cluster names for views that hold only cluster ids (operations carry ids;
 * a demo fleet's are UUIDs nobody reads). Read from connections:list on
 * first use; an unknown id shows as itself.
 */
export class ClusterNames {
  #names = $state.raw<ReadonlyMap<string, string> | null>(null);
  #loading: Promise<void> | null = null;

  load(): Promise<void> {
    this.#loading ??= api()
      .call('connections:list', {})
      .then((list) => {
        this.#names = new Map(list.map((c) => [c.id, c.name]));
      })
      .catch(() => {
        this.#loading = null;
      });
    return this.#loading;
  }

  name(id: string): string {
    return this.#names?.get(id) ?? id;
  }

  reset(): void {
    this.#names = null;
    this.#loading = null;
  }
}

export const clusterNames = new ClusterNames();

/**
 * Operations started from this window: a toast when each ends, not on every
 * progress event. Operations started elsewhere (another window, the CLI)
 * show in the task centre but do not interrupt this operator.
 */
export class OperationWatch {
  #labels = new Map<string, string>();
  #batches = new Map<string, { label: string; timer: ReturnType<typeof setTimeout> | null }>();
  #off: (() => void) | null = null;

  watch(id: string, label: string): void {
    this.#labels.set(id, label);
    this.#off ??= api().on('operations:onChanged', (c) => this.#changed(c));
  }

  /** A batch toasts once, when none of its items is left to run: counts per state, not one toast per guest. */
  watchBatch(batchId: string, label: string): void {
    this.#batches.set(batchId, { label, timer: null });
    this.#off ??= api().on('operations:onChanged', (c) => this.#changed(c));
  }

  async #checkBatch(batchId: string): Promise<void> {
    const w = this.#batches.get(batchId);
    if (!w) return;
    w.timer = null;
    const b = await api().call('operations:batch', { batchId }).catch(() => null);
    if (!b || !this.#batches.has(batchId)) return;
    const open = (b.byState.planned ?? 0) + (b.byState.queued ?? 0) + (b.byState.running ?? 0);
    if (open > 0) return;
    this.#batches.delete(batchId);
    const text = OPERATION_STATES.filter((s) => b.byState[s])
      .map((s) => `${b.byState[s]} ${s}`)
      .join(', ');
    if ((b.byState.failed ?? 0) > 0) toasts.error(`${w.label}: ${text}`);
    else toasts.success(`${w.label}: ${text}`);
  }

  #changed(c: OperationChanged): void {
    const batch = c.batchId ? this.#batches.get(c.batchId) : undefined;
    if (batch && c.batchId && TERMINAL.includes(c.state)) {
      // Items of a batch end in bursts: ask for the totals once per burst.
      const id = c.batchId;
      batch.timer ??= setTimeout(() => void this.#checkBatch(id), 250);
    }
    const label = this.#labels.get(c.id);
    if (label === undefined || !TERMINAL.includes(c.state)) return;
    this.#labels.delete(c.id);
    if (c.state === 'succeeded') toasts.success(`${label}: succeeded`);
    else if (c.state === 'cancelled') toasts.info(`${label}: cancelled`);
    else toasts.error(`${label}: ${c.state}${c.reason ? ` — ${c.reason}` : ''}`);
  }

  reset(): void {
    this.#off?.();
    this.#off = null;
    this.#labels.clear();
    for (const b of this.#batches.values()) if (b.timer) clearTimeout(b.timer);
    this.#batches.clear();
  }
}

export const operationWatch = new OperationWatch();
