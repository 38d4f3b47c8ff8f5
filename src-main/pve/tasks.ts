/**
 * Following PVE background tasks to completion: polling the task status on
 * the node that runs it, streaming its log incrementally, and turning the
 * final `exitstatus` into a result (`OK`, `WARNINGS: n`, or an error text).
 */
import type { CallOptions, TaskPage } from './client';
import { PveError } from './errors';
import { abortedError, sleep } from './limiter';
import type { TaskLogLine, TaskStatus } from './schemas';
import { parseUpid } from './upid';

/** What waitForTask needs from a client (PveClient satisfies it). */
export interface TaskApi {
  taskStatus(upid: string, o?: CallOptions): Promise<TaskStatus>;
  taskLog(upid: string, params?: { start?: number; limit?: number }, o?: CallOptions): Promise<TaskPage<TaskLogLine>>;
}

export type ExitStatus = { ok: true; warnings: number } | { ok: false; error: string };

/** `OK` → ok; `WARNINGS: n` → ok with n warnings; anything else (including "unexpected status") → failure. */
export function parseExitStatus(exitstatus: string | undefined): ExitStatus {
  const s = (exitstatus ?? '').trim();
  if (s === 'OK') return { ok: true, warnings: 0 };
  const w = /^WARNINGS:\s*(\d+)$/.exec(s);
  if (w?.[1]) return { ok: true, warnings: Number(w[1]) };
  return { ok: false, error: s || 'task ended without an exit status' };
}

export type TaskOutcome =
  | { ok: true; upid: string; exitstatus: string; warnings: number; status: TaskStatus }
  | { ok: false; upid: string; exitstatus: string; error: string; status: TaskStatus };

export interface WaitForTaskOptions {
  /** Interval between status polls. Default 1000 ms. */
  pollMs?: number;
  /** Give up (with a `timeout` PveError) after this long; the task keeps running on the node. Default: no limit. */
  timeoutMs?: number;
  /** Receives each new log line once, in order. Without it the log is not fetched. */
  onLog?: (line: TaskLogLine) => void;
  signal?: AbortSignal;
  /** Lines per log request. Default 500. */
  logPageSize?: number;
  /** Retryable failures in a row (node briefly unreachable, resets) tolerated before giving up. Default 5. */
  maxConsecutiveErrors?: number;
}


/**
 * PVE answers a log that has no lines yet with a single placeholder line
 * (`no content`, or `unable to open file` before the worker created it).
 * Taking it as line 1 would skip the real first line later.
 */
function isPlaceholder(page: TaskLogLine[], start: number): boolean {
  if (start !== 0 || page.length !== 1) return false;
  const only = page[0]!;
  return only.n === 1 && (only.t === 'no content' || only.t.startsWith('unable to open file'));
}

/** Polls a task until it stops; resolves with its outcome, never throws for a failed task. */
export async function waitForTask(api: TaskApi, upid: string, opts: WaitForTaskOptions = {}): Promise<TaskOutcome> {
  parseUpid(upid); // fail fast on a malformed id, before any request
  const pollMs = Math.max(10, opts.pollMs ?? 1000);
  const pageSize = Math.max(1, opts.logPageSize ?? 500);
  const maxErrors = Math.max(1, opts.maxConsecutiveErrors ?? 5);
  const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : undefined;

  // One controller covers the caller's signal and our deadline, so an in-flight
  // poll is cancelled as soon as either fires.
  const ctl = new AbortController();
  const onOuterAbort = (): void => ctl.abort();
  if (opts.signal?.aborted) throw abortedError();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let timedOut = false;
  const deadlineTimer =
    deadline !== undefined
      ? setTimeout(() => {
          timedOut = true;
          ctl.abort();
        }, Math.max(0, deadline - Date.now()))
      : undefined;
  const call: CallOptions = { signal: ctl.signal };

  let logOffset = 0;
  let errorsInRow = 0;

  const tolerate = (e: unknown): void => {
    if (!(e instanceof PveError) || !e.retryable || ctl.signal.aborted) throw e;
    errorsInRow++;
    if (errorsInRow >= maxErrors) throw e;
  };

  const pumpLog = async (final: boolean): Promise<void> => {
    if (!opts.onLog) return;
    for (;;) {
      const page = await api.taskLog(upid, { start: logOffset, limit: pageSize }, call);
      if (isPlaceholder(page.items, logOffset)) return;
      for (const line of page.items) {
        // `n` is 1-based; lines at or below the offset were already delivered.
        if (line.n <= logOffset) continue;
        logOffset = line.n;
        opts.onLog(line);
      }
      if (page.items.length < pageSize || !final) return;
    }
  };

  try {
    for (;;) {
      try {
        const status = await api.taskStatus(upid, call);
        const stopped = status.status === 'stopped';
        // After the task stopped, drain the log before reporting, so the caller sees the final lines.
        await pumpLog(stopped);
        errorsInRow = 0;
        if (stopped) {
          const exitstatus = status.exitstatus ?? '';
          const r = parseExitStatus(exitstatus);
          return r.ok
            ? { ok: true, upid, exitstatus, warnings: r.warnings, status }
            : { ok: false, upid, exitstatus, error: r.error, status };
        }
      } catch (e) {
        tolerate(e);
      }
      await sleep(pollMs, ctl.signal);
    }
  } catch (e) {
    if (timedOut) {
      throw new PveError('timeout', `Task did not finish within ${opts.timeoutMs} ms (it keeps running on the node)`, { code: 'ETIMEDOUT' });
    }
    throw e;
  } finally {
    if (deadlineTimer) clearTimeout(deadlineTimer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}
