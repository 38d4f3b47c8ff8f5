/**
 * Attestation of confidential guests: collect fresh SEV-SNP evidence over
 * SSH with an operator nonce as REPORT_DATA, verify it offline with the
 * pinned-root verifier under the operator's policy, and append evidence and
 * verdict to the history. Also verifies evidence files an operator brings,
 * and lists every confidential guest of the fleet cache with its last verdict.
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
  ChainEntry,
  GuestRef,
  MeasurementMatch,
  TcbValues,
} from '../../src-preload/contract';
import type { CommandAllowlist, SshService, SshTargetRef } from '../ssh';
import type { Db } from '../store/database';
import { AppException } from '../util/app-exception';
import type { Logger } from '../util/log';
import { AttestationRepo, type StoredDetail } from './attestation-repo';
import { ChainCache } from './chain-cache';
import { encodeBundle, parseCollectorOutput, sha256Hex, type SnpEvidenceFiles } from './evidence-bundle';
import { verifySnpReport } from './snp-verify';
import { EMPTY_TRUST, type TrustStore } from './trust-store';
import type { CertSummary, SnpPolicy, SnpReportFields, SnpTcb, SnpVerdict } from './types';

export const STALE_AFTER_SECONDS = 24 * 3600;

export interface AttestationServiceOptions {
  db: Db;
  ssh: SshService;
  allowlist: CommandAllowlist;
  /** The allowlisted template that collects evidence (default 'snpguest-report'). */
  collectCommand?: string;
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
  private readonly cache = new ChainCache();
  private readonly operator: string;
  private readonly now: () => Date;

  constructor(private readonly o: AttestationServiceOptions) {
    this.repo = new AttestationRepo(o.db);
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

  /** Collect over SSH (pinned host, allowlisted command, keychain key), verify, append. */
  async attestNow(req: { guest: GuestRef; target: SshTargetRef; keyName: string }): Promise<AttestationResult> {
    const nonce = Buffer.from((this.o.nonce ?? (() => randomBytes(64)))());
    if (nonce.length !== 64) throw new Error('nonce source must give 64 bytes');
    const nonceHex = nonce.toString('hex');
    const command = this.o.allowlist.build(this.o.collectCommand ?? 'snpguest-report', { nonceHex });
    const out = await this.o.ssh.exec(req.target, req.keyName, command);
    if (out.code !== 0) {
      const why = out.stderr.split('\n').find((l) => l.trim())?.slice(0, 300) ?? 'no message';
      throw new AppException('upstream', `The evidence collector exited with ${out.code ?? 'a signal'}: ${why}`, { details: { exitCode: out.code ?? -1 } });
    }
    const files = parseCollectorOutput(out.stdout);
    return this.verifyAndStore(files, {
      guest: req.guest,
      host: `${req.target.host}:${req.target.port}`,
      source: 'ssh',
      reportData: nonceHex,
      nonce: nonceHex,
    });
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
