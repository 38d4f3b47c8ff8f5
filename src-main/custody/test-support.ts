/** Shared by the custody tests: a service on a fresh in-memory database with a ticking clock. */
import type { CustodyState } from '../../src-preload/contract';
import { MemorySecretStore } from '../secrets';
import { openDatabase, type Db } from '../store/database';
import { custodyActionFor, type CustodyActor } from './permissions';
import { sampleFields, sampleRole } from './samples';
import { CustodyService } from './service';

export function makeService(opts: { secrets?: MemorySecretStore; file?: string; start?: string; writerThreadMin?: number } = {}): { db: Db; secrets: MemorySecretStore; svc: CustodyService } {
  const db = openDatabase(opts.file ?? ':memory:');
  const secrets = opts.secrets ?? new MemorySecretStore();
  let t = Date.parse(opts.start ?? '2025-03-01T08:00:00.000Z');
  const clock = () => new Date((t += 60_000));
  const svc = new CustodyService({ db, secrets, clock, user: 'tester', ...(opts.writerThreadMin === undefined ? {} : { writerThreadMin: opts.writerThreadMin }) });
  return { db, secrets, svc };
}

export function sampleJob(svc: CustodyService) {
  return svc.createJob({
    customer: 'Example Reinsurance',
    tenant: 'example-re',
    direction: 'import',
    dataVolumeBytes: 10 ** 12,
    originSite: 'Customer, Lyon',
    destinationSite: 'fra-dc-1',
  });
}

/** The least role that may record a step to `to`: a Field engineer, or an Operator for certificates and closures. */
export function actorFor(to: CustodyState, id = 'tester'): CustodyActor {
  return { id, role: custodyActionFor(to) === 'custody.certify' ? 'operator' : 'field_engineer' };
}

let serial = 0;
export async function registerSample(svc: CustodyService, jobId?: string) {
  const job = jobId ?? sampleJob(svc).id;
  serial++;
  return svc.registerAppliance({
    jobId: job,
    serial: `SN-${serial}`,
    model: 'BoxX 120',
    capacityBytes: 120 * 10 ** 12,
    firmwareVersion: '3.2.7',
    securityModuleId: `HSM-${serial}`,
    encryptionKeyId: `cmk-${serial}`,
    kmsKeyRef: `kms://eu/keys/cmk-${serial}`,
    operator: { name: 'Lena Vogt', role: 'logistics_coordinator' },
    site: { name: 'Hub, Frankfurt' },
    reason: 'order received',
  }, { actor: actorFor('ordered') });
}

/** Records `path` (each must be legal in turn) with sample evidence. */
export async function walk(svc: CustodyService, applianceId: string, path: readonly CustodyState[]) {
  for (const to of path) {
    const st = svc.replayed(applianceId);
    await svc.record({
      applianceId,
      expectedSeq: st.seq,
      to,
      operator: { name: 'Op', role: sampleRole(to) },
      site: { name: 'Hub, Frankfurt', gps: { lat: 50.1109, lon: 8.6821 } },
      reason: `step to ${to}`,
      fields: sampleFields(to, st),
      attachments: [],
    }, { actor: actorFor(to) });
  }
  return svc.detail(applianceId);
}

export const HAPPY_PATH: CustodyState[] = [
  'provisioning',
  'ready',
  'sealed',
  'in_transit_to_customer',
  'delivered',
  'loading',
  'resealed',
  'in_transit_back',
  'received',
  'ingesting',
  'ingested',
  'sanitising',
  'sanitised',
  'closed',
];
