/**
 * Attestation of confidential guests: collect fresh SEV-SNP or TDX evidence
 * over SSH with an operator nonce as REPORT_DATA, verify it offline with the
 * pinned-root verifier under the operator's policy, and append evidence and
 * verdict to the history; remember the SSH target that worked for each
 * guest. Also verifies evidence files an operator brings, and lists every
 * confidential guest of the fleet cache with its last verdict.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type {
  AttestationDetail,
  AttestationList,
  AttestationListQuery,
  AttestationPolicy,
  AttestationPolicyInput,
  AttestationResult,
  AttestTechnology,
  ChainEntry,
  GuestRef,
  MeasurementMatch,
  SavedSshTarget,
  TcbValues,
} from '../../src-preload/contract';
import type { CommandAllowlist, SshService, SshTargetRef } from '../ssh';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { AttestationRepo, type StoredDetail } from './attestation-repo';
import { ChainCache } from './chain-cache';
import { encodeBundle, encodeTdxBundle, parseCollectorOutput, parseTdxCollectorOutput, sha256Hex, type SnpEvidenceFiles } from './evidence-bundle';
import { verifySnpReport } from './snp-verify';
import { SshTargetRepo } from './ssh-target-repo';
import { tdxCollateralFromDir } from './tdx-collateral-dir';
import { decodeTdxQuote, verifyTdxQuote } from './tdx-verify';
import { EMPTY_TRUST, type TrustStore } from './trust-store';
import type { CertSummary, SnpPolicy, SnpReportFields, SnpTcb, SnpVerdict, TdxPolicy, TdxQuoteFields, TdxVerdict } from './types';

export const STALE_AFTER_SECONDS = 24 * 3600;

export interface AttestationServiceOptions {
  db: Db;
  ssh: SshService;
  allowlist: CommandAllowlist;
  /** The allowlisted template that collects evidence (default 'snpguest-report'). */
  collectCommand?: string;
  /** The allowlisted template that collects a TDX quote (default 'tdx-tsm-report'). */
  tdxCollectCommand?: string;
  log: Logger;
  /** Certificates and CRLs the operator imported (ARK/ASK when the guest supplies none). */
  trust?: () => TrustStore;
  operator?: string;
  now?: () => Date;
  /** 64 random bytes per collection; tests substitute their own. */
  nonce?: () => Uint8Array;
  /** Verification time; default now. Tests of archived corpus evidence pin it. */
  verifyAt?: () => Date;
}

type ListQuery = Required<AttestationListQuery>;

interface GuestRow {
  cluster_id: string;
  vmid: number;
  name: string;
  node: string;
  status: string;
  tenant: string | null;
  site: string;
}

export class AttestationService {
  readonly repo: AttestationRepo;
  readonly targets: SshTargetRepo;
  private readonly cache = new ChainCache();
  private readonly operator: string;
  private readonly now: () => Date;

  constructor(private readonly o: AttestationServiceOptions) {
    this.repo = new AttestationRepo(o.db);
    this.targets = new SshTargetRepo(o.db);
    this.operator = o.operator ?? safeUser();
    this.now = o.now ?? (() => new Date());
  }

  policy(): AttestationPolicy {
    return this.repo.policy();
  }

  setPolicy(input: AttestationPolicyInput): AttestationPolicy {
    const measurements = [...new Set((input.measurements ?? []).map((m) => m.toLowerCase()))];
    const p = this.repo.addPolicy({ minTcb: input.minTcb ?? {}, measurements, allowDebug: input.allowDebug ?? false }, this.operator, this.now().toISOString());
    this.o.log.info('attestation policy changed', { version: p.version, minTcb: p.minTcb, measurements: p.measurements.length, allowDebug: p.allowDebug });
    return p;
  }

  list(query: ListQuery): AttestationList {
    const policy = this.repo.policy();
    const guests = this.o.db
      .prepare(
        `SELECT g.cluster_id, g.vmid, g.name, g.node, g.status, g.tenant, s.name AS site
         FROM fleet_guests g JOIN fleet_clusters c ON c.id = g.cluster_id JOIN fleet_sites s ON s.id = c.site_id
         WHERE g.template = 0 AND (';' || g.tags || ';') LIKE '%;confidential;%'
         ORDER BY g.name, g.cluster_id, g.vmid`,
      )
      .all() as GuestRow[];
    const latest = this.repo.latestByGuest();
    const nowMs = this.now().getTime();
    const q = query.query.trim().toLowerCase();
    const rows = [];
    for (const g of guests) {
      const last = latest.get(`${g.cluster_id}/${g.vmid}`) ?? null;
      const ageSeconds = last ? Math.max(0, Math.round((nowMs - Date.parse(last.at)) / 1000)) : null;
      const stale = ageSeconds === null || ageSeconds > STALE_AFTER_SECONDS;
      const row = {
        guest: { clusterId: g.cluster_id, vmid: g.vmid, name: g.name },
        node: g.node,
        site: g.site,
        status: g.status,
        tenant: g.tenant,
        last,
        ageSeconds,
        measurementMatch: measurementMatch(last, policy),
        stale,
      };
      if (q && ![g.name, g.node, g.site, String(g.vmid), g.tenant ?? '', last?.measurement ?? ''].some((s) => s.toLowerCase().includes(q))) continue;
      if (query.filter === 'accept' && last?.verdict !== 'accept') continue;
      if (query.filter === 'reject' && last?.verdict !== 'reject') continue;
      if (query.filter === 'never' && last !== null) continue;
      if (query.filter === 'stale' && !stale) continue;
      rows.push(row);
    }
    return { rows: rows.slice(query.offset, query.offset + query.limit), matched: rows.length, total: guests.length, policy, staleAfterSeconds: STALE_AFTER_SECONDS };
  }

  detail(q: { resultId?: number | undefined; clusterId?: string | undefined; vmid?: number | undefined }): AttestationDetail {
    let result: AttestationResult | null;
    let guest: GuestRef | null;
    if (q.resultId !== undefined) {
      result = this.repo.result(q.resultId);
      if (!result) throw new AppException('not_found', `No attestation result ${q.resultId}`, { field: 'resultId' });
      guest = result.guest;
    } else {
      const history = this.repo.history(q.clusterId as string, q.vmid as number, 1);
      result = history[0] ?? null;
      const row = this.o.db.prepare('SELECT name FROM fleet_guests WHERE cluster_id = ? AND vmid = ?').get(q.clusterId, q.vmid) as { name: string } | undefined;
      if (!result && !row) throw new AppException('not_found', `No guest ${q.vmid} in cluster ${q.clusterId}`, { field: 'vmid' });
      guest = { clusterId: q.clusterId as string, vmid: q.vmid as number, name: row?.name ?? result?.guest?.name ?? '' };
    }
    const stored = result ? this.repo.detailOf(result.id) : null;
    const history = guest ? this.repo.history(guest.clusterId, guest.vmid) : result ? [result] : [];
    return { guest, result, fields: stored?.fields ?? [], checks: stored?.checks ?? {}, chain: stored?.chain ?? [], history };
  }

  /**
   * Collect over SSH (pinned host, allowlisted command, keychain key), verify, append; then
   * remember the target for the guest, since it just worked (whatever the verdict).
   */
  async attestNow(req: { guest: GuestRef; target: SshTargetRef; keyName: string; technology?: AttestTechnology | undefined }): Promise<AttestationResult> {
    const technology = req.technology ?? this.targets.get(req.guest.clusterId, req.guest.vmid)?.technology ?? 'sev-snp';
    const nonce = Buffer.from((this.o.nonce ?? (() => randomBytes(64)))());
    if (nonce.length !== 64) throw new Error('nonce source must give 64 bytes');
    const nonceHex = nonce.toString('hex');
    const commandId = technology === 'tdx' ? (this.o.tdxCollectCommand ?? 'tdx-tsm-report') : (this.o.collectCommand ?? 'snpguest-report');
    const command = this.o.allowlist.build(commandId, { nonceHex });
    const out = await this.o.ssh.exec(req.target, req.keyName, command);
    if (out.code !== 0) {
      const why = out.stderr.split('\n').find((l) => l.trim())?.slice(0, 300) ?? 'no message';
      throw new AppException('upstream', `The evidence collector exited with ${out.code ?? 'a signal'}: ${why}`, { details: { exitCode: out.code ?? -1 } });
    }
    const ctx = { guest: req.guest, host: `${req.target.host}:${req.target.port}`, source: 'ssh' as const, reportData: nonceHex, nonce: nonceHex };
    const result = technology === 'tdx' ? this.verifyTdxAndStore(parseTdxCollectorOutput(out.stdout), ctx) : this.verifyAndStore(parseCollectorOutput(out.stdout), ctx);
    this.targets.save({ guest: req.guest, ...req.target, keyName: req.keyName, technology, updatedAt: this.now().toISOString() });
    return result;
  }

  /** The SSH target remembered for a guest, or null. */
  target(clusterId: string, vmid: number): SavedSshTarget | null {
    return this.targets.get(clusterId, vmid);
  }

  /** The operator edits the remembered target without attesting; the key must be one the keychain index knows. */
  saveTarget(req: { guest: GuestRef; target: SshTargetRef; keyName: string; technology: AttestTechnology }): SavedSshTarget {
    if (!this.o.ssh.repo.key(req.keyName)) throw new AppException('not_found', `No SSH key named ${req.keyName}`, { field: 'keyName' });
    const saved = this.targets.save({ guest: req.guest, ...req.target, keyName: req.keyName, technology: req.technology, updatedAt: this.now().toISOString() });
    this.o.log.info('attestation ssh target saved', { guest: `${req.guest.clusterId}/${req.guest.vmid}`, host: saved.host, port: saved.port, user: saved.user, keyName: saved.keyName, technology: saved.technology });
    return saved;
  }

  forgetTarget(clusterId: string, vmid: number): { forgotten: boolean } {
    const forgotten = this.targets.forget(clusterId, vmid);
    if (forgotten) this.o.log.info('attestation ssh target forgotten', { guest: `${clusterId}/${vmid}` });
    return { forgotten };
  }

  verifyFiles(req: { report: string; vek: string; ark?: string | undefined; ask?: string | undefined; reportData?: string | undefined; at?: string | undefined; guest?: GuestRef | undefined }): AttestationResult {
    const files: SnpEvidenceFiles = { report: Buffer.from(req.report, 'base64'), vek: Buffer.from(req.vek, 'base64') };
    if (req.ark) files.ark = Buffer.from(req.ark, 'base64');
    if (req.ask) files.ask = Buffer.from(req.ask, 'base64');
    return this.verifyAndStore(files, {
      guest: req.guest ?? null,
      host: null,
      source: 'files',
      ...(req.reportData ? { reportData: req.reportData } : {}),
      nonce: null,
      ...(req.at ? { at: new Date(req.at) } : {}),
    });
  }

  private verifyAndStore(
    files: SnpEvidenceFiles,
    ctx: { guest: GuestRef | null; host: string | null; source: 'ssh' | 'files'; reportData?: string; nonce: string | null; at?: Date },
  ): AttestationResult {
    const policy = this.repo.policy();
    const snpPolicy: SnpPolicy = { allowDebug: policy.allowDebug, minTcb: policy.minTcb };
    if (policy.measurements.length) snpPolicy.measurements = policy.measurements;
    if (ctx.reportData) snpPolicy.reportData = ctx.reportData;
    const verifyAt = ctx.at ?? this.o.verifyAt?.() ?? this.now();
    const verdict = verifySnpReport(
      { report: files.report, vek: files.vek, ...(files.ark ? { ark: files.ark } : {}), ...(files.ask ? { intermediate: files.ask } : {}) },
      { at: verifyAt, policy: snpPolicy, cache: this.cache, trust: this.o.trust?.() ?? EMPTY_TRUST },
    );
    const bundle = encodeBundle(files);
    const stored = this.repo.insert({
      guest: ctx.guest,
      host: ctx.host,
      source: ctx.source,
      at: this.now().toISOString(),
      operator: this.operator,
      verdict: verdict.verdict,
      reasons: verdict.reasons.map((r) => ({ code: r.code, message: r.message })),
      product: verdict.product,
      measurement: verdict.fields?.measurement ?? null,
      tcb: verdict.tcb ? tcbValues(verdict.tcb.reported) : null,
      policyVersion: policy.version,
      nonce: ctx.nonce,
      verifiedAt: verdict.at || verifyAt.toISOString(),
      detail: detailOf(verdict),
      evidence: bundle,
      evidenceSha256: sha256Hex(bundle),
    });
    this.o.log.info('attestation verdict recorded', {
      id: stored.id,
      guest: ctx.guest ? `${ctx.guest.clusterId}/${ctx.guest.vmid}` : null,
      source: ctx.source,
      verdict: stored.verdict,
      reasons: stored.reasons.map((r) => r.code),
    });
    return stored;
  }

  /**
   * Verifies a TDX quote under the policy (nonce as REPORTDATA, debug, MRTD against the
   * measurement allow-list) with the collateral for its FMSPC from the trust folder when there
   * is one — otherwise the best verdict is "signature and chain only" — and appends it.
   */
  private verifyTdxAndStore(quote: Buffer, ctx: { guest: GuestRef | null; host: string | null; source: 'ssh' | 'files'; reportData?: string; nonce: string | null }): AttestationResult {
    const policy = this.repo.policy();
    const tdxPolicy: TdxPolicy = { allowDebug: policy.allowDebug };
    if (policy.measurements.length) tdxPolicy.mrTd = policy.measurements;
    if (ctx.reportData) tdxPolicy.reportData = ctx.reportData;
    const trust = this.o.trust?.() ?? EMPTY_TRUST;
    let fmspc: string | null = null;
    try {
      fmspc = decodeTdxQuote(quote).pck?.fmspc ?? null;
    } catch {
      // A malformed quote: the verifier says why.
    }
    const found = tdxCollateralFromDir(trust.dir, fmspc);
    const verifyAt = this.o.verifyAt?.() ?? this.now();
    const verdict = verifyTdxQuote(quote, { at: verifyAt, policy: tdxPolicy, cache: this.cache, trust, ...(found.collateral ? { collateral: found.collateral } : {}) });
    const bundle = encodeTdxBundle(quote);
    const stored = this.repo.insert({
      guest: ctx.guest,
      host: ctx.host,
      source: ctx.source,
      at: this.now().toISOString(),
      operator: this.operator,
      verdict: verdict.verdict,
      reasons: verdict.reasons.map((r) => ({ code: r.code, message: r.message })),
      product: verdict.product ?? 'TDX',
      measurement: verdict.fields?.body.mrTd ?? null,
      tcb: null,
      policyVersion: policy.version,
      nonce: ctx.nonce,
      verifiedAt: verdict.at || verifyAt.toISOString(),
      detail: tdxDetailOf(verdict, found.note),
      evidence: bundle,
      evidenceSha256: sha256Hex(bundle),
    });
    this.o.log.info('attestation verdict recorded', {
      id: stored.id,
      guest: ctx.guest ? `${ctx.guest.clusterId}/${ctx.guest.vmid}` : null,
      source: ctx.source,
      kind: 'tdx',
      verdict: stored.verdict,
      reasons: stored.reasons.map((r) => r.code),
      collateral: found.collateral ? 'trust folder' : found.note,
    });
    return stored;
  }
}

function safeUser(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

function measurementMatch(last: AttestationResult | null, policy: AttestationPolicy): MeasurementMatch {
  if (policy.measurements.length === 0) return 'any';
  if (!last?.measurement) return 'unknown';
  return policy.measurements.includes(last.measurement.toLowerCase()) ? 'match' : 'mismatch';
}

function tcbValues(t: SnpTcb): TcbValues {
  return { bootloader: t.bootloader ?? null, tee: t.tee ?? null, snp: t.snp ?? null, microcode: t.microcode ?? null, fmc: t.fmc ?? null };
}

export function formatTcb(t: SnpTcb): string {
  if (t.layout === 'unknown') return `raw ${t.raw}`;
  const parts = [`bootloader ${t.bootloader}`, `tee ${t.tee}`, `snp ${t.snp}`, `microcode ${t.microcode}`];
  if (t.fmc !== undefined) parts.push(`fmc ${t.fmc}`);
  return parts.join(' · ');
}

function fieldsOf(f: SnpReportFields): { name: string; value: string }[] {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    { name: 'Product', value: f.product ?? 'unknown' },
    { name: 'Report version', value: String(f.version) },
    { name: 'Signing key', value: f.keyInfo.signingKey },
    { name: 'VMPL', value: String(f.vmpl) },
    { name: 'Guest SVN', value: String(f.guestSvn) },
    { name: 'Policy', value: `0x${f.policy.raw} — debug ${yes(f.policy.debugAllowed)}, SMT ${yes(f.policy.smtAllowed)}, migration agent ${yes(f.policy.migrateMaAllowed)}, single socket ${yes(f.policy.singleSocket)}` },
    { name: 'Measurement', value: f.measurement },
    { name: 'REPORT_DATA', value: f.reportData },
    { name: 'HOST_DATA', value: f.hostData },
    { name: 'ID key digest', value: f.idKeyDigest },
    { name: 'Author key digest', value: f.authorKeyDigest },
    { name: 'Family ID', value: f.familyId },
    { name: 'Image ID', value: f.imageId },
    { name: 'Reported TCB', value: formatTcb(f.reportedTcb) },
    { name: 'Current TCB', value: formatTcb(f.currentTcb) },
    { name: 'Committed TCB', value: formatTcb(f.committedTcb) },
    { name: 'Launch TCB', value: formatTcb(f.launchTcb) },
    { name: 'Current firmware', value: `${f.currentFirmware.major}.${f.currentFirmware.minor}.${f.currentFirmware.build}` },
    { name: 'Platform', value: `SMT ${yes(f.platformInfo.smtEnabled)}, TSME ${yes(f.platformInfo.tsmeEnabled)}, ECC ${yes(f.platformInfo.eccEnabled)}` },
    { name: 'Migration agent', value: f.noMigrationAgent ? 'none bound' : f.reportIdMa },
    { name: 'Report ID', value: f.reportId },
    { name: 'Chip ID', value: f.chipId },
  ];
}

function chainEntry(role: string, c: CertSummary): ChainEntry {
  return { role, subject: c.subject, issuer: c.issuer, notBefore: c.notBefore, notAfter: c.notAfter, fingerprint256: c.fingerprint256 };
}

function detailOf(v: SnpVerdict): StoredDetail {
  const chain: ChainEntry[] = [];
  if (v.signer) {
    chain.push(chainEntry(v.signer.key, v.signer.certificate));
    if (v.signer.intermediate) chain.push(chainEntry(v.signer.key === 'VLEK' ? 'ASVK' : 'ASK', v.signer.intermediate));
    if (v.signer.root) chain.push(chainEntry('ARK', v.signer.root));
  }
  return { fields: v.fields ? fieldsOf(v.fields) : [], checks: v.checks, chain };
}

function tdxFieldsOf(f: TdxQuoteFields, verdict: TdxVerdict, collateralNote: string | null): { name: string; value: string }[] {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const b = f.body;
  const a = b.tdAttributes;
  const t = verdict.tcb;
  const out = [
    { name: 'Product', value: 'Intel TDX' },
    { name: 'Quote version', value: `${f.header.version}${f.bodyType !== null ? ` (body type ${f.bodyType})` : ''}` },
    { name: 'TD body', value: b.type === 'td15' ? 'TD 1.5' : 'TD 1.0' },
    { name: 'TD attributes', value: `0x${a.raw} — debug ${yes(a.debug)}, SEPT #VE disabled ${yes(a.septVeDisable)}, PKS ${yes(a.pks)}, KL ${yes(a.kl)}, perfmon ${yes(a.perfmon)}` },
    { name: 'MRTD', value: b.mrTd },
    { name: 'RTMR0', value: b.rtmr[0] },
    { name: 'RTMR1', value: b.rtmr[1] },
    { name: 'RTMR2', value: b.rtmr[2] },
    { name: 'RTMR3', value: b.rtmr[3] },
    { name: 'REPORTDATA', value: b.reportData },
    { name: 'MRCONFIGID', value: b.mrConfigId },
    { name: 'MROWNER', value: b.mrOwner },
    { name: 'MROWNERCONFIG', value: b.mrOwnerConfig },
    { name: 'XFAM', value: b.xfam },
    { name: 'TEE TCB SVN', value: b.teeTcbSvn },
    { name: 'MRSEAM', value: b.mrSeam },
    { name: 'MRSIGNERSEAM', value: b.mrSignerSeam },
    { name: 'QE vendor ID', value: f.header.qeVendorId },
  ];
  if (b.mrServiceTd !== null) out.push({ name: 'MRSERVICETD', value: b.mrServiceTd });
  if (f.pck) out.push({ name: 'FMSPC', value: f.pck.fmspc }, { name: 'PCE SVN', value: String(f.pck.pceSvn) });
  out.push({ name: 'TCB status', value: t?.status ?? `unknown — signature and chain only (${collateralNote ?? 'no collateral'})` });
  if (t?.collateral) out.push({ name: 'Collateral', value: `TCB info issued ${t.collateral.tcbInfoIssueDate}, next update ${t.collateral.tcbInfoNextUpdate}` });
  if (t?.advisoryIds.length) out.push({ name: 'Advisories', value: t.advisoryIds.join(', ') });
  return out;
}

function tdxDetailOf(v: TdxVerdict, collateralNote: string | null): StoredDetail {
  const chain: ChainEntry[] = [];
  if (v.signer) {
    chain.push(chainEntry('PCK', v.signer.certificate));
    if (v.signer.intermediate) chain.push(chainEntry('PCK CA', v.signer.intermediate));
    if (v.signer.root) chain.push(chainEntry('Intel SGX Root CA', v.signer.root));
  }
  return { fields: v.fields ? tdxFieldsOf(v.fields, v, collateralNote) : [], checks: v.checks, chain };
}
