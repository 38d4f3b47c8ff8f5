/**
 * The appliance lifecycle as a state machine: which state may follow which,
 * what evidence each step needs (field specs, also sent to the record form),
 * and the checks that need the appliance's history (seal ids on hand-over
 * and receipt, the manifest at ingestion, the sanitisation method on the
 * certificate). Pure: the service uses it before signing, the offline
 * bundle verifier replays every event through it from the first.
 */
import { z } from 'zod';
import {
  CUSTODY_EXCEPTION_STATES,
  CUSTODY_STATE_LABELS,
  CustodyFieldSpecSchema,
  Sha256HexSchema,
  type CustodyFieldSpec,
  type CustodyNextStep,
  type CustodyState,
} from '../../src-preload/contract';
import type { ApplianceSnapshot, EventBody } from './event';

const EXCEPTIONS = new Set<CustodyState>(CUSTODY_EXCEPTION_STATES);

/**
 * Allowed next states. Exceptions: an appliance may be *cancelled* only
 * before it leaves the hub; *lost* only while out of our hands; *damaged*
 * or *tamper_suspected* wherever it is handled physically. Leaving them:
 * lost → quarantined (found) or closed (written off, key revoked);
 * damaged → quarantined or straight to sanitising; tamper_suspected →
 * quarantined only; quarantined → sanitising only (a tampered transfer is
 * void, as Google's Transfer Appliance treats it); cancelled → sanitising
 * (a key may have been injected). Terminal: closed.
 */
export const TRANSITIONS: Readonly<Record<CustodyState, readonly CustodyState[]>> = {
  ordered: ['provisioning', 'cancelled'],
  provisioning: ['ready', 'cancelled', 'damaged'],
  ready: ['sealed', 'cancelled', 'damaged'],
  sealed: ['in_transit_to_customer', 'cancelled', 'damaged', 'tamper_suspected'],
  in_transit_to_customer: ['delivered', 'lost', 'damaged', 'tamper_suspected'],
  delivered: ['loading', 'lost', 'damaged', 'tamper_suspected'],
  loading: ['resealed', 'lost', 'damaged', 'tamper_suspected'],
  resealed: ['in_transit_back', 'damaged', 'tamper_suspected'],
  in_transit_back: ['received', 'lost', 'damaged', 'tamper_suspected'],
  received: ['ingesting', 'damaged', 'tamper_suspected'],
  ingesting: ['ingested', 'damaged', 'tamper_suspected'],
  ingested: ['sanitising'],
  sanitising: ['sanitised'],
  sanitised: ['closed'],
  closed: [],
  cancelled: ['sanitising'],
  lost: ['quarantined', 'closed'],
  damaged: ['quarantined', 'sanitising'],
  tamper_suspected: ['quarantined'],
  quarantined: ['sanitising'],
};

export const SANITISATION_LEVELS = ['clear', 'purge', 'destroy'] as const;
export const SANITISATION_METHODS = ['overwrite', 'block_erase', 'crypto_erase', 'degauss', 'shred', 'disintegrate', 'pulverize', 'incinerate', 'melt', 'other'] as const;
export const VERIFICATION_METHODS = ['full', 'sampling', 'other'] as const;
export const DESTINATIONS = ['internal_reuse', 'external_reuse', 'recycling_facility', 'manufacturer', 'other'] as const;

const f = (name: string, label: string, kind: CustodyFieldSpec['kind'], extra: Partial<CustodyFieldSpec> = {}): CustodyFieldSpec =>
  CustodyFieldSpecSchema.parse({ name, label, kind, required: true, ...extra });

/** Evidence per target state (NIST SP 800-88 Rev. 1 App. G fields for the certificate). */
export const FIELD_SPECS: Readonly<Record<CustodyState, readonly CustodyFieldSpec[]>> = {
  ordered: [],
  provisioning: [f('workOrder', 'Work order', 'text', { required: false })],
  ready: [
    f('firmwareVersion', 'Firmware version (attested)', 'text', { help: 'Must equal the registered firmware version' }),
    f('firmwareSha256', 'Firmware image SHA-256', 'sha256'),
    f('secureBootAttested', 'Secure boot attested', 'confirm'),
    f('attestationReport', 'Attestation report', 'files', { help: 'Hashed in the browser; only the SHA-256 is recorded' }),
    f('securityModuleId', 'Security module id', 'text', { help: 'Must equal the registered security module' }),
    f('keyId', 'Injected encryption key id', 'text', { help: 'Must equal the registered key id; never the key itself' }),
    f('keyInjected', 'Customer key injected', 'confirm'),
  ],
  sealed: [f('sealIds', 'Seal ids', 'list'), f('sealPhotos', 'Seal photos', 'files')],
  in_transit_to_customer: [
    f('carrier', 'Carrier', 'text'),
    f('trackingNumber', 'Tracking number', 'text'),
    f('sealIds', 'Seal ids handed over', 'list', { help: 'Must match the seals applied' }),
  ],
  delivered: [
    f('sealIds', 'Seal ids on delivery', 'list', { help: 'Must match the seals applied' }),
    f('receiverName', 'Received by', 'text'),
    f('receiverOrganisation', 'Receiving organisation', 'text'),
    f('receiverSignature', 'Receiver signature', 'files'),
  ],
  loading: [],
  resealed: [
    f('sealIds', 'New seal ids', 'list', { help: 'Seals are single-use: none may have been used on this appliance before' }),
    f('sealPhotos', 'Seal photos', 'files'),
    f('manifest', 'Data manifest', 'files', { help: "The customer's manifest of what was loaded" }),
    f('fileCount', 'Files loaded', 'number'),
    f('bytesLoaded', 'Bytes loaded', 'number'),
  ],
  in_transit_back: [
    f('carrier', 'Carrier', 'text'),
    f('trackingNumber', 'Tracking number', 'text'),
    f('sealIds', 'Seal ids handed over', 'list', { help: 'Must match the seals applied at resealing' }),
  ],
  received: [
    f('sealIds', 'Seal ids on receipt', 'list', { help: 'Must match the seals applied at resealing; otherwise record Tamper suspected' }),
    f('sealsIntact', 'Seals intact on inspection', 'confirm'),
    f('sealPhotos', 'Seal photos', 'files'),
    f('receiverName', 'Received by', 'text'),
    f('receiverSignature', 'Receiver signature', 'files'),
  ],
  ingesting: [f('manifestSha256', 'Manifest SHA-256', 'sha256', { help: 'Must equal the manifest recorded at resealing' })],
  ingested: [
    f('manifestSha256', 'Manifest SHA-256', 'sha256'),
    f('hashesVerified', 'Every file hash matched the manifest', 'confirm'),
    f('filesVerified', 'Files verified', 'number'),
    f('bytesVerified', 'Bytes verified', 'number'),
  ],
  sanitising: [f('level', 'NIST SP 800-88 level', 'choice', { options: [...SANITISATION_LEVELS] }), f('method', 'Method', 'choice', { options: [...SANITISATION_METHODS] })],
  sanitised: [
    f('level', 'NIST SP 800-88 level', 'choice', { options: [...SANITISATION_LEVELS] }),
    f('method', 'Method', 'choice', { options: [...SANITISATION_METHODS] }),
    f('methodDetails', 'Method details', 'text', { required: false }),
    f('tool', 'Tool', 'text'),
    f('toolVersion', 'Tool version', 'text'),
    f('verificationMethod', 'Verification method', 'choice', { options: [...VERIFICATION_METHODS] }),
    f('verificationPassed', 'Verification passed', 'confirm'),
    f('performedByName', 'Sanitised by (name)', 'text'),
    f('performedByTitle', 'Sanitised by (title)', 'text'),
    f('validatedByName', 'Validated by (name)', 'text', { help: 'A second person' }),
    f('validatedByTitle', 'Validated by (title)', 'text'),
    f('destination', 'Media destination', 'choice', { options: [...DESTINATIONS] }),
    f('certificateId', 'Certificate number', 'text'),
    f('certificate', 'Signed certificate', 'files'),
  ],
  closed: [f('keyRevocationReference', 'KMS key revocation reference', 'text', { required: false, help: 'Required when closing a lost appliance' })],
  cancelled: [],
  lost: [f('reportReference', 'Carrier claim or police report', 'text')],
  damaged: [f('damageDescription', 'Damage', 'text'), f('photos', 'Photos', 'files')],
  tamper_suspected: [f('observation', 'What was observed', 'text'), f('photos', 'Photos', 'files'), f('sealIdsObserved', 'Seal ids observed', 'list', { required: false })],
  quarantined: [f('quarantineLocation', 'Quarantine location', 'text'), f('investigationReference', 'Investigation reference', 'text')],
};

const TextValue = z.string().trim().min(1).max(1000);
const ListValue = z.array(z.string().trim().min(1).max(120)).min(1).max(16);
const FilesValue = z.array(Sha256HexSchema).min(1).max(16);

function valueSchema(spec: CustodyFieldSpec): z.ZodType {
  switch (spec.kind) {
    case 'text':
      return TextValue;
    case 'number':
      return z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
    case 'sha256':
      return Sha256HexSchema;
    case 'list':
      return ListValue.refine((l) => new Set(l).size === l.length, 'ids must be distinct');
    case 'files':
      return FilesValue;
    case 'choice':
      return z.enum(spec.options as [string, ...string[]]);
    case 'confirm':
      return z.literal(true, `${spec.label} must be confirmed`);
  }
}

const FIELD_SCHEMAS = Object.fromEntries(
  Object.entries(FIELD_SPECS).map(([state, specs]) => [
    state,
    z.strictObject(Object.fromEntries(specs.map((s) => [s.name, s.required ? valueSchema(s) : valueSchema(s).optional()]))),
  ]),
) as unknown as Record<CustodyState, z.ZodType<Record<string, unknown>>>;

/** Why a step was refused; `allowed` is always the legal next states from `from`. */
export interface TransitionRefusal {
  code: 'illegal_transition' | 'missing_evidence' | 'evidence_mismatch' | 'out_of_order';
  reason: string;
  field?: string;
  from: CustodyState | null;
  to: CustodyState;
  allowed: CustodyState[];
}

/** What replaying an appliance's history so far tells the next step. */
export interface ReplayState {
  applianceId: string;
  appliance: ApplianceSnapshot;
  jobId: string;
  state: CustodyState;
  seq: number;
  lastAt: string;
  lastHash: string;
  seals: string[];
  usedSeals: Set<string>;
  manifest: { sha256: string; fileCount: number; bytes: number } | null;
  sanitising: { level: string; method: string } | null;
  history: CustodyState[];
}

export function allowedNext(state: CustodyState): CustodyState[] {
  return [...TRANSITIONS[state]];
}

export function nextSteps(state: CustodyState): CustodyNextStep[] {
  return TRANSITIONS[state].map((s) => ({ state: s, exception: EXCEPTIONS.has(s), fields: FIELD_SPECS[s].map((x) => ({ ...x })) }));
}

export function label(s: CustodyState | null): string {
  return s === null ? '(none)' : CUSTODY_STATE_LABELS[s];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Checks one event against the history before it (`prior` is undefined for
 * the first event, which must be the `ordered` registration). Returns the
 * state after the event, or why it is refused.
 */
export function applyEvent(prior: ReplayState | undefined, body: EventBody, eventHash: string): { ok: true; state: ReplayState } | { ok: false; refusal: TransitionRefusal } {
  const from = prior?.state ?? null;
  const refuse = (code: TransitionRefusal['code'], reason: string, field?: string) => ({
    ok: false as const,
    refusal: { code, reason, from, to: body.to, allowed: from === null ? (['ordered'] as CustodyState[]) : allowedNext(from), ...(field ? { field } : {}) },
  });

  if (!prior) {
    if (body.to !== 'ordered' || body.from !== null || body.seq !== 0 || body.prev !== null) {
      return refuse('illegal_transition', 'the first event of an appliance must be its registration: from nothing to Ordered, seq 0, no previous event');
    }
    if (!body.appliance) return refuse('missing_evidence', 'the registration event must carry the appliance record', 'appliance');
    return {
      ok: true,
      state: {
        applianceId: body.applianceId,
        appliance: body.appliance,
        jobId: body.jobId,
        state: 'ordered',
        seq: 0,
        lastAt: body.at,
        lastHash: eventHash,
        seals: [],
        usedSeals: new Set(),
        manifest: null,
        sanitising: null,
        history: ['ordered'],
      },
    };
  }

  if (body.applianceId !== prior.applianceId) return refuse('out_of_order', `event is for appliance ${body.applianceId}, not ${prior.applianceId}`);
  if (body.jobId !== prior.jobId) return refuse('evidence_mismatch', `event names job ${body.jobId}; the appliance belongs to job ${prior.jobId}`, 'jobId');
  if (body.seq !== prior.seq + 1) return refuse('out_of_order', `event seq ${body.seq} does not follow ${prior.seq}`);
  if (body.prev !== prior.lastHash) return refuse('out_of_order', `event ${body.seq} does not chain to the previous event's hash`);
  if (body.from !== prior.state) return refuse('out_of_order', `event ${body.seq} claims to leave ${label(body.from)} but the appliance is ${label(prior.state)}`);
  if (body.at < prior.lastAt) return refuse('out_of_order', `event ${body.seq} is dated ${body.at}, before the previous event (${prior.lastAt})`);
  if (body.appliance) return refuse('evidence_mismatch', 'only the registration event carries the appliance record', 'appliance');
  if (!TRANSITIONS[prior.state].includes(body.to)) {
    const allowed = allowedNext(prior.state);
    return refuse(
      'illegal_transition',
      `${label(prior.state)} → ${label(body.to)} is not allowed; ${allowed.length ? `from ${label(prior.state)} the next state is one of: ${allowed.map(label).join(', ')}` : `${label(prior.state)} is final`}`,
      'to',
    );
  }

  const parsed = checkFields(body.to, body.fields);
  if (!parsed.ok) return refuse('missing_evidence', parsed.reason, parsed.field);
  const v = parsed.value;
  const next: ReplayState = { ...prior, state: body.to, seq: body.seq, lastAt: body.at, lastHash: eventHash, usedSeals: new Set(prior.usedSeals), history: [...prior.history, body.to] };
  const a = prior.appliance;
  const mismatch = (field: string, reason: string) => refuse('evidence_mismatch', reason, `fields.${field}`);

  switch (body.to) {
    case 'ready':
      if (v.firmwareVersion !== a.firmwareVersion) return mismatch('firmwareVersion', `attested firmware ${String(v.firmwareVersion)} is not the registered ${a.firmwareVersion}`);
      if (v.securityModuleId !== a.securityModuleId) return mismatch('securityModuleId', `security module ${String(v.securityModuleId)} is not the registered ${a.securityModuleId}`);
      if (v.keyId !== a.encryptionKeyId) return mismatch('keyId', `injected key ${String(v.keyId)} is not the registered key ${a.encryptionKeyId}`);
      break;
    case 'sealed':
    case 'resealed': {
      const ids = v.sealIds as string[];
      const reused = ids.filter((s) => prior.usedSeals.has(s));
      if (reused.length) return mismatch('sealIds', `seal${reused.length > 1 ? 's' : ''} ${reused.join(', ')} already used on this appliance; seals are single-use`);
      next.seals = [...ids];
      for (const s of ids) next.usedSeals.add(s);
      if (body.to === 'resealed') {
        if ((v.manifest as string[]).length !== 1) return mismatch('manifest', 'give exactly one manifest file');
        next.manifest = { sha256: (v.manifest as string[])[0] as string, fileCount: v.fileCount as number, bytes: v.bytesLoaded as number };
      }
      break;
    }
    case 'in_transit_to_customer':
    case 'delivered':
    case 'in_transit_back':
    case 'received':
      if (!sameSet(v.sealIds as string[], prior.seals)) {
        const hint = body.to === 'received' || body.to === 'delivered' ? '; if they differ, record Tamper suspected instead' : '';
        return mismatch('sealIds', `seal ids ${(v.sealIds as string[]).join(', ')} do not match the seals applied (${prior.seals.join(', ') || 'none'})${hint}`);
      }
      break;
    case 'ingesting':
    case 'ingested':
      if (!prior.manifest) return refuse('evidence_mismatch', 'no manifest was recorded at resealing', 'fields.manifestSha256');
      if (v.manifestSha256 !== prior.manifest.sha256) return mismatch('manifestSha256', `manifest ${String(v.manifestSha256).slice(0, 12)}… is not the one recorded at resealing (${prior.manifest.sha256.slice(0, 12)}…)`);
      if (body.to === 'ingested') {
        if (v.filesVerified !== prior.manifest.fileCount) return mismatch('filesVerified', `${String(v.filesVerified)} files verified, the manifest lists ${prior.manifest.fileCount}`);
        if (v.bytesVerified !== prior.manifest.bytes) return mismatch('bytesVerified', `${String(v.bytesVerified)} bytes verified, ${prior.manifest.bytes} were loaded`);
      }
      break;
    case 'sanitising':
      next.sanitising = { level: v.level as string, method: v.method as string };
      if (v.level === 'destroy' && !['shred', 'disintegrate', 'pulverize', 'incinerate', 'melt'].includes(v.method as string)) {
        return mismatch('method', `${String(v.method)} does not destroy media; Destroy means shred, disintegrate, pulverize, incinerate or melt`);
      }
      break;
    case 'sanitised':
      if (!prior.sanitising) return refuse('evidence_mismatch', 'sanitising was never started', 'fields.level');
      if (v.level !== prior.sanitising.level) return mismatch('level', `the certificate says ${String(v.level)}, sanitising started as ${prior.sanitising.level}`);
      if (v.method !== prior.sanitising.method) return mismatch('method', `the certificate says ${String(v.method)}, sanitising started with ${prior.sanitising.method}`);
      if (String(v.validatedByName).toLowerCase() === String(v.performedByName).toLowerCase()) return mismatch('validatedByName', 'validation must be done by a second person');
      if (v.level === 'destroy' && (v.destination === 'internal_reuse' || v.destination === 'external_reuse')) return mismatch('destination', 'destroyed media cannot be reused');
      break;
    case 'closed':
      if (prior.state === 'lost' && !v.keyRevocationReference) return refuse('missing_evidence', 'closing a lost appliance needs the KMS key revocation reference', 'fields.keyRevocationReference');
      break;
    default:
      break;
  }
  return { ok: true, state: next };
}

/**
 * The evidence a step to `to` needs, checked without history (the field log
 * records offline with this; the history checks run when it is merged).
 */
export function checkFields(to: CustodyState, fields: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string; field: string } {
  const parsed = FIELD_SCHEMAS[to].safeParse(fields);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const name = issue?.path.map(String).join('.') ?? '';
  const spec = FIELD_SPECS[to].find((s) => s.name === issue?.path[0]);
  const what = issue?.code === 'unrecognized_keys' ? `unknown field(s) ${(issue as { keys?: string[] }).keys?.join(', ')}` : `${spec?.label ?? name}: ${issue?.message}`;
  return { ok: false, reason: `${label(to)} needs ${what}`, field: name ? `fields.${name}` : 'fields' };
}

/** Replays a whole history; the first refusal stops it. */
export function replay(events: readonly { body: EventBody; hash: string }[]): { ok: true; state: ReplayState | undefined } | { ok: false; index: number; refusal: TransitionRefusal } {
  let st: ReplayState | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as { body: EventBody; hash: string };
    const r = applyEvent(st, e.body, e.hash);
    if (!r.ok) return { ok: false, index: i, refusal: r.refusal };
    st = r.state;
  }
  return { ok: true, state: st };
}
