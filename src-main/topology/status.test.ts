/** The map's status rules: worst-of aggregation and the WAN link state judged from sync state. */
import { describe, expect, it } from 'vitest';
import type { ClusterSync } from '../../src-preload/contract';
import { clusterStatus, guestStatus, siteStatus, wanStatus, worstStatus } from './status';

const sync = (state: ClusterSync['state'], over: Partial<ClusterSync> = {}): ClusterSync => ({
  clusterId: 'c',
  name: 'c',
  site: 's',
  state,
  lastSuccessAt: state === 'never' || state === 'error' ? null : '2026-03-01T12:00:00.000Z',
  lastAttemptAt: '2026-03-01T12:00:00.000Z',
  lastError: null,
  stalenessSeconds: state === 'never' || state === 'error' ? null : 4,
  ...over,
});

describe('status', () => {
  it('aggregates to the worst status; nothing is unknown', () => {
    expect(worstStatus(['up', 'degraded', 'up'])).toBe('degraded');
    expect(worstStatus(['degraded', 'stale'])).toBe('stale');
    expect(worstStatus(['stale', 'down', 'unknown'])).toBe('down');
    expect(worstStatus(['up', 'unknown'])).toBe('unknown');
    expect(worstStatus([])).toBe('unknown');
  });

  it('judges a WAN link by whether the site answers over it', () => {
    expect(wanStatus([]).status).toBe('unknown');
    expect(wanStatus([sync('never')]).status).toBe('unknown');
    expect(wanStatus([sync('ok'), sync('ok')])).toEqual({ status: 'up', title: 'Link up: every cluster answers (last answer 4 s ago)' });
    expect(wanStatus([sync('ok'), sync('stale', { lastError: 'connect ETIMEDOUT' })])).toEqual({ status: 'degraded', title: '1 of 2 clusters not answering: connect ETIMEDOUT' });
    expect(wanStatus([sync('error', { lastError: 'ECONNREFUSED' })]).status).toBe('down');
    // Late but not failing (the sync loop has not reached it): stale, not down.
    expect(wanStatus([sync('stale', { stalenessSeconds: 600 })])).toEqual({ status: 'stale', title: 'No recent answer (last answer 600 s ago)' });
  });

  it('colours clusters, sites and guests from what the cache says', () => {
    expect(clusterStatus(undefined, true, 3, 3)).toBe('unknown');
    expect(clusterStatus(sync('ok'), true, 3, 3)).toBe('up');
    expect(clusterStatus(sync('ok'), false, 3, 3)).toBe('degraded');
    expect(clusterStatus(sync('ok'), true, 3, 0)).toBe('down');
    expect(clusterStatus(sync('stale'), true, 3, 3)).toBe('stale');
    expect(siteStatus('ok', true)).toBe('stale');
    expect(siteStatus('degraded', true)).toBe('degraded');
    expect(guestStatus('running', null, sync('ok'))).toBe('up');
    expect(guestStatus('running', 'error', sync('ok'))).toBe('down');
    expect(guestStatus('stopped', null, sync('ok'))).toBe('unknown');
    expect(guestStatus('running', null, sync('error'))).toBe('stale');
  });
});
