// Per-cluster fault injection settings (latency, 5xx, nodes down, resets, slow or failing tasks,
// lock timeouts, revoked token). Certificate rotation lives with the listeners in http-server.ts;
// simulator.ts joins both into the public SimFaults.

import type { FaultConfig } from './types';

export function defaultFaults(): FaultConfig {
  return {
    latencyMs: 0,
    error5xxRate: 0,
    nodesDown: [],
    resetConnections: false,
    slowTaskFactor: 1,
    taskFailure: false,
    lockTimeout: false,
    revokedToken: false,
  };
}

export class FaultStore {
  private readonly byCluster = new Map<string, FaultConfig>();

  constructor(private readonly clusterIds: ReadonlySet<string>) {}

  /** The live settings the request pipeline reads (not a copy). */
  current(clusterId: string): FaultConfig {
    let f = this.byCluster.get(clusterId);
    if (!f) {
      this.assertKnown(clusterId);
      f = defaultFaults();
      this.byCluster.set(clusterId, f);
    }
    return f;
  }

  get(clusterId: string): FaultConfig {
    const f = this.current(clusterId);
    return { ...f, nodesDown: [...f.nodesDown] };
  }

  set(clusterId: string, patch: Partial<FaultConfig>): void {
    const f = this.current(clusterId);
    if (patch.latencyMs !== undefined) f.latencyMs = nonNegative('latencyMs', patch.latencyMs);
    if (patch.error5xxRate !== undefined) {
      if (!(patch.error5xxRate >= 0 && patch.error5xxRate <= 1)) throw new RangeError('error5xxRate must be within 0..1');
      f.error5xxRate = patch.error5xxRate;
    }
    if (patch.nodesDown !== undefined) f.nodesDown = [...patch.nodesDown];
    if (patch.resetConnections !== undefined) f.resetConnections = patch.resetConnections;
    if (patch.slowTaskFactor !== undefined) {
      if (!(patch.slowTaskFactor > 0)) throw new RangeError('slowTaskFactor must be > 0');
      f.slowTaskFactor = patch.slowTaskFactor;
    }
    if (patch.taskFailure !== undefined) f.taskFailure = patch.taskFailure;
    if (patch.lockTimeout !== undefined) f.lockTimeout = patch.lockTimeout;
    if (patch.revokedToken !== undefined) f.revokedToken = patch.revokedToken;
  }

  clear(clusterId?: string): void {
    if (clusterId === undefined) {
      this.byCluster.clear();
      return;
    }
    this.assertKnown(clusterId);
    this.byCluster.delete(clusterId);
  }

  private assertKnown(clusterId: string): void {
    if (!this.clusterIds.has(clusterId)) throw new Error(`unknown simulated cluster '${clusterId}'`);
  }
}

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a finite number >= 0`);
  return v;
}
