/**
 * Which hosts count as attested, for placing confidential guests: a host's
 * attestation is the newest result among the confidential guests the fleet
 * cache has on it now (an SEV-SNP report or TDX quote proves the platform
 * the guest runs on), the rule the capacity model uses too. Attested means
 * that result is `accept` and at most STALE_AFTER_SECONDS old; a TDX quote
 * verified without collateral ("signature and chain only") does not count,
 * since the platform's TCB status is unknown. Implements orchestration's
 * `AttestedHosts` port; every refusal names the host, the verdict and its age.
 */
import type { AttestedHosts, HostAttestationCheck, HostRef } from '../orchestration';
import type { Db } from '../store/database';
import { STALE_AFTER_SECONDS } from './attestation-service';

interface NewestRow {
  id: number;
  verdict: string;
  at: string;
  guest_name: string | null;
  vmid: number;
}

export class FleetAttestedHosts implements AttestedHosts {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
    private readonly maxAgeSeconds = STALE_AFTER_SECONDS,
  ) {}

  check(host: HostRef): HostAttestationCheck {
    const r = this.db
      .prepare(
        `SELECT r.id, r.verdict, r.at, r.guest_name, r.vmid
         FROM attestation_results r JOIN fleet_guests g ON g.cluster_id = r.cluster_id AND g.vmid = r.vmid
         WHERE r.id IN (SELECT MAX(id) FROM attestation_results WHERE cluster_id = ? GROUP BY vmid)
           AND g.cluster_id = ? AND g.node = ? AND g.template = 0 AND (';' || g.tags || ';') LIKE '%;confidential;%'
         ORDER BY r.at DESC, r.id DESC LIMIT 1`,
      )
      .get(host.clusterId, host.clusterId, host.node) as NewestRow | undefined;
    if (!r) {
      return {
        ok: false,
        reason: `${host.node} has no attestation result: attest a confidential guest running on it first`,
        details: { host: host.node, verdict: 'none', ageSeconds: -1, resultId: 0 },
      };
    }
    const ageSeconds = Math.max(0, Math.round((this.now().getTime() - Date.parse(r.at)) / 1000));
    const age = formatAge(ageSeconds);
    const which = `the newest attestation of ${host.node} (result ${r.id}, guest ${r.guest_name || r.vmid})`;
    const details = { host: host.node, verdict: r.verdict, ageSeconds, resultId: r.id };
    if (r.verdict === 'accept' && ageSeconds <= this.maxAgeSeconds) return { ok: true, by: `${which} was accepted ${age} ago` };
    if (r.verdict === 'accept') return { ok: false, reason: `${which} was accepted ${age} ago, older than the ${formatAge(this.maxAgeSeconds)} limit`, details };
    if (r.verdict === 'accept-signature-and-chain') {
      return { ok: false, reason: `${which} verified signature and chain only (no TDX collateral: TCB status unknown), ${age} ago`, details };
    }
    return { ok: false, reason: `${which} was rejected ${age} ago`, details };
  }
}

export function formatAge(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}
