/**
 * Collects what a verification found: named boolean checks and the reasons
 * for rejection (closed set of codes), and turns them into a verdict. Also the
 * last line of defence that makes every verifier total: an unexpected throw
 * becomes an `internal` rejection instead of escaping to the caller.
 */
import { MalformedError } from './bytes';
import type { Reason, ReasonCode, VerdictKind } from './types';

/** Reasons that do not block acceptance on their own. */
const INFORMATIONAL: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['collateral-missing']);

export class Findings {
  readonly checks: Record<string, boolean> = {};
  readonly reasons: Reason[] = [];

  /** Records a named check; a failure adds a reason. Returns `ok` so callers can branch on it. */
  check(name: string, ok: boolean, code: ReasonCode, message: string | (() => string)): boolean {
    // A check repeated (several CRLs, several chain links) is only as good as its worst instance.
    this.checks[name] = (this.checks[name] ?? true) && ok;
    if (!ok) this.fail(code, typeof message === 'function' ? message() : message);
    return ok;
  }

  record(name: string, ok: boolean): void {
    this.checks[name] = (this.checks[name] ?? true) && ok;
  }

  fail(code: ReasonCode, message: string): void {
    if (!this.reasons.some((r) => r.code === code && r.message === message)) this.reasons.push({ code, message });
  }

  has(code: ReasonCode): boolean {
    return this.reasons.some((r) => r.code === code);
  }

  blocking(): boolean {
    return this.reasons.some((r) => !INFORMATIONAL.has(r.code));
  }

  verdict(fullAcceptance: boolean): VerdictKind {
    if (this.blocking()) return 'reject';
    return fullAcceptance ? 'accept' : 'accept-signature-and-chain';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The reason code for an exception caught while decoding evidence. */
export function codeFor(err: unknown): ReasonCode {
  return err instanceof MalformedError ? 'malformed' : 'internal';
}

/** Parses an ISO-8601 time (or takes a Date); null when it is not a valid instant. */
export function resolveAt(at: Date | string | undefined, now: () => Date = () => new Date()): Date | null {
  if (at === undefined) return now();
  const d = typeof at === 'string' ? new Date(at) : at;
  return Number.isNaN(d.getTime()) ? null : d;
}
