import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAttestCli } from './cli';
import { CORPUS, REFERENCE, caseById, snapshotTime } from './test-support';
import { REASON_CODES } from './types';

const tmp = mkdtempSync(join(tmpdir(), 'cairn-attest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NO_TRUST = join(tmp, 'no-such-folder');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAttestCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) }, { defaultTrustDir: NO_TRUST });
  return { code, out, err };
}

const c = (p: string) => resolve(CORPUS, p);
const snpArgs = (id: string) => {
  const k = caseById(id);
  return ['--report', c(k.files.report as string), '--vek', c(k.files.vek as string), '--ark', c(k.files.ark as string), '--ask', c(k.files.intermediate as string), '--at', k.verify_at as string];
};
const full = caseById('tdx-v4-phala-full-collateral');
const collateralArgs = (k = full) => [
  '--tcb-info', c(k.files.tcb_info as string),
  '--qe-identity', c(k.files.qe_identity as string),
  '--tcb-chain', c(k.files.tcb_signing_chain as string),
  '--pck-crl', c(k.files.pck_crl as string),
  '--root-crl', c(k.files.root_ca_crl as string),
  '--pck-crl-chain', c(k.files.pck_crl_issuer_chain as string),
];

describe('cairn attest verify (SEV-SNP)', () => {
  it('exit 0 and a readable verdict for a genuine report', async () => {
    const r = await cli('verify', ...snpArgs('oak-turin-v5'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ACCEPT {2}SEV-SNP, Turin, VCEK, report v5/);
    expect(r.out).toContain('fmc 0, bootloader 1, tee 0, snp 2, microcode 71');
    expect(r.out).toContain('measurement');
  });

  it('exit 1 with the reason for a debug guest', async () => {
    const r = await cli('verify', ...snpArgs('gosev-milan-v2-debug'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^REJECT/);
    expect(r.out).toContain('[policy-debug]');
  });

  it('--json prints one verdict object', async () => {
    const r = await cli('verify', ...snpArgs('azure-genoa-v3'), '--json');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const v = JSON.parse(r.out);
    expect(Object.keys(v).sort()).toEqual(['at', 'checks', 'fields', 'kind', 'product', 'reasons', 'signer', 'tcb', 'verdict']);
    expect(v).toMatchObject({ kind: 'sev-snp', verdict: 'accept', product: 'Genoa', reasons: [], signer: { key: 'VCEK' } });
    expect(v.fields.reportedTcb).toMatchObject({ bootloader: 10, snp: 23, microcode: 84 });
    expect(Object.values(v.checks).every((x) => typeof x === 'boolean')).toBe(true);
  });

  it('rejection reasons in --json use the closed code set', async () => {
    const r = await cli('verify', ...snpArgs('gosev-milan-v2-debug'), '--json');
    const v = JSON.parse(r.out);
    expect(v.verdict).toBe('reject');
    for (const reason of v.reasons) expect(REASON_CODES).toContain(reason.code);
  });

  it('policy flags: --report-data, --measurement, --min-tcb, --vmpl', async () => {
    const k = caseById('gcp-milan-v5-vmpl1');
    const exp = JSON.parse(readFileSync(c(k.files.expected_fields as string), 'utf8'));
    const base = snpArgs('gcp-milan-v5-vmpl1');
    expect((await cli('verify', ...base, '--report-data', exp.report_data_hex, '--measurement', exp.measurement_hex, '--min-tcb', 'bootloader=4,tee=0,snp=27,microcode=222', '--vmpl', '1')).code).toBe(0);
    const bad = await cli('verify', ...base, '--min-tcb', 'bootloader=4,tee=0,snp=28,microcode=222', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).reasons.map((x: { code: string }) => x.code)).toEqual(['policy-tcb']);
    expect((await cli('verify', ...base, '--measurement', '00'.repeat(48))).code).toBe(1);
    expect((await cli('verify', ...base, '--report-data', 'ab')).code).toBe(1);
    expect((await cli('verify', ...base, '--vmpl', '0')).code).toBe(1);
  });

  it('a VLEK report verified "now" (default --at) is rejected: the VLEK expired in 2025-12', async () => {
    const args = snpArgs('trustee-milan-v3-vlek-aws').slice(0, -2);
    const r = await cli('verify', ...args, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).reasons.map((x: { code: string }) => x.code)).toContain('cert-validity');
  });

  it('takes the roots from --trust-dir when --ark/--ask are absent', async () => {
    const dir = join(tmp, 'trust');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    for (const f of ['ark-milan.pem', 'ask-milan.pem', 'asvk-milan.pem', 'ark-genoa.pem']) copyFileSync(resolve(REFERENCE, 'amd-roots', f), join(dir, f));
    writeFileSync(join(dir, 'README'), 'not a certificate');
    const k = caseById('trustee-milan-v3-vlek-aws');
    const r = await cli('verify', '--report', c(k.files.report as string), '--vek', c(k.files.vek as string), '--at', k.verify_at as string, '--trust-dir', dir);
    expect(r.code, r.out + r.err).toBe(0);
  });

  it('exit 2 with a clear error when no roots are available', async () => {
    const k = caseById('oak-genoa-v5');
    const r = await cli('verify', '--report', c(k.files.report as string), '--vek', c(k.files.vek as string), '--at', k.verify_at as string);
    expect(r.code).toBe(2);
    expect(r.out).toContain('[roots-missing]');
    expect(r.err).toMatch(/no roots to verify against.*--ark and --ask.*--trust-dir/s);
  });

  it('exit 2 when an explicit trust folder cannot be read', async () => {
    const k = caseById('oak-genoa-v5');
    const r = await cli('verify', '--report', c(k.files.report as string), '--vek', c(k.files.vek as string), '--trust-dir', join(tmp, 'missing'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot read the trust folder');
  });

  it('exit 1 for malformed evidence, exit 2 for an unreadable file', async () => {
    const short = join(tmp, 'short.bin');
    writeFileSync(short, Buffer.alloc(1183));
    const args = snpArgs('oak-turin-v5');
    args[1] = short;
    const r = await cli('verify', ...args, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).reasons[0].code).toBe('malformed');
    args[1] = join(tmp, 'nope.bin');
    const u = await cli('verify', ...args);
    expect(u.code).toBe(2);
    expect(u.err).toContain('cannot read');
  });
});

describe('cairn attest verify (TDX)', () => {
  const quote = (id: string) => c(caseById(id).files.quote as string);

  it('a quote without collateral: exit 0, "signature and chain only"', async () => {
    const r = await cli('verify', '--quote', quote('tdx-v4-trustee-6'), '--at', snapshotTime());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ACCEPT \(signature and chain only\)/);
    expect(r.out).toContain('note [collateral-missing]');
    expect(r.out).toContain('tcb status      unknown (no collateral)');
  });

  it('with collateral: exit 0 and UpToDate; --json has the TCB status', async () => {
    const r = await cli('verify', '--quote', quote(full.id), ...collateralArgs(), '--root', resolve(REFERENCE, 'intel-roots/intel-sgx-root-ca.pem'), '--at', full.verify_at as string, '--json');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v).toMatchObject({ kind: 'tdx', verdict: 'accept', product: 'TDX', tcb: { status: 'UpToDate', qeStatus: 'UpToDate' } });
  });

  it('no matching TCB level: exit 1', async () => {
    const k = caseById('tdx-v5-phala-no-matching-tcb-level');
    const r = await cli('verify', '--quote', quote(k.id), ...collateralArgs(k), '--at', k.verify_at as string);
    expect(r.code).toBe(1);
    expect(r.out).toContain('[tcb-status]');
  });

  it('a debug TD: exit 1', async () => {
    expect((await cli('verify', '--quote', quote('tdx-v4-trustee-4'), '--at', snapshotTime())).code).toBe(1);
  });

  it('the look-alike root: exit 1', async () => {
    const r = await cli('verify', '--quote', c('neg/lookalike-root/quote.bin'), '--at', snapshotTime());
    expect(r.code).toBe(1);
    expect(r.out).toContain('[root-not-pinned]');
  });

  it('--mrtd and --report-data policy', async () => {
    const k = caseById('tdx-v4-trustee-6');
    const exp = JSON.parse(readFileSync(c(k.files.expected_fields as string), 'utf8'));
    expect((await cli('verify', '--quote', quote(k.id), '--at', snapshotTime(), '--mrtd', exp.parsed.body.mr_td, '--report-data', exp.parsed.body.report_data)).code).toBe(0);
    expect((await cli('verify', '--quote', quote(k.id), '--at', snapshotTime(), '--mrtd', '00'.repeat(48))).code).toBe(1);
  });
});

describe('cairn attest usage errors (exit 2)', () => {
  const quoteFile = c(full.files.quote as string);
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /usage: cairn attest/],
    ['an unknown command', ['frobnicate'], /unknown attest command/],
    ['an unknown option', ['verify', '--quote', quoteFile, '--bogus'], /unknown option --bogus/],
    ['both --report and --quote', ['verify', '--report', 'a', '--quote', 'b'], /exactly one of/],
    ['neither --report nor --quote', ['verify', '--json'], /exactly one of/],
    ['--report without --vek', ['verify', '--report', 'a'], /--vek/],
    ['a bad --at', ['verify', '--quote', quoteFile, '--at', 'yesterday'], /ISO-8601/],
    ['a bad --min-tcb', ['verify', '--report', 'a', '--vek', 'b', '--min-tcb', 'bootloader=x'], /--min-tcb/],
    ['an unknown --min-tcb component', ['verify', '--report', 'a', '--vek', 'b', '--min-tcb', 'cpu=1'], /--min-tcb/],
    ['--report-data longer than 64 bytes', ['verify', '--report', 'a', '--vek', 'b', '--report-data', '00'.repeat(65)], /--report-data/],
    ['a short --measurement', ['verify', '--report', 'a', '--vek', 'b', '--measurement', 'abcd'], /--measurement/],
    ['partial collateral', ['verify', '--quote', quoteFile, '--tcb-info', 'x'], /collateral needs all of/],
    ['an SNP flag on a quote', ['verify', '--quote', quoteFile, '--vek', 'x'], /does not apply/],
    ['a TDX flag on a report', ['verify', '--report', 'a', '--vek', 'b', '--tcb-info', 'x'], /does not apply/],
    ['--vmpl out of range', ['verify', '--report', 'a', '--vek', 'b', '--vmpl', '4'], /--vmpl/],
    ['show without input', ['show'], /exactly one of/],
    ['show --product on a quote', ['show', '--quote', quoteFile, '--product', 'milan'], /--product/],
  ];
  for (const [what, argv, msg] of cases) {
    it(what, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err + r.out).toMatch(msg);
    });
  }

  it('--help exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('verify --report FILE --vek FILE');
  });
});

describe('cairn attest show', () => {
  it('--report --json decodes every field', async () => {
    const k = caseById('oak-turin-v5');
    const r = await cli('show', '--report', c(k.files.report as string), '--json');
    expect(r.code).toBe(0);
    const f = JSON.parse(r.out);
    expect(f).toMatchObject({ version: 5, product: 'Turin', reportedTcb: { layout: 'turin', fmc: 0, bootloader: 1, snp: 2, microcode: 71 } });
    expect(f.signature.r).toMatch(/^[0-9a-f]{96}$/);
  });

  it('a v2 report needs --product to decode its TCB', async () => {
    const k = caseById('virtee-milan-v2');
    const plain = JSON.parse((await cli('show', '--report', c(k.files.report as string), '--json')).out);
    expect(plain.reportedTcb).toEqual({ raw: '0300000000000873', layout: 'unknown' });
    const withProduct = JSON.parse((await cli('show', '--report', c(k.files.report as string), '--product', 'milan', '--json')).out);
    expect(withProduct.reportedTcb).toMatchObject({ layout: 'milan-genoa', bootloader: 3, snp: 8, microcode: 115 });
  });

  it('human output lists field paths and values', async () => {
    const r = await cli('show', '--quote', c(full.files.quote as string));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^body\.mrTd +91eb2b44/m);
    expect(r.out).toMatch(/^pck\.fmspc +b0c06f000000/m);
  });

  it('a malformed quote exits 1', async () => {
    const bad = join(tmp, 'bad-quote.bin');
    writeFileSync(bad, Buffer.from([4, 0, 2, 0]));
    const r = await cli('show', '--quote', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('malformed quote');
  });
});
