/**
 * How the map colours things: every status of a cluster, host, guest,
 * storage or WAN link is derived here, from the cache and the sync state,
 * and nowhere else. The scale (up, degraded, down, stale, unknown) and its
 * worst-of rule are the contract's (TOPO_STATUSES, worstStatus).
 */
import type { ClusterSync, Health, TopoStatus } from '../../src-preload/contract';
import { worstStatus } from '../../src-preload/contract';

export { worstStatus };

const failing = (s: ClusterSync | undefined): boolean => s?.state === 'stale' || s?.state === 'error';

/** A site row's health on the map's scale; a stale site that is otherwise fine shows stale. */
export function siteStatus(health: Health, stale: boolean): TopoStatus {
  switch (health) {
    case 'ok':
      return stale ? 'stale' : 'up';
    case 'degraded':
      return 'degraded';
    case 'down':
      return 'down';
    case 'stale':
      return 'stale';
    default:
      return 'unknown';
  }
}

/** A cluster: what we last saw of it, unless the console cannot currently read it. */
export function clusterStatus(sync: ClusterSync | undefined, quorate: boolean | null, hosts: number, hostsOnline: number): TopoStatus {
  if (!sync || sync.state === 'never') return 'unknown';
  // Never read successfully and failing: there is no picture, only the failure.
  if (sync.state === 'error') return 'down';
  if (sync.state === 'stale') return 'stale';
  if (hosts > 0 && hostsOnline === 0) return 'down';
  if (hostsOnline < hosts || quorate === false) return 'degraded';
  return 'up';
}

export function hostStatus(status: string, sync: ClusterSync | undefined): TopoStatus {
  if (failing(sync)) return 'stale';
  if (status === 'online') return 'up';
  if (status === 'offline') return 'down';
  return 'unknown';
}

/** Guests: running is up; an HA resource in error is down; stopped guests are grey (often intentionally off). */
export function guestStatus(status: string, hastate: string | null, sync: ClusterSync | undefined): TopoStatus {
  if (failing(sync)) return 'stale';
  if (hastate === 'error' || hastate === 'fence') return 'down';
  if (status === 'running') return hastate === 'recovery' || hastate === 'migrate' ? 'degraded' : 'up';
  if (status === 'paused' || status === 'suspended') return 'degraded';
  return 'unknown';
}

export function storageStatus(status: string, sync: ClusterSync | undefined): TopoStatus {
  if (failing(sync)) return 'stale';
  if (status === 'available') return 'up';
  return status === 'unknown' ? 'unknown' : 'down';
}

/**
 * The WAN link of a site, as the console can honestly judge it: by whether
 * the site's clusters answer the sync (the console reaches every site over
 * that link). All answering: up; some failing: degraded; none answering
 * after having answered: stale when merely late, down when the calls fail.
 */
export function wanStatus(syncs: readonly (ClusterSync | undefined)[]): { status: TopoStatus; title: string } {
  const known = syncs.filter((s): s is ClusterSync => s !== undefined && s.state !== 'never');
  if (known.length === 0) return { status: 'unknown', title: 'Not synced yet: link state unknown' };
  const ok = known.filter((s) => s.state === 'ok');
  const erroring = known.filter((s) => s.state === 'error' || (s.state === 'stale' && s.lastError !== null));
  const age = Math.min(...known.map((s) => s.stalenessSeconds ?? Infinity));
  const seen = Number.isFinite(age) ? `last answer ${age} s ago` : 'never answered';
  if (ok.length === known.length) return { status: 'up', title: `Link up: every cluster answers (${seen})` };
  const err = erroring[0]?.lastError;
  if (ok.length > 0) return { status: 'degraded', title: `${known.length - ok.length} of ${known.length} clusters not answering${err ? `: ${err}` : ''}` };
  if (erroring.length > 0) return { status: 'down', title: `Link down: ${err ?? 'calls fail'} (${seen})` };
  return { status: 'stale', title: `No recent answer (${seen})` };
}
