/**
 * The relying party's SEV-SNP policy, evaluated on decoded report fields:
 * debug, migration agent, SMT, VMPL, minimum TCB per component, measurement
 * allow-list, REPORT_DATA nonce binding, ID/author key digests and other
 * exact-match fields. Defaults are the safe ones (no debug, no migration
 * agent); everything else is checked only when configured.
 */
import { fromHex, toHex } from './bytes';
import type { Findings } from './findings';
import type { SnpMinTcb, SnpPolicy, SnpProduct, SnpReportFields, SnpTcb } from './types';

/** Normalises a configured hex value to `bytes` long; shorter REPORT_DATA-style values are zero-padded. */
export function normaliseHex(value: string, bytes: number, padRight = false): string | null {
  const b = fromHex(value);
  if (!b) return null;
  if (b.length === bytes) return toHex(b);
  if (padRight && b.length < bytes) {
    const out = new Uint8Array(bytes);
    out.set(b);
    return toHex(out);
  }
  return null;
}

function allowList(f: Findings, check: string, code: Parameters<Findings['fail']>[0], label: string, actual: string, allowed: string[] | undefined, bytes: number): void {
  if (!allowed || allowed.length === 0) return;
  const norm = allowed.map((a) => normaliseHex(a, bytes));
  if (norm.some((n) => n === null)) {
    f.check(check, false, code, `policy: every allowed ${label} must be ${bytes}-byte hex`);
    return;
  }
  f.check(check, norm.includes(actual), code, `${label} ${actual} is not in the allowed list`);
}

function exact(f: Findings, check: string, label: string, actual: string, expected: string | undefined, bytes: number): void {
  if (expected === undefined) return;
  const norm = normaliseHex(expected, bytes);
  if (norm === null) {
    f.check(check, false, 'policy-field', `policy: expected ${label} must be ${bytes}-byte hex`);
    return;
  }
  f.check(check, norm === actual, 'policy-field', `${label} ${actual} does not equal the expected ${norm}`);
}

const TCB_COMPONENTS = ['bootloader', 'tee', 'snp', 'microcode', 'fmc'] as const;

export function minTcbProblems(tcb: SnpTcb, min: SnpMinTcb, product: SnpProduct | null): string[] {
  if (tcb.layout === 'unknown') return ['REPORTED_TCB cannot be decoded without a product'];
  const out: string[] = [];
  for (const c of TCB_COMPONENTS) {
    const want = min[c];
    if (want === undefined) continue;
    // Milan and Genoa have no FMC component; a Turin-era minimum does not apply to them.
    if (c === 'fmc' && product !== 'Turin') continue;
    const have = tcb[c];
    if (have === undefined || have < want) out.push(`${c} SPL ${have ?? '?'} is below the minimum ${want}`);
  }
  return out;
}

export function evaluateSnpPolicy(fields: SnpReportFields, policy: SnpPolicy, f: Findings, product: SnpProduct | null): void {
  f.check('policy_debug_clear', !fields.policy.debugAllowed || policy.allowDebug === true, 'policy-debug', 'guest POLICY allows debugging (bit 19): the host can read and change guest memory');
  f.check(
    'policy_migration_agent_ok',
    !fields.policy.migrateMaAllowed || policy.allowMigrationAgent === true,
    'policy-migration',
    'guest POLICY allows a migration agent (bit 18), which can export guest memory',
  );
  if (policy.allowSmt === false) {
    f.check('policy_smt_ok', !fields.policy.smtAllowed && !fields.platformInfo.smtEnabled, 'policy-smt', 'SMT is allowed by the guest POLICY or enabled on the platform');
  }
  if (policy.vmpl && policy.vmpl.length > 0) {
    f.check('policy_vmpl_ok', policy.vmpl.includes(fields.vmpl), 'policy-vmpl', `VMPL ${fields.vmpl} is not one of ${policy.vmpl.join(', ')}`);
  }
  if (policy.minTcb) {
    const problems = minTcbProblems(fields.reportedTcb, policy.minTcb, product);
    f.check('policy_min_tcb', problems.length === 0, 'policy-tcb', `REPORTED_TCB below policy: ${problems.join('; ')}`);
  }
  allowList(f, 'policy_measurement_allowed', 'policy-measurement', 'MEASUREMENT', fields.measurement, policy.measurements, 48);
  if (policy.reportData !== undefined) {
    const want = normaliseHex(policy.reportData, 64, true);
    if (want === null) f.check('policy_report_data', false, 'policy-report-data', 'policy: expected REPORT_DATA must be hex of at most 64 bytes');
    else f.check('policy_report_data', want === fields.reportData, 'policy-report-data', 'REPORT_DATA does not equal the expected value (nonce binding failed)');
  }
  allowList(f, 'policy_id_key_digest', 'policy-key-digest', 'ID_KEY_DIGEST', fields.idKeyDigest, policy.idKeyDigests, 48);
  if (policy.authorKeyDigests && policy.authorKeyDigests.length > 0) {
    if (!fields.keyInfo.authorKeyEn) f.check('policy_author_key_digest', false, 'policy-key-digest', 'an author key is required but AUTHOR_KEY_EN is clear');
    else allowList(f, 'policy_author_key_digest', 'policy-key-digest', 'AUTHOR_KEY_DIGEST', fields.authorKeyDigest, policy.authorKeyDigests, 48);
  }
  exact(f, 'policy_host_data', 'HOST_DATA', fields.hostData, policy.hostData, 32);
  exact(f, 'policy_family_id', 'FAMILY_ID', fields.familyId, policy.familyId, 16);
  exact(f, 'policy_image_id', 'IMAGE_ID', fields.imageId, policy.imageId, 16);
  if (policy.minGuestSvn !== undefined) {
    f.check('policy_guest_svn', fields.guestSvn >= policy.minGuestSvn, 'policy-field', `GUEST_SVN ${fields.guestSvn} is below the minimum ${policy.minGuestSvn}`);
  }
  if (policy.requireCommittedTcb) {
    f.check('policy_committed_tcb', fields.committedTcb.raw === fields.currentTcb.raw, 'policy-tcb', 'COMMITTED_TCB differs from CURRENT_TCB (provisional firmware)');
  }
}
