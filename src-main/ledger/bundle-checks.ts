/**
 * What the custody and audit bundle verifiers have in common: the named
 * checks of a verdict, each passed or failed with what it found, and the
 * head of a bundle — the log key (pinned or the bundle's own), the signed
 * checkpoint, and the export statement signed with the log key for the same
 * origin, log size and export time. Never throws.
 */
import { verifyCheckpoint, type Checkpoint } from './checkpoint';
import { logKeysOf } from './log-keys';
import { verifyNote, type NoteVerifier } from './note';

/** At most this many problems are listed under one check; the rest are counted. */
export const MAX_FAILURES_PER_CHECK = 20;

export interface NamedCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export class BundleChecks {
  readonly checks: NamedCheck[] = [];
  readonly failures: string[] = [];

  /** Records a check: passed when there are no problems (its detail then says what was found). */
  add(name: string, problems: readonly string[], okDetail: string): boolean {
    const shown = problems.slice(0, MAX_FAILURES_PER_CHECK);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    const detail = problems.length ? `${shown.join('; ')}${more}` : okDetail;
    this.checks.push({ name, ok: problems.length === 0, detail });
    for (const p of shown) this.failures.push(`${name}: ${p}`);
    if (more) this.failures.push(`${name}:${more}`);
    return problems.length === 0;
  }

  /** Valid when at least one check ran and none failed. */
  get valid(): boolean {
    return this.checks.length > 0 && this.failures.length === 0 && this.checks.every((c) => c.ok);
  }
}

/** What every export statement states, whatever else it carries. */
export interface StatementHead {
  origin: string;
  size: number;
  exportedAt: string;
}

export interface BundleHead<S> {
  logKeys: NoteVerifier[];
  /** The checkpoint, when it verified. */
  checkpoint: Checkpoint | undefined;
  /** The export statement, when its signature verified and it parsed (it may still disagree with the bundle). */
  statement: S | undefined;
}

/**
 * Checks `log-key`, `checkpoint` and `export-statement` into `c`. The
 * statement must be signed with a log key, parse, and name the bundle's
 * origin, the checkpoint's size and the bundle's export time; `agrees` adds
 * what else it must match (the bundle's range or scope).
 */
export function checkBundleHead<S extends StatementHead>(
  c: BundleChecks,
  b: { origin: string; exportedAt: string; verifierKeys: readonly string[]; checkpoint: string; statement: string },
  opts: {
    vkey?: string | undefined;
    parse: (text: string) => S | string;
    agrees: (s: S) => string[];
    describe: (s: S) => string;
  },
): BundleHead<S> {
  const { keys: logKeys, problems: keyProblems, detail: keyDetail } = logKeysOf(b.verifierKeys, opts.vkey);
  c.add('log-key', keyProblems, keyDetail);

  const cp = verifyCheckpoint(b.checkpoint, { logKeys, origin: b.origin });
  c.add('checkpoint', cp.valid ? [] : [cp.reason], cp.valid ? cp.reason : '');
  const checkpoint = cp.valid ? cp.checkpoint : undefined;

  const problems: string[] = [];
  let statement: S | undefined;
  const sv = verifyNote(b.statement, logKeys);
  if (!sv.valid) problems.push(`signature: ${sv.reason}`);
  else {
    const s = opts.parse(sv.text as string);
    if (typeof s === 'string') problems.push(s);
    else {
      statement = s;
      if (s.origin !== b.origin) problems.push(`it is for origin ${s.origin}, the bundle says ${b.origin}`);
      if (checkpoint && s.size !== checkpoint.size) problems.push(`it is for log size ${s.size}, the checkpoint is at ${checkpoint.size}`);
      if (s.exportedAt !== b.exportedAt) problems.push(`it was signed for an export at ${s.exportedAt}, the bundle says ${b.exportedAt}`);
      problems.push(...opts.agrees(s));
    }
  }
  c.add('export-statement', problems, statement ? opts.describe(statement) : '');
  return { logKeys, checkpoint, statement };
}
