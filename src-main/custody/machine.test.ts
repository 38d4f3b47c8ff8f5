/**
 * The lifecycle state machine, table-driven over every (from, to) pair:
 * through the pure machine and through the real record path, every
 * illegal step is refused with the reason and the allowed next states;
 * every legal step with its evidence is accepted; evidence rules that need
 * history (seals, manifest, certificate) are enforced.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CUSTODY_EXCEPTION_STATES, CUSTODY_STATES, type CustodyState } from '../../src-preload/contract';
import { AppException } from '../util/app-exception';
import { eventHash, type EventBody } from './event';
import { applyEvent, FIELD_SPECS, TRANSITIONS, type ReplayState } from './machine';
import { sampleFields } from './samples';
import type { CustodyService } from './service';
import { actorFor, HAPPY_PATH, makeService, registerSample, walk } from './test-support';

/** Shortest legal path from Ordered to every state. */
function pathsFromOrdered(): Map<CustodyState, CustodyState[]> {
  const paths = new Map<CustodyState, CustodyState[]>([['ordered', []]]);
  const queue: CustodyState[] = ['ordered'];
  while (queue.length) {
    const s = queue.shift() as CustodyState;
    for (const n of TRANSITIONS[s]) {
      if (paths.has(n)) continue;
      paths.set(n, [...(paths.get(s) as CustodyState[]), n]);
      queue.push(n);
    }
  }
  return paths;
}
const PATHS = pathsFromOrdered();

function priorAt(state: CustodyState): ReplayState {
  return {
    applianceId: 'apl-1',
    appliance: { serial: 'SN', model: 'M', capacityBytes: 1, firmwareVersion: '3.2.7', securityModuleId: 'HSM-1', encryptionKeyId: 'cmk-1', kmsKeyRef: 'kms://k' },
    jobId: 'job-1',
    state,
    seq: 5,
    lastAt: '2025-01-01T00:00:00.000Z',
    lastHash: 'a'.repeat(64),
    seals: ['S-1', 'S-2'],
    usedSeals: new Set(['S-1', 'S-2']),
    manifest: { sha256: 'b'.repeat(64), fileCount: 10, bytes: 1000 },
    sanitising: { level: 'purge', method: 'crypto_erase' },
    history: [state],
  };
}

function step(prior: ReplayState, to: CustodyState, fields = sampleFields(to, prior)): EventBody {
  return {
    v: 1,
    origin: 'cairn.custody/test',
    applianceId: prior.applianceId,
    jobId: prior.jobId,
    seq: prior.seq + 1,
    prev: prior.lastHash,
    from: prior.state,
    to,
    at: '2025-01-02T00:00:00.000Z',
    operator: { id: 'u', name: 'Op', role: 'hub_technician', publicKeyId: 'k+00000000' },
    site: { name: 'Hub' },
    reason: 'test',
    fields,
    attachments: [],
  };
}

describe('the transition table', () => {
  it('reaches every state from Ordered, and Closed is the only final state', () => {
    expect([...PATHS.keys()].sort()).toEqual([...CUSTODY_STATES].sort());
    expect(CUSTODY_STATES.filter((s) => TRANSITIONS[s].length === 0)).toEqual(['closed']);
  });

  it('lets every exception state be left (none is a dead end) and entered only from the states it lists', () => {
    for (const s of CUSTODY_EXCEPTION_STATES) expect(TRANSITIONS[s].length).toBeGreaterThan(0);
    // Cancel only before the appliance leaves the hub; tamper never from before sealing.
    const into = (t: CustodyState) => CUSTODY_STATES.filter((s) => TRANSITIONS[s].includes(t));
    expect(into('cancelled')).toEqual(['ordered', 'provisioning', 'ready', 'sealed']);
    expect(into('lost')).toEqual(['in_transit_to_customer', 'delivered', 'loading', 'in_transit_back']);
    expect(into('quarantined')).toEqual(['lost', 'damaged', 'tamper_suspected']);
    expect(TRANSITIONS.tamper_suspected).toEqual(['quarantined']);
  });
});

describe('every state pair through the machine', () => {
  const pairs = CUSTODY_STATES.flatMap((from) => CUSTODY_STATES.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s', (from, to) => {
    const prior = priorAt(from);
    const r = applyEvent(prior, step(prior, to), 'c'.repeat(64));
    if (TRANSITIONS[from].includes(to)) {
      expect(r.ok, r.ok ? '' : r.refusal.reason).toBe(true);
    } else {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.refusal.code).toBe('illegal_transition');
      expect(r.refusal.allowed).toEqual(TRANSITIONS[from]);
      expect(r.refusal.reason).toMatch(/is not allowed/);
    }
  });

  it('refuses anything but a registration as the first event', () => {
    for (const to of CUSTODY_STATES) {
      const body = { ...step(priorAt('ordered'), to), seq: 0, prev: null, from: null };
      const r = applyEvent(undefined, body, 'c'.repeat(64));
      expect(r.ok).toBe(false);
    }
  });
});

describe('every state pair through the real record path', () => {
  let svc: CustodyService;
  const at = new Map<CustodyState, string>();
  beforeAll(async () => {
    ({ svc } = makeService());
    for (const [state, path] of PATHS) at.set(state, (await walk(svc, (await registerSample(svc)).appliance.id, path)).appliance.id);
  });

  const pairs = CUSTODY_STATES.flatMap((from) => CUSTODY_STATES.filter((to) => !TRANSITIONS[from].includes(to)).map((to) => [from, to] as const));
  it.each(pairs)('refuses %s → %s with a typed error naming the allowed states', async (from, to) => {
    const id = at.get(from) as string;
    const st = svc.replayed(id);
    expect(st.state).toBe(from);
    const before = svc.log.size;
    const err = await svc
      .record({ applianceId: id, expectedSeq: st.seq, to, operator: { name: 'Op', role: 'noc_engineer' }, site: { name: 'Hub' }, reason: 'try', fields: sampleFields(to, st), attachments: [] }, { actor: actorFor(to) })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    const e = err as AppException;
    expect(e.code).toBe('conflict');
    expect(e.field).toBe('to');
    expect(e.details).toMatchObject({ reason: 'illegal_transition', from, to, allowed: TRANSITIONS[from].join(',') });
    expect(svc.log.size).toBe(before);
  });

  it('accepts the whole happy path with evidence', async () => {
    const d = await walk(svc, (await registerSample(svc)).appliance.id, HAPPY_PATH);
    expect(d.state).toBe('closed');
    expect(d.allowedNext).toEqual([]);
    expect(d.timeline.map((e) => e.to)).toEqual(['ordered', ...HAPPY_PATH]);
  });
});

describe('evidence rules', () => {
  const refuse = (prior: ReplayState, to: CustodyState, fields: Record<string, unknown>) => {
    const r = applyEvent(prior, step(prior, to, { ...sampleFields(to, prior), ...fields } as never), 'c'.repeat(64));
    expect(r.ok).toBe(false);
    return r.ok ? undefined : r.refusal;
  };

  it('needs every required field, and knows no others', () => {
    for (const to of CUSTODY_STATES) {
      const prior = priorAt(CUSTODY_STATES.find((s) => TRANSITIONS[s].includes(to)) ?? 'ordered');
      for (const spec of FIELD_SPECS[to].filter((s) => s.required)) {
        const fields = { ...sampleFields(to, prior) };
        delete fields[spec.name];
        const r = applyEvent(prior, step(prior, to, fields), 'c'.repeat(64));
        expect(r.ok, `${to} without ${spec.name}`).toBe(false);
        if (!r.ok) expect(r.refusal).toMatchObject({ code: 'missing_evidence', field: `fields.${spec.name}` });
      }
    }
    expect(refuse(priorAt('ordered'), 'provisioning', { bogus: 'x' })?.reason).toMatch(/unknown field/);
  });

  it('checks seal ids on hand-over and receipt, and never reuses a seal', () => {
    expect(refuse(priorAt('in_transit_back'), 'received', { sealIds: ['S-1', 'S-9'] })).toMatchObject({ code: 'evidence_mismatch', field: 'fields.sealIds' });
    expect(refuse(priorAt('in_transit_back'), 'received', { sealIds: ['S-1', 'S-9'] })?.reason).toMatch(/Tamper suspected/);
    expect(refuse(priorAt('sealed'), 'in_transit_to_customer', { sealIds: ['S-1'] })?.code).toBe('evidence_mismatch');
    expect(refuse(priorAt('loading'), 'resealed', { sealIds: ['S-2', 'S-3'] })?.reason).toMatch(/single-use/);
    expect(refuse(priorAt('ready'), 'sealed', { sealIds: ['S-4', 'S-4'] })?.reason).toMatch(/distinct/);
  });

  it('checks the attested firmware, security module and key id against the registry', () => {
    expect(refuse(priorAt('provisioning'), 'ready', { firmwareVersion: '3.2.8' })?.field).toBe('fields.firmwareVersion');
    expect(refuse(priorAt('provisioning'), 'ready', { keyId: 'other' })?.field).toBe('fields.keyId');
    expect(refuse(priorAt('provisioning'), 'ready', { securityModuleId: 'HSM-2' })?.field).toBe('fields.securityModuleId');
    expect(refuse(priorAt('provisioning'), 'ready', { secureBootAttested: false })?.code).toBe('missing_evidence');
  });

  it('checks the manifest at ingestion', () => {
    expect(refuse(priorAt('received'), 'ingesting', { manifestSha256: 'd'.repeat(64) })?.field).toBe('fields.manifestSha256');
    expect(refuse(priorAt('ingesting'), 'ingested', { filesVerified: 9 })?.field).toBe('fields.filesVerified');
    expect(refuse(priorAt('ingesting'), 'ingested', { bytesVerified: 1 })?.field).toBe('fields.bytesVerified');
  });

  it('checks the sanitisation certificate (NIST SP 800-88)', () => {
    expect(refuse(priorAt('sanitising'), 'sanitised', { level: 'clear' })?.field).toBe('fields.level');
    expect(refuse(priorAt('sanitising'), 'sanitised', { method: 'overwrite' })?.field).toBe('fields.method');
    expect(refuse(priorAt('sanitising'), 'sanitised', { validatedByName: 'mara lindqvist' })?.reason).toMatch(/second person/);
    expect(refuse(priorAt('sanitising'), 'sanitised', { tool: undefined })?.code).toBe('missing_evidence');
    expect(refuse(priorAt('ingested'), 'sanitising', { level: 'destroy', method: 'overwrite' })?.reason).toMatch(/does not destroy/);
    const destroying = { ...priorAt('sanitising'), sanitising: { level: 'destroy', method: 'shred' } };
    expect(refuse(destroying, 'sanitised', { level: 'destroy', method: 'shred', destination: 'external_reuse' })?.reason).toMatch(/cannot be reused/);
  });

  it('needs the key revocation to close a lost appliance', () => {
    expect(refuse(priorAt('lost'), 'closed', { keyRevocationReference: undefined })?.field).toBe('fields.keyRevocationReference');
  });

  it('refuses events out of order: wrong seq, broken chain, wrong from, time going backwards', () => {
    const p = priorAt('ordered');
    const ok = step(p, 'provisioning');
    for (const bad of [{ seq: 7 }, { prev: 'e'.repeat(64) }, { from: 'ready' as const }, { at: '2024-12-31T23:59:59.000Z' }]) {
      const r = applyEvent(p, { ...ok, ...bad }, eventHash({ ...ok, ...bad }));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.refusal.code).toBe('out_of_order');
    }
  });
});
