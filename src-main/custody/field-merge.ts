/**
 * Merging a field log into the central custody log.
 *
 * 1. The bundle is verified on its own (field-log.ts): signatures, chain,
 *    leaves rebuilding the signed checkpoint; the field log key is pinned
 *    to the key its origin was first merged with.
 * 2. Every field checkpoint the central console accepted before must be a
 *    prefix of the imported one: a consistency proof from the rebuilt tree,
 *    verified against the stored old root. A field log that rewrote or
 *    dropped history fails this and is refused as a whole; the proofs are
 *    shown to the operator either way.
 * 3. Each field event not merged before is re-checked on the central
 *    timeline (state machine, the recorded role's permission) and appended
 *    as a central event that names the field event it carries (`merged`),
 *    signed by the merging console's operator key. A step that no longer
 *    fits is reported as a conflict, never dropped silently, and is not
 *    marked merged, so it is reported again on the next import.
 * 4. All of it commits in one transaction under one central checkpoint; the
 *    merge and its report are kept (append-only), accepted or refused.
 */
import type { CustodyConsistencyView, CustodyMergedEventView, CustodyMergeReport } from '../../src-preload/contract';
import { consistencyProof, fromHex, signCheckpoint, toHex, verifyConsistency, verifyInclusion } from '../ledger';
import { AppException } from '../util/app-exception';
import type { EventBody } from './event';
import { verifyFieldLog, type VerifiedFieldLog } from './field-log';
import type { ReplayState } from './machine';
import { roleRefusal, type CustodyActor } from './permissions';
import type { CheckedEvent, CustodyService } from './service';

/** The consistency of every field checkpoint seen before with the imported one. */
function consistencyViews(custody: CustodyService, f: VerifiedFieldLog): CustodyConsistencyView[] {
  const seen = custody.db.prepare('SELECT size, root_hash FROM custody_field_seen WHERE origin = ? ORDER BY size').all(f.origin) as { size: number; root_hash: string }[];
  const newSize = f.checkpoint.size;
  const newRoot = f.checkpoint.rootHash;
  return seen.map(({ size, root_hash }) => {
    const base = { oldSize: size, oldRoot: root_hash, newSize, newRoot: toHex(newRoot) };
    if (size > newSize) return { ...base, proof: [], valid: false, detail: `the field log shrank from ${size} to ${newSize} events: history was dropped` };
    const proof = size === newSize ? [] : consistencyProof(f.tree, size, newSize);
    const v = verifyConsistency({ size1: size, size2: newSize, root1: fromHex(root_hash) ?? new Uint8Array(), root2: newRoot, proof });
    return {
      ...base,
      proof: proof.map((h) => toHex(h)),
      valid: v.valid,
      detail: v.valid ? `the ${size}-event field log seen before is a prefix of this one (${proof.length} proof hash${proof.length === 1 ? '' : 'es'})` : `not consistent: ${v.reason}; the field log rewrote history`,
    };
  });
}

/** Merges a field-log bundle; throws `invalid_request` for a bundle that does not verify, otherwise reports (and keeps) the outcome. */
export async function mergeFieldLog(custody: CustodyService, text: unknown, actor: CustodyActor): Promise<CustodyMergeReport> {
  const db = custody.db;
  // Verify the bundle before touching keys: a malformed import never generates anything.
  const peek = (() => {
    try {
      return (JSON.parse(typeof text === 'string' ? text : '') as { origin?: unknown }).origin;
    } catch {
      return undefined;
    }
  })();
  const pinned = typeof peek === 'string' ? (db.prepare('SELECT vkey FROM custody_field_logs WHERE origin = ?').pluck().get(peek) as string | undefined) : undefined;
  const f = verifyFieldLog(text, pinned);
  if (f.origin === custody.keys.fieldOrigin) throw new AppException('invalid_request', "This is this installation's own field log; merge it on the central console", { field: 'text' });
  const keys = await custody.keys.load();
  const consistency = consistencyViews(custody, f);
  const failed = consistency.find((c) => !c.valid);
  const mergedAt = custody.clock().toISOString();
  const fieldRoot = toHex(f.checkpoint.rootHash);

  return db.transaction((): CustodyMergeReport => {
    const id = ((db.prepare('SELECT COALESCE(MAX(id), 0) FROM custody_merges').pluck().get() as number) ?? 0) + 1;
    const views: CustodyMergedEventView[] = [];
    const appended: { view: CustodyMergedEventView; checked: CheckedEvent; leaf: number }[] = [];
    if (!failed) {
      const already = db.prepare('SELECT field_event_sha256 FROM custody_merged_events WHERE origin = ? AND field_leaf_index = ?').pluck();
      const states = new Map<string, ReplayState>();
      const items: { view: CustodyMergedEventView; checked: CheckedEvent; leaf: number }[] = [];
      f.events.forEach((e, leaf) => {
        const b = e.body;
        const view: CustodyMergedEventView = {
          fieldLeafIndex: leaf,
          applianceId: b.applianceId,
          to: b.to,
          at: b.at,
          operator: `${b.operator.name} (${b.operator.id}, ${b.operator.role})`,
          fieldSha256: e.hash,
          outcome: 'appended',
          reason: '',
          centralSeq: null,
          centralLeafIndex: null,
          inclusionProof: [],
          included: false,
        };
        views.push(view);
        const prior = already.get(f.origin, leaf) as string | undefined;
        if (prior !== undefined) {
          // Consistency already guarantees the leaf is unchanged; the hash check says so explicitly.
          Object.assign(view, prior === e.hash ? { outcome: 'already_merged', reason: 'merged by an earlier import' } : { outcome: 'conflict', reason: 'differs from the event merged earlier at this leaf' });
          return;
        }
        const why = roleRefusal(b.operator.role, b.to);
        if (why) return void Object.assign(view, { outcome: 'refused', reason: why });
        let st = states.get(b.applianceId);
        if (!st) {
          if (db.prepare('SELECT 1 FROM custody_appliances WHERE id = ?').get(b.applianceId) === undefined) {
            return void Object.assign(view, { outcome: 'refused', reason: `no appliance ${b.applianceId} is registered centrally` });
          }
          st = custody.replayed(b.applianceId);
        }
        const body: EventBody = {
          v: 1,
          origin: custody.origin,
          applianceId: st.applianceId,
          jobId: st.jobId,
          seq: st.seq + 1,
          prev: st.lastHash,
          from: st.state,
          to: b.to,
          at: b.at,
          operator: { ...b.operator, publicKeyId: keys.operator.id },
          site: b.site,
          reason: b.reason,
          fields: b.fields,
          attachments: b.attachments,
          merged: { origin: f.origin, leafIndex: leaf, eventSha256: e.hash, publicKeyId: e.publicKeyId, signature: e.signature },
        };
        try {
          const checked = custody.check(st, body);
          states.set(st.applianceId, checked.state);
          items.push({ view, checked, leaf });
        } catch (err) {
          if (!(err instanceof AppException)) throw err;
          Object.assign(view, { outcome: 'conflict', reason: `${err.message} (central timeline: ${st.state}, event ${st.seq})` });
        }
      });
      const committed = custody.commit(
        keys,
        items.map((i) => i.checked),
      );
      items.forEach((it, k) => {
        const c = committed[k] as { leafIndex: number };
        Object.assign(it.view, { centralSeq: it.checked.body.seq, centralLeafIndex: c.leafIndex });
        appended.push({ ...it, leaf: it.leaf });
      });
    }
    const size = custody.log.size;
    const root = custody.log.root(size);
    for (const a of appended) {
      const proof = custody.log.inclusionProof(a.view.centralLeafIndex as number, size);
      a.view.inclusionProof = proof.map((h) => toHex(h));
      a.view.included = verifyInclusion({ leafHash: custody.log.leafHash(a.view.centralLeafIndex as number), index: a.view.centralLeafIndex as number, size, proof, root }).valid;
    }
    const count = (o: CustodyMergedEventView['outcome']) => views.filter((v) => v.outcome === o).length;
    const report: CustodyMergeReport = {
      id,
      origin: f.origin,
      fieldSize: f.checkpoint.size,
      fieldRoot,
      mergedAt,
      mergedBy: actor.id,
      accepted: !failed,
      reason: failed
        ? `refused: ${failed.detail}`
        : `${count('appended')} appended, ${count('already_merged')} merged before, ${count('conflict')} conflicting, ${count('refused')} refused`,
      consistency,
      events: views,
      appended: count('appended'),
      alreadyMerged: count('already_merged'),
      conflicts: count('conflict'),
      refused: count('refused'),
      central: {
        origin: custody.origin,
        size,
        root: toHex(root),
        checkpoint: size > 0 ? signCheckpoint(custody.log.checkpoint(custody.origin, size), [keys.log.signer]) : '',
      },
    };
    db.prepare('INSERT INTO custody_merges (id, origin, field_size, accepted, appended, merged_at, merged_by, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      id,
      f.origin,
      f.checkpoint.size,
      failed ? 0 : 1,
      report.appended,
      mergedAt,
      actor.id,
      JSON.stringify(report),
    );
    if (!failed) {
      if (pinned === undefined) db.prepare('INSERT INTO custody_field_logs (origin, vkey, first_merged_at) VALUES (?, ?, ?)').run(f.origin, f.vkey, mergedAt);
      if (db.prepare('SELECT 1 FROM custody_field_seen WHERE origin = ? AND size = ?').get(f.origin, f.checkpoint.size) === undefined) {
        db.prepare('INSERT INTO custody_field_seen (origin, size, root_hash, note, seen_at) VALUES (?, ?, ?, ?, ?)').run(f.origin, f.checkpoint.size, fieldRoot, f.checkpointNote, mergedAt);
      }
      const insert = db.prepare(
        'INSERT INTO custody_merged_events (origin, field_leaf_index, field_event_sha256, appliance_id, central_seq, central_leaf_index, merge_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const a of appended) insert.run(f.origin, a.leaf, a.view.fieldSha256, a.view.applianceId, a.view.centralSeq, a.view.centralLeafIndex, id);
    }
    return report;
  })();
}

/** Earlier merges, newest first, as reported at the time. */
export function listMerges(custody: CustodyService, limit = 20): CustodyMergeReport[] {
  return (custody.db.prepare('SELECT report FROM custody_merges ORDER BY id DESC LIMIT ?').pluck().all(limit) as string[]).map((r) => JSON.parse(r) as CustodyMergeReport);
}
