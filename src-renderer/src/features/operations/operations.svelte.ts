/**
 * The renderer's side of operations: which guest actions exist and which
 * permission each needs (the same mapping main's gatekeeper applies, so the
 * UI greys out what main would refuse anyway), who the operator is, and the
 * watch over operations started in this window that toasts when they end.
 * Main still decides; the view only explains beforehand.
 */
import { OPERATION_STATES, type Action, type OperationAction, type OperationChanged, type OperationState, type WhoAmI } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { t } from '../../lib/i18n';
import { toasts } from '../../lib/toasts.svelte';

export type GuestAction = Exclude<OperationAction, 'create' | 'createContainer' | 'restore' | 'rollback' | 'deleteSnapshot'>;

/** Menu order; the permission mirrors src-main/tenancy/orchestration-port.ts. */
const GUEST_ACTION_LIST: readonly { action: GuestAction; permission: Action; dialog?: true }[] = [
  { action: 'start', permission: 'guest.start' },
  { action: 'shutdown', permission: 'guest.stop' },
  { action: 'stop', permission: 'guest.stop' },
  { action: 'reboot', permission: 'guest.reboot' },
  { action: 'snapshot', permission: 'snapshot.create', dialog: true },
  { action: 'migrate', permission: 'guest.migrate', dialog: true },
  { action: 'resize', permission: 'guest.configure', dialog: true },
  { action: 'backup', permission: 'backup.run', dialog: true },
  { action: 'ha', permission: 'ha.manage', dialog: true },
  { action: 'tags', permission: 'guest.configure', dialog: true },
  { action: 'delete', permission: 'guest.delete', dialog: true },
];

/** Every action main plans; each has a label in the catalogues. */
const ACTIONS: readonly OperationAction[] = ['start', 'shutdown', 'stop', 'reboot', 'snapshot', 'migrate', 'resize', 'backup', 'ha', 'tags', 'delete', 'create', 'createContainer', 'restore', 'rollback', 'deleteSnapshot'];

/** An operation's action in the operator's language ("Migrate"); an action this view does not know, as main named it. */
export function actionLabel(action: string): string {
  return (ACTIONS as readonly string[]).includes(action) ? t(`op.action.${action as OperationAction}`) : action;
}

/** The menu's items: the label (with an ellipsis where a dialog asks for more) follows the language, read when shown. */
export const GUEST_ACTIONS: readonly { action: GuestAction; readonly label: string; permission: Action }[] = GUEST_ACTION_LIST.map((a) => ({
  action: a.action,
  permission: a.permission,
  get label() {
    return `${actionLabel(a.action)}${a.dialog ? '…' : ''}`;
  },
}));

/** An operation state in the operator's language. */
export const stateLabel = (s: OperationState): string => t(`op.state.${s}`);

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
    if (!this.me) return this.error ? t('op.permsUnreadable') : t('op.permsChecking');
    if (this.me.actions.includes(permission)) return null;
    return t('op.mayNot', { name: this.me.name, roles: this.me.roles.join(', ') || t('op.noRole'), permission: permission.replace('.', ' ') });
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
      .map((s) => t('op.stateCount', { count: b.byState[s] ?? 0, state: stateLabel(s) }))
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
    if (c.state === 'succeeded') toasts.success(t('op.ended', { label, state: stateLabel(c.state) }));
    else if (c.state === 'cancelled') toasts.info(t('op.ended', { label, state: stateLabel(c.state) }));
    else toasts.error(c.reason ? t('op.endedWhy', { label, state: stateLabel(c.state), reason: c.reason }) : t('op.ended', { label, state: stateLabel(c.state) }));
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

/**
 * A toast for each PVE task that failed and that Cairn did not start (the
 * PVE web UI, HA, a scheduled backup…): main sends each UPID once; the
 * alert list keeps it for a day.
 */
export const failedTaskToasts = {
  start(): () => void {
    return api().on('pve:onTaskFailed', (task) => {
      toasts.error(
        t('op.pveTaskFailed', { task: `${task.type}${task.id ? ` ${task.id}` : ''}`, node: task.node, cluster: task.clusterName, user: task.user, status: task.status ?? t('op.unknownError') }),
      );
    });
  },
};
