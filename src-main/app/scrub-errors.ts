/**
 * Remote endpoints (Proxmox VE, SCMP, and whatever proxies sit in front of
 * them) decide the text of the errors they cause. Before the rest of Cairn
 * stores, logs or returns that text, it passes through the redactor that
 * knows every secret the process holds — so an endpoint that echoes a token
 * cannot put it in the database, a log or a response.
 */
import type { EndpointGateway } from '../connections/connections-service';
import type { ClusterSource } from '../fleet/inventory-sync';
import { AppException } from '../util/app-exception';
import type { Redactor } from '../util/log';

export function scrubError(err: unknown, redactor: Redactor): unknown {
  if (err instanceof AppException) {
    const message = redactor.redact(err.message);
    const details = err.details && Object.fromEntries(Object.entries(err.details).map(([k, v]) => [k, typeof v === 'string' ? redactor.redact(v) : v]));
    if (message === err.message && JSON.stringify(details) === JSON.stringify(err.details)) return err;
    return new AppException(err.code, message, { ...(err.field !== undefined ? { field: err.field } : {}), ...(details ? { details } : {}) });
  }
  if (err instanceof Error) {
    const message = redactor.redact(err.message);
    if (message === err.message) return err;
    const e = new Error(message);
    e.name = err.name;
    return e;
  }
  return typeof err === 'string' ? redactor.redact(err) : err;
}

function guard<A extends unknown[], R>(fn: (...args: A) => Promise<R>, redactor: Redactor): (...args: A) => Promise<R> {
  return (...args) =>
    fn(...args).catch((err: unknown) => {
      throw scrubError(err, redactor);
    });
}

export function scrubbedGateway(g: EndpointGateway, redactor: Redactor): EndpointGateway {
  return { probe: guard((url) => g.probe(url), redactor), test: guard((conn, secret) => g.test(conn, secret), redactor) };
}

export function scrubbedSource(s: ClusterSource, redactor: Redactor): ClusterSource {
  return {
    snapshot: guard((conn, signal) => s.snapshot(conn, signal), redactor),
    rrd: guard((conn, node, vmid, timeframe, signal) => s.rrd(conn, node, vmid, timeframe, signal), redactor),
    siteOf: (conn, snap) => {
      try {
        return s.siteOf(conn, snap);
      } catch (err) {
        throw scrubError(err, redactor);
      }
    },
  };
}
