/**
 * Demo custody data: when the custody tables are empty and the app runs on
 * the demo fleet, two jobs and four appliances at different points of their
 * lifecycle are recorded through the real record path (state machine,
 * operator signature, Merkle log, checkpoints), backdated over the last
 * three weeks so the timeline reads like one.
 */
import type { CustodyState } from '../../src-preload/contract';
import { custodyActionFor, type CustodyActor } from './permissions';
import { sampleFields, sampleRole } from './samples';
import type { CustodyService } from './service';

const HOUR = 3_600_000;

const OPERATORS: Record<string, string> = {
  hub_technician: 'Lena Vogt',
  logistics_coordinator: 'Arnaud Petit',
  customer_representative: 'Ines Duarte',
  ingest_engineer: 'Jonas Weber',
  sanitisation_officer: 'Mara Lindqvist',
  security_officer: 'Tomasz Nowak',
};

const SITES: Partial<Record<CustodyState, string>> = {
  delivered: 'Customer site, Porto',
  loading: 'Customer site, Porto',
  resealed: 'Customer site, Porto',
  in_transit_to_customer: 'Carrier depot, Frankfurt',
  in_transit_back: 'Carrier depot, Lisbon',
};

/** Demo steps are recorded as a Field engineer, certificates and closures as an Operator (permissions.ts). */
const demoActor = (to: CustodyState, name: string): CustodyActor => ({
  id: name.toLowerCase().replace(/[^a-z]+/g, '.'),
  role: custodyActionFor(to) === 'custody.certify' ? 'operator' : 'field_engineer',
});

export async function seedDemoCustody(custody: CustodyService, now: Date = new Date()): Promise<number> {
  if (!custody.isEmpty()) return 0;
  const importJob = custody.createJob({
    customer: 'Atlântico Seguros',
    tenant: 'atlantico-prod',
    direction: 'import',
    dataVolumeBytes: 180 * 10 ** 12,
    originSite: 'Customer site, Porto',
    destinationSite: 'fra-dc-1',
    reference: 'BDT-2025-0042',
  });
  const exportJob = custody.createJob({
    customer: 'Nordlys Energi',
    tenant: 'nordlys',
    direction: 'export',
    dataVolumeBytes: 64 * 10 ** 12,
    originSite: 'fra-dc-1',
    destinationSite: 'Customer site, Bergen',
    reference: 'BDT-2025-0051',
  });
  const plan: { serial: string; job: string; path: CustodyState[] }[] = [
    { serial: 'CBX-120-00017', job: importJob.id, path: ['provisioning', 'ready'] },
    { serial: 'CBX-120-00023', job: importJob.id, path: ['provisioning', 'ready', 'sealed', 'in_transit_to_customer', 'delivered'] },
    { serial: 'CBX-120-00031', job: importJob.id, path: ['provisioning', 'ready', 'sealed', 'in_transit_to_customer', 'delivered', 'loading', 'resealed', 'in_transit_back'] },
    {
      serial: 'CBX-240-00002',
      job: exportJob.id,
      path: ['provisioning', 'ready', 'sealed', 'in_transit_to_customer', 'delivered', 'loading', 'resealed', 'in_transit_back', 'received', 'ingesting', 'ingested', 'sanitising', 'sanitised'],
    },
  ];
  let t = now.getTime() - 21 * 24 * HOUR;
  let n = 0;
  for (const [i, p] of plan.entries()) {
    t += 5 * HOUR;
    const d = await custody.registerAppliance(
      {
        jobId: p.job,
        serial: p.serial,
        model: p.serial.startsWith('CBX-240') ? 'Cairn BoxX 240 (hybrid)' : 'Cairn BoxX 120 (SSD)',
        capacityBytes: (p.serial.startsWith('CBX-240') ? 240 : 120) * 10 ** 12,
        firmwareVersion: '3.2.7',
        securityModuleId: `HSM-${p.serial.slice(-5)}`,
        encryptionKeyId: `cmk-${p.serial.slice(-5)}-v1`,
        kmsKeyRef: `kms://eu-central/keyrings/bdt/keys/cmk-${p.serial.slice(-5)}`,
        operator: { name: OPERATORS.logistics_coordinator as string, role: 'logistics_coordinator' },
        site: { name: 'Distribution hub, Frankfurt' },
        reason: `Appliance ${i + 1} of the order`,
      },
      { at: new Date(t), actor: demoActor('ordered', OPERATORS.logistics_coordinator as string) },
    );
    n++;
    for (const to of p.path) {
      t += (3 + ((n * 7) % 11)) * HOUR;
      const st = custody.replayed(d.appliance.id);
      const role = sampleRole(to);
      await custody.record(
        {
          applianceId: d.appliance.id,
          expectedSeq: st.seq,
          to,
          operator: { name: OPERATORS[role] ?? 'Operator', role },
          site: { name: SITES[to] ?? 'Distribution hub, Frankfurt', ...(to === 'delivered' ? { gps: { lat: 41.1496, lon: -8.611 } } : {}) },
          reason: `Demo: ${to.replace(/_/g, ' ')}`,
          fields: sampleFields(to, st),
          attachments: [],
        },
        { at: new Date(t), actor: demoActor(to, OPERATORS[role] ?? 'Operator') },
      );
      n++;
    }
  }
  return n;
}
