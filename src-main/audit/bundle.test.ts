/**
 * The audit service and its bundles: entries are logged with their fields,
 * listed with filters, exported for a time range as a bundle that verifies
 * offline; changing any byte, reordering, dropping, inserting an entry or
 * swapping the key is detected, and fast-check corruptions never throw and
 * never verify.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateNoteKey, parseSignerKey, signCheckpoint, parseCheckpoint, signNote, parseNote } from '../ledger';
import { MemorySecretStore } from '../secrets';
import { openDatabase } from '../store/database';
import { AuditBundleSchema, verifyAuditBundle, bundleText, type AuditBundle } from './bundle';
import { AuditService, type RecordInput } from './service';

function makeAudit(start = '2026-03-01T08:00:00.000Z') {
  const db = openDatabase(':memory:');
  const secrets = new MemorySecretStore();
  let t = Date.parse(start);
  const clock = () => new Date((t += 60_000));
  const svc = new AuditService({ db, secrets, installId: 'test0001', clock });
  return { db, secrets, svc, setTime: (iso: string) => (t = Date.parse(iso)) };
}

const sample = (i: number, over: Partial<RecordInput> = {}): RecordInput => ({
  actor: i % 3 === 0 ? 'alice' : 'bob',
  roles: ['administrator'],
  source: i % 2 === 0 ? 'browser' : 'cli',
  action: i % 4 === 0 ? 'connections.add' : 'settings.set',
  target: `target-${i}`,
  outcome: i % 5 === 4 ? 'refused' : 'ok',
  error: i % 5 === 4 ? 'forbidden' : null,
  details: { name: `n${i}`, n: i },
  ...over,
});

async function exported(n = 8, range: { from?: string; to?: string } = {}) {
  const a = makeAudit();
  for (let i = 0; i < n; i++) a.svc.record(sample(i));
  const out = await a.svc.exportBundle(range);
  return { ...a, ...out, vkey: out.bundle.verifierKeys[0] as string };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const expectInvalid = (b: AuditBundle | string, vkey?: string, check?: string) => {
  const r = verifyAuditBundle(typeof b === 'string' ? b : bundleText(b), vkey ? { vkey } : {});
  expect(r.valid, JSON.stringify(r.checks)).toBe(false);
  if (check) expect(r.checks.find((c) => c.name === check)?.ok, JSON.stringify(r.checks)).toBe(false);
  return r;
};

describe('recording and listing', () => {
  it('appends entries as leaves of the audit log and mirrors them for search', () => {
    const { svc, db } = makeAudit();
    for (let i = 0; i < 10; i++) svc.record(sample(i));
    expect(svc.log.size).toBe(10);
    expect(svc.log.verifyIntegrity().valid).toBe(true);
    const page = svc.list({ limit: 3 });
    expect(page.total).toBe(10);
    expect(page.rows.map((r) => r.seq)).toEqual([9, 8, 7]);
    expect(svc.list({ actor: 'alice' }).total).toBe(4);
    expect(svc.list({ action: 'connections' }).rows.every((r) => r.action === 'connections.add')).toBe(true);
    expect(svc.list({ action: 'connections' }).total).toBe(3);
    expect(svc.list({ action: 'connection' }).total).toBe(0);
    expect(svc.list({ source: 'cli', outcome: 'refused' }).rows.map((r) => r.seq)).toEqual([9]);
    expect(svc.list({ q: 'TARGET-7' }).rows.map((r) => r.seq)).toEqual([7]);
    expect(svc.list({ q: 'forbidden' }).total).toBe(2);
    expect(svc.list({ from: '2026-03-01T08:03:00Z', to: '2026-03-01T08:05:00Z' }).rows.map((r) => r.seq)).toEqual([3, 2]);
    // Append-only: the mirror refuses edits like the log does.
    expect(() => db.prepare("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 0").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_entries WHERE seq = 0').run()).toThrow(/append-only/);
  });

  it('never lets time go backwards in the log, so a time range is one run of leaves', () => {
    const a = makeAudit();
    a.svc.record(sample(0));
    a.setTime('2020-01-01T00:00:00.000Z');
    const r = a.svc.record(sample(1));
    expect(r.at).toBe(a.svc.list().rows[1]?.at);
  });

  it('refuses an empty or backwards range with typed errors', async () => {
    const { svc } = makeAudit();
    svc.record(sample(0));
    await expect(svc.exportBundle({ from: '2030-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(svc.exportBundle({ from: '2030-01-01T00:00:00Z', to: '2029-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('bundles', () => {
  it('export a range that verifies, pinned to the log key, and the head names the checkpoint', async () => {
    const { text, bundle, vkey, svc } = await exported(12, { from: '2026-03-01T08:03:00Z', to: '2026-03-01T08:09:00Z' });
    expect(bundle.entries.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    const r = verifyAuditBundle(text, { vkey });
    expect(r.valid, JSON.stringify(r.checks)).toBe(true);
    expect(r.entries).toBe(6);
    expect(r.checks.map((c) => c.name)).toEqual(['format', 'log-key', 'checkpoint', 'export-statement', 'entries', 'contiguity', 'inclusion', 'times']);
    const head = svc.head();
    expect(head.size).toBe(12);
    expect(head.checkpoint?.size).toBe(12);
    expect(head.checkpoint?.note).toBe(bundle.checkpoint);
  });

  it('detect an edited entry, a reordering, a dropped, an inserted or a duplicated entry', async () => {
    const { bundle, vkey } = await exported(6);
    const edited = clone(bundle);
    (edited.entries[2]?.entry as { actor: string }).actor = 'mallory';
    expectInvalid(edited, vkey, 'inclusion');

    const swapped = clone(bundle);
    [swapped.entries[1], swapped.entries[2]] = [swapped.entries[2] as AuditBundle['entries'][number], swapped.entries[1] as AuditBundle['entries'][number]];
    expectInvalid(swapped, vkey, 'contiguity');

    for (const at of [0, 3, 5]) {
      const dropped = clone(bundle);
      dropped.entries.splice(at, 1);
      expectInvalid(dropped, vkey, 'contiguity');
    }
    const inserted = clone(bundle);
    inserted.entries.splice(2, 0, clone(bundle.entries[2] as AuditBundle['entries'][number]));
    expectInvalid(inserted, vkey, 'contiguity');

    // Renumbering after a drop keeps contiguity but breaks inclusion.
    const renumbered = clone(bundle);
    renumbered.entries.splice(2, 1);
    renumbered.entries.forEach((e, i) => (e.seq = i));
    expectInvalid(renumbered, vkey);
  });

  it('detect a swapped key, even when the forger re-signs everything, once the key is pinned', async () => {
    const { bundle, vkey } = await exported(4);
    const other = generateNoteKey(bundle.origin);
    const swapped = clone(bundle);
    swapped.verifierKeys = [other.vkey];
    expectInvalid(swapped, undefined, 'checkpoint');

    // A forger with their own key re-signs checkpoint and statement: only pinning catches it.
    const signer = parseSignerKey(other.skey);
    const forged = clone(bundle);
    const cp = parseCheckpoint((parseNote(bundle.checkpoint) as { ok: true; text: string }).text);
    if (!cp.ok) throw new Error('checkpoint');
    forged.checkpoint = signCheckpoint(cp.checkpoint, [signer]);
    forged.statement = signNote((parseNote(bundle.statement) as { ok: true; text: string }).text, [signer]);
    forged.verifierKeys = [other.vkey];
    expect(verifyAuditBundle(bundleText(forged)).valid).toBe(true);
    expectInvalid(forged, vkey, 'log-key');
  });

  it('detect a changed range or export time (bound by the signed statement)', async () => {
    const { bundle, vkey } = await exported(4);
    const r1 = clone(bundle);
    r1.range.from = '2026-03-01T08:00:00.000Z';
    expectInvalid(r1, vkey, 'export-statement');
    const r2 = clone(bundle);
    r2.exportedAt = '2026-03-02T00:00:00.000Z';
    expectInvalid(r2, vkey, 'export-statement');
  });

  it('any single changed character of the text is detected; corruptions never throw', async () => {
    const { text, vkey } = await exported(3);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.integer({ min: 32, max: 126 }), (pos, code) => {
        const ch = String.fromCharCode(code);
        fc.pre(text[pos] !== ch);
        const bad = text.slice(0, pos) + ch + text.slice(pos + 1);
        const r = verifyAuditBundle(bad, { vkey });
        expect(r.valid).toBe(false);
        expect(verifyAuditBundle(bad).valid).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary structural corruptions and junk never throw and never verify', async () => {
    const { bundle, vkey } = await exported(3);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.string(),
          fc.record({ path: fc.constantFrom('entries', 'checkpoint', 'statement', 'verifierKeys', 'range', 'origin', 'version'), value: fc.anything() }),
        ),
        (x) => {
          let input: unknown = x;
          if (typeof x === 'object' && x !== null && 'path' in x && 'value' in x) {
            const b = clone(bundle) as unknown as Record<string, unknown>;
            b[(x as { path: string }).path] = (x as { value: unknown }).value;
            input = JSON.stringify(b, null, 2) + '\n';
          }
          const r = verifyAuditBundle(input, { vkey });
          expect(r.valid).toBe(false);
          expect(r.failures.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parse their own schema', async () => {
    const { text } = await exported(2);
    expect(AuditBundleSchema.safeParse(JSON.parse(text)).success).toBe(true);
  });
});
