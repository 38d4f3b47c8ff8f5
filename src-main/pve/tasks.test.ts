import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { createPveClient, type PveClient } from './client';
import { PveError } from './errors';
import { parseExitStatus, waitForTask, type TaskApi } from './tasks';
import { parseUpid } from './upid';
import { reply, selfSignedCert, startPveServer, type RecordedRequest, type TestCert, type TestServer } from './test-support';

const UPID = 'UPID:pve2:00010D94:001CA6EA:6124E1B9:vzdump:100:ops@pve!console:';

let cert: TestCert;
let srv: TestServer;
let api: PveClient;

beforeAll(async () => {
  cert = await selfSignedCert();
  srv = await startPveServer(cert, () => undefined);
  api = createPveClient({
    baseUrl: srv.url,
    fingerprint: cert.fingerprint,
    credentials: async () => ({ kind: 'token', tokenId: 'ops@pve!console', secret: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' }),
    retry: { attempts: 1 },
  });
});
afterAll(async () => {
  api.close();
  await srv.close();
});
afterEach(() => {
  srv.requests.length = 0;
});

/**
 * A task that writes one log line per status poll and stops after `lines`
 * lines with the given exit status — the shape PVE's worker log has, including
 * the `no content` placeholder before the first line.
 */
function fakeTask(lines: string[], exitstatus: string) {
  const last = exitstatus === 'OK' ? 'TASK OK' : exitstatus.startsWith('WARNINGS') ? `TASK ${exitstatus}` : `TASK ERROR: ${exitstatus}`;
  const all = [...lines, last];
  let polls = 0;
  let written = 0;
  return (req: RecordedRequest, res: ServerResponse) => {
    const base = `/nodes/pve2/tasks/${UPID}`;
    if (req.path === `${base}/status`) {
      polls++;
      if (polls > 1 && written < all.length) written++;
      const status = written === all.length ? { status: 'stopped', exitstatus } : { status: 'running' };
      return reply(res, 200, {
        data: { ...status, upid: UPID, node: 'pve2', pid: 68948, pstart: 1877738, starttime: 1629807033, type: 'vzdump', id: '100', user: 'ops@pve!console' },
      });
    }
    if (req.path === `${base}/log`) {
      const start = Number(req.query.get('start') ?? 0);
      const limit = Number(req.query.get('limit') ?? 50);
      if (written === 0) return reply(res, 200, { total: 1, data: [{ n: 1, t: 'no content' }] });
      const page = all.slice(0, written).slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
      return reply(res, 200, { total: written, data: page });
    }
    return reply(res, 501, { data: null }, 'no such uri');
  };
}

describe('parseExitStatus', () => {
  it('maps OK, WARNINGS: n and anything else', () => {
    expect(parseExitStatus('OK')).toEqual({ ok: true, warnings: 0 });
    expect(parseExitStatus('WARNINGS: 3')).toEqual({ ok: true, warnings: 3 });
    expect(parseExitStatus('unexpected status')).toEqual({ ok: false, error: 'unexpected status' });
    expect(parseExitStatus("unable to create CT 100 - volume 'local:vztmpl/x.tar.xz' does not exist")).toMatchObject({ ok: false });
    expect(parseExitStatus(undefined)).toMatchObject({ ok: false });
  });
});

describe('waitForTask against an HTTPS server', () => {
  it('polls to OK and streams each log line exactly once, in order', async () => {
    srv.setHandler(fakeTask(['INFO: starting new backup job', 'INFO: Starting Backup of VM 100', 'INFO: Backup finished'], 'OK'));
    const log: string[] = [];
    const out = await waitForTask(api, UPID, { pollMs: 10, onLog: (l) => log.push(`${l.n}:${l.t}`) });
    expect(out).toMatchObject({ ok: true, warnings: 0, exitstatus: 'OK', upid: UPID });
    expect(log).toEqual(['1:INFO: starting new backup job', '2:INFO: Starting Backup of VM 100', '3:INFO: Backup finished', '4:TASK OK']);
    // Status is polled on the node named in the UPID, the log incrementally from an offset.
    const logStarts = srv.requests.filter((r) => r.path.endsWith('/log')).map((r) => Number(r.query.get('start')));
    expect(logStarts[0]).toBe(0);
    expect(logStarts.at(-1)).toBeGreaterThan(0);
    expect([...logStarts].sort((a, b) => a - b)).toEqual(logStarts);
  });

  it('WARNINGS: n is success with a warnings count', async () => {
    srv.setHandler(fakeTask(['WARN: guest agent not running'], 'WARNINGS: 1'));
    const log: string[] = [];
    const out = await waitForTask(api, UPID, { pollMs: 10, onLog: (l) => log.push(l.t) });
    expect(out).toMatchObject({ ok: true, warnings: 1, exitstatus: 'WARNINGS: 1' });
    expect(log.at(-1)).toBe('TASK WARNINGS: 1');
  });

  it('anything else is a failure carrying the text, with the log up to the error', async () => {
    srv.setHandler(fakeTask(['INFO: creating archive'], 'command failed: exit code 5'));
    const log: string[] = [];
    const out = await waitForTask(api, UPID, { pollMs: 10, onLog: (l) => log.push(l.t) });
    expect(out).toMatchObject({ ok: false, exitstatus: 'command failed: exit code 5', error: 'command failed: exit code 5' });
    expect(log).toEqual(['INFO: creating archive', 'TASK ERROR: command failed: exit code 5']);
  });

  it('pages through long logs', async () => {
    const lines = Array.from({ length: 23 }, (_, i) => `line ${i + 1}`);
    srv.setHandler(fakeTask(lines, 'OK'));
    const got: number[] = [];
    await waitForTask(api, UPID, { pollMs: 1, logPageSize: 5, onLog: (l) => got.push(l.n) });
    expect(got).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('does not fetch the log without onLog', async () => {
    srv.setHandler(fakeTask(['a'], 'OK'));
    await waitForTask(api, UPID, { pollMs: 5 });
    expect(srv.requests.some((r) => r.path.endsWith('/log'))).toBe(false);
  });

  it('times out with a typed error while the task keeps running', async () => {
    srv.setHandler((req, res) =>
      req.path.endsWith('/status') ? reply(res, 200, { data: { status: 'running', upid: UPID } }) : reply(res, 200, { data: [] }),
    );
    const err = await waitForTask(api, UPID, { pollMs: 20, timeoutMs: 120 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PveError);
    expect((err as PveError).kind).toBe('timeout');
  });

  it('stops when the caller aborts', async () => {
    srv.setHandler((_req, res) => reply(res, 200, { data: { status: 'running' } }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 60);
    const err = await waitForTask(api, UPID, { pollMs: 20, signal: ac.signal }).catch((e: unknown) => e);
    expect((err as PveError).kind).toBe('aborted');
  });

  it('rejects a malformed UPID without any request', async () => {
    const err = await waitForTask(api, 'UPID:bad', {}).catch((e: unknown) => e);
    expect((err as PveError).kind).toBe('malformed');
    expect(srv.requests).toHaveLength(0);
  });
});

describe('waitForTask error tolerance (fake TaskApi)', () => {
  const stopped = { status: 'stopped' as const, exitstatus: 'OK' };

  it('rides out a few retryable failures (node briefly unreachable)', async () => {
    let calls = 0;
    const fake: TaskApi = {
      taskStatus: async () => {
        calls++;
        if (calls <= 2) throw new PveError('node_unreachable', 'unreachable', { status: 595 });
        return stopped;
      },
      taskLog: async () => ({ items: [] }),
    };
    await expect(waitForTask(fake, UPID, { pollMs: 1 })).resolves.toMatchObject({ ok: true });
  });

  it('gives up after maxConsecutiveErrors retryable failures', async () => {
    const fake: TaskApi = {
      taskStatus: async () => {
        throw new PveError('connection_reset', 'reset');
      },
      taskLog: async () => ({ items: [] }),
    };
    await expect(waitForTask(fake, UPID, { pollMs: 1, maxConsecutiveErrors: 3 })).rejects.toMatchObject({ kind: 'connection_reset' });
  });

  it('fails at once on a non-retryable error', async () => {
    let calls = 0;
    const fake: TaskApi = {
      taskStatus: async () => {
        calls++;
        throw new PveError('forbidden', 'no', { status: 403 });
      },
      taskLog: async () => ({ items: [] }),
    };
    await expect(waitForTask(fake, UPID, { pollMs: 1 })).rejects.toMatchObject({ kind: 'forbidden' });
    expect(calls).toBe(1);
  });
});

describe('parseUpid', () => {
  it('parses the documented example', () => {
    const u = parseUpid('UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:');
    expect(u).toEqual({
      upid: 'UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:',
      node: 'pve1',
      pid: 0x10d94,
      pstart: 0x1ca6ea,
      starttime: new Date(0x6124e1b9 * 1000),
      type: 'vzdump',
      id: '100',
      user: 'root@pam',
    });
  });

  it('accepts empty ids, 9-digit pstart and token users', () => {
    const u = parseUpid('UPID:node-a1:0000ABCD:1001CA6EA:6124E1B9:aptupdate::ops@pve!console:');
    expect(u.id).toBe('');
    expect(u.pstart).toBe(0x1001ca6ea);
    expect(u.user).toBe('ops@pve!console');
  });

  it('rejects malformed ids with a typed error', () => {
    for (const bad of [
      '',
      'UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam', // no trailing colon
      'UPID:pve1:10D94:001CA6EA:6124E1B9:vzdump:100:root@pam:', // short pid
      'UPID:-pve:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:', // bad node
      'UPID:pve1:00010D94:001CA6EA:6124E1B9::100:root@pam:', // empty type
      'XPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:',
    ]) {
      expect(() => parseUpid(bad)).toThrow(PveError);
    }
  });
});
