/**
 * The Capacity page's state: the overview (every pool's figures and N+1
 * verdict), the selected pool with its single-host losses and history, the
 * planning settings every call carries, and the results of the what-if,
 * the placement advisor and pool sizing. Every figure comes from main; the
 * page only arranges it.
 */
import type {
  CapacityOverview,
  CapacitySettings,
  PlaceRequest,
  PlaceResult,
  PoolHeadroom,
  ServiceCatalogueDto,
  SizePoolRequest,
  SizePoolResult,
  WhatIfRequest,
  WhatIfResult,
} from '../../../../src-preload/contract';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { Resource } from '../../lib/resource.svelte';

/** One action's result with its busy and error state (forms: what-if, advisor, sizing). */
export class Action<Req, Res> {
  result = $state.raw<Res | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  #seq = 0;

  constructor(private readonly run: (req: Req) => Promise<Res>) {}

  async submit(req: Req): Promise<void> {
    const seq = ++this.#seq;
    this.busy = true;
    this.error = null;
    try {
      const r = await this.run(req);
      if (seq === this.#seq) this.result = r;
    } catch (err) {
      if (seq === this.#seq) this.error = errorMessage(err);
    } finally {
      if (seq === this.#seq) this.busy = false;
    }
  }

  cancel(): void {
    this.#seq++;
  }
}

export class CapacityModel {
  settings = $state<CapacitySettings>({ cpuOvercommit: 4, memCeiling: 0.9 });
  readonly overview = new Resource<CapacityOverview>(() => api().call('capacity:overview', { settings: { ...this.settings } }));
  selectedPool = $state<string | null>(null);
  readonly pool = new Resource<PoolHeadroom>(() => api().call('capacity:pool', { clusterId: this.selectedPool ?? '', settings: { ...this.settings } }));
  readonly catalogue = new Resource<ServiceCatalogueDto>(() => api().call('capacity:catalogue', {}));
  readonly whatIf = new Action<WhatIfRequest, WhatIfResult>((req) => api().call('capacity:whatIf', { ...req, settings: { ...this.settings } }));
  readonly place = new Action<PlaceRequest, PlaceResult>((req) => api().call('capacity:place', { ...req, settings: { ...this.settings } }));
  readonly size = new Action<SizePoolRequest, SizePoolResult>((req) => api().call('capacity:sizePool', { ...req, settings: { ...this.settings } }));

  async start(): Promise<void> {
    void this.catalogue.load();
    await this.overview.load();
  }

  selectPool(id: string | null): void {
    this.selectedPool = id;
    this.pool.data = null;
    if (id === null) return;
    void this.pool.load();
  }

  /** New planning settings: everything computed under the old ones is recomputed. */
  applySettings(next: CapacitySettings): void {
    this.settings = next;
    void this.overview.load();
    if (this.selectedPool) void this.pool.load();
  }

  cancel(): void {
    this.overview.cancel();
    this.pool.cancel();
    this.catalogue.cancel();
    this.whatIf.cancel();
    this.place.cancel();
    this.size.cancel();
  }
}
