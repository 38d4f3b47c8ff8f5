/**
 * The custody page's state: the board (appliances by state), the selected
 * appliance's detail, and the operator identity used on the record form
 * (kept for the session, never persisted).
 */
import { CUSTODY_ROLES, type CustodyApplianceDetail, type CustodyBoard, type CustodyState } from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { t } from '../../lib/i18n';
import { Resource } from '../../lib/resource.svelte';

/** A state in the operator's language (reports and logs keep the contract's English labels). */
export const stateLabel = (s: CustodyState | null): string => (s === null ? '—' : t(`custody.state.${s}`));

/** A custody role (`field_engineer`) in the operator's language; an unknown one as written, underscores as spaces. */
export const roleLabel = (r: string): string => ((CUSTODY_ROLES as readonly string[]).includes(r) ? t(`custody.role.${r as (typeof CUSTODY_ROLES)[number]}`) : r.replace(/_/g, ' '));

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
