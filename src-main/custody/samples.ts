/**
 * Evidence that satisfies the state machine for any legal step, given the
 * history so far: the demo seeds appliances with it and the property tests
 * walk random legal paths with it. Hashes are derived from a label, so the
 * same walk gives the same evidence.
 */
import type { CustodyFields, CustodyRoleSchema, CustodyState } from '../../src-preload/contract';
import type { z } from 'zod';
import { sha256Hex } from './event';
import type { ReplayState } from './machine';

type Role = z.infer<typeof CustodyRoleSchema>;

const h = (label: string) => sha256Hex(label);

export function sampleFields(to: CustodyState, st: ReplayState, tag = `${st.applianceId}/${st.seq + 1}`): CustodyFields {
  const a = st.appliance;
  const seals = (n: number) => Array.from({ length: n }, (_, i) => `SEAL-${tag.replace(/[^A-Za-z0-9]/g, '').slice(-10).toUpperCase()}-${i + 1}`);
  switch (to) {
    case 'provisioning':
      return { workOrder: `WO-${tag}` };
    case 'ready':
      return {
        firmwareVersion: a.firmwareVersion,
        firmwareSha256: h(`firmware ${a.firmwareVersion}`),
        secureBootAttested: true,
        attestationReport: [h(`attestation ${tag}`)],
        securityModuleId: a.securityModuleId,
        keyId: a.encryptionKeyId,
        keyInjected: true,
      };
    case 'sealed':
    case 'resealed':
      return {
        sealIds: seals(2),
        sealPhotos: [h(`seal photo 1 ${tag}`), h(`seal photo 2 ${tag}`)],
        ...(to === 'resealed' ? { manifest: [h(`manifest ${st.applianceId}`)], fileCount: 182_311, bytesLoaded: 61_512_004_321_280 } : {}),
      };
    case 'in_transit_to_customer':
    case 'in_transit_back':
      return { carrier: 'Securicor Logistics', trackingNumber: `SL${tag.replace(/[^0-9a-f]/g, '').slice(-8).toUpperCase()}`, sealIds: [...st.seals] };
    case 'delivered':
      return { sealIds: [...st.seals], receiverName: 'Ines Duarte', receiverOrganisation: 'Customer data centre', receiverSignature: [h(`signature ${tag}`)] };
    case 'received':
      return { sealIds: [...st.seals], sealsIntact: true, sealPhotos: [h(`receipt photo ${tag}`)], receiverName: 'Jonas Weber', receiverSignature: [h(`hub signature ${tag}`)] };
    case 'ingesting':
      return { manifestSha256: st.manifest?.sha256 ?? h('none') };
    case 'ingested':
      return { manifestSha256: st.manifest?.sha256 ?? h('none'), hashesVerified: true, filesVerified: st.manifest?.fileCount ?? 0, bytesVerified: st.manifest?.bytes ?? 0 };
    case 'sanitising':
      return { level: 'purge', method: 'crypto_erase' };
    case 'sanitised':
      return {
        level: st.sanitising?.level ?? 'purge',
        method: st.sanitising?.method ?? 'crypto_erase',
        methodDetails: 'Media encryption key zeroised in the security module, then ATA SANITIZE CRYPTO SCRAMBLE',
        tool: 'cairn-sanitise',
        toolVersion: '2.4.1',
        verificationMethod: 'sampling',
        verificationPassed: true,
        performedByName: 'Mara Lindqvist',
        performedByTitle: 'Sanitisation officer',
        validatedByName: 'Tomasz Nowak',
        validatedByTitle: 'Security officer',
        destination: st.sanitising?.level === 'destroy' ? 'recycling_facility' : 'internal_reuse',
        certificateId: `CERT-${tag}`,
        certificate: [h(`certificate ${tag}`)],
      };
    case 'closed':
      return st.state === 'lost' ? { keyRevocationReference: `kms-revocation-${tag}` } : {};
    case 'lost':
      return { reportReference: `CLAIM-${tag}` };
    case 'damaged':
      return { damageDescription: 'Case cracked at the hinge', photos: [h(`damage ${tag}`)] };
    case 'tamper_suspected':
      return { observation: 'Seal numbers differ from the record', photos: [h(`tamper ${tag}`)] };
    case 'quarantined':
      return { quarantineLocation: 'Hub cage Q2', investigationReference: `INV-${tag}` };
    default:
      return {};
  }
}

export function sampleRole(to: CustodyState): Role {
  switch (to) {
    case 'provisioning':
    case 'ready':
    case 'sealed':
      return 'hub_technician';
    case 'in_transit_to_customer':
    case 'in_transit_back':
    case 'lost':
      return 'logistics_coordinator';
    case 'delivered':
    case 'loading':
    case 'resealed':
      return 'customer_representative';
    case 'received':
    case 'ingesting':
    case 'ingested':
      return 'ingest_engineer';
    case 'sanitising':
    case 'sanitised':
    case 'closed':
      return 'sanitisation_officer';
    default:
      return 'security_officer';
  }
}
