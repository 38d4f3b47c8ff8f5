/**
 * Central recording: wraps every contract handler so each call of a
 * channel that changes something is appended to the audit trail with its
 * outcome (ok, or refused/failed with the error code), the operator's
 * identity and roles at that moment, and the transport it came through.
 * Nothing has to remember to call the audit service; the classification
 * table (channels.ts) says which channels are read-only.
 */
import type { AuditSource, Channel } from '../../src-preload/contract';
import type { CallContext, Handlers } from '../ipc/router';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { classify } from './channels';
import { summarise, targetOf } from './entry';
import type { AuditService, RecordInput } from './service';

export interface Identity {
  name: string;
  roles: readonly string[];
}

export const SOURCE_OF: Record<CallContext['transport'], AuditSource> = { electron: 'desktop', browser: 'browser', cli: 'cli', test: 'test' };

/** Errors the caller caused or the app refused; anything else is a failure of the attempt. */
const REFUSALS = new Set(['invalid_request', 'not_found', 'conflict', 'forbidden', 'tls_unpinned', 'tls_pin_mismatch', 'unknown_channel']);

export function recordSafely(audit: AuditService, input: RecordInput, log: Logger): void {
  try {
    audit.record(input);
  } catch (err) {
    // The action already happened; losing its entry is logged loudly rather than turned into a failed action.
    log.error('audit entry not recorded', { action: input.action, error: err instanceof Error ? err.message : String(err) });
  }
}

export function auditedHandlers(handlers: Handlers, audit: AuditService, identity: () => Identity, log: Logger): Handlers {
  const out = {} as Record<Channel, (req: unknown, ctx: CallContext) => unknown>;
  for (const name of Object.keys(handlers) as Channel[]) {
    const inner = handlers[name] as (req: unknown, ctx: CallContext) => unknown;
    const cls = classify(name);
    if (!cls.audit) {
      out[name] = inner;
      continue;
    }
    out[name] = async (req, ctx) => {
      // Who acted is fixed before the call: a role change records the roles it was made with.
      let who: Identity;
      try {
        who = identity();
      } catch {
        who = { name: 'unknown', roles: [] };
      }
      const base = { actor: who.name, roles: [...who.roles], source: SOURCE_OF[ctx.transport], action: cls.action, target: targetOf(req), details: summarise(req) };
      try {
        const value = await inner(req, ctx);
        recordSafely(audit, { ...base, outcome: 'ok' }, log);
        return value;
      } catch (err) {
        const code = err instanceof AppException ? err.code : 'internal';
        recordSafely(audit, { ...base, outcome: REFUSALS.has(code) ? 'refused' : 'failed', error: code }, log);
        throw err;
      }
    };
  }
  return out as Handlers;
}
