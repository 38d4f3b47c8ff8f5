/**
 * The offline field log and its merge into the central log: round trip,
 * idempotent re-merge, consistency with every field checkpoint seen before
 * (a rewritten history is refused), conflicts reported on the central
 * timeline, tampered bundles refused with a typed error, and arbitrary
 * corruptions never crash the merge.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustodyFields } from '../../src-preload/contract';
import { leafHash, MemoryMerkleTree, parseSignerKey, signCheckpoint, toBase64 } from '../ledger';
import { AppException } from '../util/app-exception';
import { verifyBundle } from './bundle';
import { canonicalJson, leafBytesOf, sha256Hex } from './event';
import { fieldSigningMessage, FieldLog, type FieldLogBundle } from './field-log';
import { listMerges, mergeFieldLog } from './field-merge';
import { fieldLogKeyAccount, OPERATOR_KEY_ACCOUNT } from './keys';
import { sampleFields } from './samples';
import { actorFor, makeService, registerSample, walk } from './test-support';

const central = { id: 'noc', role: 'operator' as const };

/** A central console with an appliance at Ready, and a field laptop with its own database, keys and field log. */
async function setup() {
  const c = makeService();
  const id = (await registerSample(c.svc)).appliance.id;
  await walk(c.svc, id, ['provisioning', 'ready']);
  // The field laptop works after the hub's last step (its own clock, a day later).
  const f = makeService({ start: '2025-03-02T08:00:00.000Z' });
  const field = new FieldLog(f.svc);
  const sealed = sampleFields('sealed', c.svc.replayed(id), 'field-1') as { sealIds: string[] } & CustodyFields;
  const step = (to: 'sealed' | 'in_transit_to_customer' | 'delivered', fields: CustodyFields) =>
    field.record({ applianceId: id, to, operator: { name: 'Lena Vogt', role: 'hub_technician' }, site: { name: 'Hub, Frankfurt' }, reason: `field: ${to}`, fields, attachments: [] }, actorFor(to, 'lena'));
  const steps = {
    sealed: () => step('sealed', sealed),
    transit: () => step('in_transit_to_customer', { carrier: 'Securicor', trackingNumber: 'SL0001', sealIds: sealed.sealIds }),
    delivered: () => step('delivered', { sealIds: sealed.sealIds, receiverName: 'Ines Duarte', receiverOrganisation: 'Customer', receiverSignature: [(sampleFields('sealed', c.svc.replayed(id)).sealPhotos as string[])[0] as string] } as CustodyFields),
  };
  return { c, f, id, field, steps };
}

/**
 * A field laptop rewriting its own history with its real keys: edits one body, re-chains and
 * re-signs every event, rebuilds the tree and re-signs the checkpoint. Only consistency with a
 * checkpoint seen before can tell.
 */
async function rewrite(f: ReturnType<typeof makeService>, text: string, index: number, edit: (e: Record<string, unknown>) => void): Promise<string> {
  const b = JSON.parse(text) as FieldLogBundle;
  const op = parseSignerKey((await f.secrets.get(OPERATOR_KEY_ACCOUNT)) as string);
  const logKey = parseSignerKey((await f.secrets.get(fieldLogKeyAccount(f.svc.installId))) as string);
  edit(b.events[index]!.event as Record<string, unknown>);
  const last = new Map<string, string>();
  for (const ev of b.events) {
    const body = ev.event as { applianceId: string; prev: string | null };
    body.prev = last.get(body.applianceId) ?? null;
    last.set(body.applianceId, sha256Hex(canonicalJson(body)));
    ev.signature = toBase64(op.sign(fieldSigningMessage(canonicalJson(body))));
  }
  const tree = new MemoryMerkleTree();
  for (const e of b.events) tree.append(leafBytesOf(canonicalJson(e.event), e.publicKeyId, e.signature));
  b.checkpoint = signCheckpoint({ origin: b.origin, size: tree.size, rootHash: tree.root(), extensions: [] }, [logKey]);
  return JSON.stringify(b);
}

describe('field log merge', () => {
  it('merges a field log into the central log, shows consistency and inclusion, and re-merging is a no-op', async () => {
    const { c, id, field, steps } = await setup();
    await steps.sealed();
    await steps.transit();
    const first = await field.exportBundle();
    const before = c.svc.log.size;
    const r1 = await mergeFieldLog(c.svc, first.text, central);
    expect(r1).toMatchObject({ accepted: true, appended: 2, alreadyMerged: 0, conflicts: 0, refused: 0, fieldSize: 2, consistency: [] });
    expect(r1.events.map((e) => [e.outcome, e.centralSeq, e.included])).toEqual([
      ['appended', 3, true],
      ['appended', 4, true],
    ]);
    expect(c.svc.log.size).toBe(before + 2);
    const d = c.svc.detail(id);
    expect(d.state).toBe('in_transit_to_customer');
    expect(d.timeline.at(-1)?.operator).toMatchObject({ id: 'lena', name: 'Lena Vogt', role: 'field_engineer', capacity: 'hub_technician' });
    // The merged events are ordinary central events: the central bundle still verifies end to end.
    expect(verifyBundle((await c.svc.exportBundle({ kind: 'appliance', id })).text).valid).toBe(true);

    // The same bundle again: nothing appended, the seen checkpoint is trivially consistent.
    const r2 = await mergeFieldLog(c.svc, first.text, central);
    expect(r2).toMatchObject({ accepted: true, appended: 0, alreadyMerged: 2 });
    expect(r2.consistency).toEqual([expect.objectContaining({ oldSize: 2, newSize: 2, proof: [], valid: true })]);
    expect(c.svc.log.size).toBe(before + 2);

    // More field work: the old checkpoint (size 2) must be a prefix of the new one (size 3), proven with hashes.
    await steps.delivered();
    const r3 = await mergeFieldLog(c.svc, (await field.exportBundle()).text, central);
    expect(r3).toMatchObject({ accepted: true, appended: 1, alreadyMerged: 2 });
    expect(r3.consistency.map((v) => [v.oldSize, v.newSize, v.valid])).toEqual([[2, 3, true]]);
    expect(r3.consistency[0]!.proof.length).toBeGreaterThan(0);
    expect(c.svc.detail(id).state).toBe('delivered');
    expect(listMerges(c.svc).map((m) => [m.id, m.appended])).toEqual([
      [3, 1],
      [2, 0],
      [1, 2],
    ]);
  });

  it('refuses a field log that rewrote history, with the failed consistency proof, and appends nothing', async () => {
    const { c, f, field, steps } = await setup();
    await steps.sealed();
    await steps.transit();
    await mergeFieldLog(c.svc, (await field.exportBundle()).text, central);
    await steps.delivered();
    const honest = (await field.exportBundle()).text;
    const forged = await rewrite(f, honest, 0, (e) => (e.reason = 'sealed later, really'));
    const size = c.svc.log.size;
    const r = await mergeFieldLog(c.svc, forged, central);
    expect(r.accepted).toBe(false);
    expect(r.appended).toBe(0);
    expect(r.consistency).toEqual([expect.objectContaining({ oldSize: 2, newSize: 3, valid: false, detail: expect.stringMatching(/rewrote history/) as string })]);
    expect(r.reason).toMatch(/^refused: /);
    expect(c.svc.log.size).toBe(size);
    // A field log that dropped its last events is refused too.
    const shorter = JSON.parse(honest) as FieldLogBundle;
    shorter.events = shorter.events.slice(0, 1);
    const cut = await rewrite(f, JSON.stringify(shorter), 0, () => undefined);
    const r2 = await mergeFieldLog(c.svc, cut, central);
    expect(r2.consistency[0]).toMatchObject({ oldSize: 2, newSize: 1, valid: false });
    expect(c.svc.log.size).toBe(size);
    // The honest log still merges afterwards; both refusals are on record.
    expect(await mergeFieldLog(c.svc, honest, central)).toMatchObject({ accepted: true, appended: 1 });
    expect(listMerges(c.svc).map((m) => m.accepted)).toEqual([true, false, false, true]);
  });

  it('reports a step that conflicts with the central timeline instead of dropping it, and again on the next import', async () => {
    const { c, id, field, steps } = await setup();
    await steps.sealed();
    await steps.transit();
    // Meanwhile the hub sealed the appliance centrally with other seals.
    await walk(c.svc, id, ['sealed']);
    const text = (await field.exportBundle()).text;
    const r = await mergeFieldLog(c.svc, text, central);
    expect(r.accepted).toBe(true);
    expect(r.events.map((e) => e.outcome)).toEqual(['conflict', 'conflict']);
    expect(r.events[0]!.reason).toMatch(/Sealed → Sealed is not allowed/);
    expect(r.events[1]!.reason).toMatch(/do not match the seals applied/);
    expect(c.svc.detail(id).state).toBe('sealed');
    expect((await mergeFieldLog(c.svc, text, central)).events.map((e) => e.outcome)).toEqual(['conflict', 'conflict']);
  });

  it('refuses steps whose recorded role may not take them, and unknown appliances', async () => {
    const { c, f, id, field, steps } = await setup();
    await steps.sealed();
    const forged = await rewrite(f, (await field.exportBundle()).text, 0, (e) => ((e.operator as { role: string }).role = 'viewer'));
    const r = await mergeFieldLog(c.svc, forged, central);
    expect(r.events[0]).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/viewer role does not hold custody.record/) as string });
    expect(c.svc.detail(id).state).toBe('ready');
    const g = makeService({ start: '2025-03-02T08:00:00.000Z' });
    const other = new FieldLog(g.svc);
    await other.record({ applianceId: 'apl-unknown', to: 'damaged', operator: { name: 'X', role: 'courier' }, site: { name: 's' }, reason: 'r', fields: { damageDescription: 'dent', photos: ['a'.repeat(64)] }, attachments: [] }, actorFor('damaged'));
    expect((await mergeFieldLog(c.svc, (await other.exportBundle()).text, central)).events[0]).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/no appliance apl-unknown/) as string });
  });

  it('checks role and evidence offline, before anything is signed', async () => {
    const { field, id } = await setup();
    await expect(field.record({ applianceId: id, to: 'sealed', operator: { name: 'V', role: 'courier' }, site: { name: 's' }, reason: 'r', fields: {}, attachments: [] }, { id: 'v', role: 'viewer' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(field.record({ applianceId: id, to: 'sealed', operator: { name: 'V', role: 'courier' }, site: { name: 's' }, reason: 'r', fields: {}, attachments: [] }, actorFor('sealed'))).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'fields.sealIds',
    });
    expect(field.size).toBe(0);
    await expect(field.exportBundle()).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a tampered bundle with a typed error naming the check, and changes nothing', async () => {
    const { c, f, field, steps } = await setup();
    await steps.sealed();
    await steps.transit();
    const text = (await field.exportBundle()).text;
    const size = c.svc.log.size;
    const cases: [string, string][] = [
      [text.replace('field: sealed', 'field: sealed!'), 'signatures'],
      [text.replace(/"checkpoint": "([^"]*?)\\n2\\n/, '"checkpoint": "$1\\n3\\n'), 'checkpoint'],
      [text.slice(0, 100), 'parse'],
      ['{"format":"nope"}', 'format'],
    ];
    for (const [bad, check] of cases) {
      const err = await mergeFieldLog(c.svc, bad, central).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, check).toBeInstanceOf(AppException);
      expect(err).toMatchObject({ code: 'invalid_request', details: { check } });
    }
    // Events swapped: signatures hold, but the chain and the root do not.
    const swapped = JSON.parse(text) as FieldLogBundle;
    swapped.events.reverse();
    await expect(mergeFieldLog(c.svc, JSON.stringify(swapped), central)).rejects.toMatchObject({ code: 'invalid_request', details: { check: 'chain' } });
    // A different log key for a known origin: refused once the origin is pinned.
    await mergeFieldLog(c.svc, text, central);
    const other = JSON.parse(await rewrite(f, text, 0, () => undefined)) as FieldLogBundle;
    const { generateNoteKey } = await import('../ledger');
    const k = generateNoteKey(other.origin);
    other.verifierKey = k.vkey;
    other.checkpoint = signCheckpoint({ origin: other.origin, size: 2, rootHash: leafHash(new Uint8Array()), extensions: [] }, [parseSignerKey(k.skey)]);
    await expect(mergeFieldLog(c.svc, JSON.stringify(other), central)).rejects.toMatchObject({ details: { check: 'log-key' } });
    expect(c.svc.log.size).toBe(size + 2);
  });

  it('never throws anything but a typed error on corrupted bundles, and never appends from one', async () => {
    const { c, field, steps } = await setup();
    await steps.sealed();
    await steps.transit();
    const text = (await field.exportBundle()).text;
    let size = c.svc.log.size;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 8 }), s: fc.string({ maxLength: 8 }) }).map(({ at, len, s }) => {
            const i = at % text.length;
            return text.slice(0, i) + s + text.slice(i + len);
          }),
          fc.nat().map((n) => text.slice(0, n % text.length)),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.anything(),
        ),
        async (bad) => {
          if (bad === text) return;
          const out = await mergeFieldLog(c.svc, bad, central).then(
            (r) => r,
            (e: unknown) => e,
          );
          if (out instanceof Error) {
            expect(out).toBeInstanceOf(AppException);
            expect(c.svc.log.size).toBe(size);
          } else {
            // Only a corruption that left every verified part the same (whitespace, the unsigned export time) may merge, and only once.
            const signed = (t: string) => {
              const { events, checkpoint, origin, verifierKey, publicKeys } = JSON.parse(t) as FieldLogBundle;
              return { events, checkpoint, origin, verifierKey, publicKeys };
            };
            expect(signed(bad as string)).toEqual(signed(text));
            expect(c.svc.log.size).toBe(size + (out as { appended: number }).appended);
            size = c.svc.log.size;
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
