/**
 * The plan → review → apply cycle of one operation in a dialog: main plans
 * the request (nothing reaches PVE but reads), the operator reviews the
 * plan, and Apply starts it and hands it to the operation watch. A plan
 * that is withdrawn — back to the form, planned again, or the dialog closed
 * without applying — is cancelled, so the task centre does not list it as
 * pending forever.
 */
import type { OperationDto, OperationRequest } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { t } from '../../lib/i18n';
import { toasts } from '../../lib/toasts.svelte';
import { operationWatch, stateLabel } from './operations.svelte';

/** What an apply may have to carry: the typed name of a destructive step, a second operator. */
export interface ApplyConfirmation {
  confirmName?: string;
  secondConfirmation?: { actor: string };
}

export class PlannedOperation {
  planned = $state.raw<OperationDto | null>(null);
  error = $state.raw<unknown>(null);
  busy = $state(false);
  #applied = false;

  constructor(private readonly onclose: () => void) {}

  async plan(request: OperationRequest): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.planned = await api().call('operations:plan', { request });
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  /** Starts the reviewed plan; on success the dialog closes and the operation is watched under `label`. */
  async apply(label: string, confirmation: ApplyConfirmation = {}): Promise<void> {
    const planned = this.planned;
    if (!planned) return;
    this.busy = true;
    this.error = null;
    try {
      const op = await api().call('operations:apply', { id: planned.id, ...confirmation });
      this.#applied = true;
      operationWatch.watch(op.id, label);
      toasts.info(t('op.ended', { label, state: stateLabel(op.state) }));
      this.onclose();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  /** Cancels the reviewed plan, unless it was applied; resolves once main has it. */
  async withdraw(): Promise<void> {
    const planned = this.planned;
    this.planned = null;
    if (planned && !this.#applied) await api().call('operations:cancel', { id: planned.id }).catch(() => undefined);
  }

  close(): void {
    void this.withdraw();
    this.onclose();
  }
}
