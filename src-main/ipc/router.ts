/**
 * Transport-neutral dispatch of contract calls. Both the Electron IPC server
 * and the WebSocket server hand every incoming (channel, payload) pair to
 * `dispatch`, which validates the channel and payload against the contract,
 * runs the handler, validates its response, and always resolves to a
 * Result: it never throws, whatever the input.
 */
import { z } from 'zod';
import { channels, isChannel, type AppError, type Channel, type ParsedReq, type Res, type Result } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';

export interface CallContext {
  transport: 'electron' | 'browser' | 'cli' | 'test';
}

export type Handlers = {
  [C in Channel]: (request: ParsedReq<C>, ctx: CallContext) => Promise<Res<C>> | Res<C>;
};

export interface Router {
  dispatch(channel: unknown, payload: unknown, ctx: CallContext): Promise<Result<unknown>>;
}

function describeIssue(issue: z.core.$ZodIssue): { field?: string; message: string } {
  const path = issue.path.map(String).join('.');
  return path ? { field: path, message: `${path}: ${issue.message}` } : { message: issue.message };
}

export function createRouter(handlers: Handlers, log: Logger): Router {
  return {
    async dispatch(channel, payload, ctx) {
      if (!isChannel(channel)) {
        const name = typeof channel === 'string' ? channel.slice(0, 80) : typeof channel;
        return { ok: false, error: { code: 'unknown_channel', message: `Unknown channel: ${name}` } };
      }
      const spec = channels[channel];
      let parsed: ReturnType<typeof spec.request.safeParse>;
      try {
        parsed = spec.request.safeParse(payload ?? {});
      } catch {
        // Hostile in-process values (throwing getters, revoked proxies) never cross a real transport, but must not throw here either.
        return { ok: false, error: { code: 'invalid_request', message: `Invalid request for ${channel}: the payload could not be read` } };
      }
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const d = first ? describeIssue(first) : { message: 'invalid request' };
        const error: AppError = { code: 'invalid_request', message: `Invalid request for ${channel}: ${d.message}` };
        if (d.field) error.field = d.field;
        return { ok: false, error };
      }
      try {
        const handler = handlers[channel] as (req: unknown, ctx: CallContext) => Promise<unknown> | unknown;
        const value = await handler(parsed.data, ctx);
        const checked = spec.response.safeParse(value);
        if (!checked.success) {
          log.error('handler returned a response outside the contract', { channel, issue: checked.error.issues[0]?.message, path: checked.error.issues[0]?.path.join('.') });
          return { ok: false, error: { code: 'internal', message: `Internal error in ${channel}: response did not match the contract` } };
        }
        return { ok: true, value: checked.data };
      } catch (err) {
        if (err instanceof AppException) return { ok: false, error: err.toAppError() };
        log.error('handler failed', { channel, error: err instanceof Error ? err.message : String(err) });
        return { ok: false, error: { code: 'internal', message: `Internal error in ${channel}; see the Cairn log for details` } };
      }
    },
  };
}
