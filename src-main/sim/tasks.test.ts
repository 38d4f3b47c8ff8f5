import { describe, expect, it } from 'vitest';
import { ClusterTasks, formatUpid, parseUpid } from './tasks';

const BOOT = Date.UTC(2026, 0, 1);
const history = { history: () => [] };

describe('UPID', () => {
  it('formats and parses the real layout', () => {
    const upid = formatUpid('pve1', 0x10d94, 0x1ca6ea, 0x6124e1b9, 'vzdump', '100', 'root@pam');
    // The example from ENDPOINTS.md.
    expect(upid).toBe('UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:');
    expect(parseUpid(upid)).toEqual({ node: 'pve1', pid: 0x10d94, pstart: 0x1ca6ea, starttime: 0x6124e1b9, type: 'vzdump', id: '100', user: 'root@pam' });
    expect(parseUpid('UPID:pve:00011DE0:0022900B:645CE78E:qmcreate:101:root@pam:')?.type).toBe('qmcreate');
    expect(parseUpid('UPID:n:00000001:00000002:00000003:aptupdate::root@pam:')?.id).toBe('');
    expect(parseUpid('UPID:n:00000001:00000002:00000003:qmstart:100:ops@pve!ci:')?.user).toBe('ops@pve!ci');
    expect(parseUpid('UPID:broken')).toBeUndefined();
  });
});

describe('cluster tasks', () => {
  it('settle in end-time order, each effect at its own end', () => {
    const tasks = new ClusterTasks(1, () => BOOT, history);
    const order: Array<[string, number]> = [];
    const t0 = BOOT + 1_000_000;
    tasks.start({ node: 'n1', type: 'slow', id: '', user: 'root@pam', durationMs: 5000, lines: [], onFinish: (_ok, at) => order.push(['slow', at]) }, t0);
    tasks.start({ node: 'n1', type: 'fast', id: '', user: 'root@pam', durationMs: 1000, lines: [], onFinish: (_ok, at) => order.push(['fast', at]) }, t0);
    tasks.settle(t0 + 999);
    expect(order).toEqual([]);
    tasks.settle(t0 + 10_000);
    expect(order).toEqual([['fast', t0 + 1000], ['slow', t0 + 5000]]);
  });

  it('end failing tasks at the failure point with the error as exit status', () => {
    const tasks = new ClusterTasks(1, () => BOOT, history);
    const t0 = BOOT + 1_000_000;
    let ok: boolean | undefined;
    const task = tasks.start({
      node: 'n1', type: 'qmstart', id: '100', user: 'root@pam', durationMs: 10_000, error: 'boom', failAt: 0.5,
      lines: [{ at: 0.1, text: 'first' }, { at: 0.9, text: 'never' }], onFinish: (r) => { ok = r; },
    }, t0);
    tasks.settle(t0 + 5_000);
    expect(task.state).toBe('stopped');
    expect(task.exitstatus).toBe('boom');
    expect(ok).toBe(false);
    expect(task.log(t0 + 5_000)).toEqual(['first', 'TASK ERROR: boom']);
  });

  it('report warnings', () => {
    const tasks = new ClusterTasks(1, () => BOOT, history);
    const task = tasks.start({ node: 'n1', type: 'vzdump', id: '', user: 'root@pam', durationMs: 10, lines: [], warnings: 2 }, BOOT + 5000);
    tasks.settle(BOOT + 6000);
    expect(task.exitstatus).toBe('WARNINGS: 2');
    expect(task.ok).toBe(true);
    expect(task.log(BOOT + 6000)).toEqual(['TASK WARNINGS: 2']);
  });

  it('give unique, growing pids and pstart from the node boot time', () => {
    const tasks = new ClusterTasks(1, () => BOOT, history);
    const a = tasks.start({ node: 'n1', type: 'x', id: '', user: 'root@pam', durationMs: 1, lines: [] }, BOOT + 100_000);
    const b = tasks.start({ node: 'n1', type: 'x', id: '', user: 'root@pam', durationMs: 1, lines: [] }, BOOT + 100_000);
    expect(b.pid).toBeGreaterThan(a.pid);
    expect(a.upid).not.toBe(b.upid);
    expect(a.pstart).toBe(10_000);
  });
});
