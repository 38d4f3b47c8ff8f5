/**
 * The custody page's state: the board (appliances by state), the selected
 * appliance's detail, and the operator identity used on the record form
 * (kept for the session, never persisted).
 */
import { CUSTODY_STATE_LABELS, type CustodyApplianceDetail, type CustodyBoard, type CustodyState } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { Resource } from '../../lib/resource.svelte';

export const stateLabel = (s: CustodyState | null): string => (s === null ? '—' : CUSTODY_STATE_LABELS[s]);

export type Tone = 'ok' | 'warn' | 'danger' | 'info' | 'neutral' | 'accent';

export function stateTone(s: CustodyState): Tone {
  switch (s) {
    case 'lost':
    case 'damaged':
    case 'tamper_suspected':
      return 'danger';
    case 'quarantined':
    case 'cancelled':
      return 'warn';
    case 'sanitised':
    case 'closed':
      return 'ok';
    case 'in_transit_to_customer':
    case 'in_transit_back':
      return 'accent';
    default:
      return 'info';
  }
}

export class CustodyModel {
  readonly board = new Resource<CustodyBoard>(() => api().call('custody:appliances', {}));
  selectedId = $state<string | null>(null);
  readonly detail = new Resource<CustodyApplianceDetail>(() => api().call('custody:appliance', { applianceId: this.selectedId ?? '' }));
  operatorName = $state('');
  operatorRole = $state<string>('field_engineer');
  siteName = $state('');

  select(id: string): void {
    this.selectedId = id;
    this.detail.data = null;
    void this.detail.load();
  }

  /** After a record: show the new detail without another round trip, and refresh the board. */
  recorded(d: CustodyApplianceDetail): void {
    this.detail.data = d;
    void this.board.load();
  }

  cancel(): void {
    this.board.cancel();
    this.detail.cancel();
  }
}
